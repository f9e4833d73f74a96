"""The key ceremony on the board: an honest run, complaints, QUAL, and every acceptance rule.

docs/protocol.md section 11. Each rule has a tampered message that the board refuses
with CeremonyError, leaving its state unchanged.
"""

from __future__ import annotations

import copy
from itertools import combinations
from typing import Any

import pytest
from ceremony_fixtures import Run, assert_rejected, honest, start

from referendum.ceremony import (
    KIND_CHECK,
    KIND_COMMITMENT,
    KIND_CONFIRM,
    KIND_REVEAL,
    KIND_SHARES,
    CeremonyBoard,
    CeremonyError,
    qualify,
)
from referendum.errors import VerificationError
from referendum.group import RISTRETTO255 as GROUP
from referendum.group import Scalar
from referendum.sharing import interpolate_at_zero, joint_public_key

G = GROUP.generator
G_ONE = Scalar.from_int(1)


def reconstructs(run: Run, trustees: tuple[int, ...]) -> Scalar:
    return interpolate_at_zero(GROUP, {j: run.states[j].final_share for j in trustees})


def answered_twin(run: Run) -> CeremonyBoard:
    """A copy of run's board on which every pending complaint has its dealer's honest reveal.

    It lets a test make a confirm that is valid but for the unanswered complaints.
    """
    twin = CeremonyBoard(run.manifest)
    for t, (kind, payload) in enumerate(run.posted, start=1):
        twin.add(kind, payload, f"board entry {t}")
    for dealer in sorted({i for i, _ in run.board.pending_reveals()}):
        for message in run.states[dealer].reveal_messages(run.manifest, twin):
            twin.add(KIND_REVEAL, message, "twin")
    return twin


# --- honest ceremony ------------------------------------------------------------------


def test_honest_five_of_three() -> None:
    run = start(5, 3)
    board = run.board
    assert (board.phase(), board.waiting_for()) == ("commit", [1, 2, 3, 4, 5])
    run.commit_all()
    assert (board.phase(), board.waiting_for()) == ("share", [1, 2, 3, 4, 5])
    run.share_all()
    assert board.phase() == "check"
    run.check_all()
    assert board.phase() == "confirm"
    assert board.pending_reveals() == [] and board.refuted() == {}
    run.reveal_all()
    run.confirm_all()
    assert board.phase() == "complete" and board.waiting_for() == []
    assert board.complete and board.accepted == 20
    assert board.qualified == (1, 2, 3, 4, 5)
    assert board.disqualified == {}
    secret = reconstructs(run, (1, 2, 3))
    assert G**secret == board.public_key
    for quorum in combinations(range(1, 6), 3):
        assert reconstructs(run, quorum) == secret
    assert board.public_shares == {j: G ** run.states[j].final_share for j in range(1, 6)}
    assert board.public_key == joint_public_key(GROUP, [board.commitments(i) for i in range(1, 6)])


def test_fewer_than_k_shares_do_not_reconstruct() -> None:
    run = honest(5, 3)
    assert G ** reconstructs(run, (1, 2)) != run.board.public_key


def test_a_single_trustee_ceremony() -> None:
    run = honest(1, 1)
    assert run.board.complete
    assert G ** run.states[1].final_share == run.board.public_key


def test_phase_waits_for_the_slowest_trustee() -> None:
    run = start(3, 2)
    run.post(KIND_COMMITMENT, run.states[1].commitment_message(run.manifest))
    run.post(KIND_SHARES, run.shares(1))
    assert (run.board.phase(), run.board.waiting_for()) == ("commit", [2, 3])


# --- complaints, reveals and QUAL ------------------------------------------------------


def with_bad_share() -> Run:
    """5 of 3, dealer 2 sends trustee 4 a wrong share; all checks posted."""
    run = start(5, 3)
    run.commit_all()
    run.share_all(bad={2: [4]})
    run.check_all()
    return run


