"""vectors/credentials/codes.json against the code (protocol.md sections 10.2 and 10.3).

A case's want_err is null (the typed code is accepted, with the given normalized form,
check character, seed and public key) or the reason it must be refused: "character",
"length" or "check".
"""

import json
from pathlib import Path

import pytest

from referendum.credentials import (
    CODE_ALPHABET,
    CredentialCodeError,
    check_character,
    credential_key,
    generate_code,
    normalize_code,
)

DOCUMENT = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "credentials" / "codes.json").read_text()
)
FINGERPRINT = bytes.fromhex(DOCUMENT["fingerprint"])


def test_alphabet() -> None:
    assert DOCUMENT["alphabet"] == CODE_ALPHABET


def test_worked_example_step_by_step() -> None:
    # An independent reading of section 10.2.2: interim = 2*interim + value in GF(32).
    example = DOCUMENT["worked_example"]
    interim, steps = 0, []
    for char in example["data"]:
        interim = (interim << 1) ^ (0x25 if interim & 0x10 else 0) ^ CODE_ALPHABET.index(char)
        steps.append(interim)
    assert steps == example["interim"]
    check = (interim << 1) ^ (0x25 if interim & 0x10 else 0)
    assert CODE_ALPHABET[check] == example["check"] == check_character(example["data"])


@pytest.mark.parametrize("case", DOCUMENT["generation"], ids=lambda c: c["random"])
def test_generation_vector(case: dict) -> None:
    draw = bytes.fromhex(case["random"])
    assert generate_code(lambda n: draw[:n]) == case["code"]


@pytest.mark.parametrize("case", DOCUMENT["cases"], ids=lambda c: c["desc"])
def test_code_vector(case: dict) -> None:
    try:
        normalized = normalize_code(case["typed"])
        outcome = None
    except CredentialCodeError as exc:
        outcome = exc.reason
    assert outcome == case["want_err"]
    if outcome is not None:
        return
    assert normalized == case["normalized"]
    assert check_character(normalized[:19]) == case["check"] == normalized[19]
    key = credential_key(FINGERPRINT, case["typed"])
    assert key.seed.hex() == case["seed"]
    assert key.public.hex() == case["public_key"]
