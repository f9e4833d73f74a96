"""Writes vectors/credentials/codes.json and parts.json: codes, check characters, parts,
credential keys, their signatures and the registrars' digests (protocol.md section 10).

Run: .venv/bin/python scripts/make_credential_vectors.py   (rewrites vectors/credentials/)

The file is committed and then fixed: tests/vectors/test_credential_vectors.py checks the
code against it, and the browser booth will check its JavaScript against the same file.
Rerun this only when protocol.md section 10 changes, and say so in the commit.

Each case of codes.json has `desc` and `want_err`: null for a code that must be accepted
(then `normalized`, `check`, and the code's part: `scalar` a, 32 bytes little-endian, and
`point` A = a*B), or the reason
a typed code must be refused: "character" (a character not used in codes), "length"
(not 20 code characters once spaces and hyphens are dropped) or "check" (the check
character does not match).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pysodium

from referendum.codes import LOOKALIKES
from referendum.credentials import (
    CODE_ALPHABET,
    CredentialCodeError,
    check_character,
    credential_key,
    credential_part,
    format_code,
    generate_code,
    normalize_code,
    roll_digest,
)
from referendum.group import SeededRandom, transcript
from referendum.signing import message_to_sign

OUT = Path(__file__).resolve().parent.parent / "vectors" / "credentials" / "codes.json"
PARTS = OUT.parent / "parts.json"
#: The order of Ed25519's prime-order group (RFC 8032 5.1).
L = 2**252 + 27742317777372353535851937790883648493
FINGERPRINT = bytes.fromhex("f1" * 32)
EXAMPLE_DATA = "7K2QDM9XPAF3D8WR4TZ"


def _times_x(value: int) -> int:
    value <<= 1
    return value ^ 0x25 if value & 0x20 else value


def _steps(data: str) -> list[int]:
    interim, steps = 0, []
    for char in data:
        interim = _times_x(interim) ^ CODE_ALPHABET.index(char)
        steps.append(interim)
    return steps


def _cyrillic(code: str) -> str:
    """Gives back code with every character that has a Cyrillic look-alike typed as it."""
    return code.translate({ord(latin): c for c, latin in LOOKALIKES.items() if c.isupper()})


def _code(data: str) -> str:
    return format_code(data + check_character(data))


def _generation() -> list[dict[str, Any]]:
    rng = SeededRandom("vectors/credentials")
    draws = [bytes(12), b"\xff" * 12, bytes(range(1, 13))] + [rng(12) for _ in range(3)]
    cases = []
    for data in draws:
        code = generate_code(lambda n, data=data: data[:n])
        cases.append({"desc": f"12 random bytes {data.hex()[:8]}...", "random": data.hex()})
        cases[-1]["code"] = code
    return cases


def _scalar(normalized: str) -> bytes:
    """The part's scalar computed with Python integers (section 10.3), not libsodium."""
    wide = hashlib.sha512(transcript("credential-part", FINGERPRINT, normalized)).digest()
    return (int.from_bytes(wide, "little") % L).to_bytes(32, "little")


def _valid(desc: str, typed: str) -> dict[str, Any]:
    normalized = normalize_code(typed)
    scalar = _scalar(normalized)
    point = credential_part(FINGERPRINT, typed)
    assert credential_key(FINGERPRINT, typed).public == point
    return {
        "desc": desc,
        "typed": typed,
        "want_err": None,
        "normalized": normalized,
        "check": normalized[-1],
        "scalar": scalar.hex(),
        "point": point.hex(),
    }


def _invalid(desc: str, typed: str, want_err: str) -> dict[str, Any]:
    try:
        normalize_code(typed)
    except CredentialCodeError as exc:
        if exc.reason != want_err:
            raise AssertionError(f"{desc}: got {exc.reason}, want {want_err}") from None
        return {"desc": desc, "typed": typed, "want_err": want_err}
    raise AssertionError(f"{desc}: accepted")


