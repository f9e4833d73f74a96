"""Entry encoding (docs/protocol.md, section 7.2)."""

from __future__ import annotations

import hashlib
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from referendum.board import EncodingError, Entry, decode_entry

kinds = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,63}", fullmatch=True)
log_ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}", fullmatch=True)


def _spec_encoding(log_id: str, index: int, kind: str, payload: bytes) -> bytes:
    """Section 2.2 written out field by field."""
    return (
        b"\x01"
        + bytes([len(log_id)])
        + log_id.encode()
        + struct.pack(">Q", index)
        + bytes([len(kind)])
        + kind.encode()
        + struct.pack(">I", len(payload))
        + payload
    )


@given(log_ids, st.integers(0, 2**64 - 1), kinds, st.binary(max_size=300))
def test_encoding_round_trip(log_id: str, index: int, kind: str, payload: bytes) -> None:
    e = Entry(log_id, index, kind, payload)
    enc = e.encode()
    assert enc == _spec_encoding(log_id, index, kind, payload)
    assert decode_entry(enc) == e
    assert e.leaf_hash() == hashlib.sha256(b"\x00" + enc).digest()


def test_encoding_bytes_by_hand() -> None:
    e = Entry("ref/1", 258, "ballot", b"{}")
    assert e.encode().hex() == ("01057265662f3100000000000001020662616c6c6f74000000027b7d")


def test_leaf_hash_binds_every_field() -> None:
    base = Entry("log-a", 3, "ballot", b"p")
    variants = [
        Entry("log-b", 3, "ballot", b"p"),
        Entry("log-a", 4, "ballot", b"p"),
        Entry("log-a", 3, "ballot.x", b"p"),
        Entry("log-a", 3, "ballot", b"q"),
    ]
    assert len({v.leaf_hash() for v in [base, *variants]}) == 5


@pytest.mark.parametrize("kind", ["", "Ballot", "bal lot", "-x", "a" * 65, "é"])
def test_bad_kinds(kind: str) -> None:
    with pytest.raises(EncodingError):
        Entry("log", 0, kind, b"")


@pytest.mark.parametrize("log_id", ["", "a b", "/x", "a" * 129, "a\n", "a+b"])
def test_bad_log_ids(log_id: str) -> None:
    with pytest.raises(EncodingError):
        Entry(log_id, 0, "k", b"")


def test_bad_index_and_payload() -> None:
    with pytest.raises(EncodingError):
        Entry("log", -1, "k", b"")
    with pytest.raises(EncodingError):
        Entry("log", 2**64, "k", b"")
    with pytest.raises(EncodingError):
        Entry("log", 0, "k", "text")  # type: ignore[arg-type]


@given(st.data())
def test_decode_rejects_truncation_extension_and_versions(data: st.DataObject) -> None:
    enc = Entry("log", 7, "kind", b"payload").encode()
    cut = data.draw(st.integers(0, len(enc) - 1))
    with pytest.raises(EncodingError):
        decode_entry(enc[:cut])
    with pytest.raises(EncodingError):
        decode_entry(enc + data.draw(st.binary(min_size=1, max_size=4)))
    with pytest.raises(EncodingError):
        decode_entry(b"\x02" + enc[1:])
