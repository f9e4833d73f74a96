"""Random sources: SeededRandom reproducibility, system_random shape."""

from __future__ import annotations

import hashlib

from referendum.group import SeededRandom, system_random


def test_same_seed_same_stream() -> None:
    a, b = SeededRandom(b"seed"), SeededRandom(b"seed")
    assert [a(n) for n in (1, 32, 64, 7)] == [b(n) for n in (1, 32, 64, 7)]


def test_different_seeds_different_streams() -> None:
    outputs = {SeededRandom(seed)(32) for seed in (b"a", b"b", b"ab", b"a\x00", 1, 2, "c")}
    assert len(outputs) == 7


def test_successive_calls_differ() -> None:
    rng = SeededRandom(b"seed")
    blocks = [rng(32) for _ in range(10)]
    assert len(set(blocks)) == 10


def test_returns_requested_length() -> None:
    rng = SeededRandom(0)
    for n in (0, 1, 31, 32, 64, 1000):
        assert len(rng(n)) == n


def test_seed_types() -> None:
    # str seeds are their UTF-8 bytes; int seeds are 16 bytes big-endian two's complement.
    assert SeededRandom("abc")(32) == SeededRandom(b"abc")(32)
    assert SeededRandom(5)(32) == SeededRandom((5).to_bytes(16, "big"))(32)
    assert SeededRandom(-1)(32) == SeededRandom(b"\xff" * 16)(32)


def test_stream_is_the_documented_shake256_construction() -> None:
    rng = SeededRandom(b"s")
    for counter in range(3):
        expected = hashlib.shake_256(
            b"referendum/seeded-random|" + b"s" + counter.to_bytes(8, "big")
        ).digest(40)
        assert rng(40) == expected


def test_system_random() -> None:
    assert len(system_random(32)) == 32
    assert system_random(32) != system_random(32)
