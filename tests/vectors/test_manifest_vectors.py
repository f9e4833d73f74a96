"""vectors/manifest/ against the code (protocol.md sections 8.1, 8.2 and 9).

want_err is null for a valid case, "decode" when the input must be refused as it is read,
"invalid" when a signed message reads fine and its signature must not verify.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pysodium
import pytest

from referendum.board.keys import BOARD_KEY, SigningKey, parse_verifier_key
from referendum.canonical import JsonFormatError, canonical_json, parse_json
from referendum.manifest import Manifest, ManifestError, load_manifest_toml
from referendum.signing import (
    Ed25519Key,
    SignatureInvalid,
    message_to_sign,
    sign_message,
    verify_message,
)

FOLDER = Path(__file__).resolve().parents[2] / "vectors" / "manifest"


def _load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FOLDER / name).read_text(encoding="utf-8"))
    return document


CANONICAL = _load("canonical.json")
SIGNED = _load("signed.json")
MANIFESTS = _load("manifest.json")


def _lp(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [c["desc"] for c in cases]


# --- 8.1 canonical JSON ----------------------------------------------------------------------


@pytest.mark.parametrize("case", CANONICAL["cases"], ids=_ids(CANONICAL["cases"]))
def test_canonical_json_vector(case: dict[str, Any]) -> None:
    given = bytes.fromhex(case["input_hex"]) if "input_hex" in case else case["input"]
    if case["want_err"] is not None:
        with pytest.raises(JsonFormatError):
            parse_json(given)
        return
    data = canonical_json(parse_json(given))
    assert data.hex() == case["canonical_hex"]
    assert data == case["canonical"].encode("utf-8")
    assert canonical_json(parse_json(data)) == data


def test_canonical_vectors_cover_the_brief() -> None:
    descs = " ".join(_ids(CANONICAL["cases"]))
    for word in ("Ukrainian", "control", "sorted", "nested arrays", "NaN", "duplicate", "2^53"):
        assert word in descs
    assert "non-ASCII key" in descs and "fraction" in descs


# --- 8.2 signed messages ---------------------------------------------------------------------


@pytest.mark.parametrize("case", SIGNED["cases"], ids=_ids(SIGNED["cases"]))
def test_signed_message_vector(case: dict[str, Any]) -> None:
    public = bytes.fromhex(case["public_key"])
    fp = bytes.fromhex(case["fingerprint"])
    kind = case["kind"]
    if case["want_err"] is not None:
        with pytest.raises(SignatureInvalid):
            verify_message(public, fp, kind, case["payload"], case["desc"])
        return
    key = Ed25519Key(bytes.fromhex(case["seed"]))
    assert key.public == public
    body = case["body"]
    assert canonical_json(body).decode("utf-8") == case["canonical_body"]
    want = (
        _lp(b"referendum/v1/signed-message")
        + _lp(fp)
        + _lp(kind.encode("ascii"))
        + _lp(case["canonical_body"].encode("utf-8"))
    )
    assert want.hex() == case["message_hex"]
    assert message_to_sign(fp, kind, body) == want
    signature = bytes.fromhex(case["signature"])
    # Plain libsodium Ed25519 over the message bytes: nothing hashed before signing.
    pysodium.crypto_sign_verify_detached(signature, want, public)
    assert sign_message(key, fp, kind, body) == case["payload"]
    assert verify_message(public, fp, kind, case["payload"], case["desc"]) == body


# --- 9 manifests -----------------------------------------------------------------------------


def test_the_worked_example_keys_come_from_the_seeds() -> None:
    seeds = {k: bytes.fromhex(v) for k, v in MANIFESTS["seeds"].items()}
    example = MANIFESTS["cases"][0]["manifest"]
    trustee = example["trustees"][0]
    assert trustee["signing_key"] == Ed25519Key(seeds["trustee_signing"]).public.hex()
    box = pysodium.crypto_scalarmult_curve25519_base(seeds["trustee_box_secret"])
    assert trustee["encryption_key"] == box.hex()
    registrar = example["registrars"][0]
    assert registrar["signing_key"] == Ed25519Key(seeds["registrar_signing"]).public.hex()
    board = SigningKey("referendum-board", BOARD_KEY, seeds["board_signing"])
    assert example["board"]["key"] == board.verifier().to_text()


@pytest.mark.parametrize("case", MANIFESTS["cases"], ids=_ids(MANIFESTS["cases"]))
def test_manifest_vector(case: dict[str, Any]) -> None:
    if case["want_err"] is not None:
        with pytest.raises(ManifestError, match=f"^{re.escape(case['field'])}: "):
            Manifest.from_json(case["manifest"])
        return
    m = Manifest.from_json(case["manifest"])
    data = bytes.fromhex(case["canonical_hex"])
    assert m.canonical == data and len(data) == case["canonical_length"]
    prefix = _lp(b"referendum/v1/manifest") + len(data).to_bytes(4, "big")
    assert prefix.hex() == case["transcript_prefix_hex"]
    fp = hashlib.sha512(prefix + data).digest()[:32]
    assert fp.hex() == case["fingerprint"] == m.fingerprint.hex()
    if "toml" in case:
        from_toml = load_manifest_toml(case["toml"], parse_verifier_key(case["board_key"]))
        assert from_toml.canonical == data


def test_one_letter_changes_the_fingerprint() -> None:
    fps = [c["fingerprint"] for c in MANIFESTS["cases"] if c["want_err"] is None]
    assert len(set(fps)) == len(fps) >= 5


def test_display_names_are_read_and_kept() -> None:
    shown = [
        c
        for c in MANIFESTS["cases"]
        if c["want_err"] is None and any("display" in t for t in c["manifest"]["trustees"])
    ]
    assert len(shown) == 2  # the TOML template case and the worked example with names
    for case in shown:
        m = Manifest.from_json(case["manifest"])
        assert m.trustee(1).display == case["manifest"]["trustees"][0]["display"]
        assert b'"display":{' in m.canonical
