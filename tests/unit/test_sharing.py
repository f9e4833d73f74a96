"""Shamir sharing with Feldman commitments (docs/protocol.md section 6)."""

from __future__ import annotations

from itertools import combinations
from typing import Any

import pytest

from referendum.errors import VerificationError
from referendum.group import RISTRETTO255 as GROUP
from referendum.group import Scalar, SeededRandom
from referendum.sharing import (
    MAX_INDEX,
    Polynomial,
    ShareVerificationError,
    interpolate_at_zero,
    interpolate_in_exponent,
    joint_public_key,
    joint_public_share,
    lagrange_coefficient,
    public_share,
    share_for,
    verify_share,
)

G = GROUP.generator
ORDER = GROUP.order


def s(n: int) -> Scalar:
    return Scalar.from_int(n)


@pytest.fixture
def poly() -> Polynomial:
    """A random degree-2 polynomial (threshold 3)."""
    rng = SeededRandom("sharing-unit")
    return Polynomial.random(GROUP, GROUP.random_scalar(rng), 2, rng)


# --- Polynomial --------------------------------------------------------------------------


def test_evaluate_known_polynomial() -> None:
    f = Polynomial((s(7), s(3), s(2)))  # 7 + 3x + 2x^2
    assert [int(f.evaluate(x)) for x in range(5)] == [7, 12, 21, 34, 51]
    assert f.evaluate(-1) == s(6)
    assert int(f.evaluate(ORDER + 1)) == 12  # x is taken mod l


def test_evaluate_wraps_mod_order() -> None:
    f = Polynomial((s(ORDER - 1), s(1)))  # -1 + x
    assert f.evaluate(0) == s(-1)
    assert f.evaluate(1).is_zero()
    big = 2**200
    assert int(f.evaluate(big)) == (big - 1) % ORDER


def test_constant_polynomial() -> None:
    f = Polynomial((s(42),))
    assert f.degree == 0
    assert f.threshold == 1
    assert all(f.evaluate(x) == s(42) for x in (0, 1, 5, 10**9))


def test_random_polynomial_shape(poly: Polynomial) -> None:
    assert poly.degree == 2
    assert poly.threshold == 3
    assert len(poly.coefficients) == 3
    assert all(not a.is_zero() for a in poly.coefficients[1:])
    assert len(set(poly.coefficients)) == 3


def test_random_polynomial_keeps_secret_and_is_reproducible() -> None:
    secret = s(123)
    f1 = Polynomial.random(GROUP, secret, 3, SeededRandom(1))
    f2 = Polynomial.random(GROUP, secret, 3, SeededRandom(1))
    f3 = Polynomial.random(GROUP, secret, 3, SeededRandom(2))
    assert f1.coefficients[0] == secret == f1.evaluate(0)
    assert f1 == f2
    assert f1 != f3
    assert f1.coefficients[0] == f3.coefficients[0]


def test_random_polynomial_degree_zero() -> None:
    f = Polynomial.random(GROUP, s(9), 0, SeededRandom(0))
    assert f.coefficients == (s(9),)


@pytest.mark.parametrize("degree", [-1, True, 1.0, "2"])
def test_random_polynomial_rejects_bad_degree(degree: Any) -> None:
    with pytest.raises(ValueError, match="degree must be a non-negative int"):
        Polynomial.random(GROUP, s(1), degree, SeededRandom(0))


def test_random_polynomial_rejects_int_secret() -> None:
    with pytest.raises(TypeError, match="secret is a int"):
        Polynomial.random(GROUP, 5, 2, SeededRandom(0))  # type: ignore[arg-type]


def test_polynomial_validates_coefficients() -> None:
    with pytest.raises(ValueError, match="non-empty tuple"):
        Polynomial(())
    with pytest.raises(ValueError, match="non-empty tuple"):
        Polynomial([s(1)])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="coefficient a_1 is a int"):
        Polynomial((s(1), 2))  # type: ignore[arg-type]


def test_polynomial_is_frozen_and_hides_coefficients(poly: Polynomial) -> None:
    with pytest.raises(AttributeError):
        poly.coefficients = ()  # type: ignore[misc]
    assert poly.coefficients[0].to_bytes().hex() not in repr(poly)
    assert repr(poly) == "Polynomial()"


