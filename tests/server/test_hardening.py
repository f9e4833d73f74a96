"""Issue 11, item 4: workers die with their supervisor, the access log names no
credential or tracking code, and the service's private files are private."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from referendum.server.app import redact_access_log
from referendum.server.rate import RATE_FILE


def test_the_rate_database_is_private(served_sqlite: object, sqlite_folder: Path) -> None:
    for name in (RATE_FILE, RATE_FILE + "-wal", RATE_FILE + "-shm"):
        mode = stat.S_IMODE((sqlite_folder / name).stat().st_mode)
        assert mode & 0o077 == 0, f"{name} is {oct(mode)}"


def test_the_access_log_names_no_credential_and_no_tracking_code() -> None:
    redact_access_log()
    redact_access_log()  # once is enough, twice changes nothing
    logger = logging.getLogger("uvicorn.access")
    assert sum(type(f).__name__ == "_RedactAccessLog" for f in logger.filters) == 1
    key = "ab" * 32
    for path, shown in (
        (f"/api/credentials/{key}", "/api/credentials/…"),
        ("/api/receipts/2SND-6FDR-TYTK-CJ23-ESTY?x=1", "/api/receipts/…?x=1"),
        ("/api/election", "/api/election"),
    ):
        record = logger.makeRecord(
            "uvicorn.access",
            logging.INFO,
            __file__,
            1,
            '%s - "%s %s HTTP/%s" %d',
            ("127.0.0.1:5000", "GET", path, "1.1", 200),
            None,
        )
        for f in logger.filters:
            f.filter(record)
        message = record.getMessage()
        assert shown in message and key not in message and "2SND" not in message


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _answers(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/api/election", timeout=1)
    except httpx.HTTPError:
        return False
    return True


@pytest.mark.slow
def test_workers_exit_when_their_supervisor_is_killed(tmp_path: Path) -> None:
    port = _port()
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "referendum.cli", "serve", "--demo", "--voters", "8",
         "--folder", str(tmp_path / "demo"), "--workers", "2", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while not _answers(port):
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.3)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 15
        while _answers(port):
            assert time.monotonic() < deadline, "a worker still answers after its supervisor died"
            time.sleep(0.3)
        # The port is free again: a restart can listen on it.
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the whole group, should a worker remain
        log.close()
