"""Whole ceremonies on the board: honest runs, the absent, complaints, QUAL and failure.

docs/protocol.md section 11. The acceptance rules of each message are in
test_ceremony_rules.py, the deadline closes in test_ceremony_close.py.
"""

from __future__ import annotations

from itertools import combinations

import pytest
from ceremony_fixtures import G, Run, honest, sides, start

from referendum.ceremony import (
    KIND_COMMITMENT,
    KIND_REVEAL,
    KIND_SHARES,
    CeremonyError,
    TrusteeState,
    qualify,
)
from referendum.errors import VerificationError
from referendum.group import RISTRETTO255 as GROUP
from referendum.group import Scalar
from referendum.sharing import interpolate_at_zero, joint_public_key


def secret_of(run: Run, c: int, trustees: tuple[int, ...]) -> Scalar:
    """Clause c's secret, interpolated from the final shares of trustees."""
    return interpolate_at_zero(GROUP, {j: run.states[j].final_shares[c] for j in trustees})


def dealt_secret(run: Run, i: int, c: int) -> Scalar:
    """Dealer i's clause c secret a_ic0, read from its state file form."""
    entry = next(e for e in run.states[i].to_json()["clauses"] if e["clause"] == c)
    return GROUP.scalar(bytes.fromhex(entry["coefficients"][0]))


# --- honest ceremonies ----------------------------------------------------------------------


def test_honest_five_of_three() -> None:
    run = start(5, 3)
    board = run.board
    assert (board.phase(), board.waiting_for()) == ("commit", [1, 2, 3, 4, 5])
    run.commit_all()
    assert (board.phase(), board.waiting_for()) == ("share", [1, 2, 3, 4, 5])
    run.share_all()
    assert (board.phase(), board.waiting_for()) == ("check", [1, 2, 3, 4, 5])
    run.check_all()
    assert board.pending_reveals() == [] and board.closed("reveal")
    assert (board.phase(), board.waiting_for()) == ("confirm", [1, 2, 3, 4, 5])
    run.confirm_all()
    assert board.phase() == "complete" and board.waiting_for() == []
    assert board.complete and board.accepted == 20 and board.closed_by() == {}
    assert board.qualified == {1: (1, 2, 3, 4, 5)} and board.disqualified == {}
    assert board.confirmed == (1, 2, 3, 4, 5)
    secret = secret_of(run, 1, (1, 2, 3))
    assert G**secret == board.public_key == board.joint_key()
    for quorum in combinations(range(1, 6), 3):
        assert secret_of(run, 1, quorum) == secret
    assert G ** secret_of(run, 1, (1, 2)) != board.public_key
    assert board.public_shares == {(1, j): G ** run.states[j].final_shares[1] for j in range(1, 6)}
    commitments = [board.commitments(i, 1) for i in range(1, 6)]
    assert board.public_key == joint_public_key(GROUP, commitments)


def test_a_single_trustee_ceremony() -> None:
    run = honest(1, 1)
    assert run.board.complete
    assert G ** run.states[1].final_shares[1] == run.board.public_key


def test_two_clauses_make_the_key_the_product_of_the_clause_keys() -> None:
    run = sides()
    run.to_the_end()
    board = run.board
    assert board.complete and board.closed_by() == {}
    assert board.qualified == {1: (1, 2, 3, 4, 5, 6), 2: (5, 6)}
    # a neutral holds a share of each clause, a side's trustee of clause 1 only
    assert sorted(run.states[5].final_shares) == [1, 2]
    assert sorted(run.states[1].final_shares) == [1]
    x1 = secret_of(run, 1, (1, 3, 5))
    x2 = secret_of(run, 2, (6,))
    assert G ** (x1 + x2) == board.public_key
    assert x1 == sum((dealt_secret(run, i, 1) for i in range(2, 7)), start=dealt_secret(run, 1, 1))
    # both sides together, without a neutral, hold clause 1 but nothing of clause 2
    assert G ** secret_of(run, 1, (1, 2, 3, 4)) == G**x1
    assert set(board.public_shares) == {(1, j) for j in range(1, 7)} | {(2, 5), (2, 6)}


