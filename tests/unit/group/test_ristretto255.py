"""Behaviour of Element, Scalar and the Ristretto255 group object."""

from __future__ import annotations

from typing import Any

import pytest

from referendum.group import ORDER, RISTRETTO255, Element, GroupError, Scalar, SeededRandom

G = RISTRETTO255.generator
ID = RISTRETTO255.identity
# An element whose discrete log we do not know; exercises the variable-base path.
H = Element.from_hash(bytes(range(64)))


def s(n: int) -> Scalar:
    return Scalar.from_int(n)


# --- constructors ----------------------------------------------------------------------


@pytest.mark.parametrize("length", [0, 1, 31, 33, 64])
def test_element_rejects_wrong_length(length: int) -> None:
    with pytest.raises(GroupError, match=f"32 bytes, got {length} bytes"):
        Element(bytes(length))
    with pytest.raises(GroupError, match=f"got {length} bytes"):
        RISTRETTO255.element(bytes(length))


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_scalar_rejects_wrong_length(length: int) -> None:
    with pytest.raises(GroupError, match=f"scalar is 32 bytes, got {length} bytes"):
        Scalar(bytes(length))
    with pytest.raises(GroupError, match=f"got {length} bytes"):
        RISTRETTO255.scalar(bytes(length))


@pytest.mark.parametrize(
    ("value", "type_name"),
    [("00" * 32, "str"), (0, "int"), (None, "NoneType"), (memoryview(bytes(32)), "memoryview")],
)
def test_constructors_reject_wrong_type(value: Any, type_name: str) -> None:
    with pytest.raises(GroupError, match=f"got {type_name}"):
        Element(value)
    with pytest.raises(GroupError, match=f"got {type_name}"):
        Scalar(value)


def test_element_rejects_non_canonical_field_encoding() -> None:
    # p = 2^255 - 19 encodes zero non-canonically.
    p_bytes = (2**255 - 19).to_bytes(32, "little")
    with pytest.raises(GroupError, match="not a canonical ristretto255 encoding"):
        Element(p_bytes)


def test_element_accepts_bytearray_and_copies_it() -> None:
    raw = bytearray(G.to_bytes())
    e = Element(raw)
    raw[0] ^= 1
    assert e == G
    assert isinstance(e.to_bytes(), bytes)


def test_scalar_accepts_bytearray() -> None:
    assert Scalar(bytearray(s(7).to_bytes())) == s(7)


def test_scalar_rejects_order() -> None:
    with pytest.raises(GroupError, match="not canonical: value is not below the group order"):
        Scalar(ORDER.to_bytes(32, "little"))


def test_scalar_from_int_reduces() -> None:
    assert s(ORDER) == s(0)
    assert s(ORDER + 5) == s(5)
    assert s(-1) == Scalar((ORDER - 1).to_bytes(32, "little"))
    assert int(s(-3)) == ORDER - 3
    assert s(2**300) == s(pow(2, 300, ORDER))


@pytest.mark.parametrize("value", [True, 1.0, "1", b"\x01", None])
def test_scalar_from_int_rejects_non_int(value: Any) -> None:
    with pytest.raises(GroupError, match="built from an int"):
        Scalar.from_int(value)


@pytest.mark.parametrize("length", [32, 63, 65])
def test_from_wide_and_from_hash_need_64_bytes(length: int) -> None:
    with pytest.raises(GroupError, match=f"takes 64 bytes, got {length}"):
        Scalar.from_wide(bytes(length))
    with pytest.raises(GroupError, match=f"takes 64 bytes, got {length}"):
        Element.from_hash(bytes(length))


def test_from_wide_reduces_mod_order() -> None:
    n = 2**511 + 12345
    assert int(Scalar.from_wide(n.to_bytes(64, "little"))) == n % ORDER
    assert Scalar.from_wide(ORDER.to_bytes(64, "little")).is_zero()
    assert RISTRETTO255.scalar_from_wide(bytes(64)) == s(0)


