"""Where a board test's store lives, and how to open it again in another process.

Shared by conftest.py (fixtures), test_board_conformance.py and board_child.py. A module of
its own, not conftest, because tests/conftest.py also exists and "import conftest" would be
ambiguous.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from referendum.board import PostgresStore, SqliteStore
from referendum.board.postgres import DEFAULT_URL, URL_VARIABLE
from referendum.board.store import LogStore

CHILD = str(Path(__file__).with_name("board_child.py"))


def pg_url() -> str:
    return os.environ.get(URL_VARIABLE) or DEFAULT_URL


@dataclass(frozen=True)
class StoreSpec:
    """Where a test's store lives; the text form opens it again in another process."""

    kind: str  # "sqlite" or "postgres"
    where: str  # file path or schema name

    def text(self) -> str:
        return f"{self.kind}:{self.where}"

    def open(self) -> LogStore:
        return open_spec(self.text())

    def raw_execute(self, statement: str, params: tuple[Any, ...] = ()) -> None:
        """Runs SQL behind the store's back (to tamper with what it holds)."""
        if self.kind == "sqlite":
            db = sqlite3.connect(self.where, isolation_level=None)
            db.execute(statement, params)
            db.close()
        else:
            with psycopg.connect(pg_url(), autocommit=True) as db:
                db.execute(f"SET search_path TO {self.where}")
                db.execute(statement.replace("?", "%s"), params)  # type: ignore[arg-type]


def open_spec(text: str) -> LogStore:
    kind, _, where = text.partition(":")
    if kind == "sqlite":
        return SqliteStore(where)
    return PostgresStore(schema=where)


def child_command(spec: StoreSpec, *args: str) -> list[str]:
    return [sys.executable, CHILD, spec.text(), *args]
