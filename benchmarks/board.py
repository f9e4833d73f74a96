"""Bulletin board figures: durable appends per second, and proof times by log size.

Usage: .venv/bin/python benchmarks/board.py [--stores sqlite,postgres]
           [--sizes 10000,100000,1000000] [--proofs 1000] [--appends 2000] [--threads 32]

For each store: single appends (one transaction each), group-committed appends from
--threads client threads (GroupCommitWriter), then one log grown to each of --sizes with
append_many in durable batches of 10,000 (build time printed apart), and at each size the
mean time to generate (from the store) and to verify an inclusion and a consistency proof.
PostgreSQL uses REFERENDUM_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test)
and a temporary schema, dropped at the end. Figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import psycopg

from referendum.board import (
    GroupCommitWriter,
    Log,
    LogStore,
    PostgresStore,
    SqliteStore,
    verify_consistency,
    verify_entry_inclusion,
)
from referendum.board.postgres import DEFAULT_URL, URL_VARIABLE

BUILD_BATCH = 10_000


@contextmanager
def open_store(kind: str) -> Iterator[LogStore]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            store = SqliteStore(os.path.join(tmp, "board.db"))
            try:
                yield store
            finally:
                store.close()
        return
    schema = f"board_bench_{uuid.uuid4().hex[:12]}"
    store = PostgresStore(schema=schema)
    try:
        yield store
    finally:
        store.close()
        url = os.environ.get(URL_VARIABLE) or DEFAULT_URL
        with psycopg.connect(url, autocommit=True) as db:
            db.execute(f"DROP SCHEMA {schema} CASCADE")


def payload(i: int) -> bytes:
    return b'{"ballot":%d,"data":"%s"}' % (i, b"x" * 200)


def bench_appends(store: LogStore, n: int, threads: int) -> None:
    log = Log(store, "bench-single")
    t0 = time.perf_counter()
    for i in range(n):
        log.append("ballot", payload(i))
    single = n / (time.perf_counter() - t0)
    print(f"  single appends, 1 thread, 1 commit each : {single:10,.0f} /s  ({n} appends)")

    total = 10 * n
    with GroupCommitWriter(store, "bench-group") as writer, ThreadPoolExecutor(threads) as pool:
        t0 = time.perf_counter()
        list(pool.map(lambda i: writer.append("ballot", payload(i)), range(total)))
        group = total / (time.perf_counter() - t0)
    print(f"  group commit, {threads} threads, each acked  : {group:10,.0f} /s  ({total} appends)")


def per_call_us(t0: float, calls: int) -> float:
    """Mean microseconds per call since t0."""
    return (time.perf_counter() - t0) / calls * 1e6


def bench_proofs(store: LogStore, sizes: list[int], proofs: int) -> None:
    log = Log(store, "bench-proofs")
    rng = random.Random(2026)
    print(
        "  size      build s (cum.)  incl gen us  incl verify us  nodes  "
        "cons gen us  cons verify us  nodes"
    )
    build = 0.0
    for size in sizes:
        t0 = time.perf_counter()
        while (have := log.size()) < size:
            k = min(BUILD_BATCH, size - have)
            log.append_many([("ballot", payload(have + j)) for j in range(k)])
        build += time.perf_counter() - t0
        cp = log.checkpoint()
        indexes = [rng.randrange(size) for _ in range(proofs)]
        entries = [log.entry(i) for i in indexes]
        t0 = time.perf_counter()
        incl = [log.inclusion_proof(i, size) for i in indexes]
        gen = per_call_us(t0, proofs)
        t0 = time.perf_counter()
        for entry, proof in zip(entries, incl, strict=True):
            verify_entry_inclusion(entry, proof, cp)
        ver = per_call_us(t0, proofs)
        firsts = [rng.randrange(1, size) for _ in range(proofs)]
        roots = [log.root(m) for m in firsts]
        t0 = time.perf_counter()
        cons = [log.consistency_proof(m, size) for m in firsts]
        cgen = per_call_us(t0, proofs)
        t0 = time.perf_counter()
        for m, root, proof in zip(firsts, roots, cons, strict=True):
            verify_consistency(m, size, root, cp.root, proof)
        cver = per_call_us(t0, proofs)
        inodes = statistics.mean(len(p) for p in incl)
        cnodes = statistics.mean(len(p) for p in cons)
        print(
            f"  {size:<9,} {build:14.1f}  {gen:11.0f}  {ver:14.0f}  {inodes:5.1f}  "
            f"{cgen:11.0f}  {cver:14.0f}  {cnodes:5.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--proofs", type=int, default=1000)
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=32)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    print(
        f"board benchmark: Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{platform.platform()}"
    )
    print(f"command: {' '.join([os.path.basename(sys.executable), *sys.argv])}")
    for kind in args.stores.split(","):
        print(f"\n[{kind}] durable appends (payload {len(payload(0))} bytes)")
        t0 = time.perf_counter()
        with open_store(kind) as store:
            bench_appends(store, args.appends, args.threads)
            print(f"\n[{kind}] proofs: mean of {args.proofs} random proofs per size")
            bench_proofs(store, sizes, args.proofs)
        print(f"  ({kind} total {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
