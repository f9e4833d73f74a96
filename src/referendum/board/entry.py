"""Board entries and their canonical encoding (docs/protocol.md, section 7.2).

An entry is (log id, index, kind, payload). Its encoding binds all four, so the leaf hash
of an entry commits to the log it belongs to and its position: an entry copied into
another log, or moved to another index, hashes differently and fails its proof.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from referendum.board.errors import EncodingError
from referendum.board.merkle import leaf_hash

__all__ = [
    "ENTRY_VERSION",
    "MAX_PAYLOAD",
    "Entry",
    "check_kind",
    "check_log_id",
    "decode_entry",
]

ENTRY_VERSION = 1
MAX_PAYLOAD = 16 * 1024 * 1024
MAX_INDEX = 2**64 - 1

_LOG_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")
_KIND = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_HEAD = struct.Struct(">BB")
_INDEX = struct.Struct(">Q")
_LEN32 = struct.Struct(">I")


def _check(pattern: re.Pattern[str], value: str, what: str, rule: str) -> str:
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise EncodingError(f"{what} {value!r}: want {rule}")
    return value


def check_log_id(log_id: str) -> str:
    """Gives back log_id when it is a valid log id (section 7.2.1); raises EncodingError."""
    return _check(_LOG_ID, log_id, "log id", "1-128 of [A-Za-z0-9._:/-], a letter or digit first")


def check_kind(kind: str) -> str:
    """Gives back kind when it is a valid entry kind (section 7.2.1); raises EncodingError."""
    return _check(_KIND, kind, "entry kind", "1-64 of [a-z0-9._-], a letter or digit first")


@dataclass(frozen=True, slots=True)
class Entry:
    """One board entry: the index-th item of log log_id (section 7.2)."""

    log_id: str
    index: int
    kind: str
    payload: bytes

    def __post_init__(self) -> None:
        check_log_id(self.log_id)
        check_kind(self.kind)
        if not 0 <= self.index <= MAX_INDEX:
            raise EncodingError(f"entry index {self.index} is outside 0..2^64-1")
        if not isinstance(self.payload, bytes):
            raise EncodingError(f"entry payload must be bytes, not {type(self.payload)}")
        if len(self.payload) > MAX_PAYLOAD:
            raise EncodingError(f"entry payload of {len(self.payload)} bytes > {MAX_PAYLOAD}")

    def encode(self) -> bytes:
        """Gives back the canonical encoding of the entry (section 7.2.2)."""
        return _encode(self.log_id, self.index, self.kind, self.payload)

    def leaf_hash(self) -> bytes:
        """Gives back the Merkle leaf hash SHA-256(0x00 || encoding) (section 7.3.1)."""
        return leaf_hash(self.encode())


def _encode(log_id: str, index: int, kind: str, payload: bytes) -> bytes:
    lid = log_id.encode("ascii")
    kd = kind.encode("ascii")
    return b"".join(
        (
            _HEAD.pack(ENTRY_VERSION, len(lid)),
            lid,
            _INDEX.pack(index),
            bytes((len(kd),)),
            kd,
            _LEN32.pack(len(payload)),
            payload,
        )
    )


def decode_entry(data: bytes) -> Entry:
    """Gives back the Entry whose canonical encoding is data (section 7.2.2).

    Raises EncodingError when data is not a canonical encoding.
    """
    try:
        version, lid_len = _HEAD.unpack_from(data, 0)
        if version != ENTRY_VERSION:
            raise EncodingError(f"entry version {version}, want {ENTRY_VERSION}")
        pos = 2
        log_id = data[pos : pos + lid_len].decode("ascii")
        pos += lid_len
        (index,) = _INDEX.unpack_from(data, pos)
        pos += 8
        kind_len = data[pos]
        pos += 1
        kind = data[pos : pos + kind_len].decode("ascii")
        pos += kind_len
        (payload_len,) = _LEN32.unpack_from(data, pos)
        pos += 4
    except (struct.error, IndexError, UnicodeDecodeError) as exc:
        raise EncodingError(f"entry encoding is truncated or not ASCII: {exc}") from exc
    if len(data) != pos + payload_len:
        raise EncodingError(f"entry encoding is {len(data)} bytes, want {pos + payload_len}")
    entry = Entry(log_id, index, kind, bytes(data[pos:]))
    if len(log_id) != lid_len or len(kind) != kind_len:
        raise EncodingError("entry encoding is truncated")
    return entry
