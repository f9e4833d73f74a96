"""A witness on its own machine: follow the board, check every entry, co-sign, keep proof.

docs/protocol.md section 7.6. One step (Witnessing.step) is the witness's whole duty:

1. sync its replica: every new entry checked under section 13's rules and the board's
   signed checkpoints against its own root (section 7.7). A witness never co-signs a
   board that holds an invalid entry.
2. compare the newest checkpoint other witnesses co-signed with its own tree;
3. co-sign the board's checkpoint at its replica's size if it extends the last one it
   signed, keeping what it signed in its folder *before* handing it to the board.

When the board shows something that contradicts what this witness verified (a rollback to
another tree, a second history, another witness's co-signed tree that is not this one),
the step turns the two checkpoints the board signed into an EquivocationProof, writes it
to equivocation.json and stops: the board is caught, whoever runs it.

`referendum witness follow` repeats the step every few seconds; `witness cosign` runs it
once.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from referendum.board import (
    BoardVerificationError,
    EquivocationDetected,
    EquivocationProof,
    SignedCheckpoint,
    SigningKey,
    Witness,
    parse_signed_checkpoint,
    prove_equivocation,
)
from referendum.manifest import Manifest
from referendum.replica import BoardUnreachable, Replica, ReplicaError

__all__ = ["EVIDENCE_FILE", "Caught", "Step", "Witnessing"]

EVIDENCE_FILE = "equivocation.json"


class Caught(Exception):
    """The board contradicted itself; evidence is the proof, kept in path (if any)."""

    def __init__(self, message: str, path: Path | None) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class Step:
    """What one step did: entries checked, and the checkpoint co-signed (or None)."""

    checked: int
    size: int
    cosigned: SignedCheckpoint | None


class Witnessing:
    """One witness's duty over its replica; save keeps what it signed (before posting)."""

    def __init__(
        self,
        replica: Replica,
        key: SigningKey,
        latest: SignedCheckpoint | None,
        save: Callable[[SignedCheckpoint], None],
    ) -> None:
        self.replica = replica
        self.key = key
        self.witness = Witness(key, replica.manifest.board_key, latest)
        self.save = save
        #: The co-signature's time, POSIX seconds (tests and the demo set their own).
        self.clock: Callable[[], int] = lambda: int(time.time())

    def _deadline_passed(self) -> bool:
        return refresh_due(self.replica.manifest, self.witness, self.clock())

    # -- the step ---------------------------------------------------------------------------

    def step(self) -> Step:
        """Gives back what this step did; Caught when the board contradicted itself,
        ReplicaError when it failed another check (nothing co-signed either way)."""
        try:
            checked = self.replica.sync(progress=False)
        except ReplicaError as exc:
            if exc.conflict is not None:
                self._caught(str(exc), exc.conflict)
            raise
        self._compare_cosigned()
        replica = self.replica
        current = replica.verified
        if current is None or current.checkpoint.size != replica.state.size:
            current = replica.head()
            if current.checkpoint.size != replica.state.size:
                return Step(checked, replica.state.size, None)  # it grew: next step
        latest = self.witness.latest
        refresh = False
        if latest is not None and latest.checkpoint.size >= current.checkpoint.size:
            refresh = latest.checkpoint == current.checkpoint and self._deadline_passed()
            if not refresh:
                self._behind_or_same(latest, current)
                return Step(checked, replica.state.size, None)  # nothing new to co-sign
        proof: list[bytes] = []
        if latest is not None and 0 < latest.checkpoint.size < current.checkpoint.size:
            proof = replica.log.consistency_proof(latest.checkpoint.size, current.checkpoint.size)
        try:
            cosigned = self.witness.cosign(current, proof, self.clock(), refresh=refresh)
        except EquivocationDetected as exc:
            self._keep(exc.evidence)
            raise Caught(str(exc), self._path()) from None
        self.save(cosigned)  # kept before it leaves: a crash in between signs nothing twice
        replica.client.post("/api/board/cosignatures", {"checkpoint": cosigned.to_text()})
        return Step(checked, replica.state.size, cosigned)

    def _behind_or_same(self, latest: SignedCheckpoint, current: SignedCheckpoint) -> None:
        """None when current is the tree this witness last co-signed; Caught when it is
        another tree of that size (two roots the board signed), ReplicaError when the
        board is behind what this witness co-signed (a rollback)."""
        a, b = latest.checkpoint, current.checkpoint
        if a.size == b.size:
            if a.root == b.root:
                self._repost(latest)
                return
            evidence = prove_equivocation(latest, current, self.replica.manifest.board_key)
            self._keep(evidence)
            raise Caught(
                f"the board equivocated: it signed another tree of {a.size} entries than the"
                " one this witness co-signed",
                self._path(),
            )
        try:  # a smaller tree: a proof if the board's own proof shows it is not a prefix
            proof = self.replica.client.consistency(b.size, a.size) if b.size else []
            evidence = prove_equivocation(current, latest, self.replica.manifest.board_key, proof)
        except (BoardVerificationError, BoardUnreachable):
            raise ReplicaError(
                f"the board rolled back: it shows {b.size} entries, this witness co-signed {a.size}"
            ) from None
        self._keep(evidence)
        raise Caught(
            f"the board equivocated: its tree of {b.size} entries is not a prefix of the"
            f" tree of {a.size} entries this witness co-signed",
            self._path(),
        )

    def _repost(self, latest: SignedCheckpoint) -> None:
        """Hands latest to the board again unless the board keeps this witness's
        co-signature of that tree: a post that failed after latest was kept (a restart,
        a 503) is made good at the next step."""
        size = latest.checkpoint.size
        # latest=1: after a co-signature of the unchanged board (7.6.1, step 4) the board
        # hands out the first one by default; the later one is what this witness holds.
        answer: Any = self.replica.client.get(f"/api/board/cosigned?from={size}&latest=1")
        texts = answer.get("checkpoints") if isinstance(answer, dict) else None
        for text in texts if isinstance(texts, list) else []:
            try:
                kept = parse_signed_checkpoint(text)
            except BoardVerificationError:
                continue
            mine = latest.signature_by(self.key.verifier())
            if kept.checkpoint == latest.checkpoint and any(
                s.name == mine.name and (s.timestamp or 0) >= (mine.timestamp or 0)
                for s in kept.signatures
            ):
                return
        self.replica.client.post("/api/board/cosignatures", {"checkpoint": latest.to_text()})

    # -- what other witnesses saw ---------------------------------------------------------------

    def _compare_cosigned(self) -> None:
        """Caught when the newest checkpoint another witness co-signed (as the board hands
        it out) is a tree this witness's replica does not hold."""
        try:
            self.replica.board_cosigned()
        except ReplicaError as exc:
            if exc.conflict is not None and self.replica.verified is not None:
                self._caught(str(exc), exc.conflict)
            # Otherwise it is not the board's word: nothing to hold the board to.

    # -- evidence ---------------------------------------------------------------------------------

    def _caught(self, message: str, conflict: SignedCheckpoint) -> None:
        """Raises Caught with the EquivocationProof of conflict against this replica, or
        ReplicaError when the two checkpoints do not make a proof (a plain rollback)."""
        evidence = self._prove(conflict)
        if evidence is None:
            raise ReplicaError(message)
        self._keep(evidence)
        raise Caught(message, self._path())

    def _prove(self, conflict: SignedCheckpoint) -> EquivocationProof | None:
        replica = self.replica
        ours = replica.verified
        board = replica.manifest.board_key
        if ours is None:
            return None
        m, n = conflict.checkpoint.size, ours.checkpoint.size
        try:
            if m == n:
                return prove_equivocation(ours, conflict, board)
            if m < n:  # the conflict states a prefix of our tree: our own proof shows it
                return prove_equivocation(
                    conflict,
                    ours,
                    board,
                    replica.log.consistency_proof(m, n),
                    replica.log.root(m),
                )
            # A larger tree that does not extend ours: the board's own proof shows it.
            return prove_equivocation(ours, conflict, board, replica.client.consistency(n, m))
        except (BoardVerificationError, BoardUnreachable):
            return None

    def _path(self) -> Path:
        return self.replica.folder / EVIDENCE_FILE

    def _keep(self, evidence: EquivocationProof) -> None:
        path = self._path()
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(evidence.to_json() + "\n")
        os.replace(tmp, path)


def refresh_due(manifest: Manifest, witness: Witness, now: int) -> bool:
    """True when a due time of the manifest (a ceremony step's deadline, or the end of
    voting) has passed since witness's co-signature of its latest checkpoint: co-signing
    the unchanged board again then witnesses that nothing more came by it (7.6.1)."""
    signed_at = witness.latest_time()
    due = (_seconds(t) for t in (*manifest.deadlines.values(), manifest.closes))
    return signed_at is not None and any(signed_at < d <= now for d in due)


def _seconds(text: str) -> int:
    """Gives back a manifest time (section 9) in POSIX seconds."""
    return int(dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC).timestamp())