def test_bad_share_draws_a_complaint() -> None:
    run = with_bad_share()
    assert run.board.complaints_against(2) == [4]
    assert run.board.complaints_by(4) == {2: "the share does not match the dealer's commitments"}
    assert run.board.pending_reveals() == [(2, 4)]
    assert (run.board.phase(), run.board.waiting_for()) == ("reveal", [2])


def test_valid_reveal_keeps_the_dealer() -> None:
    run = with_bad_share()
    run.reveal_all()
    assert run.board.pending_reveals() == []
    assert run.board.revealed(2, 4) is not None
    assert run.board.refuted() == {4: [2]}  # the revealed share is good
    assert (run.board.phase(), run.board.waiting_for()) == ("confirm", [1, 2, 3, 4, 5])
    run.confirm_all()
    assert run.board.qualified == (1, 2, 3, 4, 5)
    for quorum in [(1, 2, 3), (2, 4, 5), (3, 4, 5)]:
        assert G ** reconstructs(run, quorum) == run.board.public_key


def test_an_unanswered_complaint_blocks_every_confirm() -> None:
    run = with_bad_share()
    run.reveal_all(skip=[2])
    for j in range(1, 6):
        with pytest.raises(ValueError, match="trustee 4's complaint against trustee 2"):
            run.states[j].confirm_message(run.manifest, run.board, run.rng)
    with pytest.raises(CeremonyError, match="QUAL is not decided yet: trustee 4's complaint"):
        run.board.qualification()
    twin = answered_twin(run)
    for j in range(1, 6):
        confirm = run.states[j].confirm_message(run.manifest, twin, run.rng)
        assert_rejected(
            run.board,
            KIND_CONFIRM,
            confirm,
            rf"ceremony\.confirm of trustee {j}: trustee 4's complaint against trustee 2 is "
            "not answered yet; confirms wait",
        )
    assert run.board.phase() == "reveal" and run.board.public_shares == {}


def test_invalid_reveal_disqualifies() -> None:
    run = with_bad_share()
    run.post(KIND_REVEAL, run.bad_reveal(2, 4))  # accepted: it is 2's conclusive answer
    assert run.board.pending_reveals() == [] and run.board.refuted() == {}
    assert run.board.phase() == "confirm"
    run.reveal_all()  # nothing left to reveal
    run.confirm_all()
    board = run.board
    assert board.qualified == (1, 3, 4, 5)
    assert board.disqualified == {
        2: "its revealed share for trustee 4 does not match its commitments"
    }
    others = [board.commitments(i) for i in (1, 3, 4, 5)]
    assert board.public_key == joint_public_key(GROUP, others)
    for quorum in [(1, 2, 3), (2, 4, 5), (1, 3, 5)]:
        assert G ** reconstructs(run, quorum) == board.public_key


def test_too_few_qualified_dealers_fails_the_ceremony() -> None:
    run = start(3, 3)
    run.commit_all()
    run.share_all(bad={3: [1]})
    run.check_all()
    run.post(KIND_REVEAL, run.bad_reveal(3, 1))
    with pytest.raises(CeremonyError, match=r"ceremony failed.*trustee 3: its revealed share"):
        run.states[1].confirm_message(run.manifest, run.board, run.rng)  # the trustee sees it
    body = {
        "trustee": 1,
        "qualified": [1, 2],
        "public_key": G.to_bytes().hex(),
        "public_share": G.to_bytes().hex(),
        "proof": {"c": "00" * 32, "v": "00" * 32},
    }
    error = assert_rejected(
        run.board, KIND_CONFIRM, run.sign(1, KIND_CONFIRM, body), r"the ceremony failed"
    )
    assert "trustee 3" in str(error)
    with pytest.raises(CeremonyError):
        _ = run.board.qualified


def test_qualify_names_missing_messages() -> None:
    q = qualify(GROUP, 3, {1: (G,)}, [1], {}, {})
    assert q.qualified == (1,)
    assert q.disqualified == {2: "posted no commitment; posted no shares", 3: q.disqualified[3]}
    with pytest.raises(CeremonyError, match="quorum 2"):
        q.require_quorum(2, "here")


