"""Transcript framing and hashing into the group (docs/protocol.md section 3)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from referendum.group import RISTRETTO255, Element, GroupError, Scalar
from referendum.group.hashing import (
    DOMAIN_PREFIX,
    hash_to_element,
    hash_to_scalar,
    transcript,
)


def lp(part: bytes) -> bytes:
    """The documented framing: 4-byte big-endian length, then the bytes."""
    return len(part).to_bytes(4, "big") + part


def test_domain_prefix() -> None:
    assert DOMAIN_PREFIX == b"referendum/v1/"


def test_transcript_exact_bytes_tag_only() -> None:
    assert transcript("t") == b"\x00\x00\x00\x0freferendum/v1/t"


def test_transcript_example_from_protocol_md() -> None:
    # docs/protocol.md section 3: 00000015 || "referendum/v1/schnorr" || 00000001 || 01.
    got = transcript("schnorr", b"\x01")
    assert got == bytes.fromhex("00000015") + b"referendum/v1/schnorr" + bytes.fromhex("0000000101")
    assert len(got) == 30


def test_transcript_exact_bytes_mixed_items() -> None:
    g = RISTRETTO255.generator
    got = transcript("pok", b"\x01\x02", "h\u00e9", 258, g, Scalar.from_int(1))
    expected = (
        b"\x00\x00\x00\x11" + b"referendum/v1/pok"
        + b"\x00\x00\x00\x02" + b"\x01\x02"
        + b"\x00\x00\x00\x03" + b"h\xc3\xa9"
        + b"\x00\x00\x00\x08" + b"\x00\x00\x00\x00\x00\x00\x01\x02"
        + b"\x00\x00\x00\x20" + g.to_bytes()
        + b"\x00\x00\x00\x20" + b"\x01" + bytes(31)
    )  # fmt: skip
    assert got == expected


def test_transcript_matches_framing_rule() -> None:
    items: list[Any] = [b"", "abc", 0, 2**64 - 1, RISTRETTO255.identity]
    expected = lp(DOMAIN_PREFIX + b"tag") + lp(b"") + lp(b"abc")
    expected += lp(bytes(8)) + lp(b"\xff" * 8) + lp(bytes(32))
    assert transcript("tag", *items) == expected


def test_empty_items_are_framed() -> None:
    assert transcript("t", b"") != transcript("t")
    assert transcript("t", b"", b"") != transcript("t", b"")


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ((b"ab", b"c"), (b"a", b"bc")),
        ((b"abc",), (b"ab", b"c")),
        (("ab", "c"), ("a", "bc")),
        ((b"",), ()),
    ],
)
def test_item_boundaries_matter(left: tuple[Any, ...], right: tuple[Any, ...]) -> None:
    assert transcript("t", *left) != transcript("t", *right)
    assert hash_to_scalar("t", *left) != hash_to_scalar("t", *right)
    assert hash_to_element("t", *left) != hash_to_element("t", *right)


def test_tag_and_first_item_boundary_matters() -> None:
    assert transcript("ab", b"c") != transcript("a", b"bc")
    assert hash_to_scalar("ab", b"c") != hash_to_scalar("a", b"bc")


def test_types_are_not_interchangeable_when_lengths_differ() -> None:
    # An int is always 8 bytes, so 1 and b"\x01" differ.
    assert transcript("t", 1) != transcript("t", b"\x01")
    assert transcript("t", 1) == transcript("t", (1).to_bytes(8, "big"))


@pytest.mark.parametrize("n", [-1, 2**64, 2**100])
def test_int_out_of_range_raises(n: int) -> None:
    with pytest.raises(GroupError, match="64 unsigned bits"):
        transcript("t", n)
    with pytest.raises(GroupError, match="64 unsigned bits"):
        hash_to_scalar("t", n)


@pytest.mark.parametrize("value", [True, False])
def test_bool_rejected(value: bool) -> None:
    with pytest.raises(TypeError, match="cannot hash a bool"):
        transcript("t", value)


@pytest.mark.parametrize("value", [1.5, None, [b"a"], bytearray(b"a"), ("a",)])
def test_other_types_rejected(value: Any) -> None:
    with pytest.raises(TypeError, match="cannot hash a"):
        transcript("t", value)


def test_hash_to_scalar_is_sha512_reduced() -> None:
    data = transcript("chal", b"x", 7)
    digest = hashlib.sha512(data).digest()
    expected = int.from_bytes(digest, "little") % RISTRETTO255.order
    assert int(hash_to_scalar("chal", b"x", 7)) == expected


def test_hash_to_element_is_one_way_map_of_sha512() -> None:
    data = transcript("gen", "h", 1)
    assert hash_to_element("gen", "h", 1) == Element.from_hash(hashlib.sha512(data).digest())


def test_hashes_depend_on_tag() -> None:
    assert hash_to_scalar("a", b"x") != hash_to_scalar("b", b"x")
    assert hash_to_element("a", b"x") != hash_to_element("b", b"x")


def test_hash_to_element_is_not_trivial() -> None:
    h = hash_to_element("gen", "h")
    assert not h.is_identity()
    assert h != RISTRETTO255.generator
