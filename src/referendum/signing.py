"""Ed25519 keys of trustees, registrars and voters, and signed protocol messages.

docs/protocol.md section 8.2. A signed message is a JSON object with a "signature" field;
the signature is Ed25519 (libsodium) over

    transcript("signed-message", fp, kind, canonical_json(message without "signature"))

so a signature binds the referendum (fp), what the message is (its board entry kind)
and every other field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import pysodium

from referendum.canonical import canonical_json
from referendum.errors import VerificationError
from referendum.group import RandomSource, system_random, transcript

__all__ = [
    "PUBLIC_KEY_SIZE",
    "SIGNATURE_SIZE",
    "Ed25519Key",
    "SignatureInvalid",
    "Signer",
    "message_to_sign",
    "public_key_from_hex",
    "sign_message",
    "verify_message",
    "verify_signature",
]

PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64
SEED_SIZE = 32
TAG_SIGNED_MESSAGE = "signed-message"


class Signer(Protocol):
    """What signs a message: an Ed25519Key, or a voter's credential key (section 10.3)."""

    @property
    def public(self) -> bytes:
        """The 32-byte Ed25519 public key the signatures verify under."""

    def sign(self, message: bytes) -> bytes:
        """Gives back the 64-byte Ed25519 signature of message."""


class SignatureInvalid(VerificationError):
    """An Ed25519 signature does not verify; the message names whose and on what."""


@dataclass(frozen=True, slots=True)
class Ed25519Key:
    """An Ed25519 signing key made from a 32-byte seed (the seed is never printed)."""

    seed: bytes = field(repr=False)
    public: bytes = field(init=False)
    _secret: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.seed, bytes) or len(self.seed) != SEED_SIZE:
            raise ValueError("an Ed25519 seed is 32 bytes")
        public, secret = pysodium.crypto_sign_seed_keypair(self.seed)
        object.__setattr__(self, "public", public)
        object.__setattr__(self, "_secret", secret)

    @classmethod
    def generate(cls, rng: RandomSource = system_random) -> Ed25519Key:
        """Gives back a fresh key whose seed comes from rng."""
        return cls(rng(SEED_SIZE))

    def sign(self, message: bytes) -> bytes:
        """Gives back the 64-byte signature of message."""
        signature: bytes = pysodium.crypto_sign_detached(message, self._secret)
        return signature


def public_key_from_hex(value: object, field: str) -> bytes:
    """Gives back the 32-byte Ed25519 public key that value (lowercase hex) encodes.

    Raises ValueError naming field. Whether the point is usable is left to signature
    checks: libsodium refuses keys of small order there.
    """
    if not isinstance(value, str) or len(value) != 2 * PUBLIC_KEY_SIZE:
        raise ValueError(f"{field}: want 64 lowercase hex digits")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise ValueError(f"{field}: want 64 lowercase hex digits") from None
    if raw.hex() != value:
        raise ValueError(f"{field}: want 64 lowercase hex digits")
    return raw


def verify_signature(public: bytes, message: bytes, signature: bytes, what: str) -> None:
    """None when signature is public's Ed25519 signature of message; SignatureInvalid else."""
    if len(signature) != SIGNATURE_SIZE:
        raise SignatureInvalid(f"{what}: signature is {len(signature)} bytes, want 64")
    try:
        pysodium.crypto_sign_verify_detached(signature, message, public)
    except ValueError:
        raise SignatureInvalid(f"{what}: signature does not verify") from None


def message_to_sign(fingerprint: bytes, kind: str, body: dict[str, Any]) -> bytes:
    """Gives back the exact bytes a signer signs for body as a message of kind (8.2)."""
    if "signature" in body:
        raise ValueError("the signed body must not contain a signature field")
    return transcript(TAG_SIGNED_MESSAGE, fingerprint, kind, canonical_json(body))


def sign_message(
    key: Signer, fingerprint: bytes, kind: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Gives back body with a "signature" field: key's signature of it as kind (8.2)."""
    signature = key.sign(message_to_sign(fingerprint, kind, body))
    return {**body, "signature": signature.hex()}


def verify_message(
    public: bytes, fingerprint: bytes, kind: str, message: dict[str, Any], what: str
) -> dict[str, Any]:
    """Gives back message without its signature, once the signature verifies (8.2).

    Raises SignatureInvalid naming what (for example "ceremony.shares of trustee 2").
    """
    if not isinstance(message, dict) or not isinstance(message.get("signature"), str):
        raise SignatureInvalid(f"{what}: no signature")
    text = message["signature"]
    try:
        signature = bytes.fromhex(text)
    except ValueError:
        raise SignatureInvalid(f"{what}: signature is not hex") from None
    if signature.hex() != text:
        raise SignatureInvalid(f"{what}: signature is not lowercase hex")
    body = {k: v for k, v in message.items() if k != "signature"}
    verify_signature(public, message_to_sign(fingerprint, kind, body), signature, what)
    return body