def test_qualify_waits_for_every_answer() -> None:
    commitments = {i: (G,) for i in (1, 2, 3)}
    complaints = {2: {1}, 3: {1, 2}}
    with pytest.raises(
        CeremonyError,
        match=r"^QUAL is not decided yet: trustee 2's complaint against trustee 1, trustee 3's "
        r"complaint against trustee 1 and trustee 3's complaint against trustee 2 are not",
    ):
        qualify(GROUP, 3, commitments, [1, 2, 3], complaints, {})
    with pytest.raises(CeremonyError, match=r"trustee 3's complaint against trustee 2 is not"):
        qualify(GROUP, 3, commitments, [1, 2, 3], complaints, {(1, 2): G_ONE, (1, 3): G_ONE})
    # g^1 = G = C_i0, the only coefficient: a share of 1 verifies, a share of 2 does not
    reveals = {(1, 2): G_ONE, (1, 3): G_ONE, (2, 3): Scalar.from_int(2)}
    q = qualify(GROUP, 3, commitments, [1, 2, 3], complaints, reveals)
    assert q.qualified == (1, 3)
    assert q.disqualified == {2: "its revealed share for trustee 3 does not match its commitments"}


def test_qualification_before_checks_is_refused() -> None:
    run = start(3, 2)
    run.commit_all()
    run.share_all()
    with pytest.raises(CeremonyError, match="no check yet from trustees 1, 2, 3"):
        run.board.qualification()


def test_accessors_before_the_end() -> None:
    run = start(3, 2)
    board = run.board
    with pytest.raises(KeyError):
        board.commitments(1)
    for name in ("public_key", "qualified", "disqualified"):
        with pytest.raises(CeremonyError):
            getattr(board, name)
    assert board.sealed_for(1) == {} and board.public_shares == {}
    assert board.revealed(1, 2) is None and board.complaints_against(1) == []


def test_ceremony_error_is_a_verification_error() -> None:
    assert issubclass(CeremonyError, VerificationError)


# --- rejected messages -------------------------------------------------------------------


def at_commit() -> Run:
    return start(3, 2)


def at_share() -> Run:
    run = start(3, 2)
    run.commit_all()
    return run


def at_check() -> Run:
    run = at_share()
    run.share_all(bad={2: [3]})
    return run


def at_confirm() -> Run:
    run = at_check()
    run.check_all()
    return run


def tampered(run: Run, signer: int, kind: str, message: dict[str, Any], **changes: Any) -> Any:
    body = copy.deepcopy(message)
    body.update(changes)
    return run.sign(signer, kind, body)


def test_envelope_rules() -> None:
    run = at_commit()
    good = run.states[1].commitment_message(run.manifest)
    board = run.board
    assert_rejected(board, "ceremony.keys", good, "is not a ceremony message kind")
    assert_rejected(board, KIND_COMMITMENT, [good], "want an object")
    assert_rejected(
        board, KIND_COMMITMENT, {k: v for k, v in good.items() if k != "trustee"}, "missing trustee"
    )
    for bad in (0, 4, True, "1"):
        assert_rejected(board, KIND_COMMITMENT, {**good, "trustee": bad}, r"\.trustee")
    assert_rejected(board, KIND_COMMITMENT, {**good, "extra": 1}, "unknown field extra")
    no_proof = {k: v for k, v in good.items() if k != "proof"}
    assert_rejected(board, KIND_COMMITMENT, no_proof, "missing proof")
    assert_rejected(board, KIND_COMMITMENT, {**good, "trustee": 2}, "signature does not verify")
    flipped = good["signature"][:-1] + ("0" if good["signature"][-1] != "0" else "1")
    assert_rejected(board, KIND_COMMITMENT, {**good, "signature": flipped}, "does not verify")
    assert_rejected(board, KIND_COMMITMENT, {**good, "signature": 5}, "no signature")
    assert_rejected(board, KIND_SHARES, good, "missing shares")
    # a message signed as another kind does not verify as this one
    as_check = run.sign(1, KIND_CHECK, good)
    assert_rejected(board, KIND_COMMITMENT, as_check, "signature does not verify")
    floats = run.sign(1, KIND_COMMITMENT, good) | {"proof": 1.5}
    assert_rejected(board, KIND_COMMITMENT, floats, "numbers must be integers")


