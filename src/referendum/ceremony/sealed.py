"""Sealed boxes carrying key-ceremony shares to their recipient (docs/protocol.md section 11.3).

A sealed box is libsodium's crypto_box_seal: anonymous public-key encryption to an X25519
key. With an ephemeral key pair (epk, esk):

    nonce  = BLAKE2b-192(epk || pk)
    sealed = epk || crypto_box(m, nonce, pk, esk)       (XSalsa20-Poly1305, 48 bytes longer)

With the system random source we call libsodium's crypto_box_seal itself. Only when a
caller passes another RandomSource (tests and vectors, to be reproducible) do we build the
box from those same parts, with the ephemeral key from that source; the bytes open with
any libsodium's crypto_box_seal_open either way (tested).
"""

from __future__ import annotations

from typing import Final

import pysodium

from ..group import RandomSource, system_random

__all__ = [
    "BOX_KEY_SIZE",
    "SEAL_OVERHEAD",
    "SealedBoxError",
    "box_keypair",
    "box_public_key",
    "open_sealed",
    "seal",
]

#: X25519 public and secret keys are 32 bytes.
BOX_KEY_SIZE: Final = 32
#: A sealed box is this much longer than its plaintext: epk (32) and the Poly1305 tag (16).
SEAL_OVERHEAD: Final = 48
_NONCE_SIZE: Final = 24


class SealedBoxError(ValueError):
    """A sealed box cannot be made or opened; the message says why."""


def box_keypair(seed: bytes) -> tuple[bytes, bytes]:
    """Gives back (public, secret), the X25519 key pair crypto_box_seed_keypair makes from seed."""
    if not isinstance(seed, bytes) or len(seed) != BOX_KEY_SIZE:
        raise SealedBoxError("a box key seed is 32 bytes")
    public, secret = pysodium.crypto_box_seed_keypair(seed)
    return bytes(public), bytes(secret)


def box_public_key(secret: bytes) -> bytes:
    """Gives back the X25519 public key of secret (X25519 base-point multiplication)."""
    if not isinstance(secret, bytes) or len(secret) != BOX_KEY_SIZE:
        raise SealedBoxError("a box secret key is 32 bytes")
    public: bytes = pysodium.crypto_scalarmult_curve25519_base(secret)
    return public


def seal(plaintext: bytes, recipient: bytes, rng: RandomSource = system_random) -> bytes:
    """Gives back crypto_box_seal(plaintext, recipient) with its ephemeral key from rng (11.3)."""
    if not isinstance(recipient, bytes) or len(recipient) != BOX_KEY_SIZE:
        raise SealedBoxError("a box public key is 32 bytes")
    if rng is system_random:
        try:
            sealed: bytes = pysodium.crypto_box_seal(plaintext, recipient)
        except ValueError:
            raise SealedBoxError("the recipient's box key is unusable (small order)") from None
        return sealed
    ephemeral_public, ephemeral_secret = box_keypair(rng(BOX_KEY_SIZE))
    nonce = pysodium.crypto_generichash(ephemeral_public + recipient, outlen=_NONCE_SIZE)
    try:
        boxed: bytes = pysodium.crypto_box(plaintext, nonce, recipient, ephemeral_secret)
    except ValueError:
        # libsodium refuses public keys of small order: nothing can be sealed to them.
        raise SealedBoxError("the recipient's box key is unusable (small order)") from None
    return ephemeral_public + boxed


def open_sealed(sealed: bytes, public: bytes, secret: bytes) -> bytes:
    """Gives back the plaintext of a sealed box for (public, secret); SealedBoxError if none."""
    if len(sealed) < SEAL_OVERHEAD:
        raise SealedBoxError(f"a sealed box is at least {SEAL_OVERHEAD} bytes")
    try:
        plaintext: bytes = pysodium.crypto_box_seal_open(sealed, public, secret)
    except ValueError:
        raise SealedBoxError("the sealed box does not open with this key") from None
    return plaintext