def test_evaluate_rejects_non_int(poly: Polynomial) -> None:
    for x in (True, 1.0, s(1)):
        with pytest.raises(TypeError, match="evaluated at an int"):
            poly.evaluate(x)  # type: ignore[arg-type]


def test_commitments(poly: Polynomial) -> None:
    commitments = poly.commitments(GROUP)
    assert len(commitments) == 3
    assert commitments == tuple(G**a for a in poly.coefficients)
    assert commitments[0] == G ** poly.evaluate(0)


# --- shares --------------------------------------------------------------------------------


def test_share_for_is_f_of_i(poly: Polynomial) -> None:
    for i in (1, 2, 7, MAX_INDEX):
        assert share_for(poly, i) == poly.evaluate(i)


def test_share_for_known_values() -> None:
    f = Polynomial((s(7), s(3), s(2)))
    assert [int(share_for(f, i)) for i in (1, 2, 3)] == [12, 21, 34]


def test_share_for_index_zero_is_forbidden(poly: Polynomial) -> None:
    with pytest.raises(ValueError, match="trustee index 0 is forbidden"):
        share_for(poly, 0)


@pytest.mark.parametrize("i", [-1, -5])
def test_share_for_negative_index(poly: Polynomial, i: int) -> None:
    with pytest.raises(ValueError, match=f"positive, got {i}"):
        share_for(poly, i)


def test_share_for_index_too_large(poly: Polynomial) -> None:
    with pytest.raises(ValueError, match="above the maximum"):
        share_for(poly, MAX_INDEX + 1)
    with pytest.raises(ValueError, match="above the maximum"):
        share_for(poly, ORDER)  # would alias index 0 mod l


@pytest.mark.parametrize("i", [True, 1.0, "1", None])
def test_share_for_non_int_index(poly: Polynomial, i: Any) -> None:
    with pytest.raises(TypeError, match="trustee index is an int"):
        share_for(poly, i)


# --- verification ----------------------------------------------------------------------------


def test_verify_share_accepts_good_shares(poly: Polynomial) -> None:
    commitments = poly.commitments(GROUP)
    for i in range(1, 8):
        verify_share(GROUP, i, share_for(poly, i), commitments)


def test_verify_share_accepts_lists_of_commitments(poly: Polynomial) -> None:
    verify_share(GROUP, 2, share_for(poly, 2), list(poly.commitments(GROUP)))


def test_verify_share_rejects_share_off_by_one(poly: Polynomial) -> None:
    commitments = poly.commitments(GROUP)
    bad = share_for(poly, 3) + s(1)
    with pytest.raises(ShareVerificationError, match="trustee 3: share does not match") as e:
        verify_share(GROUP, 3, bad, commitments)
    assert e.value.trustee == 3
    assert e.value.dealer is None
    assert isinstance(e.value, VerificationError)


def test_verify_share_rejects_share_for_wrong_index(poly: Polynomial) -> None:
    commitments = poly.commitments(GROUP)
    with pytest.raises(ShareVerificationError) as e:
        verify_share(GROUP, 2, share_for(poly, 1), commitments)
    assert e.value.trustee == 2


@pytest.mark.parametrize("j", [0, 1, 2])
def test_verify_share_rejects_tampered_commitment(poly: Polynomial, j: int) -> None:
    commitments = list(poly.commitments(GROUP))
    commitments[j] = commitments[j] * G
    with pytest.raises(ShareVerificationError):
        verify_share(GROUP, 4, share_for(poly, 4), commitments)


def test_verify_share_rejects_dropped_commitment(poly: Polynomial) -> None:
    commitments = poly.commitments(GROUP)
    with pytest.raises(ShareVerificationError):
        verify_share(GROUP, 4, share_for(poly, 4), commitments[:-1])


def test_verify_share_names_dealer(poly: Polynomial) -> None:
    with pytest.raises(ShareVerificationError, match="trustee 5, dealer 2: ") as e:
        verify_share(GROUP, 5, s(0), poly.commitments(GROUP), dealer=2)
    assert (e.value.trustee, e.value.dealer) == (5, 2)


def test_verify_share_without_commitments() -> None:
    with pytest.raises(ShareVerificationError, match="trustee 1: the dealer published no"):
        verify_share(GROUP, 1, s(1), ())


