"""Tally: the last-ballot rule, threshold decryption per policy clause with proofs, results
and their checks.

M has the one-clause policy "at least 3 of the 5 trustees" with the fixtures' key;
M2 has two clauses over three groups, its keys shared clause by clause here (standing in
for the ceremony), and totals encrypted directly under its key.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballot_fixtures import REGIONS, TRUSTEE_KEYS, credential, election_key, make_manifest
from referendum.ballot import CheckedBallot, encrypt_ballot, verify_ballot
from referendum.elgamal import Ciphertext, DiscreteLogError, discrete_log, encrypt
from referendum.errors import VerificationError
from referendum.group import RISTRETTO255 as G
from referendum.group import Element, Scalar, SeededRandom
from referendum.manifest import Manifest
from referendum.sharing import Polynomial, lagrange_coefficient, public_share, share_for
from referendum.signing import Ed25519Key, sign_message
from referendum.tally import (
    BallotBox,
    DecryptionShares,
    RegionTally,
    Results,
    TallyError,
    check_decryption,
    check_results_payload,
    check_tally_payload,
    combine,
    decryption_message,
    quorums,
    results_payload,
    tally_payload,
)

BOARD = (42, bytes(range(32)))  # the (size, root) a trustee decrypts at

M = make_manifest()
KEY = election_key()
K = KEY.public_key
#: (clause, trustee) -> K_jc: M's one clause holds the whole key.
PUBLIC = {(1, i): k for i, k in KEY.public_shares.items()}
WHERE = "board entry 9000"

# (voter, region, choices) in casting order; voters 1 and 4 vote again and the last counts.
CAST: list[tuple[int, str, dict[str, list[int]]]] = [
    (1, "north", {"status": [1, 0, 0]}),
    (2, "north", {"status": [0, 1, 0]}),
    (3, "north", {"status": [0, 1, 0]}),
    (1, "north", {"status": [0, 0, 1]}),
    (4, "south", {"status": [1, 0, 0], "budget": [1, 1, 0, 0]}),
    (5, "south", {"status": [0, 1, 0], "budget": [0, 0, 0, 0]}),
    (4, "south", {"status": [0, 1, 0], "budget": [0, 1, 0, 1]}),
    (6, "east", {"council": [1, 1, 1], "budget": [0, 0, 1, 0]}),
    (7, "east", {"council": [0, 1, 1], "budget": [1, 0, 1, 0]}),
]


def _expected_counts() -> dict[str, dict[str, tuple[int, ...]]]:
    last = {voter: (region, choices) for voter, region, choices in CAST}
    counts: dict[str, dict[str, tuple[int, ...]]] = {}
    for region, qids in REGIONS.items():
        counts[region] = {}
        for qid in qids:
            width = len(M.question(qid).options)
            rows = [c[qid] for r, c in last.values() if r == region]
            counts[region][qid] = tuple(sum(row[o] for row in rows) for o in range(width))
    return counts


@cache
def _ballots() -> tuple[CheckedBallot, ...]:
    out = []
    for n, (voter, region, choices) in enumerate(CAST):
        prepared = encrypt_ballot(M, K, region, choices, credential(voter), SeededRandom(n))
        out.append(verify_ballot(M, K, prepared.payload, f"board entry {n}"))
    return tuple(out)


@cache
def _tallies() -> tuple[RegionTally, ...]:
    box = BallotBox(M)
    last: dict[bytes, bytes] = {}  # credential -> packed selections, as Replay keeps them
    for ballot in _ballots():
        box.add(ballot, last.get(ballot.credential))
        last[ballot.credential] = box.pack(ballot)
    return tuple(box.tallies())


@cache
def _message(i: int) -> dict[str, Any]:
    return decryption_message(
        M,
        i,
        {1: KEY.shares[i]},
        TRUSTEE_KEYS[i - 1],
        _tallies(),
        SeededRandom(f"decrypt-{i}"),
        board=BOARD,
    )


@cache
def _shares(i: int) -> DecryptionShares:
    return check_decryption(M, PUBLIC, _tallies(), _message(i), WHERE)


def _eligible() -> dict[str, int]:
    return {"north": 10, "south": 5, "east": 4, "west": 2}


@cache
def _results() -> Results:
    valid = {i: _shares(i) for i in range(1, 6)}
    return combine(M, _tallies(), valid, [], _eligible())


def _resign(payload: dict[str, Any], key: Ed25519Key, manifest: Manifest = M) -> dict[str, Any]:
    body = {k: v for k, v in payload.items() if k != "signature"}
    return sign_message(key, manifest.fingerprint, "decryption", body)


def test_errors_are_verification_errors() -> None:
    assert issubclass(TallyError, VerificationError)


# --- ballot box ------------------------------------------------------------------------


def test_last_ballot_of_a_credential_counts() -> None:
    first, _, _, again = _ballots()[:4]
    box = BallotBox(M)
    box.add(first)
    box.add(again, box.pack(first))
    assert len(box) == 1
    north = box.tallies()[0]
    assert north.region == "north"
    assert north.counted == 1
    assert north.totals == again.selections


def test_running_totals_equal_the_product_of_the_counted_ballots() -> None:
    """Taking a replaced ballot back out gives the very elements a fresh product gives."""
    ballots = _ballots()
    first, again = ballots[0], ballots[3]
    assert first.credential == again.credential
    box = BallotBox(M)
    for b in ballots[:3]:
        box.add(b)
    box.add(again, box.pack(first))
    fresh = BallotBox(M)
    for b in (again, *ballots[1:3]):
        fresh.add(b)
    assert box.tallies() == fresh.tallies()
    restored = BallotBox(M)
    restored.restore(box.snapshot())
    assert restored.tallies() == box.tallies()


def test_tallies_cover_every_region_in_manifest_order() -> None:
    tallies = _tallies()
    assert [t.region for t in tallies] == ["north", "south", "east", "west"]
    assert [t.counted for t in tallies] == [3, 2, 2, 0]
    for t in tallies:
        assert list(t.totals) == list(REGIONS[t.region])
        for qid, cts in t.totals.items():
            # One total per encrypted selection: an exactly-k question's last option
            # is not encrypted (section 12.2), its count follows (14.3).
            q = M.question(qid)
            assert len(cts) == len(q.options) - (1 if q.min_choices == q.max_choices else 0)
    empty = Ciphertext(G.identity, G.identity)
    assert tallies[3].totals == {"status": (empty, empty)}


def test_ballot_box_refuses_unknown_region() -> None:
    ballot = CheckedBallot("atlantis", b"\x01" * 32, b"\x00" * 32, {})
    with pytest.raises(ValueError, match="atlantis"):
        BallotBox(M).add(ballot)


# --- tally payload ---------------------------------------------------------------------


def test_tally_payload_round_trip() -> None:
    for t in _tallies():
        payload = tally_payload(t)
        assert set(payload) == {"region", "counted", "questions"}
        check_tally_payload(M, copy.deepcopy(payload), t, WHERE)


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda p: p.update(counted=4), "tally region south counted: 4 on the board, 2 recomputed"),
        (lambda p: p.update(counted=True), "counted: True on the board"),
        (lambda p: p.update(region="north"), "tally region: 'north' on the board, 'south'"),
        (lambda p: p.update(extra=1), "tally: unknown field extra"),
        (lambda p: p.pop("questions"), "tally: missing field questions"),
        (lambda p: p["questions"].pop(), "south questions: 1 items, want 2"),
        (lambda p: p["questions"].reverse(), r"questions\[0\] question: 'budget' on the board"),
        (lambda p: p["questions"][1]["totals"].pop(), "question budget totals: 3 items, want 4"),
        (
            lambda p: p["questions"][1]["totals"][2].update(alpha="00" * 32),
            r"question budget option 2 \(schools\): alpha differs",
        ),
        (
            lambda p: p["questions"][0]["totals"][0].update(beta="00" * 32),
            r"question status option 0 \(yes\): beta differs",
        ),
        (lambda p: p["questions"][0]["totals"][0].pop("beta"), "missing field beta"),
    ],
)
def test_tampered_tally_payload(mutate: Any, match: str) -> None:
    south = _tallies()[1]
    payload = tally_payload(south)
    mutate(payload)
    with pytest.raises(TallyError, match=match) as info:
        check_tally_payload(M, payload, south, WHERE)
    assert str(info.value).startswith(WHERE)


# --- decryption shares -----------------------------------------------------------------


def _regions(msg: dict[str, Any], clause: int = 0) -> list[dict[str, Any]]:
    regions: list[dict[str, Any]] = msg["clauses"][clause]["regions"]
    return regions


def test_decryption_message_shape() -> None:
    msg = _message(2)
    assert set(msg) == {"trustee", "board", "clauses", "signature"}
    assert msg["trustee"] == 2
    assert msg["board"] == {"size": 42, "root": bytes(range(32)).hex()}
    assert _shares(2).board == BOARD
    assert [set(c) for c in msg["clauses"]] == [{"clause", "regions"}]
    assert msg["clauses"][0]["clause"] == 1
    assert [r["region"] for r in _regions(msg)] == ["north", "south", "east", "west"]
    shares = _regions(msg)[1]["questions"][1]["shares"]
    assert len(shares) == 4
    assert set(shares[0]) == {"share", "proof"}
    assert set(shares[0]["proof"]) == {"c", "v"}


def test_every_trustee_share_checks() -> None:
    for i in range(1, 6):
        shares = _shares(i)
        assert shares.trustee == i
        # north status, south status and budget, east council and budget, west status
        assert len(shares.shares) == 2 + 2 + 4 + 3 + 4 + 2
        north = _tallies()[0].totals["status"][1]
        assert shares.shares[(1, "north", "status", 1)] == north.alpha ** KEY.shares[i]
    # The empty region's alpha is the identity, so every share is the identity.
    assert _shares(1).shares[(1, "west", "status", 0)].is_identity()


@pytest.mark.parametrize(
    ("board", "match"),
    [
        ({"size": 0, "root": "00" * 32}, "board size: want a positive integer"),
        ({"size": True, "root": "00" * 32}, "board size: want a positive integer"),
        ({"size": 3, "root": "AB" * 32}, "board root: want 64 lowercase hex digits"),
        ({"size": 3}, "board: missing field root"),
    ],
)
def test_a_malformed_board_state_is_rejected(board: dict[str, Any], match: str) -> None:
    msg = copy.deepcopy(_message(2))
    msg["board"] = board
    _decryption_fails(_resign(msg, TRUSTEE_KEYS[1]), match)


def test_decryption_message_needs_the_trustees_key() -> None:
    with pytest.raises(ValueError, match="not trustee 2's key"):
        decryption_message(
            M, 2, {1: KEY.shares[2]}, TRUSTEE_KEYS[0], _tallies(), SeededRandom(0), board=BOARD
        )


@pytest.mark.parametrize(
    ("finals", "match"),
    [
        ({}, "trustee 2 holds shares for clauses none; the policy makes it a member of clauses 1"),
        ({1: KEY.shares[2], 2: KEY.shares[2]}, "shares for clauses 1, 2; .* of clauses 1$"),
        ({2: KEY.shares[2]}, "shares for clauses 2; .* of clauses 1$"),
    ],
)
def test_decryption_message_needs_a_share_for_exactly_the_trustees_clauses(
    finals: dict[int, Scalar], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        decryption_message(M, 2, finals, TRUSTEE_KEYS[1], _tallies(), SeededRandom(0), board=BOARD)


def _decryption_fails(
    payload: Any, match: str, public_shares: Any = None, manifest: Manifest = M, tallies: Any = None
) -> TallyError:
    shares = PUBLIC if public_shares is None else public_shares
    tallies = _tallies() if tallies is None else tallies
    with pytest.raises(TallyError, match=match) as info:
        check_decryption(manifest, shares, tallies, payload, WHERE)
    assert str(info.value).startswith(WHERE)
    return info.value


def test_bad_share_is_rejected_naming_trustee_clause_region_question_option() -> None:
    msg = copy.deepcopy(_message(2))
    shares = _regions(msg)[1]["questions"][1]["shares"]
    shares[3]["share"] = shares[2]["share"]
    _decryption_fails(
        _resign(msg, TRUSTEE_KEYS[1]),
        r"decryption of trustee 2 \(Brook\) clause 1 region south question budget option 3"
        r" \(transit\): chaum-pedersen proof",
    )


def test_share_made_with_another_secret_is_rejected() -> None:
    msg = decryption_message(
        M, 2, {1: KEY.shares[3]}, TRUSTEE_KEYS[1], _tallies(), SeededRandom(1), board=BOARD
    )
    _decryption_fails(msg, r"trustee 2 \(Brook\) clause 1 region north question status option 0")


def test_proof_for_another_option_is_rejected() -> None:
    msg = copy.deepcopy(_message(4))
    shares = _regions(msg)[0]["questions"][0]["shares"]
    shares[0]["proof"] = shares[1]["proof"]
    _decryption_fails(_resign(msg, TRUSTEE_KEYS[3]), "region north question status option 0")


def test_non_identity_share_for_an_empty_total_is_rejected() -> None:
    msg = copy.deepcopy(_message(1))
    west = _regions(msg)[3]["questions"][0]["shares"]
    west[1]["share"] = G.generator.to_bytes().hex()
    _decryption_fails(
        _resign(msg, TRUSTEE_KEYS[0]), "region west question status option 1 .*must be the identity"
    )


def test_bad_proof_for_an_empty_total_is_rejected() -> None:
    msg = copy.deepcopy(_message(1))
    west = _regions(msg)[3]["questions"][0]["shares"]
    west[0]["proof"] = west[1]["proof"]
    _decryption_fails(_resign(msg, TRUSTEE_KEYS[0]), "region west question status option 0")


def test_decryption_signature() -> None:
    msg = copy.deepcopy(_message(3))
    msg["signature"] = "00" * 64
    _decryption_fails(msg, r"decryption of trustee 3 \(Cyd\): signature does not verify")
    _decryption_fails(_resign(_message(3), TRUSTEE_KEYS[0]), "trustee 3 .*signature does not")


def test_decryption_claiming_another_trustee() -> None:
    msg = copy.deepcopy(_message(3))
    msg["trustee"] = 4
    _decryption_fails(msg, r"trustee 4 \(Dana\): signature does not verify")
    msg["trustee"] = 9
    _decryption_fails(msg, "no trustee 9 in the manifest")
    msg["trustee"] = "3"
    _decryption_fails(msg, "trustee: want an integer")


def test_decryption_without_public_share() -> None:
    shares = {ci: s for ci, s in PUBLIC.items() if ci != (1, 5)}
    _decryption_fails(
        _message(5), r"trustee 5 \(Eli\): the trustee has no public share for clause 1", shares
    )


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda p: p.update(extra=1), "decryption: unknown field extra"),
        (lambda p: p.pop("clauses"), "decryption: missing field clauses"),
        (lambda p: p.update(clauses={}), "clauses: want a list, got dict"),
        (lambda p: p["clauses"].append(p["clauses"][0]), "clauses: 2 items, want 1"),
        (lambda p: p["clauses"].clear(), "clauses: 0 items, want 1"),
        (lambda p: p["clauses"][0].update(clause=2), r"clauses\[0\] clause: 2 on the board, 1"),
        (lambda p: p["clauses"][0].update(clause=True), r"clauses\[0\] clause: True on the board"),
        (lambda p: p["clauses"][0].update(note=""), r"clauses\[0\]: unknown field note"),
        (lambda p: _regions(p).pop(), "clause 1 regions: 3 items, want 4"),
        (lambda p: _regions(p).reverse(), r"clause 1 regions\[0\] region: 'west' on the board"),
        (lambda p: _regions(p)[0].pop("questions"), r"regions\[0\]: missing field questions"),
        (lambda p: _regions(p)[1]["questions"].reverse(), r"questions\[0\] question: 'budget'"),
        (
            lambda p: _regions(p)[1]["questions"][0]["shares"].pop(),
            "status shares: 1 items, want 2",
        ),
        (
            lambda p: _regions(p)[1]["questions"][0]["shares"][0].update(share="ff" * 32),
            r"clause 1 region south question status option 0 \(yes\): share: not a canonical",
        ),
        (
            lambda p: _regions(p)[1]["questions"][0]["shares"][0]["proof"].update(c="AA" * 32),
            "option 0 \\(yes\\): proof.c: expected 64 lowercase hex",
        ),
    ],
)
def test_malformed_decryption(mutate: Any, match: str) -> None:
    msg = copy.deepcopy(_message(2))
    mutate(msg)
    _decryption_fails(_resign(msg, TRUSTEE_KEYS[1]), match)


# --- combining -------------------------------------------------------------------------


def test_full_tally_decrypts_to_the_plaintext_counts() -> None:
    results = _results()
    assert results.trustees == (1, 2, 3)
    assert results.quorums == ((1, 2, 3),)
    assert results.rejected == ()
    assert results.counts == _expected_counts()
    assert results.counted == {"north": 3, "south": 2, "east": 2, "west": 0}
    assert results.eligible == _eligible()
    assert results.counts["west"] == {"status": (0, 0, 0)}
    assert results.decrypted_by(M) == ["decrypted by trustees 1, 2, 3"]


def test_bad_share_is_left_out_and_the_count_goes_on() -> None:
    msg = copy.deepcopy(_message(2))
    _regions(msg)[0]["questions"][0]["shares"][0]["share"] = G.generator.to_bytes().hex()
    valid: dict[int, DecryptionShares] = {}
    rejected: list[tuple[int, str]] = []
    for i in range(1, 6):
        payload = _resign(msg, TRUSTEE_KEYS[1]) if i == 2 else _message(i)
        try:
            valid[i] = check_decryption(M, PUBLIC, _tallies(), payload, WHERE)
        except TallyError as exc:
            rejected.append((i, str(exc)))
    assert [i for i, _ in rejected] == [2]
    results = combine(M, _tallies(), valid, rejected, _eligible())
    assert results.trustees == (1, 3, 4)
    assert results.rejected == tuple(rejected)
    assert results.counts == _expected_counts()


def test_fewer_than_the_threshold_valid_shares() -> None:
    valid = {1: _shares(1), 3: _shares(3)}
    with pytest.raises(TallyError) as info:
        combine(M, _tallies(), valid, [(2, "bad"), (4, "bad"), (5, "bad")], _eligible())
    assert str(info.value) == (
        "the valid decryptions (trustees 1, 3) do not meet the policy:"
        " at least 3 of trustees (trustees 1, 2, 3, 4, 5) has 2 (trustees 1, 3)"
    )
    with pytest.raises(TallyError, match=r"decryptions \(none\) do not .* has 0$"):
        combine(M, _tallies(), {}, [], _eligible())
    with pytest.raises(
        TallyError, match=r"decryptions \(trustee 4\) do not .* has 1 \(trustee 4\)"
    ):
        combine(M, _tallies(), {4: _shares(4)}, [], _eligible())


@settings(max_examples=10)
@given(st.sets(st.integers(1, 5), min_size=3))
def test_any_quorum_gives_the_same_results(trustees: set[int]) -> None:
    valid = {i: _shares(i) for i in trustees}
    results = combine(M, _tallies(), valid, [], _eligible())
    assert results.trustees == tuple(sorted(trustees)[:3])
    assert results.quorums == (results.trustees,)
    assert results.counts == _results().counts


def test_a_total_above_the_count_bound_is_an_error() -> None:
    # A tally claiming fewer ballots than its totals hold: no count in [0, counted].
    north = _tallies()[0]
    lying = RegionTally("north", 0, north.totals)
    valid = {i: _shares(i) for i in (1, 2, 3)}
    with pytest.raises(
        TallyError, match=r"region north question status option 1 \(no\): .*\[0, 0\]"
    ):
        combine(M, [lying], valid, [], _eligible())


def test_missing_share_in_combine() -> None:
    partial = DecryptionShares(3, {}, BOARD)
    valid = {1: _shares(1), 2: _shares(2), 3: partial}
    with pytest.raises(
        TallyError,
        match="status option 0 \\(yes\\): trustee 3 gave no decryption share for clause 1",
    ):
        combine(M, _tallies(), valid, [], _eligible())


def test_combine_needs_eligible_for_every_region() -> None:
    with pytest.raises(ValueError, match="no eligible count given for region south"):
        combine(M, _tallies(), {i: _shares(i) for i in (1, 2, 3)}, [], {"north": 1})


def test_a_wrong_total_decrypts_to_a_wrong_count_not_silently_the_right_one() -> None:
    # Sanity check of the decryption path: one extra encrypted vote moves the count by one.
    north = _tallies()[0]
    extra = encrypt(G, K, 1, G.random_scalar(SeededRandom("extra")))
    totals = dict(north.totals)
    totals["status"] = (totals["status"][0] * extra, *totals["status"][1:])
    bumped = RegionTally("north", 4, totals)
    msgs = {
        i: decryption_message(
            M, i, {1: KEY.shares[i]}, TRUSTEE_KEYS[i - 1], [bumped], SeededRandom(i), board=BOARD
        )
        for i in (2, 4, 5)
    }
    valid = {i: check_decryption(M, PUBLIC, [bumped], m, WHERE) for i, m in msgs.items()}
    results = combine(M, [bumped], valid, [], {"north": 10})
    assert results.counts["north"]["status"][0] == _expected_counts()["north"]["status"][0] + 1


# --- a policy of two clauses -----------------------------------------------------------

#: Trustees 1, 2 are "east", 3 "west", 4, 5 "neutral"; any 3 of all, at least 1 neutral.
GROUPS2 = ("east", "east", "west", "neutral", "neutral")


def _manifest2() -> Manifest:
    value = M.to_json()
    value["id"] = "ballot-test-policy"
    for t, group in zip(value["trustees"], GROUPS2, strict=True):
        t["group"] = group
    value["policy"] = [
        {"at_least": 3, "of": ["east", "west", "neutral"]},
        {"at_least": 1, "of": ["neutral"]},
    ]
    return Manifest.from_json(value)


M2 = _manifest2()


@cache
def _key2() -> tuple[Element, dict[int, dict[int, Scalar]], dict[tuple[int, int], Element]]:
    """K, trustee -> clause -> x_jc and (clause, trustee) -> K_jc: one Shamir sharing
    per clause among its members, as the ceremony's per-clause key generation gives."""
    rng = SeededRandom("two-clauses")
    key = G.identity
    finals: dict[int, dict[int, Scalar]] = {j: {} for j in range(1, 6)}
    public: dict[tuple[int, int], Element] = {}
    for clause in M2.policy.clauses:
        f = Polynomial.random(G, G.random_scalar(rng), clause.threshold - 1, rng)
        commitments = f.commitments(G)
        key = key * commitments[0]
        for j in clause.members:
            finals[j][clause.number] = share_for(f, j)
            public[(clause.number, j)] = public_share(G, j, commitments)
    return key, finals, public


