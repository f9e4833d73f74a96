"""Properties of every proof kind over random statements: completeness and soundness to change."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proof_cases import BOUND, CASES, context, proof_scalars, with_scalar
from referendum.elgamal import decrypt, discrete_log, encrypt, sum_ciphertexts
from referendum.group import RISTRETTO255 as G
from referendum.group import SeededRandom
from referendum.proofs import InvalidProof, prove_range, verify_range
from strategies import elements, nonzero_scalars, seeds

SLOW = settings(max_examples=25, deadline=None)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@SLOW
@given(seed=seeds())
def test_every_valid_proof_verifies(case, seed):
    statement, proof = case.make(SeededRandom(seed))
    case.verify(context(), statement, proof, BOUND)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@SLOW
@given(seed=seeds(), data=st.data())
def test_any_single_changed_proof_field_fails(case, seed, data):
    statement, proof = case.make(SeededRandom(seed))
    field, value = data.draw(st.sampled_from(proof_scalars(proof)), label="field")
    delta = data.draw(nonzero_scalars(), label="delta")
    with pytest.raises(InvalidProof):
        case.verify(context(), statement, with_scalar(proof, field, value + delta), BOUND)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@SLOW
@given(seed=seeds(), data=st.data())
def test_any_single_changed_statement_field_fails(case, seed, data):
    statement, proof = case.make(SeededRandom(seed))
    field = data.draw(st.sampled_from(sorted(statement)), label="field")
    other = data.draw(elements(allow_identity=False), label="replacement")
    if other == statement[field]:
        return
    with pytest.raises(InvalidProof):
        case.verify(context(), {**statement, field: other}, proof, BOUND)


@SLOW
@given(seed=seeds(), lo=st.integers(0, 5), width=st.integers(0, 4), data=st.data())
def test_range_proofs_are_complete(seed, lo, width, data):
    hi = lo + width
    m = data.draw(st.integers(lo, hi), label="m")
    rng = SeededRandom(seed)
    K = G.generator ** G.random_scalar(rng)
    r = G.random_scalar(rng)
    ct = encrypt(G, K, m, r)
    verify_range(context(), K, ct, lo, hi, prove_range(context(), K, ct, m, r, lo, hi, rng=rng))


@settings(max_examples=30, deadline=None)
@given(seed=seeds(), votes=st.lists(st.integers(0, 3), max_size=12))
def test_homomorphic_sum_decrypts_to_the_plain_sum(seed, votes):
    rng = SeededRandom(seed)
    s = G.random_scalar(rng)
    K = G.generator**s
    total = sum_ciphertexts(G, [encrypt(G, K, m, G.random_scalar(rng)) for m in votes])
    assert discrete_log(G, decrypt(total, s), 3 * len(votes)) == sum(votes)
