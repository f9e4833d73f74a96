"""Shared hypothesis strategies for group values and random sources.

Import as `from strategies import ...` (tests/conftest.py puts tests/ on sys.path).
Every strategy builds values through the public constructors, so anything drawn here is
a value protocol code could really receive. Group operations cost ~50 us each; keep
max_examples modest in tests that do many of them per example.
"""

from __future__ import annotations

from hypothesis import strategies as st

from referendum.group import ORDER, RISTRETTO255, Element, Scalar, SeededRandom

__all__ = [
    "elements",
    "nonzero_scalars",
    "scalar_ints",
    "scalars",
    "seeded_rngs",
    "seeds",
]

_EDGE_INTS = (0, 1, 2, ORDER - 2, ORDER - 1, 2**128, 2**252)


def scalar_ints(*, allow_zero: bool = True) -> st.SearchStrategy[int]:
    """Integers in [0, ORDER) (or [1, ORDER)), with the edges of the range drawn often."""
    low = 0 if allow_zero else 1
    edges = [n for n in _EDGE_INTS if n >= low]
    return st.one_of(st.sampled_from(edges), st.integers(min_value=low, max_value=ORDER - 1))


def scalars() -> st.SearchStrategy[Scalar]:
    """Any scalar, zero included."""
    return scalar_ints().map(Scalar.from_int)


def nonzero_scalars() -> st.SearchStrategy[Scalar]:
    """Any scalar except zero (exponents that must be invertible)."""
    return scalar_ints(allow_zero=False).map(Scalar.from_int)


def elements(*, allow_identity: bool = True) -> st.SearchStrategy[Element]:
    """Group elements: the generator, the identity, and images of 64 random bytes.

    The one-way map gives elements whose discrete log nobody knows, which is what an
    adversary's or a trustee's public values look like.
    """
    fixed = [RISTRETTO255.generator]
    if allow_identity:
        fixed.append(RISTRETTO255.identity)
    hashed = st.binary(min_size=64, max_size=64).map(Element.from_hash)
    if not allow_identity:
        hashed = hashed.filter(lambda e: not e.is_identity())
    return st.one_of(st.sampled_from(fixed), hashed)


def seeds() -> st.SearchStrategy[bytes]:
    """Seeds for SeededRandom."""
    return st.binary(min_size=1, max_size=32)


def seeded_rngs() -> st.SearchStrategy[SeededRandom]:
    """Fresh deterministic random sources; a failing example replays with the same bytes."""
    return seeds().map(SeededRandom)
