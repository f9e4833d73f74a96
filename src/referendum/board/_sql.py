"""What the SQLite and PostgreSQL stores share: every query but node lookups and inserts.

docs/protocol.md, section 7.5. Queries are written with "?" placeholders; a
subclass sets _PARAM to its driver's marker. Both drivers' connections offer
execute(sql, params) returning a cursor, which is all this class uses.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from referendum.board.entry import Entry
from referendum.board.errors import LogNotFoundError
from referendum.board.merkle import CompactRange, NodeId
from referendum.board.store import AppendPlan, border_hashes, iter_pages, plan_append


class SqlStore:
    """Base of SqliteStore and PostgresStore; a subclass opens _db and fills the hooks."""

    _PARAM = "?"
    _LOCK_LOG = "SELECT id, size FROM board_log WHERE name = ?"

    def __init__(self, db: Any) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._ids: dict[str, int] = {}  # name -> id; ids never change while a log exists

    # hooks
    def _transaction(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

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

    def create_log(self, name: str) -> None:
        with self._lock:
            self._run("INSERT INTO board_log (name) VALUES (?) ON CONFLICT DO NOTHING", (name,))

    def drop_log(self, name: str) -> None:
        with self._lock, self._transaction():
            self._ids.pop(name, None)
            row = self._run("DELETE FROM board_log WHERE name = ? RETURNING id", (name,)).fetchone()
            if row is not None:
                self._run("DELETE FROM board_entry WHERE log_id = ?", row)
                self._run("DELETE FROM board_node WHERE log_id = ?", row)

    def size(self, name: str) -> int:
        with self._lock:
            row = self._run("SELECT size FROM board_log WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise LogNotFoundError(name)
        return int(row[0])

    def nodes(self, name: str, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        with self._lock:
            return self._fetch_nodes(self._log_id(name), ids)

    def append_many(self, name: str, items: Sequence[tuple[str, bytes]]) -> int:
        with self._lock, self._transaction():
            row = self._run(self._LOCK_LOG, (name,)).fetchone()
            if row is None:
                raise LogNotFoundError(name)
            log_id, size = int(row[0]), int(row[1])
            border = self._fetch_nodes(log_id, CompactRange.node_ids(size))
            plan = plan_append(name, size, border_hashes(name, size, border), items)
            self._insert(log_id, plan)
            self._run("UPDATE board_log SET size = ? WHERE id = ?", (plan.new_size, log_id))
        return size

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
