"""A party's verified replica against a board that lies (docs/protocol.md section 7.7).

Every party is its own process and talks real HTTP on 127.0.0.1: the honest board is
`referendum serve --demo`; the hostile board is tests/e2e/hostile_board.py, a server in
front of it that holds the board's signing key and serves another history (an entry
altered, two entries swapped, or its own earlier prefix), each checkpoint validly signed.
The parties are `referendum sync` and `referendum witness cosign`. They are pointed at
the hostile board's URL once; the test switches it between honest and hostile through
its mode file, so a replica bound to that URL can be seen to keep its last good state
and go on once the board behaves.

The last test builds a board of a few thousand entries and kills `referendum sync` with
SIGKILL in the middle of a page; a new sync resumes and ends with the board's own size,
root and counts, no entry applied twice.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from referendum.board import EquivocationProof, parse_signed_checkpoint
from referendum.manifest import Manifest
from referendum.replica import Replica

CLI = [sys.executable, "-m", "referendum.cli"]
HOSTILE = Path(__file__).with_name("hostile_board.py")
ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, env=ENV)


def ok(*args: str) -> subprocess.CompletedProcess[str]:
    proc = run(*args)
    if proc.returncode != 0:
        pytest.fail(f"referendum {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc


def fails(*args: str) -> str:
    """Gives back the error output of a command that must exit 1 (the board failed a check)."""
    proc = run(*args)
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    return proc.stderr


def start(cmd: list[str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=ENV
        )


def wait_for(log: Path, proc: subprocess.Popen[bytes], pattern: str, limit: float) -> str:
    """Gives back the first match of pattern in the process's output, once it is there."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        found = re.search(pattern, log.read_text(errors="replace"))
        if found:
            return found.group(1)
        if proc.poll() is not None:
            pytest.fail(f"{proc.args} exited {proc.returncode}: {log.read_text()}")
        time.sleep(0.1)
    pytest.fail(f"no {pattern!r} from {proc.args} within {limit} s: {log.read_text()}")


