"""The prime-order group (ristretto255), its values, domain-separated hashing and randomness.

See docs/protocol.md section 2.
"""

from ._errors import GroupError
from .codec import element_from_hex, scalar_from_hex
from .hashing import Item, hash_to_element, hash_to_scalar, transcript
from .random import RandomSource, SeededRandom, system_random
from .ristretto255 import ORDER, RISTRETTO255, Element, Ristretto255, Scalar

Group = Ristretto255

__all__ = [
    "ORDER",
    "RISTRETTO255",
    "Element",
    "Group",
    "GroupError",
    "Item",
    "RandomSource",
    "Ristretto255",
    "Scalar",
    "SeededRandom",
    "element_from_hex",
    "hash_to_element",
    "hash_to_scalar",
    "scalar_from_hex",
    "system_random",
    "transcript",
]
