"""Ballots: encryption round trips, every tampering, tracking codes, Benaloh challenges."""

from __future__ import annotations

import copy
import hashlib
import re
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballot_fixtures import REGIONS, credential, election_key, make_manifest
from referendum.ballot import (
    TRACKING_CHECK_START,
    TRACKING_HASH_SIZE,
    BallotError,
    CheckedBallot,
    PreparedBallot,
    TrackingCodeError,
    check_ballot_fields,
    check_spoiled_fields,
    encrypt_ballot,
    normalize_tracking_code,
    read_spoiled,
    tracking_code,
    tracking_hash,
    tracking_range,
    verify_ballot,
    verify_spoiled,
)
from referendum.canonical import canonical_json
from referendum.codes import ALPHABET, LOOKALIKES, check_value
from referendum.credentials import generate_code
from referendum.elgamal import decrypt, discrete_log
from referendum.errors import VerificationError
from referendum.group import ORDER, SeededRandom, transcript
from referendum.group import RISTRETTO255 as G
from referendum.signing import Ed25519Key, sign_message

M = make_manifest()
KEY = election_key()
K = KEY.public_key
WHERE = "board entry 812"

CHOICES = {
    "north": {"status": [0, 1, 0]},
    "south": {"status": [1, 0, 0], "budget": [0, 1, 0, 1]},
    "east": {"council": [1, 1, 1], "budget": [0, 0, 0, 0]},
}


@cache
def _prepared(region: str = "south", voter: int = 1, seed: str = "a") -> PreparedBallot:
    return encrypt_ballot(
        M, K, region, CHOICES[region], credential(voter), SeededRandom(f"{region}-{voter}-{seed}")
    )


def _payload(region: str = "south", voter: int = 1, seed: str = "a") -> dict[str, Any]:
    return copy.deepcopy(_prepared(region, voter, seed).payload)


def _resign(payload: dict[str, Any], key: Ed25519Key) -> dict[str, Any]:
    body = {k: v for k, v in payload.items() if k != "signature"}
    return sign_message(key, M.fingerprint, "ballot", body)


def _fails(payload: Any, match: str) -> BallotError:
    with pytest.raises(BallotError, match=match) as info:
        verify_ballot(M, K, payload, WHERE)
    assert str(info.value).startswith(f"{WHERE}: ")
    return info.value


def _decrypted(ballot: CheckedBallot) -> dict[str, tuple[int, ...]]:
    # Every option's choice: the encrypted selections, and an exactly-k question's last
    # option from them (section 12.2).
    return {
        qid: M.question(qid).full_choices(discrete_log(G, decrypt(ct, KEY.secret), 1) for ct in cts)
        for qid, cts in ballot.selections.items()
    }


# --- round trips -----------------------------------------------------------------------


@pytest.mark.parametrize("region", ["north", "south", "east"])
def test_round_trip(region: str) -> None:
    prepared = _prepared(region)
    ballot = verify_ballot(M, K, prepared.payload, WHERE)
    assert ballot.region == region
    assert ballot.credential == credential(1).public
    assert ballot.tracking_hash == prepared.tracking_hash
    assert list(ballot.selections) == list(REGIONS[region])
    assert _decrypted(ballot) == {q: tuple(v) for q, v in CHOICES[region].items()}
    assert prepared.choices == {q: tuple(v) for q, v in CHOICES[region].items()}
    assert set(prepared.payload) == {"region", "credential", "questions", "signature"}
    assert {k: v for k, v in prepared.payload.items() if k != "signature"} == prepared.body


def test_repr_hides_the_vote_and_the_secrets() -> None:
    prepared = _prepared("east")
    text = repr(prepared)
    assert prepared.tracking_code in text
    for hidden in ("choices", "nonces", "credential=", "_credential", "seed"):
        assert hidden not in text
    assert credential(1).seed.hex() not in text
    assert prepared.nonces["budget"][0].to_bytes().hex() not in text