def answering(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/election", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            pytest.fail(f"{proc.args} exited {proc.returncode}: {log.read_text()}")
        time.sleep(0.1)
    pytest.fail(f"{url} did not answer within 60 s: {log.read_text()}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def replica_size(folder: Path) -> int:
    """Gives back how many entries the replica in folder has committed (read from disk)."""
    with Replica.open(folder) as replica:
        assert replica.log.size() == replica.state.size
        return replica.state.size


@dataclass
class Boards:
    folder: Path  # the demo's folder: election/, witness-1/, witness-2/ ...
    honest: str  # the honest board's URL
    url: str  # the hostile board's URL (honest until told otherwise)
    fingerprint: str
    mode_file: Path
    requests: Path
    manifest: Manifest

    def at(self) -> list[str]:
        return ["--board", self.url, "--fingerprint", self.fingerprint]

    def set(self, mode: str, **fields: int) -> None:
        self.mode_file.write_text(json.dumps({"mode": mode, **fields}))

    def seen(self) -> list[dict[str, str]]:
        text = self.requests.read_text() if self.requests.exists() else ""
        return [json.loads(line) for line in text.splitlines()]

    def posts_to(self, path: str, since: int) -> list[dict[str, str]]:
        return [r for r in self.seen()[since:] if r["method"] == "POST" and r["path"] == path]

    def head(self) -> dict[str, Any]:
        answer: dict[str, Any] = httpx.get(f"{self.honest}/api/board/checkpoint").json()
        return answer


@pytest.fixture(scope="module")
def boards(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Boards]:
    root = tmp_path_factory.mktemp("replica-attacks")
    demo = root / "demo"
    log = root / "serve.log"
    server = start(
        [*CLI, "serve", "--demo", "--folder", str(demo), "--port", "0", "--voters", "20"], log
    )
    hostile = None
    try:
        fingerprint = wait_for(log, server, r"fingerprint ([0-9a-f]{64})", 120)
        honest = wait_for(log, server, r"listening on (http://127\.0\.0\.1:\d+)", 120).rstrip("/")
        answering(honest, server, log)
        mode_file, requests = root / "mode.json", root / "requests.jsonl"
        hlog = root / "hostile.log"
        hostile = start(
            [
                sys.executable, str(HOSTILE), "--upstream", honest,
                "--board-key", str(demo / "election" / "board-key.json"),
                "--mode-file", str(mode_file), "--requests", str(requests),
            ],
            hlog,
        )  # fmt: skip
        url = wait_for(hlog, hostile, r"listening on (http://127\.0\.0\.1:\d+)", 30)
        answering(url, hostile, hlog)
        manifest = Manifest.from_json(json.loads((demo / "election" / "manifest.json").read_text()))
        b = Boards(demo, honest, url, fingerprint, mode_file, requests, manifest)
        b.set("honest")
        yield b
    finally:
        if hostile is not None:
            stop(hostile)
        stop(server)


def _ballot_indexes(boards: Boards) -> list[int]:
    size = boards.head()["size"]
    answer = httpx.get(f"{boards.honest}/api/board/entries", params={"start": 0, "limit": size})
    return [e["index"] for e in answer.json()["entries"] if e["kind"] == "ballot"]


def _witness_copy(boards: Boards, source: str, to: Path, latest: str | None = "keep") -> Path:
    """Gives back a new witness folder holding source's witness.json (no replica yet)."""
    value = json.loads((boards.folder / source / "witness.json").read_text())
    if latest != "keep":
        value["latest"] = latest
    to.mkdir(mode=0o700)
    path = to / "witness.json"
    path.write_text(json.dumps(value))
    path.chmod(0o600)
    return to


# --- 1. an invalid entry -----------------------------------------------------------------------


def test_an_altered_ballot_is_refused_and_the_replica_keeps_its_last_good_state(
    boards: Boards, tmp_path: Path
) -> None:
    ballots = _ballot_indexes(boards)
    size = boards.head()["size"]
    bad = ballots[3]
    good = bad - 1  # the replica's last good state: every entry before the altered ballot
    replica = tmp_path / "observer"
    with Replica.open(replica, boards.url, boards.fingerprint) as r:
        assert r.sync(progress=False, until=good) == good

    boards.set("tamper", index=bad)
    try:
        error = fails("sync", "--dir", str(replica))
        assert f"board entry {bad} (ballot)" in error, error
        assert replica_size(replica) == good

        # A fresh replica meets the altered ballot within its first page: nothing committed.
        fresh = tmp_path / "fresh"
        error = fails("sync", "--dir", str(fresh), *boards.at())
        assert f"board entry {bad} (ballot)" in error, error
        assert replica_size(fresh) == 0

        # The witness does not co-sign a board that serves an invalid entry.
        witness = _witness_copy(boards, "witness-2", tmp_path / "witness")
        kept = (witness / "witness.json").read_text()
        seen = len(boards.seen())
        error = fails("witness", "cosign", "--dir", str(witness), *boards.at())
        assert f"board entry {bad} (ballot)" in error, error
        assert not boards.posts_to("/api/board/cosignatures", seen)
        assert (witness / "witness.json").read_text() == kept
        assert not (witness / "equivocation.json").exists()

        # An entry the replica already verified, altered afterwards: the board's checkpoint
        # no longer matches the replica's own tree.
        boards.set("tamper", index=ballots[0])
        assert ballots[0] < good
        error = fails("sync", "--dir", str(replica))
        assert "rewrote its history" in error, error
        assert replica_size(replica) == good
    finally:
        boards.set("honest")

    out = ok("sync", "--dir", str(replica)).stdout
    assert f"{size - good:,} new board entries checked; this replica holds {size:,}" in out, out
    with Replica.open(replica) as r:
        assert r.state.size == size
        assert r.state.tree.root().hex() == boards.head()["root"]
    out = ok("sync", "--dir", str(fresh)).stdout
    assert f"this replica holds {size:,}" in out, out
    ok("witness", "cosign", "--dir", str(witness))
    assert (
        parse_signed_checkpoint(
            json.loads((witness / "witness.json").read_text())["latest"]
        ).checkpoint.size
        == size
    )


# --- 2. a rollback -----------------------------------------------------------------------------


def test_a_board_that_rolls_back_is_refused(boards: Boards, tmp_path: Path) -> None:
    size = boards.head()["size"]
    replica = tmp_path / "observer"
    out = ok("sync", "--dir", str(replica), *boards.at()).stdout
    assert f"this replica holds {size:,}" in out
    witness = _witness_copy(boards, "witness-1", tmp_path / "witness")
    ok("witness", "cosign", "--dir", str(witness), *boards.at())
    kept = (witness / "witness.json").read_text()

    boards.set("rollback", size=size - 5)
    try:
        answer = httpx.get(f"{boards.url}/api/board/checkpoint").json()
        assert answer["size"] == size - 5  # signed by the board: nothing forged
        error = fails("sync", "--dir", str(replica))
        assert "rolled back" in error and f"shows {size - 5} entries" in error, error
        assert replica_size(replica) == size
        seen = len(boards.seen())
        error = fails("witness", "cosign", "--dir", str(witness))
        assert "rolled back" in error, error
        assert not boards.posts_to("/api/board/cosignatures", seen)
        assert (witness / "witness.json").read_text() == kept
    finally:
        boards.set("honest")
    out = ok("sync", "--dir", str(replica)).stdout
    assert f"0 new board entries checked; this replica holds {size:,}" in out, out


# --- 3. another history, shown to a witness ----------------------------------------------------


def test_a_witness_shown_another_history_refuses_and_cosigns_nothing(
    boards: Boards, tmp_path: Path
) -> None:
    ballots = _ballot_indexes(boards)
    size = boards.head()["size"]
    # The witness co-signs the honest board at size N (its replica verified every entry).
    witness = _witness_copy(boards, "witness-1", tmp_path / "witness", latest=None)
    seen = len(boards.seen())
    ok("witness", "cosign", "--dir", str(witness), *boards.at())
    assert len(boards.posts_to("/api/board/cosignatures", seen)) == 1
    honest = json.loads((witness / "witness.json").read_text())["latest"]
    assert parse_signed_checkpoint(honest).checkpoint.size == size

    # Another history of N entries, each entry valid, the checkpoint signed by the board key.
    boards.set("swap", a=ballots[-2], b=ballots[-1])
    try:
        other = httpx.get(f"{boards.url}/api/board/checkpoint").json()
        assert other["size"] == size and other["root"] != boards.head()["root"]
        # The witness's own replica already holds N verified entries: it refuses first.
        seen = len(boards.seen())
        error = fails("witness", "cosign", "--dir", str(witness))
        assert "equivocated" in error or "rewrote its history" in error, error
        assert not boards.posts_to("/api/board/cosignatures", seen)
        assert json.loads((witness / "witness.json").read_text())["latest"] == honest
        evidence = witness / "equivocation.json"
        if evidence.exists():
            EquivocationProof.from_json(evidence.read_text()).verify(boards.manifest.board_key)
    finally:
        boards.set("honest")


def test_the_witness_core_proves_equivocation_at_the_size_it_cosigned(
    boards: Boards, tmp_path: Path
) -> None:
    """A witness whose witness.json holds the honest checkpoint it co-signed at N, with a
    fresh replica that verifies another (valid) history of N entries entry by entry."""
    ballots = _ballot_indexes(boards)
    head = boards.head()
    witness = _witness_copy(boards, "witness-1", tmp_path / "witness")
    honest = json.loads((witness / "witness.json").read_text())["latest"]
    signed = parse_signed_checkpoint(honest)
    assert signed.checkpoint.size == head["size"]  # the demo's witness co-signed the board
    assert signed.checkpoint.root.hex() == head["root"]

    boards.set("swap", a=ballots[-2], b=ballots[-1])
    try:
        other = httpx.get(f"{boards.url}/api/board/checkpoint").json()
        seen = len(boards.seen())
        proc = run("witness", "cosign", "--dir", str(witness), *boards.at())
        posted = boards.posts_to("/api/board/cosignatures", seen)
    finally:
        boards.set("honest")
    assert replica_size(witness) == head["size"]  # the other history was valid entry by entry
    assert not posted
    assert json.loads((witness / "witness.json").read_text())["latest"] == honest
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert "equivocat" in proc.stderr and "equivocation.json" in proc.stderr, proc.stderr
    proof = EquivocationProof.from_json((witness / "equivocation.json").read_text())
    proof.verify(boards.manifest.board_key)
    roots = {proof.first.checkpoint.root.hex(), proof.second.checkpoint.root.hex()}
    assert roots == {head["root"], other["root"]}


# --- 4. SIGKILL in the middle of a sync ----------------------------------------------------------


@pytest.fixture(scope="module")
def big_board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """Gives back (URL, fingerprint, record folder) of a finished board of ~2,200 entries."""
    root = tmp_path_factory.mktemp("big-board")
    work = root / "work"
    work.mkdir()
    record = root / "record"
    proc = subprocess.run(
        [*CLI, "demo", "--voters", "2500", "--seed", "replica-kill", "--record", str(record)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**ENV, "TMPDIR": str(work)},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (election,) = work.glob("referendum-demo-*/election")
    fingerprint = json.loads((record / "record.json").read_text())["fingerprint"]
    log = root / "serve.log"
    server = start([*CLI, "serve", "--election", str(election), "--port", "0"], log)
    try:
        url = wait_for(log, server, r"listening on (http://127\.0\.0\.1:\d+)", 60).rstrip("/")
        answering(url, server, log)
        yield url, fingerprint, record
    finally:
        stop(server)


def _committed(folder: Path) -> int:
    """Gives back the replica's committed size as its SQLite file says (0 before any)."""
    path = folder / "replica.sqlite"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            row = db.execute("SELECT max(size) FROM board_log").fetchone()
    except sqlite3.OperationalError:
        return 0
    return int(row[0] or 0)


@pytest.mark.slow
def test_a_sync_killed_mid_page_resumes_without_applying_an_entry_twice(
    big_board: tuple[str, str, Path], tmp_path: Path
) -> None:
    url, fingerprint, record = big_board
    size = httpx.get(f"{url}/api/election").json()["size"]
    head = httpx.get(f"{url}/api/board/checkpoint").json()
    assert size == head["size"] > 2000
    replica = tmp_path / "observer"
    log = tmp_path / "sync.log"
    sync = start(
        [*CLI, "sync", "--dir", str(replica), "--board", url, "--fingerprint", fingerprint], log
    )
    # Kill it once its first page (1,000 entries) is committed: the second is then in flight.
    deadline = time.monotonic() + 90
    while _committed(replica) < 1000:
        if sync.poll() is not None:
            pytest.fail(f"sync ended before it could be killed: {log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"no page committed within 90 s: {log.read_text()}")
        time.sleep(0.02)
    time.sleep(0.3)  # well inside the second page
    os.killpg(sync.pid, signal.SIGKILL)
    sync.wait()
    assert sync.returncode == -signal.SIGKILL
    done = _committed(replica)
    assert done % 1000 == 0 and 1000 <= done < size, done  # whole pages only

    out = ok("sync", "--dir", str(replica)).stdout
    assert f"{size - done:,} new board entries checked; this replica holds {size:,}" in out, out
    assert head["root"][:16] in out

    board_kinds = Counter(
        json.loads(line)["kind"] for line in (record / "board.jsonl").read_text().splitlines()
    )
    assert sum(board_kinds.values()) == size
    with Replica.open(replica) as r:
        assert r.state.size == r.log.size() == size
        assert r.state.tree.root().hex() == head["root"]
        counts = r.state.counts
        assert dict(counts.by_kind) == dict(board_kinds)
        assert counts.ballots == board_kinds["ballot"]
        assert counts.spoiled == board_kinds["spoiled"]
    with sqlite3.connect(replica / "replica.sqlite") as db:
        assert db.execute("SELECT count(*) FROM board_entry").fetchone()[0] == size
    out = ok("sync", "--dir", str(replica)).stdout
    assert f"0 new board entries checked; this replica holds {size:,}" in out, out
