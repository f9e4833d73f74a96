"""Fixtures for the server tests: one demo election prepared per session, copied per test.

The template is a `referendum serve --demo` election (SQLite, seeded), in voting, with a
few ballots on its board; each test gets its own copy of the folder and an app on it.
The PostgreSQL variant copies the template's tables into a fresh schema per test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from server_fixtures import (
    SEED,
    VOTERS,
    Served,
    TestClient,
    copy_election,
    copy_schema,
    create_schema,
    drop_schema,
    new_schema_name,
    schema_url,
)

from referendum.server import create_app
from referendum.server.demo import DemoElection, prepare_demo
from referendum.server.rate import RateLimit


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> DemoElection:
    folder = tmp_path_factory.mktemp("server-template") / "demo"
    return prepare_demo(folder, voters=VOTERS, seed=SEED)


@pytest.fixture(scope="session")
def pg_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoElection, str]]:
    schema = new_schema_name("srv_tmpl")
    try:
        create_schema(schema)
    except Exception as exc:
        pytest.fail(f"PostgreSQL is required for the server tests and is unreachable: {exc}")
    folder = tmp_path_factory.mktemp("server-pg-template") / "demo"
    try:
        # No seed: a fresh referendum id, as a real second referendum would have.
        yield prepare_demo(folder, voters=VOTERS, store=schema_url(schema)), schema
    finally:
        drop_schema(schema)


def serve(folder: Path, demo: DemoElection, rate: RateLimit | None = None) -> Served:
    rate = rate or RateLimit(10, 60)
    clock = [1_000_000.0]
    app = create_app(folder, rate=rate, rate_clock=lambda: clock[0])
    return Served(TestClient(app), folder, demo, clock)


@pytest.fixture
def sqlite_folder(template: DemoElection, tmp_path: Path) -> Path:
    return copy_election(template, tmp_path / "demo")


@pytest.fixture
def pg_folder(pg_template: tuple[DemoElection, str], tmp_path: Path) -> Iterator[Path]:
    demo, source = pg_template
    schema = new_schema_name("srv")
    copy_schema(source, schema)
    try:
        yield copy_election(demo, tmp_path / "demo", schema)
    finally:
        drop_schema(schema)


@pytest.fixture
def served_sqlite(sqlite_folder: Path, template: DemoElection) -> Iterator[Served]:
    served = serve(sqlite_folder, template)
    with served.client:
        yield served
    served.app.state.close()


@pytest.fixture
def served_pg(pg_folder: Path, pg_template: tuple[DemoElection, str]) -> Iterator[Served]:
    served = serve(pg_folder, pg_template[0])
    with served.client:
        yield served
    served.app.state.close()
