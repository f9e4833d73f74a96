"""Helpers shared by the server tests: a served election, ballots, receipts, PostgreSQL.

Imported by conftest.py and the test modules (a module of its own, not conftest, so that
test modules can import it by name).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from referendum.ballot import PreparedBallot, encrypt_ballot
from referendum.board.postgres import DEFAULT_URL, URL_VARIABLE
from referendum.credentials import credential_key
from referendum.group import Element, SeededRandom
from referendum.manifest import Manifest
from referendum.receipt import Receipt
from referendum.server.demo import DemoElection
from referendum.signing import sign_message

with warnings.catch_warnings():
    # Starlette 1.x prefers httpx2 for its TestClient; httpx (what we install) still works.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

VOTERS = 24
SEED = "server-tests"


def pg_url() -> str:
    return os.environ.get(URL_VARIABLE) or DEFAULT_URL


def schema_url(schema: str) -> str:
    """The PostgreSQL URL whose sessions see only the tables of schema."""
    return f"{pg_url()}?options=-csearch_path%3D{schema}"


def create_schema(schema: str) -> None:
    with psycopg.connect(pg_url(), autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {schema}")


def drop_schema(schema: str) -> None:
    with psycopg.connect(pg_url(), autocommit=True) as db:
        db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def copy_schema(source: str, target: str) -> None:
    """Copies the board tables of schema source into a new schema target."""
    with psycopg.connect(pg_url(), autocommit=True) as db, db.transaction():
        db.execute(f"CREATE SCHEMA {target}")
        for table in ("board_log", "board_entry", "board_node", "board_state", "board_index"):
            db.execute(f"CREATE TABLE {target}.{table} (LIKE {source}.{table} INCLUDING ALL)")
            db.execute(f"INSERT INTO {target}.{table} SELECT * FROM {source}.{table}")


def new_schema_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:10]}"


def copy_election(template: DemoElection, target: Path, schema: str | None = None) -> Path:
    """Copies the demo folder; with schema, points its board at that PostgreSQL schema."""
    shutil.copytree(template.folder, target)
    folder = target / "election"
    if schema is not None:
        config = json.loads((folder / "election.json").read_text())
        config["store"] = schema_url(schema)
        (folder / "election.json").write_text(json.dumps(config) + "\n")
    return folder


@dataclass
class Served:
    """A served copy of the demo election, as a test sees it."""

    client: TestClient
    folder: Path  # the election (board) folder
    demo: DemoElection
    clock: list[float]  # the rate limiter's clock, in seconds: tests move it

    @property
    def app(self) -> Any:
        return self.client.app

    @property
    def manifest(self) -> Manifest:
        manifest: Manifest = self.app.state.service.manifest
        return manifest

    @property
    def key(self) -> Element:
        key: Element | None = self.app.state.service.election.state.public_key
        assert key is not None
        return key

    def fresh(self, region: str | None = None) -> list[tuple[str, str]]:
        """(region, code) of voters who have not voted in the template."""
        codes = self.demo.codes[self.demo.voted :]
        return [c for c in codes if region is None or c[0] == region]

    def size(self) -> int:
        size: int = self.client.get("/api/election").json()["size"]
        return size

    def set_clock(self, hours: float) -> None:
        """Sets the operator's clock hours after now (negative: before)."""
        import datetime as dt

        moment = dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)
        self.app.state.service.election.clock = lambda: moment


def prepare(
    manifest: Manifest, key: Element, voter: tuple[str, str], choice: int = 0, seed: str = "x"
) -> PreparedBallot:
    """A ballot of voter (region, code) for option choice of the single question."""
    region, code = voter
    question = manifest.ballot_style(region)[0]
    vector = [1 if i == choice else 0 for i in range(len(question.options))]
    return encrypt_ballot(
        manifest,
        key,
        region,
        {question.id: vector},
        credential_key(manifest.fingerprint, code),
        SeededRandom(f"{seed}/{code}/{choice}"),
    )


def resign(manifest: Manifest, code: str, payload: dict[str, Any], kind: str = "ballot") -> Any:
    """payload signed again by the credential of code (after a test changed it)."""
    body = {k: v for k, v in payload.items() if k != "signature"}
    return sign_message(
        credential_key(manifest.fingerprint, code), manifest.fingerprint, kind, body
    )


def receipt_of(value: dict[str, Any]) -> Receipt:
    """The Receipt of a receipt's JSON form (section 13.4)."""
    assert set(value) == {
        "tracking_code",
        "tracking_hash",
        "index",
        "checkpoint",
        "inclusion_proof",
    }
    return Receipt(
        value["tracking_code"],
        bytes.fromhex(value["tracking_hash"]),
        value["index"],
        value["checkpoint"],
        tuple(bytes.fromhex(h) for h in value["inclusion_proof"]),
    )


def post(client: TestClient, path: str, payload: Any) -> Any:
    return client.post(path, content=json.dumps(payload), headers=JSON)


JSON = {"Content-Type": "application/json"}
Clock = Callable[[], float]