def test_commitment_rules() -> None:
    run = at_commit()
    board = run.board
    good = run.states[1].commitment_message(run.manifest)
    c = good["commitments"]
    other = run.states[2].commitment_message(run.manifest)

    def bad(match: str, **changes: Any) -> None:
        assert_rejected(
            board, KIND_COMMITMENT, tampered(run, 1, KIND_COMMITMENT, good, **changes), match
        )

    bad(r"want 2 \(the quorum\), got 1", commitments=c[:1])
    bad(r"want 2 \(the quorum\), got 3", commitments=[*c, c[0]])
    bad(r"commitments\[1\]: expected 64 lowercase hex", commitments=[c[0], c[1].upper()])
    bad(r"commitments\[0\]", commitments=["ff" * 32, c[1]])
    bad(r"commitments\[1\] is the identity", commitments=[c[0], "00" * 32])
    bad("commitments: want a list", commitments="x")
    bad("proof: schnorr proof: challenge does not match", proof=other["proof"])
    bad(r"proof\.c", proof={"c": "zz", "v": good["proof"]["v"]})
    bad("proof: expected an object", proof={"c": good["proof"]["c"]})
    # the proof is bound to the trustee number: 2's proof does not serve a copy by 1
    bad("proof", commitments=other["commitments"], proof=other["proof"])
    run.post(KIND_COMMITMENT, good)
    assert_rejected(board, KIND_COMMITMENT, good, "already posted its commitment")


def test_shares_rules() -> None:
    run = at_commit()
    board = run.board
    good = run.shares(1)
    assert_rejected(board, KIND_SHARES, good, "shares come after the trustee's commitment")
    run.commit_all()
    s = good["shares"]

    def bad(match: str, **changes: Any) -> None:
        assert_rejected(board, KIND_SHARES, tampered(run, 1, KIND_SHARES, good, **changes), match)

    bad(r"want 2 \(one per other trustee\), got 1", shares=s[:1])
    bad(r"shares\[0\]\.to: want trustee 2", shares=[s[1], s[0]])
    bad(r"shares\[0\]\.to: want trustee 2 .*got 1", shares=[{**s[0], "to": 1}, s[1]])
    bad(r"shares\[1\]\.to: 4 is not a trustee", shares=[s[0], {**s[1], "to": 4}])
    bad(r"shares\[1\]\.sealed: want 160", shares=[s[0], {**s[1], "sealed": s[1]["sealed"][:-2]}])
    bad(r"shares\[1\]\.sealed: want 160", shares=[s[0], {**s[1], "sealed": s[1]["sealed"].upper()}])
    bad(r"shares\[0\]: unknown field note", shares=[{**s[0], "note": "x"}, s[1]])
    bad(r"shares\[0\]: missing sealed", shares=[{"to": 2}, s[1]])
    bad(r"shares\[0\]: want an object", shares=[2, s[1]])
    run.post(KIND_SHARES, good)
    assert_rejected(board, KIND_SHARES, run.shares(1), "already posted its shares")