def test_changing_a_given_payload_does_not_change_the_prepared_ballot() -> None:
    prepared = encrypt_ballot(M, K, "north", CHOICES["north"], credential(1), SeededRandom(5))
    spoiled = prepared.spoiled_payload()
    spoiled["ballot"]["region"] = "west"
    spoiled["reveal"][0]["selections"][0]["vote"] = 1
    assert prepared.payload["region"] == "north"
    prepared.payload["questions"][0]["question"] = "x"
    assert prepared.body["questions"][0]["question"] == "status"
    verify_spoiled(M, K, prepared.spoiled_payload(), WHERE)


@st.composite
def _region_and_choices(draw: st.DrawFn) -> tuple[str, dict[str, list[int]]]:
    region = draw(st.sampled_from(["north", "south", "east"]))
    choices = {}
    for qid in REGIONS[region]:
        q = M.question(qid)
        n = len(q.options)
        count = draw(st.integers(q.min_choices, q.max_choices))
        chosen = draw(st.permutations(range(n)))[:count]
        choices[qid] = [int(o in chosen) for o in range(n)]
    return region, choices


@settings(max_examples=12)
@given(_region_and_choices(), st.binary(min_size=1, max_size=8))
def test_any_valid_choices_round_trip(drawn: tuple[str, dict[str, list[int]]], seed: bytes) -> None:
    region, choices = drawn
    prepared = encrypt_ballot(M, K, region, choices, credential(7), SeededRandom(seed))
    ballot = verify_ballot(M, K, prepared.payload, WHERE)
    assert _decrypted(ballot) == {q: tuple(v) for q, v in choices.items()}


def test_encryption_is_deterministic_under_a_seed_and_fresh_otherwise() -> None:
    again = encrypt_ballot(
        M, K, "south", CHOICES["south"], credential(1), SeededRandom("south-1-a")
    )
    assert again.payload == _prepared("south").payload
    assert _prepared("south", seed="b").payload != _prepared("south").payload


