"""Checkpoint text, keys and signatures (docs/protocol.md, section 7.4)."""

from __future__ import annotations

import base64
import hashlib
import time

import pysodium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referendum.board import (
    BOARD_KEY,
    WITNESS_KEY,
    BoardVerificationError,
    Checkpoint,
    CheckpointFormatError,
    EncodingError,
    NoteSignature,
    SignatureError,
    SignedCheckpoint,
    SigningKey,
    parse_signed_checkpoint,
    parse_verifier_key,
    sign_checkpoint,
    verify_checkpoint,
)
from referendum.board.checkpoint import COSIGNATURE_CONTEXT

BOARD = SigningKey("board.example", BOARD_KEY, bytes(range(32)))
WITNESS = SigningKey("witness-1", WITNESS_KEY, bytes(range(1, 33)))
T = 1_767_225_600  # 2026-01-01T00:00:00Z
ROOT = hashlib.sha256(b"some root").digest()
CP = Checkpoint("referendum/2026", 1234, ROOT)


def test_text_byte_by_byte() -> None:
    signed = sign_checkpoint(CP, BOARD).with_signature(WITNESS, now=T)
    text = signed.encode()
    body = b"referendum/2026\n1234\n" + base64.b64encode(ROOT) + b"\n"
    pk_board = pysodium.crypto_sign_seed_keypair(bytes(range(32)))[0]
    pk_witness = pysodium.crypto_sign_seed_keypair(bytes(range(1, 33)))[0]
    id_board = hashlib.sha256(b"board.example\n\x01" + pk_board).digest()[:4]
    id_witness = hashlib.sha256(b"witness-1\n\x04" + pk_witness).digest()[:4]
    lines = text.split(b"\n")
    assert text.startswith(body + b"\n")
    assert lines[4].startswith(b"\xe2\x80\x94 board.example ")
    assert lines[5].startswith(b"\xe2\x80\x94 witness-1 ")
    assert lines[6:] == [b""]
    blob_b = base64.b64decode(lines[4].split(b" ")[2])
    blob_w = base64.b64decode(lines[5].split(b" ")[2])
    assert len(blob_b) == 68 and len(blob_w) == 76
    assert blob_b[:4] == id_board and blob_w[:4] == id_witness
    assert blob_w[4:12] == T.to_bytes(8, "big")
    pysodium.crypto_sign_verify_detached(blob_b[4:], body, pk_board)
    message = b"cosignature/v1\ntime 1767225600\n" + body
    pysodium.crypto_sign_verify_detached(blob_w[12:], message, pk_witness)
    assert COSIGNATURE_CONTEXT == b"cosignature/v1\n"
    assert signed.signatures[1].timestamp == T and signed.signatures[0].timestamp is None
    assert parse_signed_checkpoint(text) == signed
    assert parse_signed_checkpoint(text.decode()) == signed
    assert verify_checkpoint(text, BOARD.verifier()) == CP
    signed.verify(WITNESS.verifier())


def test_keys_text_round_trip() -> None:
    for key in (BOARD, WITNESS):
        v = key.verifier()
        assert parse_verifier_key(v.to_text()) == v
        name, id_hex, blob = v.to_text().split("+", 2)
        assert name == key.name and bytes.fromhex(id_hex) == v.key_id
        assert base64.b64decode(blob) == bytes([key.key_type]) + v.public_key
    assert "seed" not in repr(BOARD) and bytes(range(32)).hex() not in repr(BOARD)


@pytest.mark.parametrize(
    "text",
    [
        "a+b",
        "name+0000000g+AQ==",
        "name+00000000+!!!",
        "name+00000000+" + base64.b64encode(b"\x01" + bytes(31)).decode(),
        "name+00000000+" + base64.b64encode(b"\x01" + bytes(32)).decode(),
        "name+00000000+" + base64.b64encode(b"\x02" + bytes(32)).decode(),
    ],
)
def test_bad_verifier_keys(text: str) -> None:
    with pytest.raises(EncodingError):
        parse_verifier_key(text)


def test_a_key_text_of_the_old_witness_type_is_refused() -> None:
    public = WITNESS.verifier().public_key
    key_id = hashlib.sha256(b"witness-1\n\x81" + public).digest()[:4]
    blob = base64.b64encode(b"\x81" + public).decode()
    text = f"witness-1+{key_id.hex()}+{blob}"
    with pytest.raises(EncodingError, match="0x81"):
        parse_verifier_key(text)


