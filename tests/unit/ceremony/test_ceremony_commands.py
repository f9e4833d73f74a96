"""What `referendum trustee confirm` and `trustee status` make of an unanswered complaint."""

from __future__ import annotations

from ceremony_fixtures import start

from referendum.ceremony import KIND_CONFIRM
from referendum.commands import _qual_fixed


def test_confirm_waits_for_reveals_only_until_the_first_confirm() -> None:
    run = start(3, 2, seed="cli-rules")
    run.commit_all()
    run.share_all(bad={1: [2]})  # trustee 1 deals trustee 2 a bad share
    run.check_all()
    assert run.board.pending_reveals() == [(1, 2)]
    assert not _qual_fixed(run.board)  # the CLI refuses to confirm without --force here
    run.post(KIND_CONFIRM, run.states[3].confirm_message(run.manifest, run.board, run.rng))
    assert _qual_fixed(run.board)  # reveals are closed now: waiting would be pointless
    assert run.board.qualified == (2, 3)
    assert 1 in run.board.disqualified
