"""A whole referendum where every party is its own process with its own folder, and the
only thing they share is the board's URL and the referendum's fingerprint.

The operator runs `referendum serve` on its board folder (the board key never leaves it)
and its own commands there. Five trustees, two registrars, two witnesses and the voters each
run their commands with --board URL --fingerprint FP from a folder that holds nothing but
their own secrets and their own verified replica of the board. One trustee stays away from
the count. The outside verifier confirms the results. Run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from manifest_fixtures import voting_now
from referendum.demo_manifest import TEMPLATE

CLI = [sys.executable, "-m", "referendum.cli"]
DATABASE = os.environ.get("REFERENDUM_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def run(*args: str, ok: bool = True, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, env=env)
    if ok and proc.returncode != 0:
        pytest.fail(f"referendum {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc


def block(proc: subprocess.CompletedProcess[str]) -> str:
    return "".join(line + "\n" for line in proc.stdout.splitlines() if not line.startswith("#"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def serve(board: Path, log: Path, port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Starts `referendum serve` on the board folder (at port, default a free one); gives
    back (process, URL)."""
    port = port or free_port()
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [*CLI, "serve", "--election", str(board), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/election", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            pytest.fail(f"serve exited {proc.returncode}: {log.read_text()}")
        time.sleep(0.2)
    proc.kill()
    pytest.fail(f"serve did not answer within 60 s: {log.read_text()}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_cosigned(url: str, witness: str, size: int) -> None:
    """Waits until the board holds a co-signature by witness at size entries or more."""
    from referendum.board import parse_signed_checkpoint

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = httpx.get(f"{url}/api/board/checkpoint").json()["cosigned"]
        if text is not None:
            signed = parse_signed_checkpoint(text)
            names = {s.name for s in signed.signatures}
            if signed.checkpoint.size >= size and witness in names:
                return
        time.sleep(0.2)
    pytest.fail(f"{witness} did not co-sign the board at {size} entries within 60 s")


def _referendum(
    root: Path, store: str | None, replica_store: str | None = None
) -> Iterator[dict[str, object]]:
    trustees = [root / f"trustee-{n}" for n in range(1, 6)]
    blocks = [
        block(run("trustee", "keygen", "--dir", str(d), "--name", f"Trustee {n}"))
        for n, d in enumerate(trustees, 1)
    ]
    # Two registrars from different sides co-issue every credential (protocol.md 10).
    registrars = {rid: root / f"registrar-{rid}" for rid in ("cec", "mission")}
    blocks += [
        block(run("credentials", "keygen", "--dir", str(d), "--id", rid, "--name", rid.upper()))
        for rid, d in registrars.items()
    ]
    witnesses = [root / f"witness-{n}" for n in (1, 2)]
    blocks += [
        block(run("witness", "keygen", "--dir", str(w), "--name", f"observer-{n}"))
        for n, w in enumerate(witnesses, 1)
    ]
    organiser = root / "organiser"
    organiser.mkdir()
    manifest = organiser / "manifest.toml"
    manifest.write_text(voting_now(TEMPLATE) + "\n" + "\n".join(blocks))
    board = root / "operator" / "board"
    init = ["init", str(manifest), "--election", str(board)]
    if store is not None:
        init += ["--store", store]
    out = run(*init).stdout
    fingerprint = re.search(r"fingerprint ([0-9a-f]{64})", out).group(1)
    server, url = serve(board, root / "operator" / "serve.log")
    follower: subprocess.Popen[bytes] | None = None
    try:
        at = ["--board", url, "--fingerprint", fingerprint]

        for step in ("commit", "shares", "check", "confirm"):
            for d in trustees:
                run("trustee", step, "--dir", str(d), *at)
        status = run("trustee", "status", "--dir", str(root / "observer"), *at).stdout
        assert "complete" in status and "clause 1: qualified dealers 1, 2, 3, 4, 5" in status

        sizes = {"donetsk": 3, "luhansk": 1, "kherson": 1, "zaporizhzhia": 1}
        letters: dict[str, dict[str, list[str]]] = {rid: {} for rid in registrars}
        for region, count in sizes.items():
            for rid, folder in registrars.items():  # cec commits first, waits for mission
                sheet = folder / f"{region}-codes.txt"
                run(
                    "credentials", "issue", "--dir", str(folder), *at,
                    "--region", region, "--count", str(count), "--out", str(sheet),
                )  # fmt: skip
                lines = [x for x in sheet.read_text().splitlines() if not x.startswith("#")]
                letters[rid][region] = [line.split(",")[2] for line in lines]
            cec = ("--dir", str(registrars["cec"]), *at, "--region", region)
            assert "and the close posted" in run("credentials", "publish", *cec).stdout
        codes = {
            region: list(zip(letters["cec"][region], letters["mission"][region], strict=True))
            for region in sizes
        }
        run("witness", "cosign", "--dir", str(witnesses[0]), *at)
        # The second witness runs as a service from here on: it co-signs each new
        # checkpoint by itself, after checking every new entry.
        follower_log = root / "witness-2.log"
        with open(follower_log, "wb") as out:
            follower = subprocess.Popen(
                [*CLI, "witness", "follow", "--dir", str(witnesses[1]), *at, "--interval", "0.5"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        run("open", "--election", str(board))

        def vote(
            pair: tuple[str, ...], option: str, *extra: str
        ) -> subprocess.CompletedProcess[str]:
            typed = [arg for code in pair for arg in ("--code", code)]
            return run("vote", *at, *typed, "--choice", f"status={option}", *extra)

        d = codes["donetsk"]
        voter = root / "voter"
        voter.mkdir()
        vote(d[0], "russia", "--challenge")
        vote(d[0], "ukraine", "--receipt", str(voter / "receipt.json"))
        vote(d[1], "russia")
        vote(d[1], "ukraine")  # a re-vote: this one counts
        vote(d[2], "russia")
        vote(codes["luhansk"][0], "russia")
        vote(codes["kherson"][0], "ukraine")
        run("tally", "close", "--early", "--election", str(board))
        run("witness", "cosign", "--dir", str(witnesses[0]), *at)
        wait_cosigned(url, "observer-2", httpx.get(f"{url}/api/election").json()["size"])
        for d_ in trustees[:4]:  # trustee 5 stays away from the count
            run("trustee", "decrypt", "--dir", str(d_), *at)
        published = run("tally", "publish", "--election", str(board)).stdout
        run("witness", "cosign", "--dir", str(witnesses[0]), *at)
        wait_cosigned(url, "observer-2", httpx.get(f"{url}/api/election").json()["size"])
        follower.send_signal(signal.SIGTERM)
        assert follower.wait(timeout=30) == 0, follower_log.read_text()
        followed = follower_log.read_text()
        assert "co-signed the board at size" in followed and "stopped" in followed
        observer = run("sync", "--dir", str(root / "observer"), *at).stdout
        if replica_store is not None:  # an observer whose replica lives in PostgreSQL
            pg_observer = root / "observer-pg"
            first = run("sync", "--dir", str(pg_observer), *at, "--store", replica_store)
            assert "phase 'done'" in first.stdout
            assert not (pg_observer / "replica.sqlite").exists()
            again = run("sync", "--dir", str(pg_observer)).stdout
            assert "0 new board entries checked" in again
            # The operator's own store holds this board: a replica may not share it.
            shared = run("sync", "--dir", str(root / "observer-x"), *at, "--store", str(store),
                         ok=False)  # fmt: skip
            assert shared.returncode == 2 and "a database or schema of its own" in shared.stderr
        record = root / "public" / "record"
        run("export", "--election", str(board), "--record", str(record))
        yield {
            "root": root,
            "record": record,
            "fingerprint": fingerprint,
            "published": published,
            "observer": observer,
            "trustees": trustees,
            "folders": [*trustees, *registrars.values(), *witnesses, voter],
            "url": url,
        }
    finally:
        if follower is not None and follower.poll() is None:
            follower.kill()
            follower.wait()
        stop(server)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def referendum(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, object]]:
    root = tmp_path_factory.mktemp(f"parties-{request.param}")
    store = replica_store = None
    schemas = []
    if request.param == "postgresql":
        from referendum.board import PostgresStore

        for role in ("parties", "observer"):
            schemas.append(f"{role}_{uuid.uuid4().hex[:12]}")
            PostgresStore(DATABASE, schema=schemas[-1]).close()  # makes the schema
        store = f"{DATABASE}?options=-csearch_path%3D{schemas[0]}"
        replica_store = f"{DATABASE}?options=-csearch_path%3D{schemas[1]}"
    try:
        yield from _referendum(root, store, replica_store)
    finally:
        if schemas:
            import psycopg

            with psycopg.connect(DATABASE, autocommit=True) as db:
                for schema in schemas:
                    db.execute(f"DROP SCHEMA {schema} CASCADE")


def test_the_outside_verifier_confirms_the_count(referendum: dict[str, object]) -> None:
    proc = run(
        "verify", str(referendum["record"]), "--fingerprint", str(referendum["fingerprint"]),
        "--json",
    )  # fmt: skip
    report = json.loads(proc.stdout)
    assert report["ok"] is True
    counts = {r["region"]: r["questions"][0]["counts"] for r in report["results"]["regions"]}
    assert counts == {
        "donetsk": [2, 1],
        "luhansk": [0, 1],
        "kherson": [1, 0],
        "zaporizhzhia": [0, 0],
    }
    assert report["results"]["trustees"] == [1, 2, 3]  # the first quorum of the four
    assert report["witnesses"] == ["observer-1", "observer-2"]


def test_an_observer_replica_holds_the_whole_board(referendum: dict[str, object]) -> None:
    out = str(referendum["observer"])
    assert "phase 'done'" in out and "matches this replica's root" in out
    again = run("sync", "--dir", str(Path(str(referendum["root"])) / "observer")).stdout
    assert "0 new board entries checked" in again


def test_an_observer_follows_the_live_board_to_the_same_results(
    referendum: dict[str, object],
) -> None:
    """verify --board --follow checks each entry once, into the observer's own replica,
    and prints the table the record's verifier prints."""
    observer = Path(str(referendum["root"])) / "observer-2"
    at = ["--board", str(referendum["url"]), "--fingerprint", str(referendum["fingerprint"])]
    live = run("verify", *at, "--dir", str(observer), "--follow", "--interval", "0.2").stdout
    assert "(2 of the 2 required)" in live and "phase 'done'" in live
    table = live[live.index("Donetsk Oblast") :].strip()
    whole = run("verify", str(referendum["record"])).stdout
    assert table == whole[whole.index("Donetsk Oblast") :].strip()
    again = run("verify", "--board", str(referendum["url"]), "--dir", str(observer)).stdout
    assert "0 new entries checked" in again


def test_no_party_folder_holds_the_board_key_or_another_partys_secret(
    referendum: dict[str, object],
) -> None:
    board_key = json.loads(
        (Path(str(referendum["root"])) / "operator" / "board" / "board-key.json").read_text()
    )["seed"]
    for folder in referendum["folders"]:
        for path in Path(str(folder)).rglob("*"):
            if path.is_file():
                assert board_key.encode() not in path.read_bytes(), path
    for t in referendum["trustees"]:
        secret = json.loads((Path(str(t)) / "trustee-keys.json").read_text())
        seeds = [v for v in _strings(secret) if re.fullmatch(r"[0-9a-f]{64}", v)]
        for other in referendum["folders"]:
            if other == t:
                continue
            data = b"".join(p.read_bytes() for p in Path(str(other)).rglob("*") if p.is_file())
            for seed in seeds:
                assert seed.encode() not in data


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []
