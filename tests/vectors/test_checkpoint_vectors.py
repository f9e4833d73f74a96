"""vectors/checkpoint/cosignature.json against the code (protocol.md 7.4.2 to 7.4.4).

want_err is null for a valid case, "decode" when the checkpoint text or the key text must
be refused as it is read, "invalid" when both read fine and the signature by the case's
key must not verify.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from referendum.board import (
    CheckpointFormatError,
    EncodingError,
    NoteSignature,
    SignatureError,
    SigningKey,
    parse_signed_checkpoint,
    parse_verifier_key,
    sign_checkpoint,
)

FILE = Path(__file__).resolve().parents[2] / "vectors" / "checkpoint" / "cosignature.json"
DOCUMENT: dict[str, Any] = json.loads(FILE.read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = DOCUMENT["cases"]


def _described(s: NoteSignature) -> dict[str, Any]:
    return {
        "name": s.name,
        "key_id_hex": s.key_id.hex(),
        "timestamp": None if s.timestamp is None else str(s.timestamp),
        "signature_hex": s.signature.hex(),
    }


@pytest.mark.parametrize("case", CASES, ids=[c["desc"][:60] for c in CASES])
def test_cosignature_vector(case: dict[str, Any]) -> None:
    if case["want_err"] == "decode":
        with pytest.raises((CheckpointFormatError, EncodingError)):
            parse_signed_checkpoint(case["checkpoint"])
            parse_verifier_key(case["key"])
        return
    signed = parse_signed_checkpoint(case["checkpoint"])
    assert [_described(s) for s in signed.signatures] == case["signatures"]
    assert signed.to_text() == case["checkpoint"]  # one text per value
    if case["key"] is None:
        last = signed.signatures[-1]
        message = signed.checkpoint.signed_message(0x04, last.timestamp)
        assert message.hex() == case["message_hex"]
        return
    key = parse_verifier_key(case["key"])
    line = signed.signature_by(key)
    if "message_hex" in case:
        assert (
            signed.checkpoint.signed_message(key.key_type, line.timestamp).hex()
            == (case["message_hex"])
        )
    if case["want_err"] == "invalid":
        with pytest.raises(SignatureError):
            signed.verify(key)
    else:
        assert case["want_err"] is None
        signed.verify(key)


def test_cases_cover_each_outcome() -> None:
    assert {c["want_err"] for c in CASES} == {None, "decode", "invalid"}
    assert any("c2sp.org" in c["desc"] for c in CASES)


def test_the_code_signs_the_valid_cases_byte_for_byte() -> None:
    keys = DOCUMENT["keys"]
    board = SigningKey(
        keys["board"]["name"], keys["board"]["key_type"], bytes.fromhex(keys["board"]["seed_hex"])
    )
    witness = SigningKey(
        keys["witness"]["name"],
        keys["witness"]["key_type"],
        bytes.fromhex(keys["witness"]["seed_hex"]),
    )
    assert board.verifier().to_text() == keys["board"]["verifier"]
    assert witness.verifier().to_text() == keys["witness"]["verifier"]
    for case in CASES:
        if case["want_err"] is not None or case["key"] != witness.verifier().to_text():
            continue
        parsed = parse_signed_checkpoint(case["checkpoint"])
        stamp = parsed.signature_by(witness.verifier()).timestamp
        remade = sign_checkpoint(parsed.checkpoint, board).with_signature(witness, now=stamp)
        assert remade.to_text() == case["checkpoint"]
