"""Witness co-signing and proofs of equivocation (docs/protocol.md, section 7.6)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from referendum.board import (
    BOARD_KEY,
    WITNESS_KEY,
    EncodingError,
    EquivocationDetected,
    EquivocationProof,
    EquivocationProofError,
    Log,
    ProofShapeError,
    RootMismatchError,
    SignatureError,
    SignedCheckpoint,
    SigningKey,
    SqliteStore,
    Witness,
    prove_equivocation,
)

BOARD = SigningKey("board", BOARD_KEY, bytes(32))
WITNESS_1 = SigningKey("witness-1", WITNESS_KEY, bytes([1]) * 32)
WITNESS_2 = SigningKey("witness-2", WITNESS_KEY, bytes([2]) * 32)
NAME = "referendum/test"


def _log(path: Path, payloads: list[bytes]) -> Log:
    log = Log(SqliteStore(path), NAME)
    log.append_many([("test", p) for p in payloads])
    return log


@pytest.fixture
def honest(tmp_path: Path) -> Iterator[Log]:
    log = _log(tmp_path / "honest.db", [b"e%d" % i for i in range(12)])
    yield log
    log.store.close()


@pytest.fixture
def fork(tmp_path: Path) -> Iterator[Log]:
    """The same log name with another history from entry 2 on: what a split view shows."""
    log = _log(tmp_path / "fork.db", [b"e0", b"e1"] + [b"x%d" % i for i in range(2, 12)])
    yield log
    log.store.close()


def test_cosigns_a_growing_log(honest: Log) -> None:
    witness = Witness(WITNESS_1, BOARD.verifier())
    other = Witness(WITNESS_2, BOARD.verifier())
    last = 0
    for size in (1, 3, 4, 4, 9, 12):
        signed = honest.sign(BOARD, size)
        proof = honest.consistency_proof(last, size) if last else []
        cosigned = other.cosign(witness.cosign(signed, proof), proof)
        for key in (BOARD, WITNESS_1, WITNESS_2):
            cosigned.verify(key.verifier())
        assert witness.latest is not None and witness.latest.checkpoint == signed.checkpoint
        assert other.latest == cosigned
        last = size
    assert witness.latest is not None and witness.latest.checkpoint.size == 12


def test_the_cosignature_carries_the_time_given(honest: Log) -> None:
    witness = Witness(WITNESS_1, BOARD.verifier())
    first = witness.cosign(honest.sign(BOARD, 3), now=1_767_225_600)
    assert first.signature_by(WITNESS_1.verifier()).timestamp == 1_767_225_600
    # The same tree again (the board unchanged): the first co-signature, not a second line.
    again = witness.cosign(honest.sign(BOARD, 3), [], now=1_767_229_200)
    assert again == first
    later = witness.cosign(honest.sign(BOARD, 5), honest.consistency_proof(3, 5), now=1_767_229_200)
    assert later.signature_by(WITNESS_1.verifier()).timestamp == 1_767_229_200
    later.verify(WITNESS_1.verifier())


def test_an_unchanged_tree_is_cosigned_again_at_a_later_time_when_asked(honest: Log) -> None:
    witness = Witness(WITNESS_1, BOARD.verifier())
    first = witness.cosign(honest.sign(BOARD, 3), now=1_767_225_600)
    again = witness.cosign(first, [], now=1_767_229_200, refresh=True)
    assert again.checkpoint == first.checkpoint
    lines = [s for s in again.signatures if s.name == WITNESS_1.name]
    assert [s.timestamp for s in lines] == [1_767_229_200]  # one line of this key, the new one
    again.verify(WITNESS_1.verifier())
    again.verify(BOARD.verifier())
    assert witness.latest_time() == 1_767_229_200


def test_a_forged_line_under_the_witness_key_is_replaced(honest: Log) -> None:
    witness = Witness(WITNESS_1, BOARD.verifier())
    signed = honest.sign(BOARD, 4)
    impostor = SigningKey(WITNESS_1.name, WITNESS_KEY, bytes([7]) * 32)
    line = signed.with_signature(impostor, now=5).signatures[-1]
    mine = WITNESS_1.verifier().key_id
    forged = SignedCheckpoint(
        signed.checkpoint, (*signed.signatures, type(line)(line.name, mine, line.signature, 5))
    )
    cosigned = witness.cosign(forged, now=9)
    cosigned.verify(WITNESS_1.verifier())
    assert cosigned.signature_by(WITNESS_1.verifier()).timestamp == 9
    assert len(cosigned.signatures) == 2


def test_refuses_rollback_foreign_log_and_unsigned(honest: Log, tmp_path: Path) -> None:
    witness = Witness(WITNESS_1, BOARD.verifier())
    witness.cosign(honest.sign(BOARD, 8))
    with pytest.raises(ProofShapeError, match="older"):
        witness.cosign(honest.sign(BOARD, 5), [])
    with pytest.raises(SignatureError):
        witness.cosign(honest.sign(SigningKey("board", BOARD_KEY, bytes([9]) * 32), 9), [])
    other = Log(SqliteStore(tmp_path / "other.db"), "another-log")
    other.append("test", b"a")
    with pytest.raises(ProofShapeError, match="follows"):
        witness.cosign(other.sign(BOARD), [])
    assert witness.latest is not None and witness.latest.checkpoint.size == 8


def test_bad_proof_from_honest_board_is_refused_without_evidence(honest: Log) -> None:
    witness = Witness(WITNESS_1, BOARD.verifier())
    witness.cosign(honest.sign(BOARD, 7))
    proof = honest.consistency_proof(7, 12)
    bad = [proof[0][:5] + bytes([proof[0][5] ^ 1]) + proof[0][6:], *proof[1:]]
    with pytest.raises(RootMismatchError):
        witness.cosign(honest.sign(BOARD, 12), bad)
    with pytest.raises(ProofShapeError):
        witness.cosign(honest.sign(BOARD, 12), proof[:-1])
    with pytest.raises(EquivocationProofError):
        prove_equivocation(honest.sign(BOARD, 7), honest.sign(BOARD, 12), BOARD.verifier(), bad)
    witness.cosign(honest.sign(BOARD, 12), proof)


def test_same_size_different_roots(honest: Log, fork: Log) -> None:
    witness = Witness(WITNESS_1, BOARD.verifier())
    witness.cosign(honest.sign(BOARD, 6))
    with pytest.raises(EquivocationDetected) as caught:
        witness.cosign(fork.sign(BOARD, 6), [])
    evidence = EquivocationProof.from_json(caught.value.evidence.to_json())
    evidence.verify(BOARD.verifier())
    assert evidence.first.checkpoint.size == evidence.second.checkpoint.size == 6


def test_fork_detected_from_the_boards_own_proof(honest: Log, fork: Log) -> None:
    witness = Witness(WITNESS_1, BOARD.verifier())
    witness.cosign(honest.sign(BOARD, 7))
    # The split-view board computes its proof from the history it shows now.
    with pytest.raises(EquivocationDetected) as caught:
        witness.cosign(fork.sign(BOARD, 12), fork.consistency_proof(7, 12))
    text = caught.value.evidence.to_json()
    assert json.loads(text)["type"] == "referendum.board.equivocation/v1"
    evidence = EquivocationProof.from_json(text)
    evidence.verify(BOARD.verifier())
    with pytest.raises(EquivocationProofError):
        evidence.verify(SigningKey("board", BOARD_KEY, bytes([9]) * 32).verifier())


def test_power_of_two_prefix_needs_the_prefix_root(honest: Log, fork: Log) -> None:
    a, b = honest.sign(BOARD, 4), fork.sign(BOARD, 9)
    proof = fork.consistency_proof(4, 9)
    witness = Witness(WITNESS_1, BOARD.verifier(), a)
    with pytest.raises(RootMismatchError):  # inconclusive from the proof alone
        witness.cosign(b, proof)
    with pytest.raises(EquivocationProofError, match="power of two"):
        prove_equivocation(a, b, BOARD.verifier(), proof)
    evidence = prove_equivocation(b, a, BOARD.verifier(), proof, fork.root(4))
    EquivocationProof.from_json(evidence.to_json()).verify(BOARD.verifier())
    with pytest.raises(EquivocationProofError):  # a wrong prefix root does not fit the proof
        prove_equivocation(a, b, BOARD.verifier(), proof, honest.root(3))


def test_consistent_checkpoints_prove_nothing(honest: Log) -> None:
    for m, n in ((3, 3), (3, 12), (4, 12)):
        a, b = honest.sign(BOARD, m), honest.sign(BOARD, n)
        with pytest.raises(EquivocationProofError):
            prove_equivocation(
                a, b, BOARD.verifier(), honest.consistency_proof(m, n), honest.root(m)
            )


def _variants(e: EquivocationProof, honest: Log) -> Iterator[EquivocationProof]:
    """Every field of a valid proof changed in a way that must make it fail."""
    a, b = e.first, e.second
    yield EquivocationProof(b, a, e.proof, e.prefix_root)
    yield EquivocationProof(a, b, e.proof, a.checkpoint.root)
    yield EquivocationProof(a, b, e.proof, None)
    yield EquivocationProof(a, b, e.proof[:-1], e.prefix_root)
    yield EquivocationProof(a, b, (*e.proof, e.proof[0]), e.prefix_root)
    for i in range(len(e.proof)):
        flipped = list(e.proof)
        flipped[i] = bytes([flipped[i][0] ^ 0x80]) + flipped[i][1:]
        yield EquivocationProof(a, b, tuple(flipped), e.prefix_root)
    unsigned = SignedCheckpoint(
        a.checkpoint,
        (a.signatures[0].__class__(a.signatures[0].name, a.signatures[0].key_id, bytes(64)),),
    )
    yield EquivocationProof(unsigned, b, e.proof, e.prefix_root)
    other = Log(honest.store, "other-log")
    other.append_many([("test", b"o%d" % i) for i in range(12)])
    yield EquivocationProof(a, other.sign(BOARD, 12), e.proof, e.prefix_root)
    yield EquivocationProof(a, honest.sign(BOARD, 12), e.proof, e.prefix_root)


def test_every_tampered_field_fails(honest: Log, fork: Log) -> None:
    good = prove_equivocation(
        honest.sign(BOARD, 7), fork.sign(BOARD, 12), BOARD.verifier(), fork.consistency_proof(7, 12)
    )
    good.verify(BOARD.verifier())
    count = 0
    for bad in _variants(good, honest):
        with pytest.raises(EquivocationProofError):
            bad.verify(BOARD.verifier())
        count += 1
    assert count >= 10
    same = prove_equivocation(honest.sign(BOARD, 6), fork.sign(BOARD, 6), BOARD.verifier())
    with pytest.raises(EquivocationProofError):
        EquivocationProof(same.first, same.first).verify(BOARD.verifier())
    with pytest.raises(EquivocationProofError):
        EquivocationProof(same.first, same.second, good.proof).verify(BOARD.verifier())


@pytest.mark.parametrize(
    "text",
    ["", "[]", "{}", '{"type": "other"}', '{"type": "referendum.board.equivocation/v1"}'],
)
def test_bad_json(text: str) -> None:
    with pytest.raises(EncodingError):
        EquivocationProof.from_json(text)


def test_json_with_bad_fields(honest: Log, fork: Log) -> None:
    good = json.loads(
        prove_equivocation(honest.sign(BOARD, 6), fork.sign(BOARD, 6), BOARD.verifier()).to_json()
    )
    for field, value in (("first", "garbage"), ("consistency_proof", ["!!"]), ("prefix_root", 5)):
        with pytest.raises(EncodingError):
            EquivocationProof.from_json(json.dumps({**good, field: value}))
