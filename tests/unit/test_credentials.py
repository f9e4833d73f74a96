"""Voter credentials: codes, their check character, derived keys and the roll (section 10)."""

from __future__ import annotations

import ctypes
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

import pysodium
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from credentials_fixtures import (
    REGISTRAR_KEYS,
    L,
    base_times,
    board_commitments,
    decode_point,
    ed25519_sign,
    honest_batches,
    make_manifest,
    point_sum,
    scalar_of,
)
from referendum.credentials import (
    BATCH_SIZE,
    CODE_ALPHABET,
    KIND_BATCH,
    KIND_CLOSE,
    KIND_COMMIT,
    CredentialCodeError,
    CredentialError,
    CredentialKey,
    CredentialRoll,
    Issued,
    check_character,
    credential_key,
    credential_part,
    format_code,
    generate_code,
    issue_credentials,
    normalize_code,
    roll_digest,
    sign_batches,
)
from referendum.derived import PARTS, ROLL, MemoryIndex
from referendum.errors import VerificationError
from referendum.group import SeededRandom, transcript
from referendum.manifest import Manifest, ManifestError
from referendum.signing import Ed25519Key, sign_message, verify_message

MANIFEST = make_manifest()
FP = MANIFEST.fingerprint
KEY_A = REGISTRAR_KEYS["reg-a"]
KEY_B = REGISTRAR_KEYS["reg-b"]
_sodium = pysodium.sodium
PRINTED = re.compile(r"([0-9A-HJKMNP-TV-Z]{5}-){3}[0-9A-HJKMNP-TV-Z]{5}")


def _fixed(data: bytes) -> Callable[[int], bytes]:
    """A random source that answers with data (exactly one request of 12 bytes)."""

    def source(n: int) -> bytes:
        assert n == len(data)
        return data

    return source


def random_codes() -> st.SearchStrategy[str]:
    """Printed codes made from every possible 12-byte draw."""
    return st.binary(min_size=12, max_size=12).map(lambda b: generate_code(_fixed(b)))


# --- codes -------------------------------------------------------------------------------


@given(random_codes())
def test_generate_then_normalize_round_trip(code: str) -> None:
    assert PRINTED.fullmatch(code)
    canonical = normalize_code(code)
    assert canonical == code.replace("-", "")
    assert normalize_code(canonical) == canonical
    assert normalize_code(code.lower()) == canonical
    assert normalize_code(" ".join(canonical)) == canonical
    assert format_code(canonical) == code


@given(st.binary(min_size=12, max_size=12))
def test_generation_uses_95_bits_five_per_character(data: bytes) -> None:
    canonical = normalize_code(generate_code(_fixed(data)))
    bits = 0
    for char in canonical[:19]:
        bits = bits << 5 | CODE_ALPHABET.index(char)
    assert bits == int.from_bytes(data, "big") >> 1


def test_generation_edges() -> None:
    assert generate_code(_fixed(bytes(12))) == "00000-00000-00000-00000"
    top = normalize_code(generate_code(_fixed(b"\xff" * 12)))
    assert top[:19] == "Z" * 19
    assert top[19] == check_character("Z" * 19)


def test_generate_code_default_source_gives_distinct_codes() -> None:
    codes = {generate_code() for _ in range(50)}
    assert len(codes) == 50


@settings(max_examples=60)
@given(random_codes())
def test_check_catches_every_single_substitution(code: str) -> None:
    canonical = normalize_code(code)
    for i, old in enumerate(canonical):
        for new in CODE_ALPHABET:
            if new == old:
                continue
            typo = canonical[:i] + new + canonical[i + 1 :]
            with pytest.raises(CredentialCodeError) as info:
                normalize_code(typo)
            assert info.value.reason == "check"


@settings(max_examples=200)
@given(random_codes())
def test_check_catches_every_adjacent_transposition(code: str) -> None:
    canonical = normalize_code(code)
    for i in range(len(canonical) - 1):
        a, b = canonical[i], canonical[i + 1]
        if a == b:
            continue
        swapped = canonical[:i] + b + a + canonical[i + 2 :]
        with pytest.raises(CredentialCodeError, match="mistyped"):
            normalize_code(swapped)


@settings(max_examples=100)
@given(random_codes())
def test_check_catches_every_transposition_at_any_distance(code: str) -> None:
    # Section 10.2.2: distinct powers of x, so swapping any two different characters shows.
    canonical = normalize_code(code)
    for i in range(len(canonical)):
        for k in range(i + 2, len(canonical)):
            a, b = canonical[i], canonical[k]
            if a == b:
                continue
            swapped = canonical[:i] + b + canonical[i + 1 : k] + a + canonical[k + 1 :]
            with pytest.raises(CredentialCodeError, match="mistyped"):
                normalize_code(swapped)


def test_check_catches_every_transposition_of_every_pair_at_every_place() -> None:
    # Exhaustive over the 32*31 ordered pairs, including 0/Z, which Luhn mod 32 misses.
    filler = "7K2QDM9XPAF3D8WR4"
    for a in CODE_ALPHABET:
        for b in CODE_ALPHABET:
            if a == b:
                continue
            for i in range(len(filler) + 1):
                data = filler[:i] + a + b + filler[i:]
                good = data + check_character(data)
                normalize_code(good)
                swapped = data[:i] + b + a + data[i + 2 :] + good[-1]
                with pytest.raises(CredentialCodeError):
                    normalize_code(swapped)
    # The check character and the last data character swapped:
    for data in ("7K2QDM9XPAF3D8WR4T0", "7K2QDM9XPAF3D8WR4TZ"):
        check = check_character(data)
        if check != data[-1]:
            with pytest.raises(CredentialCodeError):
                normalize_code(data[:-1] + check + data[-1])


def test_check_character_worked_example() -> None:
    # The example of protocol.md section 10.2.2.
    assert check_character("7K2QDM9XPAF3D8WR4TZ") == "4"
    assert normalize_code("7K2QD-M9XPA-F3D8W-R4TZ4") == "7K2QDM9XPAF3D8WR4TZ4"


def test_check_character_rejects_non_canonical_characters() -> None:
    with pytest.raises(ValueError, match="'O'"):
        check_character("O" * 19)


def test_normalize_reads_lower_case_spaces_and_crockford_lookalikes() -> None:
    canonical = "0123456789ABCDEFGHJ" + check_character("0123456789ABCDEFGHJ")
    typed = "OI23 4567-89ab CDEfgh  j" + canonical[-1].lower()
    assert normalize_code(typed) == canonical
    typed = "oL23-4567-89AB-CDEF-GHJ" + canonical[-1]
    assert normalize_code(typed) == canonical
    assert normalize_code("  " + canonical + "--") == canonical


@pytest.mark.parametrize(
    ("typed", "reason", "message"),
    [
        ("7K2QD-M9XPA-F3D8W-R4T", "length", "has 18 characters, want 20"),
        ("7K2QD-M9XPA-F3D8W-R4TZ4S", "length", "has 21 characters, want 20"),
        ("", "length", "has 0 characters, want 20"),
        (" - ", "length", "has 0 characters, want 20"),
        ("7K2QD-M9XPA-F3D8W-R4TUS", "character", r"character 22 \('U'\) is not used"),
        ("7K2QD*M9XPA-F3D8W-R4TZ4", "character", r"character 6 \('\*'\) is not used"),
        ("7K2QD-M9XPA-F3D8W-R4TZ\u00e9", "character", r"character 23 \('\u00e9'\)"),
        ("\uff17K2QD-M9XPA-F3D8W-R4TZ4", "character", "character 1 "),
        ("7K2QD\tM9XPA-F3D8W-R4TZ4", "character", r"character 6 \('\\t'\)"),
        ("7K2QD\u2013M9XPA-F3D8W-R4TZ4", "character", "character 6 "),
        ("7K2QD-M9XPA-F3D8W-R4TZT", "check", "a character is mistyped"),
        ("K72QD-M9XPA-F3D8W-R4TZ4", "check", "a character is mistyped"),
    ],
)
def test_normalize_errors_say_what_is_wrong(typed: str, reason: str, message: str) -> None:
    with pytest.raises(CredentialCodeError, match=message) as info:
        normalize_code(typed)
    assert info.value.reason == reason
    assert isinstance(info.value, ValueError)


def test_normalize_rejects_non_text() -> None:
    with pytest.raises(CredentialCodeError, match="not text"):
        normalize_code(b"7K2QDM9XPAF3D8WR4TZ4")  # type: ignore[arg-type]


# --- a code's part and the credential key (section 10.3) ---------------------------------


def _spec_scalar(fp: bytes, canonical: str) -> int:
    """a = SHA-512(transcript("credential-part", fp, code)) little-endian mod l."""
    return scalar_of(hashlib.sha512(transcript("credential-part", fp, canonical)).digest())


def _sodium_base(scalar: int) -> bytes:
    out = ctypes.create_string_buffer(32)
    assert _sodium.crypto_scalarmult_ed25519_base_noclamp(out, scalar.to_bytes(32, "little")) == 0
    return out.raw


def test_part_is_the_spec_formula_worked_example() -> None:
    code = "7K2QD-M9XPA-F3D8W-R4TZ4"
    a = _spec_scalar(FP, "7K2QDM9XPAF3D8WR4TZ4")
    assert 0 < a < L
    assert credential_part(FP, code) == base_times(a) == _sodium_base(a)
    # One code alone is a rehearsal's credential: x = a, P = A.
    key = credential_key(FP, code)
    assert key.scalar == a.to_bytes(32, "little")
    assert key.public == base_times(a)


@settings(max_examples=25, deadline=None)
@given(random_codes())
def test_part_is_the_spec_formula(code: str) -> None:
    a = _spec_scalar(FP, normalize_code(code))
    assert credential_part(FP, code) == base_times(a)
    assert credential_part(FP, code.lower().replace("-", " ")) == base_times(a)


