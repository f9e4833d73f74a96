"""vectors/credentials/codes.json against the code (protocol.md sections 10.2 and 10.3).

A case's want_err is null (the typed code is accepted, with the given normalized form,
check character and part) or the reason it must be refused: "character", "length" or
"check". vectors/credentials/parts.json: credential keys from several codes, their
signatures, codes a booth must refuse, and a registrar's digest chain.
"""

import hashlib
import json
from pathlib import Path

import pysodium
import pytest

from referendum.credentials import (
    CODE_ALPHABET,
    CredentialCodeError,
    check_character,
    credential_key,
    credential_part,
    generate_code,
    normalize_code,
    roll_digest,
)
from referendum.group import transcript

DOCUMENT = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "credentials" / "codes.json").read_text()
)
FINGERPRINT = bytes.fromhex(DOCUMENT["fingerprint"])
PARTS = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "credentials" / "parts.json").read_text()
)
L = 2**252 + 27742317777372353535851937790883648493  # RFC 8032 5.1


def _scalar_of(canonical: str) -> int:
    """The part's scalar by Python integers, independently of libsodium (10.3)."""
    wide = hashlib.sha512(transcript("credential-part", FINGERPRINT, canonical)).digest()
    return int.from_bytes(wide, "little") % L


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
    assert _scalar_of(normalized).to_bytes(32, "little").hex() == case["scalar"]
    key = credential_key(FINGERPRINT, case["typed"])
    assert key.scalar.hex() == case["scalar"]
    assert key.public.hex() == case["point"] == credential_part(FINGERPRINT, case["typed"]).hex()


def test_parts_document_is_for_the_same_fingerprint() -> None:
    assert bytes.fromhex(PARTS["fp"]) == FINGERPRINT and int(PARTS["l"]) == L


@pytest.mark.parametrize("case", PARTS["parts"], ids=lambda c: c["canonical"])
def test_part_vector(case: dict) -> None:
    assert normalize_code(case["code"]) == case["canonical"]
    assert _scalar_of(case["canonical"]).to_bytes(32, "little").hex() == case["scalar"]
    assert credential_part(FINGERPRINT, case["code"]).hex() == case["point"]


@pytest.mark.parametrize("case", PARTS["credentials"], ids=lambda c: c["desc"])
def test_credential_vector(case: dict) -> None:
    want = sum(_scalar_of(normalize_code(c)) for c in case["codes"]) % L
    assert want.to_bytes(32, "little").hex() == case["scalar"]
    key = credential_key(FINGERPRINT, case["codes"])
    assert key.scalar.hex() == case["scalar"] and key.public.hex() == case["public_key"]
    message, signature = bytes.fromhex(case["message"]), bytes.fromhex(case["signature"])
    assert key.sign(message) == signature  # deterministic nonce (10.3): byte for byte
    pysodium.crypto_sign_verify_detached(signature, message, key.public)
    with pytest.raises(ValueError):
        pysodium.crypto_sign_verify_detached(signature, message + b"!", key.public)


@pytest.mark.parametrize("case", PARTS["refused"], ids=lambda c: c["desc"])
def test_refused_credential_vector(case: dict) -> None:
    with pytest.raises(CredentialCodeError) as info:
        credential_key(FINGERPRINT, case["codes"])
    assert (info.value.reason, info.value.part) == (case["want_err"], case["part"])


def test_digest_vector() -> None:
    case = PARTS["digest"]
    batches = [b"".join(bytes.fromhex(k) for k in keys) for keys in case["batches"]]
    # An independent reading of the chain of 10.4.
    h = bytes(32)
    for b, keys in enumerate(batches):
        h = hashlib.sha256(
            transcript(
                "credentials-digest", FINGERPRINT, case["region"], case["registrar"], b, h, keys
            )
        ).digest()
    assert h.hex() == case["digest"]
    assert roll_digest(FINGERPRINT, case["region"], case["registrar"], batches) == case["digest"]