def test_phase_waits_for_the_slowest_trustee() -> None:
    run = start(3, 2)
    run.post(KIND_COMMITMENT, run.states[1].commitment_message(run.manifest))
    run.post(KIND_SHARES, run.shares(1))  # a dealer may deal before the others commit
    assert (run.board.phase(), run.board.waiting_for()) == ("commit", [2, 3])
    assert not run.board.closed("commitment") and not run.board.closed("shares")


# --- the absent -----------------------------------------------------------------------------


def test_a_trustee_absent_from_every_step_does_not_block_the_ceremony() -> None:
    run = sides(absent=[4])
    board = run.board
    run.commit_all()
    assert (board.phase(), board.waiting_for()) == ("commit", [4])
    run.close("commitment")
    # only the dealers who committed are due in the shares step
    assert (board.phase(), board.waiting_for()) == ("share", [1, 2, 3, 5, 6])
    run.share_all()
    assert (board.phase(), board.waiting_for()) == ("check", [1, 2, 3, 4, 5, 6])
    run.check_all()
    assert (board.phase(), board.waiting_for()) == ("check", [4])
    run.close("check")
    assert board.closed("reveal") and board.phase() == "confirm"
    assert board.disqualified == {(1, 4): "posted no commitment"}
    assert board.qualified == {1: (1, 2, 3, 5, 6), 2: (5, 6)}
    run.confirm_all()
    assert (board.phase(), board.waiting_for()) == ("confirm", [4])
    run.close("confirm")
    assert board.complete and board.closed_by() == {"commitment": 5, "check": 16, "confirm": 22}

    # Later, at the count, the absent trustee computes its shares from the board alone.
    late = TrusteeState.new(run.manifest, run.keys[3], run.rng)
    assert not late.has_final_shares
    finals = late.final_shares_from(run.manifest, board)
    assert finals == late.final_shares and list(finals) == [1]
    assert G ** finals[1] == board.public_shares[(1, 4)]
    # and its share works with the others': any 3 of clause 1 give the same secret
    run.states[4] = late
    assert secret_of(run, 1, (2, 4, 6)) == secret_of(run, 1, (1, 3, 5))


def test_a_trustee_absent_from_one_step_only() -> None:
    run = sides()
    run.commit_all()
    run.share_all()
    for i in (1, 2, 3, 4, 5):  # trustee 6 never checks
        run.post("ceremony.check", run.states[i].check_message(run.manifest, run.board))
    run.close("check")
    run.confirm_all()
    assert run.board.complete
    assert run.board.qualified == {1: (1, 2, 3, 4, 5, 6), 2: (5, 6)}


def test_a_clause_whose_only_member_is_absent_fails_the_ceremony() -> None:
    run = start(
        3,
        2,
        groups=["ukraine", "russia", "neutral"],
        policy=[{"at_least": 2, "of": ["ukraine", "russia"]}, {"at_least": 1, "of": ["neutral"]}],
        absent=[3],
    )
    run.to_the_end()
    board = run.board
    # Known as soon as the commitment step closed: the clause's members did not commit.
    want = (
        "the ceremony failed: clause 2 (at least 1 of neutral (trustees 3)) has 0 committed"
        " dealers, it needs 1; no commitment from trustee 3"
    )
    assert board.failed == want
    assert (board.phase(), board.waiting_for()) == ("failed", [])
    assert not board.complete and board.qualified == {1: (1, 2), 2: ()}
    with pytest.raises(CeremonyError, match="the ceremony failed: clause 2"):
        _ = board.public_shares
    with pytest.raises(CeremonyError, match="not complete: the ceremony failed: clause 2"):
        _ = board.public_key
    with pytest.raises(CeremonyError, match="trustee 1: the ceremony failed: clause 2"):
        run.states[1].confirm_message(run.manifest, board, run.rng)


