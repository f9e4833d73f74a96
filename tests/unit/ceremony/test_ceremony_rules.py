"""Every acceptance rule of a signed ceremony message (docs/protocol.md section 11.7).

Each rule has a tampered message, re-signed by its trustee so that only the rule can
refuse it; the board refuses it with a CeremonyError naming the rule and stays unchanged.
The sides ceremony: clause 1 is 3 of trustees 1-6, clause 2 is 1 of trustees 5 and 6.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from ceremony_fixtures import Run, assert_rejected, sides, start

from referendum.ceremony import (
    KIND_CHECK,
    KIND_CLOSE,
    KIND_COMMITMENT,
    KIND_CONFIRM,
    KIND_REVEAL,
    KIND_SHARES,
    CeremonyBoard,
)
from referendum.group import RISTRETTO255 as GROUP
from referendum.group import Scalar
from referendum.proofs import ProofContext, prove_schnorr

G = GROUP.generator


def resigned(run: Run, i: int, kind: str, message: dict[str, Any], change: Any) -> dict[str, Any]:
    """message with change applied to a copy, signed again by trustee i."""
    body = copy.deepcopy(message)
    change(body)
    return run.sign(i, kind, body)


def secret(run: Run, i: int, c: int) -> Scalar:
    entry = next(e for e in run.states[i].to_json()["clauses"] if e["clause"] == c)
    return GROUP.scalar(bytes.fromhex(entry["coefficients"][0]))


def committed() -> Run:
    run = sides()
    run.commit_all()
    return run


def dealt() -> Run:
    run = committed()
    run.share_all()
    return run


def checked(bad: dict[int, list[tuple[int, int]]] | None = None) -> Run:
    run = committed()
    run.share_all(bad=bad)
    run.check_all()
    return run


# --- every message --------------------------------------------------------------------------


def test_envelope_rules() -> None:
    run = sides()
    board = run.board
    good = run.states[5].commitment_message(run.manifest)
    assert_rejected(board, "ceremony.other", good, "'ceremony.other' is not a signed ceremony")
    assert_rejected(board, KIND_CLOSE, good, "not a signed ceremony message kind")
    assert_rejected(board, KIND_COMMITMENT, [good], "want an object, got list")
    no_trustee = {k: v for k, v in good.items() if k != "trustee"}
    assert_rejected(board, KIND_COMMITMENT, no_trustee, "missing trustee")
    for trustee in (0, 7, True, "5"):
        assert_rejected(board, KIND_COMMITMENT, {**good, "trustee": trustee}, "trustee")
    missing = resigned(run, 5, KIND_COMMITMENT, good, lambda b: b.pop("clauses"))
    assert_rejected(board, KIND_COMMITMENT, missing, "of trustee 5: missing clauses")
    extra = resigned(run, 5, KIND_COMMITMENT, good, lambda b: b.update(note="x"))
    assert_rejected(board, KIND_COMMITMENT, extra, "unknown field note")
    # signed by trustee 6 but claiming to be trustee 5's, or signed as another kind
    forged = run.sign(6, KIND_COMMITMENT, good)
    assert_rejected(board, KIND_COMMITMENT, forged, "of trustee 5: .*signature")
    other_kind = run.sign(5, KIND_SHARES, good)
    assert_rejected(board, KIND_COMMITMENT, other_kind, "signature")


# --- ceremony.commitment --------------------------------------------------------------------


def test_commitment_rules() -> None:
    run = sides()
    board = run.board
    good = run.states[5].commitment_message(run.manifest)  # trustee 5 is in both clauses
    assert [e["clause"] for e in good["clauses"]] == [1, 2]
    assert [len(e["commitments"]) for e in good["clauses"]] == [3, 1]

    def bad(change: Any, match: str) -> None:
        assert_rejected(
            board, KIND_COMMITMENT, resigned(run, 5, KIND_COMMITMENT, good, change), match
        )

    bad(lambda b: b["clauses"].pop(), r"clauses: want 2 \(one per clause of the trustee\), got 1")
    bad(lambda b: b["clauses"].reverse(), r"clauses\[0\].clause: want 1 \(the trustee's clauses")
    bad(lambda b: b["clauses"][1].update(clause=3), r"clauses\[1\].clause: 3 is not")
    bad(lambda b: b.update(clauses={}), "clauses: want a list")
    bad(lambda b: b["clauses"][0].pop("proof"), r"clauses\[0\]: missing proof")
    # a commitment count other than the clause's threshold
    bad(
        lambda b: b["clauses"][0]["commitments"].pop(),
        r"clauses\[0\].commitments: want 3 \(the clause's threshold\), got 2",
    )
    bad(
        lambda b: b["clauses"][1]["commitments"].append(b["clauses"][0]["commitments"][1]),
        r"clauses\[1\].commitments: want 1 \(the clause's threshold\), got 2",
    )
    bad(
        lambda b: b["clauses"][0]["commitments"].__setitem__(1, "00" * 32),
        r"clauses\[0\].commitments\[1\] is the identity",
    )
    bad(
        lambda b: b["clauses"][0]["commitments"].__setitem__(2, "ff" * 32),
        r"clauses\[0\].commitments\[2\]",
    )
    # the proofs of the two clauses swapped: each is bound to the other clause's secret
    bad(
        lambda b: b["clauses"][0].update(proof=good["clauses"][1]["proof"]),
        r"clauses\[0\].proof",
    )
    # a proof of clause 1's own secret, but bound to [5, 2]: made for another clause
    ctx = ProofContext(GROUP, run.manifest.fingerprint)
    other = prove_schnorr(ctx, secret(run, 5, 1), bound_to=[5, 2], rng=run.rng).to_json()
    bad(lambda b: b["clauses"][0].update(proof=other), r"clauses\[0\].proof")
    # ... which is the proof a commitment bound to [5, 1] carries
    right = prove_schnorr(ctx, secret(run, 5, 1), bound_to=[5, 1], rng=run.rng).to_json()
    fine = resigned(run, 5, KIND_COMMITMENT, good, lambda b: b["clauses"][0].update(proof=right))
    run.post(KIND_COMMITMENT, fine)
    assert_rejected(board, KIND_COMMITMENT, good, "trustee 5 already posted its commitment")


def test_a_side_trustee_commits_to_its_one_clause_only() -> None:
    run = sides()
    good = run.states[1].commitment_message(run.manifest)
    assert [e["clause"] for e in good["clauses"]] == [1]
    twice = resigned(
        run,
        1,
        KIND_COMMITMENT,
        good,
        lambda b: b["clauses"].append({**b["clauses"][0], "clause": 2}),
    )
    assert_rejected(run.board, KIND_COMMITMENT, twice, "clauses: want 1 .*got 2")
    renamed = resigned(run, 1, KIND_COMMITMENT, good, lambda b: b["clauses"][0].update(clause=2))
    assert_rejected(run.board, KIND_COMMITMENT, renamed, r"clauses\[0\].clause: want 1")


# --- ceremony.shares ------------------------------------------------------------------------


def test_shares_rules() -> None:
    run = sides()
    board = run.board
    run.post(KIND_COMMITMENT, run.states[1].commitment_message(run.manifest))
    run.post(KIND_COMMITMENT, run.states[6].commitment_message(run.manifest))
    early = run.states[5].shares_message(run.manifest, run.rng)
    assert_rejected(board, KIND_SHARES, early, "shares come after the trustee's commitment")
    good = run.shares(6)
    # clause 1 to 1, 2, 3, 4, 5, then clause 2 to 5
    assert [(e["clause"], e["to"]) for e in good["shares"]] == [
        (1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (2, 5)
    ]  # fmt: skip

    def bad(change: Any, match: str) -> None:
        assert_rejected(board, KIND_SHARES, resigned(run, 6, KIND_SHARES, good, change), match)

    def swap(b: dict[str, Any], x: int, y: int) -> None:
        b["shares"][x], b["shares"][y] = b["shares"][y], b["shares"][x]

    bad(lambda b: b["shares"].pop(), r"shares: want 6 \(one per other member")
    bad(lambda b: b.update(shares="x"), "shares: want a list")
    bad(
        lambda b: swap(b, 0, 1),
        r"shares\[0\]: want clause 1 to trustee 1 .*got clause 1 to trustee 2",
    )
    bad(
        lambda b: swap(b, 4, 5),
        r"shares\[4\]: want clause 1 to trustee 5 .*got clause 2 to trustee 5",
    )
    bad(lambda b: b["shares"][5].update(to=6), r"shares\[5\]: want clause 2 to trustee 5")
    bad(lambda b: b["shares"][0].update(to=9), r"shares\[0\].to: 9 is not a trustee number")
    bad(lambda b: b["shares"][0].update(sealed="ab"), r"shares\[0\].sealed: want 160 lowercase hex")
    bad(lambda b: b["shares"][0].pop("sealed"), r"shares\[0\]: missing sealed")
    run.post(KIND_SHARES, good)
    assert_rejected(board, KIND_SHARES, good, "trustee 6 already posted its shares")
    lone = run.shares(1)
    assert [(e["clause"], e["to"]) for e in lone["shares"]] == [(1, j) for j in range(2, 7)]


# --- ceremony.check -------------------------------------------------------------------------


def complaint(c: int, against: int, reason: str = "bad share") -> dict[str, Any]:
    return {"clause": c, "against": against, "reason": reason}


def test_check_rules() -> None:
    run = committed()
    for i in range(1, 6):
        run.post(KIND_SHARES, run.shares(i))
    board = run.board

    def check(j: int, complaints: list[dict[str, Any]]) -> dict[str, Any]:
        return run.sign(j, KIND_CHECK, {"trustee": j, "complaints": complaints})

    assert_rejected(
        board,
        KIND_CHECK,
        check(1, []),
        "checks come after the shares step has closed; waiting for trustee 6",
    )
    run.post(KIND_SHARES, run.shares(6))
    for complaints, match in [
        (
            [complaint(1, 3), complaint(1, 2)],
            r"complaints\[1\]: complaints must be in ascending order",
        ),
        (
            [complaint(2, 6), complaint(1, 6)],
            r"complaints\[1\]: complaints must be in ascending order",
        ),
        ([complaint(1, 2), complaint(1, 2)], r"complaints\[1\]: .*without repeats"),
        ([complaint(1, 5)], r"complaints\[0\].against: a trustee cannot complain against itself"),
        ([complaint(2, 1)], r"complaints\[0\]: trustee 1 dealt no share of clause 2 to trustee 5"),
        ([complaint(3, 1)], r"complaints\[0\].clause: 3 is not"),
        ([complaint(1, 1, "")], r"complaints\[0\].reason: want non-empty text"),
        ([complaint(1, 1, "x" * 201)], r"complaints\[0\].reason: text longer than 200"),
        ([{"clause": 1, "against": 1}], r"complaints\[0\]: missing reason"),
    ]:
        assert_rejected(board, KIND_CHECK, check(5, complaints), match)
    # a complaint of clause 2 between the two neutrals is fine, and a side member's
    # complaint about clause 2 is not: no clause 2 share was dealt to it
    run.post(KIND_CHECK, check(5, [complaint(1, 1), complaint(2, 6)]))
    assert board.complaints_by(5) == {(1, 1): "bad share", (2, 6): "bad share"}
    assert_rejected(
        board,
        KIND_CHECK,
        check(2, [complaint(2, 5)]),
        "trustee 5 dealt no share of clause 2 to trustee 2",
    )
    assert_rejected(board, KIND_CHECK, check(5, []), "trustee 5 already posted its check")


def test_a_complaint_against_a_dealer_that_did_not_deal() -> None:
    run = sides(absent=[4])
    run.commit_all()
    run.close("commitment")
    run.share_all()
    body = {"trustee": 1, "complaints": [complaint(1, 4)]}
    assert_rejected(
        run.board,
        KIND_CHECK,
        run.sign(1, KIND_CHECK, body),
        "trustee 4 dealt no share of clause 1 to trustee 1",
    )


# --- ceremony.reveal ------------------------------------------------------------------------


def test_reveal_rules() -> None:
    run = checked(bad={2: [(1, 4)]})
    board = run.board
    assert board.pending_reveals() == [(1, 2, 4)]
    good = run.states[2].reveal_messages(run.manifest, board)[0]
    assert {k: good[k] for k in ("trustee", "clause", "to")} == {"trustee": 2, "clause": 1, "to": 4}

    def bad(change: Any, match: str) -> None:
        assert_rejected(board, KIND_REVEAL, resigned(run, 2, KIND_REVEAL, good, change), match)

    bad(
        lambda b: b.update(to=3),
        "trustee 3 has no complaint against trustee 2 in clause 1 to answer",
    )
    bad(lambda b: b.update(clause=2), "trustee 4 has no complaint against trustee 2 in clause 2")
    bad(lambda b: b.update(share="ff" * 32), "share")
    bad(lambda b: b.update(clause=0), "clause: 0 is not")
    # a reveal by a trustee nobody complained about
    other = run.bad_reveal(3, 1, 4)
    assert_rejected(
        board, KIND_REVEAL, other, "trustee 4 has no complaint against trustee 3 in clause 1"
    )
    run.post(KIND_REVEAL, good)
    assert_rejected(board, KIND_REVEAL, good, "the reveal step is closed")


def test_a_repeated_reveal_while_the_step_is_open() -> None:
    run = checked(bad={2: [(1, 4), (1, 5)]})
    first = run.states[2].reveal_messages(run.manifest, run.board)[0]
    run.post(KIND_REVEAL, first)
    assert_rejected(
        run.board, KIND_REVEAL, first, "trustee 2 already revealed its clause 1 share for trustee 4"
    )


def test_a_reveal_may_come_before_the_check_step_closes() -> None:
    run = committed()
    run.share_all(bad={2: [(1, 4)]})
    run.post(KIND_CHECK, run.states[4].check_message(run.manifest, run.board))
    run.post(KIND_REVEAL, run.states[2].reveal_messages(run.manifest, run.board)[0])
    assert not run.board.closed("check") and run.board.refuted() == {4: [(1, 2)]}


# --- ceremony.confirm -----------------------------------------------------------------------


def test_confirm_before_the_reveal_step_closed() -> None:
    run = checked(bad={2: [(1, 4)]})
    twin = CeremonyBoard(run.manifest)
    for t, (kind, payload) in enumerate(run.posted):
        twin.add(kind, payload, f"entry {t}")
    twin.add(KIND_REVEAL, run.states[2].reveal_messages(run.manifest, twin)[0], "twin")
    confirm = run.states[1].confirm_message(run.manifest, twin, run.rng)
    assert_rejected(
        run.board,
        KIND_CONFIRM,
        confirm,
        "confirms come after the reveal step has closed; phase reveal, waiting for trustee 2",
    )


def test_confirm_rules() -> None:
    run = checked()
    board = run.board
    good = run.states[5].confirm_message(run.manifest, board, run.rng)
    assert [e["clause"] for e in good["clauses"]] == [1, 2]

    def bad(change: Any, match: str) -> None:
        assert_rejected(board, KIND_CONFIRM, resigned(run, 5, KIND_CONFIRM, good, change), match)

    bad(
        lambda b: b.update(public_key=G.to_bytes().hex()),
        "public_key is not the product of every clause's QUAL C_ic0",
    )
    bad(lambda b: b.update(public_key="00"), "public_key")
    bad(lambda b: b["clauses"].pop(), r"clauses: want 2 \(one per clause of the trustee\), got 1")
    bad(lambda b: b["clauses"].reverse(), r"clauses\[0\].clause: want 1")
    bad(
        lambda b: b["clauses"][1].update(qualified=[5]),
        r"clauses\[1\].qualified: states \[5\], but QUAL of clause 2 is \[5, 6\]",
    )
    bad(
        lambda b: b["clauses"][0].update(qualified=[6, 5, 4, 3, 2, 1]),
        r"clauses\[0\].qualified: states",
    )
    bad(lambda b: b["clauses"][0].update(qualified="all"), r"clauses\[0\].qualified: want a list")
    bad(
        lambda b: b["clauses"][0].update(public_share=good["clauses"][1]["public_share"]),
        r"clauses\[0\].public_share: not K_5,1 computed from QUAL's commitments",
    )
    bad(lambda b: b["clauses"][1].update(proof=good["clauses"][0]["proof"]), r"clauses\[1\].proof")
    # a proof of x_5,1 bound to [5, 2], as if for the other clause
    ctx = ProofContext(GROUP, run.manifest.fingerprint)
    x = run.states[5].final_shares[1]
    wrong = prove_schnorr(ctx, x, bound_to=[5, 2], rng=run.rng).to_json()
    bad(lambda b: b["clauses"][0].update(proof=wrong), r"clauses\[0\].proof")
    bad(lambda b: b["clauses"][0].pop("qualified"), r"clauses\[0\]: missing qualified")
    run.post(KIND_CONFIRM, good)
    assert_rejected(board, KIND_CONFIRM, good, "trustee 5 already confirmed")


def test_confirm_after_the_ceremony_failed() -> None:
    run = start(2, 2)
    run.commit_all()
    run.share_all(bad={1: [(1, 2)]})
    run.check_all()
    run.post(KIND_REVEAL, run.bad_reveal(1, 1, 2))
    assert run.board.phase() == "failed"
    body = {"trustee": 2, "public_key": G.to_bytes().hex(), "clauses": []}
    assert_rejected(
        run.board, KIND_CONFIRM, run.sign(2, KIND_CONFIRM, body), "the ceremony failed: clause 1"
    )


# --- messages of a closed step --------------------------------------------------------------


def test_messages_after_their_step_closed() -> None:
    run = sides(absent=[4])
    late = run.states[4]
    run.commit_all()
    run.close("commitment")
    board = run.board
    assert_rejected(
        board,
        KIND_COMMITMENT,
        late.commitment_message(run.manifest),
        r"the commitment step is closed \(closed by board entry 5 after its deadline"
        r" 2027-02-24T06:00:00Z\)",
    )
    run.share_all()
    assert_rejected(
        board,
        KIND_SHARES,
        late.shares_message(run.manifest, run.rng),
        r"the shares step is closed \(everyone due has posted\)",
    )
    run.check_all()
    run.close("check")
    assert_rejected(
        board, KIND_CHECK, late.check_message(run.manifest, board), "the check step is closed"
    )
    run.confirm_all()
    run.close("confirm")
    assert board.complete
    late.final_shares_from(run.manifest, board)
    confirm = late.confirm_message(run.manifest, board, run.rng)
    assert_rejected(board, KIND_CONFIRM, confirm, "the confirm step is closed")
    again = run.states[1].commitment_message(run.manifest)
    assert_rejected(board, KIND_COMMITMENT, again, "the commitment step is closed")


def test_a_step_that_closed_because_everyone_posted() -> None:
    run = checked()
    assert run.board.closed("check") and run.board.closed("reveal")
    body = {"trustee": 1, "complaints": []}
    assert_rejected(
        run.board,
        KIND_CHECK,
        run.sign(1, KIND_CHECK, body),
        r"the check step is closed \(everyone due has posted\)",
    )


@pytest.mark.parametrize("kind", [KIND_SHARES, KIND_CHECK, KIND_REVEAL, KIND_CONFIRM])
def test_later_kinds_before_anything_is_posted(kind: str) -> None:
    run = sides()
    message = run.states[5].commitment_message(run.manifest)
    # the fields of a commitment under another kind: the field set is wrong
    assert_rejected(run.board, kind, run.sign(5, kind, message), "of trustee 5")