@pytest.mark.parametrize(
    ("region", "choices", "match"),
    [
        ("nowhere", {"status": [1, 0, 0]}, "region 'nowhere' is not in the manifest"),
        ("north", {"status": [1, 0, 0], "budget": [0, 0, 0, 0]}, "'budget' is not on the ballot"),
        ("south", {"status": [1, 0, 0]}, "no choices given for question budget"),
        ("north", {"status": [1, 0]}, "2 choices given, it has 3 options"),
        ("north", {"status": [2, 0, 0]}, "option 0: a choice is 0 or 1"),
        ("north", {"status": [True, False, False]}, "option 0: a choice is 0 or 1"),
        ("north", {"status": [0, 0, 0]}, "0 options chosen, allowed 1 to 1"),
        ("north", {"status": [1, 1, 0]}, "2 options chosen, allowed 1 to 1"),
        ("east", {"council": [1, 0, 0], "budget": [0] * 4}, "1 options chosen, allowed 2 to 3"),
        ("east", {"council": [1, 1, 0], "budget": [1, 1, 1, 0]}, "question budget: 3 options"),
    ],
)
def test_encrypt_rejects_bad_choices(region: str, choices: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        encrypt_ballot(M, K, region, choices, credential(1), SeededRandom(0))


def test_encrypt_rejects_identity_key() -> None:
    with pytest.raises(ValueError, match="identity"):
        encrypt_ballot(M, G.identity, "north", CHOICES["north"], credential(1), SeededRandom(0))


# --- tampering -------------------------------------------------------------------------


def test_error_is_a_verification_error() -> None:
    assert issubclass(BallotError, VerificationError)


def test_changed_field_without_resigning_fails_the_signature() -> None:
    p = _payload()
    p["questions"][0]["selections"][0]["alpha"] = _payload(seed="b")["questions"][0]["selections"][
        0
    ]["alpha"]
    _fails(p, "ballot: signature does not verify")


def test_bad_signature() -> None:
    p = _payload()
    p["signature"] = ("0" if p["signature"][0] != "0" else "1") + p["signature"][1:]
    _fails(p, "ballot: signature does not verify")


@pytest.mark.parametrize("field", ["alpha", "beta"])
def test_changed_ciphertext(field: str) -> None:
    p = _payload()
    other = _payload(seed="b")
    p["questions"][1]["selections"][2][field] = other["questions"][1]["selections"][2][field]
    _fails(_resign(p, credential(1)), "ballot question budget option 2: range proof for")


def test_swapped_selections() -> None:
    p = _payload()
    sel = p["questions"][0]["selections"]
    sel[0], sel[1] = sel[1], sel[0]
    _fails(_resign(p, credential(1)), "ballot question status option 0: range proof")


def test_selection_from_another_ballot_of_the_same_voter() -> None:
    # Same credential, region, question and option, so only the sum proof can notice.
    p = _payload()
    other = _payload(seed="b")  # also votes status [1, 0, 0] but with other nonces
    p["questions"][0]["selections"][0] = other["questions"][0]["selections"][0]
    _fails(_resign(p, credential(1)), "ballot question status: sum_proof: range proof")


def test_proof_from_another_ballot() -> None:
    p = _payload()
    other = _payload(seed="b")
    p["questions"][0]["selections"][0]["proof"] = other["questions"][0]["selections"][0]["proof"]
    _fails(_resign(p, credential(1)), "ballot question status option 0: range proof")


def test_sum_proof_from_another_ballot() -> None:
    p = _payload()
    p["questions"][1]["sum_proof"] = _payload(seed="b")["questions"][1]["sum_proof"]
    _fails(_resign(p, credential(1)), "ballot question budget: sum_proof: range proof")


def test_selection_from_another_credential() -> None:
    p = _payload()
    p["questions"][0] = _payload(voter=2)["questions"][0]
    _fails(_resign(p, credential(1)), "ballot question status option 0: range proof")


def test_question_from_another_region() -> None:
    p = _payload("south")
    p["questions"][0] = _payload("north")["questions"][0]  # same voter, same question
    _fails(_resign(p, credential(1)), "ballot question status option 0: range proof")


def test_selection_from_another_question() -> None:
    p = _payload("south")
    budget0 = p["questions"][1]["selections"][0]
    p["questions"][0]["selections"][0] = budget0
    _fails(_resign(p, credential(1)), "ballot question status option 0: range proof")


def test_ballot_moved_to_a_region_with_the_same_style() -> None:
    p = _payload("north")
    p["region"] = "west"
    _fails(_resign(p, credential(1)), "ballot question status option 0: range proof")


def test_ballot_resigned_by_another_credential() -> None:
    p = _payload()
    p["credential"] = credential(2).public.hex()
    _fails(_resign(p, credential(2)), "ballot question status option 0: range proof")


def test_unknown_region() -> None:
    p = _payload("north")
    p["region"] = "atlantis"
    _fails(_resign(p, credential(1)), "ballot region 'atlantis' is not in the manifest")


def test_region_with_another_style() -> None:
    p = _payload("north")
    p["region"] = "south"
    _fails(
        _resign(p, credential(1)), "ballot questions are status; region south has status, budget"
    )


def test_missing_question() -> None:
    p = _payload("south")
    del p["questions"][1]
    _fails(_resign(p, credential(1)), "ballot questions are status; region south")


def test_extra_question() -> None:
    p = _payload("north")
    p["questions"].append(_payload("south")["questions"][1])
    _fails(
        _resign(p, credential(1)), "ballot questions are status, budget; region north has status"
    )


def test_questions_out_of_order() -> None:
    p = _payload("south")
    p["questions"].reverse()
    _fails(_resign(p, credential(1)), "ballot questions are budget, status")


def test_missing_selection() -> None:
    p = _payload()
    p["questions"][1]["selections"].pop()
    _fails(_resign(p, credential(1)), "ballot question budget: 3 selections, want 4 for 4 options")


def test_sum_proof_of_wrong_width() -> None:
    p = _payload()
    p["questions"][1]["sum_proof"].pop()
    _fails(_resign(p, credential(1)), r"budget sum_proof: 2 branches, want 3 \(selected 0 to 2\)")


@pytest.mark.parametrize(
    ("path", "match"),
    [
        ((), "ballot: "),
        (("questions", 0), r"ballot questions\[0\]: "),
        (("questions", 0, "selections", 1), "ballot question status option 1: "),
        (("questions", 0, "selections", 1, "proof", 0), r"option 1 proof\[0\]: "),
        (("questions", 1, "sum_proof", 2), r"budget sum_proof\[2\]: "),
    ],
)
@pytest.mark.parametrize("change", ["missing", "extra"])
def test_missing_or_extra_field(path: tuple[Any, ...], match: str, change: str) -> None:
    p = _payload()
    obj: Any = p
    for step in path:
        obj = obj[step]
    if change == "missing":
        del obj[sorted(obj)[0]]
        match += "missing field"
    else:
        obj["zzz"] = 1
        match += "unknown field zzz"
    _fails(p, match)


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda p: p.update(credential=p["credential"].upper()), "credential: want 64 lowercase"),
        (lambda p: p.update(signature=p["signature"][:-2]), "signature: want 128 lowercase"),
        (lambda p: p.update(region=7), "ballot region: want non-empty text"),
        (lambda p: p.update(questions={}), "ballot questions: want a list"),
        (lambda p: p.update(questions=[]), "ballot questions: want 1 to 64 items"),
        (
            lambda p: p["questions"][0].update(question=3),
            r"questions\[0\].question: want non-empty",
        ),
        (lambda p: p["questions"][0].update(selections=[]), "status selections: want 1 to 64"),
        (
            lambda p: p["questions"][0]["selections"][0]["proof"].pop(),
            "option 0 proof: want 2 to 2",
        ),
    ],
)
def test_structural_junk(mutate: Any, match: str) -> None:
    p = _payload()
    mutate(p)
    with pytest.raises(BallotError, match=match):
        check_ballot_fields(p, WHERE)
    _fails(p, match)


