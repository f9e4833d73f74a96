"""The board asks a witness that speaks C2SP tlog-witness (software run by others) to
co-sign: `referendum witness request` against tlog_witness_server.py, a separate process
written from the C2SP specifications."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from referendum.ballot import encrypt_ballot
from referendum.credentials import credential_key
from referendum.election import Election
from referendum.server.demo import DemoElection, prepare_demo

CLI = [sys.executable, "-m", "referendum.cli"]
SERVER = Path(__file__).with_name("tlog_witness_server.py")


def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120)
    if ok and proc.returncode != 0:
        pytest.fail(f"referendum {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc


@pytest.fixture
def demo(tmp_path: Path) -> DemoElection:
    return prepare_demo(tmp_path / "demo", voters=8, say=lambda _: None)


@pytest.fixture
def witness(demo: DemoElection, tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    """(URL, state file, name) of a tlog witness holding the demo's witness-1 key."""
    key = json.loads((demo.folder / "witness-1" / "witness.json").read_text())
    manifest = json.loads((demo.election / "manifest.json").read_text())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    state = tmp_path / "tlog-witness.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            str(SERVER),
            str(port),
            str(state),
            key["name"],
            key["seed"],
            manifest["id"],
            manifest["board"]["key"],
        ]
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.post(f"{url}/nothing", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url, state, key["name"]
    finally:
        proc.kill()
        proc.wait()


def _cast(demo: DemoElection, n: int) -> None:
    region, code = demo.codes[demo.voted + n]
    with Election.open(demo.election) as election:
        key = election.state.public_key
        assert key is not None
        prepared = encrypt_ballot(
            election.manifest,
            key,
            region,
            {"status": [1, 0]},
            credential_key(election.manifest.fingerprint, code),
        )
        election.post("ballot", prepared.payload)


def _latest(demo: DemoElection) -> tuple[int, set[str]]:
    with Election.open(demo.election) as election:
        latest = election.latest_cosigned()
        assert latest is not None
        return latest.checkpoint.size, {s.name for s in latest.signatures}


def test_the_board_gets_and_keeps_a_standard_witness_cosignature(
    demo: DemoElection, witness: tuple[str, Path, str], tmp_path: Path
) -> None:
    url, state, name = witness
    board = str(demo.election)
    first = run("witness", "request", "--election", board, "--url", url).stdout
    assert f"witness {name} ({url}) co-signed the board at size" in first
    size, names = _latest(demo)
    assert name in names and json.loads(state.read_text())["size"] == size
    _cast(demo, 0)
    _cast(demo, 1)
    # The board remembers the size this witness co-signed: a consistency proof from it.
    run("witness", "request", "--election", board, "--url", url)
    size2, names2 = _latest(demo)
    assert size2 == size + 2 and name in names2
    # The manifest's other witness co-signs the same tree: both make its quorum.
    run("witness", "cosign", "--dir", str(demo.folder / "witness-2"), "--election", board)
    record = tmp_path / "record"
    run("export", "--election", board, "--record", str(record))
    report = json.loads(run("verify", str(record), "--json").stdout)
    assert name in report["witnesses"]


def test_a_witness_that_holds_another_tree_refuses_and_nothing_is_kept(
    demo: DemoElection, witness: tuple[str, Path, str]
) -> None:
    url, state, _ = witness
    board = str(demo.election)
    run("witness", "request", "--election", board, "--url", url)
    before = _latest(demo)
    held = json.loads(state.read_text())
    held["root"] = "A" * 43 + "="  # the witness saw another tree of that size
    state.write_text(json.dumps(held))
    _cast(demo, 0)
    refused = run("witness", "request", "--election", board, "--url", url, ok=False)
    assert refused.returncode == 2 and "answered 422" in refused.stderr
    assert _latest(demo) == before


def test_a_witness_whose_size_the_board_does_not_know_says_it_with_a_409(
    demo: DemoElection, witness: tuple[str, Path, str]
) -> None:
    url, _, name = witness
    board = str(demo.election)
    run("witness", "request", "--election", board, "--url", url)
    _cast(demo, 0)
    # Another board folder of the same referendum (say, a second service machine that
    # never asked this witness) starts from old size 0 and learns the size from the 409.
    import sqlite3

    from referendum.tlog_witness import TLOG_SIZES

    with sqlite3.connect(demo.election / "board.sqlite") as db:
        db.execute("DELETE FROM board_index WHERE space = ?", (TLOG_SIZES,))
    got = run("witness", "request", "--election", board, "--url", url).stdout
    assert f"witness {name}" in got
