"""Batched casting: real `referendum serve` processes over real HTTP on a PostgreSQL board.

Casts waiting in a worker are appended in one transaction (server/appender.py): every
201 must be a committed entry with a receipt that checks, a cast refused inside a batch
must get its own answer and leave the others on the board, and two nodes with folders of
their own must be able to cast into one board that still verifies.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_fixtures import prepare, receipt_of

from referendum.ballot import encrypt_ballot, tracking_hash, verify_ballot
from referendum.credentials import credential_key, generate_code
from referendum.group import RISTRETTO255 as G
from referendum.group import Element, SeededRandom, element_from_hex
from referendum.manifest import Manifest
from referendum.receipt import check_receipt
from referendum.server.casting import Casting, _Cast
from referendum.server.demo import DemoElection
from referendum.server.problems import Problem
from referendum.server.rate import RateLimiter, parse_rate
from referendum.server.service import Service

CLI = [sys.executable, "-m", "referendum.cli"]
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+/)")
RATE = "100000/1"  # these tests cast many ballots per credential


@contextmanager
def serving(folder: Path, workers: int = 1) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """A `referendum serve --election folder` process and its base URL, while it runs."""
    proc = subprocess.Popen(
        [
            *CLI,
            "serve",
            "--election",
            str(folder),
            "--port",
            "0",
            "--rate-limit",
            RATE,
            "--workers",
            str(workers),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 120
        url = None
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                pytest.fail(f"serve exited before listening: {''.join(lines)}")
            lines.append(line)
            if found := LISTENING.search(line):
                url = found.group(1)
        if url is None:
            pytest.fail("serve did not print its address in time")
        drain = threading.Thread(target=proc.stdout.read, daemon=True)
        drain.start()
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


def _board(url: str) -> tuple[Manifest, Element]:
    manifest = Manifest.from_json(httpx.get(url + "api/manifest", timeout=30).json())
    key = element_from_hex(G, httpx.get(url + "api/election", timeout=30).json()["public_key"], "k")
    return manifest, key


def _ballots(
    manifest: Manifest, key: Element, demo: DemoElection, count: int, seed: str
) -> list[dict[str, Any]]:
    """count new ballots, spread over the demo's voters (a voter may vote again)."""
    voters = demo.codes
    return [
        prepare(manifest, key, voters[n % len(voters)], n % 2, f"{seed}/{n}").payload
        for n in range(count)
    ]


def _cast_all(
    urls: Sequence[str], payloads: Sequence[dict[str, Any]], threads: int = 16
) -> list[httpx.Response]:
    """Sends every payload at once from threads (the i-th to urls[i % len(urls)])."""
    start = threading.Barrier(threads)
    clients = [httpx.Client(base_url=urls[i % len(urls)], timeout=120) for i in range(threads)]

    def send(i: int) -> list[tuple[int, httpx.Response]]:
        start.wait()
        return [
            (n, clients[i].post("api/ballots", json=payloads[n]))
            for n in range(i, len(payloads), threads)
        ]

    try:
        with ThreadPoolExecutor(threads) as pool:
            answers = dict(a for part in pool.map(send, range(threads)) for a in part)
    finally:
        for c in clients:
            c.close()
    return [answers[n] for n in range(len(payloads))]


def _entries(url: str) -> dict[int, tuple[str, Any]]:
    """Every entry on the board, read back over GET /api/board/entries."""
    found: dict[int, tuple[str, Any]] = {}
    while True:
        page = httpx.get(url + "api/board/entries", params={"start": len(found), "limit": 1000})
        got = page.json()["entries"]
        if not got:
            return found
        found.update({e["index"]: (e["kind"], e["payload"]) for e in got})


def _check_on_board(
    manifest: Manifest,
    payloads: Sequence[dict[str, Any]],
    answers: Sequence[httpx.Response],
    board: dict[int, tuple[str, Any]],
) -> None:
    for payload, answer in zip(payloads, answers, strict=True):
        assert answer.status_code == 201, answer.text
        receipt = receipt_of(answer.json())
        check_receipt(manifest, "ballot", payload, receipt)
        assert board[receipt.index] == ("ballot", payload)