#: (counted, counts) per region of M2, encrypted directly under its key.
COUNTS2: dict[str, tuple[int, dict[str, tuple[int, ...]]]] = {
    "north": (4, {"status": (1, 3)}),
    "south": (2, {"status": (0, 2), "budget": (1, 1, 0, 2)}),
    "east": (3, {"council": (3, 2, 1), "budget": (0, 3, 1, 2)}),
    "west": (0, {"status": (0, 0)}),
}


@cache
def _tallies2() -> tuple[RegionTally, ...]:
    key = _key2()[0]
    rng = SeededRandom("two-clause-totals")
    out = []
    for region, (counted, totals) in COUNTS2.items():
        cts = {
            qid: tuple(
                Ciphertext(G.identity, G.identity)
                if counted == 0
                else encrypt(G, key, m, G.random_scalar(rng))
                for m in ms
            )
            for qid, ms in totals.items()
        }
        out.append(RegionTally(region, counted, cts))
    return tuple(out)


@cache
def _message2(i: int) -> dict[str, Any]:
    return decryption_message(
        M2,
        i,
        _key2()[1][i],
        TRUSTEE_KEYS[i - 1],
        _tallies2(),
        SeededRandom(f"decrypt2-{i}"),
        board=BOARD,
    )


@cache
def _shares2(i: int) -> DecryptionShares:
    return check_decryption(M2, _key2()[2], _tallies2(), _message2(i), WHERE)


