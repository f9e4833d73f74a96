"""The attacks a hostile review found on co-issued credentials, and what stops them.

A board operator working with one registrar shows the other registrar a forked board on
which everyone committed, lets it reveal its parts there, then on the real board lets
its accomplice commit to parts chosen after seeing them (Q - A: it would know every
voter's key). A batch names the commitments it was revealed against (protocol.md 10.4),
so the revealed batch cannot be replayed onto a board holding other commitments.
"""

from __future__ import annotations

import ctypes
import hashlib

import pysodium
import pytest

from credentials_fixtures import REGISTRAR_KEYS, make_manifest
from referendum.credentials import (
    CredentialError,
    CredentialKey,
    CredentialRoll,
    credential_key,
    issue_credentials,
    roll_digest,
    sign_batches,
)
from referendum.group import SeededRandom
from referendum.manifest import Manifest, ManifestError
from referendum.signing import sign_message

MANIFEST = make_manifest()
FP = MANIFEST.fingerprint
KEY_A, KEY_B = REGISTRAR_KEYS["reg-a"], REGISTRAR_KEYS["reg-b"]
N = 3
L = 2**252 + 27742317777372353535851937790883648493


def _point(scalar: int) -> bytes:
    out = ctypes.create_string_buffer(32)
    assert (
        pysodium.sodium.crypto_scalarmult_ed25519_base_noclamp(out, scalar.to_bytes(32, "little"))
        == 0
    )
    return out.raw


def _sub(p: bytes, q: bytes) -> bytes:
    out = ctypes.create_string_buffer(32)
    assert pysodium.sodium.crypto_core_ed25519_sub(out, p, q) == 0
    return out.raw


def _rogue(a_parts: list[bytes]) -> tuple[list[int], list[bytes]]:
    """reg-b's parts Q_i - A_i for scalars q_i it knows: each slot's sum would be Q_i."""
    qs = [int.from_bytes(hashlib.sha512(b"q%d" % i).digest(), "little") % L for i in range(N)]
    return qs, [_sub(_point(q), a) for q, a in zip(qs, a_parts, strict=True)]


def test_a_batch_revealed_on_a_fork_cannot_be_replayed_on_the_real_board() -> None:
    a = issue_credentials(MANIFEST, "reg-a", KEY_A, "north", N, SeededRandom("fork/a"))
    b = issue_credentials(MANIFEST, "reg-b", KEY_B, "north", N, SeededRandom("fork/b"))
    # The fork reg-a is shown: reg-b committed honestly; reg-a reveals its parts there.
    fork = CredentialRoll(MANIFEST)
    fork.add("credentials.commit", a.commit, "fork entry 1")
    fork.add("credentials.commit", b.commit, "fork entry 2")
    revealed = a.batches(KEY_A, fork.commitments("north"))
    fork.add("credentials", revealed[0], "fork entry 3")
    # reg-b, having seen reg-a's parts, commits on the real board to rogue parts.
    qs, rogue = _rogue(a.parts)
    head = {"registrar": "reg-b", "region": "north"}
    digest = roll_digest(FP, "north", "reg-b", [b"".join(rogue)])
    commit = sign_message(KEY_B, FP, "credentials.commit", {**head, "count": N, "digest": digest})
    real = CredentialRoll(MANIFEST)
    real.add("credentials.commit", a.commit, "board entry 1")
    real.add("credentials.commit", commit, "board entry 2")
    before = real.snapshot()
    with pytest.raises(CredentialError, match=r"^board entry 3: .* the batch names commitments"):
        real.add("credentials", revealed[0], "board entry 3")
    assert real.snapshot() == before
    # Even if reg-b posts its rogue batch first, no key reg-b controls is ever registered.
    rogue_batch = sign_batches(KEY_B, FP, "reg-b", "north", rogue, real.commitments("north"))
    real.add("credentials", rogue_batch[0], "board entry 4")  # alone it completes nothing
    for q in qs:
        assert real.region_of(CredentialKey(FP, q.to_bytes(32, "little")).public) is None
    assert real.count("north") == 0 and not real.is_closed("north")


def test_the_honest_order_still_works_and_sums_to_the_voters_keys() -> None:
    roll = CredentialRoll(MANIFEST)
    issued = [
        issue_credentials(MANIFEST, rid, key, "north", N, SeededRandom(f"honest/{rid}"))
        for rid, key in (("reg-a", KEY_A), ("reg-b", KEY_B))
    ]
    for n, i in enumerate(issued):
        roll.add("credentials.commit", i.commit, f"entry {n}")
    for n, (i, key) in enumerate(zip(issued, (KEY_A, KEY_B), strict=True)):
        roll.add("credentials", i.batches(key, roll.commitments("north"))[0], f"entry {n + 2}")
        roll.add("credentials.close", i.close, f"entry {n + 4}")
    assert roll.is_closed("north") and roll.count("north") == N
    for codes in zip(issued[0].codes, issued[1].codes, strict=True):
        assert roll.region_of(credential_key(FP, codes).public) == "north"


def test_a_mistaken_commitment_is_replaced_until_a_part_is_posted() -> None:
    """A first committer's wrong count does not block the region for ever."""
    wrong = issue_credentials(MANIFEST, "reg-a", KEY_A, "north", N + 27, SeededRandom("w"))
    right = issue_credentials(MANIFEST, "reg-a", KEY_A, "north", N, SeededRandom("r"))
    b = issue_credentials(MANIFEST, "reg-b", KEY_B, "north", N, SeededRandom("b"))
    roll = CredentialRoll(MANIFEST)
    roll.add("credentials.commit", wrong.commit, "entry 1")
    with pytest.raises(CredentialError, match=r"commits to 3 voters, registrar 'reg-a' to 30"):
        roll.add("credentials.commit", b.commit, "entry 2")
    roll.add("credentials.commit", right.commit, "entry 2")  # replaces reg-a's first
    roll.add("credentials.commit", b.commit, "entry 3")
    roll.add("credentials", right.batches(KEY_A, roll.commitments("north"))[0], "entry 4")
    before = roll.snapshot()
    with pytest.raises(CredentialError, match="already committed, and parts of the region"):
        roll.add("credentials.commit", wrong.commit, "entry 5")
    assert roll.snapshot() == before


def _with_registrar_key(key: str) -> dict:
    value = MANIFEST.to_json()
    value["registrars"][1]["signing_key"] = key
    return value


def test_registrars_are_different_parties_in_the_manifest() -> None:
    value = _with_registrar_key(MANIFEST.to_json()["registrars"][0]["signing_key"])
    with pytest.raises(ManifestError, match=r"registrars signing keys: .* appears twice"):
        Manifest.from_json(value)
    value = _with_registrar_key(MANIFEST.to_json()["trustees"][0]["signing_key"])
    with pytest.raises(ManifestError, match=r"registrars\[1\]\.signing_key: the signing key of a"):
        Manifest.from_json(value)


def test_a_credential_key_reduces_its_scalar() -> None:
    x = 12345
    same = CredentialKey(FP, (x + L).to_bytes(32, "little"))
    key = CredentialKey(FP, x.to_bytes(32, "little"))
    assert same.scalar == key.scalar and same.public == key.public
    assert same.sign(b"m") == key.sign(b"m")
