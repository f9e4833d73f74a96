"""Start-up and replica figures on a large board: open, a command, serve, a replica's sync.

Run: .venv/bin/python benchmarks/replica.py [--entries 100000] [--small 1000]
         [--voters 1000000] [--tail 1000] [--jobs 2] [--repeat 3]
Quick: .venv/bin/python benchmarks/replica.py --entries 3000 --small 600 --voters 2000
         --tail 200 --repeat 1

Two SQLite boards are built in this process (not timed apart from the build line): the
demo manifest (SeededRandom keys, the demo's two registrars), the key ceremony, then a
roll of --voters keys co-issued by both registrars (demo.co_issue: real codes, each
registrar's commitment, its batches of 1,000 parts and its close; all voters but one per
other region in the first region), voting.open, and ballots for every entry left (made
on 2 device processes, checked in a pool of 2, appended with Election.post_many in
batches of 256 as the demo does; the first region's voters in turn, voting again once all
have voted). Since a credentials batch now holds exactly 1,000 keys (protocol.md 10.4),
a large board is mostly ballots, as a real one is. The small board has --small entries
and at most 1,000 voters, the large one --entries. Then, for each board:

1. Election.open(folder) in a fresh subprocess: wall time of the call (imports apart) and
   the process's peak RSS (resource.getrusage), median of --repeat;
2. `referendum trustee status --election DIR` in a subprocess (reads state only): wall
   time and peak RSS (os.wait4), median of --repeat;
3. `referendum serve --election DIR --port 0` until GET /api/election answers 200: wall
   time from the start of the process, and its peak RSS (VmHWM) then.

Then, on the large board served by `referendum serve`: a replica (referendum.replica) is
synced over HTTP up to --tail entries before the end (timed apart: the initial sync), and
the last --tail entries (ballots) are synced and timed: per-entry
wall time, printed beside verify_ballot's CPU time per ballot in this process. Figures go
to docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from referendum.ballot import KIND_BALLOT, CheckedBallot, verify_ballot
from referendum.credentials import BATCH_SIZE
from referendum.demo import co_issue, run_ceremony
from referendum.demo_manifest import REGIONS
from referendum.election import Election
from referendum.group import SeededRandom
from referendum.replay import PreChecked
from referendum.replica import Replica
from referendum.verifier.workers import check_batch, init_worker

sys.path.insert(0, str(Path(__file__).resolve().parent))
from whole_referendum import (  # a sibling script, not a package
    CHUNK,
    Voter,
    make_ballots,
    make_setup,
)

BATCH = 256  # ballots appended together (the demo's batch)
CLI = [sys.executable, "-m", "referendum.cli"]
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+/)")
PROBE = """
import resource, sys, time
t0 = time.perf_counter()
from referendum.election import Election
t1 = time.perf_counter()
e = Election.open(sys.argv[1])
t2 = time.perf_counter()
print(t1 - t0, t2 - t1, e.state.size, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


# --- building a board --------------------------------------------------------------------------


def _chunks(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def credential_entries(voters: int, regions: int, registrars: int) -> int:
    """Gives back the board entries of a roll of `voters` co-issued keys, all in the first
    region but one voter in each other: per registrar and region a commitment, one batch
    per 1,000 voters (credentials.BATCH_SIZE) and a close."""
    first = voters - (regions - 1)
    return registrars * (regions * 2 + -(-first // BATCH_SIZE) + (regions - 1))


def build(folder: Path, entries: int, voters: int, tag: str) -> tuple[int, int, int]:
    """Gives back (size, keys on the roll, ballots) of a new board in folder of `entries`
    entries: the ceremony, a roll of `voters` keys co-issued by the demo's two registrars
    (real codes, parts and commitments: demo.co_issue), voting.open, and ballots for the
    rest (the first region's voters in turn, voting again once all have voted)."""
    setup = make_setup(f"replica-bench-{tag}")
    election = Election.create(folder, setup.text, rng=SeededRandom(setup.board_seed))
    opens = dt.datetime.strptime(election.manifest.opens, "%Y-%m-%dT%H:%M:%SZ")
    election.clock = lambda: opens.replace(tzinfo=dt.UTC) + dt.timedelta(hours=1)
    m = election.manifest
    run_ceremony(election, setup.trustees, lambda label: SeededRandom(f"bench/{label}"))
    regions = [r for r, _ in REGIONS]
    if voters < len(regions):
        raise SystemExit(f"--voters {voters}: at least one per region ({len(regions)})")
    rolled = credential_entries(voters, len(regions), len(setup.registrars))
    ballots = entries - election.state.size - rolled - 1  # - voting.open
    if ballots < 0:
        raise SystemExit(f"--entries {entries}: too few for the ceremony and {voters:,} voters")
    people: list[Voter] = []
    for n, region in enumerate(regions):
        count = voters - (len(regions) - 1) if n == 0 else 1
        letters = co_issue(
            election,
            setup.registrars,
            region,
            count,
            lambda label: SeededRandom(f"bench/{tag}/{label}"),
        )
        if n == 0:  # the voters who vote: as many as the ballots need, at most all
            people = [Voter(region, codes) for codes in letters[: max(1, ballots)]]
    election.open_voting()
    key = election.state.public_key
    assert key is not None
    if ballots:
        voting = [people[n % len(people)] for n in range(ballots)]
        payloads = make_ballots(m, key, voting)
        with ProcessPoolExecutor(
            2, initializer=init_worker, initargs=(m.to_json(), key.to_bytes())
        ) as pool:
            for batch in _chunks(payloads, BATCH):
                where = election.state.size
                todo = [(KIND_BALLOT, b, f"ballot {where + n}") for n, b in enumerate(batch)]
                checked = [r for part in pool.map(check_batch, _chunks(todo, CHUNK)) for r in part]
                accepted: list[tuple[str, Any, PreChecked | None]] = []
                for b, result in zip(batch, checked, strict=True):
                    if not isinstance(result, CheckedBallot):
                        raise SystemExit(f"the board refused a benchmark ballot: {result}")
                    accepted.append((KIND_BALLOT, b, result))
                election.post_many(accepted)
    size = election.state.size
    roll = sum(election.state.roll.count(r) for r in regions)
    election.close()
    return size, roll, ballots


# --- measuring processes ---------------------------------------------------------------------


def open_probe(folder: Path) -> tuple[float, float, int]:
    """Gives back (Election.open seconds, import seconds, peak RSS MB) in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(folder)], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[1]), float(out[0]), round(int(out[3]) / 1024)


def command(args: Sequence[str]) -> tuple[float, int]:
    """Gives back (wall seconds, peak RSS MB) of a referendum command in a subprocess."""
    t0 = time.perf_counter()
    process = subprocess.Popen(
        [*CLI, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=False
    )
    _, status, usage = os.wait4(process.pid, 0)
    took = time.perf_counter() - t0
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        assert process.stderr is not None
        raise SystemExit(f"{' '.join(args)}: exit {process.returncode}: {process.stderr.read()!r}")
    return took, round(usage.ru_maxrss / 1024)


def _tree(pid: int) -> list[int]:
    """Gives back pid and its descendants."""
    out = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return out
    for child in children:
        out += _tree(int(child))
    return out


def _hwm_mb(pids: Sequence[int]) -> int:
    """Gives back the sum of the processes' peak RSS (VmHWM), MB."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024)


@contextmanager
def serve(folder: Path) -> Iterator[tuple[str, float, int]]:
    """Gives back (URL, seconds until GET /api/election answered, peak RSS MB then)."""
    t0 = time.perf_counter()
    process = subprocess.Popen(
        [*CLI, "serve", "--election", str(folder), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    drain = None
    try:
        url = None
        while url is None:
            line = process.stdout.readline()
            if not line:
                raise SystemExit(f"serve stopped (exit {process.wait()})")
            if found := LISTENING.search(line):
                url = found.group(1)
        drain = subprocess.Popen(["cat"], stdin=process.stdout, stdout=subprocess.DEVNULL)
        with httpx.Client(timeout=120) as client:
            while True:
                try:
                    if client.get(url + "api/election").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.01)
        took = time.perf_counter() - t0
        yield url, took, _hwm_mb(_tree(process.pid))
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        if drain is not None:
            drain.kill()
            drain.wait()


# --- the replica -------------------------------------------------------------------------------


def ballot_check_us(folder: Path, samples: int) -> float:
    """Gives back verify_ballot's mean CPU microseconds over the board's last ballots."""
    with Election.open(folder) as election:
        key = election.state.public_key
        assert key is not None
        size = election.log.size()
        payloads = []
        for entry in election.log.entries(max(0, size - samples), size):
            if entry.kind == KIND_BALLOT:
                payloads.append(json.loads(entry.payload))
        m = election.manifest
    if not payloads:
        return float("nan")
    c0 = time.process_time()
    for n, p in enumerate(payloads):
        verify_ballot(m, key, p, f"ballot {n}")
    return (time.process_time() - c0) / len(payloads) * 1e6


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000, help="the large board (100000)")
    parser.add_argument("--small", type=int, default=1000, help="the small board (1000)")
    parser.add_argument(
        "--voters", type=int, default=1_000_000, help="keys on the large board's roll (1000000)"
    )
    parser.add_argument("--tail", type=int, default=1000, help="entries in the timed sync")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="replica jobs")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each subprocess")
    args = parser.parse_args()
    if args.tail >= args.entries:
        raise SystemExit("--tail must be below --entries")

    print(
        f"replica benchmark: Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{platform.platform()}"
    )
    print(f"command: {shlex.join([os.path.basename(sys.executable), *sys.argv])}")
    with tempfile.TemporaryDirectory() as tmp:
        boards: list[tuple[str, Path, int]] = []
        for label, entries, voters in (
            ("small", args.small, min(args.voters, 1000)),
            ("large", args.entries, args.voters),
        ):
            folder = Path(tmp) / label
            t0 = time.perf_counter()
            size, roll, ballots = build(folder, entries, voters, label)
            megabytes = (folder / "board.sqlite").stat().st_size / 2**20
            print(
                f"[build] {label}: {size:,} entries ({ballots:,} ballots, {roll:,} roll"
                f" keys), board.sqlite {megabytes:,.0f} MB, built in"
                f" {time.perf_counter() - t0:.1f} s"
            )
            boards.append((label, folder, size))

        print(f"\n[start] median of {args.repeat} fresh processes per figure")
        print(
            f"  {'board':<6} {'entries':>9}  {'Election.open s':>15} {'RSS MB':>7}"
            f"  {'trustee status s':>16} {'RSS MB':>7}  {'serve s':>8} {'RSS MB':>7}"
        )
        starts: dict[str, tuple[float, float, float]] = {}
        for label, folder, size in boards:
            opens = [open_probe(folder) for _ in range(args.repeat)]
            status = [
                command(["trustee", "status", "--election", str(folder)])
                for _ in range(args.repeat)
            ]
            served = []
            for _ in range(args.repeat):
                with serve(folder) as (_, took, rss):
                    served.append((took, rss))
            o = statistics.median(x[0] for x in opens)
            orss = statistics.median(x[2] for x in opens)
            s = statistics.median(x[0] for x in status)
            srss = statistics.median(x[1] for x in status)
            v = statistics.median(x[0] for x in served)
            vrss = statistics.median(x[1] for x in served)
            starts[label] = (o, s, v)
            print(
                f"  {label:<6} {size:>9,}  {o:15.3f} {orss:7.0f}  {s:16.2f} {srss:7.0f}"
                f"  {v:8.2f} {vrss:7.0f}"
            )
        small, large = starts["small"], starts["large"]
        r = [b / a for a, b in zip(small, large, strict=True)]
        print(
            f"  ratio large / small: Election.open {r[0]:.2f}, trustee status {r[1]:.2f},"
            f" serve {r[2]:.2f}"
        )
        met = "met" if large[0] < 2 else "NOT met"
        print(f"  goal: Election.open under 2 s at {boards[1][2]:,} entries: {met}")

        _, folder, size = boards[1]
        fingerprint = Election.open(folder).manifest.fingerprint.hex()
        print(f"\n[replica] sync over HTTP from `referendum serve`, jobs={args.jobs}")
        with serve(folder) as (url, _, _):
            with Replica.open(Path(tmp) / "replica", url, fingerprint) as replica:
                t0, c0 = time.perf_counter(), time.process_time() + _children_cpu()
                got = replica.sync(progress=False, jobs=args.jobs, until=size - args.tail)
                first = time.perf_counter() - t0
                first_cpu = time.process_time() + _children_cpu() - c0
                print(
                    f"  initial sync: {got:,} entries in {first:.1f} s"
                    f" ({got / first:,.0f} entries/s, {first / got * 1e6:,.0f} us/entry;"
                    f" CPU {first_cpu:.1f} s)"
                )
            # Timed from a fresh open, as a party would do it the next day.
            t0 = time.perf_counter()
            with Replica.open(Path(tmp) / "replica") as replica:
                opened = time.perf_counter() - t0
                kinds: dict[str, int] = {}
                served = replica.client.entries(size - args.tail, args.tail)["entries"]
                for kind in (e["kind"] for e in served):
                    kinds[kind] = kinds.get(kind, 0) + 1
                t0, c0 = time.perf_counter(), time.process_time() + _children_cpu()
                got = replica.sync(progress=False, jobs=args.jobs)
                took = time.perf_counter() - t0
                cpu = time.process_time() + _children_cpu() - c0
                assert replica.state.size == size, (replica.state.size, size)
            # A party's command on its up-to-date replica, in a fresh process: it opens the
            # replica, asks the board for its head (nothing new) and answers.
            party = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "referendum.cli", "sync", "--dir",
                     str(Path(tmp) / "replica")],
                    check=True,
                    capture_output=True,
                )  # fmt: skip
                party.append(time.perf_counter() - t0)
            party_s = statistics.median(party)
        what = ", ".join(f"{n:,} {k}" for k, n in sorted(kinds.items()))
        check = ballot_check_us(folder, min(args.tail, 300))
        per = took / got * 1e6
        print(f"  Replica.open of the synced replica: {opened:.3f} s")
        print(
            f"  a party's command on its up-to-date replica (`referendum sync`, a process):"
            f" {party_s:.2f} s; goal under 2 s: {'met' if party_s < 2 else 'NOT met'}"
        )
        print(
            f"  last {got:,} entries ({what}): {took:.2f} s wall, CPU {cpu:.2f} s"
            f" (this process and its pool)"
        )
        print(f"  per entry, wall          : {per:8,.0f} us")
        print(f"  per entry, CPU           : {cpu / got * 1e6:8,.0f} us")
        print(f"  verify_ballot, CPU/ballot: {check:8,.0f} us (one core, this process)")
        print(f"  ratio per-entry wall / verify_ballot: {per / check:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