def test_encodings_round_trip() -> None:
    for e in (G, ID, H, G ** s(12345)):
        assert Element(e.to_bytes()) == e
    for x in (s(0), s(1), s(ORDER - 1), s(2**200)):
        assert Scalar(x.to_bytes()) == x
        assert int(Scalar(x.to_bytes())) == int(x)


def test_scalar_encoding_is_little_endian() -> None:
    assert s(1).to_bytes() == b"\x01" + bytes(31)
    assert s(256).to_bytes() == b"\x00\x01" + bytes(30)


# --- equality and hashing ---------------------------------------------------------------


def test_equality_and_hash() -> None:
    assert Element(G.to_bytes()) == G
    assert hash(G) == hash(Element(G.to_bytes()))
    assert G != ID
    assert s(3) == s(3)
    assert hash(s(3)) == hash(s(3))
    assert s(3) != s(4)
    # An element and a scalar with the same bytes are different things.
    assert Element(bytes(32)) != Scalar(bytes(32))
    assert G.to_bytes() != G
    assert len({G, Element(G.to_bytes()), ID}) == 2


def test_repr_shows_hex() -> None:
    assert repr(ID) == "Element(" + "00" * 32 + ")"
    assert repr(s(1)) == "Scalar(01" + "00" * 31 + ")"


# --- element arithmetic -----------------------------------------------------------------


def test_generator_and_identity() -> None:
    assert RISTRETTO255.generator.to_bytes().hex() == (
        "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"
    )
    assert ID.to_bytes() == bytes(32)
    assert ID.is_identity()
    assert not G.is_identity()


def test_identity_is_neutral() -> None:
    for e in (G, H, ID):
        assert e * ID == e
        assert ID * e == e
        assert e / ID == e


def test_power_zero_gives_identity() -> None:
    assert G ** s(0) == ID
    assert H ** s(0) == ID
    assert ID ** s(0) == ID
    assert (G ** s(0)).to_bytes() == bytes(32)


def test_identity_to_any_power_is_identity() -> None:
    for x in (s(1), s(2), s(ORDER - 1), s(2**200 + 3)):
        assert ID**x == ID


def test_power_one_and_order_minus_one() -> None:
    assert G ** s(1) == G
    assert H ** s(1) == H
    assert G ** s(ORDER - 1) == G.inverse()
    assert H ** s(-1) == H.inverse()


def test_power_matches_repeated_multiplication() -> None:
    acc = ID
    for k in range(10):
        assert H ** s(k) == acc
        assert G ** s(k) == RISTRETTO255.g_pow_int(k)
        acc = acc * H


def test_division_and_inverse() -> None:
    assert G / G == ID
    assert H / H == ID
    assert G.inverse() == ID / G
    assert H * H.inverse() == ID
    assert G.inverse().inverse() == G
    assert ID.inverse() == ID
    assert (G * H) / H == G
    assert G.inverse() != G


def test_multiplication_is_commutative_and_associative() -> None:
    a, b, c = G ** s(5), H, H ** s(7)
    assert a * b == b * a
    assert (a * b) * c == a * (b * c)


def test_exponent_laws_on_known_values() -> None:
    x, y = s(123456789), s(987654321)
    assert G ** (x + y) == G**x * G**y
    assert G ** (x * y) == (G**x) ** y
    assert H ** (x - y) == H**x / H**y
    assert H ** (-x) == (H**x).inverse()


