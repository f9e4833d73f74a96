"""Random sources: the OS CSPRNG for real use, a seeded stream for reproducible tests.

A random source is any callable that takes a byte count and returns that many bytes.
Protocol code takes one as a parameter (`rng`), never reads a global.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

__all__ = ["RandomSource", "SeededRandom", "system_random"]

RandomSource = Callable[[int], bytes]

system_random: RandomSource = os.urandom


class SeededRandom:
    """A deterministic byte stream, SHAKE-256(seed || counter) blocks, for tests and vectors.

    Never use it for a real election: anyone who knows the seed knows every nonce.
    An int seed must lie in [-2^127, 2^127) (it is written as 16 bytes).
    """

    __slots__ = ("_counter", "_seed")

    def __init__(self, seed: bytes | str | int) -> None:
        if isinstance(seed, int):
            seed = seed.to_bytes(16, "big", signed=True)
        elif isinstance(seed, str):
            seed = seed.encode()
        self._seed = bytes(seed)
        self._counter = 0

    def __call__(self, n: int) -> bytes:
        block = hashlib.shake_256(
            b"referendum/seeded-random|" + self._seed + self._counter.to_bytes(8, "big")
        ).digest(n)
        self._counter += 1
        return block