def _eligible2() -> dict[str, int]:
    return {"north": 9, "south": 9, "east": 9, "west": 9}


def _counts2() -> dict[str, dict[str, tuple[int, ...]]]:
    out: dict[str, dict[str, tuple[int, ...]]] = {}
    for region, (counted, totals) in COUNTS2.items():
        out[region] = {}
        for qid, ms in totals.items():
            q = M2.question(qid)
            last = (q.min_choices * counted - sum(ms),) if q.exact else ()
            out[region][qid] = (*ms, *last)
    return out


def test_a_member_of_two_clauses_sends_one_object_per_clause() -> None:
    assert [c.number for c in M2.policy.clauses_of(4)] == [1, 2]
    msg = _message2(4)
    assert [c["clause"] for c in msg["clauses"]] == [1, 2]
    assert [c["clause"] for c in _message2(1)["clauses"]] == [1]
    shares = _shares2(4).shares
    assert {c for c, *_ in shares} == {1, 2}
    north = _tallies2()[0].totals["status"][0]
    for c in (1, 2):
        assert shares[(c, "north", "status", 0)] == north.alpha ** _key2()[1][4][c]


def test_a_share_of_one_clause_does_not_pass_for_another() -> None:
    # The proof binds the clause number: clause 1's share and proof under clause 2 fail,
    # even against the right public share, and so does clause 2's share made with x_41.
    msg = copy.deepcopy(_message2(4))
    msg["clauses"][1]["regions"] = msg["clauses"][0]["regions"]
    _decryption_fails(
        _resign(msg, TRUSTEE_KEYS[3], M2),
        r"trustee 4 \(Dana\) clause 2 region north question status option 0 \(yes\): chaum",
        _key2()[2],
        M2,
        _tallies2(),
    )
    finals = _key2()[1][4]
    swapped = {1: finals[1], 2: finals[1]}
    wrong = decryption_message(
        M2, 4, swapped, TRUSTEE_KEYS[3], _tallies2(), SeededRandom(0), board=BOARD
    )
    _decryption_fails(wrong, "trustee 4 .* clause 2 region north", _key2()[2], M2, _tallies2())