# --- complaints, reveals and QUAL -----------------------------------------------------------


def with_bad_share(bad: dict[int, list[tuple[int, int]]], absent: tuple[int, ...] = ()) -> Run:
    """The sides ceremony with the given bad shares; every present trustee has checked."""
    run = sides(absent=absent)
    run.commit_all()
    run.close_if_open("commitment")
    run.share_all(bad=bad)
    run.check_all()
    run.close_if_open("check")
    return run


def test_bad_share_draws_a_complaint_and_a_good_reveal_keeps_the_dealer() -> None:
    run = with_bad_share({5: [(2, 6)]})
    board = run.board
    assert board.complaints_by(6) == {(2, 5): "the share does not match the dealer's commitments"}
    assert board.pending_reveals() == [(2, 5, 6)]
    assert (board.phase(), board.waiting_for()) == ("reveal", [5])
    with pytest.raises(CeremonyError, match=r"QUAL is not decided yet: phase reveal, waiting for"):
        board.qualification()
    run.reveal_all()
    assert board.revealed(2, 5, 6) is not None and board.refuted() == {6: [(2, 5)]}
    run.confirm_all()
    assert board.complete and board.qualified == {1: (1, 2, 3, 4, 5, 6), 2: (5, 6)}
    assert G ** run.states[6].final_shares[2] == board.public_shares[(2, 6)]


def test_a_dealer_that_never_answers_is_named_after_the_reveal_close() -> None:
    run = with_bad_share({1: [(1, 3)]})
    board = run.board
    run.reveal_all(skip=[1])
    assert (board.phase(), board.waiting_for()) == ("reveal", [1])
    with pytest.raises(
        ValueError, match="not time to confirm yet: waiting for reveals from trustees 1"
    ):
        run.states[2].confirm_message(run.manifest, board, run.rng)
    run.close("reveal")
    assert board.closed_by() == {"reveal": run.entries - 1}
    assert board.disqualified == {(1, 1): "did not answer trustee 3's complaint"}
    assert board.qualified == {1: (2, 3, 4, 5, 6), 2: (5, 6)}
    run.confirm_all()  # the cheat confirms too: it holds shares of QUAL's dealers
    assert board.complete
    assert G ** secret_of(run, 1, (1, 2, 3)) * G ** secret_of(run, 2, (5,)) == board.public_key
    with pytest.raises(CeremonyError, match="the reveal step is closed"):
        board.add(KIND_REVEAL, run.states[1].reveal_messages(run.manifest, board)[0], "late")


def test_a_silent_cheat_fails_the_ceremony_when_its_clause_falls_short() -> None:
    run = start(
        5,
        2,
        groups=["ukraine", "russia", "neutral", "neutral", "neutral"],
        policy=[{"at_least": 2, "of": ["ukraine", "russia"]}, {"at_least": 3, "of": ["neutral"]}],
    )
    run.commit_all()
    run.share_all(bad={4: [(2, 5)]})
    run.check_all()
    run.close("reveal")
    assert run.board.failed == (
        "the ceremony failed: clause 2 (at least 3 of neutral (trustees 3, 4, 5)) has 2"
        " qualified dealers [3, 5], it needs 3; out: trustee 4: did not answer trustee 5's"
        " complaint"
    )
    assert run.board.phase() == "failed" and not run.board.complete
    assert run.board.qualified == {1: (1, 2), 2: (3, 5)}


def test_invalid_reveal_disqualifies() -> None:
    run = with_bad_share({2: [(1, 4)]})
    run.post(KIND_REVEAL, run.bad_reveal(2, 1, 4))
    board = run.board
    assert board.closed("reveal") and board.refuted() == {}
    assert board.disqualified == {
        (1, 2): "its revealed share for trustee 4 does not match its commitments"
    }
    run.confirm_all()
    assert board.complete and board.qualified[1] == (1, 3, 4, 5, 6)