def test_part_depends_on_the_fingerprint_and_the_code() -> None:
    rng = SeededRandom("credential-part")
    code, other = generate_code(rng), generate_code(rng)
    other_fp = make_manifest("another-referendum").fingerprint
    assert other_fp != FP
    parts = {
        credential_part(FP, code),
        credential_part(other_fp, code),
        credential_part(FP, other),
    }
    assert len(parts) == 3
    assert credential_part(other_fp, code) == base_times(
        _spec_scalar(other_fp, normalize_code(code))
    )


def test_the_part_tag_is_credential_part() -> None:
    # The old single-code derivation (tag "credential", an Ed25519 seed) is not a part.
    code = "7K2QD-M9XPA-F3D8W-R4TZ4"
    seed = hashlib.sha512(transcript("credential", FP, "7K2QDM9XPAF3D8WR4TZ4")).digest()[:32]
    assert credential_part(FP, code) != Ed25519Key(seed).public
    assert credential_key(FP, code).public != Ed25519Key(seed).public


@settings(max_examples=25, deadline=None)
@given(st.lists(random_codes(), min_size=1, max_size=4, unique=True), st.randoms())
def test_the_key_is_the_sum_of_the_parts_in_any_order(codes: list[str], shuffle: Any) -> None:
    canonical = [normalize_code(c) for c in codes]
    assume(len(set(canonical)) == len(canonical))  # else refused as "same" (tested below)
    scalars = [_spec_scalar(FP, c) for c in canonical]
    x = sum(scalars) % L
    key = credential_key(FP, codes)
    assert key.scalar == x.to_bytes(32, "little")
    assert key.public == base_times(x) == point_sum(*(base_times(a) for a in scalars))
    assert key.public == point_sum(*(credential_part(FP, c) for c in codes))
    order = list(codes)
    shuffle.shuffle(order)
    assert credential_key(FP, order).public == key.public
    assert credential_key(FP, [c.lower() for c in reversed(codes)]).public == key.public


def test_the_key_of_two_codes_is_neither_part() -> None:
    rng = SeededRandom("two-codes")
    a, b = generate_code(rng), generate_code(rng)
    key = credential_key(FP, (a, b))
    assert key.public not in (credential_part(FP, a), credential_part(FP, b))
    assert key.public == credential_key(FP, [b, a]).public
    assert key.public != credential_key(FP, [a]).public


def _spec_signature(x: int, public: bytes, message: bytes) -> bytes:
    """10.3: r = SHA-512(transcript("credential-nonce", fp, x_le32, M)) mod l, then RFC 8032."""
    nonce = hashlib.sha512(
        transcript("credential-nonce", FP, x.to_bytes(32, "little"), message)
    ).digest()
    return ed25519_sign(x, public, message, scalar_of(nonce))


@settings(max_examples=20, deadline=None)
@given(st.lists(random_codes(), min_size=1, max_size=3, unique=True), st.binary(max_size=200))
def test_signatures_are_ed25519_under_the_summed_key(codes: list[str], message: bytes) -> None:
    assume(len({normalize_code(c) for c in codes}) == len(codes))
    key = credential_key(FP, codes)
    signature = key.sign(message)
    assert len(signature) == 64
    pysodium.crypto_sign_verify_detached(signature, message, key.public)  # raises if not
    assert signature == _spec_signature(scalar_of(key.scalar), key.public, message)
    assert key.sign(message) == signature  # deterministic
    with pytest.raises(ValueError):
        pysodium.crypto_sign_verify_detached(signature, message + b"\x00", key.public)
    # The same message signed with another scalar does not verify under P.
    other = CredentialKey(FP, ((scalar_of(key.scalar) + 1) % L).to_bytes(32, "little"))
    with pytest.raises(ValueError):
        pysodium.crypto_sign_verify_detached(other.sign(message), message, key.public)
    # Nor with one part's scalar alone, whenever there are two parts or more.
    if len(codes) > 1:
        part = credential_key(FP, codes[0])
        forged = ed25519_sign(scalar_of(part.scalar), key.public, message, 12345)
        with pytest.raises(ValueError):
            pysodium.crypto_sign_verify_detached(forged, message, key.public)


def test_signatures_verify_through_the_protocol_check() -> None:
    rng = SeededRandom("protocol-check")
    key = credential_key(FP, (generate_code(rng), generate_code(rng)))
    payload = sign_message(key, FP, "ballot", {"hello": "world"})
    assert verify_message(key.public, FP, "ballot", payload, "ballot") == {"hello": "world"}
    with pytest.raises(VerificationError, match="signature does not verify"):
        verify_message(key.public, FP, "ballot", {**payload, "hello": "there"}, "ballot")
    with pytest.raises(VerificationError, match="signature does not verify"):
        verify_message(key.public, FP, "spoiled", payload, "ballot")


def test_the_credential_key_never_prints_its_scalar() -> None:
    key = credential_key(FP, "7K2QD-M9XPA-F3D8W-R4TZ4")
    assert key.scalar.hex() not in repr(key)


def test_the_same_code_twice_is_refused_naming_the_part() -> None:
    rng = SeededRandom("same")
    a, b = generate_code(rng), generate_code(rng)
    with pytest.raises(CredentialCodeError, match=r"^code 2 is code 1 again") as info:
        credential_key(FP, [a, a])
    assert (info.value.reason, info.value.part) == ("same", 2)
    # Typed differently, the same canonical code:
    with pytest.raises(CredentialCodeError, match=r"^code 2 is code 1 again") as info:
        credential_key(FP, [a, a.lower().replace("-", "")])
    assert info.value.part == 2
    with pytest.raises(CredentialCodeError, match=r"^code 3 is code 2 again") as info:
        credential_key(FP, [a, b, b])
    assert (info.value.reason, info.value.part) == ("same", 3)
    with pytest.raises(CredentialCodeError, match=r"^code 3 is code 1 again") as info:
        credential_key(FP, [a, b, a])
    assert info.value.part == 3
    credential_key(FP, [a, b])  # and two different codes are fine


def test_a_mistyped_code_is_named_by_its_part() -> None:
    rng = SeededRandom("mistyped")
    a, b = normalize_code(generate_code(rng)), normalize_code(generate_code(rng))
    typo = b[:4] + ("0" if b[4] != "0" else "1") + b[5:]
    with pytest.raises(CredentialCodeError, match=r"^code 2: a character is mistyped") as info:
        credential_key(FP, [a, typo])
    assert (info.value.reason, info.value.part) == ("check", 2)
    with pytest.raises(CredentialCodeError, match=r"^code 1: ") as info:
        credential_key(FP, [typo, a])
    assert info.value.part == 1
    with pytest.raises(CredentialCodeError, match=r"^code 2: .*has 19 characters") as info:
        credential_key(FP, [a, b[:19]])
    assert (info.value.reason, info.value.part) == ("length", 2)
    with pytest.raises(
        CredentialCodeError, match=r"^code 2: the credential code's character 3 \('U'\)"
    ) as info:
        credential_key(FP, [a, "ABU" + b[3:]])
    assert (info.value.reason, info.value.part, info.value.position) == ("character", 2, 3)
    # A single code's error names no part (a rehearsal's one code):
    with pytest.raises(CredentialCodeError, match=r"^a character is mistyped") as info:
        credential_key(FP, typo)
    assert info.value.part is None
    with pytest.raises(CredentialCodeError, match=r"^a character is mistyped") as info:
        credential_key(FP, [typo])
    assert info.value.part is None


def test_credential_key_rejects_bad_inputs() -> None:
    with pytest.raises(CredentialCodeError, match="no credential code") as info:
        credential_key(FP, [])
    assert info.value.reason == "count"
    with pytest.raises(ValueError, match="32 bytes"):
        credential_key(FP[:31], "7K2QD-M9XPA-F3D8W-R4TZ4")
    with pytest.raises(ValueError, match="32 bytes"):
        credential_part(FP.hex(), "7K2QD-M9XPA-F3D8W-R4TZ4")  # type: ignore[arg-type]
    with pytest.raises(CredentialCodeError):
        credential_part(FP, "7K2QD-M9XPA-F3D8W-R4TZT")
    with pytest.raises(ValueError, match="zero"):
        CredentialKey(FP, bytes(32))


# --- issuing (section 10.4) ----------------------------------------------------------------


def _spec_digest(fp: bytes, region: str, registrar: str, batches: list[list[str]]) -> str:
    h = bytes(32)
    for b, keys in enumerate(batches):
        raw = b"".join(bytes.fromhex(k) for k in keys)
        h = hashlib.sha256(
            transcript("credentials-digest", fp, region, registrar, b, h, raw)
        ).digest()
    return h.hex()


@pytest.fixture(scope="module")
def issued() -> Issued:
    """2 500 credentials of reg-a for north: batches of 1000, 1000, 500."""
    return issue_credentials(MANIFEST, "reg-a", KEY_A, "north", 2500, SeededRandom("issue"))


def test_issue_gives_codes_parts_and_signed_messages(issued: Issued) -> None:
    assert (issued.fingerprint, issued.registrar, issued.region) == (FP, "reg-a", "north")
    assert len(issued.codes) == 2500 and all(PRINTED.fullmatch(c) for c in issued.codes)
    assert len(set(issued.codes)) == 2500
    for n in (0, 999, 1000, 1999, 2000, 2499):  # slot n is code n's part
        assert issued.parts[n] == base_times(_spec_scalar(FP, normalize_code(issued.codes[n])))
    assert issued.parts == [credential_part(FP, c) for c in issued.codes]
    head = {"registrar": "reg-a", "region": "north"}
    commit = verify_message(KEY_A.public, FP, "credentials.commit", issued.commit, "commit")
    hexes = [p.hex() for p in issued.parts]
    digest = _spec_digest(FP, "north", "reg-a", [hexes[:1000], hexes[1000:2000], hexes[2000:]])
    assert commit == {**head, "count": 2500, "digest": digest}
    close = verify_message(KEY_A.public, FP, "credentials.close", issued.close, "close")
    assert close == {**head, "batches": 3, "count": 2500}
    assert not hasattr(issued, "payloads")  # the batches are signed at publish time
    assert issued.codes[0] not in repr(issued) and hexes[0] not in repr(issued)