def test_bad_key_material() -> None:
    with pytest.raises(ValueError):
        SigningKey("k", BOARD_KEY, bytes(31))
    with pytest.raises(EncodingError):
        SigningKey("a b", BOARD_KEY, bytes(32))
    with pytest.raises(EncodingError):
        SigningKey("k", 0x02, bytes(32))
    with pytest.raises(EncodingError, match="0x81"):  # the co-signature key type before v1
        SigningKey("k", 0x81, bytes(32))
    with pytest.raises(SignatureError):
        BOARD.verifier().verify(b"m", bytes(63))


def test_wrong_key_and_missing_signature() -> None:
    signed = sign_checkpoint(CP, BOARD)
    other = SigningKey("board.example", BOARD_KEY, bytes(32)).verifier()
    with pytest.raises(SignatureError, match="no signature"):
        verify_checkpoint(signed, other)
    with pytest.raises(SignatureError):
        signed.verify(WITNESS.verifier())


def test_cosignature_is_not_a_board_signature() -> None:
    # Same seed, same name, both roles: the key ids differ and so do the signed messages.
    as_board = SigningKey("dual", BOARD_KEY, bytes(32))
    as_witness = SigningKey("dual", WITNESS_KEY, bytes(32))
    cosigned = sign_checkpoint(CP, as_witness, now=T)
    with pytest.raises(SignatureError):
        verify_checkpoint(cosigned, as_board.verifier())
    # Relabel the co-signature as a board signature: the message differs, so it fails.
    sig = cosigned.signatures[0].signature
    relabelled = NoteSignature("dual", as_board.verifier().key_id, sig)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_checkpoint(SignedCheckpoint(CP, (relabelled,)), as_board.verifier())
    # With its time kept, the line has the 76-byte form, which a board key never accepts.
    timed = NoteSignature("dual", as_board.verifier().key_id, sig, T)
    with pytest.raises(SignatureError, match="carries a time"):
        verify_checkpoint(SignedCheckpoint(CP, (timed,)), as_board.verifier())
    # And the board's signature, relabelled as the witness's, has no time: refused.
    signed = sign_checkpoint(CP, as_board)
    untimed = NoteSignature("dual", as_witness.verifier().key_id, signed.signatures[0].signature)
    with pytest.raises(SignatureError, match="has no time"):
        SignedCheckpoint(CP, (untimed,)).verify(as_witness.verifier())


def test_cosignature_time() -> None:
    signed = sign_checkpoint(CP, BOARD)
    for now in (0, 1, T, 2**63 - 1):
        cosigned = signed.with_signature(WITNESS, now=now)
        assert cosigned.signatures[1].timestamp == now
        parse_signed_checkpoint(cosigned.to_text()).verify(WITNESS.verifier())
    for bad in (-1, 2**63, True):
        with pytest.raises(ValueError):
            signed.with_signature(WITNESS, now=bad)
    with pytest.raises(ValueError):
        sign_checkpoint(CP, BOARD, now=T)  # the board's signature has no time
    before = int(time.time())
    stamp = signed.with_signature(WITNESS).signatures[1].timestamp
    assert stamp is not None and before <= stamp <= int(time.time())
    # A changed time breaks the co-signature.
    line = signed.with_signature(WITNESS, now=T).signatures[1]
    moved = NoteSignature(line.name, line.key_id, line.signature, T + 1)
    with pytest.raises(SignatureError, match="does not verify"):
        SignedCheckpoint(CP, (*signed.signatures, moved)).verify(WITNESS.verifier())


@pytest.mark.parametrize("size", [0, 4, 64, 67, 69, 72, 75, 77, 80])
def test_signature_blobs_of_other_lengths_are_refused(size: int) -> None:
    text = _good() + f"\u2014 other {base64.b64encode(bytes(size)).decode()}\n"
    with pytest.raises(CheckpointFormatError):
        parse_signed_checkpoint(text)


def test_a_time_above_2_63_is_refused() -> None:
    for stamp, ok in ((2**63 - 1, True), (2**63, False), (2**64 - 1, False)):
        blob = bytes(4) + stamp.to_bytes(8, "big") + bytes(64)
        text = _good() + f"\u2014 other {base64.b64encode(blob).decode()}\n"
        if ok:
            assert parse_signed_checkpoint(text).signatures[1].timestamp == stamp
        else:
            with pytest.raises(CheckpointFormatError, match="2\\^63"):
                parse_signed_checkpoint(text)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_changed_byte_is_detected(data: st.DataObject) -> None:
    text = bytearray(sign_checkpoint(CP, BOARD).encode())
    pos = data.draw(st.integers(0, len(text) - 1), label="pos")
    new = data.draw(st.integers(0, 255).filter(lambda b: b != text[pos]), label="byte")
    text[pos] = new
    with pytest.raises(BoardVerificationError):
        verify_checkpoint(bytes(text), BOARD.verifier())


