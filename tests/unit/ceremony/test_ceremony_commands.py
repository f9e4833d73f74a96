"""What the CLI's `trustee confirm` and `trustee status` rely on: an unanswered complaint
blocks every confirm until its dealer reveals (docs/protocol.md sections 11.5 to 11.7)."""

from __future__ import annotations

import pytest
from ceremony_fixtures import start

from referendum.ceremony import KIND_REVEAL, CeremonyError


def test_an_unanswered_complaint_holds_the_ceremony_in_phase_reveal() -> None:
    run = start(3, 2, seed="cli-rules")
    run.commit_all()
    run.share_all(bad={1: [2]})  # trustee 1 deals trustee 2 a bad share
    run.check_all()
    board = run.board
    assert board.pending_reveals() == [(1, 2)]
    assert (board.phase(), board.waiting_for()) == ("reveal", [1])  # status names the dealer
    with pytest.raises(ValueError, match="trustee 2's complaint against trustee 1 is not"):
        run.states[3].confirm_message(run.manifest, board, run.rng)  # no --force can help
    with pytest.raises(CeremonyError, match="QUAL is not decided yet"):
        board.qualification()
    with pytest.raises(CeremonyError, match="fixed at the first confirm"):
        _ = board.qualified
    for message in run.states[1].reveal_messages(run.manifest, board):
        run.post(KIND_REVEAL, message)
    assert board.pending_reveals() == [] and board.phase() == "confirm"
    assert board.qualification().qualified == (1, 2, 3)
    assert board.refuted() == {2: [1]}  # answered with a good share: status may report it
    run.confirm_all()
    assert board.qualified == (1, 2, 3) and board.disqualified == {}