def test_batches_are_signed_naming_the_commitments(issued: Issued) -> None:
    """10.4: each batch names the co-issuers' committed digests, in manifest order."""
    named = [issued.commit["digest"], "ab" * 32]
    batches = issued.batches(KEY_A, named)
    assert [len(b["keys"]) for b in batches] == [BATCH_SIZE, BATCH_SIZE, 500]
    assert [b["batch"] for b in batches] == [0, 1, 2]
    assert [k for b in batches for k in b["keys"]] == [p.hex() for p in issued.parts]
    raw = [b"".join(bytes.fromhex(k) for k in b["keys"]) for b in batches]
    assert roll_digest(FP, "north", "reg-a", raw) == issued.commit["digest"]
    for b in batches:
        body = verify_message(KEY_A.public, FP, "credentials", b, "batch")
        assert set(body) == {"registrar", "region", "batch", "commitments", "keys"}
        assert (body["registrar"], body["region"]) == ("reg-a", "north")
        assert body["commitments"] == named
    assert sign_batches(KEY_A, FP, "reg-a", "north", issued.parts, named) == batches
    other = issued.batches(KEY_A, named[::-1])
    assert [b["keys"] for b in other] == [b["keys"] for b in batches]
    assert all(o["signature"] != b["signature"] for o, b in zip(other, batches, strict=True))
    # The board's order: the manifest's co-issuers of the region, whoever committed first.
    b_commit = {"registrar": "reg-b", "region": "north", "digest": "cd" * 32}
    assert board_commitments(MANIFEST, "north", b_commit, issued.commit) == [
        issued.commit["digest"],
        "cd" * 32,
    ]
    assert board_commitments(MANIFEST, "north", b_commit) == ["", "cd" * 32]


def test_the_digest_chains_every_batch_in_order() -> None:
    one, two = bytes(range(32)), bytes(range(32, 64))
    digest = roll_digest(FP, "north", "reg-a", [one, two])
    assert digest == _spec_digest(FP, "north", "reg-a", [[one.hex()], [two.hex()]])
    others = {
        roll_digest(FP, "north", "reg-a", [two, one]),
        roll_digest(FP, "north", "reg-a", [one]),
        roll_digest(FP, "north", "reg-b", [one, two]),
        roll_digest(FP, "south", "reg-a", [one, two]),
        roll_digest(make_manifest("other").fingerprint, "north", "reg-a", [one, two]),
        roll_digest(FP, "north", "reg-a", [one + two]),
    }
    assert digest not in others and len(others) == 6


@pytest.mark.parametrize(
    ("count", "sizes"),
    [(1, [1]), (999, [999]), (1000, [1000]), (1001, [1000, 1]), (2000, [1000, 1000])],
)
def test_slot_layout_is_fixed_by_the_count(count: int, sizes: list[int]) -> None:
    issue = issue_credentials(MANIFEST, "reg-b", KEY_B, "south", count, SeededRandom(f"n{count}"))
    batches = issue.batches(KEY_B, ["00" * 32, issue.commit["digest"]])
    assert [len(b["keys"]) for b in batches] == sizes and len(issue.parts) == count
    assert [b["batch"] for b in batches] == list(range(len(sizes)))
    assert issue.close["batches"] == len(sizes) and issue.close["count"] == count
    assert issue.commit["count"] == count and len(issue.codes) == count


def test_issue_is_reproducible_from_its_random_source() -> None:
    one = issue_credentials(MANIFEST, "reg-a", KEY_A, "east", 3, SeededRandom("same-draw"))
    two = issue_credentials(MANIFEST, "reg-a", KEY_A, "east", 3, SeededRandom("same-draw"))
    other = issue_credentials(MANIFEST, "reg-a", KEY_A, "east", 3, SeededRandom("other-draw"))
    assert one.codes == two.codes and one.commit == two.commit
    assert not set(one.codes) & set(other.codes)
    assert one.commit["digest"] != other.commit["digest"]


def test_issue_rejects_bad_requests() -> None:
    rng = SeededRandom("issue-bad")
    for count in (0, -1, True, 2.0, "3"):
        with pytest.raises(ValueError, match="positive integer"):
            issue_credentials(MANIFEST, "reg-a", KEY_A, "north", count, rng)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no region 'west'"):
        issue_credentials(MANIFEST, "reg-a", KEY_A, "west", 1, rng)
    with pytest.raises(ValueError, match="no registrar 'reg-z'"):
        issue_credentials(MANIFEST, "reg-z", KEY_A, "north", 1, rng)
    with pytest.raises(ValueError, match="not registrar 'reg-a'"):
        issue_credentials(MANIFEST, "reg-a", KEY_B, "north", 1, rng)
    with pytest.raises(
        ValueError,
        match=r"^registrar 'reg-b' does not serve region 'east' \(it serves south, north\)$",
    ):
        issue_credentials(MANIFEST, "reg-b", KEY_B, "east", 1, rng)
    with pytest.raises(ValueError, match=r"registrar 'reg-c' does not serve region 'north'"):
        issue_credentials(MANIFEST, "reg-c", REGISTRAR_KEYS["reg-c"], "north", 1, rng)


def test_the_manifest_says_who_co_issues_each_region() -> None:
    assert MANIFEST.codes_per_voter == 2 and not MANIFEST.rehearsal
    assert MANIFEST.registrar("reg-a").regions == ("north", "south", "east")
    assert MANIFEST.registrar("reg-b").regions == ("south", "north")
    assert [g.id for g in MANIFEST.co_issuers("north")] == ["reg-a", "reg-b"]
    assert [g.id for g in MANIFEST.co_issuers("east")] == ["reg-a", "reg-c"]
    with pytest.raises(KeyError, match="west"):
        MANIFEST.co_issuers("west")


def _manifest_with_key(registrar: int, key: str) -> dict[str, Any]:
    value = MANIFEST.to_json()
    value["registrars"][registrar]["signing_key"] = key
    return value


@pytest.mark.parametrize(
    ("name", "registrar", "source", "message"),
    [
        (
            "two registrars of a region with one key",
            1,
            ("registrars", 0),
            r"^manifest\.registrars signing keys: .* appears twice$",
        ),
        (
            "registrars of different regions with one key",
            2,
            ("registrars", 1),
            r"^manifest\.registrars signing keys: .* appears twice$",
        ),
        (
            "a registrar with a trustee's key",
            0,
            ("trustees", 2),
            r"^manifest\.registrars\[0\]\.signing_key: the signing key of a trustee$",
        ),
        (
            "a co-issuer with a trustee's key",
            2,
            ("trustees", 0),
            r"^manifest\.registrars\[2\]\.signing_key: the signing key of a trustee$",
        ),
    ],
)
def test_the_manifest_refuses_a_registrar_key_of_another_party(
    name: str, registrar: int, source: tuple[str, int], message: str
) -> None:
    """10.1: co-issuers are different parties, so one key cannot stand for two
    registrars, nor for a trustee."""
    key = MANIFEST.to_json()[source[0]][source[1]]["signing_key"]
    with pytest.raises(ManifestError, match=message):
        Manifest.from_json(_manifest_with_key(registrar, key))
    # The honest twin: a key of its own.
    Manifest.from_json(
        _manifest_with_key(registrar, Ed25519Key.generate(SeededRandom(name)).public.hex())
    )


def test_a_registrar_key_given_twice_is_named_as_the_manifest_writes_it() -> None:
    key = MANIFEST.to_json()["registrars"][0]["signing_key"]
    with pytest.raises(ManifestError) as info:
        Manifest.from_json(_manifest_with_key(1, key))
    assert key in str(info.value) and "b'" not in str(info.value)


# --- the roll: every rule of 10.5, with a tampered or ill-ordered message ------------------

KEY_C = REGISTRAR_KEYS["reg-c"]
KEYS = {"reg-a": KEY_A, "reg-b": KEY_B, "reg-c": KEY_C}


def _issue(registrar: str, region: str, count: int, manifest: Manifest = MANIFEST) -> Issued:
    rng = SeededRandom(f"{manifest.id}/{registrar}/{region}/{count}")
    return issue_credentials(manifest, registrar, KEYS[registrar], region, count, rng)


NORTH_A, NORTH_B = _issue("reg-a", "north", 3), _issue("reg-b", "north", 3)
SOUTH_A, SOUTH_B = _issue("reg-a", "south", 2), _issue("reg-b", "south", 2)
EAST_A, EAST_C = _issue("reg-a", "east", 2), _issue("reg-c", "east", 2)


def _batches(
    issue: Issued, *co_issued: Issued | dict[str, Any], manifest: Manifest = MANIFEST
) -> list[dict[str, Any]]:
    """issue's batches as its registrar signs them at publish time: naming its own and its
    co-issuers' commitments (Issued or commit payloads), as the board would hold them."""
    return honest_batches(manifest, issue, KEYS[issue.registrar], *co_issued)


def _posts(
    issue: Issued, *co_issued: Issued | dict[str, Any], manifest: Manifest = MANIFEST
) -> list[tuple[str, dict[str, Any]]]:
    """issue's commitment, honest batches and close, in the order they are posted."""
    batches = _batches(issue, *co_issued, manifest=manifest)
    return [
        (KIND_COMMIT, issue.commit),
        *((KIND_BATCH, b) for b in batches),
        (KIND_CLOSE, issue.close),
    ]


NORTH_A_BATCHES, NORTH_B_BATCHES = _batches(NORTH_A, NORTH_B), _batches(NORTH_B, NORTH_A)
SOUTH_A_BATCHES, SOUTH_B_BATCHES = _batches(SOUTH_A, SOUTH_B), _batches(SOUTH_B, SOUTH_A)
EAST_A_BATCHES, EAST_C_BATCHES = _batches(EAST_A, EAST_C), _batches(EAST_C, EAST_A)
SOUTH_A_POSTS, SOUTH_B_POSTS = _posts(SOUTH_A, SOUTH_B), _posts(SOUTH_B, SOUTH_A)