def test_not_an_object() -> None:
    _fails(["ballot"], "ballot: want an object, got list")


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda s: s.pop("reveal"), "spoiled: missing field reveal"),
        (lambda s: s["ballot"].update(signature="00" * 64), "ballot: unknown field signature"),
        (lambda s: s.update(signature="AB" * 64), "spoiled signature: want 128 lowercase"),
        (lambda s: s.update(reveal=[]), "spoiled reveal: want 1 to 64 items"),
        (lambda s: s["reveal"][0].update(question=""), r"reveal\[0\].question: want non-empty"),
        (
            lambda s: s["reveal"][0]["selections"][0].update(vote=True),
            r"selections\[0\].vote: want the integer 0 or 1",
        ),
        (
            lambda s: s["reveal"][0]["selections"][1].update(nonce="0A" * 32),
            r"selections\[1\].nonce: want 64 lowercase hex digits",
        ),
    ],
)
def test_structural_junk_in_a_challenge(mutate: Any, match: str) -> None:
    spoiled = _prepared().spoiled_payload()
    check_spoiled_fields(spoiled, WHERE)  # the real one has the shape
    mutate(spoiled)
    with pytest.raises(BallotError, match=match):
        check_spoiled_fields(spoiled, WHERE)


def test_uppercase_hex_in_ciphertext() -> None:
    p = _payload()
    sel = p["questions"][0]["selections"][0]
    sel["beta"] = sel["beta"].upper()
    _fails(_resign(p, credential(1)), "status option 0 beta: want 64 lowercase hex digits")


def test_non_canonical_element() -> None:
    p = _payload()
    p["questions"][0]["selections"][1]["alpha"] = "ff" * 32
    check_ballot_fields(p, WHERE)  # well-formed hex: only decoding can reject it
    _fails(_resign(p, credential(1)), "status option 1: alpha: not a canonical ristretto255")


def test_non_canonical_scalar_in_proof() -> None:
    p = _payload()
    pair = p["questions"][0]["selections"][1]["proof"][1]
    pair["v"] = (
        (int.from_bytes(bytes.fromhex(pair["v"]), "little") + ORDER).to_bytes(32, "little").hex()
    )
    _fails(_resign(p, credential(1)), r"status option 1: proof\[1\].v: scalar encoding")


def test_non_canonical_scalar_in_sum_proof() -> None:
    p = _payload()
    p["questions"][0]["sum_proof"][0]["c"] = "ff" * 32
    _fails(_resign(p, credential(1)), r"status: sum_proof: sum_proof\[0\].c: scalar encoding")


def test_other_referendum_rejects_the_ballot() -> None:
    other = make_manifest("another-ballot-test")
    with pytest.raises(BallotError, match="signature does not verify"):
        verify_ballot(other, K, _prepared().payload, WHERE)


