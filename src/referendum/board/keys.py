"""Ed25519 keys for signing and co-signing checkpoints (docs/protocol.md, section 7.4.3).

Keys are named, as in the signed-note format: a key id is the first four bytes of
SHA-256(name || 0x0A || key type || public key), and a verifier key has the text form
name+<key id, 8 hex digits>+<base64(key type || public key)>. The board signs with key
type 0x01 (the signed-note Ed25519 type, so generic signed-note tools can check the
board's signature); witnesses co-sign with key type 0x04 (C2SP tlog-cosignature's
Ed25519 cosignature/v1), a timestamped message (section 7.4.4), so a co-signature can
never be read as a board signature or back.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pysodium

from referendum.board.errors import EncodingError, SignatureError

__all__ = [
    "BOARD_KEY",
    "WITNESS_KEY",
    "SigningKey",
    "VerifierKey",
    "check_key_name",
    "decode_base64",
    "key_id",
    "parse_verifier_key",
]

BOARD_KEY = 0x01
WITNESS_KEY = 0x04
_KEY_TYPES = (BOARD_KEY, WITNESS_KEY)
_PUBLIC_SIZE = 32
_SEED_SIZE = 32
_SIGNATURE_SIZE = 64
_NAME = re.compile(r"[\x21-\x2a\x2c-\x7e]{1,128}")  # printable ASCII without space and '+'


def check_key_name(name: str) -> str:
    """Gives back name when it is a valid key name (section 7.4.3); raises EncodingError."""
    if not isinstance(name, str) or _NAME.fullmatch(name) is None:
        raise EncodingError(f"key name {name!r}: want 1-128 printable ASCII, no space or '+'")
    return name


def _check_type(key_type: int) -> int:
    if key_type not in _KEY_TYPES:
        raise EncodingError(f"key type 0x{key_type:02x} is not 0x01 (board) or 0x04 (witness)")
    return key_type


def decode_base64(text: str, size: int, what: str) -> bytes:
    """Gives back the size bytes that text encodes in canonical padded base64.

    Raises EncodingError for anything else: other alphabets, missing padding, other lengths.
    """
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EncodingError(f"{what}: not base64") from exc
    if len(raw) != size or base64.b64encode(raw).decode("ascii") != text:
        raise EncodingError(f"{what}: want canonical base64 of {size} bytes")
    return raw


def key_id(name: str, key_type: int, public_key: bytes) -> bytes:
    """Gives back the 4-byte id SHA-256(name || 0x0A || key type || public key)[:4]."""
    material = name.encode("ascii") + b"\n" + bytes((key_type,)) + public_key
    return hashlib.sha256(material).digest()[:4]


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A named Ed25519 public key of the board (key type 0x01) or a witness (0x04)."""

    name: str
    key_type: int
    public_key: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name)
        _check_type(self.key_type)
        if len(self.public_key) != _PUBLIC_SIZE:
            raise EncodingError(
                f"key {self.name}: Ed25519 public key is {len(self.public_key)} bytes, want 32"
            )

    @property
    def key_id(self) -> bytes:
        """Gives back the 4-byte key id that prefixes this key's signatures."""
        return key_id(self.name, self.key_type, self.public_key)

    def to_text(self) -> str:
        """Gives back name+<key id hex>+<base64(key type || public key)>."""
        blob = base64.b64encode(bytes((self.key_type,)) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{blob}"

    def verify(self, message: bytes, signature: bytes) -> None:
        """Gives back None when signature is this key's Ed25519 signature of message."""
        if len(signature) != _SIGNATURE_SIZE:
            raise SignatureError(f"key {self.name}: signature is {len(signature)} bytes, want 64")
        try:
            pysodium.crypto_sign_verify_detached(signature, message, self.public_key)
        except ValueError as exc:
            raise SignatureError(f"signature by key {self.name} does not verify") from exc


def parse_verifier_key(text: str) -> VerifierKey:
    """Gives back the VerifierKey written as name+<id hex>+<base64>; raises EncodingError."""
    parts = text.split("+", 2)
    if len(parts) != 3 or re.fullmatch(r"[0-9a-f]{8}", parts[1]) is None:
        raise EncodingError(f"verifier key {text!r}: want name+<8 hex digits>+<base64>")
    name, id_hex, blob = parts
    raw = decode_base64(blob, 1 + _PUBLIC_SIZE, f"verifier key {name!r}")
    key = VerifierKey(name, raw[0], raw[1:])
    if key.key_id.hex() != id_hex:
        raise EncodingError(f"verifier key {name!r}: key id {id_hex} does not match the key")
    return key


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A named Ed25519 signing key, derived from a 32-byte seed (never printed)."""

    name: str
    key_type: int
    seed: bytes = field(repr=False)
    _public: bytes = field(init=False, repr=False, compare=False)
    _secret: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_key_name(self.name)
        _check_type(self.key_type)
        if len(self.seed) != _SEED_SIZE:
            raise ValueError(f"key {self.name}: seed is {len(self.seed)} bytes, want 32")
        public, secret = pysodium.crypto_sign_seed_keypair(self.seed)
        object.__setattr__(self, "_public", public)
        object.__setattr__(self, "_secret", secret)

    @classmethod
    def generate(
        cls, name: str, key_type: int, random: Callable[[int], bytes] = os.urandom
    ) -> SigningKey:
        """Gives back a fresh key whose seed comes from random (a parameter for tests)."""
        return cls(name, key_type, random(_SEED_SIZE))

    def verifier(self) -> VerifierKey:
        """Gives back the public half of this key."""
        return VerifierKey(self.name, self.key_type, self._public)

    def sign(self, message: bytes) -> bytes:
        """Gives back the 64-byte Ed25519 signature of message."""
        signature: bytes = pysodium.crypto_sign_detached(message, self._secret)
        return signature