def _cases() -> list[dict[str, Any]]:
    rng = SeededRandom("vectors/credentials/cases")
    example = _code(EXAMPLE_DATA)
    all_chars = _code("0123456789ABCDEFGHJ")
    rest = _code("KMNPQRSTVWXYZ0Z1Z10")
    random_codes = [generate_code(rng) for _ in range(3)]
    # 0 and 1, then every Latin letter and digit a Cyrillic letter looks like.
    lookalike = _code("01ABEKMHPCTYX300000")
    canonical = example.replace("-", "")
    cases = [
        _valid("the worked example of protocol.md 10.2.2, printed form", example),
        _valid("the worked example, canonical form", canonical),
        _valid("the worked example, lower case with spaces", " ".join(example.lower().split("-"))),
        _valid("every character 0-9 A-J", all_chars),
        _valid(
            "0-9 A-J typed with O for 0, I and L for 1, mixed case",
            "oI23456789abCDEfghj" + all_chars[-1].lower(),
        ),
        _valid("every character K-Z", rest),
        _valid("K-Z with o and l typed for 0 and 1", rest.replace("0", "o").replace("1", "l")),
        _valid("all zero", _code("0" * 19)),
        _valid("all Z", _code("Z" * 19)),
        _valid("hyphens and spaces anywhere", " -" + "-".join(canonical) + "- "),
        _valid("Cyrillic look-alikes, upper case", _cyrillic(lookalike)),
        _valid("Cyrillic look-alikes, lower case", _cyrillic(lookalike).lower()),
        _valid(
            "Cyrillic O and Ukrainian I read as 0 and 1",
            "\u041e\u0406" + _cyrillic(lookalike)[2:],
        ),
    ]
    cases += [_valid(f"random code {i}", code) for i, code in enumerate(random_codes)]
    wrong_check = CODE_ALPHABET[(CODE_ALPHABET.index(canonical[-1]) + 1) % 32]
    swapped = canonical[1] + canonical[0] + canonical[2:]
    zero_z = "0Z" + "7K2QDM9XPAF3D8WR4"
    zero_z_code = zero_z + check_character(zero_z)
    cases += [
        _invalid("19 characters", example[:-1], "length"),
        _invalid("21 characters", example + "0", "length"),
        _invalid("empty", "", "length"),
        _invalid("only hyphens and spaces", "- -", "length"),
        _invalid("U is not used in codes", canonical[:5] + "U" + canonical[6:], "character"),
        _invalid("an asterisk", canonical[:19] + "*", "character"),
        _invalid("a tab is not ignored", canonical[:10] + "\t" + canonical[10:], "character"),
        _invalid("an en dash is not a hyphen", example.replace("-", "\u2013", 1), "character"),
        _invalid("a full-width digit", "\uff17" + canonical[1:], "character"),
        _invalid("an accented letter", canonical[:19] + "\u00e9", "character"),
        _invalid(
            "a Cyrillic letter that looks like no code character (zhe)",
            canonical[:3] + "\u0416" + canonical[4:],
            "character",
        ),
        _invalid(
            "Cyrillic U looks like Y, never like Latin U",
            _cyrillic(lookalike)[:9] + "U" + _cyrillic(lookalike)[10:],
            "character",
        ),
        _invalid("a bad character counts before a bad length", "U", "character"),
        _invalid("the check character changed", canonical[:19] + wrong_check, "check"),
        _invalid("first data character changed", "1" + canonical[1:], "check"),
        _invalid("first two characters swapped", swapped, "check"),
        _invalid(
            "0 and Z swapped (Luhn mod 32 misses this one)",
            "Z0" + zero_z_code[2:],
            "check",
        ),
        _invalid(
            "last data character and check character swapped",
            canonical[:18] + canonical[19] + canonical[18],
            "check",
        ),
    ]
    return cases


