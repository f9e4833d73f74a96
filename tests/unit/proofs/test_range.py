"""Range and disjunctive proofs: what is specific to them beyond the shared tampering tests."""

import pytest

from proof_cases import context
from referendum.elgamal import Ciphertext, encrypt
from referendum.group import ORDER, GroupError, Scalar, SeededRandom
from referendum.group import RISTRETTO255 as G
from referendum.proofs import (
    MAX_RANGE_WIDTH,
    ChallengeResponse,
    InvalidProof,
    RangeProof,
    prove_disjunctive,
    prove_range,
    verify_disjunctive,
    verify_range,
)

RNG_SEED = "range-unit"


@pytest.fixture
def key():
    return G.generator ** G.random_scalar(SeededRandom("range-key"))


def _encrypt(key, m, seed=RNG_SEED):
    r = G.random_scalar(SeededRandom(seed))
    return encrypt(G, key, m, r), r


@pytest.mark.parametrize(("m", "lo", "hi"), [(0, 0, 0), (3, 3, 3), (0, 0, 4), (4, 0, 4), (2, 1, 3)])
def test_values_at_and_inside_the_bounds_prove(key, m, lo, hi):
    ct, r = _encrypt(key, m)
    proof = prove_range(context(), key, ct, m, r, lo, hi, rng=SeededRandom(1))
    assert len(proof.branches) == hi - lo + 1
    verify_range(context(), key, ct, lo, hi, proof)


@pytest.mark.parametrize(("m", "lo", "hi"), [(2, 0, 1), (0, 1, 3), (5, 1, 4)])
def test_prover_refuses_a_value_outside_the_range(key, m, lo, hi):
    ct, r = _encrypt(key, m)
    with pytest.raises(ValueError, match="cannot prove"):
        prove_range(context(), key, ct, m, r, lo, hi)


def test_a_two_does_not_pass_as_zero_or_one(key):
    """A cheater who encrypts 2 and reuses a proof made for 1 under the same nonce fails."""
    ct2, r = _encrypt(key, 2)
    ct1 = encrypt(G, key, 1, r)
    proof = prove_disjunctive(context(), key, ct1, 1, r, rng=SeededRandom(2))
    with pytest.raises(InvalidProof):
        verify_disjunctive(context(), key, ct2, proof)


def test_a_fully_simulated_proof_fails(key):
    """Choosing every branch's (c, v) freely cannot meet the hash: the soundness of the OR."""
    ct, _ = _encrypt(key, 2)
    rng = SeededRandom(3)
    forged = RangeProof(
        tuple(ChallengeResponse(G.random_scalar(rng), G.random_scalar(rng)) for _ in range(2))
    )
    with pytest.raises(InvalidProof, match="do not sum"):
        verify_disjunctive(context(), key, ct, forged)


def test_swapped_branches_fail(key):
    ct, r = _encrypt(key, 1)
    proof = prove_disjunctive(context(), key, ct, 1, r, rng=SeededRandom(4))
    swapped = RangeProof(proof.branches[::-1])
    with pytest.raises(InvalidProof):
        verify_disjunctive(context(), key, ct, swapped)


@pytest.mark.parametrize("branches", [1, 3])
def test_wrong_number_of_branches_is_named(key, branches):
    ct, r = _encrypt(key, 1)
    proof = prove_range(context(), key, ct, 1, r, 0, 2, rng=SeededRandom(5))
    cut = RangeProof(proof.branches[:branches])
    with pytest.raises(InvalidProof, match=f"expected 2 branches, got {branches}"):
        verify_disjunctive(context(), key, ct, cut)


def test_proof_for_one_range_fails_for_another(key):
    ct, r = _encrypt(key, 2)
    proof = prove_range(context(), key, ct, 2, r, 1, 3, rng=SeededRandom(6))
    with pytest.raises(InvalidProof):
        verify_range(context(), key, ct, 2, 4, proof)


@pytest.mark.parametrize(("lo", "hi"), [(-1, 1), (2, 1), (0, MAX_RANGE_WIDTH)])
def test_bad_bounds_are_refused(key, lo, hi):
    ct, r = _encrypt(key, 0)
    with pytest.raises(ValueError, match="range"):
        prove_range(context(), key, ct, 0, r, lo, hi)
    with pytest.raises(ValueError, match="range"):
        verify_range(context(), key, ct, lo, hi, RangeProof(()))


def test_json_round_trip(key):
    ct, r = _encrypt(key, 1)
    proof = prove_disjunctive(context(), key, ct, 1, r, rng=SeededRandom(7))
    decoded = RangeProof.from_json(G, proof.to_json())
    assert decoded == proof
    verify_disjunctive(context(), key, Ciphertext.from_json(G, ct.to_json()), decoded)


@pytest.mark.parametrize("value", [ORDER, ORDER + 1, 2**256 - 1, 2**255])
def test_json_rejects_scalars_at_or_above_the_order(key, value):
    ct, r = _encrypt(key, 1)
    doc = prove_disjunctive(context(), key, ct, 1, r, rng=SeededRandom(8)).to_json()
    doc[1]["v"] = value.to_bytes(32, "little").hex()
    with pytest.raises(GroupError, match=r"proof\[1\]\.v: scalar encoding is not canonical"):
        RangeProof.from_json(G, doc)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({}, "list of 1 to"),
        ([], "list of 1 to"),
        ([{"c": "00" * 32, "v": "00" * 32}] * (MAX_RANGE_WIDTH + 1), "list of 1 to"),
        ([{"c": "00" * 32}], r"proof\[0\]: expected an object with exactly c and v"),
        ([{"c": "00" * 31, "v": "00" * 32}], r"proof\[0\]\.c: expected 64 lowercase hex"),
    ],
)
def test_json_rejects_malformed_proofs(doc, message):
    with pytest.raises(GroupError, match=message):
        RangeProof.from_json(G, doc)


def test_scalar_constructor_is_the_only_way_in():
    with pytest.raises(GroupError):
        Scalar(ORDER.to_bytes(32, "little"))
