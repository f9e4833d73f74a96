"""Schnorr proof of knowledge of a discrete logarithm (docs/protocol.md section 5.3).

Statement: X = g^x. Proof (c, v): with w random, h = g^w,
c = H("schnorr", fingerprint, X, h, bound_to...), v = w - c*x.
Verification recomputes h = g^v * X^c and the challenge.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..group import Element, Item, RandomSource, Scalar, system_random
from ._common import ChallengeResponse, InvalidProof, ProofContext, require_not_identity

__all__ = ["TAG_SCHNORR", "prove_schnorr", "verify_schnorr"]

TAG_SCHNORR = "schnorr"


def prove_schnorr(
    ctx: ProofContext,
    x: Scalar,
    *,
    bound_to: Sequence[Item] = (),
    rng: RandomSource = system_random,
) -> ChallengeResponse:
    """A proof that the prover knows x for X = g^x, bound to ctx and bound_to."""
    g = ctx.group.generator
    w = ctx.group.random_scalar(rng)
    c = ctx.challenge(TAG_SCHNORR, g**x, g**w, *bound_to)
    return ChallengeResponse(c, w - c * x)


def verify_schnorr(
    ctx: ProofContext,
    public: Element,
    proof: ChallengeResponse,
    *,
    bound_to: Sequence[Item] = (),
) -> None:
    """None when proof shows knowledge of log_g(public); InvalidProof otherwise."""
    require_not_identity("schnorr proof", [("public key", public)])
    h = ctx.group.generator**proof.v * public**proof.c
    if ctx.challenge(TAG_SCHNORR, public, h, *bound_to) != proof.c:
        raise InvalidProof("schnorr proof: challenge does not match the statement")
