"""Checkpoints and their signed-note text form (docs/protocol.md, section 7.4).

A checkpoint states (origin, size, root). Its body is three lines; a signed checkpoint is
the body, one blank line, and one signature line per signer:

    <origin>\\n<size>\\n<base64 root>\\n\\n— <key name> <base64(signature blob)>\\n ...

The board's blob is key id || Ed25519 signature of the body (68 bytes, signed-note key
type 0x01). A witness's blob is key id || u64 time || Ed25519 signature of
"cosignature/v1\\ntime <time>\\n" || body (76 bytes, C2SP tlog-cosignature, key type 0x04;
section 7.4.4). Parsing is validation: text that breaks any rule of section 7.4 raises
CheckpointFormatError, so a SignedCheckpoint is always well formed.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from referendum.board.entry import Entry, check_log_id
from referendum.board.errors import (
    CheckpointFormatError,
    EncodingError,
    ProofShapeError,
    SignatureError,
)
from referendum.board.keys import (
    BOARD_KEY,
    WITNESS_KEY,
    SigningKey,
    VerifierKey,
    check_key_name,
    decode_base64,
)
from referendum.board.merkle import HASH_SIZE, verify_inclusion
from referendum.canonical import is_json_int

__all__ = [
    "COSIGNATURE_CONTEXT",
    "MAX_SIGNATURES",
    "MAX_TIMESTAMP",
    "Checkpoint",
    "NoteSignature",
    "SignedCheckpoint",
    "parse_signed_checkpoint",
    "sign_checkpoint",
    "verify_checkpoint",
    "verify_entry_inclusion",
]

COSIGNATURE_CONTEXT = b"cosignature/v1\n"
MAX_SIGNATURES = 64
MAX_TIMESTAMP = 2**63 - 1
_DASH = "\u2014 "  # EM DASH, SPACE: E2 80 94 20
_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")
_KEY_ID = 4
_SIGNATURE = 64
_TIME = 8
_BOARD_BLOB = _KEY_ID + _SIGNATURE  # 68: signed-note Ed25519
_COSIGNATURE_BLOB = _KEY_ID + _TIME + _SIGNATURE  # 76: tlog-cosignature timestamped_signature


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, size: int, what: str) -> bytes:
    try:
        return decode_base64(text, size, what)
    except EncodingError as exc:
        raise CheckpointFormatError(str(exc)) from exc


def _signature_blob(text: str, what: str) -> bytes:
    """Gives back the 68 or 76 bytes text encodes in canonical padded base64."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CheckpointFormatError(f"{what}: not base64") from exc
    if len(raw) not in (_BOARD_BLOB, _COSIGNATURE_BLOB) or _b64(raw) != text:
        raise CheckpointFormatError(
            f"{what}: want canonical base64 of {_BOARD_BLOB} or {_COSIGNATURE_BLOB} bytes"
        )
    return raw


