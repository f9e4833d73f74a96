"""Casts per second over HTTP: one casting node beside two, on one PostgreSQL board.

Run: .venv/bin/python benchmarks/casting_nodes.py [--voters N] [--clients C]
     [--configs 1,2,1:nobatch,2:nobatch] [--repeat R] [--before SRC]

One demo referendum is prepared on PostgreSQL (a fresh schema, dropped at the end). A
*node* is a `referendum serve --election FOLDER` process with a folder of its own (a copy
of the operator's: manifest, board key, the store's URL), as a node on another machine
would have; nodes share only the board, and take turns appending through the store's
writer lock. Configurations, each run R times, interleaved so a busy moment of this
shared machine hits all of them alike:

- `N`: N nodes, batched appends (every cast waiting in a node goes in one transaction);
- `N:nobatch`: N nodes with REFERENDUM_CAST_BATCH=1, one transaction and one checkpoint
  per cast (the code of this revision, batching off);
- `N:before`, with --before SRC: N nodes running the source tree SRC (for example the
  revision before batching, taken out with `git archive REV src | tar -x -C DIR`).

Every ballot is encrypted beforehand (not timed), a new one per credential per run (a
voter may vote again; the last ballot counts). C client processes send them over
keep-alive connections (http.client), spread over the nodes, and time each POST
/api/ballots. Every answer must be 201 with a receipt, and the board must have grown by
exactly the ballots sent. Receipts of one batch share their checkpoint, so the number of
distinct checkpoints gives the mean batch size.

Last, the serialised part alone: the appender's batch function (the locks, the checks
under them, one append, one checkpoint and the receipts) timed in this process for
batches of 1 to 128 casts, whose cost per extra cast bounds what any number of nodes can
reach on this store.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psycopg

from referendum.ballot import encrypt_ballot, tracking_hash
from referendum.board.postgres import DEFAULT_URL, URL_VARIABLE
from referendum.canonical import canonical_json
from referendum.credentials import credential_key
from referendum.election import Election
from referendum.manifest import Manifest
from referendum.server.demo import prepare_demo

LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+/)")
_RATE = "100000/1"  # the rate limit is not what is measured


def _pg_url() -> str:
    return os.environ.get(URL_VARIABLE) or DEFAULT_URL


def _schema_url(schema: str) -> str:
    return f"{_pg_url()}?options=-csearch_path%3D{schema}"


@contextmanager
def _node(folder: Path, *, batch: int | None, src: Path | None, workers: int) -> Iterator[str]:
    """Gives back the base URL of a `referendum serve` process on folder while it runs."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("REFERENDUM_CAST_BATCH", None)
    if batch is not None:
        env["REFERENDUM_CAST_BATCH"] = str(batch)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    command = [sys.executable, "-m", "referendum.cli", "serve", "--election", str(folder)]
    command += ["--port", "0", "--workers", str(workers), "--rate-limit", _RATE]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    assert process.stdout is not None
    url = None
    while url is None:
        line = process.stdout.readline()
        if not line:
            raise SystemExit(f"serve stopped (exit {process.wait()})")
        if found := LISTENING.search(line):
            url = found.group(1)
    drain = subprocess.Popen(["cat"], stdin=process.stdout, stdout=subprocess.DEVNULL)
    try:
        _get(url, "api/election")  # ready (workers > 1: at least one)
        time.sleep(0.5 * workers)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        drain.kill()


def _get(url: str, path: str) -> Any:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        conn.request("GET", "/" + path)
        answer = conn.getresponse()
        return json.loads(answer.read())
    finally:
        conn.close()


def _client(job: tuple[str, list[bytes]]) -> tuple[list[float], list[str]]:
    """Sends bodies to url over one keep-alive connection: (latencies, checkpoints)."""
    url, bodies = job
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)
    headers = {"Content-Type": "application/json"}
    latencies, checkpoints = [], []
    try:
        for body in bodies:
            start = time.perf_counter()
            conn.request("POST", "/api/ballots", body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            latencies.append(time.perf_counter() - start)
            if answer.status != 201:
                raise RuntimeError(f"cast refused: {answer.status} {data[:300]!r}")
            checkpoints.append(json.loads(data)["checkpoint"])
    finally:
        conn.close()
    return latencies, checkpoints


def _ballots(demo_folder: Path, manifest: Manifest, key: Any, run: int) -> list[bytes]:
    """Gives back one new cast body per demo credential (run varies the choice)."""
    bodies = []
    for n, line in enumerate((demo_folder / "codes.txt").read_text().splitlines()):
        region, *codes = line.split()  # one code per co-issuing registrar
        question = manifest.ballot_style(region)[0]
        vector = [0] * len(question.options)
        vector[(n + run) % len(vector)] = 1
        credential = credential_key(manifest.fingerprint, codes)
        prepared = encrypt_ballot(manifest, key, region, {question.id: vector}, credential)
        bodies.append(canonical_json(prepared.payload))
    return bodies


def _pct(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p * len(ordered)) - 1))]


