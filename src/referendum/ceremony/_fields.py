"""Strict decoding of ceremony message fields; every failure is a CeremonyError naming the field.

Decoding is validation (docs/protocol.md section 2.3): a field is read once, here, into a
typed value, or the message is rejected.
"""

from __future__ import annotations

from typing import Any

from referendum.canonical import is_json_int

from ..group import RISTRETTO255 as GROUP
from ..group import Element, GroupError, Scalar, element_from_hex, scalar_from_hex
from ..proofs import ChallengeResponse
from ._errors import CeremonyError

__all__ = [
    "decode_bytes",
    "decode_element",
    "decode_index",
    "decode_list",
    "decode_proof",
    "decode_scalar",
    "decode_text",
    "require_fields",
]

_HEX_DIGITS = frozenset("0123456789abcdef")


def require_fields(value: Any, fields: tuple[str, ...], where: str, trustee: int | None) -> None:
    """None when value is an object with exactly these members; CeremonyError otherwise."""
    if not isinstance(value, dict):
        raise CeremonyError(f"{where}: want an object, got {type(value).__name__}", trustee=trustee)
    missing = [f for f in fields if f not in value]
    if missing:
        raise CeremonyError(f"{where}: missing {', '.join(missing)}", trustee=trustee)
    extra = sorted(str(f) for f in value if f not in fields)
    if extra:
        raise CeremonyError(f"{where}: unknown field {', '.join(extra)}", trustee=trustee)


def decode_index(value: Any, n: int, where: str, trustee: int | None) -> int:
    """Gives back value when it is a trustee number 1..n (a JSON integer, not a boolean)."""
    if not is_json_int(value):
        raise CeremonyError(
            f"{where}: want a trustee number, got {type(value).__name__}", trustee=trustee
        )
    if not 1 <= value <= n:
        raise CeremonyError(f"{where}: {value} is not a trustee number 1..{n}", trustee=trustee)
    return value


def decode_clause(value: Any, count: int, where: str, trustee: int | None) -> int:
    """Gives back a policy clause number 1..count; CeremonyError naming where otherwise."""
    if not is_json_int(value):
        raise CeremonyError(
            f"{where}: want a clause number, got {type(value).__name__}", trustee=trustee
        )
    if not 1 <= value <= count:
        raise CeremonyError(f"{where}: {value} is not a policy clause 1..{count}", trustee=trustee)
    return value


def decode_list(value: Any, where: str, trustee: int | None) -> list[Any]:
    """Gives back value when it is a JSON array."""
    if not isinstance(value, list):
        raise CeremonyError(f"{where}: want a list, got {type(value).__name__}", trustee=trustee)
    return value


def decode_text(value: Any, limit: int, where: str, trustee: int | None) -> str:
    """Gives back value when it is text of 1..limit characters."""
    if not isinstance(value, str) or not value:
        raise CeremonyError(f"{where}: want non-empty text", trustee=trustee)
    if len(value) > limit:
        raise CeremonyError(f"{where}: text longer than {limit} characters", trustee=trustee)
    return value


def decode_bytes(value: Any, size: int, where: str, trustee: int | None) -> bytes:
    """Gives back the size bytes that value (lowercase hex) encodes."""
    if not isinstance(value, str) or len(value) != 2 * size or not _HEX_DIGITS.issuperset(value):
        raise CeremonyError(f"{where}: want {2 * size} lowercase hex digits", trustee=trustee)
    return bytes.fromhex(value)


def decode_element(value: Any, where: str, trustee: int | None) -> Element:
    """Gives back the group element value encodes (section 2.3)."""
    try:
        return element_from_hex(GROUP, value, where)
    except GroupError as exc:
        raise CeremonyError(str(exc), trustee=trustee) from None


def decode_scalar(value: Any, where: str, trustee: int | None) -> Scalar:
    """Gives back the scalar value encodes (section 2.3)."""
    try:
        return scalar_from_hex(GROUP, value, where)
    except GroupError as exc:
        raise CeremonyError(str(exc), trustee=trustee) from None


def decode_proof(value: Any, where: str, trustee: int | None) -> ChallengeResponse:
    """Gives back the (c, v) proof value encodes (section 5.2)."""
    try:
        return ChallengeResponse.from_json(GROUP, value, where)
    except GroupError as exc:
        raise CeremonyError(str(exc), trustee=trustee) from None