def _check_time(timestamp: int, what: str) -> int:
    if not is_json_int(timestamp):
        raise CheckpointFormatError(f"{what}: time must be an integer")
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise CheckpointFormatError(f"{what}: time {timestamp} is outside 0..2^63-1")
    return timestamp


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The statement "log origin has size entries and this root" (section 7.4.1)."""

    origin: str
    size: int
    root: bytes

    def __post_init__(self) -> None:
        try:
            check_log_id(self.origin)
        except EncodingError as exc:
            raise CheckpointFormatError(f"checkpoint origin: {exc}") from exc
        if not 0 <= self.size < 2**64:
            raise CheckpointFormatError(f"checkpoint size {self.size} is outside 0..2^64-1")
        if len(self.root) != HASH_SIZE:
            raise CheckpointFormatError(f"checkpoint root is {len(self.root)} bytes, want 32")

    def body(self) -> bytes:
        """Gives back the three body lines as bytes: the board signs exactly these."""
        return f"{self.origin}\n{self.size}\n{_b64(self.root)}\n".encode("ascii")

    def signed_message(self, key_type: int, timestamp: int | None = None) -> bytes:
        """Gives back the bytes a key of key_type signs for this checkpoint (7.4.3, 7.4.4).

        The board (0x01) signs the body; a witness (0x04) signs
        "cosignature/v1\\ntime <timestamp>\\n" || body, so it needs the timestamp.
        """
        if key_type == BOARD_KEY:
            if timestamp is not None:
                raise ValueError("the board's signature carries no time")
            return self.body()
        if key_type != WITNESS_KEY:
            raise ValueError(f"key type 0x{key_type:02x} signs no checkpoint")
        if timestamp is None:
            raise ValueError("a co-signature needs its time")
        _check_time(timestamp, "co-signature")
        return COSIGNATURE_CONTEXT + b"time %d\n" % timestamp + self.body()


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line (7.4.2): key name, 4-byte key id, 64-byte Ed25519 signature,
    and for a witness's co-signature (7.4.4) its time in POSIX seconds (else None)."""

    name: str
    key_id: bytes
    signature: bytes
    timestamp: int | None = None

    def __post_init__(self) -> None:
        try:
            check_key_name(self.name)
        except EncodingError as exc:
            raise CheckpointFormatError(f"signature line: {exc}") from exc
        if len(self.key_id) != _KEY_ID or len(self.signature) != _SIGNATURE:
            raise CheckpointFormatError("signature line: want a 4-byte id and 64-byte signature")
        if self.timestamp is not None:
            _check_time(self.timestamp, f"signature by {self.name!r}")

    def blob(self) -> bytes:
        """Gives back key id || signature (68 bytes), or key id || u64 time || signature (76)."""
        if self.timestamp is None:
            return self.key_id + self.signature
        return self.key_id + self.timestamp.to_bytes(_TIME, "big") + self.signature

    def line(self) -> str:
        """Gives back the line "— <name> <base64(blob)>\\n"."""
        return f"{_DASH}{self.name} {_b64(self.blob())}\n"


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """A checkpoint with its signature lines, in the order they appear (section 7.4.2)."""

    checkpoint: Checkpoint
    signatures: tuple[NoteSignature, ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.signatures) <= MAX_SIGNATURES:
            raise CheckpointFormatError(
                f"{len(self.signatures)} signature lines, want 1 to {MAX_SIGNATURES}"
            )
        keys = {(s.name, s.key_id) for s in self.signatures}
        if len(keys) != len(self.signatures):
            raise CheckpointFormatError("two signature lines by the same key")

    def to_text(self) -> str:
        """Gives back the signed-note text of section 7.4.2."""
        body = self.checkpoint.body().decode("ascii")
        return body + "\n" + "".join(s.line() for s in self.signatures)

    def encode(self) -> bytes:
        """Gives back to_text() as UTF-8 bytes."""
        return self.to_text().encode("utf-8")

    def signature_by(self, key: VerifierKey) -> NoteSignature:
        """Gives back the line signed by key (same name and key id); raises SignatureError."""
        for s in self.signatures:
            if s.name == key.name and s.key_id == key.key_id:
                return s
        raise SignatureError(f"checkpoint {self._where()} has no signature by key {key.name}")

    def verify(self, key: VerifierKey) -> None:
        """Gives back None when key signed this checkpoint; raises SignatureError.

        A board key (0x01) needs a 68-byte line over the body; a witness key (0x04) a
        76-byte co-signature over its time and the body (sections 7.4.3, 7.4.4).
        """
        s = self.signature_by(key)
        if key.key_type == WITNESS_KEY and s.timestamp is None:
            raise SignatureError(
                f"checkpoint {self._where()}: the line by witness key {key.name} has no time"
                " (not a cosignature/v1)"
            )
        if key.key_type != WITNESS_KEY and s.timestamp is not None:
            raise SignatureError(
                f"checkpoint {self._where()}: the line by key {key.name} carries a time,"
                " a board signature has none"
            )
        try:
            key.verify(self.checkpoint.signed_message(key.key_type, s.timestamp), s.signature)
        except SignatureError as exc:
            raise SignatureError(f"checkpoint {self._where()}: {exc}") from exc

    def with_signature(self, key: SigningKey, now: int | None = None) -> SignedCheckpoint:
        """Gives back this checkpoint with a signature line by key added at the end.

        now is a witness co-signature's time, POSIX seconds (default: the current time);
        the board's key takes none.
        """
        line = _sign(self.checkpoint, key, now)
        return SignedCheckpoint(self.checkpoint, (*self.signatures, line))

    def _where(self) -> str:
        return f"{self.checkpoint.origin}@{self.checkpoint.size}"