def test_verify_share_checks_index(poly: Polynomial) -> None:
    with pytest.raises(ValueError, match="index 0 is forbidden"):
        verify_share(GROUP, 0, poly.evaluate(0), poly.commitments(GROUP))


def test_verify_share_rejects_non_scalar(poly: Polynomial) -> None:
    with pytest.raises(TypeError, match="a share is a Scalar, got int"):
        verify_share(GROUP, 1, 5, poly.commitments(GROUP))  # type: ignore[arg-type]


# --- public shares ---------------------------------------------------------------------------


def test_public_share_is_g_to_share(poly: Polynomial) -> None:
    commitments = poly.commitments(GROUP)
    for i in (1, 2, 3, 10, MAX_INDEX):
        assert public_share(GROUP, i, commitments) == G ** share_for(poly, i)


def test_public_share_known_polynomial() -> None:
    f = Polynomial((s(7), s(3), s(2)))
    assert public_share(GROUP, 3, f.commitments(GROUP)) == GROUP.g_pow_int(34)


def test_public_share_errors() -> None:
    with pytest.raises(ValueError, match="no commitments"):
        public_share(GROUP, 1, ())
    with pytest.raises(ValueError, match="index 0 is forbidden"):
        public_share(GROUP, 0, (G,))


def test_joint_shares_and_key() -> None:
    rng = SeededRandom("dkg")
    dealers = [Polynomial.random(GROUP, GROUP.random_scalar(rng), 2, rng) for _ in range(3)]
    lists = [f.commitments(GROUP) for f in dealers]
    joint_secret = dealers[0].evaluate(0) + dealers[1].evaluate(0) + dealers[2].evaluate(0)
    assert joint_public_key(GROUP, lists) == G**joint_secret
    joint = {}
    for i in range(1, 6):
        s_i = share_for(dealers[0], i) + share_for(dealers[1], i) + share_for(dealers[2], i)
        assert joint_public_share(GROUP, i, lists) == G**s_i
        joint[i] = s_i
    for quorum in combinations(range(1, 6), 3):
        assert interpolate_at_zero(GROUP, {i: joint[i] for i in quorum}) == joint_secret


def test_joint_public_share_of_one_dealer_is_public_share(poly: Polynomial) -> None:
    c = poly.commitments(GROUP)
    assert joint_public_share(GROUP, 4, [c]) == public_share(GROUP, 4, c)


def test_joint_errors(poly: Polynomial) -> None:
    with pytest.raises(ValueError, match="no dealers"):
        joint_public_share(GROUP, 1, [])
    with pytest.raises(ValueError, match="no dealers"):
        joint_public_key(GROUP, [])
    with pytest.raises(ValueError, match="commitment list 1 is empty"):
        joint_public_key(GROUP, [poly.commitments(GROUP), ()])
    with pytest.raises(ValueError, match="no commitments"):
        joint_public_share(GROUP, 1, [poly.commitments(GROUP), ()])


# --- Lagrange coefficients -------------------------------------------------------------------


def test_lagrange_known_values() -> None:
    # Q = {1, 2}: lambda_1 = 2/(2-1) = 2, lambda_2 = 1/(1-2) = -1.
    assert lagrange_coefficient(GROUP, 1, [1, 2]) == s(2)
    assert lagrange_coefficient(GROUP, 2, [1, 2]) == s(-1)
    # Q = {1, 2, 3}: 3, -3, 1.
    assert [lagrange_coefficient(GROUP, i, (1, 2, 3)) for i in (1, 2, 3)] == [s(3), s(-3), s(1)]
    # Q = {2, 5}: lambda_2 = 5/3, lambda_5 = 2/(-3).
    assert lagrange_coefficient(GROUP, 2, [2, 5]) == s(5) * s(3).inverse()
    assert lagrange_coefficient(GROUP, 5, [5, 2]) == s(2) * s(-3).inverse()


def test_lagrange_single_member_quorum() -> None:
    assert lagrange_coefficient(GROUP, 4, [4]) == s(1)


def test_lagrange_coefficients_sum_to_one() -> None:
    # sum_i lambda_i = 1 (interpolating the constant polynomial 1).
    for quorum in ([1, 2], [1, 3, 7], [2, 4, 6, 8, 10]):
        total = s(0)
        for i in quorum:
            total = total + lagrange_coefficient(GROUP, i, quorum)
        assert total == s(1)


