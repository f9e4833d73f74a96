"""The SQLite store, the embedded default (docs/protocol.md, section 7.5.3).

WAL journal with synchronous=FULL: a commit is on disk when append_many returns. Appends
take the database write lock (BEGIN IMMEDIATE), so appenders in several processes
serialise and indexes stay gapless. One connection per store, guarded by a lock, so a
store may be shared by threads (for instance a GroupCommitWriter and readers).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from referendum.board._sql import SqlStore
from referendum.board.errors import StoreUnavailableError
from referendum.board.merkle import NodeId
from referendum.board.store import AppendPlan

__all__ = ["SqliteStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS board_log (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS board_entry (
    log_id INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    kind TEXT NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY (log_id, idx)
);
CREATE TABLE IF NOT EXISTS board_node (
    log_id INTEGER NOT NULL,
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (log_id, level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS board_state (
    log_id INTEGER PRIMARY KEY,
    size INTEGER NOT NULL,
    snapshot BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS board_index (
    log_id INTEGER NOT NULL,
    space INTEGER NOT NULL,
    key BLOB NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (log_id, space, key)
) WITHOUT ROWID;
"""
_MAX_IDS = 400  # node ids per query: 2 parameters each, far below SQLite's limit


class SqliteStore(SqlStore):
    """A LogStore in the SQLite database file at path."""

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout: float = 60.0) -> None:
        try:
            db = sqlite3.connect(
                path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
            mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            db.execute("PRAGMA synchronous=FULL")
            db.executescript("BEGIN IMMEDIATE;" + _SCHEMA + "COMMIT;")
        except sqlite3.Error as exc:
            raise StoreUnavailableError(f"cannot open SQLite database {path}: {exc}") from exc
        if mode != "wal":
            raise StoreUnavailableError(f"SQLite database {path} refuses WAL mode ({mode})")
        self._path = os.fspath(path)
        super().__init__(db)

    @contextmanager
    def writer_lock(self, name: str) -> Iterator[None]:
        """Holds an exclusive lock on a file beside the database, one per log: a SQLite
        board lives on one machine, where file locks reach every process."""
        tag = hashlib.sha256(name.encode()).hexdigest()[:16]
        with open(f"{self._path}.{tag}.writer.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction: BEGIN IMMEDIATE, COMMIT on success, else ROLLBACK."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _fetch_nodes(self, log_id: int, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        got: dict[NodeId, bytes] = {}
        for at in range(0, len(ids), _MAX_IDS):
            chunk = ids[at : at + _MAX_IDS]
            values = ",".join(["(?,?)"] * len(chunk))
            # One primary-key lookup per wanted node, whatever the planner thinks of IN.
            sql = (  # only placeholders are formatted in, never data
                "SELECT w.column1, w.column2, (SELECT hash FROM board_node "  # noqa: S608
                "WHERE log_id = ? AND level = w.column1 AND idx = w.column2) "
                f"FROM (VALUES {values}) AS w"
            )
            params = [log_id, *(x for nid in chunk for x in nid)]
            got.update(
                (NodeId(lv, ix), h) for lv, ix, h in self._db.execute(sql, params) if h is not None
            )
        return got

    def _insert(self, log_id: int, plan: AppendPlan) -> None:
        self._db.executemany(
            "INSERT INTO board_entry (log_id, idx, kind, payload) VALUES (?, ?, ?, ?)",
            [(log_id, *r) for r in plan.entries],
        )
        self._db.executemany(
            "INSERT INTO board_node (log_id, level, idx, hash) VALUES (?, ?, ?, ?)",
            [(log_id, *r) for r in plan.nodes],
        )
