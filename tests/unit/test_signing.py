"""Ed25519 keys and signed messages (protocol.md section 8.2)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referendum.canonical import canonical_json
from referendum.errors import VerificationError
from referendum.group import SeededRandom
from referendum.signing import (
    Ed25519Key,
    SignatureInvalid,
    message_to_sign,
    public_key_from_hex,
    sign_message,
    verify_message,
    verify_signature,
)

ORDER = 2**252 + 27742317777372353535851937790883648493
FP = hashlib.sha512(b"a referendum").digest()[:32]
KEY = Ed25519Key(bytes(range(32)))
OTHER = Ed25519Key(bytes(range(1, 33)))
BODY: dict[str, Any] = {"registrar": "cec", "region": "north", "batches": 1, "count": 2}
KIND = "credentials.close"
WHAT = "board entry 7: credentials.close of registrar cec"

# RFC 8032 section 7.1, tests 1 to 3: (secret key = seed, public key, message, signature).
RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]


def _lp(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


# --- keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("seed", "public", "message", "signature"), RFC8032)
def test_rfc8032_known_answers(seed: str, public: str, message: str, signature: str) -> None:
    key = Ed25519Key(bytes.fromhex(seed))
    assert key.public.hex() == public
    assert key.sign(bytes.fromhex(message)).hex() == signature
    verify_signature(key.public, bytes.fromhex(message), bytes.fromhex(signature), "rfc8032")


@pytest.mark.parametrize("seed", [b"", bytes(31), bytes(33), "00" * 32, None])
def test_a_seed_is_32_bytes(seed: Any) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        Ed25519Key(seed)


def test_generate_draws_the_seed_from_rng() -> None:
    assert Ed25519Key.generate(SeededRandom(5)) == Ed25519Key(SeededRandom(5)(32))
    assert Ed25519Key.generate(SeededRandom(5)) != Ed25519Key.generate(SeededRandom(6))


def test_the_seed_is_never_printed() -> None:
    assert KEY.seed.hex() not in repr(KEY)
    assert "seed" not in repr(KEY)


def test_public_key_from_hex() -> None:
    assert public_key_from_hex(KEY.public.hex(), "k") == KEY.public


@pytest.mark.parametrize(
    "value",
    [
        KEY.public.hex().upper(),
        KEY.public.hex()[:-1],
        KEY.public.hex() + "00",
        "g" * 64,
        " " + KEY.public.hex()[1:],
        "00 " + "11" * 30 + "2",
        "",
        None,
        42,
        KEY.public,
        list(KEY.public),
    ],
)
def test_public_key_from_hex_refuses(value: Any) -> None:
    with pytest.raises(ValueError, match=r"^manifest\.registrars\[1\]\.signing_key: want 64"):
        public_key_from_hex(value, "manifest.registrars[1].signing_key")


# --- the signed bytes ------------------------------------------------------------------------


def test_message_to_sign_is_the_section_8_2_transcript() -> None:
    want = (
        _lp(b"referendum/v1/signed-message")
        + _lp(FP)
        + _lp(b"credentials.close")
        + _lp(b'{"batches":1,"count":2,"region":"north","registrar":"cec"}')
    )
    assert message_to_sign(FP, KIND, BODY) == want


def test_message_to_sign_refuses_a_body_with_a_signature() -> None:
    with pytest.raises(ValueError, match="signature"):
        message_to_sign(FP, KIND, {**BODY, "signature": "00"})


def test_sign_message_adds_the_signature_and_leaves_the_body_alone() -> None:
    body = dict(BODY)
    signed = sign_message(KEY, FP, KIND, body)
    assert body == BODY
    assert {k: v for k, v in signed.items() if k != "signature"} == BODY
    signature = bytes.fromhex(signed["signature"])
    assert signed["signature"] == signature.hex() and len(signature) == 64
    verify_signature(KEY.public, message_to_sign(FP, KIND, BODY), signature, WHAT)
    # Ed25519 is deterministic: the same message gives the same signature.
    assert sign_message(KEY, FP, KIND, body) == signed


def test_verify_message_gives_back_the_body() -> None:
    signed = sign_message(KEY, FP, KIND, BODY)
    assert verify_message(KEY.public, FP, KIND, signed, WHAT) == BODY
    # The signature covers the canonical form, not the order members arrive in.
    reordered = dict(reversed(list(signed.items())))
    assert verify_message(KEY.public, FP, KIND, reordered, WHAT) == BODY


def _flip(hex_text: str, position: int) -> str:
    raw = bytearray(bytes.fromhex(hex_text))
    raw[position] ^= 1
    return raw.hex()


def _s_plus_l(hex_text: str) -> str:
    raw = bytes.fromhex(hex_text)
    s = int.from_bytes(raw[32:], "little") + ORDER
    return (raw[:32] + s.to_bytes(32, "little")).hex()


def _tampered() -> list[tuple[str, Any, bytes, str, bytes, str]]:
    """(desc, message, public, kind, fp, what the error says) for one signed message."""
    good = sign_message(KEY, FP, KIND, BODY)
    sig = good["signature"]
    cases: list[tuple[str, Any, bytes, str, bytes, str]] = [
        ("another kind", good, KEY.public, "credentials", FP, "does not verify"),
        ("another referendum", good, KEY.public, KIND, bytes(32), "does not verify"),
        ("another signer", good, OTHER.public, KIND, FP, "does not verify"),
        ("count changed", {**good, "count": 3}, KEY.public, KIND, FP, "does not verify"),
        ("count as text", {**good, "count": "2"}, KEY.public, KIND, FP, "does not verify"),
        ("field added", {**good, "note": ""}, KEY.public, KIND, FP, "does not verify"),
        ("R changed", {**good, "signature": _flip(sig, 0)}, KEY.public, KIND, FP, "not verify"),
        ("S changed", {**good, "signature": _flip(sig, 40)}, KEY.public, KIND, FP, "not verify"),
        ("S + l", {**good, "signature": _s_plus_l(sig)}, KEY.public, KIND, FP, "not verify"),
        ("uppercase", {**good, "signature": sig.upper()}, KEY.public, KIND, FP, "lowercase"),
        ("not hex", {**good, "signature": "zz" * 64}, KEY.public, KIND, FP, "not hex"),
        ("63 bytes", {**good, "signature": sig[:-2]}, KEY.public, KIND, FP, "63 bytes, want 64"),
        ("empty", {**good, "signature": ""}, KEY.public, KIND, FP, "0 bytes, want 64"),
        ("bytes", {**good, "signature": bytes.fromhex(sig)}, KEY.public, KIND, FP, "no signature"),
        ("missing", dict(BODY), KEY.public, KIND, FP, "no signature"),
        ("not an object", [good], KEY.public, KIND, FP, "no signature"),
        ("31-byte key", good, KEY.public[:31], KIND, FP, "does not verify"),
    ]
    # Identity key, R = identity, S = 0: the bare equation [S]B = R + [k]A holds for every
    # message; libsodium refuses small-order keys and R (section 8.2).
    identity = bytes([1]) + bytes(31)
    forged = {**BODY, "signature": (identity + bytes(32)).hex()}
    cases.append(("small-order key", forged, identity, KIND, FP, "does not verify"))
    return cases


@pytest.mark.parametrize(
    ("message", "public", "kind", "fp", "says"),
    [c[1:] for c in _tampered()],
    ids=[c[0] for c in _tampered()],
)
def test_verify_message_refuses(
    message: Any, public: bytes, kind: str, fp: bytes, says: str
) -> None:
    with pytest.raises(SignatureInvalid, match=f"^{WHAT}: .*{says}"):
        verify_message(public, fp, kind, message, WHAT)


def test_signature_invalid_is_a_verification_error() -> None:
    assert issubclass(SignatureInvalid, VerificationError)


def test_verify_signature_checks_the_length_first() -> None:
    with pytest.raises(SignatureInvalid, match=r"^x: signature is 65 bytes, want 64$"):
        verify_signature(KEY.public, b"m", bytes(65), "x")


_BODIES = st.dictionaries(
    st.text("abcdefghij_", min_size=1, max_size=5).filter(lambda k: k != "signature"),
    st.one_of(st.integers(-(2**53) + 1, 2**53 - 1), st.text(max_size=8), st.booleans()),
    min_size=1,
    max_size=5,
)


@settings(max_examples=40)
@given(_BODIES, st.data())
def test_changing_any_field_breaks_the_signature(body: dict[str, Any], data: st.DataObject) -> None:
    signed = sign_message(KEY, FP, KIND, body)
    assert verify_message(KEY.public, FP, KIND, signed, WHAT) == body
    name = data.draw(st.sampled_from(sorted(body)))
    value = data.draw(st.one_of(st.integers(0, 9), st.text(max_size=3), st.none()))
    changed = {**signed, name: value}
    if canonical_json({**body, name: value}) == canonical_json(body):
        return
    with pytest.raises(SignatureInvalid):
        verify_message(KEY.public, FP, KIND, changed, WHAT)
