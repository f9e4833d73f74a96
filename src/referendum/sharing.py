"""Shamir secret sharing over Z_l with Feldman commitments (docs/protocol.md section 6).

A dealer shares a secret s among trustees 1..n so that any k of them can use it:

    f(x)  = a_0 + a_1 x + ... + a_(k-1) x^(k-1)  over Z_l,   a_0 = s,  a_1..a_(k-1) random
    s_i   = f(i) mod l                       trustee i's share, 1 <= i <= n   (6.1)
    C_j   = g^(a_j)                          the dealer's public commitments  (6.2)
    K_i   = g^(s_i) = prod_j C_j^(i^j mod l) trustee i's public share         (6.3)

Trustee i accepts s_i iff g^(s_i) = K_i. In the distributed key generation every trustee
d deals its own polynomial f_d; then s_i = sum_d f_d(i), K_i = prod_d prod_j C_(d,j)^(i^j)
and the joint public key is K = prod_d C_(d,0).

Any set Q of at least k distinct indices recovers f(0), in Z_l or in the exponent (6.4):

    lambda_i = prod_{j in Q, j != i} j / (j - i) mod l
    s   = sum_{i in Q} lambda_i * s_i
    g^s = prod_{i in Q} (g^(s_i))^(lambda_i)       (and alpha^s from M_i = alpha^(s_i))

Trustee indices are integers 1 <= i <= MAX_INDEX. Index 0 is never a trustee (f(0) is
the secret), and the upper bound keeps distinct indices distinct and non-zero mod l.
Fewer than k points interpolate to an unrelated value; nothing here can detect that, so
callers must count the quorum against the threshold themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from .errors import VerificationError
from .group import Element, Group, RandomSource, Scalar, system_random

__all__ = [
    "MAX_INDEX",
    "Polynomial",
    "ShareVerificationError",
    "interpolate_at_zero",
    "interpolate_in_exponent",
    "joint_public_key",
    "joint_public_share",
    "lagrange_coefficient",
    "public_share",
    "share_for",
    "verify_share",
]

#: The largest trustee index (indices are hashed as 64-bit integers; 2^32 leaves room).
MAX_INDEX: Final = 2**32 - 1


class ShareVerificationError(VerificationError):
    """A trustee's share does not match its dealer's Feldman commitments (section 6.2)."""

    def __init__(self, trustee: int, message: str, *, dealer: int | None = None) -> None:
        self.trustee = trustee
        self.dealer = dealer
        where = f"trustee {trustee}" if dealer is None else f"trustee {trustee}, dealer {dealer}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class Polynomial:
    """A dealer's secret polynomial f over Z_l (section 6.1); coefficients[0] is the secret.

    The coefficients are left out of repr so a traceback or log line never shows them.
    """

    coefficients: tuple[Scalar, ...] = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.coefficients, tuple) or not self.coefficients:
            raise ValueError("a polynomial needs a non-empty tuple of coefficients")
        for j, a in enumerate(self.coefficients):
            if not isinstance(a, Scalar):
                raise TypeError(f"coefficient a_{j} is a {type(a).__name__}, not a Scalar")

    @classmethod
    def random(
        cls, group: Group, secret: Scalar, degree: int, rng: RandomSource = system_random
    ) -> Polynomial:
        """A polynomial of the given degree (threshold k = degree + 1) with f(0) = secret.

        a_1..a_degree are drawn from rng and are non-zero, so the degree is exact.
        """
        if not isinstance(degree, int) or isinstance(degree, bool) or degree < 0:
            raise ValueError(f"degree must be a non-negative int, got {degree!r}")
        if not isinstance(secret, Scalar):
            raise TypeError(f"the secret is a {type(secret).__name__}, not a Scalar")
        rest = tuple(group.random_scalar(rng) for _ in range(degree))
        return cls((secret, *rest))

    @property
    def degree(self) -> int:
        """k - 1: the highest power of x with a stored coefficient."""
        return len(self.coefficients) - 1

    @property
    def threshold(self) -> int:
        """k: the number of shares that recover f(0)."""
        return len(self.coefficients)

    def evaluate(self, x: int) -> Scalar:
        """f(x) mod l, by Horner's rule."""
        if not isinstance(x, int) or isinstance(x, bool):
            raise TypeError(f"a polynomial is evaluated at an int, got {type(x).__name__}")
        x_s = Scalar.from_int(x)
        acc = self.coefficients[-1]
        for a in reversed(self.coefficients[:-1]):
            acc = acc * x_s + a
        return acc

    def commitments(self, group: Group) -> tuple[Element, ...]:
        """The Feldman commitments C_j = g^(a_j), j = 0..k-1 (section 6.2)."""
        return tuple(group.generator**a for a in self.coefficients)


def share_for(polynomial: Polynomial, i: int) -> Scalar:
    """Trustee i's share s_i = f(i) (section 6.1); ValueError for index 0 or out of range."""
    _check_index(i)
    return polynomial.evaluate(i)


