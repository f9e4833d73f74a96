"""Exponential ElGamal over the group (docs/protocol.md section 4).

A message m (a small count) under public key K with nonce r encrypts to
(alpha, beta) = (g^r, g^m * K^r). Ciphertexts multiply component-wise to add their
messages. Decryption needs alpha^s for the secret s; with the secret shared among
trustees, each trustee i publishes M_i = alpha^(s_i) and any quorum's shares combine
by Lagrange interpolation in the exponent. The last step, from g^m to m, is a bounded
discrete logarithm.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .group import Element, Group, GroupError, Scalar, element_from_hex
from .sharing import interpolate_in_exponent

__all__ = [
    "Ciphertext",
    "DiscreteLogError",
    "combine_partial_decryptions",
    "decrypt",
    "discrete_log",
    "encrypt",
    "partial_decrypt",
    "sum_ciphertexts",
]


@dataclass(frozen=True, slots=True)
class Ciphertext:
    """An exponential ElGamal ciphertext (alpha, beta) = (g^r, g^m * K^r)."""

    alpha: Element
    beta: Element

    def __mul__(self, other: Ciphertext) -> Ciphertext:
        """The ciphertext of the sum of both messages (nonces add too)."""
        return Ciphertext(self.alpha * other.alpha, self.beta * other.beta)

    def to_json(self) -> dict[str, str]:
        return {"alpha": self.alpha.to_bytes().hex(), "beta": self.beta.to_bytes().hex()}

    @classmethod
    def from_json(cls, group: Group, value: Any, field: str = "ciphertext") -> Ciphertext:
        """Decode {"alpha": hex, "beta": hex}; GroupError naming field when invalid."""
        if not isinstance(value, dict) or set(value) != {"alpha", "beta"}:
            raise GroupError(f"{field}: expected an object with exactly alpha and beta")
        return cls(
            element_from_hex(group, value["alpha"], f"{field}.alpha"),
            element_from_hex(group, value["beta"], f"{field}.beta"),
        )


def encrypt(group: Group, public_key: Element, m: int, nonce: Scalar) -> Ciphertext:
    """The encryption of m >= 0 under public_key with the given nonce (section 4.1).

    The nonce must be fresh and secret: draw it with group.random_scalar(rng). It is a
    parameter so that known-answer vectors can pin it and Benaloh challenges reveal it.
    """
    if nonce.is_zero():
        raise GroupError("an encryption nonce must not be zero")
    k_r = public_key**nonce
    beta = k_r if m == 0 else group.g_pow_int(m) * k_r
    return Ciphertext(group.generator**nonce, beta)


def sum_ciphertexts(group: Group, ciphertexts: Iterable[Ciphertext]) -> Ciphertext:
    """The homomorphic sum: the product of all ciphertexts, (1, 1) for none."""
    alpha = beta = group.identity
    for ct in ciphertexts:
        alpha = alpha * ct.alpha
        beta = beta * ct.beta
    return Ciphertext(alpha, beta)


def partial_decrypt(ciphertext: Ciphertext, secret_share: Scalar) -> Element:
    """A trustee's decryption share M_i = alpha^(s_i) (section 4.3)."""
    return ciphertext.alpha**secret_share


def combine_partial_decryptions(
    group: Group, ciphertext: Ciphertext, shares: Mapping[int, Element]
) -> Element:
    """g^m = beta / prod_i M_i^(lambda_i) for the trustees i in shares (any quorum)."""
    return ciphertext.beta / interpolate_in_exponent(group, shares)


def decrypt(ciphertext: Ciphertext, secret: Scalar) -> Element:
    """g^m = beta / alpha^s with the whole secret key s (tests and challenged ballots)."""
    return ciphertext.beta / ciphertext.alpha**secret


class DiscreteLogError(ValueError):
    """g^m is not g to any power in [0, bound]."""


_baby_steps: dict[tuple[str, int], dict[bytes, int]] = {}


def discrete_log(group: Group, power: Element, bound: int) -> int:
    """The m in [0, bound] with g^m == power, by baby-step giant-step (section 4.4).

    Costs about 2*sqrt(bound) group operations; the baby-step table for each table
    size is kept for the life of the process, since a tally decodes many values
    under the same bound.
    """
    if bound < 0:
        raise ValueError(f"discrete_log bound must be non-negative, got {bound}")
    size = math.isqrt(bound) + 1  # size^2 > bound
    key = (group.name, size)
    table = _baby_steps.get(key)
    if table is None:
        table = {}
        step = group.identity
        for j in range(size):
            table[step.to_bytes()] = j
            step = step * group.generator
        _baby_steps[key] = table
    giant = group.g_pow_int(size).inverse()
    current = power
    for i in range(size + 1):
        found = table.get(current.to_bytes())
        if found is not None:
            m = i * size + found
            if m <= bound:
                return m
            break
        current = current * giant
    raise DiscreteLogError(f"the decrypted value is not g^m for any m in [0, {bound}]")
