"""Casts per second through the HTTP casting service, one worker beside two, over loopback.

Run: .venv/bin/python benchmarks/casting_service.py [--voters N] [--clients C] [--workers 1,2]

For each worker count it starts `referendum serve --demo` (SQLite) as its own process,
encrypts one ballot per demo credential in this process beforehand (not timed), then
sends them from C client threads over keep-alive HTTP connections and times the whole
batch: ballots per second, and the latency of each POST /api/ballots (median, 95th
percentile). Every answer must be 201 with a receipt. Then it times tracking-code
look-ups (GET /api/receipts/CODE) the same way. Both services run on this machine with
the clients, so the figures are a floor for what a separate server machine would do.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from referendum.ballot import encrypt_ballot, tracking_code, tracking_hash
from referendum.credentials import credential_key
from referendum.group import RISTRETTO255 as G
from referendum.group import element_from_hex
from referendum.manifest import Manifest

SERVE = [sys.executable, "-m", "referendum.cli", "serve", "--demo", "--port", "0"]
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+/)")


@contextmanager
def _serve(folder: Path, voters: int, workers: int) -> Iterator[str]:
    process = subprocess.Popen(
        [*SERVE, "--voters", str(voters), "--folder", str(folder), "--workers", str(workers)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    url = None
    while url is None:
        line = process.stdout.readline()
        if not line:
            raise SystemExit(f"serve --demo stopped (exit {process.wait()})")
        if found := LISTENING.search(line):
            url = found.group(1)
    drain = subprocess.Popen(["cat"], stdin=process.stdout, stdout=subprocess.DEVNULL)
    time.sleep(1.0 if workers > 1 else 0.2)  # let every worker replay the board
    try:
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        drain.kill()


def _ballots(url: str, folder: Path) -> list[dict[str, Any]]:
    """Gives back one cast payload per credential of the demo's codes.txt."""
    manifest = Manifest.from_json(httpx.get(url + "api/manifest").json())
    key = element_from_hex(G, httpx.get(url + "api/election").json()["public_key"], "key")
    payloads = []
    for n, line in enumerate((folder / "codes.txt").read_text().splitlines()):
        region, *codes = line.split()  # one code per co-issuing registrar
        choice = [1, 0] if n % 3 else [0, 1]
        credential = credential_key(manifest.fingerprint, codes)
        prepared = encrypt_ballot(manifest, key, region, {"status": choice}, credential)
        payloads.append(prepared.payload)
    return payloads


def _timed(
    url: str, clients: int, items: Sequence[Any], send: Callable[[httpx.Client, Any], float]
) -> tuple[float, list[float]]:
    """Gives back (wall seconds, per-request seconds) of sending items from client threads."""
    local = [httpx.Client(base_url=url, timeout=60) for _ in range(clients)]
    try:
        shares = [items[i::clients] for i in range(clients)]

        def run(i: int) -> list[float]:
            return [send(local[i], item) for item in shares[i]]

        start = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            latencies = [t for part in pool.map(run, range(clients)) for t in part]
        return time.perf_counter() - start, latencies
    finally:
        for c in local:
            c.close()


def _cast(client: httpx.Client, payload: dict[str, Any]) -> float:
    start = time.perf_counter()
    answer = client.post("api/ballots", json=payload)
    took = time.perf_counter() - start
    if answer.status_code != 201:
        raise SystemExit(f"cast refused: {answer.status_code} {answer.text}")
    return took


def _lookup(client: httpx.Client, code: str) -> float:
    start = time.perf_counter()
    answer = client.get(f"api/receipts/{code}")
    took = time.perf_counter() - start
    if answer.status_code != 200:
        raise SystemExit(f"look-up failed: {answer.status_code} {answer.text}")
    return took


def _body(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k != "signature"}


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=400, help="credentials = ballots (400)")
    parser.add_argument("--clients", type=int, default=8, help="client threads (8)")
    parser.add_argument("--workers", default="1,2", help="worker counts to compare (1,2)")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]

    print(f"# {os.cpu_count()} cores; {args.voters} ballots, {args.clients} client threads;")
    print("# serve --demo on SQLite; clients and service on this machine")
    print(f"{'workers':>7} {'casts/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'look-ups/s':>11}")
    rates = {}
    for workers in counts:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "demo"
            with _serve(folder, args.voters, workers) as url:
                payloads = _ballots(url, folder)
                wall, latencies = _timed(url, args.clients, payloads, _cast)
                codes = _codes(url, payloads)
                lwall, _ = _timed(url, args.clients, codes, _lookup)
        rates[workers] = len(payloads) / wall
        print(
            f"{workers:7d} {rates[workers]:8.1f} {statistics.median(latencies) * 1e3:7.1f}"
            f" {_p95(latencies) * 1e3:7.1f} {len(codes) / lwall:11.1f}"
        )
    if len(counts) > 1:
        first = counts[0]
        for w in counts[1:]:
            print(f"ratio workers={w} / workers={first}: {rates[w] / rates[first]:.2f}")
    return 0


def _codes(url: str, payloads: Sequence[dict[str, Any]]) -> list[str]:
    """Gives back the tracking codes of the cast payloads (as a voter would type them)."""
    manifest = Manifest.from_json(httpx.get(url + "api/manifest").json())
    return [tracking_code(tracking_hash(manifest.fingerprint, _body(p))) for p in payloads]


if __name__ == "__main__":
    sys.exit(main())
