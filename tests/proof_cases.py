"""One table of proof kinds, so every test of 'any changed field fails' covers them all.

Each case builds a true statement and its proof from a seed, and knows how to verify a
(statement, proof) pair. Statements and proofs are flat dicts of named Elements,
Scalars or ciphertexts, so tests can change one field at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from referendum.elgamal import Ciphertext, encrypt
from referendum.group import RISTRETTO255 as G
from referendum.group import Element, Scalar, SeededRandom
from referendum.proofs import (
    ChallengeResponse,
    ProofContext,
    RangeProof,
    prove_disjunctive,
    prove_equal_logs,
    prove_range,
    prove_schnorr,
    verify_disjunctive,
    verify_equal_logs,
    verify_range,
    verify_schnorr,
)

FINGERPRINT = bytes.fromhex("5e" * 32)
BOUND = (b"ballot-7", 3)


def context(fingerprint: bytes = FINGERPRINT) -> ProofContext:
    return ProofContext(G, fingerprint)


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[SeededRandom], tuple[dict[str, Any], Any]]
    verify: Callable[[ProofContext, dict[str, Any], Any, tuple[Any, ...]], None]


def _schnorr(rng: SeededRandom) -> tuple[dict[str, Any], Any]:
    x = G.random_scalar(rng)
    return {"public": G.generator**x}, prove_schnorr(context(), x, bound_to=BOUND, rng=rng)


def _chaum_pedersen(rng: SeededRandom) -> tuple[dict[str, Any], Any]:
    x = G.random_scalar(rng)
    a, b = G.generator, G.generator ** G.random_scalar(rng)
    proof = prove_equal_logs(context(), a, b, x, bound_to=BOUND, rng=rng)
    return {"base_a": a, "base_b": b, "value_x": a**x, "value_y": b**x}, proof


def _encrypted(rng: SeededRandom, m: int) -> tuple[Element, Ciphertext, Scalar]:
    K = G.generator ** G.random_scalar(rng)
    r = G.random_scalar(rng)
    return K, encrypt(G, K, m, r), r


def _disjunctive(rng: SeededRandom) -> tuple[dict[str, Any], Any]:
    m = rng(1)[0] & 1
    K, ct, r = _encrypted(rng, m)
    proof = prove_disjunctive(context(), K, ct, m, r, bound_to=BOUND, rng=rng)
    return {"public_key": K, "alpha": ct.alpha, "beta": ct.beta}, proof


def _range(rng: SeededRandom) -> tuple[dict[str, Any], Any]:
    m = 2 + rng(1)[0] % 4  # in [2, 5]
    K, ct, r = _encrypted(rng, m)
    proof = prove_range(context(), K, ct, m, r, 2, 5, bound_to=BOUND, rng=rng)
    return {"public_key": K, "alpha": ct.alpha, "beta": ct.beta}, proof


CASES = [
    Case(
        "schnorr",
        _schnorr,
        lambda ctx, s, p, bound: verify_schnorr(ctx, s["public"], p, bound_to=bound),
    ),
    Case(
        "chaum-pedersen",
        _chaum_pedersen,
        lambda ctx, s, p, bound: verify_equal_logs(
            ctx, s["base_a"], s["base_b"], s["value_x"], s["value_y"], p, bound_to=bound
        ),
    ),
    Case(
        "disjunctive",
        _disjunctive,
        lambda ctx, s, p, bound: verify_disjunctive(
            ctx, s["public_key"], Ciphertext(s["alpha"], s["beta"]), p, bound_to=bound
        ),
    ),
    Case(
        "range",
        _range,
        lambda ctx, s, p, bound: verify_range(
            ctx, s["public_key"], Ciphertext(s["alpha"], s["beta"]), 2, 5, p, bound_to=bound
        ),
    ),
]


def proof_scalars(proof: Any) -> list[tuple[str, Scalar]]:
    """Every scalar field of a proof, named like 'branches[1].v'."""
    if isinstance(proof, ChallengeResponse):
        return [("c", proof.c), ("v", proof.v)]
    assert isinstance(proof, RangeProof)
    return [
        (f"branches[{j}].{name}", value)
        for j, branch in enumerate(proof.branches)
        for name, value in (("c", branch.c), ("v", branch.v))
    ]


def with_scalar(proof: Any, field: str, value: Scalar) -> Any:
    """A copy of proof with the named scalar field replaced."""
    if isinstance(proof, ChallengeResponse):
        return (
            ChallengeResponse(value, proof.v) if field == "c" else ChallengeResponse(proof.c, value)
        )
    index = int(field[len("branches[") : field.index("]")])
    branches = list(proof.branches)
    branches[index] = with_scalar(branches[index], field.rsplit(".", 1)[1], value)
    return RangeProof(tuple(branches))