def test_lagrange_order_of_quorum_does_not_matter() -> None:
    assert lagrange_coefficient(GROUP, 3, [5, 3, 1]) == lagrange_coefficient(GROUP, 3, [1, 3, 5])


def test_lagrange_duplicate_indices() -> None:
    with pytest.raises(ValueError, match=r"repeats trustee indices \[2\]"):
        lagrange_coefficient(GROUP, 1, [1, 2, 2])


def test_lagrange_i_not_in_quorum() -> None:
    with pytest.raises(ValueError, match=r"trustee 4 is not in the quorum \[1, 2, 3\]"):
        lagrange_coefficient(GROUP, 4, [3, 1, 2])


@pytest.mark.parametrize(
    ("i", "quorum", "message"),
    [
        (0, [1, 2], "index 0 is forbidden"),
        (1, [0, 1], "index 0 is forbidden"),
        (-1, [1, 2], "positive, got -1"),
        (1, [1, -2], "positive, got -2"),
        (1, [1, MAX_INDEX + 1], "above the maximum"),
    ],
)
def test_lagrange_bad_indices(i: int, quorum: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        lagrange_coefficient(GROUP, i, quorum)


def test_lagrange_non_int_index() -> None:
    with pytest.raises(TypeError, match="trustee index is an int, got bool"):
        lagrange_coefficient(GROUP, 1, [1, True])


# --- interpolation -----------------------------------------------------------------------------


def test_any_three_of_five_recover_secret(poly: Polynomial) -> None:
    shares = {i: share_for(poly, i) for i in range(1, 6)}
    for quorum in combinations(range(1, 6), 3):
        assert interpolate_at_zero(GROUP, {i: shares[i] for i in quorum}) == poly.evaluate(0)
    assert interpolate_at_zero(GROUP, shares) == poly.evaluate(0)


def test_two_of_five_do_not_recover_secret(poly: Polynomial) -> None:
    shares = {i: share_for(poly, i) for i in range(1, 6)}
    for quorum in combinations(range(1, 6), 2):
        assert interpolate_at_zero(GROUP, {i: shares[i] for i in quorum}) != poly.evaluate(0)


def test_interpolate_known_polynomial() -> None:
    # f = 7 + 3x + 2x^2: f(1) = 12, f(2) = 21, f(3) = 34.
    assert interpolate_at_zero(GROUP, {1: s(12), 2: s(21), 3: s(34)}) == s(7)
    assert interpolate_in_exponent(GROUP, {1: G ** s(12), 2: G ** s(21), 3: G ** s(34)}) == (
        GROUP.g_pow_int(7)
    )


def test_interpolate_in_exponent_matches_g_secret(poly: Polynomial) -> None:
    public = {i: G ** share_for(poly, i) for i in (2, 4, 5)}
    assert interpolate_in_exponent(GROUP, public) == G ** poly.evaluate(0)


def test_interpolate_in_exponent_other_base(poly: Polynomial) -> None:
    # Partial decryptions M_i = alpha^(s_i) combine to alpha^s.
    alpha = GROUP.element_from_hash(bytes(range(64)))
    partials = {i: alpha ** share_for(poly, i) for i in (1, 3, 6)}
    assert interpolate_in_exponent(GROUP, partials) == alpha ** poly.evaluate(0)


def test_interpolate_in_exponent_below_threshold(poly: Polynomial) -> None:
    public = {i: G ** share_for(poly, i) for i in (1, 2)}
    assert interpolate_in_exponent(GROUP, public) != G ** poly.evaluate(0)


def test_interpolate_empty() -> None:
    with pytest.raises(ValueError, match="at least one point"):
        interpolate_at_zero(GROUP, {})
    with pytest.raises(ValueError, match="at least one point"):
        interpolate_in_exponent(GROUP, {})


def test_interpolate_rejects_bad_index() -> None:
    with pytest.raises(ValueError, match="index 0 is forbidden"):
        interpolate_at_zero(GROUP, {0: s(1), 1: s(2)})
    with pytest.raises(ValueError, match="index 0 is forbidden"):
        interpolate_in_exponent(GROUP, {0: G, 1: G})
    with pytest.raises(TypeError, match="trustee index is an int, got str"):
        interpolate_at_zero(GROUP, {"1": s(1)})  # type: ignore[dict-item]
