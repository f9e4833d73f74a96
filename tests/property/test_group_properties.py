"""Algebraic laws of ristretto255 and its scalar field, checked on random values."""

from __future__ import annotations

from hypothesis import given, settings

from referendum.group import ORDER, RISTRETTO255, Element, Scalar, SeededRandom
from strategies import elements, nonzero_scalars, scalar_ints, scalars, seeded_rngs

G = RISTRETTO255.generator
ID = RISTRETTO255.identity

# Each example costs a few exponentiations (~50 us each); 60 examples keep this file fast.
GROUP = settings(max_examples=60, deadline=None)
FIELD = settings(max_examples=200, deadline=None)


# --- exponentiation is a homomorphism --------------------------------------------------


@GROUP
@given(scalars(), scalars())
def test_power_of_sum(a: Scalar, b: Scalar) -> None:
    assert G ** (a + b) == G**a * G**b


@GROUP
@given(elements(), scalars(), scalars())
def test_power_of_sum_any_base(h: Element, a: Scalar, b: Scalar) -> None:
    assert h ** (a + b) == h**a * h**b


@GROUP
@given(scalars(), scalars())
def test_power_of_product(a: Scalar, b: Scalar) -> None:
    assert G ** (a * b) == (G**a) ** b


@GROUP
@given(elements(), scalars(), scalars())
def test_power_of_product_any_base(h: Element, a: Scalar, b: Scalar) -> None:
    assert h ** (a * b) == (h**a) ** b == (h**b) ** a


@GROUP
@given(elements(), elements(), scalars())
def test_power_distributes_over_product(h: Element, k: Element, a: Scalar) -> None:
    assert (h * k) ** a == h**a * k**a


@GROUP
@given(scalar_ints(), scalar_ints())
def test_exponent_arithmetic_matches_integers(a: int, b: int) -> None:
    assert G ** Scalar.from_int(a + b) == G ** Scalar.from_int(a) * G ** Scalar.from_int(b)


@GROUP
@given(scalar_ints(allow_zero=False))
def test_power_is_identity_only_for_zero_exponent(a: int) -> None:
    assert G ** Scalar.from_int(a) != ID


# --- encodings -------------------------------------------------------------------------


@GROUP
@given(scalars())
def test_element_round_trip(a: Scalar) -> None:
    e = G**a
    assert Element(e.to_bytes()) == e
    assert RISTRETTO255.element(e.to_bytes()).to_bytes() == e.to_bytes()


@GROUP
@given(elements())
def test_hashed_element_round_trip(e: Element) -> None:
    assert Element(e.to_bytes()) == e


@FIELD
@given(scalar_ints())
def test_scalar_round_trip(n: int) -> None:
    x = Scalar.from_int(n)
    assert int(x) == n
    assert Scalar(x.to_bytes()) == x
    assert x.to_bytes() == n.to_bytes(32, "little")


# --- group laws --------------------------------------------------------------------------


@GROUP
@given(elements(), elements(), elements())
def test_group_laws(a: Element, b: Element, c: Element) -> None:
    assert (a * b) * c == a * (b * c)
    assert a * b == b * a
    assert a * ID == a
    assert a * a.inverse() == ID


@GROUP
@given(elements(), elements())
def test_division(a: Element, b: Element) -> None:
    assert (a / b) * b == a
    assert a / b == a * b.inverse()
    assert a / a == ID


# --- the scalar field ----------------------------------------------------------------------


@FIELD
@given(scalar_ints(), scalar_ints(), scalar_ints())
def test_scalar_ops_match_integers_mod_order(a: int, b: int, c: int) -> None:
    x, y, z = Scalar.from_int(a), Scalar.from_int(b), Scalar.from_int(c)
    assert int(x + y) == (a + b) % ORDER
    assert int(x - y) == (a - b) % ORDER
    assert int(x * y) == (a * b) % ORDER
    assert int(-x) == (-a) % ORDER
    assert x * (y + z) == x * y + x * z


@FIELD
@given(scalars(), scalars(), scalars())
def test_field_laws(x: Scalar, y: Scalar, z: Scalar) -> None:
    zero, one = Scalar.from_int(0), Scalar.from_int(1)
    assert x + y == y + x
    assert x * y == y * x
    assert (x + y) + z == x + (y + z)
    assert (x * y) * z == x * (y * z)
    assert x + zero == x
    assert x * one == x
    assert x + (-x) == zero
    assert x - y == x + (-y)


@FIELD
@given(nonzero_scalars())
def test_scalar_inverse(x: Scalar) -> None:
    assert x * x.inverse() == Scalar.from_int(1)
    assert x.inverse().inverse() == x
    assert int(x.inverse()) == pow(int(x), -1, ORDER)


@GROUP
@given(nonzero_scalars(), elements())
def test_exponent_inverse_undoes_power(x: Scalar, h: Element) -> None:
    assert (h**x) ** x.inverse() == h


@FIELD
@given(seeded_rngs())
def test_random_scalar_is_nonzero_and_canonical(rng: SeededRandom) -> None:
    x = Scalar.random(rng)
    assert not x.is_zero()
    assert 0 < int(x) < ORDER
