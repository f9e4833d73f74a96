"""The store protocol and the logic both stores share (docs/protocol.md, section 7.5).

A store keeps, per named log: the entries (index, kind, payload), every complete Merkle
node (level, index, hash; level 0 holds the leaf hashes) and the size. Appends run in one
transaction that reads the size and the O(log n) nodes of the compact range, writes the
new entries and nodes and the new size, and commits before returning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from referendum.board.entry import Entry
from referendum.board.errors import StoreCorruptionError
from referendum.board.merkle import CompactRange, NodeId

__all__ = [
    "PAGE_SIZE",
    "AppendPlan",
    "LogStore",
    "StateUpdate",
    "border_hashes",
    "iter_pages",
    "plan_append",
]

PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class StateUpdate:
    """What an append changes in the board's derived state (docs/protocol.md 7.5.5).

    base: the size of the state it was derived from (the store refuses it unless its state
    is still at base); size: the entries it describes. snapshot: the small state (JSON
    bytes). index: rows of the large keyed maps, (space, key, value), inserted or
    replaced. The store writes it in the append's transaction, so the state always
    describes committed entries only.
    """

    base: int
    size: int
    snapshot: bytes
    index: Sequence[tuple[int, bytes, bytes]]


@runtime_checkable
class LogStore(Protocol):
    """What the board needs from a database; SqliteStore and PostgresStore implement it."""

    def create_log(self, name: str) -> None:
        """Creates an empty log called name unless one exists."""

    def drop_log(self, name: str) -> None:
        """Deletes the log called name with all its entries and nodes (tests, tools)."""

    def size(self, name: str) -> int:
        """Gives back the number of entries committed to the log."""

    def append_many(
        self,
        name: str,
        items: Sequence[tuple[str, bytes]],
        state: StateUpdate | None = None,
        *,
        expect: int | None = None,
    ) -> int:
        """Gives back the index of the first of items, appended in one durable transaction.

        Returns only after the commit is durable: every acknowledged entry survives a crash.
        state: the derived state after these items, written in the same transaction.
        expect: the size the log must have (else StateOutOfStepError, nothing written).
        """

    def save_state(self, name: str, state: StateUpdate) -> None:
        """Writes state alone (entries already on the log), in one transaction."""

    def load_state(self, name: str) -> tuple[int, bytes] | None:
        """Gives back (size, snapshot) of the log's derived state, or None if it has none.

        StateOutOfStepError when the log has fewer entries than the state describes."""

    def index_get(self, name: str, space: int, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """Gives back key -> value for each of keys present in the index space."""

    def index_put(self, name: str, rows: Sequence[tuple[int, bytes, bytes]]) -> None:
        """Writes rows (space, key, value) that belong to no entry, in one transaction."""

    def index_last(self, name: str, space: int) -> tuple[bytes, bytes] | None:
        """Gives back (key, value) of the largest key of space, or None."""

    def index_scan(
        self, name: str, space: int, start: bytes = b""
    ) -> Iterator[tuple[bytes, bytes]]:
        """Gives back every (key, value) of space with key >= start, in key order, read in
        pages."""

    def index_first(self, name: str, space: int, low: bytes, high: bytes) -> bytes | None:
        """Gives back the value of the smallest key k of space with low <= k < high."""

    def entries(self, name: str, start: int, end: int) -> Iterator[Entry]:
        """Gives back entries start..end-1 in order, read in pages, never all at once."""

    def nodes(self, name: str, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        """Gives back the stored hash of each requested node that exists."""

    def writer_lock(self, name: str) -> AbstractContextManager[None]:
        """Holds the log's writer lock while the context is open (section 7.5.2).

        Every process and machine that checks entries against the board before appending
        them (the referendum's operator commands and server workers) holds it from the
        moment it brings its view of the board up to date until its append is committed,
        so that no entry is ever appended against a stale view. Blocks until it is free.
        """

    def close(self) -> None:
        """Releases the connection."""


@dataclass(frozen=True, slots=True)
class AppendPlan:
    """The rows an append writes: (index, kind, payload) and (level, index, hash)."""

    entries: list[tuple[int, str, bytes]]
    nodes: list[tuple[int, int, bytes]]
    new_size: int


def plan_append(
    name: str, size: int, border: Sequence[bytes], items: Sequence[tuple[str, bytes]]
) -> AppendPlan:
    """Gives back the rows that append items to a log of size with compact range border.

    border holds the hashes of CompactRange.node_ids(size), read inside the append's
    transaction. Each item is validated as an Entry, so a bad kind fails before any write.
    """
    tree = CompactRange(size, border)
    entry_rows: list[tuple[int, str, bytes]] = []
    node_rows: list[tuple[int, int, bytes]] = []
    for i, (kind, payload) in enumerate(items):
        entry = Entry(name, size + i, kind, payload)
        entry_rows.append((entry.index, kind, payload))
        node_rows.extend((nid.level, nid.idx, h) for nid, h in tree.append(entry.leaf_hash()))
    return AppendPlan(entry_rows, node_rows, tree.size)


def border_hashes(name: str, size: int, got: dict[NodeId, bytes]) -> list[bytes]:
    """Gives back the compact range hashes for size from fetched nodes; raises if one lacks."""
    try:
        return [got[nid] for nid in CompactRange.node_ids(size)]
    except KeyError as exc:
        raise StoreCorruptionError(
            f"log {name}: node {exc.args[0]} of size {size} missing"
        ) from exc


def iter_pages(
    name: str,
    start: int,
    end: int,
    page: Callable[[int, int], list[tuple[int, str, bytes]]],
) -> Iterator[Entry]:
    """Gives back entries start..end-1 by calling page(first, limit) for PAGE_SIZE rows.

    Raises StoreCorruptionError on a gap or a repeated index (an entry deleted in the DB).
    """
    expected = start
    while expected < end:
        rows = page(expected, min(PAGE_SIZE, end - expected))
        if not rows:
            raise StoreCorruptionError(f"log {name}: entry {expected} is missing")
        for index, kind, payload in rows:
            if index != expected:
                raise StoreCorruptionError(f"log {name}: entry {expected} is missing")
            yield Entry(name, index, kind, bytes(payload))
            expected += 1