def _signed(kind: str, body: dict[str, Any], key: Ed25519Key, fp: bytes = FP) -> dict[str, Any]:
    return sign_message(key, fp, kind, body)


def _resign(kind: str, payload: dict[str, Any], key: Ed25519Key | None = None, **change: Any):
    """payload with fields changed (None drops one), signed again by its registrar's key."""
    body = {k: v for k, v in payload.items() if k != "signature"}
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    registrar = body.get("registrar")
    signer = key or KEYS.get(registrar if isinstance(registrar, str) else "", KEY_A)
    return _signed(kind, body, signer)


def _unsigned(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k != "signature"}


def _commit(**change: Any) -> dict[str, Any]:
    """reg-c's commitment for east (not yet made in the roll below), changed."""
    return _resign(KIND_COMMIT, EAST_C.commit, **change)


def _batch_b(**change: Any) -> dict[str, Any]:
    """reg-b's batch 0 for north (its next one in the roll below), changed."""
    return _resign(KIND_BATCH, NORTH_B_BATCHES[0], **change)


def _close_a(**change: Any) -> dict[str, Any]:
    """reg-a's close for north (it posted all its batches in the roll below), changed."""
    return _resign(KIND_CLOSE, NORTH_A.close, **change)


def _with_key(i: int, key: str) -> dict[str, Any]:
    keys = list(NORTH_B_BATCHES[0]["keys"])
    keys[i] = key
    return _batch_b(keys=keys)


def _apply(roll: CredentialRoll, messages: list[tuple[str, dict[str, Any]]]) -> None:
    for n, (kind, payload) in enumerate(messages):
        roll.add(kind, payload, f"board entry {n + 1}")


def _roll(manifest: Manifest = MANIFEST) -> tuple[CredentialRoll, MemoryIndex]:
    index = MemoryIndex()
    return CredentialRoll(manifest, index), index


SETUP = [
    (KIND_COMMIT, NORTH_A.commit),
    (KIND_COMMIT, NORTH_B.commit),
    (KIND_BATCH, NORTH_A_BATCHES[0]),
    *SOUTH_A_POSTS[:1],
    *SOUTH_B_POSTS[:1],
    *SOUTH_B_POSTS[1:],
    *SOUTH_A_POSTS[1:],
    (KIND_COMMIT, EAST_A.commit),
]


@pytest.fixture
def roll() -> tuple[CredentialRoll, MemoryIndex]:
    """north: both committed (3 voters), reg-a posted its batch, reg-b not yet;
    south: closed by both (2 voters); east: reg-a committed (2 voters), reg-c not."""
    roll, index = _roll()
    _apply(roll, SETUP)
    assert roll.is_closed("south") and roll.count("south") == 2
    assert roll.count("north") == 0 and not roll.is_closed("north")
    return roll, index


def _state(roll: CredentialRoll, index: MemoryIndex) -> tuple[Any, ...]:
    spaces = index.spaces()
    return (roll.snapshot(), dict(spaces[ROLL]), dict(spaces[PARTS]))


AGAIN = "already committed, and parts of the region are on the board$"
#: north's commitments as the board in the roll below holds them (manifest order), and a
#: digest reg-a committed to on a fork of it (other codes of the same registrar).
NORTH = [NORTH_A.commit["digest"], NORTH_B.commit["digest"]]
FORKED = _issue("reg-a", "north", 3, make_manifest("fork")).commit["digest"]

# Small-order points (libsodium's blocklist) and points outside the prime-order group.
IDENTITY = "01" + "00" * 31
ORDER_2 = "ec" + "ff" * 30 + "7f"
ORDER_8 = "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"
A_PART = NORTH_B_BATCHES[0]["keys"][0]
TORSIONED = point_sum(bytes.fromhex(A_PART), bytes.fromhex(ORDER_8)).hex()
NEGATIVE_ZERO_X = "01" + "00" * 30 + "80"  # x = 0 with the sign bit: not canonical
Y_NOT_REDUCED = "ee" + "ff" * 30 + "7f"  # y = p + 1 (the identity, written unreduced)


def _not_on_curve() -> str:
    for y in range(2, 100):
        data = y.to_bytes(32, "little")
        try:
            decode_point(data)
        except ValueError:
            return data.hex()
    raise AssertionError("unreachable")


OFF_CURVE = _not_on_curve()


