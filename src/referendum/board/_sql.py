"""What the SQLite and PostgreSQL stores share: every query but node lookups and inserts.

docs/protocol.md, section 7.5. Queries are written with "?" placeholders; a
subclass sets _PARAM to its driver's marker. Both drivers' connections offer
execute(sql, params) returning a cursor, which is all this class uses.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from referendum.board.entry import Entry
from referendum.board.errors import (
    LogNotFoundError,
    StateOutOfStepError,
    StoreOutcomeUnknownError,
    StoreUnavailableError,
)
from referendum.board.merkle import CompactRange, NodeId
from referendum.board.store import (
    AppendPlan,
    StateUpdate,
    border_hashes,
    iter_pages,
    plan_append,
)

_MAX_KEYS = 500  # keys per index look-up: far below both drivers' parameter limits


_F = TypeVar("_F", bound=Callable[..., Any])


def _guarded(*, retry: bool) -> Callable[[_F], _F]:
    """Runs a store operation on a live connection (reconnecting first if it was lost),
    turning the driver's connection errors into StoreUnavailableError. retry: a read,
    tried once more on a new connection when the connection turns out to be lost."""

    def wrap(method: _F) -> _F:
        @functools.wraps(method)
        def run(self: SqlStore, *args: Any, **kwargs: Any) -> Any:
            for attempt in (1, 2):
                self._ensure_connected()
                self._local.committing = False
                try:
                    return method(self, *args, **kwargs)
                except Exception as exc:
                    lost = self._lost(exc)
                    if lost is None:
                        raise
                    if getattr(self._local, "committing", False):
                        raise StoreOutcomeUnknownError(
                            f"the connection to the store was lost while committing: {lost}"
                        ) from exc
                    if not retry or attempt == 2:
                        raise StoreUnavailableError(
                            f"the connection to the store was lost: {lost}"
                        ) from exc
            raise AssertionError("unreachable")  # pragma: no cover

        return run  # type: ignore[return-value]

    return wrap


class SqlStore:
    """Base of SqliteStore and PostgresStore; a subclass opens _db and fills the hooks."""

    _PARAM = "?"
    _LOCK_LOG = "SELECT id, size FROM board_log WHERE name = ?"

    def __init__(self, db: Any) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._ids: dict[str, int] = {}  # name -> id; ids never change while a log exists
        #: committing: set (per thread) while an append's COMMIT is under way: a connection
        #: lost then leaves the outcome unknown (StoreOutcomeUnknownError), not a refusal.
        self._local = threading.local()

    # hooks
    def _transaction(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _ensure_connected(self) -> None:
        """Reconnects when the connection was lost (PostgreSQL); nothing for SQLite."""

    def _lost(self, exc: BaseException) -> str | None:
        """Gives back why, when exc means the connection is lost; None otherwise."""
        return None

    def _fetch_nodes(self, log_id: int, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        raise NotImplementedError

    def _insert(self, log_id: int, plan: AppendPlan) -> None:
        raise NotImplementedError

    # shared
    def _run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._db.execute(sql.replace("?", self._PARAM), params)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _log_id(self, name: str) -> int:
        log_id = self._ids.get(name)
        if log_id is None:
            row = self._run("SELECT id FROM board_log WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise LogNotFoundError(name)
            log_id = self._ids[name] = int(row[0])
        return log_id

    @_guarded(retry=False)
    def create_log(self, name: str) -> None:
        with self._lock:
            self._run("INSERT INTO board_log (name) VALUES (?) ON CONFLICT DO NOTHING", (name,))

    @_guarded(retry=False)
    def drop_log(self, name: str) -> None:
        with self._lock, self._transaction():
            self._ids.pop(name, None)
            row = self._run("DELETE FROM board_log WHERE name = ? RETURNING id", (name,)).fetchone()
            if row is not None:
                for table in ("board_entry", "board_node", "board_state", "board_index"):
                    self._run(f"DELETE FROM {table} WHERE log_id = ?", row)  # noqa: S608

    @_guarded(retry=True)
    def size(self, name: str) -> int:
        with self._lock:
            row = self._run("SELECT size FROM board_log WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise LogNotFoundError(name)
        return int(row[0])

    @_guarded(retry=True)
    def nodes(self, name: str, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        with self._lock:
            return self._fetch_nodes(self._log_id(name), ids)

    @_guarded(retry=False)
    def append_many(
        self,
        name: str,
        items: Sequence[tuple[str, bytes]],
        state: StateUpdate | None = None,
        *,
        expect: int | None = None,
    ) -> int:
        with self._lock, self._transaction():
            row = self._run(self._LOCK_LOG, (name,)).fetchone()
            if row is None:
                raise LogNotFoundError(name)
            log_id, size = int(row[0]), int(row[1])
            if expect is not None and size != expect:
                raise StateOutOfStepError(
                    f"log {name} has {size} entries, the writer expected {expect}"
                )
            border = self._fetch_nodes(log_id, CompactRange.node_ids(size))
            plan = plan_append(name, size, border_hashes(name, size, border), items)
            self._insert(log_id, plan)
            self._run("UPDATE board_log SET size = ? WHERE id = ?", (plan.new_size, log_id))
            if state is not None:
                if state.base != size or state.size != plan.new_size:
                    raise StateOutOfStepError(
                        f"log {name}: a state of entries {state.base}..{state.size} cannot"
                        f" go with an append at {size}..{plan.new_size}"
                    )
                self._write_state(log_id, state)
            self._local.committing = True  # leaving the block commits
        self._local.committing = False
        return size

    @_guarded(retry=False)
    def save_state(self, name: str, state: StateUpdate) -> None:
        with self._lock, self._transaction():
            row = self._run(self._LOCK_LOG, (name,)).fetchone()
            if row is None:
                raise LogNotFoundError(name)
            if state.size > int(row[1]):
                raise StateOutOfStepError(
                    f"log {name} has {row[1]} entries, fewer than the state's {state.size}"
                )
            self._write_state(int(row[0]), state)

    def _write_state(self, log_id: int, state: StateUpdate) -> None:
        """Writes state if the stored one is still at state.base; else StateOutOfStepError."""
        updated = self._run(
            "UPDATE board_state SET size = ?, snapshot = ? WHERE log_id = ? AND size = ?",
            (state.size, state.snapshot, log_id, state.base),
        ).rowcount
        if updated != 1:
            held = self._run("SELECT size FROM board_state WHERE log_id = ?", (log_id,)).fetchone()
            if held is not None or state.base != 0:
                raise StateOutOfStepError(
                    f"the board's derived state is at {held[0] if held else 0} entries,"
                    f" not {state.base}: another writer got there first"
                )
            self._run(
                "INSERT INTO board_state (log_id, size, snapshot) VALUES (?, ?, ?)",
                (log_id, state.size, state.snapshot),
            )
        if state.index:
            cursor = self._db.cursor()
            cursor.executemany(
                (
                    "INSERT INTO board_index (log_id, space, key, value) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (log_id, space, key) DO UPDATE SET value = excluded.value"
                ).replace("?", self._PARAM),
                [(log_id, space, key, value) for space, key, value in state.index],
            )
            cursor.close()

    @_guarded(retry=True)
    def load_state(self, name: str) -> tuple[int, bytes] | None:
        with self._lock:
            row = self._run(
                "SELECT s.size, s.snapshot, l.size FROM board_state s JOIN board_log l "
                "ON l.id = s.log_id WHERE l.name = ?",
                (name,),
            ).fetchone()
        if row is None:
            return None
        if int(row[2]) < int(row[0]):
            raise StateOutOfStepError(
                f"log {name} has {row[2]} entries, fewer than its state's {row[0]}:"
                " the board was rolled back (restored from a backup?)"
            )
        return int(row[0]), bytes(row[1])

    @_guarded(retry=True)
    def index_get(self, name: str, space: int, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        got: dict[bytes, bytes] = {}
        with self._lock:
            log_id = self._log_id(name)
            for at in range(0, len(keys), _MAX_KEYS):
                chunk = list(keys[at : at + _MAX_KEYS])
                marks = ",".join(["?"] * len(chunk))
                rows = self._run(
                    "SELECT key, value FROM board_index "  # noqa: S608 - placeholders only
                    f"WHERE log_id = ? AND space = ? AND key IN ({marks})",
                    (log_id, space, *chunk),
                ).fetchall()
                got.update((bytes(k), bytes(v)) for k, v in rows)
        return got

    @_guarded(retry=False)
    def index_put(self, name: str, rows: Sequence[tuple[int, bytes, bytes]]) -> None:
        with self._lock, self._transaction():
            log_id = self._log_id(name)
            cursor = self._db.cursor()
            cursor.executemany(
                (
                    "INSERT INTO board_index (log_id, space, key, value) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (log_id, space, key) DO UPDATE SET value = excluded.value"
                ).replace("?", self._PARAM),
                [(log_id, space, key, value) for space, key, value in rows],
            )
            cursor.close()

    @_guarded(retry=True)
    def index_last(self, name: str, space: int) -> tuple[bytes, bytes] | None:
        with self._lock:
            row = self._run(
                "SELECT key, value FROM board_index WHERE log_id = ? AND space = ? "
                "ORDER BY key DESC LIMIT 1",
                (self._log_id(name), space),
            ).fetchone()
        return None if row is None else (bytes(row[0]), bytes(row[1]))

    def index_scan(
        self, name: str, space: int, start: bytes = b""
    ) -> Iterator[tuple[bytes, bytes]]:
        log_id = self._scan_log_id(name)
        after, op = start, ">="
        while True:
            rows = self._scan_page(log_id, space, after, op)
            op = ">"
            if not rows:
                return
            yield from rows
            after = rows[-1][0]

    @_guarded(retry=True)
    def _scan_log_id(self, name: str) -> int:
        with self._lock:
            return self._log_id(name)

    @_guarded(retry=True)
    def _scan_page(
        self, log_id: int, space: int, after: bytes, op: str
    ) -> list[tuple[bytes, bytes]]:
        with self._lock:
            rows = self._run(
                "SELECT key, value FROM board_index WHERE log_id = ? AND space = ? "  # noqa: S608
                f"AND key {op} ? ORDER BY key LIMIT 1000",
                (log_id, space, after),
            ).fetchall()
        return [(bytes(k), bytes(v)) for k, v in rows]

    @_guarded(retry=True)
    def index_first(self, name: str, space: int, low: bytes, high: bytes) -> bytes | None:
        with self._lock:
            row = self._run(
                "SELECT value FROM board_index WHERE log_id = ? AND space = ? "
                "AND key >= ? AND key < ? ORDER BY key LIMIT 1",
                (self._log_id(name), space, low, high),
            ).fetchone()
        return None if row is None else bytes(row[0])

    @_guarded(retry=True)
    def _page(self, log_id: int, first: int, limit: int) -> list[tuple[int, str, bytes]]:
        with self._lock:
            rows: list[tuple[int, str, bytes]] = self._run(
                "SELECT idx, kind, payload FROM board_entry WHERE log_id = ? AND idx >= ? "
                "ORDER BY idx LIMIT ?",
                (log_id, first, limit),
            ).fetchall()
        return rows

    def entries(self, name: str, start: int, end: int) -> Iterator[Entry]:
        with self._lock:
            log_id = self._log_id(name)
        return iter_pages(name, start, end, lambda first, n: self._page(log_id, first, n))