def test_the_clauses_come_in_ascending_order() -> None:
    msg = copy.deepcopy(_message2(5))
    msg["clauses"].reverse()
    _decryption_fails(
        _resign(msg, TRUSTEE_KEYS[4], M2),
        r"clauses\[0\] clause: 2 on the board, 1 recomputed",
        _key2()[2],
        M2,
        _tallies2(),
    )


def test_two_clauses_combine_to_the_counts() -> None:
    valid = {i: _shares2(i) for i in range(1, 6)}
    results = combine(M2, _tallies2(), valid, [], _eligible2())
    assert results.quorums == ((1, 2, 3), (4,))
    assert results.trustees == (1, 2, 3, 4)
    assert results.counts == _counts2()
    assert results.decrypted_by(M2) == [
        "decrypted by trustees 1, 2, 3, 4",
        "  clause 1, at least 3 of east, west, neutral (trustees 1, 2, 3, 4, 5): trustees 1, 2, 3",
        "  clause 2, at least 1 of neutral (trustees 4, 5): trustees 4",
    ]
    payload = results_payload(M2, results)
    assert payload["trustees"] == [1, 2, 3, 4]
    assert payload["quorums"] == [[1, 2, 3], [4]]
    check_results_payload(M2, payload, results, WHERE)


@pytest.mark.parametrize(
    ("present", "quorum"),
    [
        ((1, 2, 5), ((1, 2, 5), (5,))),
        ((3, 4, 5), ((3, 4, 5), (4,))),
        ((1, 4, 5), ((1, 4, 5), (4,))),
        ((2, 3, 5), ((2, 3, 5), (5,))),
    ],
)
def test_every_minimal_allowed_set_decrypts(
    present: tuple[int, ...], quorum: tuple[tuple[int, ...], ...]
) -> None:
    results = combine(M2, _tallies2(), {i: _shares2(i) for i in present}, [], _eligible2())
    assert results.quorums == quorum
    assert results.trustees == present
    assert results.counts == _counts2()


