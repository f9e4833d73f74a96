"""Threshold sharing on random polynomials, quorums and secrets (docs/protocol.md section 6)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from referendum.group import RISTRETTO255 as GROUP
from referendum.group import Scalar, SeededRandom
from referendum.sharing import (
    Polynomial,
    ShareVerificationError,
    interpolate_at_zero,
    interpolate_in_exponent,
    joint_public_share,
    lagrange_coefficient,
    public_share,
    share_for,
    verify_share,
)
from strategies import nonzero_scalars, scalars, seeds

G = GROUP.generator
MAX_N = 7

# Commitments and verification cost k and k*n exponentiations; keep examples modest.
CHEAP = settings(max_examples=150, deadline=None)
COSTLY = settings(max_examples=40, deadline=None)


@st.composite
def setups(draw: st.DrawFn) -> tuple[Polynomial, int, list[int]]:
    """A polynomial of threshold k, a trustee count n >= k, and a quorum of exactly k."""
    n = draw(st.integers(min_value=1, max_value=MAX_N))
    k = draw(st.integers(min_value=1, max_value=n))
    secret = draw(scalars())
    poly = Polynomial.random(GROUP, secret, k - 1, SeededRandom(draw(seeds())))
    quorum = draw(st.lists(st.integers(1, n), min_size=k, max_size=k, unique=True))
    return poly, n, quorum


def quorum_of(poly: Polynomial, quorum: list[int]) -> dict[int, Scalar]:
    return {i: share_for(poly, i) for i in quorum}


@CHEAP
@given(setups())
def test_any_k_shares_recover_secret(setup: tuple[Polynomial, int, list[int]]) -> None:
    poly, _, quorum = setup
    assert interpolate_at_zero(GROUP, quorum_of(poly, quorum)) == poly.coefficients[0]


@CHEAP
@given(setups(), st.data())
def test_more_than_k_shares_recover_secret(
    setup: tuple[Polynomial, int, list[int]], data: st.DataObject
) -> None:
    poly, n, _ = setup
    quorum = data.draw(st.lists(st.integers(1, n), min_size=poly.threshold, unique=True))
    assert interpolate_at_zero(GROUP, quorum_of(poly, quorum)) == poly.coefficients[0]


@CHEAP
@given(
    st.integers(min_value=2, max_value=MAX_N),
    scalars(),
    seeds(),
    st.data(),
)
def test_k_minus_one_shares_miss_random_secret(
    k: int, secret: Scalar, seed: bytes, data: st.DataObject
) -> None:
    # k-1 points interpolate f minus its top term, so the result is off by exactly
    # a_(k-1) * prod_{i in Q} (-i): never zero, because Polynomial.random draws a_(k-1) != 0.
    poly = Polynomial.random(GROUP, secret, k - 1, SeededRandom(seed))
    quorum = data.draw(st.lists(st.integers(1, MAX_N), min_size=k - 1, max_size=k - 1, unique=True))
    assert interpolate_at_zero(GROUP, quorum_of(poly, quorum)) != secret


@CHEAP
@given(st.lists(st.integers(1, 50), min_size=1, max_size=MAX_N, unique=True), scalars())
def test_lagrange_reproduces_constant_and_linear(quorum: list[int], c: Scalar) -> None:
    # Interpolating f(x) = c returns c; interpolating f(x) = x returns 0 (if |Q| >= 2).
    lambdas = [lagrange_coefficient(GROUP, i, quorum) for i in quorum]
    total_c = Scalar.from_int(0)
    total_x = Scalar.from_int(0)
    for i, lam in zip(quorum, lambdas, strict=True):
        total_c = total_c + lam * c
        total_x = total_x + lam * Scalar.from_int(i)
    assert total_c == c
    assert total_x == (Scalar.from_int(0) if len(quorum) >= 2 else Scalar.from_int(quorum[0]))


@COSTLY
@given(setups())
def test_interpolate_in_exponent_gives_g_secret(setup: tuple[Polynomial, int, list[int]]) -> None:
    poly, _, quorum = setup
    points = {i: G ** share_for(poly, i) for i in quorum}
    assert interpolate_in_exponent(GROUP, points) == G ** poly.coefficients[0]


@COSTLY
@given(setups())
def test_every_share_verifies(setup: tuple[Polynomial, int, list[int]]) -> None:
    poly, n, _ = setup
    commitments = poly.commitments(GROUP)
    for i in range(1, n + 1):
        verify_share(GROUP, i, share_for(poly, i), commitments)
        assert public_share(GROUP, i, commitments) == G ** share_for(poly, i)


@COSTLY
@given(setups(), nonzero_scalars(), st.data())
def test_perturbed_share_is_rejected(
    setup: tuple[Polynomial, int, list[int]], delta: Scalar, data: st.DataObject
) -> None:
    poly, n, _ = setup
    i = data.draw(st.integers(1, n))
    commitments = poly.commitments(GROUP)
    try:
        verify_share(GROUP, i, share_for(poly, i) + delta, commitments)
    except ShareVerificationError as e:
        assert e.trustee == i
    else:
        raise AssertionError("a wrong share verified")


@COSTLY
@given(st.integers(1, 4), st.integers(1, 4), seeds(), st.data())
def test_joint_sharing_recovers_sum_of_secrets(
    dealers: int, k: int, seed: bytes, data: st.DataObject
) -> None:
    rng = SeededRandom(seed)
    polys = [Polynomial.random(GROUP, GROUP.random_scalar(rng), k - 1, rng) for _ in range(dealers)]
    lists = [p.commitments(GROUP) for p in polys]
    quorum = data.draw(st.lists(st.integers(1, MAX_N), min_size=k, max_size=k, unique=True))
    joint: dict[int, Scalar] = {}
    for i in quorum:
        s_i = Scalar.from_int(0)
        for p in polys:
            s_i = s_i + share_for(p, i)
        assert joint_public_share(GROUP, i, lists) == G**s_i
        joint[i] = s_i
    total = Scalar.from_int(0)
    for p in polys:
        total = total + p.coefficients[0]
    assert interpolate_at_zero(GROUP, joint) == total