REJECTED: list[tuple[str, str, Callable[[], Any], str]] = [
    # common rules 1-6, for each kind
    ("unknown kind", "ballot", lambda: _batch_b(), "'ballot' is not a credentials message"),
    ("commit: not an object", KIND_COMMIT, lambda: ["count"], "want an object, got list"),
    ("batch: not an object", KIND_BATCH, lambda: "keys", "want an object, got str"),
    ("close: not an object", KIND_CLOSE, lambda: None, "want an object, got NoneType"),
    ("commit: missing field", KIND_COMMIT, lambda: _commit(digest=None), "missing field digest"),
    ("batch: missing field", KIND_BATCH, lambda: _batch_b(region=None), "missing field region"),
    ("close: missing field", KIND_CLOSE, lambda: _close_a(count=None), "missing field count"),
    (
        "commit: no signature",
        KIND_COMMIT,
        lambda: {k: v for k, v in _commit().items() if k != "signature"},
        "missing field signature",
    ),
    ("commit: extra field", KIND_COMMIT, lambda: _commit(note="hi"), "unknown field note"),
    ("batch: extra field", KIND_BATCH, lambda: _batch_b(note="hi"), "unknown field note"),
    ("close: extra field", KIND_CLOSE, lambda: _close_a(keys=[]), "unknown field keys"),
    ("commit: count 0", KIND_COMMIT, lambda: _commit(count=0), "count is 0, want at least 1"),
    ("commit: count text", KIND_COMMIT, lambda: _commit(count="2"), "count must be an integer"),
    ("commit: count bool", KIND_COMMIT, lambda: _commit(count=True), "count must be an integer"),
    ("commit: digest not text", KIND_COMMIT, lambda: _commit(digest=7), "digest must be text"),
    ("batch: negative", KIND_BATCH, lambda: _batch_b(batch=-1), "batch is -1, want at least 0"),
    ("batch: as text", KIND_BATCH, lambda: _batch_b(batch="0"), "batch must be an integer"),
    ("batch: as bool", KIND_BATCH, lambda: _batch_b(batch=False), "batch must be an integer"),
    ("batch: keys not a list", KIND_BATCH, lambda: _batch_b(keys=A_PART), "keys must be a list"),
    (
        "batch: no commitments",
        KIND_BATCH,
        lambda: _batch_b(commitments=None),
        "missing field commitments$",
    ),
    (
        "batch: commitments as text",
        KIND_BATCH,
        lambda: _batch_b(commitments=",".join(NORTH)),
        "commitments must be a list, got str$",
    ),
    (
        "batch: commitments as an object",
        KIND_BATCH,
        lambda: _batch_b(commitments=dict(zip(("reg-a", "reg-b"), NORTH, strict=True))),
        "commitments must be a list, got dict$",
    ),
    (
        "batch: commitments null",
        KIND_BATCH,
        lambda: _signed(KIND_BATCH, {**_unsigned(_batch_b()), "commitments": None}, KEY_B),
        "commitments must be a list, got NoneType$",
    ),
    ("close: batches 0", KIND_CLOSE, lambda: _close_a(batches=0), "batches is 0, want at least 1"),
    ("close: count 0", KIND_CLOSE, lambda: _close_a(count=0), "count is 0, want at least 1"),
    ("close: count text", KIND_CLOSE, lambda: _close_a(count="3"), "count must be an integer"),
    ("close: batches text", KIND_CLOSE, lambda: _close_a(batches="1"), "batches must be an int"),
    ("commit: count 2.0", KIND_COMMIT, lambda: {**_commit(), "count": 2.0}, "count must be an int"),
    (
        "batch: a float",
        KIND_BATCH,
        lambda: {**_batch_b(), "keys": [1.0, A_PART, A_PART]},
        "integers",
    ),
    (
        "commit: unknown registrar",
        KIND_COMMIT,
        lambda: _commit(registrar="reg-z"),
        "no registrar 'reg-z' in the manifest",
    ),
    (
        "batch: unknown registrar",
        KIND_BATCH,
        lambda: _batch_b(registrar="reg-z"),
        "no registrar 'reg-z' in the manifest",
    ),
    (
        "close: unknown registrar",
        KIND_CLOSE,
        lambda: _close_a(registrar="reg-z"),
        "no registrar 'reg-z' in the manifest",
    ),
    ("batch: registrar not text", KIND_BATCH, lambda: _batch_b(registrar=7), "registrar must be"),
    ("close: region not text", KIND_CLOSE, lambda: _close_a(region=["n"]), "region must be text"),
    (
        "commit: changed after signing",
        KIND_COMMIT,
        lambda: {**_commit(), "count": 3},
        "credentials.commit of registrar 'reg-c' for region 'east': signature does not verify",
    ),
    (
        "batch: a key changed after signing",
        KIND_BATCH,
        lambda: {**_batch_b(), "keys": list(reversed(NORTH_B_BATCHES[0]["keys"]))},
        "signature does not verify",
    ),
    (
        "batch: commitments changed after signing",
        KIND_BATCH,
        lambda: {**_batch_b(), "commitments": [NORTH[0], FORKED]},
        "credentials of registrar 'reg-b' for region 'north': signature does not verify",
    ),
    (
        "close: changed after signing",
        KIND_CLOSE,
        lambda: {**_close_a(), "count": 4},
        "signature does not verify",
    ),
    (
        "commit: signed by another registrar",
        KIND_COMMIT,
        lambda: _commit(key=KEY_A),
        "signature does not verify",
    ),
    (
        "batch: signed by another registrar",
        KIND_BATCH,
        lambda: _batch_b(key=KEY_A),
        "signature does not verify",
    ),
    (
        "close: signed by another registrar",
        KIND_CLOSE,
        lambda: _close_a(key=KEY_B),
        "signature does not verify",
    ),
    (
        "batch: signed for another referendum",
        KIND_BATCH,
        lambda: sign_message(
            KEY_B,
            make_manifest("another-referendum").fingerprint,
            KIND_BATCH,
            {k: v for k, v in NORTH_B_BATCHES[0].items() if k != "signature"},
        ),
        "signature does not verify",
    ),
    (
        "close: signed as a commit",
        KIND_CLOSE,
        lambda: {
            **_close_a(),
            "signature": _signed(KIND_COMMIT, _unsigned(_close_a()), KEY_A)["signature"],
        },
        "signature does not verify",
    ),
    (
        "batch: signature not hex",
        KIND_BATCH,
        lambda: {**_batch_b(), "signature": "zz" * 64},
        "signature is not hex",
    ),
    (
        "commit: unknown region",
        KIND_COMMIT,
        lambda: _commit(region="west"),
        "no region 'west' in the manifest",
    ),
    (
        "batch: unknown region",
        KIND_BATCH,
        lambda: _batch_b(region="west"),
        "no region 'west' in the manifest",
    ),
    (
        "close: unknown region",
        KIND_CLOSE,
        lambda: _close_a(region="west"),
        "no region 'west' in the manifest",
    ),
    (
        "commit: registrar outside its regions",
        KIND_COMMIT,
        lambda: _resign(KIND_COMMIT, EAST_C.commit, registrar="reg-b"),
        "registrar 'reg-b' does not serve region 'east'",
    ),
    (
        "batch: registrar outside its regions",
        KIND_BATCH,
        lambda: _batch_b(registrar="reg-c"),
        "registrar 'reg-c' does not serve region 'north'",
    ),
    (
        "close: registrar outside its regions",
        KIND_CLOSE,
        lambda: _close_a(registrar="reg-c"),
        "registrar 'reg-c' does not serve region 'north'",
    ),
    # commit rules 7-10
    (
        "commit 7: to a closed region",
        KIND_COMMIT,
        lambda: _resign(KIND_COMMIT, SOUTH_A.commit, count=5),
        f"registrar 'reg-a', region 'south': {AGAIN}",
    ),
    (
        "commit 8: again, the same, after a part of the region is posted",
        KIND_COMMIT,
        lambda: NORTH_B.commit,
        f"registrar 'reg-b', region 'north': {AGAIN}",
    ),
    (
        "commit 8: to other parts, after the co-issuer posted a part",
        KIND_COMMIT,
        lambda: _resign(KIND_COMMIT, NORTH_B.commit, digest="ab" * 32),
        f"registrar 'reg-b', region 'north': {AGAIN}",
    ),
    (
        "commit 8: to other parts, after its own part",
        KIND_COMMIT,
        lambda: _resign(KIND_COMMIT, NORTH_A.commit, digest="ab" * 32),
        f"registrar 'reg-a', region 'north': {AGAIN}",
    ),
    (
        "commit 8: a bad digest after a part is refused as a replacement first",
        KIND_COMMIT,
        lambda: _resign(KIND_COMMIT, NORTH_A.commit, digest="AB" * 32),
        f"registrar 'reg-a', region 'north': {AGAIN}",
    ),
    (
        "commit 9: upper-case digest",
        KIND_COMMIT,
        lambda: _commit(digest=EAST_C.commit["digest"].upper()),
        "registrar 'reg-c', region 'east': digest must be 64 lowercase hex digits",
    ),
    (
        "commit 9: short digest",
        KIND_COMMIT,
        lambda: _commit(digest=EAST_C.commit["digest"][:62]),
        "digest must be 64 lowercase hex digits",
    ),
    (
        "commit 9: non-hex digest",
        KIND_COMMIT,
        lambda: _commit(digest="zz" * 32),
        "digest must be 64 lowercase hex digits",
    ),
    (
        "commit 9: empty digest",
        KIND_COMMIT,
        lambda: _commit(digest=""),
        "digest must be 64 lowercase hex digits",
    ),
    (
        "commit 10: another count than the co-issuer's",
        KIND_COMMIT,
        lambda: _commit(count=3),
        "registrar 'reg-c', region 'east': commits to 3 voters, registrar 'reg-a' to 2",
    ),
    # batch rules 7-12 (12: test_the_summed_keys_are_checked)
    (
        "batch 7: after its own close",
        KIND_BATCH,
        lambda: _resign(KIND_BATCH, SOUTH_A_BATCHES[0], batch=1),
        "registrar 'reg-a', region 'south': already closed",
    ),
    (
        "batch 7: after its own close, naming other commitments (7 is checked first)",
        KIND_BATCH,
        lambda: _resign(KIND_BATCH, SOUTH_A_BATCHES[0], batch=1, commitments=[]),
        "registrar 'reg-a', region 'south': already closed$",
    ),
    (
        "batch 8: before the co-issuer committed",
        KIND_BATCH,
        lambda: EAST_A_BATCHES[0],
        "registrar 'reg-a', region 'east': waiting for 'reg-c' to commit",
    ),
    (
        "batch 8: naming the commitments the board holds while it waits",
        KIND_BATCH,
        lambda: EAST_A.batches(KEY_A, [EAST_A.commit["digest"], ""])[0],
        "registrar 'reg-a', region 'east': waiting for 'reg-c' to commit",
    ),
    (
        "batch 8: before its own commitment",
        KIND_BATCH,
        lambda: EAST_C_BATCHES[0],
        "registrar 'reg-c', region 'east': waiting for 'reg-c' to commit",
    ),
    # batch rule 8 (10.5): the commitments the batch names are the board's, in manifest order
    *[
        (
            f"batch 8: names {what}",
            KIND_BATCH,
            (lambda named=named: _batch_b(commitments=named)),
            rf"^board entry 12: registrar 'reg-b', region 'north': the batch names commitments "
            rf"{re.escape(', '.join(map(str, named)))}, the board holds {', '.join(NORTH)} "
            r"\(parts are revealed only against the commitments on this board\)$",
        )
        for what, named in (
            ("a fork's commitment of reg-a (parts revealed elsewhere)", [FORKED, NORTH[1]]),
            ("a fork's commitment of reg-b itself", [NORTH[0], FORKED]),
            ("the commitments in the other order", NORTH[::-1]),
            ("one commitment", NORTH[:1]),
            ("its own commitment only", NORTH[1:]),
            ("a third commitment", [*NORTH, FORKED]),
            ("no commitment", []),
            ("the commitments in upper case", [d.upper() for d in NORTH]),
            ("the commitments with an empty one", [NORTH[0], ""]),
            ("the commitments as numbers", [1, 2]),
            ("the commitments in a list", [NORTH]),
        )
    ],
    (
        "batch 8: names other commitments and a wrong number (commitments first)",
        KIND_BATCH,
        lambda: _batch_b(batch=1, commitments=[NORTH[0], FORKED]),
        r"region 'north': the batch names commitments",
    ),
    (
        "batch 9: repeated",
        KIND_BATCH,
        lambda: NORTH_A_BATCHES[0],
        "registrar 'reg-a', region 'north' batch 0: want batch 1 next",
    ),
    (
        "batch 9: skipped",
        KIND_BATCH,
        lambda: _batch_b(batch=1),
        "registrar 'reg-b', region 'north' batch 1: want batch 0 next",
    ),
    (
        "batch 10: beyond the count",
        KIND_BATCH,
        lambda: _resign(KIND_BATCH, NORTH_A_BATCHES[0], batch=1),
        "region 'north' batch 1: 3 voters fill 1 batches",
    ),
    (
        "batch 10: too few keys",
        KIND_BATCH,
        lambda: _batch_b(keys=NORTH_B_BATCHES[0]["keys"][:2]),
        "batch 0: has 2 keys, want 3",
    ),
    (
        "batch 10: too many keys",
        KIND_BATCH,
        lambda: _batch_b(keys=[*NORTH_B_BATCHES[0]["keys"], TORSIONED]),
        "batch 0: has 4 keys, want 3",
    ),
    ("batch 10: no keys", KIND_BATCH, lambda: _batch_b(keys=[]), "batch 0: has 0 keys, want 3"),
    (
        "batch 11: upper-case key",
        KIND_BATCH,
        lambda: _with_key(1, A_PART.upper()),
        r"batch 0: keys\[1\] is not 64 lowercase hex digits",
    ),
    (
        "batch 11: short key",
        KIND_BATCH,
        lambda: _with_key(2, A_PART[:62]),
        r"keys\[2\] is not 64 lowercase hex digits",
    ),
    (
        "batch 11: non-hex key",
        KIND_BATCH,
        lambda: _with_key(0, "zz" * 32),
        r"keys\[0\] is not 64 lowercase hex digits",
    ),
    ("batch 11: key not text", KIND_BATCH, lambda: _with_key(0, 7), r"keys\[0\] is not 64"),
    *[
        (
            f"batch 11: {what}",
            KIND_BATCH,
            (lambda point=point: _with_key(1, point)),
            rf"batch 0: keys\[1\] {point} is not a part: want a canonical point of the "
            "prime-order group, not of small order$",
        )
        for what, point in (
            ("the identity", IDENTITY),
            ("a point of order 2", ORDER_2),
            ("a point of order 8", ORDER_8),
            ("a part plus a point of order 8", TORSIONED),
            ("x = 0 with the sign bit", NEGATIVE_ZERO_X),
            ("y not reduced mod p", Y_NOT_REDUCED),
            ("not on the curve", OFF_CURVE),
            ("zero bytes", "00" * 32),
        )
    ],
    # close rules 7-9 (8 and 9 also below)
    (
        "close 7: without a commitment",
        KIND_CLOSE,
        lambda: EAST_C.close,
        "registrar 'reg-c', region 'east': closes without a commitment",
    ),
    (
        "close 7: twice",
        KIND_CLOSE,
        lambda: SOUTH_B.close,
        "registrar 'reg-b', region 'south': already closed",
    ),
    (
        "close 8: more batches than posted",
        KIND_CLOSE,
        lambda: _close_a(batches=2),
        "registrar 'reg-a', region 'north': says 2 batches, 1 posted$",
    ),
    (
        "close 8: before posting",
        KIND_CLOSE,
        lambda: NORTH_B.close,
        "registrar 'reg-b', region 'north': says 1 batch, 0 posted$",
    ),
    (
        "close 8: another count than committed",
        KIND_CLOSE,
        lambda: _close_a(count=4),
        "registrar 'reg-a', region 'north': says 4 voters, committed to 3",
    ),
    (
        "close 8: a smaller count than committed",
        KIND_CLOSE,
        lambda: _close_a(count=2),
        "says 2 voters, committed to 3",
    ),
]


