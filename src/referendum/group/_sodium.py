"""Thin ctypes calls into libsodium's ristretto255 and scalar functions.

pysodium locates and loads libsodium for us. We call the library functions on its
handle directly rather than through pysodium's wrappers for two reasons: those wrappers
raise a bare ValueError when a scalar multiplication yields the identity, a legitimate
result we must represent, and libsodium's constant-time scalar canonicality check is
reachable only as reduce-then-compare. The speed is the same either way (benchmarks/
crypto.py measures both; the difference is within 3%).
Every function here takes and returns byte strings; callers guarantee the lengths.
Nothing here is cryptography of our own: each call is one libsodium primitive.
"""

from __future__ import annotations

import ctypes

import pysodium

_lib = pysodium.sodium

if _lib.sodium_init() < 0:  # pragma: no cover - libsodium refuses only on broken systems
    raise ImportError("libsodium failed to initialise")

if not hasattr(_lib, "crypto_core_ristretto255_from_hash"):  # pragma: no cover
    raise ImportError("libsodium >= 1.0.18 with ristretto255 is required")

_buf = ctypes.create_string_buffer

_add = _lib.crypto_core_ristretto255_add
_sub = _lib.crypto_core_ristretto255_sub
_from_hash = _lib.crypto_core_ristretto255_from_hash
_is_valid_point = _lib.crypto_core_ristretto255_is_valid_point
_scalarmult = _lib.crypto_scalarmult_ristretto255
_scalarmult_base = _lib.crypto_scalarmult_ristretto255_base
_scalar_add = _lib.crypto_core_ristretto255_scalar_add
_scalar_sub = _lib.crypto_core_ristretto255_scalar_sub
_scalar_mul = _lib.crypto_core_ristretto255_scalar_mul
_scalar_negate = _lib.crypto_core_ristretto255_scalar_negate
_scalar_invert = _lib.crypto_core_ristretto255_scalar_invert
_scalar_reduce = _lib.crypto_core_ristretto255_scalar_reduce
_memcmp = _lib.sodium_memcmp

_lib.sodium_version_string.restype = ctypes.c_char_p

IDENTITY_BYTES = bytes(32)


def version() -> str:
    """The version of the libsodium library loaded."""
    return str(_lib.sodium_version_string().decode())


_ZERO32 = bytes(32)


def is_valid_point(p: bytes) -> bool:
    """True when p is the canonical encoding of a ristretto255 element (identity included)."""
    return bool(_is_valid_point(p)) or p == IDENTITY_BYTES


def add(p: bytes, q: bytes) -> bytes:
    """Encoding of p + q (the group operation)."""
    out = _buf(32)
    _add(out, p, q)
    return out.raw


def sub(p: bytes, q: bytes) -> bytes:
    """Encoding of p - q."""
    out = _buf(32)
    _sub(out, p, q)
    return out.raw


def scalarmult(n: bytes, p: bytes) -> bytes:
    """Encoding of n * p; the identity when the product is the identity."""
    out = _buf(32)
    _scalarmult(out, n, p)  # returns -1 only for an identity result; out is then all zeros
    return out.raw


def scalarmult_base(n: bytes) -> bytes:
    """Encoding of n * B for the standard generator B."""
    out = _buf(32)
    _scalarmult_base(out, n)
    return out.raw


def from_hash(h: bytes) -> bytes:
    """RFC 9496 one-way map of 64 uniform bytes to an element."""
    out = _buf(32)
    _from_hash(out, h)
    return out.raw


def scalar_add(x: bytes, y: bytes) -> bytes:
    out = _buf(32)
    _scalar_add(out, x, y)
    return out.raw


def scalar_sub(x: bytes, y: bytes) -> bytes:
    out = _buf(32)
    _scalar_sub(out, x, y)
    return out.raw


def scalar_mul(x: bytes, y: bytes) -> bytes:
    out = _buf(32)
    _scalar_mul(out, x, y)
    return out.raw


def scalar_negate(x: bytes) -> bytes:
    out = _buf(32)
    _scalar_negate(out, x)
    return out.raw


def scalar_invert(x: bytes) -> bytes | None:
    """Inverse of x modulo the group order, or None for zero."""
    out = _buf(32)
    if _scalar_invert(out, x) != 0:
        return None
    return out.raw


def scalar_reduce(wide: bytes) -> bytes:
    """A 64-byte little-endian integer reduced modulo the group order."""
    out = _buf(32)
    _scalar_reduce(out, wide)
    return out.raw


def scalar_is_canonical(x: bytes) -> bool:
    """True when the 32-byte little-endian x is below the group order (constant time)."""
    return bool(_memcmp(scalar_reduce(x + _ZERO32), x, 32) == 0)