def test_other_key_rejects_the_ballot() -> None:
    other = election_key("other")
    with pytest.raises(BallotError, match="option 0: range proof"):
        verify_ballot(M, other.public_key, _prepared().payload, WHERE)


# --- tracking codes --------------------------------------------------------------------

_CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}")


def test_tracking_hash_definition() -> None:
    prepared = _prepared()
    body = {k: v for k, v in prepared.payload.items() if k != "signature"}
    want = hashlib.sha512(
        transcript("tracking-code", M.fingerprint, canonical_json(body))
    ).digest()[:32]
    assert prepared.tracking_hash == want
    assert tracking_hash(M.fingerprint, prepared.payload) == want
    assert tracking_hash(M.fingerprint, body) == want
    assert len(want) == TRACKING_HASH_SIZE


def test_tracking_code_format_and_value() -> None:
    code = _prepared().tracking_code
    assert _CODE.fullmatch(code)
    assert len(code) == 24
    assert code == tracking_code(_prepared().tracking_hash)
    # 19 data characters, then the check: x^20 for zero data, folded from 1 (12.4).
    assert tracking_code(bytes(32)) == "0000-0000-0000-0000-000C"
    assert tracking_code(b"\xff" * 32) == "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZP"
    # 0x08 = 00001000: first 5 bits 00001 -> "1", next 3 bits 000 + 00 -> "0".
    assert tracking_code(b"\x08" + bytes(31)).startswith("1000-0000-0000-0000-000")
    # Bit 95 (the last one shown) is bit 1 of byte 11; bit 0 and later bytes are not shown.
    assert tracking_code(bytes(11) + b"\x02" + bytes(20))[:23] == "0000-0000-0000-0000-001"
    assert tracking_code(bytes(11) + b"\x01" + b"\xff" * 20) == tracking_code(bytes(32))
    with pytest.raises(ValueError, match="32 bytes"):
        tracking_code(bytes(31))


def test_tracking_range_holds_exactly_the_hashes_of_the_code() -> None:
    h = _prepared().tracking_hash
    low, high = tracking_range(tracking_code(h))
    assert low <= h < high
    assert low == h[:11] + bytes([h[11] & 0xFE]) + bytes(20)
    assert tracking_code(low) == tracking_code(h)
    assert tracking_code((int.from_bytes(high, "big") - 1).to_bytes(32, "big")) == tracking_code(h)
    assert tracking_code(high) != tracking_code(h)
    assert tracking_range(tracking_code(b"\xff" * 32))[1] == b"\xff" * 33
    with pytest.raises(TrackingCodeError):
        tracking_range("0000-0000-0000-0000-0000")


def _leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaf_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaf_paths(v, (*path, i))]
    return [path]


def test_tracking_code_changes_when_any_field_changes() -> None:
    payload = _prepared("north").payload
    base = tracking_hash(M.fingerprint, payload)
    paths = [p for p in _leaf_paths(payload) if p != ("signature",)]
    assert len(paths) > 10
    for path in paths:
        p = copy.deepcopy(payload)
        obj = p
        for step in path[:-1]:
            obj = obj[step]
        obj[path[-1]] = obj[path[-1]] + "x"
        assert tracking_hash(M.fingerprint, p) != base, path
    p = copy.deepcopy(payload)
    p["signature"] = "00" * 64
    assert tracking_hash(M.fingerprint, p) == base
    assert tracking_hash(b"\x00" * 32, payload) != base


def test_normalize_round_trip() -> None:
    code = _prepared().tracking_code
    compact = code.replace("-", "")
    assert normalize_tracking_code(code) == compact
    assert normalize_tracking_code(code.lower()) == compact
    assert normalize_tracking_code(" ".join(compact)) == compact
    assert normalize_tracking_code(f"  {compact[:10]}\t{compact[10:]} ") == compact


def test_normalize_reads_confusable_letters() -> None:
    # O reads as 0, I and L as 1; the check character is of what they read as.
    want = _with_check("0011110000000000000")
    assert normalize_tracking_code("oOiI-lL00" + want[8:]) == want