@pytest.mark.parametrize(
    ("kind", "make", "message"),
    [pytest.param(kind, make, message, id=name) for name, kind, make, message in REJECTED],
)
def test_roll_rejects_and_stays_unchanged(
    roll: tuple[CredentialRoll, MemoryIndex], kind: str, make: Callable[[], Any], message: str
) -> None:
    credentials, index = roll
    before = _state(credentials, index)
    with pytest.raises(CredentialError, match=message) as info:
        credentials.add(kind, make(), "board entry 12")
    assert str(info.value).startswith("board entry 12: ")
    assert isinstance(info.value, VerificationError)
    assert _state(credentials, index) == before


def test_the_untampered_messages_of_the_table_are_accepted(
    roll: tuple[CredentialRoll, MemoryIndex],
) -> None:
    """The table's makers, unchanged, give messages the roll takes: each refusal above
    is the change's doing."""
    credentials, _ = roll
    credentials.add(KIND_BATCH, _batch_b(), "board entry 12")
    assert credentials.count("north") == 3
    credentials.add(KIND_CLOSE, _close_a(), "board entry 13")
    credentials.add(KIND_CLOSE, NORTH_B.close, "board entry 14")
    credentials.add(KIND_COMMIT, _commit(), "board entry 15")
    credentials.add(KIND_BATCH, EAST_A_BATCHES[0], "board entry 16")
    credentials.add(KIND_BATCH, EAST_C_BATCHES[0], "board entry 17")
    credentials.add(KIND_CLOSE, EAST_C.close, "board entry 18")
    assert not credentials.all_closed()
    credentials.add(KIND_CLOSE, EAST_A.close, "board entry 19")
    assert credentials.all_closed()
    for issue_a, issue_b, region in (
        (NORTH_A, NORTH_B, "north"),
        (SOUTH_A, SOUTH_B, "south"),
        (EAST_A, EAST_C, "east"),
    ):
        for ca, cb in zip(issue_a.codes, issue_b.codes, strict=True):
            assert credentials.region_of(credential_key(FP, (ca, cb)).public) == region
            assert credentials.region_of(credential_part(FP, ca)) is None
            assert credentials.region_of(credential_part(FP, cb)) is None


# batch rule 12: a completed slot's key (the sum) is checked. reg-b is made to commit to
# parts chosen against reg-a's (as if it had seen them: the test knows every scalar).


def _scalars(issue: Issued) -> list[int]:
    return [_spec_scalar(FP, normalize_code(c)) for c in issue.codes]


def _crafted(scalars: list[int]) -> Issued:
    """reg-b's commit and close for north with the parts scalars*B (its batches signed by
    _batches, naming the commitments as the board holds them)."""
    parts = [base_times(s) for s in scalars]
    head = {"registrar": "reg-b", "region": "north"}
    digest = roll_digest(FP, "north", "reg-b", [b"".join(parts)])
    return Issued(
        FP,
        "reg-b",
        "north",
        [],
        parts,
        _signed(KIND_COMMIT, {**head, "count": len(parts), "digest": digest}, KEY_B),
        _signed(KIND_CLOSE, {**head, "batches": 1, "count": len(parts)}, KEY_B),
    )


A_SCALARS = _scalars(NORTH_A)
B_SCALARS = _scalars(NORTH_B)
SOUTH_KEY_0 = (
    _spec_scalar(FP, normalize_code(SOUTH_A.codes[0]))
    + _spec_scalar(FP, normalize_code(SOUTH_B.codes[0]))
) % L


@pytest.mark.parametrize(
    ("name", "scalars", "message"),
    [
        (
            "the parts sum to the identity",
            [B_SCALARS[0], L - A_SCALARS[1], B_SCALARS[2]],
            r"batch 0: slot keys\[1\]: the parts sum to the identity",
        ),
        (
            "two slots sum to one key",
            [B_SCALARS[0], B_SCALARS[1], (A_SCALARS[0] + B_SCALARS[0] - A_SCALARS[2]) % L],
            r"batch 0: slot keys\[2\] sums to the key of slot keys\[0\]",
        ),
        (
            "a key registered in another region",
            [B_SCALARS[0], (SOUTH_KEY_0 - A_SCALARS[1]) % L, B_SCALARS[2]],
            rf"batch 0: slot keys\[1\] sums to {base_times(SOUTH_KEY_0).hex()}, already "
            "registered in region 'south'",
        ),
    ],
)
def test_the_summed_keys_are_checked(
    roll: tuple[CredentialRoll, MemoryIndex], name: str, scalars: list[int], message: str
) -> None:
    credentials, _ = roll
    crafted = _crafted(scalars)
    # reg-b's own commitment is to these parts; start from a roll where it made that one.
    fresh, fresh_index = _roll()
    _apply(fresh, [(KIND_COMMIT, NORTH_A.commit), (KIND_COMMIT, crafted.commit)])
    _apply(fresh, [(KIND_BATCH, _batches(NORTH_A, crafted)[0]), *SOUTH_A_POSTS[:1]])
    _apply(fresh, [*SOUTH_B_POSTS[:1], (KIND_BATCH, SOUTH_A_BATCHES[0])])
    _apply(fresh, [(KIND_BATCH, SOUTH_B_BATCHES[0])])
    before = _state(fresh, fresh_index)
    with pytest.raises(CredentialError, match=f"^board entry 9: registrar 'reg-b', .*{message}"):
        fresh.add(KIND_BATCH, _batches(crafted, NORTH_A)[0], "board entry 9")
    assert _state(fresh, fresh_index) == before
    # The same parts posted first (reg-a completing the slots) are refused at reg-a's batch.
    other, other_index = _roll()
    _apply(other, [*SOUTH_A_POSTS[:1], *SOUTH_B_POSTS[:1]])
    _apply(other, [(KIND_BATCH, SOUTH_A_BATCHES[0]), (KIND_BATCH, SOUTH_B_BATCHES[0])])
    _apply(other, [(KIND_COMMIT, crafted.commit), (KIND_COMMIT, NORTH_A.commit)])
    other.add(KIND_BATCH, _batches(crafted, NORTH_A)[0], "board entry 7")
    before = _state(other, other_index)
    with pytest.raises(CredentialError, match=f"^board entry 8: registrar 'reg-a', .*{message}"):
        other.add(KIND_BATCH, _batches(NORTH_A, crafted)[0], "board entry 8")
    assert _state(other, other_index) == before
    # And reg-b's honest parts in the same place are accepted: the crafted ones made it fail.
    credentials.add(KIND_BATCH, NORTH_B_BATCHES[0], "board entry 9")
    assert credentials.count("north") == 3


def test_a_key_registered_in_the_same_region_earlier_is_refused() -> None:
    """Slot 1000 (batch 1) sums to slot 0's key (batch 0, registered): rule 12 looks at
    every key registered so far, not only at the batch's."""
    manifest = MANIFEST
    a_issue = _issue("reg-a", "south", 1001)
    a = [_spec_scalar(FP, normalize_code(c)) for c in a_issue.codes]
    b_issue = _issue("reg-b", "south", 1001)
    b = [_spec_scalar(FP, normalize_code(c)) for c in b_issue.codes]
    b[1000] = (a[0] + b[0] - a[1000]) % L
    keys = [[p.hex() for p in b_issue.parts[:1000]], [base_times(b[1000]).hex()]]
    head = {"registrar": "reg-b", "region": "south"}
    digest = _spec_digest(FP, "south", "reg-b", keys)
    commit = _signed(KIND_COMMIT, {**head, "count": 1001, "digest": digest}, KEY_B)
    a_batches, b_batches = _batches(a_issue, commit), _batches(b_issue, a_issue, commit)
    named = [a_issue.commit["digest"], digest]  # as the board holds them
    assert [b["commitments"] for b in a_batches + b_batches] == [named] * 4
    roll, index = _roll(manifest)
    _apply(roll, [(KIND_COMMIT, a_issue.commit), (KIND_COMMIT, commit)])
    _apply(roll, [(KIND_BATCH, a_batches[0]), (KIND_BATCH, b_batches[0])])
    roll.add(KIND_BATCH, a_batches[1], "board entry 5")
    assert roll.count("south") == 1000
    before = _state(roll, index)
    body = {**head, "batch": 1, "commitments": named, "keys": keys[1]}
    crafted = _signed(KIND_BATCH, body, KEY_B)
    with pytest.raises(
        CredentialError, match=r"batch 1: slot keys\[0\] sums to .* in region 'south'"
    ):
        roll.add(KIND_BATCH, crafted, "board entry 6")
    assert _state(roll, index) == before
    roll.add(KIND_BATCH, b_batches[1], "board entry 6")  # its own parts are fine...
    assert roll.count("south") == 1001
    with pytest.raises(CredentialError, match="the parts posted are not those committed to"):
        roll.add(KIND_CLOSE, b_issue.close, "board entry 7")  # ...but not what it committed


def test_close_needs_every_batch_the_count_fills() -> None:
    a_issue, b_issue = _issue("reg-a", "north", 1001), _issue("reg-b", "north", 1001)
    roll, index = _roll()
    _apply(roll, [(KIND_COMMIT, a_issue.commit), (KIND_COMMIT, b_issue.commit)])
    a_batches = _batches(a_issue, b_issue)
    roll.add(KIND_BATCH, a_batches[0], "board entry 3")
    before = _state(roll, index)
    early = _resign(KIND_CLOSE, a_issue.close, batches=1)
    with pytest.raises(
        CredentialError,
        match=r"^board entry 4: registrar 'reg-a', region 'north': 1 batches posted, its 1001 "
        "voters fill 2$",
    ):
        roll.add(KIND_CLOSE, early, "board entry 4")
    assert _state(roll, index) == before
    roll.add(KIND_BATCH, a_batches[1], "board entry 4")
    roll.add(KIND_CLOSE, a_issue.close, "board entry 5")
    assert roll.posted("north", "reg-a") == (a_issue.commit["digest"], 2, True)


