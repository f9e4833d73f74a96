"""Sealed boxes for ceremony shares (docs/protocol.md section 11.3)."""

from __future__ import annotations

import pysodium
import pytest

from referendum.ceremony.sealed import (
    SEAL_OVERHEAD,
    SealedBoxError,
    box_keypair,
    box_public_key,
    open_sealed,
    seal,
)
from referendum.group import SeededRandom

PUBLIC, SECRET = box_keypair(b"\x07" * 32)
MESSAGE = bytes(range(32))


def test_box_keypair_is_libsodiums() -> None:
    assert pysodium.crypto_box_seed_keypair(b"\x07" * 32) == (PUBLIC, SECRET)
    assert box_public_key(SECRET) == PUBLIC


def test_our_seal_opens_with_libsodium() -> None:
    sealed = seal(MESSAGE, PUBLIC, SeededRandom("seal"))
    assert len(sealed) == len(MESSAGE) + SEAL_OVERHEAD
    assert pysodium.crypto_box_seal_open(sealed, PUBLIC, SECRET) == MESSAGE


def test_libsodiums_seal_opens_with_ours() -> None:
    assert open_sealed(pysodium.crypto_box_seal(MESSAGE, PUBLIC), PUBLIC, SECRET) == MESSAGE


def test_with_the_system_source_seal_is_libsodiums_own() -> None:
    first, second = seal(MESSAGE, PUBLIC), seal(MESSAGE, PUBLIC)
    assert first != second  # a fresh ephemeral key each time, from libsodium
    assert open_sealed(first, PUBLIC, SECRET) == MESSAGE == open_sealed(second, PUBLIC, SECRET)
    with pytest.raises(SealedBoxError, match="small order"):
        seal(MESSAGE, bytes(32))


def test_seal_is_reproducible_from_its_random_source() -> None:
    assert seal(MESSAGE, PUBLIC, SeededRandom(1)) == seal(MESSAGE, PUBLIC, SeededRandom(1))
    assert seal(MESSAGE, PUBLIC, SeededRandom(1)) != seal(MESSAGE, PUBLIC, SeededRandom(2))


@pytest.mark.parametrize("position", [0, 31, 32, 47, 79])
def test_a_changed_byte_does_not_open(position: int) -> None:
    sealed = bytearray(seal(MESSAGE, PUBLIC, SeededRandom("seal")))
    sealed[position] ^= 1
    with pytest.raises(SealedBoxError, match="does not open"):
        open_sealed(bytes(sealed), PUBLIC, SECRET)


def test_another_key_does_not_open() -> None:
    other_public, other_secret = box_keypair(b"\x08" * 32)
    sealed = seal(MESSAGE, PUBLIC, SeededRandom("seal"))
    with pytest.raises(SealedBoxError, match="does not open"):
        open_sealed(sealed, other_public, other_secret)


def test_short_box_and_bad_keys() -> None:
    with pytest.raises(SealedBoxError, match="at least 48"):
        open_sealed(b"\x00" * 47, PUBLIC, SECRET)
    with pytest.raises(SealedBoxError, match="small order"):
        seal(MESSAGE, b"\x00" * 32, SeededRandom("seal"))
    with pytest.raises(SealedBoxError, match="32 bytes"):
        seal(MESSAGE, b"\x01" * 31)
    with pytest.raises(SealedBoxError, match="32 bytes"):
        box_keypair(b"\x01")
    with pytest.raises(SealedBoxError, match="32 bytes"):
        box_public_key(b"\x01")
