"""Writes vectors/tracking/codes.json: tracking codes with their check character.

Run: .venv/bin/python scripts/make_tracking_vectors.py   (rewrites vectors/tracking/)

The file is committed and then fixed: tests/vectors/test_tracking_vectors.py and
web/test/tracking.test.js check the Python and JavaScript code against it. Rerun this
only when protocol.md section 12.4 changes, and say so in the commit.

`codes` gives tracking hashes and their codes; `worked_example` is the example of 12.4
step by step; each of `cases` has `desc`, the `typed` text and `want_err`: null for a
code that must be accepted (then `normalized` is its canonical form) or the reason it
must be refused: "character" (a character not used in codes; `position` counts every
typed character from 1), "length" (not 20 code characters once white space and hyphens
are dropped) or "check" (the check character does not match: a typing mistake).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from referendum.ballot import (
    TRACKING_CHECK_START,
    TrackingCodeError,
    normalize_tracking_code,
    tracking_code,
)
from referendum.codes import ALPHABET, LOOKALIKES, times_x
from referendum.credentials import generate_code
from referendum.group import SeededRandom

OUT = Path(__file__).resolve().parent.parent / "vectors" / "tracking" / "codes.json"
#: The worked example of protocol.md 12.4: the first ballot of vectors/ballots/ballots.json.
EXAMPLE_HASH = bytes.fromhex("4200f5e4095dac0bec828f266097e7c9f39e0cd86ce7f1717a5249aa5f99daf4")


def _cyrillic(code: str) -> str:
    """Gives back code with every character that has a Cyrillic look-alike typed as it."""
    return code.translate({ord(latin): c for c, latin in LOOKALIKES.items() if c.isupper()})


def _steps(code: str) -> list[int]:
    interim, steps = TRACKING_CHECK_START, []
    for char in code.replace("-", "")[:19]:
        interim = times_x(interim) ^ ALPHABET.index(char)
        steps.append(interim)
    return steps


def _valid(desc: str, typed: str) -> dict[str, Any]:
    return {
        "desc": desc,
        "typed": typed,
        "want_err": None,
        "normalized": normalize_tracking_code(typed),
    }


def _invalid(desc: str, typed: str, want_err: str) -> dict[str, Any]:
    try:
        normalize_tracking_code(typed)
    except TrackingCodeError as exc:
        if exc.reason != want_err:
            raise AssertionError(f"{desc}: refused as {exc.reason}, want {want_err}") from None
        case: dict[str, Any] = {"desc": desc, "typed": typed, "want_err": want_err}
        if want_err == "character":
            case["position"] = exc.position
        return case
    raise AssertionError(f"{desc}: accepted")


def _hash_of(data: str) -> bytes:
    """Gives back a tracking hash whose code has these 19 data characters (zeros after)."""
    bits = 0
    for char in data:
        bits = bits * 32 + ALPHABET.index(char)
    return (bits << 1).to_bytes(12, "big") + bytes(20)


def _other(char: str) -> str:
    """Gives back the next character of the alphabet: a one-character typo."""
    return ALPHABET[(ALPHABET.index(char) + 1) % 32]


def _cases(example: str) -> list[dict[str, Any]]:
    canonical = example.replace("-", "")
    # Every letter and digit with a Cyrillic look-alike, then 0 and 1.
    lookalike = tracking_code(_hash_of("ABEKMHPCTYX3010ABEK"))
    cases = [
        _valid("the worked example of protocol.md 12.4, printed form", example),
        _valid("the worked example, canonical form", canonical),
        _valid("lower case, spaces for hyphens", example.lower().replace("-", " ")),
        _valid(
            "tab, line feed and carriage return are dropped",
            f"\t{canonical[:10]}\r\n{canonical[10:]} ",
        ),
        _valid(
            "O typed for 0, I and L for 1", "oIl" + tracking_code(_hash_of("0110" + "0" * 15))[3:]
        ),
        _valid("Cyrillic look-alikes, upper case", _cyrillic(lookalike)),
        _valid("Cyrillic look-alikes, lower case", _cyrillic(lookalike).lower()),
        _valid("all zero hash", tracking_code(bytes(32))),
        _valid("all ff hash", tracking_code(b"\xff" * 32)),
    ]
    for i in range(20):
        typo = canonical[:i] + _other(canonical[i]) + canonical[i + 1 :]
        what = "the check character" if i == 19 else f"data character {i + 1}"
        cases.append(_invalid(f"typo in {what}", typo, "check"))
    for i in range(19):
        if canonical[i] == canonical[i + 1]:
            continue
        swapped = canonical[:i] + canonical[i + 1] + canonical[i] + canonical[i + 2 :]
        cases.append(_invalid(f"characters {i + 1} and {i + 2} swapped", swapped, "check"))
    credential = generate_code(SeededRandom("vectors/tracking credential"))
    cases += [
        _invalid("8 typed for B (the issue's example)", _with(canonical, 0, "B", "8"), "check"),
        _invalid("a credential code is never a tracking code", credential, "check"),
        _invalid("19 characters", example[:-1], "length"),
        _invalid("21 characters", example + "0", "length"),
        _invalid("empty", "", "length"),
        _invalid("U is not used in codes", canonical[:5] + "U" + canonical[6:], "character"),
        _invalid("an asterisk", canonical[:19] + "*", "character"),
        _invalid("an en dash is not a hyphen", example.replace("-", "\u2013", 1), "character"),
        _invalid("a full-width digit", "\uff10" + canonical[1:], "character"),
        _invalid(
            "a Cyrillic letter that looks like no code character",
            "\u0416" + canonical[1:],
            "character",
        ),
        _invalid("a bad character counts before a bad length", "U", "character"),
    ]
    return cases


def _with(canonical: str, i: int, old: str, new: str) -> str:
    """Gives back canonical with character i set to old (the check fixed), then mistyped as
    new: a code that is valid with old and typed with new."""
    data = canonical[:i] + old + canonical[i + 1 : 19]
    values = [ALPHABET.index(c) for c in data]
    interim = TRACKING_CHECK_START
    for v in values:
        interim = times_x(interim) ^ v
    good = data + ALPHABET[times_x(interim)]
    assert normalize_tracking_code(good) == good
    return good[:i] + new + good[i + 1 :]


def main() -> None:
    example = tracking_code(EXAMPLE_HASH)
    rng = SeededRandom("vectors/tracking")
    hashes = [bytes(32), b"\xff" * 32, bytes(range(32)), EXAMPLE_HASH] + [rng(32) for _ in range(4)]
    document = {
        "description": (
            "Tracking codes (protocol.md 12.4): the first 95 bits of the tracking hash as 19 "
            "Crockford base32 characters and a Damm check character over GF(32) folded from "
            "1; normalization of typed codes (Cyrillic look-alikes included); typos, "
            "transpositions, wrong lengths and bad characters refused with their reason"
        ),
        "alphabet": ALPHABET,
        "check_start": TRACKING_CHECK_START,
        "lookalikes": LOOKALIKES,
        "worked_example": {
            "hash": EXAMPLE_HASH.hex(),
            "data": example.replace("-", "")[:19],
            "interim": _steps(example),
            "code": example,
        },
        "codes": [{"hash": h.hex(), "code": tracking_code(h)} for h in hashes],
        "cases": _cases(example),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