def test_close_refuses_parts_other_than_those_committed_to(
    roll: tuple[CredentialRoll, MemoryIndex],
) -> None:
    """Close rule 9: the batch rules cannot see that the parts are not the committed ones
    (they are valid points, in order); the close can, and the region never closes."""
    credentials, index = roll
    other = _issue("reg-b", "north", 3, make_manifest("another-draw"))
    swapped = _batch_b(keys=[base_times(7 + i).hex() for i in range(3)])
    credentials.add(KIND_BATCH, swapped, "board entry 12")
    assert credentials.count("north") == 3  # the slots completed...
    credentials.add(KIND_CLOSE, NORTH_A.close, "board entry 13")
    before = _state(credentials, index)
    posted = credentials.posted("north", "reg-b")
    with pytest.raises(
        CredentialError,
        match=r"^board entry 14: registrar 'reg-b', region 'north': the parts posted are not "
        rf"those committed to \(digest [0-9a-f]{{64}}, committed {NORTH_B.commit['digest']}\)$",
    ):
        credentials.add(KIND_CLOSE, NORTH_B.close, "board entry 14")
    assert _state(credentials, index) == before
    assert posted == (NORTH_B.commit["digest"], 1, False)
    assert not credentials.is_closed("north")  # ...but the region is never closed
    assert credentials.not_closed_by("north") == ["reg-b"]
    assert other.commit["digest"] != NORTH_B.commit["digest"]


def test_a_commitment_is_replaced_while_no_part_of_the_region_is_posted(
    roll: tuple[CredentialRoll, MemoryIndex],
) -> None:
    """10.5 commit rule 8: a registrar may commit again (replacing its own commitment)
    until a co-issuer posts a batch of the region; the count is compared with the other
    co-issuers' only. east: reg-a committed to 2 voters, reg-c not yet."""
    credentials, index = roll
    redrawn = _issue("reg-a", "east", 2, make_manifest("redrawn")).commit["digest"]
    again = _resign(KIND_COMMIT, EAST_A.commit, digest=redrawn)
    credentials.add(KIND_COMMIT, again, "board entry 12")
    assert credentials.commitments("east") == [redrawn, ""]
    assert credentials.posted("east", "reg-a") == (redrawn, 0, False)
    # Another count: its own earlier commitment is not compared with.
    credentials.add(KIND_COMMIT, _resign(KIND_COMMIT, EAST_A.commit, count=5), "board entry 13")
    assert credentials.committed("east") == {"reg-a": 5, "reg-c": 0}
    before = _state(credentials, index)
    with pytest.raises(
        CredentialError,
        match=r"^board entry 14: registrar 'reg-c', region 'east': commits to 2 voters, "
        r"registrar 'reg-a' to 5$",
    ):
        credentials.add(KIND_COMMIT, EAST_C.commit, "board entry 14")
    assert _state(credentials, index) == before
    credentials.add(KIND_COMMIT, EAST_A.commit, "board entry 14")  # the mistake mended
    assert credentials.committed("east") == {"reg-a": 2, "reg-c": 0}
    again_roll = CredentialRoll(MANIFEST, index)  # the replacement is in the snapshot
    again_roll.restore(json.loads(json.dumps(credentials.snapshot())))
    assert again_roll.commitments("east") == [EAST_A.commit["digest"], ""]
    credentials.add(KIND_COMMIT, EAST_C.commit, "board entry 15")
    assert credentials.commitments("east") == [EAST_A.commit["digest"], EAST_C.commit["digest"]]
    # Both committed: a replacement must keep the other co-issuer's count...
    before = _state(credentials, index)
    with pytest.raises(
        CredentialError,
        match=r"^board entry 16: registrar 'reg-c', region 'east': commits to 3 voters, "
        r"registrar 'reg-a' to 2$",
    ):
        credentials.add(KIND_COMMIT, _commit(count=3), "board entry 16")
    assert _state(credentials, index) == before
    # ...and batches signed against the replaced commitment are refused.
    other = _issue("reg-c", "east", 2, make_manifest("other-c"))
    other_commit = _resign(KIND_COMMIT, EAST_C.commit, digest=other.commit["digest"])
    credentials.add(KIND_COMMIT, other_commit, "board entry 16")
    before = _state(credentials, index)
    for n, batch in enumerate((EAST_A_BATCHES[0], EAST_C_BATCHES[0])):
        with pytest.raises(CredentialError, match="the batch names commitments"):
            credentials.add(KIND_BATCH, batch, f"board entry {17 + n}")
    assert _state(credentials, index) == before
    credentials.add(KIND_COMMIT, EAST_C.commit, "board entry 17")  # back to the first
    _apply(credentials, [(KIND_BATCH, EAST_A_BATCHES[0]), (KIND_BATCH, EAST_C_BATCHES[0])])
    assert credentials.count("east") == 2


def test_a_commitment_is_not_replaced_once_a_part_is_posted(
    roll: tuple[CredentialRoll, MemoryIndex],
) -> None:
    """After the first batch of the region, neither co-issuer commits again (whoever
    posted it), whatever it commits to; the roll is unchanged and the region closes."""
    credentials, index = roll
    _apply(credentials, [(KIND_COMMIT, EAST_C.commit), (KIND_BATCH, EAST_C_BATCHES[0])])
    assert credentials.posted("east", "reg-a") == (EAST_A.commit["digest"], 0, False)
    before = _state(credentials, index)
    redrawn = _issue("reg-a", "east", 2, make_manifest("late")).commit["digest"]
    for payload in (
        EAST_A.commit,  # the same again
        _resign(KIND_COMMIT, EAST_A.commit, digest=redrawn),  # reg-a, which posted nothing
        _resign(KIND_COMMIT, EAST_C.commit, digest=redrawn),  # reg-c, which posted
        _resign(KIND_COMMIT, EAST_A.commit, count=3),
    ):
        registrar = payload["registrar"]
        with pytest.raises(
            CredentialError,
            match=rf"^board entry 9: registrar '{registrar}', region 'east': {AGAIN}",
        ):
            credentials.add(KIND_COMMIT, payload, "board entry 9")
        assert _state(credentials, index) == before
    _apply(credentials, [(KIND_BATCH, EAST_A_BATCHES[0]), (KIND_CLOSE, EAST_A.close)])
    credentials.add(KIND_CLOSE, EAST_C.close, "board entry 11")
    assert credentials.is_closed("east") and credentials.count("east") == 2
    for ca, cc in zip(EAST_A.codes, EAST_C.codes, strict=True):
        assert credentials.region_of(credential_key(FP, (ca, cc)).public) == "east"


def test_a_replaced_commitment_closes_with_the_replacement_s_parts() -> None:
    """reg-a's first issue replaced by a second (before any part of north is posted):
    the second's parts are what the close checks, and only its codes make voters' keys."""
    first = _issue("reg-a", "north", 3)
    second = issue_credentials(MANIFEST, "reg-a", KEY_A, "north", 3, SeededRandom("second"))
    roll, _ = _roll()
    _apply(roll, [(KIND_COMMIT, first.commit), (KIND_COMMIT, NORTH_B.commit)])
    roll.add(KIND_COMMIT, second.commit, "board entry 3")
    assert roll.committed("north") == {"reg-a": 3, "reg-b": 3}
    assert roll.commitments("north") == [second.commit["digest"], NORTH_B.commit["digest"]]
    with pytest.raises(CredentialError, match="the batch names commitments"):
        roll.add(KIND_BATCH, _batches(first, NORTH_B)[0], "board entry 4")
    roll.add(KIND_BATCH, _batches(second, NORTH_B)[0], "board entry 4")
    roll.add(KIND_BATCH, _batches(NORTH_B, second)[0], "board entry 5")
    _apply(roll, [(KIND_CLOSE, second.close), (KIND_CLOSE, NORTH_B.close)])
    assert roll.is_closed("north") and roll.count("north") == 3
    for cs, cf, cb in zip(second.codes, first.codes, NORTH_B.codes, strict=True):
        assert roll.region_of(credential_key(FP, (cs, cb)).public) == "north"
        assert roll.region_of(credential_key(FP, (cf, cb)).public) is None


def test_a_lost_running_sum_is_refused_not_summed_wrong(
    roll: tuple[CredentialRoll, MemoryIndex],
) -> None:
    credentials, index = roll
    slot_key = (0).to_bytes(2, "big") + (0).to_bytes(4, "big")  # north (region 0), batch 0
    assert len(index.spaces()[PARTS][slot_key]) == 3 * 32  # reg-a's parts, waiting
    del index.spaces()[PARTS][slot_key]
    before = _state(credentials, index)
    with pytest.raises(CredentialError, match="the running sums of this batch are missing"):
        credentials.add(KIND_BATCH, NORTH_B_BATCHES[0], "board entry 12")
    assert _state(credentials, index) == before


# --- the roll: accepted paths ----------------------------------------------------------------

TWO_A, TWO_B = _issue("reg-a", "north", 1003), _issue("reg-b", "north", 1003)
TWO_A_POSTS, TWO_B_POSTS = _posts(TWO_A, TWO_B), _posts(TWO_B, TWO_A)
TWO_KEYS = {
    credential_key(FP, (ca, cb)).public for ca, cb in zip(TWO_A.codes, TWO_B.codes, strict=True)
}


def _run(order: list[tuple[str, dict[str, Any]]]) -> tuple[CredentialRoll, MemoryIndex]:
    roll, index = _roll()
    _apply(roll, order)
    return roll, index


def _roll_keys(index: MemoryIndex) -> dict[bytes, bytes]:
    return dict(index.spaces()[ROLL])