def _with_check(data: str) -> str:
    """Gives back 19 canonical data characters followed by their tracking check (12.4)."""
    values = [ALPHABET.index(c) for c in data]
    return data + ALPHABET[check_value(values, TRACKING_CHECK_START)]


def test_normalize_reads_cyrillic_lookalikes() -> None:
    code = _with_check("ABEKMHPCTYX30100000")
    to_cyrillic = {ord(latin): c for c, latin in LOOKALIKES.items() if c.isupper()}
    cyrillic = code.translate(to_cyrillic)
    assert cyrillic.isalnum() and all(not c.isascii() for c in cyrillic[:12])
    assert normalize_tracking_code(cyrillic) == code
    assert normalize_tracking_code(cyrillic.lower()) == code
    # Cyrillic capital O and Ukrainian I read as Latin O and I do: as 0 and 1.
    assert normalize_tracking_code(cyrillic[:12] + "\u041e\u0406" + cyrillic[14:]) == code
    zhe = "\u0416"  # Cyrillic capital zhe looks like no code character
    with pytest.raises(TrackingCodeError, match=f"character 1 \\('{zhe}'\\)") as caught:
        normalize_tracking_code(zhe + code[1:])
    assert caught.value.reason == "character"


def test_normalize_tells_a_typo_by_its_reason() -> None:
    code = _with_check("7K2QDM9XPAF3D8WR4TZ")
    assert normalize_tracking_code(code) == code
    typo = code[:5] + ("8" if code[5] != "8" else "9") + code[6:]
    with pytest.raises(TrackingCodeError, match="check character") as caught:
        normalize_tracking_code(typo)
    assert caught.value.reason == "check"
    with pytest.raises(TrackingCodeError, match="19 characters, want 20") as caught:
        normalize_tracking_code(code[:-1])
    assert caught.value.reason == "length"


def test_no_credential_code_is_a_tracking_code() -> None:
    # The credential check folds from 0, the tracking check from 1 (12.4).
    for seed in range(50):
        credential = generate_code(SeededRandom(f"credential {seed}"))
        with pytest.raises(TrackingCodeError) as caught:
            normalize_tracking_code(credential)
        assert caught.value.reason == "check"


# --- Benaloh challenge -----------------------------------------------------------------


def _resign_spoiled(spoiled: dict[str, Any], key: Ed25519Key) -> dict[str, Any]:
    body = {k: v for k, v in spoiled.items() if k != "signature"}
    return sign_message(key, M.fingerprint, "spoiled", body)


def _spoiled() -> dict[str, Any]:
    return copy.deepcopy(_prepared().spoiled_payload())


def test_spoiled_round_trip() -> None:
    prepared = _prepared("east")
    spoiled = prepared.spoiled_payload()
    assert set(spoiled) == {"ballot", "reveal", "signature"}
    assert spoiled["ballot"] == prepared.body
    assert "signature" not in spoiled["ballot"]
    ballot, choices = verify_spoiled(M, K, spoiled, WHERE)
    assert choices == {q: tuple(v) for q, v in CHOICES["east"].items()}
    assert ballot.tracking_hash == prepared.tracking_hash
    assert ballot.credential == credential(1).public


def test_spoiled_signature_definition() -> None:
    prepared = _prepared()
    spoiled = prepared.spoiled_payload()
    body = {"ballot": prepared.body, "reveal": spoiled["reveal"]}
    assert spoiled == sign_message(credential(1), M.fingerprint, "spoiled", body)


def test_cast_and_challenged_forms_have_the_same_tracking_code() -> None:
    prepared = _prepared("south")
    cast = verify_ballot(M, K, prepared.payload, WHERE)
    challenged, _ = verify_spoiled(M, K, prepared.spoiled_payload(), WHERE)
    assert cast.tracking_hash == challenged.tracking_hash == prepared.tracking_hash
    assert tracking_hash(M.fingerprint, prepared.spoiled_payload()["ballot"]) == (
        prepared.tracking_hash
    )
    assert tracking_code(challenged.tracking_hash) == prepared.tracking_code


