"""`referendum serve` as a real process: the demo over real HTTP, and its option errors."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from referendum.ballot import encrypt_ballot
from referendum.board import Log, PostgresStore
from referendum.board.postgres import DEFAULT_URL, URL_VARIABLE
from referendum.canonical import parse_json
from referendum.credentials import credential_key
from referendum.group import RISTRETTO255 as G
from referendum.group import element_from_hex
from referendum.manifest import Manifest

CLI = [sys.executable, "-m", "referendum.cli"]
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:(\d+)/)")


def _wait_for_listening(proc: subprocess.Popen[str], timeout: float = 120) -> tuple[str, list[str]]:
    """The server's base URL once it printed it, and the lines it printed before."""
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            pytest.fail(f"serve exited before listening: {''.join(lines)}")
        lines.append(line)
        match = LISTENING.search(line)
        if match:
            return match[1], lines
    pytest.fail("serve did not print its address in time")


def test_serve_demo_on_postgresql_casts_over_real_http(tmp_path: Path) -> None:
    """--store postgresql://: the demo's board is in the real server; a cast lands there."""
    url_pg = os.environ.get(URL_VARIABLE, DEFAULT_URL)
    folder = tmp_path / "demo"
    demo = ["--demo", "--port", "0", "--voters", "4", "--folder", str(folder)]
    proc = subprocess.Popen(
        [*CLI, "serve", *demo, "--store", url_pg],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    referendum = None
    try:
        url, _ = _wait_for_listening(proc)
        election = httpx.get(url + "api/election", timeout=30).json()
        referendum = election["id"]
        manifest = Manifest.from_json(httpx.get(url + "api/manifest", timeout=30).json())
        region, *codes = (folder / "codes.txt").read_text().split("\n")[0].split()
        key = element_from_hex(G, election["public_key"], "public_key")
        credential = credential_key(manifest.fingerprint, codes)
        ballot = encrypt_ballot(manifest, key, region, {"status": [1, 0]}, credential).payload
        answer = httpx.post(url + "api/ballots", json=ballot, timeout=30)
        assert answer.status_code == 201, answer.text
        index = answer.json()["index"]
        store = PostgresStore(url_pg)
        try:
            entry = Log(store, referendum, create=False).entry(index)
        finally:
            store.close()
        assert entry.kind == "ballot"
        assert parse_json(entry.payload) == ballot
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, rest
    finally:
        if proc.poll() is None:
            proc.kill()
        if referendum is not None:  # leave the shared test database as it was
            store = PostgresStore(url_pg)
            try:
                store.drop_log(referendum)
            finally:
                store.close()


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_demo_over_real_http(tmp_path: Path, workers: int) -> None:
    folder = tmp_path / "demo"
    proc = subprocess.Popen(
        [
            *CLI,
            "serve",
            "--demo",
            "--port",
            "0",
            "--voters",
            "12",
            "--folder",
            str(folder),
            "--workers",
            str(workers),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url, lines = _wait_for_listening(proc)
        printed = "".join(lines)
        assert f"booth: {url}" in printed
        assert f"bash {folder / 'count.sh'}" in printed
        assert str(folder) in printed
        code = r"[0-9A-Z]{5}(?:-[0-9A-Z]{5}){3}"
        codes = re.findall(rf"^    (\w+) +({code})  ({code})$", printed, re.M)
        assert len(codes) == 3
        assert all(f"{r} {a} {b}" in (folder / "codes.txt").read_text() for r, a, b in codes)
        for _ in range(2 * workers):  # with two workers, both answer alike
            r = httpx.get(url + "api/election", timeout=30)
            assert r.status_code == 200
            body = r.json()
            assert body["phase"] == "voting" and body["size"] > 30
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give --election FOLDER, or --demo"),
        (["--demo", "--election", "x"], "give --election FOLDER, or --demo"),
        (["--election", "x", "--store", "postgresql://h/db"], "--store goes with --demo only"),
        (["--election", "x", "--voters", "3"], "--voters goes with --demo only"),
        (["--demo", "--workers", "0"], "--workers must be at least 1"),
        (["--demo", "--port", "70000"], "--port must be 0 to 65535"),
        (["--demo", "--rate-limit", "ten"], "N/SECONDS"),
        (["--election", "{tmp}/nothing"], "not a referendum folder"),
        (["--demo", "--voters", "2", "--folder", "{tmp}/d"], "at least 4"),
        (["--demo", "--store", "mysql://x", "--folder", "{tmp}/d"], "postgresql://"),
    ],
)
def test_serve_refuses_bad_options(tmp_path: Path, args: list[str], message: str) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    proc = subprocess.run([*CLI, "serve", *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert proc.stderr.startswith("referendum serve: error: ")


def test_a_port_in_use_is_refused_before_a_demo_is_built(tmp_path: Path) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        proc = subprocess.run(
            [*CLI, "serve", "--demo", "--port", str(port), "--folder", str(tmp_path / "d")],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        taken.close()
    assert proc.returncode == 2
    assert proc.stderr == (
        f"referendum serve: error: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    )
    assert not (tmp_path / "d").exists()