def test_many_concurrent_casts_are_all_on_the_board_with_valid_receipts(
    pg_folder: Path, pg_template: tuple[DemoElection, str]
) -> None:
    demo = pg_template[0]
    with serving(pg_folder) as (_, url):
        manifest, key = _board(url)
        before = httpx.get(url + "api/election").json()["size"]
        payloads = _ballots(manifest, key, demo, 64, "many")
        answers = _cast_all([url], payloads)
        board = _entries(url)
    _check_on_board(manifest, payloads, answers, board)
    indexes = sorted(a.json()["index"] for a in answers)
    assert indexes == list(range(before, before + len(payloads)))
    # Batched: the casts waiting together share one transaction and one checkpoint.
    checkpoints = {a.json()["checkpoint"] for a in answers}
    assert len(checkpoints) < len(payloads)


def test_the_same_ballot_sent_twice_at_once_is_taken_once_and_the_others_stay(
    pg_folder: Path, pg_template: tuple[DemoElection, str]
) -> None:
    demo = pg_template[0]
    with serving(pg_folder) as (_, url):
        manifest, key = _board(url)
        others = _ballots(manifest, key, demo, 30, "others")
        twice = _ballots(manifest, key, demo, 3, "twice")
        # Each twin pair is sent side by side among the others, several rounds.
        payloads = [*others[:10], twice[0], twice[0], *others[10:20], twice[1], twice[1]]
        payloads += [*others[20:], twice[2], twice[2]]
        answers = _cast_all([url], payloads)
        board = _entries(url)
    kept = [(p, a) for p, a in zip(payloads, answers, strict=True) if p not in twice]
    _check_on_board(manifest, [p for p, _ in kept], [a for _, a in kept], board)
    for ballot in twice:
        got = [a for p, a in zip(payloads, answers, strict=True) if p == ballot]
        assert sorted(a.status_code for a in got) == [201, 409], [a.text for a in got]
        taken = next(a for a in got if a.status_code == 201)
        refused = next(a for a in got if a.status_code == 409)
        assert refused.json()["type"].endswith("repeated-ballot"), refused.text
        index = taken.json()["index"]
        assert f"board entry {index}" in refused.json()["detail"]
        check_receipt(manifest, "ballot", ballot, receipt_of(taken.json()))
        assert [i for i, (_, p) in board.items() if p == ballot] == [index]


def _casts(manifest: Manifest, key: Element, payloads: Sequence[dict[str, Any]]) -> list[_Cast]:
    return [
        _Cast(
            "ballot",
            p,
            p,
            tracking_hash(manifest.fingerprint, p),
            verify_ballot(manifest, key, p, "test"),
        )
        for p in payloads
    ]


@pytest.fixture
def appender_of(pg_folder: Path) -> Iterator[Casting]:
    """The casting endpoints' batch function on the PostgreSQL board, in this process."""
    service = Service(pg_folder)
    try:
        yield Casting(service, RateLimiter(pg_folder, parse_rate(RATE)), 1 << 20)
    finally:
        service.close()


def test_a_cast_the_board_refuses_inside_a_batch_leaves_the_others_on_it(
    appender_of: Casting, pg_template: tuple[DemoElection, str]
) -> None:
    """The one transaction refuses an item its checks under the lock passed: the batch is
    appended one by one, the refused item gets its 422, the others their receipts."""
    demo = pg_template[0]
    election = appender_of.service.election
    manifest, key = election.manifest, election.state.public_key
    assert key is not None
    payloads = _ballots(manifest, key, demo, 5, "refused")
    casts = _casts(manifest, key, payloads)
    # The checked ballot the board applies belongs to a credential not on the roll,
    # though the payload's own credential is: only the board's rules (apply) see it.
    region = manifest.regions[0].id
    question = manifest.ballot_style(region)[0]
    stranger = encrypt_ballot(
        manifest,
        key,
        region,
        {question.id: [1] + [0] * (len(question.options) - 1)},
        credential_key(manifest.fingerprint, generate_code(SeededRandom("not on the roll"))),
        SeededRandom("stranger"),
    ).payload
    bad = casts[2]
    casts[2] = _Cast(
        bad.kind, bad.payload, bad.body, bad.h, _casts(manifest, key, [stranger])[0].checked
    )
    size = election.state.size
    results = appender_of._append_batch(casts)
    assert isinstance(results[2], Problem) and results[2].status == 422, results[2]
    assert "not registered" in results[2].detail
    good = [r for n, r in enumerate(results) if n != 2]
    assert all(isinstance(r, dict) for r in good), good
    assert sorted(r["index"] for r in good) == list(range(size, size + 4))  # type: ignore[index]
    for n in (0, 1, 3, 4):
        check_receipt(manifest, "ballot", payloads[n], receipt_of(results[n]))  # type: ignore[arg-type]
    assert election.log.size() == size + 4