def test_read_spoiled_reads_the_new_form_only() -> None:
    prepared = _prepared()
    ballot, choices = read_spoiled(M, prepared.spoiled_payload(), WHERE)
    assert ballot.tracking_hash == prepared.tracking_hash
    assert choices == {q: tuple(v) for q, v in CHOICES["south"].items()}
    old = {"ballot": prepared.payload, "reveal": prepared.spoiled_payload()["reveal"]}
    with pytest.raises(BallotError, match="spoiled: missing field signature"):
        read_spoiled(M, old, WHERE)
    old["signature"] = "00" * 64
    with pytest.raises(BallotError, match="spoiled: ballot: unknown field signature"):
        read_spoiled(M, old, WHERE)


# --- a board turning a challenge into a cast ballot --------------------------------------


def test_a_challenge_cannot_be_cast_with_the_spoiled_signature() -> None:
    spoiled = _prepared().spoiled_payload()
    forged = {**spoiled["ballot"], "signature": spoiled["signature"]}
    check_ballot_fields(forged, WHERE)  # the right shape: only the signature stops it
    _fails(forged, "ballot: signature does not verify")


def test_a_challenge_body_alone_is_no_ballot() -> None:
    _fails(_prepared().spoiled_payload()["ballot"], "ballot: missing field signature")


def test_a_spoiled_payload_is_no_ballot() -> None:
    _fails(_prepared().spoiled_payload(), "ballot: missing field credential, questions, region")


def test_a_cast_signature_does_not_make_a_spoiled_payload() -> None:
    # The other direction: the board holds a cast ballot and invents a challenge of it.
    prepared = _prepared()
    spoiled = _spoiled()
    spoiled["signature"] = prepared.payload["signature"]
    _spoiled_fails(spoiled, "spoiled: signature does not verify")


# --- spoiled ballots: tampering ---------------------------------------------------------


def _spoiled_fails(spoiled: Any, match: str) -> None:
    with pytest.raises(BallotError, match=match) as info:
        verify_spoiled(M, K, spoiled, WHERE)
    assert str(info.value).startswith(f"{WHERE}: ")


def test_spoiled_inner_ballot_with_a_signature_is_refused() -> None:
    spoiled = _spoiled()
    spoiled["ballot"]["signature"] = _prepared().payload["signature"]
    _spoiled_fails(spoiled, "spoiled: ballot: unknown field signature")
    _spoiled_fails(_resign_spoiled(spoiled, credential(1)), "spoiled: ballot: unknown field")


def test_spoiled_signed_by_another_credential() -> None:
    _spoiled_fails(_resign_spoiled(_spoiled(), credential(2)), "spoiled: signature does not")


def test_spoiled_with_the_credential_changed_and_resigned() -> None:
    spoiled = _spoiled()
    spoiled["ballot"]["credential"] = credential(2).public.hex()
    spoiled = _resign_spoiled(spoiled, credential(2))
    _spoiled_fails(spoiled, "spoiled: ballot question status option 0: range proof")


def test_spoiled_signed_as_another_kind() -> None:
    spoiled = _spoiled()
    body = {k: v for k, v in spoiled.items() if k != "signature"}
    as_ballot = sign_message(credential(1), M.fingerprint, "ballot", body)
    _spoiled_fails(as_ballot, "spoiled: signature does not verify")


def test_spoiled_for_another_referendum() -> None:
    other = make_manifest("another-ballot-test")
    with pytest.raises(BallotError, match="spoiled: signature does not verify"):
        verify_spoiled(other, K, _prepared().spoiled_payload(), WHERE)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda s: s["reveal"][1]["selections"][1].update(vote=0),
        lambda s: s["reveal"][0]["selections"].reverse(),
        lambda s: s["ballot"]["questions"][1]["selections"].reverse(),
        lambda s: s["ballot"]["questions"][0]["selections"][0].update(
            alpha=s["ballot"]["questions"][0]["selections"][0]["beta"]
        ),
    ],
)
def test_spoiled_changed_without_resigning(mutate: Any) -> None:
    spoiled = _spoiled()
    mutate(spoiled)
    _spoiled_fails(spoiled, "spoiled: signature does not verify")


