"""What the roll costs per voter: co-issued credentials beside the single-registrar rehearsal.

Run: .venv/bin/python benchmarks/roll_cost.py [--voters 100000] [--rounds 3]
         [--record-voters 2000] [--no-election] [--no-record]
Quick: .venv/bin/python benchmarks/roll_cost.py --quick   (2,000 voters, 1 round, 200-voter records)

Two variants of the demo manifest (protocol.md 10), side by side in one run, alternating
within each round, the medians of --rounds rounds printed with the ratio co-issued /
rehearsal:
- co-issued: codes_per_voter = 2, the demo's two registrars (cec, mission) both serve the
  region; each voter's key is the sum of one part from each, summed by the board;
- rehearsal: codes_per_voter = 1, one registrar (cec); the key is its one part.
All --voters voters are in one region (donetsk). Figures per round and variant:
- issue: issue_credentials of one registrar (codes, parts a*B, the commitment's digest
  chain, the commitment and close signed), then Issued.batches (every batch signed,
  naming the co-issuers' commitments: done at publish time), us per voter and registrar;
  the co-issued region needs it from each of its two registrars (their own machines);
- roll, memory: CredentialRoll over a MemoryIndex applying every commitment, batch and
  close in board order (each registrar's commitment, then batch b of each in turn, then
  the closes): every rule of 10.5, us per voter; this is the work of the board and of
  every verifier's replay of the roll;
- roll, Election: the same messages posted with Election.post_many (SQLite, 20 entries a
  transaction, the board's own roll over its store) on a fresh board of the manifest, us
  per voter; also the first and the last tenth of the batches apart (does a batch cost
  more as the roll grows?);
- board bytes: the canonical JSON payloads of the credentials entries per voter, and the
  growth of board.sqlite per voter (entries, hashes and the roll's index rows).
Then the libsodium calls the roll cannot avoid, timed alone in the same run:
crypto_core_ed25519_is_valid_point (each part, rule 11), crypto_core_ed25519_add (the
sum of a slot's parts), crypto_scalarmult_ed25519_base_noclamp and the part's SHA-512
(the issuer), so the share of each in the figures above can be read.
Last (unless --no-record), the verifier's whole-record time: a demo referendum
(demo.run_demo, --record-voters voters, the demo's ceremony, voting and count) is run
once per variant (the rehearsal with demo.REGISTRARS cut to its first registrar), then
verify_record(jobs=1) runs on each record in a fresh process, alternating, --rounds
times; medians.
Figures are CPU-bound on one core; the machine has 2 cores and is shared (other work runs
beside it), hence the alternation and medians. An extrapolation to 5,000,000 voters (one
core, linear in the voters) is printed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

from referendum import credentials as cr
from referendum.board import BOARD_KEY, WITNESS_KEY, SigningKey
from referendum.canonical import canonical_json
from referendum.ceremony import TrusteeKeys
from referendum.credentials import (
    KIND_BATCH,
    KIND_CLOSE,
    KIND_COMMIT,
    CredentialRoll,
    Issued,
    issue_credentials,
)
from referendum.demo import REGISTRARS, TRUSTEES, manifest_text
from referendum.derived import MemoryIndex
from referendum.election import Election
from referendum.group import SeededRandom
from referendum.manifest import Manifest, load_manifest_toml
from referendum.signing import Ed25519Key

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crypto import _cpu  # benchmarks/crypto.py: the machine line every benchmark prints

REGION = "donetsk"
POST = 20  # credentials entries per post_many (as benchmarks/million.py)
TARGET = 5_000_000
VARIANTS = ("co-issued", "rehearsal")
ROOT = Path(__file__).resolve().parents[1]

RECORD_PROBE = """
import json, sys, time
from referendum.verifier import verify_record
t0 = time.perf_counter(); c0 = time.process_time()
report = verify_record(sys.argv[1], jobs=1, progress=False)
print(json.dumps({"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0,
                  "entries": report.entries}))
"""

DEMO_PROBE = """
import sys
from referendum import demo
if sys.argv[3] == "rehearsal":
    demo.REGISTRARS = demo.REGISTRARS[:1]  # one registrar: codes_per_voter = 1
import io
out = io.StringIO()
code = demo.run_demo(voters=int(sys.argv[1]), seed="roll-cost", record=sys.argv[2], jobs=1,
                     out=out)
if code != 0:
    sys.stderr.write(out.getvalue())
sys.exit(code)
"""


class Variant:
    """One manifest (co-issued or rehearsal) and its registrars' keys."""

    def __init__(self, name: str) -> None:
        self.name = name
        count = 2 if name == "co-issued" else 1
        self.ids = [rid for rid, _ in REGISTRARS[:count]]
        self.keys = [
            Ed25519Key.generate(SeededRandom(f"roll-cost/registrar/{r}")) for r in self.ids
        ]
        trustees = [
            TrusteeKeys.generate(SeededRandom(f"roll-cost/t/{i}")) for i in range(len(TRUSTEES))
        ]
        witness = SigningKey.generate("observer-1", WITNESS_KEY, SeededRandom("roll-cost/w"))
        self.text = manifest_text(trustees, self.keys, [witness], SeededRandom(f"roll-cost/{name}"))
        self.board_seed = f"roll-cost/board/{name}"

    def manifest(self) -> Manifest:
        board = SigningKey.generate("referendum-board", BOARD_KEY, SeededRandom(self.board_seed))
        return load_manifest_toml(self.text, board.verifier())


def board_order(
    issued: list[Issued], batches: list[list[dict[str, Any]]]
) -> list[tuple[str, dict[str, Any]]]:
    """Every registrar's commitment, then batch b of each in turn, then the closes."""
    items: list[tuple[str, dict[str, Any]]] = [(KIND_COMMIT, i.commit) for i in issued]
    for b in range(len(batches[0])):
        items += [(KIND_BATCH, mine[b]) for mine in batches]
    items += [(KIND_CLOSE, i.close) for i in issued]
    return items


