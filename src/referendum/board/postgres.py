"""The PostgreSQL store, through psycopg 3 (docs/protocol.md, section 7.5.3).

The URL comes from the argument, else REFERENDUM_DATABASE_URL, else DEFAULT_URL. Every
session sets synchronous_commit=on, so a commit is durable when append_many returns,
whatever the server's default. Appends lock the log's row (SELECT ... FOR UPDATE), so
appenders in several processes serialise and indexes stay gapless. schema= puts the tables
in a schema of their own (tests use a fresh schema each and drop it afterwards).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import psycopg
from psycopg import sql

from referendum.board._sql import SqlStore
from referendum.board.errors import StoreUnavailableError
from referendum.board.merkle import NodeId
from referendum.board.store import AppendPlan

__all__ = ["DEFAULT_URL", "URL_VARIABLE", "PostgresStore"]

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
URL_VARIABLE = "REFERENDUM_DATABASE_URL"
_DDL_LOCK = 0x7265666572656E64  # "referend": serialises CREATE ... IF NOT EXISTS across sessions
#: Seconds to wait after each failed attempt to open a new session (about 2 s in all).
_RECONNECT_PAUSES = (0.1, 0.4, 1.5)
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")

_DDL = [
    """CREATE TABLE IF NOT EXISTS board_log (
        id serial PRIMARY KEY,
        name text NOT NULL UNIQUE,
        size bigint NOT NULL DEFAULT 0)""",
    """CREATE TABLE IF NOT EXISTS board_entry (
        log_id integer NOT NULL,
        idx bigint NOT NULL,
        kind text NOT NULL,
        payload bytea NOT NULL,
        PRIMARY KEY (log_id, idx))""",
    """CREATE TABLE IF NOT EXISTS board_node (
        log_id integer NOT NULL,
        level smallint NOT NULL,
        idx bigint NOT NULL,
        hash bytea NOT NULL,
        PRIMARY KEY (log_id, level, idx))""",
    """CREATE TABLE IF NOT EXISTS board_state (
        log_id integer PRIMARY KEY,
        size bigint NOT NULL,
        snapshot bytea NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS board_index (
        log_id integer NOT NULL,
        space smallint NOT NULL,
        key bytea NOT NULL,
        value bytea NOT NULL,
        PRIMARY KEY (log_id, space, key))""",
]
# One primary-key lookup per wanted node (a join may be planned as a scan of the log).
_COPY = "COPY {} ({}) FROM STDIN (FORMAT BINARY)"
_ENTRY_TYPES = ["integer", "bigint", "text", "bytea"]
_NODE_TYPES = ["integer", "smallint", "bigint", "bytea"]
_NODES_SQL = """SELECT w.level, w.idx, (SELECT n.hash FROM board_node n
        WHERE n.log_id = %s AND n.level = w.level AND n.idx = w.idx)
    FROM unnest(%s::smallint[], %s::bigint[]) AS w(level, idx)"""


def _lock_key(where: str, name: str) -> int:
    """Gives back the signed 64-bit advisory lock key of a log's writer lock."""
    digest = hashlib.sha256(f"referendum-board-writer|{where}|{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _redact(url: str) -> str:
    return re.sub(r"://([^:@/]*):[^@/]*@", r"://\1:***@", url)


class PostgresStore(SqlStore):
    """A LogStore in a PostgreSQL database."""

    _db: psycopg.Connection[tuple[Any, ...]]
    _PARAM = "%s"
    _LOCK_LOG = "SELECT id, size FROM board_log WHERE name = ? FOR UPDATE"

    def __init__(self, url: str | None = None, *, schema: str | None = None) -> None:
        url = url or os.environ.get(URL_VARIABLE) or DEFAULT_URL
        if schema is not None and _SCHEMA_NAME.fullmatch(schema) is None:
            raise ValueError(f"schema {schema!r}: want [a-z_][a-z0-9_]*, at most 63 characters")
        self._url = url
        self._schema = schema
        db = self._connect()
        self._locker: psycopg.Connection[tuple[Any, ...]] | None = None
        # Threads of one process take turns: an advisory lock is re-entrant per session.
        self._locking = threading.Lock()
        with db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_DDL_LOCK,))
            if schema is not None:
                ident = sql.Identifier(schema)
                db.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(ident))
                db.execute(sql.SQL("SET search_path TO {}").format(ident))
            for statement in _DDL:
                db.execute(statement)
        # Where the tables are, as the server names it (however the URL reached it): the
        # writer lock is per database, schema and log.
        row = db.execute("SELECT current_database(), current_schema()").fetchone()
        self._where = f"{row[0] if row else ''}|{row[1] if row else ''}"
        super().__init__(db)

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        """Gives back a new session: durable commits, this store's schema."""
        try:
            db = psycopg.connect(self._url, autocommit=True, connect_timeout=10)
            db.execute("SET synchronous_commit = on")
            if self._schema is not None:
                db.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self._schema)))
        except psycopg.Error as exc:
            raise StoreUnavailableError(
                f"cannot connect to PostgreSQL at {_redact(self._url)} (set {URL_VARIABLE}):"
                f" {' '.join(str(exc).split())}"
            ) from exc
        return db

    def _ensure_connected(self) -> None:
        """Opens a new session when the last one was lost (a restart, a failover, an idle
        reaper): a few tries over about two seconds, then StoreUnavailableError, so a
        request gets a 503 and the next one tries again (section 7.5.3)."""
        if not (self._db.closed or self._db.broken):
            return
        with self._lock:
            if not (self._db.closed or self._db.broken):
                return
            last: StoreUnavailableError | None = None
            for pause in _RECONNECT_PAUSES:
                try:
                    self._db = self._connect()
                    return
                except StoreUnavailableError as exc:
                    last = exc
                    time.sleep(pause)
            if last is not None:
                raise last

    def _lost(self, exc: BaseException) -> str | None:
        if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
            return " ".join(str(exc).split()) or type(exc).__name__
        return None

    def _transaction(self) -> AbstractContextManager[Any]:
        return self._db.transaction()

    @contextmanager
    def writer_lock(self, name: str) -> Iterator[None]:
        """Holds a session advisory lock named after the schema and log, on a connection of
        its own (waiting for it never holds up this store's other queries). It reaches every
        session of the database, on any machine, and is released if the session dies."""
        key = _lock_key(self._where, name)
        with self._locking:
            if self._locker is None or self._locker.closed or self._locker.broken:
                self._locker = self._connect()
            locker = self._locker
            try:
                locker.execute("SELECT pg_advisory_lock(%s)", (key,))
            except psycopg.Error as exc:
                raise StoreUnavailableError(f"the board's writer lock: {exc}") from exc
            try:
                yield
            finally:
                # A lost session has released the lock already; nothing more to undo.
                with contextlib.suppress(psycopg.Error):
                    locker.execute("SELECT pg_advisory_unlock(%s)", (key,))

    def close(self) -> None:
        if self._locker is not None:
            self._locker.close()
        super().close()

    def _fetch_nodes(self, log_id: int, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        levels = [nid.level for nid in ids]
        indexes = [nid.idx for nid in ids]
        rows = self._db.execute(_NODES_SQL, (log_id, levels, indexes)).fetchall()
        return {NodeId(level, idx): bytes(h) for level, idx, h in rows if h is not None}

    def _insert(self, log_id: int, plan: AppendPlan) -> None:
        tables: tuple[tuple[str, str, list[str], Sequence[tuple[Any, ...]]], ...] = (
            ("board_entry", "log_id, idx, kind, payload", _ENTRY_TYPES, plan.entries),
            ("board_node", "log_id, level, idx, hash", _NODE_TYPES, plan.nodes),
        )
        with self._db.cursor() as cur:
            for table, columns, types, rows in tables:
                statement = sql.SQL(_COPY).format(sql.Identifier(table), sql.SQL(columns))
                with cur.copy(statement) as copy:
                    copy.set_types(types)
                    for row in rows:
                        copy.write_row((log_id, *row))
