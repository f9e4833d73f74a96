"""Where the board's derived state keeps its large maps (docs/protocol.md section 7.5.5).

The state that grows with the voters is three keyed maps, each a *space* of one index:

    ROLL    credential public key (32 bytes)  -> region number (2 bytes, big-endian)
    SEEN    tracking hash (32 bytes)          -> board index of its ballot or spoiled entry
    LATEST  credential public key (32 bytes)  -> board index of its last ballot, then the
                                                 ballot's ciphertexts (section 14.1)

Everything else (phase, counts, running totals, the ceremony, the Merkle frontier) is
small and goes in a snapshot. The verifier keeps the maps in memory (MemoryIndex); the
board server and every party's replica keep them in their store (StoreIndex), written in
the same transaction as the entries they describe, so a command or a restart reads them
instead of replaying the board.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the verifier imports this module; it never loads store code
    from referendum.board.store import LogStore

__all__ = [
    "COSIGNED",
    "LATEST",
    "ROLL",
    "SEEN",
    "Index",
    "MemoryIndex",
    "StoreIndex",
    "pack_index",
    "unpack_index",
]

ROLL, SEEN, LATEST = 1, 2, 3
#: Not derived from entries: checkpoints witnesses co-signed, by size (8 bytes) -> text.
#: Kept in the board's store so every service machine sees the same (section 7.6).
COSIGNED = 5


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
        self._spaces: dict[int, dict[bytes, bytes]] = {ROLL: {}, SEEN: {}, LATEST: {}}

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
