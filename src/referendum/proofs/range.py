"""Proof that a ciphertext encrypts a value in [lo, hi] (docs/protocol.md section 5.5).

A disjunctive Chaum-Pedersen proof with one branch per value j in [lo, hi]: branch j
shows that (alpha, beta / g^j) is an encryption of zero, i.e. log_g(alpha) equals
log_K(beta / g^j). The prover simulates every branch but the true one and splits the
challenge c = H(...) so that the branch challenges sum to it. A selection's proof that
it encrypts 0 or 1 is the case [0, 1] (prove_disjunctive); a question's proof that the
sum of its selections lies between its minimum and maximum choices is the general case.

Branch j: a_j = g^(v_j) * alpha^(c_j), b_j = K^(v_j) * (beta / g^j)^(c_j).
c = H("range", fingerprint, K, alpha, beta, lo, hi, a_lo, b_lo, ..., a_hi, b_hi, bound_to...)
and the proof is valid when c_lo + ... + c_hi == c.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from ..elgamal import Ciphertext
from ..group import Element, Group, GroupError, Item, RandomSource, Scalar, system_random
from ._common import ChallengeResponse, InvalidProof, ProofContext, require_not_identity

__all__ = [
    "MAX_RANGE_WIDTH",
    "TAG_RANGE",
    "RangeProof",
    "prove_disjunctive",
    "prove_range",
    "verify_disjunctive",
    "verify_range",
]

TAG_RANGE = "range"

#: The most values one range proof may cover; its size and cost grow linearly.
MAX_RANGE_WIDTH: Final = 64


@dataclass(frozen=True, slots=True)
class RangeProof:
    """One (c_j, v_j) pair for each value j = lo, lo+1, ..., hi, in that order."""

    branches: tuple[ChallengeResponse, ...]

    def to_json(self) -> list[dict[str, str]]:
        return [branch.to_json() for branch in self.branches]

    @classmethod
    def from_json(cls, group: Group, value: Any, field: str = "proof") -> RangeProof:
        """Decode a list of {"c", "v"} objects; GroupError naming field when invalid."""
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_RANGE_WIDTH:
            raise GroupError(f"{field}: expected a list of 1 to {MAX_RANGE_WIDTH} branches")
        return cls(
            tuple(
                ChallengeResponse.from_json(group, branch, f"{field}[{j}]")
                for j, branch in enumerate(value)
            )
        )


def _check_bounds(lo: int, hi: int) -> None:
    if not 0 <= lo <= hi:
        raise ValueError(f"range bounds must satisfy 0 <= lo <= hi, got [{lo}, {hi}]")
    if hi - lo + 1 > MAX_RANGE_WIDTH:
        raise ValueError(f"range [{lo}, {hi}] is wider than {MAX_RANGE_WIDTH} values")


def _challenge(
    ctx: ProofContext,
    public_key: Element,
    ct: Ciphertext,
    lo: int,
    hi: int,
    commitments: Sequence[Element],
    bound_to: Sequence[Item],
) -> Scalar:
    """c = H("range", fp, K, alpha, beta, lo, hi, a_lo, b_lo, ..., a_hi, b_hi, bound_to...)."""
    return ctx.challenge(TAG_RANGE, public_key, ct.alpha, ct.beta, lo, hi, *commitments, *bound_to)


def _branch_commitments(
    group: Group, public_key: Element, ct: Ciphertext, j: int, c: Scalar, v: Scalar
) -> tuple[Element, Element]:
    """(a_j, b_j) = (g^v * alpha^c, K^v * (beta / g^j)^c) for a branch's (c, v)."""
    shifted = ct.beta if j == 0 else ct.beta / group.g_pow_int(j)
    return group.generator**v * ct.alpha**c, public_key**v * shifted**c


def prove_range(
    ctx: ProofContext,
    public_key: Element,
    ciphertext: Ciphertext,
    m: int,
    nonce: Scalar,
    lo: int,
    hi: int,
    *,
    bound_to: Sequence[Item] = (),
    rng: RandomSource = system_random,
) -> RangeProof:
    """A proof that ciphertext = encrypt(public_key, m, nonce) has m in [lo, hi]."""
    _check_bounds(lo, hi)
    if not lo <= m <= hi:
        raise ValueError(f"cannot prove that {m} lies in [{lo}, {hi}]")
    group = ctx.group
    real = m - lo
    w = group.random_scalar(rng)
    simulated: dict[int, ChallengeResponse] = {}
    commitments: list[Element] = []
    for idx, j in enumerate(range(lo, hi + 1)):
        if idx == real:
            commitments += (group.generator**w, public_key**w)
        else:
            branch = ChallengeResponse(group.random_scalar(rng), group.random_scalar(rng))
            simulated[idx] = branch
            commitments += _branch_commitments(group, public_key, ciphertext, j, branch.c, branch.v)
    c = _challenge(ctx, public_key, ciphertext, lo, hi, commitments, bound_to)
    c_real = c
    for branch in simulated.values():
        c_real = c_real - branch.c
    branches = [
        simulated[idx] if idx != real else ChallengeResponse(c_real, w - c_real * nonce)
        for idx in range(hi - lo + 1)
    ]
    return RangeProof(tuple(branches))


def verify_range(
    ctx: ProofContext,
    public_key: Element,
    ciphertext: Ciphertext,
    lo: int,
    hi: int,
    proof: RangeProof,
    *,
    bound_to: Sequence[Item] = (),
) -> None:
    """None when proof shows ciphertext encrypts a value in [lo, hi]; InvalidProof otherwise."""
    _check_bounds(lo, hi)
    if len(proof.branches) != hi - lo + 1:
        raise InvalidProof(
            f"range proof for [{lo}, {hi}]: expected {hi - lo + 1} branches, "
            f"got {len(proof.branches)}"
        )
    require_not_identity(
        "range proof", [("public key", public_key), ("ciphertext alpha", ciphertext.alpha)]
    )
    group = ctx.group
    commitments: list[Element] = []
    c_sum = group.scalar_from_int(0)
    for j, branch in zip(range(lo, hi + 1), proof.branches, strict=True):
        commitments += _branch_commitments(group, public_key, ciphertext, j, branch.c, branch.v)
        c_sum = c_sum + branch.c
    c = _challenge(ctx, public_key, ciphertext, lo, hi, commitments, bound_to)
    if c != c_sum:
        raise InvalidProof(
            f"range proof for [{lo}, {hi}]: branch challenges do not sum to the challenge"
        )


def prove_disjunctive(
    ctx: ProofContext,
    public_key: Element,
    ciphertext: Ciphertext,
    m: int,
    nonce: Scalar,
    *,
    bound_to: Sequence[Item] = (),
    rng: RandomSource = system_random,
) -> RangeProof:
    """A proof that ciphertext encrypts 0 or 1: prove_range over [0, 1]."""
    return prove_range(ctx, public_key, ciphertext, m, nonce, 0, 1, bound_to=bound_to, rng=rng)


def verify_disjunctive(
    ctx: ProofContext,
    public_key: Element,
    ciphertext: Ciphertext,
    proof: RangeProof,
    *,
    bound_to: Sequence[Item] = (),
) -> None:
    """None when proof shows ciphertext encrypts 0 or 1; InvalidProof otherwise."""
    verify_range(ctx, public_key, ciphertext, 0, 1, proof, bound_to=bound_to)