def test_check_rules() -> None:
    run = at_share()
    board = run.board
    run.post(KIND_SHARES, run.shares(1))
    early = run.sign(1, KIND_CHECK, {"trustee": 1, "complaints": []})
    assert_rejected(board, KIND_CHECK, early, "no shares yet from trustees 2, 3")
    run.post(KIND_SHARES, run.shares(2))
    run.post(KIND_SHARES, run.shares(3))

    def bad(match: str, complaints: Any) -> None:
        body = {"trustee": 1, "complaints": complaints}
        assert_rejected(board, KIND_CHECK, run.sign(1, KIND_CHECK, body), match)

    def c(against: Any, reason: Any = "bad share") -> dict[str, Any]:
        return {"against": against, "reason": reason}

    bad("cannot complain against itself", [c(1)])
    bad("ascending order", [c(3), c(2)])
    bad("ascending order", [c(2), c(2)])
    bad(r"complaints\[0\]\.against: 0 is not a trustee", [c(0)])
    bad(r"complaints\[0\]\.against: want a trustee number", [c("2")])
    bad(r"complaints\[0\]\.reason: text longer than 200", [c(2, "x" * 201)])
    bad(r"complaints\[0\]\.reason: want non-empty text", [c(2, "")])
    bad(r"complaints\[0\]: unknown field proof", [{**c(2), "proof": 1}])
    bad("complaints: want a list", {"against": 2})
    run.post(KIND_CHECK, run.sign(1, KIND_CHECK, {"trustee": 1, "complaints": [c(2, "x" * 200)]}))
    assert_rejected(board, KIND_CHECK, early, "already posted its check")


def test_reveal_rules() -> None:
    run = at_check()  # dealer 2 sent trustee 3 a bad share
    board = run.board
    body = {"trustee": 2, "to": 3, "share": "01" + "00" * 31}
    reveal = run.sign(2, KIND_REVEAL, body)
    assert_rejected(board, KIND_REVEAL, reveal, "trustee 3 has no complaint against trustee 2")
    run.check_all()
    assert_rejected(board, KIND_REVEAL, run.sign(2, KIND_REVEAL, {**body, "to": 1}), "no complaint")
    assert_rejected(
        board, KIND_REVEAL, run.sign(1, KIND_REVEAL, {**body, "trustee": 1}), "no complaint"
    )
    assert_rejected(board, KIND_REVEAL, run.sign(2, KIND_REVEAL, {**body, "to": 2}), "no complaint")
    non_canonical = {**body, "share": "ff" * 32}
    assert_rejected(
        board, KIND_REVEAL, run.sign(2, KIND_REVEAL, non_canonical), r"share: .*canonical"
    )
    assert_rejected(board, KIND_REVEAL, run.sign(2, KIND_REVEAL, {**body, "to": 9}), r"to: 9")
    run.post(KIND_REVEAL, reveal)
    assert_rejected(board, KIND_REVEAL, reveal, "already revealed its share for trustee 3")


def test_a_confirm_waits_for_every_reveal() -> None:
    run = start(4, 2)
    run.commit_all()
    run.share_all(bad={2: [3, 4]})
    run.check_all()
    assert run.board.pending_reveals() == [(2, 3), (2, 4)]
    reveal_3, reveal_4 = run.states[2].reveal_messages(run.manifest, run.board)
    run.post(KIND_REVEAL, reveal_3)
    assert run.board.pending_reveals() == [(2, 4)]
    confirm = run.states[1].confirm_message(run.manifest, answered_twin(run), run.rng)
    assert_rejected(
        run.board, KIND_CONFIRM, confirm, "trustee 4's complaint against trustee 2 is not answered"
    )
    run.post(KIND_REVEAL, reveal_4)
    run.post(KIND_CONFIRM, confirm)  # the very message refused above
    assert run.board.qualified == (1, 2, 3, 4)
    assert_rejected(run.board, KIND_REVEAL, reveal_4, "already revealed its share for trustee 4")
    assert_rejected(run.board, KIND_REVEAL, run.bad_reveal(2, 1), "no complaint")
    assert run.board.refuted() == {3: [2], 4: [2]}


