"""What the CLI's `trustee confirm`, `trustee status` and `ceremony close` rely on: an
unanswered complaint holds the ceremony in phase reveal, naming the dealer, until its
dealer reveals or the reveal step closes at its deadline (docs/protocol.md 11.5 to 11.7)."""

from __future__ import annotations

import pytest
from ceremony_fixtures import sides

from referendum.ceremony import KIND_CHECK, KIND_CONFIRM, KIND_REVEAL, CeremonyError, TrusteeState
from referendum.ceremony.board import unanswered_text


def test_an_unanswered_complaint_holds_the_ceremony_in_phase_reveal() -> None:
    run = sides(seed="cli-rules")
    run.commit_all()
    run.share_all(bad={1: [(1, 2)]})  # trustee 1 deals trustee 2 a bad share
    run.check_all()
    board = run.board
    assert board.pending_reveals() == [(1, 1, 2)]
    assert (board.phase(), board.waiting_for()) == ("reveal", [1])  # status names the dealer
    assert unanswered_text(board.pending_reveals()) == (
        "trustee 2's complaint against trustee 1 (clause 1) is not answered yet"
    )
    with pytest.raises(ValueError, match="waiting for reveals from trustees 1"):
        run.states[3].confirm_message(run.manifest, board, run.rng)
    with pytest.raises(CeremonyError, match="QUAL is not decided yet: phase reveal"):
        board.qualification()
    for message in run.states[1].reveal_messages(run.manifest, board):
        run.post(KIND_REVEAL, message)
    assert board.pending_reveals() == [] and board.phase() == "confirm"
    assert board.refuted() == {2: [(1, 1)]}  # answered with a good share: status may report it
    run.confirm_all()
    assert board.qualified == {1: (1, 2, 3, 4, 5, 6), 2: (5, 6)} and board.disqualified == {}


def test_the_next_step_to_close_is_the_first_open_one() -> None:
    run = sides(absent=[4])
    run.commit_all()
    open_steps = [s for s in ("commitment", "shares", "check") if not run.board.closed(s)]
    assert open_steps == ["commitment", "shares", "check"]
    run.close("commitment")
    run.share_all()
    assert run.board.closed("shares") and not run.board.closed("check")


def test_unanswered_text_names_every_complaint() -> None:
    assert unanswered_text([(1, 3, 2), (2, 5, 6)]) == (
        "trustee 2's complaint against trustee 3 (clause 1) and trustee 6's complaint"
        " against trustee 5 (clause 2) are not answered yet"
    )


def test_a_trustee_that_missed_the_commitment_step_checks_and_confirms_from_a_fresh_state() -> None:
    """`trustee check` and `trustee confirm` without a state file: the shares dealt to
    the latecomer are on the board, sealed to it; it checks them and confirms the key."""
    run = sides(seed="late", absent=[4])
    run.commit_all()
    run.close("commitment")
    run.share_all()
    run.check_all()
    late = TrusteeState.new(run.manifest, run.keys[3])
    assert run.board.waiting_for() == [4]
    run.post(KIND_CHECK, late.check_message(run.manifest, run.board))
    assert run.board.closed("check")  # it was the one the step waited for
    run.reveal_all()
    run.confirm_all()
    assert run.board.waiting_for() == [4]
    message = late.confirm_message(run.manifest, run.board, run.rng)
    run.post(KIND_CONFIRM, message)
    assert run.board.phase() == "complete" and 4 not in run.board.qualified[1]
    assert message["public_key"] == run.board.public_key.to_bytes().hex()


def test_a_fresh_state_cannot_check_with_a_corrupted_share_unnoticed() -> None:
    run = sides(seed="late-bad", absent=[4])
    run.commit_all()
    run.close("commitment")
    run.share_all(bad={1: [(1, 4)]})  # trustee 1 deals the latecomer a bad share
    run.check_all()
    late = TrusteeState.new(run.manifest, run.keys[3])
    message = late.check_message(run.manifest, run.board)
    assert [c["against"] for c in message["complaints"]] == [1]
