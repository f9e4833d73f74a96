"""Voter credentials: codes, their check character, derived keys and the roll (section 10)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credentials_fixtures import REGISTRAR_KEYS, make_manifest
from referendum.credentials import (
    BATCH_SIZE,
    CODE_ALPHABET,
    CredentialCodeError,
    CredentialError,
    CredentialRoll,
    check_character,
    credential_key,
    format_code,
    generate_code,
    issue_credentials,
    normalize_code,
)
from referendum.derived import ROLL
from referendum.errors import VerificationError
from referendum.group import SeededRandom, transcript
from referendum.manifest import Manifest
from referendum.signing import Ed25519Key, sign_message, verify_message

MANIFEST = make_manifest()
FP = MANIFEST.fingerprint
KEY_A = REGISTRAR_KEYS["reg-a"]
KEY_B = REGISTRAR_KEYS["reg-b"]
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


# --- credential keys ---------------------------------------------------------------------


def test_credential_key_is_the_spec_derivation() -> None:
    code = "7K2QD-M9XPA-F3D8W-R4TZ4"
    seed = hashlib.sha512(transcript("credential", FP, "7K2QDM9XPAF3D8WR4TZ4")).digest()[:32]
    assert credential_key(FP, code) == Ed25519Key(seed)


@given(random_codes())
def test_credential_key_is_deterministic_and_reads_typed_forms(code: str) -> None:
    key = credential_key(FP, code)
    assert credential_key(FP, code).public == key.public
    assert credential_key(FP, normalize_code(code)).public == key.public
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert credential_key(FP, typed).public == key.public


def test_credential_key_depends_on_fingerprint_and_code() -> None:
    rng = SeededRandom("credential-key")
    code, other = generate_code(rng), generate_code(rng)
    other_fp = make_manifest("another-referendum").fingerprint
    assert other_fp != FP
    keys = {
        credential_key(FP, code).public,
        credential_key(other_fp, code).public,
        credential_key(FP, other).public,
    }
    assert len(keys) == 3


def test_credential_key_rejects_bad_inputs() -> None:
    with pytest.raises(CredentialCodeError):
        credential_key(FP, "7K2QD-M9XPA-F3D8W-R4TZT")
    with pytest.raises(ValueError, match="32 bytes"):
        credential_key(FP[:31], "7K2QD-M9XPA-F3D8W-R4TZ4")


# --- issuing -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def issued() -> tuple[list[str], list[dict[str, Any]]]:
    """2 500 credentials for north: batches of 1000, 1000, 500, then the close."""
    return issue_credentials(MANIFEST, "reg-a", KEY_A, "north", 2500, SeededRandom("issue"))


def test_issue_gives_codes_in_key_order_and_signed_batches(
    issued: tuple[list[str], list[dict[str, Any]]],
) -> None:
    codes, payloads = issued
    assert len(codes) == 2500 and all(PRINTED.fullmatch(c) for c in codes)
    *batches, close = payloads
    assert [len(b["keys"]) for b in batches] == [BATCH_SIZE, BATCH_SIZE, 500]
    assert [b["batch"] for b in batches] == [0, 1, 2]
    keys = [k for b in batches for k in b["keys"]]
    assert keys == [credential_key(FP, c).public.hex() for c in codes]
    for b in batches:
        body = verify_message(KEY_A.public, FP, "credentials", b, "batch")
        assert set(body) == {"registrar", "region", "batch", "keys"}
        assert (body["registrar"], body["region"]) == ("reg-a", "north")
    body = verify_message(KEY_A.public, FP, "credentials.close", close, "close")
    assert body == {"registrar": "reg-a", "region": "north", "batches": 3, "count": 2500}


def test_issued_credentials_pass_the_roll(
    issued: tuple[list[str], list[dict[str, Any]]],
) -> None:
    codes, payloads = issued
    roll = CredentialRoll(MANIFEST)
    *batches, close = payloads
    for i, b in enumerate(batches):
        roll.add("credentials", b, f"board entry {i + 1}")
        assert roll.count("north") == min(BATCH_SIZE * (i + 1), 2500)
        assert not roll.is_closed("north")
    roll.add("credentials.close", close, "board entry 4")
    assert roll.is_closed("north") and roll.count("north") == 2500
    assert not roll.all_closed()
    assert roll.region_of(credential_key(FP, codes[1234]).public) == "north"
    assert roll.region_of(bytes(32)) is None
    for region, key, rid in (("south", KEY_B, "reg-b"), ("east", KEY_A, "reg-a")):
        _, more = issue_credentials(MANIFEST, rid, key, region, 3, SeededRandom(region))
        for i, p in enumerate(more):
            roll.add("credentials" if i < len(more) - 1 else "credentials.close", p, "entry")
    assert roll.all_closed()
    assert (roll.count("south"), roll.count("east")) == (3, 3)


def test_issue_rejects_bad_requests() -> None:
    rng = SeededRandom("issue-bad")
    for count in (0, -1, True, 2.0):
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


def test_the_manifest_says_which_regions_each_registrar_serves() -> None:
    assert MANIFEST.registrar("reg-a").regions == ("north", "south", "east")
    assert MANIFEST.registrar("reg-b").regions == ("south", "north")


# --- the roll: every rule, with a tampered message ----------------------------------------


def _keys(seed: str, n: int) -> list[str]:
    rng = SeededRandom(seed)
    return [Ed25519Key.generate(rng).public.hex() for _ in range(n)]


def _batch(
    keys: list[str],
    batch: int = 0,
    region: str = "north",
    registrar: str = "reg-a",
    key: Ed25519Key = KEY_A,
    manifest: Manifest = MANIFEST,
    **change: Any,
) -> dict[str, Any]:
    body = {"registrar": registrar, "region": region, "batch": batch, "keys": keys, **change}
    return sign_message(key, manifest.fingerprint, "credentials", body)


def _close(
    batches: int,
    count: int,
    region: str = "north",
    registrar: str = "reg-a",
    key: Ed25519Key = KEY_A,
    **change: Any,
) -> dict[str, Any]:
    body = {"registrar": registrar, "region": region, "batches": batches, "count": count, **change}
    return sign_message(key, FP, "credentials.close", body)


NORTH_KEYS = _keys("north", 5)
SOUTH_KEYS = _keys("south", 4)


@pytest.fixture
def roll() -> CredentialRoll:
    """North has batch 0 (5 keys, reg-a); south is closed (4 keys, reg-b); east is empty."""
    roll = CredentialRoll(MANIFEST)
    roll.add("credentials", _batch(NORTH_KEYS), "board entry 1")
    roll.add("credentials", _batch(SOUTH_KEYS, region="south", registrar="reg-b", key=KEY_B), "2")
    roll.add("credentials.close", _close(1, 4, "south", "reg-b", KEY_B), "board entry 3")
    return roll


def _state(roll: CredentialRoll) -> tuple[Any, ...]:
    return (
        dict(roll._keys._spaces[ROLL]),  # type: ignore[attr-defined]
        list(roll._batches),
        list(roll._counts),
        list(roll._registrars),
        list(roll._closed),
    )


def _tampered_batch() -> dict[str, Any]:
    payload = _batch(_keys("x", 2), batch=1)
    payload["keys"] = [*payload["keys"][:1], _keys("y", 1)[0]]
    return payload


def _resigned_for(referendum_id: str) -> dict[str, Any]:
    return _batch(_keys("x", 2), batch=1, manifest=make_manifest(referendum_id))


REJECTED: list[tuple[str, str, Callable[[], Any], str]] = [
    ("unknown kind", "ballot", lambda: _batch(_keys("x", 1), 1), "not a credentials message"),
    ("not an object", "credentials", lambda: ["keys"], "want an object, got list"),
    (
        "missing field",
        "credentials",
        lambda: {k: v for k, v in _batch(_keys("x", 1), 1).items() if k != "region"},
        "missing field region",
    ),
    (
        "extra field",
        "credentials",
        lambda: _batch(_keys("x", 1), 1, note="hi"),
        "unknown field note",
    ),
    (
        "no signature",
        "credentials",
        lambda: {k: v for k, v in _batch(_keys("x", 1), 1).items() if k != "signature"},
        "missing field signature",
    ),
    ("bad signature", "credentials", _tampered_batch, "signature does not verify"),
    (
        "signed by the other registrar",
        "credentials",
        lambda: _batch(_keys("x", 1), 1, key=KEY_B),
        "signature does not verify",
    ),
    (
        "signed for another referendum",
        "credentials",
        lambda: _resigned_for("another-referendum"),
        "signature does not verify",
    ),
    (
        "unknown registrar",
        "credentials",
        lambda: _batch(_keys("x", 1), 1, registrar="reg-z"),
        "no registrar 'reg-z'",
    ),
    (
        "registrar not text",
        "credentials",
        lambda: _batch(_keys("x", 1), 1, registrar=7),
        "registrar must be text",
    ),
    (
        "unknown region",
        "credentials",
        lambda: _batch(_keys("x", 1), 0, region="west"),
        "no region 'west'",
    ),
    (
        "closed region",
        "credentials",
        lambda: _batch(_keys("x", 1), 1, region="south", registrar="reg-b", key=KEY_B),
        "region 'south' is already closed",
    ),
    (
        "other registrar's region",
        "credentials",
        lambda: _batch(_keys("x", 1), 1, registrar="reg-b", key=KEY_B),
        "region 'north' is registered by 'reg-a', not by registrar 'reg-b'",
    ),
    (
        "registrar outside its regions",
        "credentials",
        lambda: _batch(_keys("x", 1), 0, region="east", registrar="reg-b", key=KEY_B),
        "registrar 'reg-b' does not serve region 'east'",
    ),
    (
        "skipped batch",
        "credentials",
        lambda: _batch(_keys("x", 1), 2),
        "region 'north' batch 2: want batch 1 next",
    ),
    (
        "repeated batch",
        "credentials",
        lambda: _batch(_keys("x", 1), 0),
        "batch 0: want batch 1 next",
    ),
    (
        "first batch not 0",
        "credentials",
        lambda: _batch(_keys("x", 1), 1, region="east"),
        "region 'east' batch 1: want batch 0 next",
    ),
    ("negative batch", "credentials", lambda: _batch(_keys("x", 1), -1), "batch is -1"),
    ("batch as text", "credentials", lambda: _batch(_keys("x", 1), "1"), "batch must be an int"),
    ("batch as bool", "credentials", lambda: _batch(_keys("x", 1), True), "batch must be an int"),
    ("keys not a list", "credentials", lambda: _batch(_keys("x", 1)[0], 1), "keys must be a list"),
    ("no keys", "credentials", lambda: _batch([], 1), "has 0 keys, want 1 to 1000"),
    (
        "too many keys",
        "credentials",
        lambda: _batch(["00" * 32] * (BATCH_SIZE + 1), 1),
        "has 1001 keys, want 1 to 1000",
    ),
    (
        "upper-case hex key",
        "credentials",
        lambda: _batch([_keys("x", 1)[0].upper()], 1),
        r"keys\[0\]: want 64 lowercase hex",
    ),
    (
        "short key",
        "credentials",
        lambda: _batch([*_keys("x", 1), "ab" * 31], 1),
        r"keys\[1\]: want 64 lowercase hex",
    ),
    (
        "non-hex key",
        "credentials",
        lambda: _batch(["zz" * 32], 1),
        r"keys\[0\]: want 64 lowercase hex",
    ),
    ("key not text", "credentials", lambda: _batch([7], 1), r"keys\[0\]: want 64 lowercase"),
    (
        "duplicate key in the batch",
        "credentials",
        lambda: _batch([*_keys("x", 2), _keys("x", 1)[0]], 1),
        rf"keys\[2\] {_keys('x', 1)[0]} repeats keys\[0\]",
    ),
    (
        "key already in the region",
        "credentials",
        lambda: _batch([*_keys("x", 1), NORTH_KEYS[3]], 1),
        rf"keys\[1\] {NORTH_KEYS[3]} is already registered in region 'north'",
    ),
    (
        "key already in another region",
        "credentials",
        lambda: _batch([SOUTH_KEYS[2]], 0, region="east"),
        rf"keys\[0\] {SOUTH_KEYS[2]} is already registered in region 'south'",
    ),
    ("float in a message", "credentials", lambda: {**_batch([]), "keys": [1.0]}, "integers"),
    ("close: wrong count", "credentials.close", lambda: _close(1, 6), "says 6 keys, 5 posted"),
    ("close: wrong batches", "credentials.close", lambda: _close(2, 5), "says 2 batches, 1 posted"),
    ("close: zero batches", "credentials.close", lambda: _close(0, 5), "batches is 0"),
    ("close: zero count", "credentials.close", lambda: _close(1, 0), "count is 0"),
    (
        "close: no batch posted",
        "credentials.close",
        lambda: _close(1, 1, region="east"),
        "closing region 'east': no batch was posted",
    ),
    (
        "close: twice",
        "credentials.close",
        lambda: _close(1, 4, "south", "reg-b", KEY_B),
        "region 'south' is already closed",
    ),
    (
        "close: by the other registrar",
        "credentials.close",
        lambda: _close(1, 5, registrar="reg-b", key=KEY_B),
        "registered by 'reg-a', not by registrar 'reg-b'",
    ),
    (
        "close: registrar outside its regions",
        "credentials.close",
        lambda: _close(1, 1, region="east", registrar="reg-b", key=KEY_B),
        "registrar 'reg-b' does not serve region 'east'",
    ),
    (
        "close: bad signature",
        "credentials.close",
        lambda: {**_close(1, 5), "count": 4},
        "signature does not verify",
    ),
    (
        "close: signed as a batch",
        "credentials.close",
        lambda: {**_close(1, 5), "signature": _batch(_keys("x", 1))["signature"]},
        "signature does not verify",
    ),
    (
        "close: extra field",
        "credentials.close",
        lambda: _close(1, 5, keys=[]),
        "unknown field keys",
    ),
    (
        "close: count as text",
        "credentials.close",
        lambda: _close(1, "5"),
        "count must be an integer",
    ),
]


@pytest.mark.parametrize(
    ("kind", "make", "message"),
    [pytest.param(kind, make, message, id=name) for name, kind, make, message in REJECTED],
)
def test_roll_rejects_and_stays_unchanged(
    roll: CredentialRoll, kind: str, make: Callable[[], Any], message: str
) -> None:
    before = _state(roll)
    with pytest.raises(CredentialError, match=message) as info:
        roll.add(kind, make(), "board entry 12")
    assert str(info.value).startswith("board entry 12: ")
    assert isinstance(info.value, VerificationError)
    assert _state(roll) == before


def test_roll_accepts_the_next_batch_and_close(roll: CredentialRoll) -> None:
    more = _keys("north-2", 3)
    roll.add("credentials", _batch(more, 1), "board entry 4")
    assert roll.count("north") == 8
    assert roll.region_of(bytes.fromhex(more[2])) == "north"
    assert roll.region_of(bytes.fromhex(SOUTH_KEYS[0])) == "south"
    roll.add("credentials.close", _close(2, 8), "board entry 5")
    assert roll.is_closed("north") and not roll.is_closed("east")
    assert not roll.all_closed()


def test_roll_queries_name_unknown_regions(roll: CredentialRoll) -> None:
    with pytest.raises(KeyError, match="west"):
        roll.count("west")
    with pytest.raises(KeyError, match="west"):
        roll.is_closed("west")
    assert roll.count("east") == 0 and not roll.is_closed("east")


def test_a_registrar_cannot_take_a_region_it_does_not_serve() -> None:
    """The reviewer's attack: reg-b registers east first and closes it, to own its roll."""
    roll = CredentialRoll(MANIFEST)
    before = _state(roll)
    theirs = _keys("stolen", 3)
    with pytest.raises(CredentialError, match=r"^board entry 1: registrar 'reg-b' does not serve"):
        roll.add(
            "credentials",
            _batch(theirs, region="east", registrar="reg-b", key=KEY_B),
            "board entry 1",
        )
    with pytest.raises(CredentialError, match=r"^board entry 2: registrar 'reg-b' does not serve"):
        roll.add("credentials.close", _close(1, 3, "east", "reg-b", KEY_B), "board entry 2")
    assert _state(roll) == before
    _, payloads = issue_credentials(MANIFEST, "reg-a", KEY_A, "east", 2, SeededRandom("east"))
    roll.add("credentials", payloads[0], "board entry 3")
    roll.add("credentials.close", payloads[1], "board entry 4")
    assert roll.is_closed("east") and roll.count("east") == 2
    assert roll.region_of(bytes.fromhex(theirs[0])) is None
