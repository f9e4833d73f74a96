"""JSON forms of group values: lowercase hex of the 32-byte encoding (section 2.3).

Decoding names the field it was reading, so a bad record says where it is bad.
"""

from __future__ import annotations

from ._errors import GroupError
from .ristretto255 import Element, Ristretto255, Scalar

__all__ = ["element_from_hex", "scalar_from_hex"]

_HEX_DIGITS = frozenset("0123456789abcdef")


def _bytes_from_hex(value: object, field: str, size: int) -> bytes:
    if not isinstance(value, str):
        raise GroupError(f"{field}: expected a hex string, got {type(value).__name__}")
    if len(value) != 2 * size or not _HEX_DIGITS.issuperset(value):
        raise GroupError(f"{field}: expected {2 * size} lowercase hex digits")
    return bytes.fromhex(value)


def element_from_hex(group: Ristretto255, value: object, field: str) -> Element:
    """The element whose encoding is the hex string value; GroupError naming field."""
    data = _bytes_from_hex(value, field, group.element_size)
    try:
        return group.element(data)
    except GroupError as e:
        raise GroupError(f"{field}: {e}") from None


def scalar_from_hex(group: Ristretto255, value: object, field: str) -> Scalar:
    """The scalar whose encoding is the hex string value; GroupError naming field."""
    data = _bytes_from_hex(value, field, group.scalar_size)
    try:
        return group.scalar(data)
    except GroupError as e:
        raise GroupError(f"{field}: {e}") from None