def test_two_co_issuers_in_either_order_give_the_same_keys() -> None:
    a, b = TWO_A_POSTS, TWO_B_POSTS  # commit, batch 0, batch 1, close
    orders = {
        "a first throughout": [a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3]],
        "b first throughout": [b[0], a[0], b[1], a[1], b[2], a[2], b[3], a[3]],
        "a posts all, then b": [a[0], b[0], a[1], a[2], a[3], b[1], b[2], b[3]],
        "b posts all, then a": [b[0], a[0], b[1], b[2], b[3], a[1], a[2], a[3]],
        "crossed": [b[0], a[0], a[1], b[1], b[2], a[2], b[3], a[3]],
    }
    rolls = {name: _run(order) for name, order in orders.items()}
    want = {key: (0).to_bytes(2, "big") for key in TWO_KEYS}  # north is region 0
    assert len(want) == 1003
    for name, (roll, index) in rolls.items():
        assert _roll_keys(index) == want, name
        assert roll.is_closed("north") and roll.count("north") == 1003, name
    snapshots = [roll.snapshot() for roll, _ in rolls.values()]
    assert all(s == snapshots[0] for s in snapshots)
    roll, _ = rolls["a first throughout"]
    for ca, cb in zip(TWO_A.codes[::97], TWO_B.codes[::97], strict=True):
        assert roll.region_of(credential_key(FP, (cb, ca)).public) == "north"
        assert roll.region_of(credential_part(FP, ca)) is None
        assert roll.region_of(credential_part(FP, cb)) is None


def test_keys_are_registered_when_a_slot_batch_completes() -> None:
    a, b = TWO_A_POSTS, TWO_B_POSTS
    roll, index = _run([a[0], b[0], a[1]])
    assert roll.count("north") == 0 and _roll_keys(index) == {}
    assert len(index.spaces()[PARTS]) == 1  # reg-a's parts of batch 0, waiting
    roll.add(*a[2], "board entry 4")
    assert roll.count("north") == 0 and len(index.spaces()[PARTS]) == 2
    roll.add(*b[1], "board entry 5")  # batch 0 completes: its 1000 slots
    assert roll.count("north") == 1000
    roll.add(*b[2], "board entry 6")
    assert roll.count("north") == 1003 and set(_roll_keys(index)) == TWO_KEYS


@settings(max_examples=8, deadline=None)
@given(st.permutations([0, 0, 0, 1, 1, 1]), st.booleans())
def test_any_interleaving_of_the_co_issuers_gives_the_same_keys(
    turns: list[int], b_commits_first: bool
) -> None:
    streams = [list(TWO_A_POSTS[1:]), list(TWO_B_POSTS[1:])]
    commits = [TWO_A_POSTS[0], TWO_B_POSTS[0]]
    order = commits[::-1] if b_commits_first else commits
    order += [streams[t].pop(0) for t in turns]
    roll, index = _run(order)
    assert set(_roll_keys(index)) == TWO_KEYS
    assert roll.is_closed("north") and roll.not_closed_by("north") == []


def test_a_region_closes_only_when_every_co_issuer_closed(
    roll: tuple[CredentialRoll, MemoryIndex],
) -> None:
    credentials, _ = roll
    credentials.add(KIND_BATCH, NORTH_B_BATCHES[0], "board entry 12")
    credentials.add(KIND_CLOSE, NORTH_B.close, "board entry 13")
    assert not credentials.is_closed("north")
    assert credentials.not_closed_by("north") == ["reg-a"]
    credentials.add(KIND_CLOSE, NORTH_A.close, "board entry 14")
    assert credentials.is_closed("north") and credentials.not_closed_by("north") == []
    assert not credentials.all_closed() and credentials.not_closed_by("east") == ["reg-a", "reg-c"]
    _apply(credentials, [(KIND_COMMIT, EAST_C.commit), (KIND_BATCH, EAST_C_BATCHES[0])])
    _apply(credentials, [(KIND_BATCH, EAST_A_BATCHES[0]), (KIND_CLOSE, EAST_A.close)])
    assert credentials.count("east") == 2
    assert not credentials.is_closed("east") and not credentials.all_closed()
    assert credentials.not_closed_by("east") == ["reg-c"]
    credentials.add(KIND_CLOSE, EAST_C.close, "board entry 20")
    assert credentials.is_closed("east") and credentials.all_closed()


def test_roll_queries(roll: tuple[CredentialRoll, MemoryIndex]) -> None:
    credentials, _ = roll
    assert credentials.committed("north") == {"reg-a": 3, "reg-b": 3}
    assert credentials.committed("east") == {"reg-a": 2, "reg-c": 0}
    assert credentials.posted("north", "reg-a") == (NORTH_A.commit["digest"], 1, False)
    assert credentials.posted("east", "reg-c") == (None, 0, False)
    assert credentials.posted("south", "reg-b") == (SOUTH_B.commit["digest"], 1, True)
    for call in (
        lambda: credentials.count("west"),
        lambda: credentials.is_closed("west"),
        lambda: credentials.committed("west"),
        lambda: credentials.not_closed_by("west"),
        lambda: credentials.posted("west", "reg-a"),
    ):
        with pytest.raises(KeyError, match="west"):
            call()
    with pytest.raises(KeyError, match="registrar 'reg-c' does not serve region 'north'"):
        credentials.posted("north", "reg-c")
    assert credentials.region_of(bytes(32)) is None


def test_the_roll_restores_from_its_snapshot(roll: tuple[CredentialRoll, MemoryIndex]) -> None:
    credentials, index = roll
    again = CredentialRoll(MANIFEST, index)
    again.restore(json.loads(json.dumps(credentials.snapshot())))
    again.add(KIND_BATCH, NORTH_B_BATCHES[0], "board entry 12")
    assert again.count("north") == 3
    with pytest.raises(CredentialError, match="already committed"):
        again.add(KIND_COMMIT, NORTH_B.commit, "board entry 13")


def test_three_co_issuers_sum_three_parts() -> None:
    manifest = make_manifest(
        "three", serving={"reg-a": None, "reg-b": None, "reg-c": None}, codes_per_voter=3
    )
    fp = manifest.fingerprint
    issues = [_issue(g, "east", 4, manifest) for g in ("reg-a", "reg-b", "reg-c")]
    batches = [_batches(i, *issues, manifest=manifest)[0] for i in issues]
    roll, index = _roll(manifest)
    _apply(roll, [(KIND_COMMIT, issues[2].commit), (KIND_COMMIT, issues[0].commit)])
    with pytest.raises(CredentialError, match="waiting for 'reg-b' to commit"):
        roll.add(KIND_BATCH, batches[0], "board entry 3")
    roll.add(KIND_COMMIT, issues[1].commit, "board entry 3")
    assert roll.commitments("east") == [i.commit["digest"] for i in issues]
    # Named in another order than the manifest's, the commitments are not the board's:
    body = {**_unsigned(batches[1]), "commitments": roll.commitments("east")[::-1]}
    swapped = _signed(KIND_BATCH, body, KEY_B, fp)
    with pytest.raises(CredentialError, match="the batch names commitments"):
        roll.add(KIND_BATCH, swapped, "board entry 4")
    roll.add(KIND_BATCH, batches[1], "board entry 4")
    roll.add(KIND_BATCH, batches[2], "board entry 5")
    assert roll.count("east") == 0
    # The running sums are B + C, slot by slot:
    (sums,) = index.spaces()[PARTS].values()
    b_keys, c_keys = batches[1]["keys"], batches[2]["keys"]
    for n in range(4):
        want = point_sum(bytes.fromhex(b_keys[n]), bytes.fromhex(c_keys[n]))
        assert sums[32 * n : 32 * n + 32] == want
    roll.add(KIND_BATCH, batches[0], "board entry 6")
    assert roll.count("east") == 4
    for g, issue in zip(("reg-a", "reg-b", "reg-c"), issues, strict=True):
        roll.add(KIND_CLOSE, issue.close, f"close of {g}")
    assert roll.is_closed("east")
    for n in range(4):
        codes = [issue.codes[n] for issue in issues]
        assert roll.region_of(credential_key(fp, codes).public) == "east"
        assert roll.region_of(credential_key(fp, codes[::-1]).public) == "east"
        assert roll.region_of(credential_key(fp, codes[:2]).public) is None


def test_a_rehearsal_registrar_registers_its_parts_as_keys() -> None:
    manifest = make_manifest(
        "rehearsal",
        serving={"reg-a": ["north"], "reg-b": ["south"], "reg-c": ["east"]},
        codes_per_voter=1,
    )
    assert manifest.rehearsal
    fp = manifest.fingerprint
    roll, _ = _roll(manifest)
    for g, region in (("reg-a", "north"), ("reg-b", "south"), ("reg-c", "east")):
        issue = _issue(g, region, 2, manifest)
        _apply(roll, _posts(issue, manifest=manifest))
        assert roll.is_closed(region)
        assert roll.region_of(credential_key(fp, issue.codes[1]).public) == region
        assert roll.region_of(credential_part(fp, issue.codes[1])) == region
    assert roll.all_closed()


def test_a_credential_key_is_consistent_for_any_32_byte_scalar() -> None:
    """CredentialKey reduces its scalar mod l (it once masked the top bit for its public
    key but reduced for signing, so its signatures did not verify)."""
    for x in (2**255 + 5, 2**256 - 1, L + 7, 2 * L + 1):
        key = CredentialKey(FP, x.to_bytes(32, "little"))
        assert key.scalar == (x % L).to_bytes(32, "little")
        assert key.public == base_times(x % L)
        assert key == CredentialKey(FP, (x % L).to_bytes(32, "little"))
        pysodium.crypto_sign_verify_detached(key.sign(b"ballot"), b"ballot", key.public)
    for zero in (L, 2 * L):  # x = 0 mod l
        with pytest.raises(ValueError, match="zero"):
            CredentialKey(FP, zero.to_bytes(32, "little"))
    for length in (31, 33):
        with pytest.raises(ValueError, match="32 bytes"):
            CredentialKey(FP, bytes([1] * length))
