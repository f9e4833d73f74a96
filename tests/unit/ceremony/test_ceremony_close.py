"""ceremony.close: a step ends at its deadline only on the witnesses' word (section 11.7).

The sides ceremony with trustee 4 absent: every other trustee has committed, so the
commitment step waits for trustee 4 until a close. The close is refused unless its
checkpoint is this board right before the close, signed by the board key, and co-signed
by at least witness_quorum (2 of 3) of the manifest's witnesses at or after the deadline.
"""

from __future__ import annotations

import pytest
from ceremony_fixtures import (
    BOARD,
    DEADLINES,
    WITNESSES,
    Run,
    assert_close_rejected,
    deadline,
    make_keys,
    make_manifest,
    sides,
)

from referendum.board.keys import BOARD_KEY, WITNESS_KEY, SigningKey
from referendum.board.merkle import CompactRange
from referendum.ceremony import KIND_CLOSE, CeremonyBoard, CeremonyError
from referendum.group import SeededRandom

D = deadline("commitment")


def waiting() -> Run:
    run = sides(absent=[4])
    run.commit_all()
    assert run.board.waiting_for() == [4]
    return run


def test_a_close_at_the_deadline_exactly_is_accepted() -> None:
    run = waiting()
    run.close("commitment", at=D)
    assert run.board.closed("commitment") and run.board.closed_by() == {"commitment": 5}
    assert run.board.phase() == "share" and run.board.accepted == 6


def test_a_close_one_second_early_is_refused() -> None:
    run = waiting()
    payload = run.close_payload("commitment", at=D - 1)
    assert_close_rejected(
        run,
        payload,
        "of the commitment step: before its deadline 2027-02-24T06:00:00Z: 0 of the 2"
        " witnesses it needs co-signed at or after it \\(none\\); before it: witness-1 at"
        " 2027-02-24T05:59:59Z, witness-2 at 2027-02-24T05:59:59Z, witness-3 at"
        " 2027-02-24T05:59:59Z",
    )
    assert not run.board.closed("commitment")


def test_one_late_witness_is_not_a_quorum() -> None:
    run = waiting()
    mixed = run.close_payload("commitment", times=[D + 3600, D - 1, D - 1])
    assert_close_rejected(run, mixed, "1 of the 2 witnesses it needs .*\\(witness-1 at")
    run.post(KIND_CLOSE, run.close_payload("commitment", times=[D + 3600, D - 1, D]))
    assert run.board.closed("commitment")


def test_too_few_witnesses() -> None:
    run = waiting()
    one = run.close_payload("commitment", witnesses=WITNESSES[:1])
    assert_close_rejected(run, one, "1 of the 2 witnesses it needs")
    stranger = SigningKey.generate("witness-9", WITNESS_KEY, SeededRandom("stranger"))
    # a key the manifest does not name counts for nothing, even under a witness's name
    impostor = SigningKey.generate("witness-2", WITNESS_KEY, SeededRandom("impostor"))
    for extra in (stranger, impostor):
        payload = run.close_payload("commitment", witnesses=[WITNESSES[0], extra])
        assert_close_rejected(run, payload, "1 of the 2 witnesses it needs")
    run.post(KIND_CLOSE, run.close_payload("commitment", witnesses=WITNESSES[1:]))


def test_a_checkpoint_of_another_size_root_or_origin() -> None:
    run = waiting()
    for change in (
        {"size": run.entries - 1},
        {"size": run.entries + 1},
        {"root": bytes(32)},
        {"origin": "another-board"},
    ):
        payload = run.close_payload("commitment", **change)  # type: ignore[arg-type]
        assert_close_rejected(
            run, payload, "checkpoint: it states .* this close needs ref-2027 at size 5"
        )
    # the root of the board one entry earlier, at the right size
    earlier = sides(absent=[4])
    for kind, message in run.posted[:-1]:
        earlier.post(kind, message)
    payload = run.close_payload("commitment", root=earlier.tree.root())
    assert_close_rejected(run, payload, "checkpoint: it states ref-2027 at size 5")


def test_a_checkpoint_text_that_is_not_canonical() -> None:
    run = waiting()
    text = run.close_payload("commitment")["checkpoint"]
    for changed in (text + "\n", text.replace("\n\n", "\n"), text.replace("— ", "—  ", 1)):
        payload = {"step": "commitment", "checkpoint": changed}
        assert_close_rejected(run, payload, "of the commitment step: checkpoint: ")
    assert_close_rejected(
        run, {"step": "commitment", "checkpoint": text.encode()}, "want the signed checkpoint text"
    )


def test_a_board_signature_by_another_key() -> None:
    run = waiting()
    other = SigningKey.generate(BOARD.name, BOARD_KEY, SeededRandom("another board"))
    payload = run.close_payload("commitment", board_key=other)
    assert_close_rejected(run, payload, "checkpoint: .*no signature by key board")
    # a board line signed by a witness key in its place is no board signature either
    payload = run.close_payload("commitment", board_key=WITNESSES[0], witnesses=WITNESSES[1:])
    assert_close_rejected(run, payload, "checkpoint: ")


def test_a_step_already_closed_or_whose_previous_step_is_open() -> None:
    run = waiting()
    assert_close_rejected(
        run, run.close_payload("shares"), "of the shares step: the commitment step has not closed"
    )
    run.close("commitment")
    assert_close_rejected(
        run,
        run.close_payload("commitment"),
        "of the commitment step: the step is already closed \\(closed by board entry 5",
    )
    run.share_all()  # the shares step closes by itself: every committed dealer dealt
    assert_close_rejected(
        run, run.close_payload("shares"), "already closed \\(everyone due has posted\\)"
    )
    assert_close_rejected(
        run, run.close_payload("reveal"), "of the reveal step: the check step has not closed"
    )


def test_a_manifest_without_deadlines_or_witnesses() -> None:
    keys = make_keys(3)
    untimed = CeremonyBoard(make_manifest(keys, 2, witnesses=WITNESSES))
    run = waiting()
    payload = run.close_payload("commitment")
    with pytest.raises(CeremonyError, match="the manifest sets no ceremony deadlines"):
        untimed.close(payload, "board entry 0", size=0, root=run.tree.root())
    unwitnessed = make_manifest(keys, 2, deadlines=DEADLINES)
    assert unwitnessed.witness_quorum == 0
    empty = CompactRange().root()
    payload = run.close_payload("commitment", size=0, root=empty)  # an empty board's
    with pytest.raises(CeremonyError, match="the manifest names no witness, so no step closes"):
        CeremonyBoard(unwitnessed).close(payload, "board entry 0", size=0, root=empty)


def test_close_payload_shapes() -> None:
    run = waiting()
    good = run.close_payload("commitment")
    for payload, match in [
        ([good], "want an object with exactly checkpoint and step"),
        ({**good, "note": "x"}, "want an object with exactly checkpoint and step"),
        ({"step": "commitment"}, "want an object with exactly checkpoint and step"),
        ({**good, "step": "tally"}, "step 'tally' is not one of commitment, shares"),
    ]:
        assert_close_rejected(run, payload, match)


def test_a_restored_board_re_applies_its_own_closes_without_roots() -> None:
    run = waiting()
    run.close("commitment")
    again = CeremonyBoard(run.manifest)
    for t, (kind, payload) in enumerate(run.posted):
        if kind == KIND_CLOSE:
            again.close(payload, f"entry {t}", size=t, root=None)
        else:
            again.add(kind, payload, f"entry {t}")
    assert again.closed_by() == {"commitment": 5} and again.phase() == "share"
