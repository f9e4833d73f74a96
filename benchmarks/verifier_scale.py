"""The verifier on a large record: peak memory and wall time, local pool against a cluster.

Run: .venv/bin/python benchmarks/verifier_scale.py [--record DIR] [--entries 100000]
         [--voters 500000] [--repeat 2] [--before COMMIT] [--workers 2]

The record is built once (benchmarks/replica.py's board builder: the demo manifest, the
key ceremony, a roll of --voters keys co-issued by two registrars, voting.open, then
ballots for every entry left; exported during voting) and kept in --record for the next
run. Then each configuration runs `verify_record` in a fresh process, --repeat times, interleaved:

  before        the verifier of commit --before (src/referendum/verifier/ and derived.py
                of that commit over a copy of --src), local pool of --workers processes
                (skipped without --before)
  pool          this tree's verifier, local pool of --workers processes
  pool-memory   the same with the derived state forced to stay in memory
  cluster       this tree's verifier on a distributed.LocalCluster of --workers
                worker processes (one thread each), started by the verifier

For each: wall time, the main process's peak RSS (ru_maxrss) and the peak of the whole
process tree's RSS (the main process plus every worker, summed, sampled every 0.1 s).
Ratios are against `before` when it ran, else against `pool`. Figures go to
docs/performance.md ("Verifier at scale").
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, resource, sys, time
from referendum.verifier import verify_record
options = json.loads(sys.argv[2])
t0 = time.perf_counter()
report = verify_record(sys.argv[1], progress=False, **options)
took = time.perf_counter() - t0
print(json.dumps({"wall": took, "entries": report.entries, "phase": report.phase,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def build_record(record: Path, entries: int, voters: int) -> None:
    """Builds a board of `entries` entries and exports its record to `record`."""
    from referendum.election import Election
    from replica import build  # a sibling script, not a package

    with tempfile.TemporaryDirectory() as tmp:
        board = Path(tmp) / "board"
        t0 = time.perf_counter()
        size, roll, ballots = build(board, entries, voters, "verifier-scale")
        election = Election.open(board)
        try:
            election.export(record)
        finally:
            election.close()
        print(
            f"[build] {size:,} entries ({ballots:,} ballots, {roll:,} roll keys) in"
            f" {time.perf_counter() - t0:.0f} s; board.jsonl"
            f" {(record / 'board.jsonl').stat().st_size / 2**20:,.0f} MB"
        )


def _tree(pid: int) -> list[int]:
    """Gives back pid and its descendants (children of any of its threads: a
    LocalCluster's nannies start workers from their own thread)."""
    out = [pid]
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return out
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            out += _tree(int(child))
    return out


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_probe(record: Path, options: str, pythonpath: Path) -> dict[str, float]:
    """Gives back wall, main process peak RSS and process-tree peak RSS (MB) of one run."""
    env = dict(os.environ, PYTHONPATH=str(pythonpath))
    proc = subprocess.Popen(
        [sys.executable, "-c", PROBE, str(record), options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.1):
            peak = max(peak, sum(_rss_kb(p) for p in _tree(proc.pid)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"verifier run failed ({options}):\n{err[-3000:]}")
    import json

    result = json.loads(out.strip().splitlines()[-1])
    return {
        "wall": result["wall"],
        "main_mb": result["maxrss_kb"] / 1024,
        "tree_mb": peak / 1024,
        "entries": result["entries"],
    }


def _unpack(commit: str, base: Path, into: Path) -> Path:
    """Gives back a copy of base (a src/ folder) with the verifier's files of commit: the
    same ballot and tally code as the record's, the verifier as it was."""
    src = into / "before" / "src"
    shutil.copytree(base, src, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(src / "referendum" / "verifier")
    (src / "referendum" / "verifier").mkdir()
    for path in (*(f"verifier/{n}" for n in _files(commit, "verifier")), "derived.py"):
        text = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{commit}:src/referendum/{path}"],
            check=True,
            capture_output=True,
        ).stdout
        (src / "referendum" / path).write_bytes(text)
    return src


def _files(commit: str, folder: str) -> list[str]:
    out = subprocess.run(
        ["git", "-C", str(ROOT), "ls-tree", "--name-only", commit, f"src/referendum/{folder}/"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [Path(line).name for line in out.split()]


def _range(values: list[float], fmt: str) -> str:
    if len(values) == 1:
        return format(values[0], fmt)
    return f"{format(min(values), fmt)}-{format(max(values), fmt)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", default=None, help="the record folder (built if absent)")
    parser.add_argument("--entries", type=int, default=100_000, help="board entries (100000)")
    parser.add_argument("--voters", type=int, default=500_000, help="keys on the roll (500000)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per configuration (2)")
    parser.add_argument("--workers", type=int, default=2, help="pool or cluster workers (2)")
    parser.add_argument("--before", default=None, help="a commit whose verifier to compare")
    parser.add_argument(
        "--src", default=str(ROOT / "src"), help="the src/ folder whose verifier to run"
    )
    parser.add_argument(
        "--only", default=None, help="comma-separated configurations to run (default: all)"
    )
    args = parser.parse_args()
    print(
        f"verifier benchmark: Python {platform.python_version()}, {os.cpu_count()} CPUs,"
        f" {platform.platform()}"
    )
    print(f"command: {shlex.join([os.path.basename(sys.executable), *sys.argv])}")
    tmp = Path(tempfile.mkdtemp(prefix="verifier-scale-"))
    try:
        record = Path(args.record) if args.record else tmp / "record"
        if not (record / "record.json").exists():
            build_record(record, args.entries, args.voters)
        w = args.workers
        configs: list[tuple[str, str, Path]] = []
        if args.before:
            old = _unpack(args.before, Path(args.src), tmp)
            configs.append((f"before ({args.before[:8]}), pool", f'{{"jobs": {w}}}', old))
        src = Path(args.src)
        configs += [
            ("pool", f'{{"jobs": {w}}}', src),
            ("pool, state in memory", f'{{"jobs": {w}, "state": "memory"}}', src),
            ("LocalCluster", f'{{"local_cluster": {w}}}', src),
        ]
        if args.only:
            wanted = set(args.only.split(","))
            configs = [c for c in configs if c[0].split(" ")[0].rstrip(",") in wanted]
        runs: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in configs}
        for n in range(args.repeat):
            for name, options, path in configs:
                r = run_probe(record, options, path)
                runs[name].append(r)
                print(
                    f"  run {n + 1} {name}: {r['wall']:.1f} s, main {r['main_mb']:.0f} MB,"
                    f" tree {r['tree_mb']:.0f} MB",
                    flush=True,
                )
        entries = int(next(iter(runs.values()))[0]["entries"])
        base = configs[0][0]
        base_wall = statistics.median(r["wall"] for r in runs[base])
        base_tree = statistics.median(r["tree_mb"] for r in runs[base])
        print(f"\n[verifier] verify_record on {entries:,} entries, {args.repeat} runs each")
        print(
            f"  {'configuration':<28} {'wall s':>13} {'main MB':>11} {'tree MB':>11}"
            f" {'wall/' + base.split(' ')[0]:>12} {'tree/' + base.split(' ')[0]:>12}"
        )
        for name, _, _ in configs:
            rs = runs[name]
            wall = statistics.median(r["wall"] for r in rs)
            tree = statistics.median(r["tree_mb"] for r in rs)
            print(
                f"  {name:<28} {_range([r['wall'] for r in rs], '.1f'):>13}"
                f" {_range([r['main_mb'] for r in rs], '.0f'):>11}"
                f" {_range([r['tree_mb'] for r in rs], '.0f'):>11}"
                f" {wall / base_wall:12.2f} {tree / base_tree:12.2f}"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
