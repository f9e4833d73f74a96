"""What every proof shares: its context, its error type and the (c, v) pair form."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import VerificationError
from ..group import Element, Group, GroupError, Item, Scalar, hash_to_scalar, scalar_from_hex

__all__ = ["ChallengeResponse", "InvalidProof", "ProofContext", "require_not_identity"]


@dataclass(frozen=True, slots=True)
class ProofContext:
    """What every Fiat-Shamir challenge is bound to besides its statement (section 5.1).

    group: the group the statement lives in.
    fingerprint: the election fingerprint, so a proof made for one referendum is
        worthless in another.
    """

    group: Group
    fingerprint: bytes

    def challenge(self, tag: str, *items: Item) -> Scalar:
        """H(tag, fingerprint, items...) reduced to a scalar."""
        return hash_to_scalar(tag, self.fingerprint, *items)


class InvalidProof(VerificationError):
    """A zero-knowledge proof does not verify; the message names the proof and the reason."""


@dataclass(frozen=True, slots=True)
class ChallengeResponse:
    """A proof in compact form: the challenge c and the response v (section 5.2)."""

    c: Scalar
    v: Scalar

    def to_json(self) -> dict[str, str]:
        return {"c": self.c.to_bytes().hex(), "v": self.v.to_bytes().hex()}

    @classmethod
    def from_json(cls, group: Group, value: Any, field: str = "proof") -> ChallengeResponse:
        """Decode {"c": hex, "v": hex}; GroupError naming field when invalid."""
        if not isinstance(value, dict) or set(value) != {"c", "v"}:
            raise GroupError(f"{field}: expected an object with exactly c and v")
        return cls(
            scalar_from_hex(group, value["c"], f"{field}.c"),
            scalar_from_hex(group, value["v"], f"{field}.v"),
        )


def require_not_identity(kind: str, named: Sequence[tuple[str, Element]]) -> None:
    """Raise InvalidProof when a statement value that must not be the identity is."""
    for name, element in named:
        if element.is_identity():
            raise InvalidProof(f"{kind}: {name} is the identity element")
