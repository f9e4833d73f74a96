"""ristretto255 (RFC 9496): the prime-order group every protocol step works in.

Elements and scalars are immutable wrappers around their canonical 32-byte encodings.
The public constructors validate (decoding is validation); results of group operations
are built through the private `_trusted` path because libsodium only ever returns
canonical encodings. The group is written multiplicatively, as in the e-voting
literature and docs/protocol.md section 2: `a * b` is the group operation, `g ** x`
exponentiation, `a / b` is `a * b**-1`.
"""

from __future__ import annotations

from typing import Final

from . import _sodium
from ._errors import GroupError
from .random import RandomSource, system_random

__all__ = ["ORDER", "RISTRETTO255", "Element", "Ristretto255", "Scalar"]

#: The prime order of ristretto255, l = 2^252 + 27742317777372353535851937790883648493.
ORDER: Final = 2**252 + 27742317777372353535851937790883648493

_SIZE: Final = 32


class Scalar:
    """An integer modulo ORDER, encoded as 32 bytes little-endian (section 2.2)."""

    __slots__ = ("_b",)
    _b: bytes

    def __init__(self, data: bytes) -> None:
        if not isinstance(data, bytes | bytearray) or len(data) != _SIZE:
            raise GroupError(f"a scalar is {_SIZE} bytes, got {_describe(data)}")
        data = bytes(data)
        if not _sodium.scalar_is_canonical(data):
            raise GroupError("scalar encoding is not canonical: value is not below the group order")
        self._b = data

    @classmethod
    def _trusted(cls, data: bytes) -> Scalar:
        s = object.__new__(cls)
        s._b = data
        return s

    @classmethod
    def from_int(cls, n: int) -> Scalar:
        """The scalar n mod ORDER; any Python int, negative ones included."""
        if not isinstance(n, int) or isinstance(n, bool):
            raise GroupError(f"a scalar is built from an int, got {type(n).__name__}")
        return cls._trusted((n % ORDER).to_bytes(_SIZE, "little"))

    @classmethod
    def from_wide(cls, data: bytes) -> Scalar:
        """A 64-byte little-endian integer reduced mod ORDER (for hash outputs)."""
        if len(data) != 2 * _SIZE:
            raise GroupError(f"wide reduction takes {2 * _SIZE} bytes, got {len(data)}")
        return cls._trusted(_sodium.scalar_reduce(bytes(data)))

    @classmethod
    def random(cls, rng: RandomSource = system_random) -> Scalar:
        """A uniformly random non-zero scalar from 64 bytes of rng, reduced."""
        while True:
            s = cls.from_wide(rng(2 * _SIZE))
            if not s.is_zero():
                return s

    def to_bytes(self) -> bytes:
        return self._b

    def __int__(self) -> int:
        return int.from_bytes(self._b, "little")

    def is_zero(self) -> bool:
        return self._b == _sodium.IDENTITY_BYTES

    def __add__(self, other: Scalar) -> Scalar:
        if not isinstance(other, Scalar):
            return NotImplemented
        return Scalar._trusted(_sodium.scalar_add(self._b, other._b))

    def __sub__(self, other: Scalar) -> Scalar:
        if not isinstance(other, Scalar):
            return NotImplemented
        return Scalar._trusted(_sodium.scalar_sub(self._b, other._b))

    def __mul__(self, other: Scalar) -> Scalar:
        if not isinstance(other, Scalar):
            return NotImplemented
        return Scalar._trusted(_sodium.scalar_mul(self._b, other._b))

    def __neg__(self) -> Scalar:
        return Scalar._trusted(_sodium.scalar_negate(self._b))

    def inverse(self) -> Scalar:
        """The multiplicative inverse mod ORDER; GroupError for zero."""
        inv = _sodium.scalar_invert(self._b)
        if inv is None:
            raise GroupError("zero has no inverse")
        return Scalar._trusted(inv)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scalar) and self._b == other._b

    def __hash__(self) -> int:
        return hash((Scalar, self._b))

    def __repr__(self) -> str:
        return f"Scalar({self._b.hex()})"


