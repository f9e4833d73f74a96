"""The prime-order group (ristretto255), its values, domain-separated hashing and randomness.

See docs/protocol.md section 2.
"""

from ._errors import GroupError
from .hashing import hash_to_element, hash_to_scalar, transcript
from .random import RandomSource, SeededRandom, system_random
from .ristretto255 import ORDER, RISTRETTO255, Element, Ristretto255, Scalar

Group = Ristretto255

__all__ = [
    "ORDER",
    "RISTRETTO255",
    "Element",
    "Group",
    "GroupError",
    "RandomSource",
    "Ristretto255",
    "Scalar",
    "SeededRandom",
    "hash_to_element",
    "hash_to_scalar",
    "system_random",
    "transcript",
]