def test_spoiled_with_a_wrong_vote() -> None:
    spoiled = _spoiled()
    spoiled["reveal"][1]["selections"][1]["vote"] = 0  # budget [0, 1, 0, 1]
    spoiled = _resign_spoiled(spoiled, credential(1))
    _spoiled_fails(spoiled, "spoiled question budget option 1: encrypting vote 0")


def test_spoiled_with_a_wrong_nonce() -> None:
    spoiled = _spoiled()
    sel = spoiled["reveal"][0]["selections"]
    sel[0]["nonce"], sel[1]["nonce"] = sel[1]["nonce"], sel[0]["nonce"]
    spoiled = _resign_spoiled(spoiled, credential(1))
    _spoiled_fails(spoiled, "spoiled question status option 0: encrypting vote 1")


def test_spoiled_with_a_changed_ciphertext_resigned() -> None:
    spoiled = _spoiled()
    other = _payload(seed="b")
    spoiled["ballot"]["questions"][0]["selections"][0] = other["questions"][0]["selections"][0]
    spoiled = _resign_spoiled(spoiled, credential(1))
    _spoiled_fails(spoiled, "spoiled: ballot question status: sum_proof: range proof")


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda s: s.update(extra=1), "spoiled: unknown field extra"),
        (lambda s: s.pop("signature"), "spoiled: missing field signature"),
        (lambda s: s.update(signature=s["signature"][:-2]), "spoiled signature: want 128"),
        (lambda s: s["ballot"].pop("credential"), "spoiled: ballot: missing field credential"),
        (lambda s: s["ballot"].update(region="moon"), "spoiled: ballot region 'moon' is not"),
        (lambda s: s["ballot"]["questions"].reverse(), "spoiled: ballot questions are budget"),
        (lambda s: s["reveal"].pop(), "spoiled reveal: want 2 to 2 items"),
        (lambda s: s["reveal"].reverse(), r"reveal\[0\]: question 'budget', want status"),
        (lambda s: s["reveal"][0]["selections"].pop(), "question status selections: want 2 to 2"),
        (lambda s: s["reveal"][0]["selections"][0].update(vote=True), "vote must be 0 or 1"),
        (lambda s: s["reveal"][0]["selections"][0].update(vote=2), "vote must be 0 or 1"),
        (lambda s: s["reveal"][0]["selections"][0].update(nonce="00" * 32), "nonce must not be"),
        (lambda s: s["reveal"][0]["selections"][0].update(nonce="ff" * 32), "nonce: scalar"),
        (lambda s: s["reveal"][0]["selections"][0].pop("nonce"), "missing field nonce"),
    ],
)
def test_spoiled_junk(mutate: Any, match: str) -> None:
    spoiled = _spoiled()
    mutate(spoiled)
    _spoiled_fails(spoiled, match)
    # Re-signing does not help: the form is checked whatever the signature says.
    if "signature" not in match:
        _spoiled_fails(_resign_spoiled(spoiled, credential(1)), match)


def test_a_caller_that_checked_the_signature_still_gets_every_other_check() -> None:
    # verify_ballot(signature_checked=True) is for a caller that verified this payload's
    # signature itself (the casting service, before the rate limit): only step 4 is left out.
    p = _payload()
    p["questions"][0]["selections"][0]["proof"][0]["c"] = "00" * 32
    with pytest.raises(BallotError, match="status option 0"):
        verify_ballot(M, K, _resign(p, credential(1)), WHERE, signature_checked=True)
    unsigned = _payload()
    unsigned["signature"] = "00" * 64
    assert verify_ballot(M, K, unsigned, WHERE, signature_checked=True).region == "south"
    _fails(unsigned, "signature does not verify")


def test_a_caller_that_checked_a_challenges_signature_still_gets_every_other_check() -> None:
    spoiled = _spoiled()
    spoiled["signature"] = "00" * 64
    ballot, _ = verify_spoiled(M, K, spoiled, WHERE, signature_checked=True)
    assert ballot.tracking_hash == _prepared().tracking_hash
    _spoiled_fails(spoiled, "spoiled: signature does not verify")
    wrong = _spoiled()
    wrong["reveal"][0]["selections"][0]["vote"] ^= 1
    with pytest.raises(BallotError, match="encrypting vote"):
        verify_spoiled(M, K, wrong, WHERE, signature_checked=True)
