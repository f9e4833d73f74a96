"""Known-answer tests: RFC 9496 Appendix A vectors (vectors/ristretto255/) against our group."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from referendum.group import ORDER, RISTRETTO255, Element, GroupError, Scalar

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "ristretto255"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text())
    return data


MULTIPLES = _load("multiples.json")["vectors"]
INVALID = _load("invalid_encodings.json")["vectors"]
ONE_WAY_MAP = _load("one_way_map.json")["vectors"]
SCALARS = _load("scalars.json")


def test_vector_files_are_complete() -> None:
    # A truncated or mis-edited data file would otherwise pass silently.
    assert [v["i"] for v in MULTIPLES] == list(range(16))
    assert sum(1 for v in INVALID if v["source"].startswith("RFC 9496")) == 29
    assert len({v["encoding"] for v in INVALID}) == len(INVALID)
    assert len(ONE_WAY_MAP) == 11


# --- A.1: multiples of the generator --------------------------------------------------


@pytest.mark.parametrize("vector", MULTIPLES, ids=lambda v: f"B{v['i']}")
def test_multiple_of_generator_decodes_to_generator_power(vector: dict[str, Any]) -> None:
    encoding = bytes.fromhex(vector["encoding"])
    i = vector["i"]
    element = RISTRETTO255.element(encoding)
    assert element == RISTRETTO255.generator ** Scalar.from_int(i)
    assert element == RISTRETTO255.g_pow_int(i)
    assert element.to_bytes() == encoding
    assert element.is_identity() == (i == 0)


@pytest.mark.parametrize("vector", MULTIPLES, ids=lambda v: f"B{v['i']}")
def test_generator_power_encodes_to_vector(vector: dict[str, Any]) -> None:
    encoding = bytes.fromhex(vector["encoding"])
    i = vector["i"]
    # Both exponentiation paths: the fixed-base one for the generator and the generic one.
    via_base = RISTRETTO255.generator ** Scalar.from_int(i)
    via_generic = _generic_generator_power(i)
    assert via_base.to_bytes() == encoding
    assert via_generic.to_bytes() == encoding


def _generic_generator_power(i: int) -> Element:
    # g^i computed as (g^2)^(i/2) (times g), so the variable-base scalarmult is exercised.
    g = RISTRETTO255.generator
    g2 = g * g
    half = g2 ** Scalar.from_int(i // 2)
    return half * g if i % 2 else half


def test_multiples_by_repeated_multiplication() -> None:
    acc = RISTRETTO255.identity
    for vector in MULTIPLES:
        assert acc.to_bytes().hex() == vector["encoding"]
        acc = acc * RISTRETTO255.generator


def test_generator_is_b1() -> None:
    assert RISTRETTO255.generator.to_bytes().hex() == MULTIPLES[1]["encoding"]
    assert RISTRETTO255.identity.to_bytes().hex() == MULTIPLES[0]["encoding"]


# --- A.2: invalid encodings -----------------------------------------------------------


@pytest.mark.parametrize("vector", INVALID, ids=lambda v: f"{v['desc']}:{v['encoding'][:8]}")
def test_invalid_encoding_is_rejected(vector: dict[str, Any]) -> None:
    encoding = bytes.fromhex(vector["encoding"])
    with pytest.raises(GroupError, match="not a canonical ristretto255 encoding"):
        Element(encoding)
    with pytest.raises(GroupError, match="not a canonical ristretto255 encoding"):
        RISTRETTO255.element(encoding)
    with pytest.raises(GroupError):
        Element(bytearray(encoding))


# --- A.3: the one-way map -------------------------------------------------------------


@pytest.mark.parametrize("vector", ONE_WAY_MAP, ids=lambda v: v["input"][:16])
def test_one_way_map(vector: dict[str, Any]) -> None:
    data = bytes.fromhex(vector["input"])
    if vector["label"] is not None:
        assert hashlib.sha512(vector["label"].encode()).digest() == data
    expected = bytes.fromhex(vector["element"])
    assert Element.from_hash(data).to_bytes() == expected
    assert RISTRETTO255.element_from_hash(data) == Element(expected)


def test_one_way_map_is_not_injective() -> None:
    collisions = [v for v in ONE_WAY_MAP if v["label"] is None]
    assert len({v["input"] for v in collisions}) == 4
    outputs = {Element.from_hash(bytes.fromhex(v["input"])) for v in collisions}
    assert len(outputs) == 1


# --- scalars ---------------------------------------------------------------------------


@pytest.mark.parametrize("vector", SCALARS["valid"], ids=lambda v: v["desc"])
def test_canonical_scalar_accepted(vector: dict[str, Any]) -> None:
    encoding = bytes.fromhex(vector["encoding"])
    value = int(vector["value"])
    assert int.from_bytes(encoding, "little") == value
    s = Scalar(encoding)
    assert int(s) == value
    assert s == Scalar.from_int(value) == RISTRETTO255.scalar(encoding)
    assert s.to_bytes() == encoding


@pytest.mark.parametrize("vector", SCALARS["invalid"], ids=lambda v: v["desc"])
def test_non_canonical_scalar_rejected(vector: dict[str, Any]) -> None:
    encoding = bytes.fromhex(vector["encoding"])
    assert int.from_bytes(encoding, "little") == int(vector["value"]) >= ORDER
    with pytest.raises(GroupError, match="not canonical"):
        Scalar(encoding)
    with pytest.raises(GroupError, match="not canonical"):
        RISTRETTO255.scalar(encoding)


def test_order_minus_one_is_minus_one() -> None:
    s = Scalar((ORDER - 1).to_bytes(32, "little"))
    assert s == -Scalar.from_int(1)
    assert (s + Scalar.from_int(1)).is_zero()