def test_a_set_without_a_neutral_is_refused_naming_the_clause() -> None:
    valid = {i: _shares2(i) for i in (1, 2, 3)}
    with pytest.raises(TallyError) as info:
        combine(M2, _tallies2(), valid, [(4, "bad")], _eligible2())
    assert str(info.value) == (
        "the valid decryptions (trustees 1, 2, 3) do not meet the policy:"
        " at least 1 of neutral (trustees 4, 5) has 0"
    )


def test_every_unmet_clause_is_named() -> None:
    valid = {1: _shares2(1)}
    with pytest.raises(TallyError) as info:
        combine(M2, _tallies2(), valid, [], _eligible2())
    assert str(info.value) == (
        "the valid decryptions (trustee 1) do not meet the policy:"
        " at least 3 of east, west, neutral (trustees 1, 2, 3, 4, 5) has 1 (trustee 1);"
        " at least 1 of neutral (trustees 4, 5) has 0"
    )
    assert quorums(M2, [4, 5, 1]) == ((1, 4, 5), (4,))


def test_what_a_forbidden_set_holds_does_not_decrypt() -> None:
    # Trustees 1, 2, 3 meet clause 1 but hold nothing of clause 2's secret: clause 1's
    # part of alpha^x is right, clause 2's is missing, and beta / alpha^(x_1) is no count.
    tally = _tallies2()[0]
    ct = tally.totals["status"][1]
    lambdas = {i: lagrange_coefficient(G, i, (1, 2, 3)) for i in (1, 2, 3)}
    alpha_x1 = G.identity
    for i in (1, 2, 3):
        alpha_x1 = alpha_x1 * _shares2(i).shares[(1, "north", "status", 1)] ** lambdas[i]
    with pytest.raises(DiscreteLogError):
        discrete_log(G, ct.beta / alpha_x1, 10_000)