def one_round(v: Variant, voters: int, election_too: bool, tmp: Path, r: int) -> dict[str, float]:
    """Gives back the figures of one round of a variant (us per voter, bytes per voter)."""
    m = v.manifest()
    out: dict[str, float] = {}
    issued: list[Issued] = []
    took = []
    for rid, key in zip(v.ids, v.keys, strict=True):
        rng = SeededRandom(f"roll-cost/codes/{v.name}/{rid}/{r}")
        t0 = time.process_time()
        issued.append(issue_credentials(m, rid, key, REGION, voters, rng))
        took.append(time.process_time() - t0)
    # Once every co-issuer committed, each signs its batches naming the commitments (as
    # they are on the board: manifest order).
    commitments = [i.commit["digest"] for i in issued]
    batches = []
    signing = []
    for i, key in zip(issued, v.keys, strict=True):
        t0 = time.process_time()
        batches.append(i.batches(key, commitments))
        signing.append(time.process_time() - t0)
    out["issue: codes, parts, commitment us/voter/registrar"] = statistics.mean(took) / voters * 1e6
    out["issue: batches signed us/voter/registrar"] = statistics.mean(signing) / voters * 1e6
    out["issue us/voter/registrar"] = (sum(took) + sum(signing)) / len(took) / voters * 1e6
    out["issue us/voter (all registrars)"] = (sum(took) + sum(signing)) / voters * 1e6
    items = board_order(issued, batches)
    out["payload bytes/voter"] = sum(len(canonical_json(p)) for _, p in items) / voters

    # The roll in memory, and again with the point check (rule 11) skipped, in turn: the
    # difference is what is_valid_point costs inside the roll.
    for skip in (False, True) if r % 2 == 0 else (True, False):
        roll = CredentialRoll(m, MemoryIndex())
        saved = cr._valid_point
        if skip:
            cr._valid_point = lambda point: True
        try:
            t0 = time.process_time()
            for n, (kind, payload) in enumerate(items):
                roll.add(kind, payload, f"entry {n}")
            took_roll = time.process_time() - t0
        finally:
            cr._valid_point = saved
        label = "roll (memory), no point check" if skip else "roll (memory)"
        out[f"{label} us/voter"] = took_roll / voters * 1e6
        assert roll.is_closed(REGION) and roll.count(REGION) == voters
    out["point checks in the roll us/voter"] = (
        out["roll (memory) us/voter"] - out["roll (memory), no point check us/voter"]
    )

    if election_too:
        folder = tmp / f"{v.name}-{r}"
        election = Election.create(folder, v.text, rng=SeededRandom(v.board_seed))
        k = len(issued)
        with election:
            before = sum(p.stat().st_size for p in folder.glob("board.sqlite*"))
            commits = [x for x in items if x[0] == KIND_COMMIT]
            batches = [x for x in items if x[0] == KIND_BATCH]
            closes = [x for x in items if x[0] == KIND_CLOSE]
            chunks = [batches[i : i + POST] for i in range(0, len(batches), POST)]
            times: list[tuple[float, int]] = []  # (seconds, voters whose parts it holds / k)
            t0 = time.process_time()
            election.post_many([(kd, p, None) for kd, p in commits])
            for chunk in chunks:
                c0 = time.process_time()
                election.post_many([(kd, p, None) for kd, p in chunk])
                times.append((time.process_time() - c0, sum(len(p["keys"]) for _, p in chunk) // k))
            election.post_many([(kd, p, None) for kd, p in closes])
            out["roll (Election, SQLite) us/voter"] = (time.process_time() - t0) / voters * 1e6
            assert election.state.roll.count(REGION) == voters
            tenth = max(1, len(times) // 10)
            for label, part in (("first", times[:tenth]), ("last", times[-tenth:])):
                out[f"Election {label} tenth of batches us/voter"] = (
                    sum(t for t, _ in part) / sum(n for _, n in part) * 1e6
                )
        after = sum(p.stat().st_size for p in folder.glob("board.sqlite*"))
        out["board.sqlite bytes/voter"] = (after - before) / voters
    return out


def primitives() -> dict[str, float]:
    """Gives back the libsodium calls of the roll, us each (best of 3 repeats)."""
    lib = cr._lib
    scalar = cr._reduce(os.urandom(64))
    p = cr._base(scalar)
    q = cr._base(cr._reduce(os.urandom(64)))
    fp = bytes(32)
    code = "ABCDEFGHJKMNPQRSTVW0"
    n = 4000

    def best(fn: Callable[[], object]) -> float:
        return min(timeit.repeat(fn, number=n, repeat=3)) / n * 1e6

    return {
        "is_valid_point (each part, rule 11)": best(lambda: cr._valid_point(p)),
        "ed25519_add (sum of a slot's parts)": best(lambda: cr._add(p, q)),
        "scalarmult_base_noclamp (issuer: A = a*B)": best(lambda: cr._base(scalar)),
        "part scalar (SHA-512 of the transcript)": best(lambda: cr._part_scalar(fp, code)),
        "raw is_valid_point (no Python check)": best(
            lambda: lib.crypto_core_ed25519_is_valid_point(p)
        ),
    }


def demo_record(folder: Path, voters: int, variant: str) -> float:
    """Runs the demo in a fresh process into folder; gives back its wall seconds."""
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", DEMO_PROBE, str(voters), str(folder), variant],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def verify_once(folder: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", RECORD_PROBE, str(folder)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def _table(rows: list[str], medians: dict[str, dict[str, float]], fmt: str = "{:,.1f}") -> None:
    print(f"  {'per voter':<52} {'co-issued':>12} {'rehearsal':>12} {'ratio':>7}")
    for row in rows:
        a = medians["co-issued"].get(row)
        b = medians["rehearsal"].get(row)
        if a is None or b is None:
            continue
        ratio = f"{a / b:.2f}" if b else ""
        print(f"  {row:<52} {fmt.format(a):>12} {fmt.format(b):>12} {ratio:>7}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=100_000, help="voters in the region (100000)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (3)")
    parser.add_argument("--record-voters", type=int, default=2000, help="the demo records' voters")
    parser.add_argument("--no-election", action="store_true", help="skip the SQLite Election")
    parser.add_argument("--no-record", action="store_true", help="skip the verifier's record runs")
    parser.add_argument("--quick", action="store_true", help="2,000 voters, 1 round (smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.voters, args.rounds, args.record_voters = 2000, 1, 200
    load = os.getloadavg()[0]
    print(
        f"machine: {os.cpu_count()} cores, {_cpu()}, Python {platform.python_version()},"
        f" load average {load:.2f} at the start (the machine is shared: other work runs beside)"
    )
    print(f"command: {shlex.join([os.path.basename(sys.executable), *sys.argv])}")
    print(
        f"{args.voters:,} voters in one region, {args.rounds} rounds, variants alternating"
        " (co-issued first in odd rounds, rehearsal first in even); medians; CPU time, one core"
    )
    variants = {name: Variant(name) for name in VARIANTS}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in VARIANTS}
    prim_runs: list[dict[str, float]] = []  # the libsodium calls alone, after every variant
    with tempfile.TemporaryDirectory() as tmp:
        for name in VARIANTS:  # warm-up, not counted: imports, lazy tables, the allocator
            one_round(variants[name], 1000, False, Path(tmp), -1)
        for r in range(args.rounds):
            order = VARIANTS if r % 2 == 0 else VARIANTS[::-1]
            for name in order:
                t0 = time.perf_counter()
                got = one_round(variants[name], args.voters, not args.no_election, Path(tmp), r)
                runs[name].append(got)
                prim_runs.append(primitives())
                print(
                    f"  round {r + 1} {name}: {time.perf_counter() - t0:.1f} s wall;"
                    f" issue {got['issue us/voter/registrar']:.1f} us/voter/registrar,"
                    f" roll (memory) {got['roll (memory) us/voter']:.1f} us/voter",
                    flush=True,
                )
    medians = {
        name: {k: statistics.median(run[k] for run in rs) for k in rs[0]}
        for name, rs in runs.items()
    }
    print()
    print(f"[roll] {args.voters:,} voters, medians of {args.rounds} rounds (us = CPU microseconds)")
    _table(
        [
            "issue: codes, parts, commitment us/voter/registrar",
            "issue: batches signed us/voter/registrar",
            "issue us/voter/registrar",
            "issue us/voter (all registrars)",
            "roll (memory) us/voter",
            "roll (Election, SQLite) us/voter",
            "Election first tenth of batches us/voter",
            "Election last tenth of batches us/voter",
            "roll (memory), no point check us/voter",
            "point checks in the roll us/voter",
        ],
        medians,
    )
    _table(["payload bytes/voter", "board.sqlite bytes/voter"], medians, "{:,.0f}")

    prims = {k: statistics.median(p[k] for p in prim_runs) for k in prim_runs[0]}
    print(
        f"\n[libsodium] each call alone (us; best of 3 x 4,000, after every variant of every"
        f" round: median of {len(prim_runs)})"
    )
    for name, us in prims.items():
        print(f"  {name:<46} {us:8.1f}")
    valid = prims["is_valid_point (each part, rule 11)"]
    add = prims["ed25519_add (sum of a slot's parts)"]
    base = prims["scalarmult_base_noclamp (issuer: A = a*B)"]
    for name in VARIANTS:
        k = 2 if name == "co-issued" else 1
        md = medians[name]
        roll = md["roll (memory) us/voter"]
        inside = md["point checks in the roll us/voter"]
        print(
            f"  {name}: the point checks cost {inside:.0f} us/voter inside the roll"
            f" ({inside / roll:.0%} of its {roll:.0f} us; alone, {k} x is_valid_point ="
            f" {k * valid:.0f} us); {k - 1} x add = {(k - 1) * add:.0f} us;"
            f" issuer: a*B = {base:.0f} us of {md['issue us/voter/registrar']:.0f}"
            " us/voter/registrar"
        )

    record: dict[str, dict[str, float]] = {}
    if not args.no_record:
        print(
            f"\n[verifier] demo records of {args.record_voters:,} voters, verify_record(jobs=1)"
            " in fresh processes, alternating"
        )
        with tempfile.TemporaryDirectory() as tmp:
            folders = {}
            for name in VARIANTS:
                folders[name] = Path(tmp) / name
                took = demo_record(folders[name], args.record_voters, name)
                print(f"  {name}: demo run (record made) in {took:.1f} s")
            walls: dict[str, list[float]] = {n: [] for n in VARIANTS}
            cpus: dict[str, list[float]] = {n: [] for n in VARIANTS}
            entries = {}
            for r in range(args.rounds):
                for name in VARIANTS if r % 2 == 0 else VARIANTS[::-1]:
                    got = verify_once(folders[name])
                    walls[name].append(got["wall"])
                    cpus[name].append(got["cpu"])
                    entries[name] = got["entries"]
            for name in VARIANTS:
                record[name] = {
                    "wall": statistics.median(walls[name]),
                    "cpu": statistics.median(cpus[name]),
                }
                print(
                    f"  {name:<10} {entries[name]:>7,} entries: wall {record[name]['wall']:.2f} s,"
                    f" CPU {record[name]['cpu']:.2f} s (median)"
                )
            a, b = record["co-issued"]["wall"], record["rehearsal"]["wall"]
            print(
                f"  ratio co-issued / rehearsal (wall): {a / b:.2f};"
                f" difference {a - b:+.2f} s = {(a - b) / args.record_voters * 1e6:+,.0f} us"
                " per voter of the roll"
            )

    print(f"\n[{TARGET:,} voters] extrapolated linearly from the medians, one core")
    for name in VARIANTS:
        md = medians[name]
        k = 2 if name == "co-issued" else 1
        issue_min = md["issue us/voter/registrar"] * TARGET / 1e6 / 60
        line = (
            f"  {name}: each registrar issues in {issue_min:,.0f}"
            f" min ({k} registrar{'s' if k > 1 else ''}, each on its own machine);"
            f" the roll is applied in {md['roll (memory) us/voter'] * TARGET / 1e6 / 60:,.1f} min"
            " (board and every verifier, in memory)"
        )
        if "roll (Election, SQLite) us/voter" in md:
            line += (
                f", {md['roll (Election, SQLite) us/voter'] * TARGET / 1e6 / 60:,.1f} min"
                " through Election on SQLite"
            )
        line += f"; {md['payload bytes/voter'] * TARGET / 1e9:,.2f} GB of payloads on the board"
        if "board.sqlite bytes/voter" in md:
            line += f" ({md['board.sqlite bytes/voter'] * TARGET / 1e9:,.2f} GB of board.sqlite)"
        print(line)
    print(f"  load average at the end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