@given(st.data())
def test_changed_signature_bits_are_detected(data: st.DataObject) -> None:
    signed = sign_checkpoint(CP, BOARD)
    sig = bytearray(signed.signatures[0].signature)
    sig[data.draw(st.integers(0, 63))] ^= 1 << data.draw(st.integers(0, 7))
    bad = type(signed.signatures[0])(BOARD.name, BOARD.verifier().key_id, bytes(sig))
    with pytest.raises(SignatureError):
        verify_checkpoint(type(signed)(CP, (bad,)), BOARD.verifier())


def _good() -> str:
    return sign_checkpoint(CP, BOARD).to_text()


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda t: t.replace("\n1234\n", "\n01234\n"), "leading zero"),
        (lambda t: t.replace("\n1234\n", "\n+1234\n"), "sign"),
        (lambda t: t.replace("\n1234\n", "\n1234 \n"), "space"),
        (lambda t: t.replace("\n1234\n", "\n18446744073709551616\n"), "2^64"),
        (lambda t: t.replace("\n\n", "\n"), "no blank line"),
        (lambda t: t.replace("\n\n", "\nextra\n\n"), "fourth body line"),
        (lambda t: t.rstrip("\n"), "no final newline"),
        (lambda t: t + "\n", "trailing blank line"),
        (lambda t: t + "garbage", "trailing garbage"),
        (lambda t: t.replace("\n", "\r\n"), "CRLF"),
        (lambda t: t.replace("\u2014", "-"), "hyphen for em dash"),
        (lambda t: t.replace(base64.b64encode(ROOT).decode(), ROOT.hex()), "hex root"),
        (
            lambda t: t.replace(
                base64.b64encode(ROOT).decode(), base64.b64encode(ROOT[:31]).decode()
            ),
            "short root",
        ),
        (
            lambda t: t.replace(
                base64.b64encode(ROOT).decode(), base64.b64encode(ROOT).decode().rstrip("=")
            ),
            "unpadded",
        ),
        (lambda t: t.split("\n\n")[0] + "\n\n", "no signature"),
        (lambda t: t + t.split("\n\n")[1], "duplicate signature"),
        (lambda t: t.replace("referendum/2026", "referendum 2026"), "space in origin"),
        (lambda t: t.replace("referendum/2026", ""), "empty origin"),
        (lambda t: t.replace("— board.example ", "— board.example  "), "two spaces"),
    ],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_malformed_text_is_rejected(edit: object, why: str) -> None:
    bad = edit(_good())  # type: ignore[operator]
    assert bad != _good()
    with pytest.raises(CheckpointFormatError):
        parse_signed_checkpoint(bad)


def test_non_utf8_and_bad_values() -> None:
    with pytest.raises(CheckpointFormatError):
        parse_signed_checkpoint(b"\xff\n1\nAAAA\n\n")
    with pytest.raises(CheckpointFormatError):
        Checkpoint("log", -1, ROOT)
    with pytest.raises(CheckpointFormatError):
        Checkpoint("log", 1, ROOT[:-1])


def test_worked_example_vector() -> None:
    import json
    from pathlib import Path

    from referendum.board import Entry

    v = json.loads((Path(__file__).parents[2] / "vectors/merkle/board_example.json").read_text())
    e = Entry(
        v["entry"]["log_id"],
        v["entry"]["index"],
        v["entry"]["kind"],
        bytes.fromhex(v["entry"]["payload_hex"]),
    )
    assert e.encode().hex() == v["encoding_hex"]
    assert e.leaf_hash().hex() == v["leaf_hash_hex"]
    keys = [
        SigningKey(k["name"], k["key_type"], bytes.fromhex(k["seed_hex"]))
        for k in (v["board_key"], v["witness_key"])
    ]
    assert [k.verifier().to_text() for k in keys] == [
        v["board_key"]["verifier"],
        v["witness_key"]["verifier"],
    ]
    signed = sign_checkpoint(Checkpoint(e.log_id, 1, e.leaf_hash()), keys[0]).with_signature(
        keys[1], now=v["cosignature_time"]
    )
    assert signed.to_text() == v["signed_checkpoint"]
    parsed = parse_signed_checkpoint(v["signed_checkpoint"])
    for text in (v["board_key"]["verifier"], v["witness_key"]["verifier"]):
        parsed.verify(parse_verifier_key(text))