# --- results payload -------------------------------------------------------------------


def test_results_payload() -> None:
    results = combine(
        M, _tallies(), {i: _shares(i) for i in (2, 3, 5)}, [(1, "late"), (4, "bad")], _eligible()
    )
    payload = results_payload(M, results)
    assert list(payload) == ["trustees", "quorums", "rejected", "regions"]
    assert payload["trustees"] == [2, 3, 5]
    assert payload["quorums"] == [[2, 3, 5]]
    assert payload["rejected"] == [
        {"trustee": 1, "reason": "late"},
        {"trustee": 4, "reason": "bad"},
    ]
    assert [r["region"] for r in payload["regions"]] == ["north", "south", "east", "west"]
    south = payload["regions"][1]
    assert south["eligible"] == 5
    assert south["counted"] == 2
    assert south["questions"] == [
        {"question": "status", "counts": [0, 2, 0]},
        {"question": "budget", "counts": [0, 1, 0, 1]},
    ]
    check_results_payload(M, copy.deepcopy(payload), results, WHERE)
    # Reasons are free text: another implementation may word them differently.
    payload["rejected"][0]["reason"] = "the decryption arrived after the deadline"
    check_results_payload(M, payload, results, WHERE)


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (
            lambda p: p["regions"][1]["questions"][1]["counts"].__setitem__(3, 2),
            r"results region south question budget option 3 \(transit\): count 2 on the board, "
            "1 recomputed",
        ),
        (
            lambda p: p["regions"][0]["questions"][0]["counts"].__setitem__(0, False),
            r"region north question status option 0 \(yes\): count False on the board, 0",
        ),
        (lambda p: p["regions"][2].update(counted=3), "region east counted: 3 on the board, 2"),
        (lambda p: p["regions"][3].update(eligible=0), "region west eligible: 0 on the board, 2"),
        (
            lambda p: p.update(trustees=[1, 2, 4]),
            r"trustees: \[1, 2, 4\] on the board, \[1, 2, 3\]",
        ),
        (lambda p: p.update(quorums=[[1, 2, 4]]), r"quorums: \[\[1, 2, 4\]\] on the board"),
        (
            lambda p: p.update(quorums=[1, 2, 3]),
            r"quorums: \[1, 2, 3\] on the board, \[\[1, 2, 3\]\]",
        ),
        (lambda p: p.update(quorums=[[1, 2, 3], []]), "quorums: .* on the board"),
        (lambda p: p.update(quorums=[[1, True, 3]]), r"quorums: \[\[1, True, 3\]\] on the board"),
        (lambda p: p.pop("quorums"), "results: missing field quorums"),
        (
            lambda p: p["rejected"].append({"trustee": 4, "reason": "x"}),
            "rejected: 1 items, want 0",
        ),
        (lambda p: p["regions"].reverse(), r"regions\[0\] region: 'west' on the board, 'north'"),
        (lambda p: p["regions"][1]["questions"].pop(), "region south questions: 1 items, want 2"),
        (lambda p: p["regions"][1]["questions"][1]["counts"].pop(), "budget counts: 3 items"),
        (lambda p: p.pop("rejected"), "results: missing field rejected"),
        (lambda p: p["regions"][0].update(note="x"), r"regions\[0\]: unknown field note"),
    ],
)
def test_tampered_results_payload(mutate: Any, match: str) -> None:
    payload = results_payload(M, _results())
    mutate(payload)
    with pytest.raises(TallyError, match=match) as info:
        check_results_payload(M, payload, _results(), WHERE)
    assert str(info.value).startswith(WHERE)


