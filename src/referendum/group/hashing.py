"""Domain-separated hashing into scalars and group elements (docs/protocol.md section 3).

Every hash input is a transcript: the domain tag and then each item, each framed by its
length as a 4-byte big-endian integer, so no two different item lists share an input.
Items are encoded by type: bytes as themselves, str as UTF-8, an Element or Scalar as its
32-byte encoding, an int as 8 bytes big-endian unsigned.
"""

from __future__ import annotations

import hashlib
from typing import Final

from ._errors import GroupError
from .ristretto255 import Element, Scalar

__all__ = ["DOMAIN_PREFIX", "Item", "hash_to_element", "hash_to_scalar", "transcript"]

#: Prepended to every domain tag, so our hashes never collide with another protocol's.
DOMAIN_PREFIX: Final = b"referendum/v1/"

Item = bytes | str | int | Element | Scalar

_U64_MAX: Final = 2**64 - 1


def _encode(item: Item) -> bytes:
    if isinstance(item, bytes):
        return item
    if isinstance(item, Element | Scalar):
        return item.to_bytes()
    if isinstance(item, str):
        return item.encode("utf-8")
    if isinstance(item, int) and not isinstance(item, bool):
        if not 0 <= item <= _U64_MAX:
            raise GroupError(f"a hashed integer must fit in 64 unsigned bits, got {item}")
        return item.to_bytes(8, "big")
    raise TypeError(f"cannot hash a {type(item).__name__}")


def transcript(tag: str, *items: Item) -> bytes:
    """The exact hash input for tag and items: lp(prefix || tag) || lp(item_1) || ...

    lp(x) is len(x) as 4 bytes big-endian followed by x.
    """
    parts = [DOMAIN_PREFIX + tag.encode("ascii"), *map(_encode, items)]
    return b"".join(len(p).to_bytes(4, "big") + p for p in parts)


def hash_to_scalar(tag: str, *items: Item) -> Scalar:
    """SHA-512 of the transcript, reduced mod the group order (a Fiat-Shamir challenge)."""
    return Scalar.from_wide(hashlib.sha512(transcript(tag, *items)).digest())


def hash_to_element(tag: str, *items: Item) -> Element:
    """SHA-512 of the transcript, mapped to the group by RFC 9496's one-way map."""
    return Element.from_hash(hashlib.sha512(transcript(tag, *items)).digest())
