"""Fixtures for the board tests: both stores, isolated per test.

PostgreSQL tests use the server at REFERENDUM_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test) and FAIL, never skip, when it is unreachable.
Each test gets a fresh schema, dropped afterwards, so runs can overlap on one database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from board_stores import StoreSpec, pg_url

from referendum.board import PostgresStore, StoreUnavailableError
from referendum.board.postgres import URL_VARIABLE
from referendum.board.store import LogStore


def _drop_schema(schema: str) -> None:
    with psycopg.connect(pg_url(), autocommit=True) as db:
        db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def spec(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreSpec]:
    if request.param == "sqlite":
        yield StoreSpec("sqlite", str(tmp_path / "board.db"))
        return
    schema = f"board_test_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    try:
        PostgresStore(schema=schema).close()
    except StoreUnavailableError as exc:
        pytest.fail(
            f"PostgreSQL is required for the board tests and is unreachable: {exc}. "
            f"Start it or point {URL_VARIABLE} at a server.",
            pytrace=False,
        )
    try:
        yield StoreSpec("postgres", schema)
    finally:
        _drop_schema(schema)


@pytest.fixture
def store(spec: StoreSpec) -> Iterator[LogStore]:
    s = spec.open()
    try:
        yield s
    finally:
        s.close()