def main() -> None:
    document = {
        "description": (
            "Credential codes (protocol.md 10.2): generation from 12 random bytes, "
            "normalization of typed codes (Cyrillic look-alikes included), the Damm check "
            "character over GF(32), and the "
            "part each code contributes to a credential key (10.3) for the fingerprint below"
        ),
        "alphabet": CODE_ALPHABET,
        "fingerprint": FINGERPRINT.hex(),
        "worked_example": {
            "data": EXAMPLE_DATA,
            "interim": _steps(EXAMPLE_DATA),
            "check": check_character(EXAMPLE_DATA),
        },
        "generation": _generation(),
        "cases": _cases(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(document, indent=2) + "\n")
    print(f"wrote {OUT}")
    PARTS.write_text(json.dumps(_parts_document(), indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {PARTS}")


def _sum_scalars(scalars: list[bytes]) -> bytes:
    total = sum(int.from_bytes(x, "little") for x in scalars) % L
    return total.to_bytes(32, "little")


def _credential(desc: str, typed: list[str], message: bytes) -> dict[str, Any]:
    key = credential_key(FINGERPRINT, typed)
    scalar = _sum_scalars([_scalar(normalize_code(t)) for t in typed])
    assert key.scalar == scalar
    signature = key.sign(message)
    pysodium.crypto_sign_verify_detached(signature, message, key.public)  # RFC 8032
    return {
        "desc": desc,
        "codes": typed,
        "scalar": scalar.hex(),
        "public_key": key.public.hex(),
        "message": message.hex(),
        "signature": signature.hex(),
    }


def _refused(desc: str, typed: list[str], want_err: str, part: int) -> dict[str, Any]:
    try:
        credential_key(FINGERPRINT, typed)
    except CredentialCodeError as exc:
        if (exc.reason, exc.part) != (want_err, part):
            raise AssertionError(f"{desc}: got {exc.reason} part {exc.part}") from None
        return {"desc": desc, "codes": typed, "want_err": want_err, "part": part}
    raise AssertionError(f"{desc}: accepted")


def _parts_document() -> dict[str, Any]:
    rng = SeededRandom("vectors/credentials/parts")
    a, b, c = (generate_code(rng) for _ in range(3))
    parts = []
    for code in (a, b, c):
        normalized = normalize_code(code)
        parts.append(
            {
                "code": code,
                "canonical": normalized,
                "scalar": _scalar(normalized).hex(),
                "point": credential_part(FINGERPRINT, code).hex(),
            }
        )
    ballot = message_to_sign(FINGERPRINT, "ballot", {"example": "the signed bytes of 8.2.2"})
    credentials = [
        _credential("two codes, as the demo's voters have", [a, b], ballot),
        _credential("the same two codes in the other order: the same key", [b, a], ballot),
        _credential(
            "two codes, typed in lower case with spaces", [a.lower(), b.replace("-", " ")], b""
        ),
        _credential("three codes", [a, b, c], b"any message"),
        _credential("one code (a rehearsal referendum, codes_per_voter = 1)", [a], ballot),
    ]
    typo = b[:-1] + CODE_ALPHABET[(CODE_ALPHABET.index(b[-1]) + 1) % 32]
    refused = [
        _refused("the same code typed twice", [a, a], "same", 2),
        _refused("the same code, once in lower case", [a, a.lower()], "same", 2),
        _refused("a typo in the second code", [a, typo], "check", 2),
        _refused("a typo in the first code", [typo, a], "check", 1),
        _refused("the second code too short", [a, b[:-2]], "length", 2),
        _refused("a character not used in codes in the first", ["U" + a[1:], b], "character", 1),
    ]
    points = [bytes.fromhex(p["point"]) for p in parts]
    chain = [b"".join(points[:2]), points[2]]
    digest = {
        "desc": "a registrar's digest over two batches: [A_a, A_b], then [A_c] (10.4)",
        "region": "north",
        "registrar": "reg-a",
        "batches": [[p.hex() for p in points[:2]], [points[2].hex()]],
        "digest": roll_digest(FINGERPRINT, "north", "reg-a", chain),
    }
    return {
        "description": (
            "Co-issued credentials (protocol.md 10.3, 10.4): the part of each code, the "
            "credential key of a voter's codes (their parts summed, in any order), an "
            "Ed25519 signature made with the summed scalar, codes a booth must refuse, and "
            "a registrar's digest chain, for the fingerprint below"
        ),
        "fp": FINGERPRINT.hex(),
        "l": str(L),
        "parts": parts,
        "credentials": credentials,
        "refused": refused,
        "digest": digest,
    }


if __name__ == "__main__":
    main()