def test_rejected_trustee_numbers_are_compared() -> None:
    results = combine(M, _tallies(), {i: _shares(i) for i in (1, 2, 3)}, [(4, "x")], _eligible())
    payload = results_payload(M, results)
    payload["rejected"][0]["trustee"] = 5
    with pytest.raises(TallyError, match=r"rejected\[0\] trustee: 5 on the board, 4"):
        check_results_payload(M, payload, results, WHERE)
    payload["rejected"][0] = {"trustee": 4, "reason": ""}
    with pytest.raises(TallyError, match="reason: want non-empty text"):
        check_results_payload(M, payload, results, WHERE)


def test_expected_counts_fixture_is_consistent() -> None:
    # The plaintext side of the test: re-votes replaced, every region present.
    counts = _expected_counts()
    assert counts["north"]["status"] == (0, 2, 1)
    assert counts["south"] == {"status": (0, 2, 0), "budget": (0, 1, 0, 1)}
    assert counts["west"] == {"status": (0, 0, 0)}


def test_the_verifiers_report_names_who_took_part_per_clause() -> None:
    from referendum.verifier import Report

    results = combine(M2, _tallies2(), {i: _shares2(i) for i in (2, 3, 5)}, [], _eligible2())
    report = Report("ballot-test-policy", M2.fingerprint.hex(), results=results, manifest=M2)
    out = report.to_json()
    assert out["results"]["quorums"] == [[2, 3, 5], [5]]
    assert out["decrypted_by"] == {
        "trustees": [2, 3, 5],
        "clauses": [
            {
                "clause": 1,
                "at_least": 3,
                "of": ["east", "west", "neutral"],
                "members": [1, 2, 3, 4, 5],
                "trustees": [2, 3, 5],
            },
            {"clause": 2, "at_least": 1, "of": ["neutral"], "members": [4, 5], "trustees": [5]},
        ],
    }
    assert Report("x", "y").to_json()["decrypted_by"] is None
