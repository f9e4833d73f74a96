"""The casting service survives the loss of its PostgreSQL connections (issue 11, item 2).

Against the real server: the service's sessions are terminated with
pg_terminate_backend (as a restart, a failover or an idle reaper would), while idle and
during casts. The service reconnects, answers 503 with Retry-After while it cannot,
never 500, and never acknowledges a ballot it did not commit.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from server_fixtures import Served, pg_url, post, prepare

from conftest import serve
from referendum.server.demo import DemoElection


def _terminate(name: str) -> int:
    with psycopg.connect(pg_url(), autocommit=True) as db:
        rows = db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (name,),
        ).fetchall()
    return len(rows)


@pytest.fixture
def victim(pg_folder: Path, pg_template: tuple[DemoElection, str]) -> Iterator[tuple[Served, str]]:
    """A served PostgreSQL board whose sessions carry an application name of their own."""
    name = f"referendum-victim-{uuid.uuid4().hex[:8]}"
    config = json.loads((pg_folder / "election.json").read_text())
    config["store"] += f"&application_name={name}"
    (pg_folder / "election.json").write_text(json.dumps(config) + "\n")
    served = serve(pg_folder, pg_template[0])
    with served.client:
        yield served, name
    served.app.state.close()


def _on_board(served: Served, code: str) -> bool:
    return served.client.get(f"/api/receipts/{code}").status_code == 200


def test_idle_connections_lost_are_replaced_without_an_error(
    victim: tuple[Served, str],
) -> None:
    served, name = victim
    assert served.client.get("/api/election").status_code == 200
    assert _terminate(name) >= 1
    for path in ("/api/election", "/api/board/checkpoint", "/api/board/entries?limit=5"):
        assert served.client.get(path).status_code == 200, path
    assert _terminate(name) >= 1
    prepared = prepare(served.manifest, served.key, served.fresh()[0])
    r = post(served.client, "/api/ballots", prepared.payload)
    # An append is not retried behind the client's back: 503 (nothing appended) or 201.
    assert r.status_code in (201, 503), r.text
    if r.status_code == 503:
        assert r.headers["retry-after"] == "2"
        assert not _on_board(served, prepared.tracking_code)
        r = post(served.client, "/api/ballots", prepared.payload)
    assert r.status_code == 201, r.text
    assert _on_board(served, prepared.tracking_code)


def test_an_unreachable_database_is_a_503_with_retry_after_then_service_resumes(
    victim: tuple[Served, str],
) -> None:
    served, name = victim
    store = served.app.state.service.election.store
    real = store._url
    store._url = "postgresql://postgres@127.0.0.1:9/none?connect_timeout=1"  # nobody there
    _terminate(name)
    try:
        r = served.client.get("/api/election")
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == "2"
        assert r.json()["type"].endswith("/board-unavailable")
        prepared = prepare(served.manifest, served.key, served.fresh()[0])
        r = post(served.client, "/api/ballots", prepared.payload)
        assert r.status_code == 503, r.text
    finally:
        store._url = real
    assert served.client.get("/api/election").status_code == 200
    assert not _on_board(served, prepared.tracking_code)


def test_connections_killed_during_casts_never_give_a_500_or_a_false_receipt(
    victim: tuple[Served, str],
) -> None:
    served, name = victim
    voters = served.fresh()[:10]
    answers: list[tuple[str, int, Any]] = []
    stop = threading.Event()

    def killer() -> None:
        while not stop.is_set():
            _terminate(name)
            time.sleep(0.05)

    thread = threading.Thread(target=killer)
    thread.start()
    try:
        for n, voter in enumerate(voters):
            prepared = prepare(served.manifest, served.key, voter, seed=f"kill{n}")
            r = post(served.client, "/api/ballots", prepared.payload)
            answers.append((prepared.tracking_code, r.status_code, r.json()))
    finally:
        stop.set()
        thread.join()
    statuses = {status for _, status, _ in answers}
    assert statuses <= {201, 503}, answers
    for code, status, body in answers:
        if status == 201:
            assert _on_board(served, code), f"{code} was acknowledged but is not on the board"
        elif body["type"].endswith("/board-unavailable"):
            assert not _on_board(served, code), f"{code}: 503 said nothing appended"
        else:  # outcome-unknown: either way, and the voter is told to look it up
            assert body["type"].endswith("/outcome-unknown"), body
    assert served.client.get("/api/election").status_code == 200