class Element:
    """An element of ristretto255, held as its canonical 32-byte encoding (section 2.1)."""

    __slots__ = ("_b", "_is_generator")
    _b: bytes
    _is_generator: bool

    def __init__(self, data: bytes) -> None:
        if not isinstance(data, bytes | bytearray) or len(data) != _SIZE:
            raise GroupError(f"a group element is {_SIZE} bytes, got {_describe(data)}")
        data = bytes(data)
        if not _sodium.is_valid_point(data):
            raise GroupError("not a canonical ristretto255 encoding")
        self._b = data
        self._is_generator = data == _GENERATOR_BYTES

    @classmethod
    def _trusted(cls, data: bytes) -> Element:
        e = object.__new__(cls)
        e._b = data
        e._is_generator = data == _GENERATOR_BYTES
        return e

    @classmethod
    def from_hash(cls, data: bytes) -> Element:
        """RFC 9496 one-way map (section 4.3.4) of 64 uniform bytes to an element."""
        if len(data) != 2 * _SIZE:
            raise GroupError(f"the one-way map takes {2 * _SIZE} bytes, got {len(data)}")
        return cls._trusted(_sodium.from_hash(bytes(data)))

    def to_bytes(self) -> bytes:
        return self._b

    def is_identity(self) -> bool:
        return self._b == _sodium.IDENTITY_BYTES

    def __mul__(self, other: Element) -> Element:
        if not isinstance(other, Element):
            return NotImplemented
        return Element._trusted(_sodium.add(self._b, other._b))

    def __truediv__(self, other: Element) -> Element:
        if not isinstance(other, Element):
            return NotImplemented
        return Element._trusted(_sodium.sub(self._b, other._b))

    def __pow__(self, exponent: Scalar) -> Element:
        if not isinstance(exponent, Scalar):
            return NotImplemented
        if self._is_generator:
            return Element._trusted(_sodium.scalarmult_base(exponent._b))
        return Element._trusted(_sodium.scalarmult(exponent._b, self._b))

    def inverse(self) -> Element:
        return Element._trusted(_sodium.sub(_sodium.IDENTITY_BYTES, self._b))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Element) and self._b == other._b

    def __hash__(self) -> int:
        return hash((Element, self._b))

    def __repr__(self) -> str:
        return f"Element({self._b.hex()})"


# RFC 9496 section 4.4: the canonical encoding of the standard generator.
_GENERATOR_BYTES: Final = bytes.fromhex(
    "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"
)


class Ristretto255:
    """The group interface protocol code uses; one instance, RISTRETTO255.

    Protocol code receives the group as a parameter and builds values only through it,
    so a second group needs a second class with these members and nothing else.
    """

    name: Final = "ristretto255"
    order: Final = ORDER
    element_size: Final = _SIZE
    scalar_size: Final = _SIZE

    def __init__(self) -> None:
        self.generator: Final = Element(_GENERATOR_BYTES)
        self.identity: Final = Element(_sodium.IDENTITY_BYTES)
        self._small_powers: list[Element] = [self.identity, self.generator]

    def element(self, data: bytes) -> Element:
        """Decode and validate an element; GroupError when data is not canonical."""
        return Element(data)

    def scalar(self, data: bytes) -> Scalar:
        """Decode and validate a scalar; GroupError when data is not below the order."""
        return Scalar(data)

    def scalar_from_int(self, n: int) -> Scalar:
        return Scalar.from_int(n)

    def random_scalar(self, rng: RandomSource = system_random) -> Scalar:
        return Scalar.random(rng)

    def scalar_from_wide(self, data: bytes) -> Scalar:
        return Scalar.from_wide(data)

    def element_from_hash(self, data: bytes) -> Element:
        return Element.from_hash(data)

    def g_pow_int(self, m: int) -> Element:
        """g^m for a small non-negative m (vote counts, option values); cached."""
        if m < 0:
            raise GroupError(f"g_pow_int takes a non-negative exponent, got {m}")
        powers = self._small_powers
        if m < 64:
            while len(powers) <= m:
                powers.append(powers[-1] * self.generator)
            return powers[m]
        return self.generator ** Scalar.from_int(m)


def _describe(data: object) -> str:
    if isinstance(data, bytes | bytearray):
        return f"{len(data)} bytes"
    return type(data).__name__


RISTRETTO255: Final = Ristretto255()