def test_qualify_names_every_missing_step() -> None:
    run = sides()
    run.commit_all()
    commitments = {
        i: {c: run.board.commitments(i, c) for c in (1, 2) if i in (5, 6) or c == 1}
        for i in (1, 2, 3, 5, 6)
    }  # trustee 4 did not commit
    clauses = run.manifest.policy.clauses
    q = qualify(GROUP, clauses, commitments, {1, 2, 3, 6}, {2: {(1, 3)}}, {})
    assert q.qualified == {1: (1, 2, 6), 2: (6,)}
    assert q.disqualified == {
        (1, 3): "did not answer trustee 2's complaint",
        (1, 4): "posted no commitment",
        (1, 5): "posted no shares",
        (2, 5): "posted no shares",
    }
    assert q.failures(clauses) == []
    assert qualify(GROUP, clauses, commitments, {1}, {}, {}).failures(clauses) == [
        "clause 1 (at least 3 of ukraine, russia, neutral (trustees 1, 2, 3, 4, 5, 6)) has 1"
        " qualified dealers [1], it needs 3; out: trustee 2: posted no shares; trustee 3:"
        " posted no shares; trustee 4: posted no commitment; trustee 5: posted no shares;"
        " trustee 6: posted no shares",
        "clause 2 (at least 1 of neutral (trustees 5, 6)) has 0 qualified dealers [], it"
        " needs 1; out: trustee 5: posted no shares; trustee 6: posted no shares",
    ]


def test_accessors_before_qual_is_decided() -> None:
    run = sides()
    run.commit_all()
    board = run.board
    for read in ("qualified", "disqualified", "public_shares", "public_key"):
        with pytest.raises(CeremonyError, match="phase share, waiting for trustees 1, 2, 3"):
            getattr(board, read)
    assert board.failed is None and not board.complete
    with pytest.raises(KeyError, match="no clause 2 commitment from trustee 1"):
        board.commitments(1, 2)


def test_ceremony_error_is_a_verification_error() -> None:
    assert issubclass(CeremonyError, VerificationError)
    assert CeremonyError("x", trustee=3).trustee == 3


def test_a_dealer_that_commits_then_vanishes_is_out_after_the_shares_close() -> None:
    run = sides()
    run.commit_all()
    for i in (1, 2, 3, 4, 5):  # trustee 6 never deals nor checks
        run.post(KIND_SHARES, run.shares(i))
    assert (run.board.phase(), run.board.waiting_for()) == ("share", [6])
    run.close("shares")
    run.absent = frozenset({6})
    run.check_all()
    run.close("check")
    assert run.board.disqualified == {(1, 6): "posted no shares", (2, 6): "posted no shares"}
    run.confirm_all()
    run.close("confirm")
    assert run.board.complete and run.board.qualified == {1: (1, 2, 3, 4, 5), 2: (5,)}
    assert run.board.closed_by() == {"shares": 11, "check": 17, "confirm": 23}
    # trustee 6 still holds shares of QUAL's dealers, from the board
    finals = run.states[6].final_shares_from(run.manifest, run.board)
    assert G ** finals[2] == run.board.public_shares[(2, 6)]


def test_a_clause_that_can_no_longer_be_met_fails_when_the_commitment_step_closes() -> None:
    run = start(
        3,
        2,
        groups=["ukraine", "russia", "neutral"],
        policy=[{"at_least": 2, "of": ["ukraine", "russia"]}, {"at_least": 1, "of": ["neutral"]}],
        absent=[3],
    )
    run.commit_all()
    assert run.board.failed is None and run.board.phase() == "commit"
    run.close("commitment")
    assert run.board.phase() == "failed"
    assert run.board.failed is not None and "no commitment from trustee 3" in run.board.failed