def test_a_false_complaint_and_an_immediate_confirm_are_refused() -> None:
    """The reviewer's attack: trustee 3 complains against honest dealer 1 and confirms at
    once, hoping to shut 1 out before it can answer and to go unnamed itself."""
    run = start(3, 2)
    run.commit_all()
    run.share_all()  # every share is good
    run.post(KIND_CHECK, run.states[1].check_message(run.manifest, run.board))
    run.post(KIND_CHECK, run.states[2].check_message(run.manifest, run.board))
    honest_check = run.states[3].check_message(run.manifest, run.board)
    assert honest_check["complaints"] == []
    lie = {"trustee": 3, "complaints": [{"against": 1, "reason": "the sealed box does not open"}]}
    run.post(KIND_CHECK, run.sign(3, KIND_CHECK, lie))
    run.states[3]._complained = (1,)  # the attacker's software agrees with what it posted
    assert (run.board.phase(), run.board.waiting_for()) == ("reveal", [1])
    # Its confirm is valid in every other respect: it is accepted once 1 has answered.
    confirm = run.states[3].confirm_message(run.manifest, answered_twin(run), run.rng)
    assert_rejected(
        run.board, KIND_CONFIRM, confirm, "trustee 3's complaint against trustee 1 is not answered"
    )
    with pytest.raises(ValueError, match="trustee 3's complaint against trustee 1"):
        run.states[3].confirm_message(run.manifest, run.board, run.rng)
    (answer,) = run.states[1].reveal_messages(run.manifest, run.board)
    run.post(KIND_REVEAL, answer)
    run.post(KIND_CONFIRM, confirm)
    run.post(KIND_CONFIRM, run.states[1].confirm_message(run.manifest, run.board, run.rng))
    run.post(KIND_CONFIRM, run.states[2].confirm_message(run.manifest, run.board, run.rng))
    assert run.board.complete
    assert run.board.qualified == (1, 2, 3) and run.board.disqualified == {}
    assert run.board.refuted() == {3: [1]}  # the complainer is named
    for quorum in [(1, 2), (1, 3), (2, 3)]:
        assert G ** reconstructs(run, quorum) == run.board.public_key


def test_confirm_rules() -> None:
    run = at_check()
    board = run.board
    run.post(KIND_CHECK, run.states[1].check_message(run.manifest, board))
    run.post(KIND_CHECK, run.states[2].check_message(run.manifest, board))
    dummy = run.sign(
        1,
        KIND_CONFIRM,
        {"trustee": 1, "qualified": [], "public_key": "", "public_share": "", "proof": {}},
    )
    assert_rejected(board, KIND_CONFIRM, dummy, "no check yet from trustee 3")
    run.post(KIND_CHECK, run.states[3].check_message(run.manifest, board))
    run.reveal_all()
    good = run.states[1].confirm_message(run.manifest, board, run.rng)
    two = run.states[2].confirm_message(run.manifest, board, run.rng)

    def bad(match: str, **changes: Any) -> None:
        assert_rejected(board, KIND_CONFIRM, tampered(run, 1, KIND_CONFIRM, good, **changes), match)

    bad(r"qualified: states \[1, 2\], but QUAL is \[1, 2, 3\]", qualified=[1, 2])
    bad(r"qualified: states \[3, 2, 1\]", qualified=[3, 2, 1])
    bad(r"qualified\[0\]: want a trustee number", qualified=["1"])
    bad("public_key is not the product", public_key=good["public_share"])
    bad(r"public_key: expected 64", public_key="x")
    bad("public_share is not K_1", public_share=two["public_share"])
    bad("proof: schnorr proof", proof=two["proof"])
    run.post(KIND_CONFIRM, good)
    assert board.qualified == (1, 2, 3) and not board.complete
    assert_rejected(board, KIND_CONFIRM, good, "already confirmed")
    with pytest.raises(
        CeremonyError, match="not complete: phase confirm, waiting for trustees 2, 3"
    ):
        _ = board.public_key
    run.post(KIND_CONFIRM, two)
    run.post(KIND_CONFIRM, run.states[3].confirm_message(run.manifest, board, run.rng))
    assert board.complete


def test_a_board_for_another_referendum_refuses_the_messages() -> None:
    run = at_commit()
    other = start(3, 2, seed="ceremony", rid="other-2027")  # same keys, other manifest
    message = run.states[1].commitment_message(run.manifest)
    assert_rejected(other.board, KIND_COMMITMENT, message, "signature does not verify")
    assert isinstance(CeremonyBoard(other.manifest), CeremonyBoard)
