"""The board as a party sees it: its own replica over HTTP, or the operator's folder.

A trustee, registrar or witness acts on the board through one small surface: the
manifest, the state its checks gave, posting a signed message, the checkpoints witnesses
co-signed. Remote (a party on its own machine, docs/protocol.md section 7.7) keeps a
verified replica in the party's folder and posts through the board's API; Local (a
rehearsal on the board's own machine, docs/operations.md) opens the operator's folder.
Commands are written once, against PartyBoard.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from referendum.board import SignedCheckpoint, parse_signed_checkpoint
from referendum.board.errors import BoardVerificationError
from referendum.election import Election
from referendum.manifest import Manifest
from referendum.replay import Replay
from referendum.replica import Replica, ReplicaError

__all__ = ["Local", "PartyBoard", "Remote", "party_board"]


class PartyBoard(Protocol):
    """What a party's command needs of the board."""

    manifest: Manifest

    @property
    def state(self) -> Replay: ...

    def post(self, kind: str, payload: Any) -> int:
        """Gives back the board index of the accepted message."""

    def post_many(self, items: Sequence[tuple[str, Any]]) -> list[int]:
        """Gives back the board indexes of the accepted messages, in order."""

    def root(self, size: int) -> bytes:
        """Gives back the root of the first size entries, as this party's board holds them."""

    def cosigned_from(self, size: int) -> list[SignedCheckpoint]:
        """Gives back the co-signed checkpoints of size entries or more (oldest first)."""

    def freshest_cosigned(self, size: int) -> SignedCheckpoint | None:
        """Gives back the co-signed checkpoint of size entries with the latest times the
        board keeps (section 7.6.1), or None."""

    def checkpoint(self) -> tuple[SignedCheckpoint, list[bytes]]:
        """Gives back the board's signed checkpoint at this party's size, and a function's
        worth of proof: the consistency proof from size (see consistency)."""

    def consistency(self, first: int, second: int) -> list[bytes]:
        """Gives back the proof that tree first is a prefix of tree second (7.3.4)."""

    def add_cosigned(self, signed: SignedCheckpoint) -> None:
        """Hands a co-signed checkpoint to the board."""


class Local:
    """The operator's board folder (rehearsal on one machine)."""

    def __init__(self, election: Election) -> None:
        self.election = election
        self.manifest = election.manifest

    @property
    def state(self) -> Replay:
        return self.election.state

    def post(self, kind: str, payload: Any) -> int:
        return self.election.post(kind, payload).index

    def post_many(self, items: Sequence[tuple[str, Any]]) -> list[int]:
        return [e.index for e in self.election.post_many([(k, p, None) for k, p in items])]

    def root(self, size: int) -> bytes:
        return self.election.log.root(size)

    def cosigned_from(self, size: int) -> list[SignedCheckpoint]:
        return [s for s in self.election.cosigned() if s.checkpoint.size >= size]

    def freshest_cosigned(self, size: int) -> SignedCheckpoint | None:
        return self.election.freshest_cosigned(size)

    def checkpoint(self) -> tuple[SignedCheckpoint, list[bytes]]:
        return self.election.signed_checkpoint(), []

    def consistency(self, first: int, second: int) -> list[bytes]:
        return self.election.log.consistency_proof(first, second)

    def add_cosigned(self, signed: SignedCheckpoint) -> None:
        self.election.add_cosigned(signed)
        self.election.close_step_if_due()  # as the board's server does (section 11.7.2)


class Remote:
    """The party's own replica, synced before the command acts."""

    def __init__(self, replica: Replica) -> None:
        self.replica = replica
        self.manifest = replica.manifest

    @property
    def state(self) -> Replay:
        return self.replica.state

    def post(self, kind: str, payload: Any) -> int:
        return self.replica.post(kind, payload)

    def post_many(self, items: Sequence[tuple[str, Any]]) -> list[int]:
        return [self.replica.post(kind, payload) for kind, payload in items]

    def root(self, size: int) -> bytes:
        return self.replica.log.root(size)

    def cosigned_from(self, size: int) -> list[SignedCheckpoint]:
        return self._cosigned(size, latest=False)

    def _cosigned(self, size: int, *, latest: bool) -> list[SignedCheckpoint]:
        query = "&latest=1" if latest else ""
        answer = self.replica.client.get(f"/api/board/cosigned?from={size}{query}")
        texts = answer.get("checkpoints") if isinstance(answer, dict) else None
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise ReplicaError("the board's co-signed checkpoints: want a list of texts")
        try:
            return [parse_signed_checkpoint(t) for t in texts]
        except BoardVerificationError as exc:
            raise ReplicaError(f"the board's co-signed checkpoints: {exc}") from None

    def freshest_cosigned(self, size: int) -> SignedCheckpoint | None:
        found = [c for c in self._cosigned(size, latest=True) if c.checkpoint.size == size]
        return found[0] if found else None

    def checkpoint(self) -> tuple[SignedCheckpoint, list[bytes]]:
        verified = self.replica.verified
        if verified is None or verified.checkpoint.size != self.replica.state.size:
            verified = self.replica.head()
        return verified, []

    def consistency(self, first: int, second: int) -> list[bytes]:
        # From the replica's own tree: every entry of it was checked here.
        return self.replica.log.consistency_proof(first, second)

    def add_cosigned(self, signed: SignedCheckpoint) -> None:
        self.replica.client.post("/api/board/cosignatures", {"checkpoint": signed.to_text()})


@contextmanager
def party_board(
    folder: Path | None,
    *,
    board: str | None,
    fingerprint: str | None,
    election: str | None,
    check: bool = False,
    progress: bool | None = None,
) -> Iterator[PartyBoard]:
    """Gives back the board as this party sees it, brought up to date.

    board (and fingerprint on first use): the party's replica in folder, synced (every
    new entry checked). election: the operator's folder (check: re-check it in full).
    """
    if election is not None:
        if board is not None or fingerprint is not None:
            raise ValueError("give --board URL (with --fingerprint), or --election FOLDER")
        with Election.locked(Path(election), check=check) as e:
            yield Local(e)
        return
    if folder is None:
        raise ValueError("--board needs --dir: the folder that keeps this party's replica")
    if board is None and fingerprint is None and not (folder / "board.json").exists():
        raise ValueError("give --board URL and --fingerprint (or --election FOLDER)")
    with Replica.open(folder, board, fingerprint) as replica:
        replica.sync(progress=progress)
        yield Remote(replica)
