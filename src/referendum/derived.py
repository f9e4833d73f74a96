"""Where the board's derived state keeps its large maps (docs/protocol.md section 7.5.5).

The state that grows with the voters is four keyed maps, each a *space* of one index:

    ROLL    credential public key (32 bytes)  -> region number (2 bytes, big-endian)
    PARTS   region number (2 bytes) and batch (4 bytes, both big-endian) -> the sums so
                                                 far of the co-issuers' parts of that batch's
                                                 slots (32 bytes each), until every
                                                 co-issuer posted the batch (section 10.5)
    SEEN    tracking hash (32 bytes)          -> board index of its ballot or spoiled entry
    LATEST  credential public key (32 bytes)  -> board index of its last ballot, then the
                                                 ballot's ciphertexts (section 14.1)

Everything else (phase, counts, running totals, the ceremony, the Merkle frontier) is
small and goes in a snapshot. The verifier keeps the maps in memory (MemoryIndex) while
they are small and in a temporary SQLite file of its own past that (SpillIndex, DiskIndex),
so its memory stays bounded whatever the record's size; the board server and every
party's replica keep them in their store (StoreIndex), written in the same transaction as
the entries they describe, so a command or a restart reads them instead of replaying the
board.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the verifier imports this module; it never loads store code
    from referendum.board.store import LogStore

__all__ = [
    "COSIGNED",
    "DERIVED_SPACES",
    "FRESH",
    "LATEST",
    "PARTS",
    "ROLL",
    "SEEN",
    "DiskIndex",
    "Index",
    "MemoryIndex",
    "SpillIndex",
    "StoreIndex",
    "pack_index",
    "unpack_index",
]

ROLL, SEEN, LATEST = 1, 2, 3
#: (4 is a replica's VERIFIED, 5 and 6 below.)
PARTS = 7
#: The spaces derived from entries, which an audit compares with the entries (7.5.5).
DERIVED_SPACES = (ROLL, SEEN, LATEST, PARTS)
#: Not derived from entries: checkpoints witnesses co-signed, by size (8 bytes) -> text.
#: Kept in the board's store so every service machine sees the same (section 7.6).
COSIGNED = 5
#: Not derived either: size (8 bytes) -> the checkpoint of that size with each witness's
#: latest co-signature, when a witness co-signed the unchanged tree again (section 7.6.1).
FRESH = 6


def pack_index(index: int) -> bytes:
    """Gives back a board index as 8 bytes, big-endian."""
    return index.to_bytes(8, "big")


def unpack_index(value: bytes) -> int:
    """Gives back the board index in the first 8 bytes of value."""
    return int.from_bytes(value[:8], "big")


class Index(Protocol):
    """The keyed maps of the derived state, by space."""

    def get(self, space: int, key: bytes) -> bytes | None:
        """Gives back the value of key in space, or None."""

    def get_many(self, space: int, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """Gives back key -> value for each of keys present in space."""

    def put(self, space: int, key: bytes, value: bytes) -> None:
        """Sets key to value in space."""

    def first(self, space: int, low: bytes, high: bytes) -> bytes | None:
        """Gives back the value of the smallest key k in space with low <= k < high."""


class MemoryIndex:
    """An Index in dictionaries: the verifier's, for one pass over a record."""

    def __init__(self) -> None:
        self._spaces: dict[int, dict[bytes, bytes]] = {s: {} for s in DERIVED_SPACES}

    def get(self, space: int, key: bytes) -> bytes | None:
        return self._spaces[space].get(key)

    def get_many(self, space: int, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        found = self._spaces[space]
        return {k: found[k] for k in keys if k in found}

    def put(self, space: int, key: bytes, value: bytes) -> None:
        self._spaces[space][key] = value

    def spaces(self) -> dict[int, dict[bytes, bytes]]:
        """Gives back every row, by space (read only)."""
        return self._spaces

    def scan(self, space: int) -> Iterator[tuple[bytes, bytes]]:
        """Gives back every (key, value) of space, in key order."""
        return iter(sorted(self._spaces[space].items()))

    def first(self, space: int, low: bytes, high: bytes) -> bytes | None:
        # A scan: the verifier looks codes up by their hash, never by a typed prefix.
        inside = [k for k in self._spaces[space] if low <= k < high]
        return self._spaces[space][min(inside)] if inside else None


class StoreIndex:
    """An Index over a store's committed rows, with the writes of entries not yet
    committed held on top (pending) until the append's transaction takes them."""

    def __init__(self, store: LogStore, name: str) -> None:
        self._store = store
        self._name = name
        self._pending: dict[tuple[int, bytes], bytes] = {}

    def get(self, space: int, key: bytes) -> bytes | None:
        value = self._pending.get((space, key))
        if value is not None:
            return value
        return self._store.index_get(self._name, space, [key]).get(key)

    def get_many(self, space: int, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        found = {k: v for k in keys if (v := self._pending.get((space, k))) is not None}
        rest = [k for k in keys if k not in found]
        if rest:
            found.update(self._store.index_get(self._name, space, rest))
        return found

    def put(self, space: int, key: bytes, value: bytes) -> None:
        self._pending[(space, key)] = value

    def first(self, space: int, low: bytes, high: bytes) -> bytes | None:
        mine = [k for (s, k) in self._pending if s == space and low <= k < high]
        stored = self._store.index_first(self._name, space, low, high)
        if not mine:
            return stored
        # A committed key below the smallest pending one wins; pending keys are new.
        return self._pending[(space, min(mine))] if stored is None else stored

    def pending(self) -> list[tuple[int, bytes, bytes]]:
        """Gives back the rows written since the last commit (space, key, value)."""
        return [(space, key, value) for (space, key), value in self._pending.items()]

    def clear(self) -> None:
        """Drops the pending rows: they were committed, or their entries were refused."""
        self._pending.clear()


class DiskIndex:
    """An Index in a SQLite file of its own, in a new temporary folder, removed by close().

    The verifier's for a large record: one pass, nothing to keep, so the file is written
    without journal or sync (a crash loses only this run). Writes are held in memory up
    to `buffer` rows, then written in one transaction in key order; a read looks at the
    held writes first. Memory: the held rows plus SQLite's page cache (`cache_mb`).
    Disk: about 100 bytes per roll key and tracking hash and 100 bytes plus the ballot's
    ciphertexts per credential that voted (docs/operations.md).
    """

    def __init__(
        self, folder: str | Path | None = None, *, cache_mb: int = 32, buffer: int = 20_000
    ) -> None:
        import sqlite3  # here, not above: a verifier of a small record loads no database

        self._folder = Path(tempfile.mkdtemp(prefix="referendum-state-", dir=folder))
        self.path = self._folder / "state.sqlite"
        self._buffer = buffer
        self._pending: dict[tuple[int, bytes], bytes] = {}
        self._db: Any = sqlite3.connect(self.path, isolation_level=None)
        for pragma in (
            "journal_mode = OFF",
            "synchronous = OFF",
            "locking_mode = EXCLUSIVE",
            "temp_store = MEMORY",
            f"cache_size = {-1024 * cache_mb}",
        ):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute(
            "CREATE TABLE rows (space INTEGER NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,"
            " PRIMARY KEY (space, key)) WITHOUT ROWID"
        )

    def get(self, space: int, key: bytes) -> bytes | None:
        value = self._pending.get((space, key))
        if value is not None:
            return value
        row = self._db.execute(
            "SELECT value FROM rows WHERE space = ? AND key = ?", (space, key)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def get_many(self, space: int, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        found: dict[bytes, bytes] = {}
        for key in keys:
            value = self.get(space, key)
            if value is not None:
                found[key] = value
        return found

    def put(self, space: int, key: bytes, value: bytes) -> None:
        self._pending[(space, key)] = value
        if len(self._pending) >= self._buffer:
            self.flush()

    def first(self, space: int, low: bytes, high: bytes) -> bytes | None:
        self.flush()
        row = self._db.execute(
            "SELECT value FROM rows WHERE space = ? AND key >= ? AND key < ? ORDER BY key LIMIT 1",
            (space, low, high),
        ).fetchone()
        return None if row is None else bytes(row[0])

    def scan(self, space: int) -> Iterator[tuple[bytes, bytes]]:
        """Gives back every (key, value) of space, in key order (after writing the held
        rows); nothing may be put while it is read."""
        self.flush()
        rows = self._db.execute(
            "SELECT key, value FROM rows WHERE space = ? ORDER BY key", (space,)
        )
        return ((bytes(k), bytes(v)) for k, v in rows)

    def flush(self) -> None:
        """Writes the held rows to the file, in one transaction."""
        if not self._pending:
            return
        rows = sorted((s, k, v) for (s, k), v in self._pending.items())
        self._db.execute("BEGIN")
        self._db.executemany("INSERT OR REPLACE INTO rows VALUES (?, ?, ?)", rows)
        self._db.execute("COMMIT")
        self._pending.clear()

    def disk_bytes(self) -> int:
        """Gives back the size of the file, in bytes (after writing the held rows)."""
        self.flush()
        return os.path.getsize(self.path)

    def close(self) -> None:
        """Closes and removes the file and its folder."""
        self._db.close()
        self._pending.clear()
        shutil.rmtree(self._folder, ignore_errors=True)


class SpillIndex:
    """An Index in memory up to `limit` rows, then moved whole into a DiskIndex in folder.

    The verifier's default: a small record is checked in memory, without a file; a large
    one (or one whose record.json lies about its size) never holds more than `limit` rows
    in memory.
    """

    def __init__(self, limit: int, folder: str | Path | None = None) -> None:
        self.limit = limit
        self._folder = folder
        self._rows = 0
        self._memory: MemoryIndex | None = MemoryIndex()
        self._index: MemoryIndex | DiskIndex = self._memory
        self.disk: DiskIndex | None = None

    def get(self, space: int, key: bytes) -> bytes | None:
        return self._index.get(space, key)

    def get_many(self, space: int, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        return self._index.get_many(space, keys)

    def put(self, space: int, key: bytes, value: bytes) -> None:
        self._index.put(space, key, value)
        if self._memory is not None:
            self._rows += 1  # overwrites count too: at worst it moves to disk a bit early
            if self._rows > self.limit:
                self._spill(self._memory)

    def first(self, space: int, low: bytes, high: bytes) -> bytes | None:
        return self._index.first(space, low, high)

    def scan(self, space: int) -> Iterator[tuple[bytes, bytes]]:
        """Gives back every (key, value) of space, in key order."""
        return self._index.scan(space)

    def _spill(self, memory: MemoryIndex) -> None:
        disk = DiskIndex(self._folder)
        for space, rows in memory.spaces().items():
            while rows:
                key, value = rows.popitem()
                disk.put(space, key, value)
        disk.flush()
        self.disk = self._index = disk
        self._memory = None

    def close(self) -> None:
        """Removes the file, if the rows went to disk."""
        if self.disk is not None:
            self.disk.close()
