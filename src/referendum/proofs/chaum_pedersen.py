"""Chaum-Pedersen proof that two discrete logarithms are equal (section 5.4).

Statement: bases (A, B) and values (X, Y) with X = A^x and Y = B^x for one secret x.
Used for decryption shares: A = g, X = the trustee's public share g^(s_i),
B = alpha of the ciphertext, Y = the share alpha^(s_i).
Proof (c, v): with w random, a = A^w, b = B^w,
c = H("chaum-pedersen", fingerprint, A, B, X, Y, a, b, bound_to...), v = w - c*x.
Verification recomputes a = A^v * X^c and b = B^v * Y^c.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..group import Element, Item, RandomSource, Scalar, system_random
from ._common import ChallengeResponse, InvalidProof, ProofContext, require_not_identity

__all__ = ["TAG_CHAUM_PEDERSEN", "prove_equal_logs", "verify_equal_logs"]

TAG_CHAUM_PEDERSEN = "chaum-pedersen"


def _challenge(
    ctx: ProofContext,
    statement: tuple[Element, Element, Element, Element],
    commitments: tuple[Element, Element],
    bound_to: Sequence[Item],
) -> Scalar:
    """c = H("chaum-pedersen", fp, A, B, X, Y, a, b, bound_to...)."""
    return ctx.challenge(TAG_CHAUM_PEDERSEN, *statement, *commitments, *bound_to)


def prove_equal_logs(
    ctx: ProofContext,
    base_a: Element,
    base_b: Element,
    x: Scalar,
    *,
    bound_to: Sequence[Item] = (),
    rng: RandomSource = system_random,
) -> ChallengeResponse:
    """A proof that log_A(A^x) == log_B(B^x), bound to ctx and bound_to."""
    w = ctx.group.random_scalar(rng)
    statement = (base_a, base_b, base_a**x, base_b**x)
    c = _challenge(ctx, statement, (base_a**w, base_b**w), bound_to)
    return ChallengeResponse(c, w - c * x)


def verify_equal_logs(
    ctx: ProofContext,
    base_a: Element,
    base_b: Element,
    value_x: Element,
    value_y: Element,
    proof: ChallengeResponse,
    *,
    bound_to: Sequence[Item] = (),
) -> None:
    """None when proof shows log_A(X) == log_B(Y); InvalidProof otherwise."""
    require_not_identity(
        "chaum-pedersen proof",
        [("base A", base_a), ("base B", base_b), ("value X", value_x), ("value Y", value_y)],
    )
    c, v = proof.c, proof.v
    a = base_a**v * value_x**c
    b = base_b**v * value_y**c
    if _challenge(ctx, (base_a, base_b, value_x, value_y), (a, b), bound_to) != c:
        raise InvalidProof("chaum-pedersen proof: challenge does not match the statement")
