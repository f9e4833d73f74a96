"""A named log on a store: append, read, roots, proofs, checkpoints, audit.

docs/protocol.md, sections 7.3 to 7.5. Log holds no state of its own besides the store
and the name, so several processes may open the same log and append concurrently.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice

from referendum.board.checkpoint import Checkpoint, SignedCheckpoint, sign_checkpoint
from referendum.board.entry import Entry, check_log_id
from referendum.board.errors import StoreCorruptionError
from referendum.board.keys import SigningKey
from referendum.board.merkle import (
    CompactRange,
    NodeId,
    consistency_proof,
    inclusion_proof,
    inclusion_proofs,
    tree_root,
)
from referendum.board.store import LogStore, StateUpdate

__all__ = ["Log"]

_AUDIT_BATCH = 512


class Log:
    """The log called name in store (created when missing, unless create is False)."""

    def __init__(self, store: LogStore, name: str, *, create: bool = True) -> None:
        self.store = store
        self.name = check_log_id(name)
        if create:
            store.create_log(name)
        else:
            store.size(name)  # raises LogNotFoundError

    def _nodes(self, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        return self.store.nodes(self.name, ids)

    def size(self) -> int:
        """Gives back the number of committed entries."""
        return self.store.size(self.name)

    def _size_or_current(self, size: int | None) -> int:
        current = self.size()
        if size is None:
            return current
        if not 0 <= size <= current:
            raise ValueError(f"log {self.name} has {current} entries, not {size}")
        return size

    def append(self, kind: str, payload: bytes) -> Entry:
        """Gives back the entry once it is durably committed (section 7.5.2)."""
        return self.append_many([(kind, payload)])[0]

    def append_many(
        self, items: Sequence[tuple[str, bytes]], state: StateUpdate | None = None
    ) -> list[Entry]:
        """Gives back the entries of items, committed together in one transaction (with
        the derived state after them, if given: section 7.5.5)."""
        first = self.store.append_many(self.name, items, state)
        return [Entry(self.name, first + i, k, p) for i, (k, p) in enumerate(items)]

    def entries(self, start: int = 0, end: int | None = None) -> Iterator[Entry]:
        """Gives back entries start..end-1 (end defaults to the current size), streamed."""
        end = self._size_or_current(end)
        return self.store.entries(self.name, start, end)

    def entry(self, index: int) -> Entry:
        """Gives back entry index."""
        self._size_or_current(index + 1)
        return next(self.store.entries(self.name, index, index + 1))

    def root(self, size: int | None = None) -> bytes:
        """Gives back the root hash at size (default: now), O(log n) node reads (7.3.2)."""
        return tree_root(self._size_or_current(size), self._nodes)

    def checkpoint(self, size: int | None = None) -> Checkpoint:
        """Gives back the (unsigned) checkpoint of the tree at size (default: now)."""
        size = self._size_or_current(size)
        return Checkpoint(self.name, size, tree_root(size, self._nodes))

    def sign(self, key: SigningKey, size: int | None = None) -> SignedCheckpoint:
        """Gives back the checkpoint at size signed by the board key (section 7.4.3)."""
        return sign_checkpoint(self.checkpoint(size), key)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Gives back the inclusion proof of entry index in the tree at size (7.3.3)."""
        return inclusion_proof(index, self._size_or_current(size), self._nodes)

    def signed_proofs(
        self, key: SigningKey, size: int, indexes: Sequence[int]
    ) -> tuple[SignedCheckpoint, list[list[bytes]]]:
        """Gives back the checkpoint at size signed by the board key and the inclusion
        proof of each entry of indexes in that tree (7.3.3, 7.4.3): one read of the store
        for a whole batch of receipts."""
        size = self._size_or_current(size)
        root, proofs = inclusion_proofs(indexes, size, self._nodes)
        return sign_checkpoint(Checkpoint(self.name, size, root), key), proofs

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """Gives back the proof that tree size1 is a prefix of tree size2 (7.3.4)."""
        size2 = self._size_or_current(size2)
        if size1 == size2:
            return []
        return consistency_proof(size1, size2, self._nodes)

    def audit(self) -> Checkpoint:
        """Gives back the current checkpoint after re-hashing every entry (section 7.5.4).

        Streams the whole log, recomputes every Merkle node and compares it with the stored
        one; raises StoreCorruptionError naming the first disagreement. O(n), for repair
        and tests; routine verification uses proofs instead.
        """
        size = self.size()
        tree = CompactRange()
        entries = self.store.entries(self.name, 0, size)
        while batch := list(islice(entries, _AUDIT_BATCH)):
            computed = [node for e in batch for node in tree.append(e.leaf_hash())]
            stored = self._nodes([nid for nid, _ in computed])
            for nid, h in computed:
                if stored.get(nid) != h:
                    raise StoreCorruptionError(
                        f"log {self.name}: stored node {tuple(nid)} disagrees with the entries"
                    )
        return Checkpoint(self.name, size, tree.root())