def _sign(checkpoint: Checkpoint, key: SigningKey, now: int | None) -> NoteSignature:
    verifier = key.verifier()
    timestamp = None
    if key.key_type == WITNESS_KEY:
        timestamp = int(time.time()) if now is None else now
        if not is_json_int(timestamp):
            raise ValueError(f"co-signature time {timestamp!r}: want an integer")
        if not 0 <= timestamp <= MAX_TIMESTAMP:
            raise ValueError(f"co-signature time {timestamp} is outside 0..2^63-1")
    elif now is not None:
        raise ValueError("the board's signature carries no time")
    sig = key.sign(checkpoint.signed_message(key.key_type, timestamp))
    return NoteSignature(key.name, verifier.key_id, sig, timestamp)


def sign_checkpoint(
    checkpoint: Checkpoint, key: SigningKey, now: int | None = None
) -> SignedCheckpoint:
    """Gives back checkpoint signed by key, with that one signature line (section 7.4.3).

    now is used only by a witness key (its co-signature's time, default the current time).
    """
    return SignedCheckpoint(checkpoint, (_sign(checkpoint, key, now),))


def parse_signed_checkpoint(text: str | bytes) -> SignedCheckpoint:
    """Gives back the SignedCheckpoint in text; raises CheckpointFormatError (section 7.4.2).

    Checks the format only; call verify_checkpoint or SignedCheckpoint.verify for signatures.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CheckpointFormatError("checkpoint text is not UTF-8") from exc
    body, sep, sig_block = text.partition("\n\n")
    if not sep:
        raise CheckpointFormatError("checkpoint text has no blank line after the body")
    lines = body.split("\n")
    if len(lines) != 3:
        raise CheckpointFormatError(f"checkpoint body has {len(lines)} lines, want 3")
    origin, size_text, root_text = lines
    if _SIZE.fullmatch(size_text) is None:
        raise CheckpointFormatError(f"checkpoint size {size_text!r}: want a decimal, no zeros")
    checkpoint = Checkpoint(origin, int(size_text), _unb64(root_text, HASH_SIZE, "root"))
    if not sig_block.endswith("\n"):
        raise CheckpointFormatError("the last signature line does not end with a newline")
    signatures = []
    for line in sig_block[:-1].split("\n"):
        if not line.startswith(_DASH):
            raise CheckpointFormatError(f"signature line {line!r} does not start with '— '")
        name, space, blob = line[len(_DASH) :].partition(" ")
        if not space:
            raise CheckpointFormatError(f"signature line {line!r}: want '— <name> <base64>'")
        raw = _signature_blob(blob, f"signature by {name!r}")
        if len(raw) == _BOARD_BLOB:
            signatures.append(NoteSignature(name, raw[:_KEY_ID], raw[_KEY_ID:]))
        else:
            stamp = int.from_bytes(raw[_KEY_ID : _KEY_ID + _TIME], "big")
            signature = raw[_KEY_ID + _TIME :]
            signatures.append(NoteSignature(name, raw[:_KEY_ID], signature, stamp))
    return SignedCheckpoint(checkpoint, tuple(signatures))


def verify_checkpoint(signed: SignedCheckpoint | str | bytes, board: VerifierKey) -> Checkpoint:
    """Gives back the checkpoint once its text parses and board's signature verifies (7.4.3)."""
    if not isinstance(signed, SignedCheckpoint):
        signed = parse_signed_checkpoint(signed)
    signed.verify(board)
    return signed.checkpoint


def verify_entry_inclusion(entry: Entry, proof: Sequence[bytes], checkpoint: Checkpoint) -> None:
    """Gives back None when proof shows entry in the tree checkpoint states (3.3, 2.2).

    The leaf hash is recomputed from the entry itself, so an entry altered in storage fails
    against any checkpoint signed before the change. Raises ProofShapeError (entry of
    another log, or index past the checkpoint) or RootMismatchError.
    """
    if entry.log_id != checkpoint.origin:
        raise ProofShapeError(f"entry of log {entry.log_id} checked against {checkpoint.origin}")
    verify_inclusion(entry.leaf_hash(), entry.index, checkpoint.size, proof, checkpoint.root)
