"""The service's limits against a real `referendum serve` process, over raw sockets
(issue 11, item 3): request heads bounded in size and time, connections per client,
bodies in time, security headers on uvicorn's own answers, and board reads in turns."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CLI = [sys.executable, "-m", "referendum.cli"]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    folder = tmp_path_factory.mktemp("limits") / "demo"
    port = _port()
    env = {
        **os.environ,
        "REFERENDUM_HEAD_TIMEOUT": "1",
        "REFERENDUM_PER_CLIENT": "6",
        "REFERENDUM_BODY_TIMEOUT": "1",
    }
    log = open(folder.parent / "serve.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [*CLI, "serve", "--demo", "--voters", "8", "--folder", str(folder), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/election", timeout=2).is_success:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail((folder.parent / "serve.log").read_text())
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _exchange(port: int, data: bytes, *, wait: float = 5.0) -> bytes:
    """Sends data and gives back everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        if data:
            s.sendall(data)
        chunks = []
        try:
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            pass
        return b"".join(chunks)


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def _has_security_headers(answer: bytes) -> bool:
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    return b"content-security-policy:" in head and b"x-content-type-options: nosniff" in head


def test_a_head_too_large_is_431_and_the_connection_closed(server: int) -> None:
    answer = _exchange(server, b"GET /api/election HTTP/1.1\r\nX-Big: " + b"a" * 100_000)
    assert _status(answer) == 431 and _has_security_headers(answer)


def test_a_head_that_does_not_come_is_408(server: int) -> None:
    t0 = time.monotonic()
    answer = _exchange(server, b"GET /api/election HTTP/1.1\r\nHost: x\r\n")
    assert _status(answer) == 408 and _has_security_headers(answer)
    assert time.monotonic() - t0 < 4
    idle = _exchange(server, b"")  # a connection that sends nothing at all
    assert _status(idle) == 408


def test_malformed_http_is_400_with_the_security_headers(server: int) -> None:
    answer = _exchange(server, b"NOT HTTP AT ALL\r\n\r\n")
    assert _status(answer) == 400 and _has_security_headers(answer)


def test_a_body_that_does_not_come_is_408(server: int) -> None:
    answer = _exchange(
        server,
        b"POST /api/ballots HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n{",
    )
    assert _status(answer) == 408, answer
    assert b"body-timeout" in answer


def test_a_large_body_is_not_taken_for_a_large_head(server: int) -> None:
    body = b'{"kind": "credentials", "payload": {"x": "' + b"a" * 200_000 + b'"}}'
    r = httpx.post(
        f"http://127.0.0.1:{server}/api/board/messages",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 409  # the demo is voting: no credentials now, but read whole


def test_one_client_gets_at_most_its_share_of_connections(server: int) -> None:
    held = [socket.create_connection(("127.0.0.1", server)) for _ in range(6)]
    try:
        answer = _exchange(server, b"")
        assert _status(answer) == 503 and _has_security_headers(answer)
    finally:
        for s in held:
            s.close()
    time.sleep(0.2)
    assert httpx.get(f"http://127.0.0.1:{server}/api/election").status_code == 200


def test_board_reads_take_turns_and_casting_does_not_wait(tmp_path: Path) -> None:
    """In-process: with the reads held up, a third waits its turn, look-ups go on."""
    from starlette.testclient import TestClient

    from referendum.server import create_app
    from referendum.server.demo import prepare_demo

    demo = prepare_demo(tmp_path / "demo", voters=8, say=lambda _: None)
    app = create_app(demo.election)
    service = app.state.service
    real = service.entries
    gate = threading.Event()
    running: list[int] = []
    most = [0]
    lock = threading.Lock()

    def slow(start: int, limit: int) -> object:
        with lock:
            running.append(1)
            most[0] = max(most[0], len(running))
        gate.wait(10)
        with lock:
            running.pop()
        return real(start, limit)

    service.entries = slow
    app.state.reads.wait = 0.5
    results: list[int] = []
    with TestClient(app) as client:
        threads = [
            threading.Thread(
                target=lambda: results.append(client.get("/api/board/entries").status_code)
            )
            for _ in range(3)
        ]
        for t in threads:
            t.start()
        time.sleep(0.3)
        t0 = time.monotonic()
        assert client.get("/api/election").status_code == 200
        assert time.monotonic() - t0 < 0.5  # not behind the reads
        time.sleep(0.6)  # the third read has waited its 0.5 s: 503
        gate.set()
        for t in threads:
            t.join(timeout=10)
    app.state.close()
    assert most[0] == 2
    assert sorted(results) == [200, 200, 503]


def test_a_body_sent_with_its_head_in_one_write_is_not_a_large_head(server: int) -> None:
    body = b'{"kind": "credentials", "payload": {"x": "' + b"a" * 60_000 + b'"}}'
    head = (
        b"POST /api/board/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    answer = _exchange(server, head + body)
    assert _status(answer) == 409, answer[:200]


def test_many_pipelined_requests_in_one_write_are_all_answered(server: int) -> None:
    one = b"GET /api/election HTTP/1.1\r\nHost: x\r\n\r\n"
    last = b"GET /api/election HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    answer = _exchange(server, one * 999 + last, wait=20)
    assert answer.count(b"HTTP/1.1 200 OK") == 1000
    assert b" 431 " not in answer