def test_generator_fast_path_matches_generic_path() -> None:
    # G built by decoding has the same fast path; G computed as (G^2)^((l+1)/2) has not
    # been decoded but is equal, so results must agree whichever path each takes.
    g_again = (G * G) ** s((ORDER + 1) // 2)
    assert g_again == G
    for x in (s(2), s(ORDER - 5), s(2**250 + 1)):
        assert g_again**x == G**x


def test_from_hash_is_deterministic_and_spreads() -> None:
    assert Element.from_hash(bytes(64)) == Element.from_hash(bytes(64))
    images = {Element.from_hash(bytes([i]) * 64) for i in range(8)}
    assert len(images) == 8


def test_from_hash_accepts_bytearray() -> None:
    assert Element.from_hash(bytearray(range(64))) == H


# --- g_pow_int ---------------------------------------------------------------------------


@pytest.mark.parametrize("m", [0, 1, 2, 5, 63, 64, 65, 1000, 2**40])
def test_g_pow_int(m: int) -> None:
    assert RISTRETTO255.g_pow_int(m) == G ** s(m)


def test_g_pow_int_zero_is_identity() -> None:
    assert RISTRETTO255.g_pow_int(0) == ID


def test_g_pow_int_out_of_order_calls() -> None:
    # The cache grows on demand; asking for a high value first must not skip entries.
    fresh = type(RISTRETTO255)()
    assert fresh.g_pow_int(40) == G ** s(40)
    assert fresh.g_pow_int(3) == G ** s(3)
    assert fresh.g_pow_int(41) == G ** s(41)


def test_g_pow_int_rejects_negative() -> None:
    with pytest.raises(GroupError, match="non-negative exponent, got -1"):
        RISTRETTO255.g_pow_int(-1)


# --- scalar arithmetic -------------------------------------------------------------------


def test_scalar_arithmetic_matches_integers() -> None:
    a, b = 2**251 + 17, ORDER - 3
    assert int(s(a) + s(b)) == (a + b) % ORDER
    assert int(s(a) - s(b)) == (a - b) % ORDER
    assert int(s(b) - s(a)) == (b - a) % ORDER
    assert int(s(a) * s(b)) == (a * b) % ORDER
    assert int(-s(a)) == (-a) % ORDER
    assert -s(0) == s(0)


def test_scalar_inverse() -> None:
    for n in (1, 2, 3, ORDER - 1, 2**200 + 7):
        inv = s(n).inverse()
        assert s(n) * inv == s(1)
        assert int(inv) == pow(n, -1, ORDER)


def test_inverse_of_zero_raises() -> None:
    with pytest.raises(GroupError, match="zero has no inverse"):
        s(0).inverse()
    with pytest.raises(GroupError, match="zero has no inverse"):
        s(ORDER).inverse()


def test_is_zero() -> None:
    assert s(0).is_zero()
    assert s(ORDER).is_zero()
    assert not s(1).is_zero()
    assert not s(ORDER - 1).is_zero()


def test_random_scalar_is_nonzero_and_reproducible() -> None:
    a = Scalar.random(SeededRandom(b"seed"))
    b = RISTRETTO255.random_scalar(SeededRandom(b"seed"))
    assert a == b
    assert not a.is_zero()
    assert Scalar.random(SeededRandom(b"other")) != a


def test_random_scalar_retries_on_zero() -> None:
    # A source whose first 64 bytes reduce to zero must not yield a zero scalar.
    blocks = [ORDER.to_bytes(64, "little"), (5).to_bytes(64, "little")]

    def rng(n: int) -> bytes:
        assert n == 64
        return blocks.pop(0)

    assert Scalar.random(rng) == s(5)
    assert blocks == []


def test_random_scalar_uses_system_random_by_default() -> None:
    assert Scalar.random() != Scalar.random()


# --- the group object --------------------------------------------------------------------


def test_group_constants() -> None:
    assert RISTRETTO255.name == "ristretto255"
    assert RISTRETTO255.order == ORDER == 2**252 + 27742317777372353535851937790883648493
    assert RISTRETTO255.element_size == 32
    assert RISTRETTO255.scalar_size == 32


def test_generator_has_prime_order() -> None:
    assert G ** s(ORDER - 1) * G == ID
    assert H ** s(ORDER - 1) * H == ID


def test_scalar_from_int_via_group() -> None:
    assert RISTRETTO255.scalar_from_int(-1) == s(ORDER - 1)


def test_arithmetic_with_a_non_group_value_is_a_type_error():
    with pytest.raises(TypeError):
        RISTRETTO255.generator**5  # type: ignore[operator]
    with pytest.raises(TypeError):
        RISTRETTO255.generator * Scalar.from_int(1)  # type: ignore[operator]
    with pytest.raises(TypeError):
        Scalar.from_int(1) + 1  # type: ignore[operator]