def public_share(group: Group, i: int, commitments: Sequence[Element]) -> Element:
    """K_i = g^(f(i)) = prod_j C_j^(i^j mod l), from one dealer's commitments (section 6.3)."""
    _check_index(i)
    if not commitments:
        raise ValueError("no commitments: a dealer publishes at least C_0")
    i_s = group.scalar_from_int(i)
    power = group.scalar_from_int(1)  # i^j, starting at j = 0
    acc = commitments[0]
    for c_j in commitments[1:]:
        power = power * i_s
        acc = acc * c_j**power
    return acc


def joint_public_share(
    group: Group, i: int, commitment_lists: Sequence[Sequence[Element]]
) -> Element:
    """K_i = prod_d prod_j C_(d,j)^(i^j): trustee i's share of the sum of all dealers' f_d."""
    if not commitment_lists:
        raise ValueError("no dealers: the joint share needs at least one commitment list")
    acc = group.identity
    for commitments in commitment_lists:
        acc = acc * public_share(group, i, commitments)
    return acc


def joint_public_key(group: Group, commitment_lists: Sequence[Sequence[Element]]) -> Element:
    """K = prod_d C_(d,0): the public key that the sum of all dealers' polynomials shares."""
    if not commitment_lists:
        raise ValueError("no dealers: the joint public key needs at least one commitment list")
    acc = group.identity
    for d, commitments in enumerate(commitment_lists):
        if not commitments:
            raise ValueError(f"commitment list {d} is empty: a dealer publishes at least C_0")
        acc = acc * commitments[0]
    return acc


def verify_share(
    group: Group,
    i: int,
    share: Scalar,
    commitments: Sequence[Element],
    *,
    dealer: int | None = None,
) -> None:
    """None when g^(share) = prod_j C_j^(i^j) (section 6.2); else ShareVerificationError.

    dealer, when given, is named in the error so the trustee's complaint can cite it.
    """
    if not isinstance(share, Scalar):
        raise TypeError(f"a share is a Scalar, got {type(share).__name__}")
    if not commitments:
        raise ShareVerificationError(i, "the dealer published no commitments", dealer=dealer)
    if group.generator**share != public_share(group, i, commitments):
        raise ShareVerificationError(
            i,
            "share does not match the dealer's commitments: g^s_i != prod_j C_j^(i^j)",
            dealer=dealer,
        )


def lagrange_coefficient(group: Group, i: int, quorum: Sequence[int]) -> Scalar:
    """lambda_i = prod_{j in quorum, j != i} j / (j - i) mod l, at x = 0 (section 6.4).

    ValueError when an index is 0, negative or above MAX_INDEX, when the quorum repeats
    an index, or when i is not in the quorum.
    """
    for j in quorum:
        _check_index(j)
    if len(set(quorum)) != len(quorum):
        repeated = sorted({j for j in quorum if quorum.count(j) > 1})
        raise ValueError(f"the quorum repeats trustee indices {repeated}")
    _check_index(i)
    if i not in quorum:
        raise ValueError(f"trustee {i} is not in the quorum {sorted(quorum)}")
    numerator = group.scalar_from_int(1)
    denominator = group.scalar_from_int(1)
    for j in quorum:
        if j != i:
            numerator = numerator * group.scalar_from_int(j)
            denominator = denominator * group.scalar_from_int(j - i)
    # Distinct indices in [1, MAX_INDEX] differ by less than l, so denominator != 0.
    return numerator * denominator.inverse()


def interpolate_at_zero(group: Group, points: Mapping[int, Scalar]) -> Scalar:
    """f(0) = sum_i lambda_i * s_i from the shares {i: s_i} (section 6.4).

    Equals the secret only when len(points) >= k; the caller checks the quorum size.
    """
    quorum = _quorum(points)
    acc = group.scalar_from_int(0)
    for i in quorum:
        acc = acc + lagrange_coefficient(group, i, quorum) * points[i]
    return acc


def interpolate_in_exponent(group: Group, points: Mapping[int, Element]) -> Element:
    """prod_i X_i^(lambda_i) from {i: X_i}: g^(f(0)) from the g^(s_i), alpha^s from alpha^(s_i).

    Equals h^(f(0)) for X_i = h^(f(i)) only when len(points) >= k (section 6.4).
    """
    quorum = _quorum(points)
    acc = group.identity
    for i in quorum:
        acc = acc * points[i] ** lagrange_coefficient(group, i, quorum)
    return acc


def _quorum(points: Mapping[int, object]) -> list[int]:
    if not points:
        raise ValueError("interpolation needs at least one point")
    for i in points:
        _check_index(i)
    return sorted(points)


def _check_index(i: object) -> None:
    if not isinstance(i, int) or isinstance(i, bool):
        raise TypeError(f"a trustee index is an int, got {type(i).__name__}")
    if i == 0:
        raise ValueError("trustee index 0 is forbidden: f(0) is the secret itself")
    if i < 0:
        raise ValueError(f"trustee indices are positive, got {i}")
    if i > MAX_INDEX:
        raise ValueError(f"trustee index {i} is above the maximum {MAX_INDEX}")
