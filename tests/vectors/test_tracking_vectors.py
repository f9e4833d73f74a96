"""vectors/tracking/codes.json against the code (protocol.md section 12.4).

A case's want_err is null (the typed code is accepted, with the given normalized form) or
the reason it must be refused: "character" (with the position of the character),
"length" or "check".
"""

import json
from pathlib import Path
from typing import Any

import pytest

from referendum.ballot import (
    TRACKING_CHECK_START,
    TrackingCodeError,
    normalize_tracking_code,
    tracking_code,
)
from referendum.codes import ALPHABET, LOOKALIKES

DOCUMENT = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "tracking" / "codes.json").read_text()
)


def test_alphabet_and_table() -> None:
    assert DOCUMENT["alphabet"] == ALPHABET
    assert DOCUMENT["check_start"] == TRACKING_CHECK_START
    assert DOCUMENT["lookalikes"] == LOOKALIKES


def test_worked_example_step_by_step() -> None:
    # An independent reading of 12.4: the data is the top 95 bits of h; the check folds
    # interim = x*interim + value in GF(32) from 1, and is x times the last interim.
    example = DOCUMENT["worked_example"]
    bits = int.from_bytes(bytes.fromhex(example["hash"])[:12], "big") >> 1
    data = "".join(ALPHABET[(bits >> (5 * (18 - i))) & 31] for i in range(19))
    assert data == example["data"]
    interim, steps = 1, []
    for char in data:
        interim = (interim << 1) ^ (0x25 if interim & 0x10 else 0) ^ ALPHABET.index(char)
        steps.append(interim)
    assert steps == example["interim"]
    check = (interim << 1) ^ (0x25 if interim & 0x10 else 0)
    code = data + ALPHABET[check]
    assert "-".join(code[i : i + 4] for i in range(0, 20, 4)) == example["code"]
    assert tracking_code(bytes.fromhex(example["hash"])) == example["code"]


@pytest.mark.parametrize("case", DOCUMENT["codes"], ids=lambda c: c["hash"][:16])
def test_code_of_hash(case: dict[str, str]) -> None:
    assert tracking_code(bytes.fromhex(case["hash"])) == case["code"]


@pytest.mark.parametrize("case", DOCUMENT["cases"], ids=lambda c: c["desc"])
def test_typed_code(case: dict[str, Any]) -> None:
    try:
        normalized = normalize_tracking_code(case["typed"])
    except TrackingCodeError as exc:
        assert exc.reason == case["want_err"], str(exc)
        if exc.reason == "character":
            assert exc.position == case["position"]
            assert exc.char == case["typed"][exc.position - 1]
        return
    assert case["want_err"] is None, f"accepted as {normalized}"
    assert normalized == case["normalized"]


def test_every_corruption_kind_is_present() -> None:
    reasons = [c["want_err"] for c in DOCUMENT["cases"]]
    assert {None, "check", "length", "character"} <= set(reasons)
    descs = " ".join(c["desc"] for c in DOCUMENT["cases"])
    for i in range(1, 20):
        assert f"typo in data character {i}" in descs
    assert "typo in the check character" in descs and "swapped" in descs
    assert "Cyrillic" in descs