def _measure(
    nodes: list[Path], bodies: list[bytes], clients: int, *, batch: int | None, src: Path | None
) -> dict[str, float]:
    with ExitStack() as stack:
        urls = [stack.enter_context(_node(f, batch=batch, src=src, workers=1)) for f in nodes]
        before = _get(urls[0], "api/election")["size"]
        jobs = [(urls[i % len(urls)], bodies[i::clients]) for i in range(clients)]
        with multiprocessing.get_context("fork").Pool(clients) as pool:
            pool.map(_noop, range(clients))  # the processes exist before the clock starts
            start = time.perf_counter()
            parts = pool.map(_client, jobs, chunksize=1)
            wall = time.perf_counter() - start
        after = _get(urls[-1], "api/election")["size"]
    if after - before != len(bodies):
        raise SystemExit(f"the board grew by {after - before}, {len(bodies)} casts got 201")
    latencies = [t for lat, _ in parts for t in lat]
    checkpoints = {c for _, cps in parts for c in cps}
    return {
        "rate": len(bodies) / wall,
        "p50": _pct(latencies, 0.50) * 1e3,
        "p95": _pct(latencies, 0.95) * 1e3,
        "p99": _pct(latencies, 0.99) * 1e3,
        "batch": len(bodies) / len(checkpoints),
    }


def _noop(_: int) -> None:
    return None


def _serialised_part(folder: Path, manifest: Manifest, key: Any, demo_folder: Path) -> None:
    """Times the appender's batch function alone for several batch sizes (see the doc)."""
    from referendum.ballot import verify_ballot
    from referendum.server.casting import Casting, _Cast
    from referendum.server.rate import RateLimiter, parse_rate
    from referendum.server.service import Service

    service = Service(folder)
    casting = Casting(service, RateLimiter(folder, parse_rate(_RATE)), 1 << 20)
    print("\n# the serialised part alone (appender batch: locks, checks, append, receipts)")
    print(f"{'batch':>6} {'ms/batch':>9} {'ms/cast':>8} {'casts/s':>8}")
    try:
        run = 100
        for size in (1, 8, 32, 128):
            timings = []
            for _ in range(3 if size > 8 else 10):
                run += 1
                bodies = _ballots(demo_folder, manifest, key, run)[:size]
                casts = []
                for body in bodies:
                    payload = json.loads(body)
                    h = tracking_hash(manifest.fingerprint, payload)
                    checked = verify_ballot(manifest, key, payload, "bench")
                    casts.append(_Cast("ballot", payload, payload, h, checked))
                start = time.perf_counter()
                results = casting._append_batch(casts)
                timings.append(time.perf_counter() - start)
                if not all(isinstance(r, dict) for r in results):
                    raise SystemExit(f"refused in the batch: {results}")
            best = min(timings)
            print(f"{size:6d} {best * 1e3:9.2f} {best * 1e3 / size:8.3f} {size / best:8.0f}")
    finally:
        service.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=1200, help="ballots per run (1200)")
    parser.add_argument("--clients", type=int, default=16, help="client processes (16)")
    parser.add_argument("--configs", default="1,2,1:nobatch,2:nobatch", help="see the doc")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each configuration")
    parser.add_argument("--before", type=Path, default=None, help="source tree for N:before")
    args = parser.parse_args()
    configs = [c.strip() for c in args.configs.split(",")]
    if any(c.endswith(":before") for c in configs) and args.before is None:
        parser.error("a :before configuration needs --before SRC")

    schema = f"bench_nodes_{os.getpid()}"
    with psycopg.connect(_pg_url(), autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {schema}")
    tmp = Path(tempfile.mkdtemp(prefix="casting-nodes-"))
    try:
        demo = prepare_demo(tmp / "demo", voters=args.voters, store=_schema_url(schema))
        nodes = []
        for n in (1, 2):
            target = tmp / f"node-{n}"
            shutil.copytree(demo.election, target, ignore=shutil.ignore_patterns("rate.*"))
            nodes.append(target)
        with Election.open(demo.election) as election:
            manifest, key = election.manifest, election.state.public_key
        print(f"# {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; PostgreSQL board;")
        print(f"# {args.voters} ballots per run, {args.clients} client processes, keep-alive")
        print(f"{'config':>11} {'run':>3} {'casts/s':>8} {'p50 ms':>7} {'p95 ms':>7}", end="")
        print(f" {'p99 ms':>7} {'batch':>6}")
        rates: dict[str, list[float]] = {c: [] for c in configs}
        run = 0
        for r in range(args.repeat):
            for config in configs:
                count, _, mode = config.partition(":")
                run += 1
                bodies = _ballots(demo.folder, manifest, key, run)
                got = _measure(
                    nodes[: int(count)],
                    bodies,
                    args.clients,
                    batch=1 if mode == "nobatch" else None,
                    src=args.before.resolve() if mode == "before" else None,
                )
                rates[config].append(got["rate"])
                print(
                    f"{config:>11} {r + 1:3d} {got['rate']:8.1f} {got['p50']:7.1f}"
                    f" {got['p95']:7.1f} {got['p99']:7.1f} {got['batch']:6.1f}",
                    flush=True,
                )
        print()
        median = {c: statistics.median(v) for c, v in rates.items()}
        for config in configs:
            count, _, mode = config.partition(":")
            if config != "1" and "1" in median:
                print(f"median ratio {config} / 1: {median[config] / median['1']:.2f}")
            if mode and count in median:
                print(f"median ratio {count} / {config}: {median[count] / median[config]:.2f}")
        _serialised_part(nodes[0], manifest, key, demo.folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        with psycopg.connect(_pg_url(), autocommit=True) as db:
            db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    return 0


if __name__ == "__main__":
    sys.exit(main())