def test_a_batch_refused_as_the_period_ends_answers_each_cast_with_its_409(
    appender_of: Casting, pg_template: tuple[DemoElection, str]
) -> None:
    """Voting closes between the checks under the lock and the append: nothing is
    appended and every cast of the batch hears why."""
    demo = pg_template[0]
    election = appender_of.service.election
    manifest, key = election.manifest, election.state.public_key
    assert key is not None
    casts = _casts(manifest, key, _ballots(manifest, key, demo, 4, "late"))
    ticks = iter(range(1000))
    now = dt.datetime.now(dt.UTC)
    # In the period for the four checks under the lock, then past its end.
    election.clock = lambda: now if next(ticks) < 4 else now + dt.timedelta(days=400)
    size = election.log.size()
    results = appender_of._append_batch(casts)
    for result in results:
        assert isinstance(result, Problem) and result.status == 409, result
        assert result.slug == "outside-voting-period"
    assert election.log.size() == size


def test_two_nodes_on_one_board_both_take_ballots_and_the_board_verifies(
    pg_folder: Path, pg_template: tuple[DemoElection, str], tmp_path: Path
) -> None:
    demo = pg_template[0]
    # A second node, as on another machine: its own copy of the operator's folder.
    second = tmp_path / "node-2"
    shutil.copytree(pg_folder, second, ignore=shutil.ignore_patterns("rate.*", ".lock"))
    with serving(pg_folder) as (_, one), serving(second) as (_, two):
        manifest, key = _board(one)
        before = httpx.get(one + "api/election").json()["size"]
        payloads = _ballots(manifest, key, demo, 60, "nodes")
        answers = _cast_all([one, two], payloads)
        board = _entries(two)
        assert httpx.get(one + "api/election").json()["size"] == before + len(payloads)
    _check_on_board(manifest, payloads, answers, board)
    by_node = {one: 0, two: 0}
    for n, answer in enumerate(answers):
        by_node[[one, two][n % 16 % 2]] += answer.status_code == 201
    assert by_node[one] > 0 and by_node[two] > 0
    # The real commands close, count, export and verify the record (count.sh).
    done = subprocess.run(
        ["bash", str(pg_folder.parent / "count.sh")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "results (confirmed by this verifier)" in done.stdout, done.stdout


def test_every_201_is_on_the_board_after_the_server_is_killed(
    pg_folder: Path, pg_template: tuple[DemoElection, str]
) -> None:
    """SIGKILL in the middle of a stream of casts: every cast answered 201 before is on
    the board as sent, at the receipt's index, when a new server reads it."""
    demo = pg_template[0]
    acknowledged: list[tuple[dict[str, Any], dict[str, Any]]] = []
    lock = threading.Lock()
    with serving(pg_folder) as (proc, url):
        manifest, key = _board(url)
        payloads = _ballots(manifest, key, demo, 200, "killed")

        def send(i: int) -> None:
            with httpx.Client(base_url=url, timeout=60) as client:
                for n in range(i, len(payloads), 8):
                    try:
                        answer = client.post("api/ballots", json=payloads[n])
                    except httpx.HTTPError:
                        return  # the server is gone
                    if answer.status_code == 201:
                        with lock:
                            acknowledged.append((payloads[n], answer.json()))

        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(send, i) for i in range(8)]
            while len(acknowledged) < 40:
                time.sleep(0.01)
            os.kill(proc.pid, signal.SIGKILL)
            for f in futures:
                f.result()
    assert len(acknowledged) < len(payloads)  # killed while casting
    with serving(pg_folder) as (_, url):
        board = _entries(url)
    for payload, receipt in acknowledged:
        assert board[receipt["index"]] == ("ballot", payload)
        check_receipt(manifest, "ballot", payload, receipt_of(receipt))
    assert len({r["index"] for _, r in acknowledged}) == len(acknowledged)
