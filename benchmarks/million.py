"""The million-ballot benchmark: a board of N ballots in four oblasts, then what costs what.

Run: .venv/bin/python benchmarks/million.py [--ballots 1000000] [--cast-sample 20000]
         [--dir DIR] [--stages build,serve,command,cast,sync,count,verify] [--jobs CORES]
         [--store sqlite|postgresql://...] [--clients 16] [--workers CORES] [--json PATH]
         [--rebuild] [--keep-ballots]

Stages, in the default order (each prints its figures as it goes):

build    the demo manifest (four oblasts, one yes/no question; 7 trustees in 3 groups; voting
         open from an hour ago for a year, so the real clock is inside it), the key
         ceremony, then credentials co-issued by two registrars (each voter's two codes
         derived from a salt kept in DIR, so any process can re-make a voter's key; their
         parts made on every core; each registrar's signed commitment per oblast, its
         `credentials` batches of credentials.BATCH_SIZE parts, summed by the board into the
         voters' keys, and its close), voting.open, and the ballots: made on every core
         (encrypt_ballot and the signed cast payload, a random choice per voter; about 5%
         of voters vote again at the end and 1% challenge a ballot first) into
         DIR/ballots.jsonl, then checked in a pool on every core and appended with
         Election.post_many in large batches (every board rule, one transaction per
         batch). Nothing holds all N ballots in memory. A complete board in DIR is reused
         (--rebuild makes a new one); cast and count add to it.
serve    `referendum serve` until GET /api/election answers (median of 3, one worker), and
         the peak RSS of each process with --workers processes.
command  `referendum trustee status --election` (an operator command that reads state only):
         wall time and peak RSS, median of 3.
cast     --cast-sample fresh ballots (voters registered at build who have not voted; once
         they are used up, re-votes with the same choice), made beforehand, sent to
         POST /api/ballots by --clients threads over keep-alive connections to `referendum
         serve --workers W`: casts/s and latency p50/p95/p99. Needs voting open: before count.
sync     a replica syncing from zero over HTTP (`referendum sync`, its own process, every
         entry checked) from `referendum serve`: wall time, entries/s, peak RSS.
count    `referendum tally close --early`; one trustee's `trustee decrypt --election` (a
         rehearsal on the board's folder, which re-checks the whole board first, as a trustee
         must before decrypting); the other present trustees' decryptions (the library, as
         the demo does: the decryption alone); `referendum tally publish`; the results are
         compared with the votes made.
verify   `referendum export`, then `referendum verify RECORD` (its own process) on local
         cores, and with `--local-cluster N` when the CLI has it: wall time, peak RSS of the
         largest process and of the whole process tree, the main process's CPU time.

Order: cast needs voting open, so it comes before count; sync and verify come after cast so
they see the largest board; verify runs by default once, after count, on the complete
record (tallies, decryptions, results), the record an observer checks. The verifier also
checks an open board's record: `--stages verify` before count measures that.

The summary gives each figure with the machine, per ballot where the cost is per ballot,
an extrapolation to 5,000,000 ballots (linear for per-ballot costs; flat figures stay),
the verifier on a cluster of machines like this one, and the disk used per ballot; as
Markdown for docs/performance.md, and as JSON with --json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import resource
import secrets
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from referendum.ballot import encrypt_ballot
from referendum.ceremony import TrusteeKeys, TrusteeState
from referendum.commands import TRUSTEE_KEYS, TRUSTEE_STATE
from referendum.credentials import (
    BATCH_SIZE,
    KIND_BATCH,
    KIND_CLOSE,
    KIND_COMMIT,
    credential_key,
    credential_part,
    generate_code,
    roll_digest,
)
from referendum.demo import REGISTRARS, TRUSTEES, run_ceremony
from referendum.demo_manifest import REGIONS, with_voting
from referendum.election import Election
from referendum.group import RISTRETTO255 as G
from referendum.group import Element, SeededRandom
from referendum.manifest import Manifest
from referendum.progress import Progress
from referendum.replay import PreChecked
from referendum.signing import sign_message
from referendum.tally import decryption_message
from referendum.verifier.workers import check_one

sys.path.insert(0, str(Path(__file__).resolve().parent))
from whole_referendum import make_setup, parallel_capacity  # a sibling script, not a package

STAGES = ("build", "serve", "command", "cast", "sync", "count", "verify")
DEFAULT_STAGES = "build,serve,command,cast,sync,count,verify"
TARGET = 5_000_000  # the real case (ARCHITECTURE.md section 6)
STATE = "million.json"
FORMAT = "referendum-million-bench/2"  # /2: credentials co-issued by two registrars
CLI = [sys.executable, "-m", "referendum.cli"]
TIME = Path("/usr/bin/time").is_file()  # GNU time: a command's own peak RSS
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+/)")
REVOTE_STRIDE = 20  # every 20th voter votes again (5%), after everyone voted once
CHALLENGE = (100, 37)  # voters v with v % 100 == 37 challenge a ballot first (1%)
ABSENT = 1  # as in the demo: trustee 1 stays away from the count
#: Simulated share of the first option, per oblast (the demo's).
LEAN = {"donetsk": 0.58, "luhansk": 0.52, "kherson": 0.74, "zaporizhzhia": 0.69}
_WHEEL = [region for region, weight in REGIONS for _ in range(weight)]
MAKE_CHUNK = 128  # ballots per task to a device process
CHECK_CHUNK = 256  # ballots per task to a checking process
POST = 4096  # ballots appended in one post_many (one transaction)
KEY_CHUNK = 20_000  # credential keys per task
CRED_POST = 20  # credentials entries per post_many


# --- the simulated voters: everything follows from the salt ---------------------------------


def region_of(voter: int) -> str:
    """Gives back the oblast of a voter (by the demo's weights, interleaved)."""
    return _WHEEL[(voter * 31) % len(_WHEEL)]


def voter_codes(salt: bytes, voter: int) -> tuple[str, ...]:
    """Gives back a voter's codes, one from each of the demo's registrars (REGISTRARS)."""
    return tuple(
        generate_code(
            lambda n, rid=rid: hashlib.sha256(
                salt + rid.encode() + voter.to_bytes(8, "big")
            ).digest()[:n]
        )
        for rid, _ in REGISTRARS
    )


def choice_of(salt: bytes, voter: int, round_: int, options: int) -> int:
    """Gives back the option index a voter picks in a round (0 first, 1 re-vote, 2 challenge)."""
    h = int.from_bytes(
        hashlib.sha256(b"choice" + salt + bytes([round_]) + voter.to_bytes(8, "big")).digest()[:8],
        "big",
    )
    if (h % 10_000) < LEAN[region_of(voter)] * 10_000 or options < 2:
        return 0
    return 1 + (h >> 20) % (options - 1)


@dataclass(frozen=True)
class Plan:
    """Who casts what during the build: voters vote once, then every REVOTE_STRIDE-th again."""

    ballots: int

    @property
    def revotes(self) -> int:
        return self.ballots // (REVOTE_STRIDE + 1)

    @property
    def voters(self) -> int:
        return self.ballots - self.revotes

    def last_round(self, voter: int) -> int:
        return 1 if voter % REVOTE_STRIDE == 0 and voter // REVOTE_STRIDE < self.revotes else 0

    def casts(self) -> Iterator[tuple[int, int, str]]:
        """Gives back (voter, round, kind) in board order."""
        for v in range(self.voters):
            if v % CHALLENGE[0] == CHALLENGE[1]:
                yield v, 2, "spoiled"
            yield v, 0, "ballot"
        for k in range(self.revotes):
            yield k * REVOTE_STRIDE, 1, "ballot"


# --- worker processes ---------------------------------------------------------------------------

_ctx: tuple[Manifest, Element, bytes] | None = None


def _init(manifest_json: dict[str, Any], key: bytes | None, salt: bytes) -> None:
    global _ctx
    manifest = Manifest.from_json(manifest_json)
    _ctx = (manifest, G.element(key) if key else G.generator, salt)


def _parts(bounds: tuple[int, int]) -> list[bytes]:
    """Gives back, per registrar of REGISTRARS, the parts of voters lo .. hi-1, 32 bytes
    each (the work of each registrar's issue: its codes and their parts)."""
    assert _ctx is not None
    manifest, _, salt = _ctx
    fp = manifest.fingerprint
    out = [bytearray() for _ in REGISTRARS]
    for v in range(*bounds):
        for r, code in enumerate(voter_codes(salt, v)):
            out[r] += credential_part(fp, code)
    return [bytes(b) for b in out]


def _make(tasks: list[tuple[int, int, str]]) -> list[str]:
    """Gives back one line "kind<TAB>payload JSON" per (voter, round, kind)."""
    assert _ctx is not None
    manifest, key, salt = _ctx
    out = []
    for voter, round_, kind in tasks:
        region = region_of(voter)
        choices = {}
        for q in manifest.ballot_style(region):
            c = choice_of(salt, voter, round_, len(q.options))
            choices[q.id] = [1 if i == c else 0 for i in range(len(q.options))]
        credential = credential_key(manifest.fingerprint, voter_codes(salt, voter))
        prepared = encrypt_ballot(manifest, key, region, choices, credential)
        payload = prepared.spoiled_payload() if kind == "spoiled" else prepared.payload
        out.append(f"{kind}\t{json.dumps(payload, separators=(',', ':'))}\n")
    return out


def _check(lines: list[tuple[int, str]]) -> list[tuple[str, Any, PreChecked | str]]:
    """Gives back (kind, payload, checked ballot or failure) for each numbered line."""
    assert _ctx is not None
    manifest, key, _ = _ctx
    out = []
    for n, line in lines:
        kind, text = line.rstrip("\n").split("\t", 1)
        payload = json.loads(text)
        out.append((kind, payload, check_one(manifest, key, kind, payload, f"ballot line {n}")))
    return out


def _bounded(
    pool: ProcessPoolExecutor, fn: Callable[[Any], Any], tasks: Iterable[Any], ahead: int
) -> Iterator[Any]:
    """Gives back fn(task) for each task in order, at most `ahead` tasks in flight."""
    inflight: deque[Future[Any]] = deque()
    for task in tasks:
        inflight.append(pool.submit(fn, task))
        if len(inflight) >= ahead:
            yield inflight.popleft().result()
    while inflight:
        yield inflight.popleft().result()


def _chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- figures ------------------------------------------------------------------------------------


@dataclass
class Figure:
    stage: str
    name: str
    value: float
    unit: str  # "s", "/s", "MB", "ms", "bytes", ""
    grows: str  # "per ballot" (linear), "flat", or "" (not extrapolated)
    ballots: int  # ballots on the board when measured

    def at(self, target: int) -> float | None:
        if self.grows == "per ballot":
            return self.value * target / max(self.ballots, 1)
        if self.grows == "flat":
            return self.value
        return None


@dataclass
class Run:
    args: argparse.Namespace
    folder: Path
    jobs: int
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    cluster: dict[str, float] = field(default_factory=dict)

    @property
    def board(self) -> Path:
        return self.folder / "election"

    @property
    def salt(self) -> bytes:
        return bytes.fromhex(self.state["salt"])

    def save(self) -> None:
        path = self.folder / STATE
        path.write_text(json.dumps(self.state, indent=1) + "\n")

    def board_ballots(self) -> int:
        return int(self.state.get("ballots_on_board", 0))

    def add(self, stage: str, name: str, value: float, unit: str, grows: str) -> None:
        self.figures.append(Figure(stage, name, value, unit, grows, self.board_ballots()))


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:,.2f} s" if value < 100 else f"{value:,.0f} s"
    if unit == "/s":
        return f"{value:,.0f} /s"
    if unit == "MB":
        return f"{value:,.0f} MB"
    if unit == "ms":
        return f"{value:,.1f} ms"
    if unit == "bytes":
        return f"{value:,.0f} B"
    return f"{value:,.0f}"


def _say(text: str) -> None:
    print(text, flush=True)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        # The same task twice in a row, then twice at once: 2.0 when two cores are free.
        "two_processes_get_cores": round(parallel_capacity(10_000), 2),
    }


def _children_cpu() -> float:
    """CPU seconds of this process's children that have ended (pool workers, once shut down)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _du(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# --- processes ----------------------------------------------------------------------------------


@dataclass
class Measured:
    wall: float
    peak_mb: float  # the largest single process's peak RSS (the command or a worker)
    tree_mb: float  # the whole process tree's RSS at its largest (sampled)
    cpu: float  # CPU seconds of the process and its children
    main_cpu: float  # CPU seconds of the main process alone (sampled)
    out: str


def run_measured(args: Sequence[str], *, check: bool = True, what: str = "") -> Measured:
    """Gives back the wall time, memory and CPU of a referendum command in a subprocess."""
    fd, timing = tempfile.mkstemp(prefix="million-time-")
    os.close(fd)
    # A child's ru_maxrss starts from its parent's RSS at fork (Linux keeps the high-water
    # mark across exec), so this process's memory would show: GNU time, a small parent,
    # reports the command's own peak. Without it, the sampled VmHWM of the main process.
    wrap = ["/usr/bin/time", "-f", "%M", "-o", timing] if TIME else []
    t0 = time.perf_counter()
    process = subprocess.Popen(
        [*wrap, *CLI, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    tree, main_cpu, hwm = [0.0], [0.0], [0.0]
    done = threading.Event()

    def sample() -> None:
        try:
            top = psutil.Process(process.pid)
            main = top
            while wrap and not done.is_set() and main is top:  # the command under time
                main = next(iter(top.children()), top)
                time.sleep(0.01)
        except psutil.Error:
            return
        while not done.wait(0.2):
            total = 0
            try:
                t = main.cpu_times()
                main_cpu[0] = t.user + t.system
                hwm[0] = max(hwm[0], _hwm_mb(main.pid))
                procs = [main, *main.children(recursive=True)]
            except psutil.Error:
                continue
            for p in procs:
                with suppress(psutil.Error):
                    total += p.memory_info().rss
            tree[0] = max(tree[0], total / 2**20)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert process.stdout is not None
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    code = os.waitstatus_to_exitcode(status)
    process.returncode = code
    peak = hwm[0]
    with suppress(OSError, ValueError):
        peak = int(Path(timing).read_text().split()[-1]) / 1024
    os.unlink(timing)
    if check and code != 0:
        raise SystemExit(f"{what or shlex.join(args)}: exit {code}:\n{out[-3000:]}")
    return Measured(
        wall,
        peak,
        tree[0],
        usage.ru_utime + usage.ru_stime,
        main_cpu[0],
        out,
    )


def _tree(pid: int) -> list[int]:
    try:
        return [pid, *(c.pid for c in psutil.Process(pid).children(recursive=True))]
    except psutil.Error:
        return [pid]


def _hwm_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@contextmanager
def serving(board: Path, workers: int = 1) -> Iterator[tuple[str, float, list[float]]]:
    """Gives back (URL, seconds until GET /api/election answered, peak RSS MB per process)."""
    t0 = time.perf_counter()
    process = subprocess.Popen(
        [*CLI, "serve", "--election", str(board), "--port", "0", "--workers", str(workers)],
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
        if workers > 1:  # every worker answers only once it has opened the board
            time.sleep(1.0)
        yield url, took, [_hwm_mb(p) for p in _tree(process.pid)]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if drain is not None:
            drain.kill()
            drain.wait()


# --- stage: build -------------------------------------------------------------------------------


def _write_secret(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(value, f, indent=1)


def _expected_add(
    expected: dict[str, dict[str, list[int]]],
    m: Manifest,
    salt: bytes,
    voter: int,
    round_: int,
    sign: int,
) -> None:
    region = region_of(voter)
    for q in m.ballot_style(region):
        c = choice_of(salt, voter, round_, len(q.options))
        expected.setdefault(region, {}).setdefault(q.id, [0] * len(q.options))[c] += sign


def stage_build(run: Run) -> None:
    args = run.args
    state_path = run.folder / STATE
    if state_path.exists():
        run.state = json.loads(state_path.read_text())
        if run.state.get("format") == FORMAT and run.state.get("complete") and not args.rebuild:
            if run.state["ballots"] != args.ballots:
                raise SystemExit(
                    f"{run.folder} holds a board built with {run.state['ballots']:,} ballots, not"
                    f" {args.ballots:,}: give another --dir, or --rebuild"
                )
            _say(
                f"[build] reusing the complete board in {run.folder} (--rebuild to make a new one)"
            )
            return
        if not args.rebuild:
            raise SystemExit(f"{run.folder}: an unfinished build is there: pass --rebuild")
    if args.rebuild and run.folder.exists():
        if not (state_path.exists() or not any(run.folder.iterdir())):
            raise SystemExit(f"{run.folder} is not this benchmark's folder: not removing it")
        shutil.rmtree(run.folder)
    run.folder.mkdir(parents=True, exist_ok=True)
    plan = Plan(args.ballots)
    reserve = args.cast_sample
    salt = secrets.token_bytes(16)
    run.state = {
        "format": FORMAT,
        "ballots": args.ballots,
        "voters": plan.voters,
        "reserve": reserve,
        "salt": salt.hex(),
        "store": args.store,
        "complete": False,
        "phase": "prepare",
        "cast_used": 0,
        # The build's figures are per planned ballot; the count is read back at its end.
        "ballots_on_board": args.ballots,
    }
    run.save()
    t_all = time.perf_counter()
    free = shutil.disk_usage(run.folder).free
    _say(f"[build] {args.ballots:,} ballots by {plan.voters:,} voters (+{reserve:,} kept for cast)"
         f" in {run.folder} ({free / 2**30:,.0f} GiB free there)")  # fmt: skip

    # The manifest: the demo's, voting open from an hour ago for a year (the real clock).
    setup = make_setup(f"million-{salt.hex()[:12]}")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    text = with_voting(
        setup.text,
        (now - dt.timedelta(hours=1)).strftime(stamp),
        (now + dt.timedelta(days=365)).strftime(stamp),
    )
    store = None if args.store == "sqlite" else args.store
    t0 = time.perf_counter()
    election = Election.create(run.board, text, store=store, rng=SeededRandom(setup.board_seed))
    with election:
        m = election.manifest
        run.state["fingerprint"] = m.fingerprint.hex()
        states = run_ceremony(
            election, setup.trustees, lambda label: SeededRandom(f"m/{salt.hex()}/{label}")
        )
        for s, keys in zip(states, setup.trustees, strict=True):
            where = run.folder / f"trustee-{s.index}"
            _write_secret(where / TRUSTEE_KEYS, keys.to_json())
            _write_secret(where / TRUSTEE_STATE, s.to_json())
        took = time.perf_counter() - t0
        _say(f"  board created, key ceremony of {len(states)} trustees: {took:.1f} s")
        run.add("build", "board created and key ceremony", took, "s", "flat")

        # Credentials, co-issued by the demo's two registrars (protocol.md 10.4): every
        # voter's and the reserve's parts from each (codes and parts made on every core),
        # each registrar's commitment to its parts per region, then the batches of
        # BATCH_SIZE parts (the board sums each slot's parts into the voter's key), closes.
        t0 = time.perf_counter()
        roll = plan.voters + reserve
        fp = m.fingerprint
        ids = [rid for rid, _ in REGISTRARS]
        signers = dict(zip(ids, setup.registrars, strict=True))
        parts: dict[str, dict[str, bytearray]] = {r: {g: bytearray() for g in ids} for r in LEAN}
        bounds = [(lo, min(lo + KEY_CHUNK, roll)) for lo in range(0, roll, KEY_CHUNK)]
        with ProcessPoolExecutor(
            run.jobs, initializer=_init, initargs=(m.to_json(), None, salt)
        ) as pool:
            voter = 0
            for chunk in _bounded(pool, _parts, bounds, 2 * run.jobs):
                for at in range(0, len(chunk[0]), 32):
                    region = region_of(voter)
                    for g, got in zip(ids, chunk, strict=True):
                        parts[region][g] += got[at : at + 32]
                    voter += 1
        issued = time.perf_counter() - t0
        _say(f"  credentials: {len(ids)} x {roll:,} codes and parts made on {run.jobs} processes:"
             f" {issued:.1f} s")  # fmt: skip
        run.add("build", "credential parts made (voters/s)", roll / issued, "/s", "flat")
        t1 = time.perf_counter()
        step = 32 * BATCH_SIZE
        batches: dict[str, dict[str, list[bytes]]] = {
            r: {g: [bytes(p[i : i + step]) for i in range(0, len(p), step)] for g, p in by.items()}
            for r, by in parts.items()
        }
        parts.clear()
        commits = []
        for region, by in batches.items():
            for g, chunks in by.items():
                body = {
                    "registrar": g,
                    "region": region,
                    "count": sum(len(c) for c in chunks) // 32,
                    "digest": roll_digest(fp, region, g, chunks),
                }
                commits.append((KIND_COMMIT, sign_message(signers[g], fp, KIND_COMMIT, body), None))
        election.post_many(commits)
        items: list[tuple[str, Any, PreChecked | None]] = []
        entries = len(commits)
        for region, by in batches.items():
            named = election.state.roll.commitments(region)  # each batch names them (10.4)
            for b in range(len(by[ids[0]])):
                for g in ids:  # both registrars' batch b in turn: each slot completes at once
                    keys = by[g][b]
                    body = {
                        "registrar": g,
                        "region": region,
                        "batch": b,
                        "commitments": named,
                        "keys": [keys[i : i + 32].hex() for i in range(0, len(keys), 32)],
                    }
                    items.append((KIND_BATCH, sign_message(signers[g], fp, KIND_BATCH, body), None))
                    if len(items) >= CRED_POST:
                        election.post_many(items)
                        entries += len(items)
                        items.clear()
        if items:
            election.post_many(items)
            entries += len(items)
            items.clear()
        closes = []
        for region, by in batches.items():
            for g, chunks in by.items():
                body = {
                    "registrar": g,
                    "region": region,
                    "batches": len(chunks),
                    "count": sum(len(c) for c in chunks) // 32,
                }
                closes.append((KIND_CLOSE, sign_message(signers[g], fp, KIND_CLOSE, body), None))
        election.post_many(closes)
        entries += len(closes)
        election.open_voting()
        posted = time.perf_counter() - t1
        took = time.perf_counter() - t0
        _say(f"  credentials: {roll:,} keys from {len(ids)} registrars' parts in {entries:,} signed"
             f" entries (batches of up to {BATCH_SIZE:,} parts), committed, summed by the board,"
             f" closed, voting open: {posted:.1f} s on the board ({roll / posted:,.0f} keys/s);"
             f" {took:.1f} s in all")  # fmt: skip
        run.add(
            "build", "credentials registered by the board (keys/s)", roll / posted, "/s", "flat"
        )
        run.add("build", "credentials registered, time", took, "s", "per ballot")
        key = election.state.public_key
        assert key is not None
        run.state["phase"] = "voting"
        run.save()

        # Making: every core encrypts, proves and signs; lines go to a file, in order.
        casts = sum(1 for _ in plan.casts())
        ballots_file = run.folder / "ballots.jsonl"
        expected: dict[str, dict[str, list[int]]] = {}
        c0 = _children_cpu()
        bar = Progress("making", casts)
        with (
            ProcessPoolExecutor(
                run.jobs, initializer=_init, initargs=(m.to_json(), key.to_bytes(), salt)
            ) as pool,
            open(ballots_file, "w") as out,
        ):

            def tasks() -> Iterator[list[tuple[int, int, str]]]:
                for chunk in _chunked(plan.casts(), MAKE_CHUNK):
                    for voter, round_, kind in chunk:
                        if kind == "ballot":
                            if round_ == 1:
                                _expected_add(expected, m, salt, voter, 0, -1)
                            _expected_add(expected, m, salt, voter, round_, +1)
                    yield chunk

            for lines in _bounded(pool, _make, tasks(), 4 * run.jobs):
                out.writelines(lines)
                bar.advance(len(lines))
        made = bar.finish()
        make_cpu = (_children_cpu() - c0) / casts * 1e6
        size = ballots_file.stat().st_size
        _say(f"  made {casts:,} ballots and challenges on {run.jobs} processes: {made:.1f} s"
             f" ({casts / made:,.0f} /s; {make_cpu:,.0f} us CPU each; {size / casts:,.0f} bytes"
             " each as JSON)")  # fmt: skip
        run.add(
            "build", "making CPU per ballot (encrypt_ballot + payload), us", make_cpu, "", "flat"
        )
        run.add("build", "ballots made (encrypt, prove, sign), rate", casts / made, "/s", "flat")
        run.add("build", "ballots made, time", made, "s", "per ballot")

        # Appending: checked on every core, then every board rule and one transaction per batch.
        c0 = _children_cpu() + time.process_time()
        bar = Progress("appending", casts)
        post_cpu = 0.0
        with (
            ProcessPoolExecutor(
                run.jobs, initializer=_init, initargs=(m.to_json(), key.to_bytes(), salt)
            ) as pool,
            open(ballots_file) as lines,
        ):
            pending: list[tuple[str, Any, PreChecked | None]] = []

            def flush() -> None:
                nonlocal post_cpu
                c0 = time.process_time()
                election.post_many(pending)
                post_cpu += time.process_time() - c0
                bar.advance(len(pending))
                pending.clear()

            for checked in _bounded(
                pool, _check, _chunked(enumerate(lines), CHECK_CHUNK), 4 * run.jobs
            ):
                for kind, payload, result in checked:
                    if isinstance(result, str):
                        raise SystemExit(f"the board refused a benchmark ballot: {result}")
                    pending.append((kind, payload, result))
                if len(pending) >= POST:
                    flush()
            if pending:
                flush()
        appended = bar.finish()
        append_cpu = (_children_cpu() + time.process_time() - c0) / casts * 1e6
        counts = election.state.counts
        _say(f"  appended {casts:,} with the board's checks ({run.jobs} checking processes,"
             f" batches of {POST:,}): {appended:.1f} s ({casts / appended:,.0f} /s;"
             f" {append_cpu:,.0f} us CPU each, of which post_many {post_cpu / casts * 1e6:,.0f}"
             " us in this process);"
             f" board: {counts.ballots:,} ballots, {counts.spoiled:,} challenges")  # fmt: skip
        run.add("build", "ballots checked and appended, rate", casts / appended, "/s", "flat")
        run.add("build", "ballots checked and appended, time", appended, "s", "per ballot")
        run.add("build", "appending CPU per ballot (check + post_many), us", append_cpu, "", "flat")
        run.add(
            "build",
            "post_many CPU per ballot (board rules + store), us",
            post_cpu / casts * 1e6,
            "",
            "flat",
        )
        run.state["ballots_on_board"] = counts.ballots
        run.state["entries"] = election.state.size
    run.state["expected"] = expected
    run.state["complete"] = True
    run.save()
    if not args.keep_ballots:
        ballots_file.unlink()
    board_bytes = _du(run.board)
    total = time.perf_counter() - t_all
    per = board_bytes / args.ballots
    _say(f"  board folder {board_bytes / 2**20:,.0f} MB ({per:,.0f} bytes per ballot, credentials"
         f" included); build {total:.1f} s in all")  # fmt: skip
    run.add("build", "board on disk per ballot", per, "bytes", "flat")
    run.add("build", "build in all", total, "s", "per ballot")


# --- stages: serve, command ---------------------------------------------------------------------


def stage_serve(run: Run) -> None:
    starts = []
    for _ in range(3):
        with serving(run.board, 1) as (_, took, rss):
            starts.append((took, max(rss)))
    took = statistics.median(s[0] for s in starts)
    rss = statistics.median(s[1] for s in starts)
    workers = run.args.workers
    with serving(run.board, workers) as (_, many, per):
        pass
    shown = ", ".join(f"{r:,.0f}" for r in per)
    _say(f"[serve] until GET /api/election answers: {took:.2f} s (median of 3, 1 worker), peak RSS"
         f" {rss:,.0f} MB; with --workers {workers}: {many:.2f} s, peak RSS per process"
         f" {shown} MB (the first is the supervisor)")  # fmt: skip
    run.add("serve", "start until GET /api/election answers", took, "s", "flat")
    run.add("serve", "peak RSS, one worker", rss, "MB", "flat")
    run.add("serve", f"peak RSS, largest of {workers} workers", max(per[1:] or per), "MB", "flat")


def stage_command(run: Run) -> None:
    runs = [run_measured(["trustee", "status", "--election", str(run.board)]) for _ in range(3)]
    took = statistics.median(r.wall for r in runs)
    rss = statistics.median(r.peak_mb for r in runs)
    _say(f"[command] `referendum trustee status --election`: {took:.2f} s (median of 3), peak"
         f" RSS {rss:,.0f} MB")  # fmt: skip
    run.add("command", "`trustee status --election` (a process)", took, "s", "flat")
    run.add("command", "`trustee status --election`, peak RSS", rss, "MB", "flat")


# --- stage: cast --------------------------------------------------------------------------------


def _percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p * len(ordered)) - 1))]


def stage_cast(run: Run) -> None:
    if run.state.get("phase") != "voting":
        _say("[cast] skipped: voting on this board is closed (cast comes before count; --rebuild)")
        return
    args = run.args
    sample = args.cast_sample
    if sample < 1:
        _say("[cast] skipped: --cast-sample 0")
        return
    plan = Plan(run.state["ballots"])
    with Election.open(run.board) as election:
        m = election.manifest
        key = election.state.public_key
        assert key is not None
    used, reserve, salt = run.state["cast_used"], run.state["reserve"], run.salt
    tasks: list[tuple[int, int, str]] = []
    fresh = 0
    for k in range(used, used + sample):
        if k < reserve:  # a voter registered at build who has not voted yet
            tasks.append((plan.voters + k, 0, "ballot"))
            fresh += 1
        else:  # a re-vote with the same choice: the expected counts stay
            voter = ((k - reserve) * 7919) % plan.voters
            tasks.append((voter, plan.last_round(voter), "ballot"))
    t0 = time.perf_counter()
    with ProcessPoolExecutor(
        run.jobs, initializer=_init, initargs=(m.to_json(), key.to_bytes(), salt)
    ) as pool:
        bodies = [
            line.split("\t", 1)[1].rstrip("\n").encode()
            for lines in _bounded(pool, _make, _chunked(tasks, MAKE_CHUNK), 4 * run.jobs)
            for line in lines
        ]
    _say(f"[cast] {sample:,} ballots made beforehand ({fresh:,} by voters who had not voted,"
         f" {sample - fresh:,} re-votes): {time.perf_counter() - t0:.1f} s")  # fmt: skip
    clients, workers = args.clients, args.workers
    headers = {"content-type": "application/json"}
    failures: list[str] = []
    with serving(run.board, workers) as (url, _, _):
        sessions = [httpx.Client(base_url=url, timeout=120) for _ in range(clients)]

        def send(i: int) -> list[float]:
            took = []
            client = sessions[i]
            for body in bodies[i::clients]:
                t = time.perf_counter()
                answer = client.post("api/ballots", content=body, headers=headers)
                took.append(time.perf_counter() - t)
                if answer.status_code != 201:
                    failures.append(f"{answer.status_code} {answer.text[:300]}")
                    break
            return took

        try:
            t0 = time.perf_counter()
            with ThreadPoolExecutor(clients) as threads:
                latencies = [t for part in threads.map(send, range(clients)) for t in part]
            wall = time.perf_counter() - t0
        finally:
            for s in sessions:
                s.close()
    run.state["cast_used"] = used + sample
    expected = run.state["expected"]
    for voter, round_, _ in tasks[:fresh]:
        _expected_add(expected, m, salt, voter, round_, +1)
    with Election.open(run.board) as election:
        run.state["ballots_on_board"] = election.state.counts.ballots
        run.state["entries"] = election.state.size
    run.save()
    if failures:
        raise SystemExit(f"[cast] the service refused a ballot: {failures[0]}")
    rate = len(latencies) / wall
    p50, p95, p99 = (_percentile(latencies, p) * 1e3 for p in (0.5, 0.95, 0.99))
    _say(f"  POST /api/ballots, {clients} client threads (keep-alive), serve --workers {workers}:"
         f" {rate:,.0f} casts/s ({wall:.1f} s); latency p50 {p50:.1f} ms, p95 {p95:.1f} ms,"
         f" p99 {p99:.1f} ms (clients and service share this machine)")  # fmt: skip
    run.add("cast", f"casts/s ({clients} clients, {workers} workers)", rate, "/s", "flat")
    run.add("cast", "latency p50", p50, "ms", "flat")
    run.add("cast", "latency p95", p95, "ms", "flat")
    run.add("cast", "latency p99", p99, "ms", "flat")


# --- stage: sync --------------------------------------------------------------------------------


def stage_sync(run: Run) -> None:
    replica = run.folder / "replica"
    shutil.rmtree(replica, ignore_errors=True)
    entries = run.state["entries"]
    with serving(run.board, 1) as (url, _, _):
        r = run_measured(
            ["sync", "--dir", str(replica), "--board", url,
             "--fingerprint", run.state["fingerprint"], "--jobs", str(run.jobs)]
        )  # fmt: skip
    size = _du(replica)
    shutil.rmtree(replica, ignore_errors=True)
    ballots = run.board_ballots()
    _say(f"[sync] a replica from zero over HTTP (`referendum sync --jobs {run.jobs}`, serve with 1"
         f" worker): {entries:,} entries in {r.wall:.1f} s ({entries / r.wall:,.0f} entries/s,"
         f" {r.wall / max(ballots, 1) * 1e6:,.0f} us per ballot); CPU {r.cpu:.1f} s; peak RSS"
         f" {r.peak_mb:,.0f} MB (largest process), {r.tree_mb:,.0f} MB (all); replica"
         f" {size / 2**20:,.0f} MB")  # fmt: skip
    run.add("sync", "replica from zero, wall", r.wall, "s", "per ballot")
    run.add("sync", "replica from zero, entries/s", entries / r.wall, "/s", "flat")
    run.add("sync", "sync CPU per ballot, us", r.cpu / max(ballots, 1) * 1e6, "", "flat")
    run.add("sync", "peak RSS, largest process", r.peak_mb, "MB", "flat")
    run.add("sync", "replica on disk per ballot", size / max(ballots, 1), "bytes", "flat")


# --- stage: count -------------------------------------------------------------------------------


def stage_count(run: Run) -> None:
    if run.state.get("phase") != "voting":
        _say("[count] skipped: this board is counted already")
        return
    board = str(run.board)
    _say("[count]")
    close = run_measured(["tally", "close", "--election", board, "--early"])
    _say(f"  `tally close --early` (voting.close, encrypted totals): {close.wall:.2f} s,"
         f" peak RSS {close.peak_mb:,.0f} MB")  # fmt: skip
    run.add("count", "`tally close` (a process)", close.wall, "s", "flat")
    run.state["phase"] = "decrypting"
    run.save()
    present = [i for i in range(1, len(TRUSTEES) + 1) if i != ABSENT]
    first, others = present[0], present[1:]
    rehearsal = run_measured(
        ["trustee", "decrypt", "--dir", str(run.folder / f"trustee-{first}"), "--election", board]
    )
    _say(f"  trustee {first}: `trustee decrypt --election` (re-checks the whole board, then"
         f" decrypts): {rehearsal.wall:.1f} s, CPU {rehearsal.cpu:.1f} s, peak RSS"
         f" {rehearsal.peak_mb:,.0f} MB")  # fmt: skip
    run.add(
        "count",
        "`trustee decrypt --election` (re-checks the board)",
        rehearsal.wall,
        "s",
        "per ballot",
    )
    took = []
    with Election.open(run.board) as election:
        m = election.manifest
        for index in others:
            folder = run.folder / f"trustee-{index}"
            keys = TrusteeKeys.from_json(json.loads((folder / TRUSTEE_KEYS).read_text()))
            state = TrusteeState.from_json(json.loads((folder / TRUSTEE_STATE).read_text()))
            t0 = time.perf_counter()
            tally = election.state.tally_state
            assert tally is not None
            message = decryption_message(
                m, index, state.final_shares, keys.signing, election.state.tallies, board=tally
            )
            election.post("decryption", message)
            took.append(time.perf_counter() - t0)
    _say(f"  trustees {', '.join(map(str, others))}: decryption shares made and posted"
         f" (library): {', '.join(f'{t:.2f}' for t in took)} s")  # fmt: skip
    run.add(
        "count", "one trustee's decryption shares (library)", statistics.median(took), "s", "flat"
    )
    publish = run_measured(["tally", "publish", "--election", board])
    _say(f"  `tally publish` (results): {publish.wall:.2f} s, peak RSS {publish.peak_mb:,.0f} MB")
    run.add("count", "`tally publish` (a process)", publish.wall, "s", "flat")
    with Election.open(run.board) as election:
        results = election.state.results
        assert results is not None
        got = {r: {q: list(c) for q, c in qs.items()} for r, qs in results.counts.items()}
        run.state["entries"] = election.state.size
    run.state["phase"] = "done"
    run.save()
    want = run.state["expected"]
    if got != want:
        raise SystemExit(f"  MISMATCH: decrypted {got}, made {want}")
    _say(f"  results equal the votes made: {json.dumps(got)}")


# --- stage: verify ------------------------------------------------------------------------------


def _has_local_cluster() -> bool:
    out = subprocess.run([*CLI, "verify", "--help"], capture_output=True, text=True).stdout
    return "--local-cluster" in out


def stage_verify(run: Run) -> None:
    phase = run.state.get("phase", "?")
    record = run.folder / "record"
    shutil.rmtree(record, ignore_errors=True)
    ballots = run.board_ballots()
    tag = "" if phase == "done" else f" ({phase} board)"
    exported = run_measured(["export", "--election", str(run.board), "--record", str(record)])
    size = _du(record)
    _say(f"[verify]{tag} `referendum export`: {exported.wall:.1f} s, peak RSS"
         f" {exported.peak_mb:,.0f} MB; record {size / 2**20:,.0f} MB"
         f" ({size / max(ballots, 1):,.0f} bytes per ballot)")  # fmt: skip
    run.add("verify", f"`export`{tag}", exported.wall, "s", "per ballot")
    run.add("verify", "record on disk per ballot", size / max(ballots, 1), "bytes", "flat")
    entries = run.state["entries"]
    common = ["verify", str(record), "--fingerprint", run.state["fingerprint"], "--no-progress"]
    engines = [(f"local, --jobs {run.jobs}", ["--jobs", str(run.jobs)])]
    if _has_local_cluster():
        engines.append((f"--local-cluster {run.jobs}", ["--local-cluster", str(run.jobs)]))
    else:
        _say("  --local-cluster: skipped (this `referendum verify` has no --local-cluster yet)")
    for label, extra in engines:
        r = run_measured([*common, *extra], what=f"verify {label}")
        workers = max(r.cpu - r.main_cpu, 0.0)
        _say(f"  `referendum verify` {label}{tag}: {r.wall:.1f} s ({entries / r.wall:,.0f}"
             f" entries/s, {r.wall / max(ballots, 1) * 1e6:,.0f} us per ballot); CPU {r.cpu:.1f} s"
             f" (main process {r.main_cpu:.1f} s); peak RSS {r.peak_mb:,.0f} MB (largest"
             f" process), {r.tree_mb:,.0f} MB (all processes)")  # fmt: skip
        run.add("verify", f"verify{tag}, {label}", r.wall, "s", "per ballot")
        run.add(
            "verify",
            f"verify, {label}, CPU per ballot, us",
            r.cpu / max(ballots, 1) * 1e6,
            "",
            "flat",
        )
        run.add("verify", f"verify, {label}, peak RSS largest process", r.peak_mb, "MB", "flat")
        run.add("verify", f"verify, {label}, peak RSS all processes", r.tree_mb, "MB", "flat")
        # The cluster estimate uses the engine a cluster runs (--local-cluster: the main
        # process also hands batches to Dask), else the local pool's figures.
        if not run.cluster or not label.startswith("local"):
            run.cluster = {
                "engine": label,
                "main_cpu": r.main_cpu,
                "workers_cpu": workers,
                "wall": r.wall,
                "ballots": ballots,
            }


# --- summary ------------------------------------------------------------------------------------


def summary(run: Run, info: dict[str, Any]) -> dict[str, Any]:
    ballots = run.board_ballots()
    end_capacity = parallel_capacity(10_000)
    lines = [
        f"Machine: {info['cores']} cores ({info['cpu']}), {info['ram_gib']} GiB RAM, Python"
        f" {info['python']}, load average {info['load_average'][0]} at the start,"
        f" {os.getloadavg()[0]:.2f} at the end; two processes got"
        f" {info['two_processes_get_cores']} cores' worth of CPU at the start (2.0: two"
        f" free cores), {end_capacity:.2f} at the end. Board: {ballots:,} ballots"
        f" ({run.state.get('entries', 0):,} entries), store {run.state.get('store', '?')}.",
        "",
        f"| stage | figure | value | per ballot | at {TARGET:,} ballots | grows |",
        "|---|---|---:|---:|---:|---|",
    ]
    rows = []
    for f in run.figures:
        per = f"{f.value / max(f.ballots, 1) * 1e6:,.0f} us" if f.grows == "per ballot" else ""
        at = f.at(TARGET)
        shown = _fmt(at, f.unit) if at is not None else ""
        if f.unit == "s" and at is not None and at >= 120:
            shown += f" ({at / 60:,.0f} min)"
        grows = {"per ballot": "linear", "flat": "flat"}.get(f.grows, "")
        lines.append(
            f"| {f.stage} | {f.name} | {_fmt(f.value, f.unit)} | {per} | {shown} | {grows} |"
        )
        rows.append({**f.__dict__, "at_target": at})
    cluster = []
    if run.cluster:
        c = run.cluster
        scale = TARGET / max(c["ballots"], 1)
        cores = info["cores"] or 1
        lines += [
            "",
            f"Verifier on K machines like this one ({cores} cores each), {TARGET:,} ballots:"
            f" from the run `verify {c['engine']}`: the main process (reading, board rules,"
            f" Merkle tree, handing out batches: {c['main_cpu']:.1f} s CPU here) stays on one"
            f" core; the ballot checks ({c['workers_cpu']:.1f} s CPU here)"
            f" spread over K x {cores} cores; time ~ max(main, checks / cores), scaled"
            " linearly (assumes the checks are fed as fast as they are done).",
            "",
            "| machines | verify time (estimate) |",
            "|---:|---:|",
        ]
        for k in (1, 2, 4, 8, 16, 32):
            t = max(c["main_cpu"], c["workers_cpu"] / (k * cores)) * scale
            cluster.append({"machines": k, "seconds": t})
            lines.append(f"| {k} | {t:,.0f} s ({t / 60:,.1f} min) |")
    lines += [
        "",
        "linear: cost per ballot, extrapolated in proportion; flat: does not grow with the board"
        " (opening reads stored state; rates and memory are per request or bounded), taken"
        " as measured. Compare two sizes to check that a flat figure is flat.",
    ]
    text = "\n".join(lines)
    _say("\n## Summary (Markdown)\n")
    _say(text)
    return {
        "machine": {**info, "two_processes_get_cores_at_end": round(end_capacity, 2)},
        "ballots": ballots,
        "entries": run.state.get("entries"),
        "store": run.state.get("store"),
        "figures": rows,
        "verifier_cluster": cluster,
        "target": TARGET,
        "markdown": text,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cores = os.cpu_count() or 1
    parser.add_argument("--ballots", type=int, default=1_000_000, help="ballots on the board")
    parser.add_argument("--cast-sample", type=int, default=20_000, help="ballots cast over HTTP")
    parser.add_argument("--dir", help="the board's folder, kept and reused (default: temporary)")
    parser.add_argument("--stages", default=DEFAULT_STAGES, help=f"in order ({DEFAULT_STAGES})")
    parser.add_argument("--jobs", type=int, default=cores, help="processes (default: cores)")
    parser.add_argument("--workers", type=int, default=cores, help="serve --workers for cast")
    parser.add_argument("--clients", type=int, default=16, help="client threads for cast")
    parser.add_argument("--store", default="sqlite", help="sqlite, or a postgresql:// URL")
    parser.add_argument("--json", help="write the figures to this JSON file")
    parser.add_argument("--rebuild", action="store_true", help="make a new board in --dir")
    parser.add_argument("--keep-ballots", action="store_true", help="keep DIR/ballots.jsonl")
    args = parser.parse_args()
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise SystemExit(f"--stages: unknown {unknown}; known: {', '.join(STAGES)}")
    if args.ballots < REVOTE_STRIDE + 1:
        raise SystemExit(f"--ballots must be at least {REVOTE_STRIDE + 1}")
    if args.store != "sqlite" and not args.store.startswith(("postgresql://", "postgres://")):
        raise SystemExit("--store: sqlite, or a postgresql:// URL")
    temporary = None
    if args.dir:
        folder = Path(args.dir).resolve()
    else:
        temporary = tempfile.mkdtemp(prefix="referendum-million-")
        folder = Path(temporary)
    info = machine()
    _say(f"million-ballot benchmark: {info['cores']} cores ({info['cpu']}), {info['ram_gib']} GiB"
         f" RAM, Python {info['python']}, load average {info['load_average'][0]}; two processes get"
         f" {info['two_processes_get_cores']} cores' worth of CPU now")  # fmt: skip
    _say(f"command: {shlex.join([os.path.basename(sys.executable), *sys.argv])}")
    _say(f"stages: {', '.join(stages)}; folder {folder}")
    run = Run(args, folder, max(1, args.jobs))
    try:
        if "build" not in stages:
            path = folder / STATE
            if not path.exists():
                raise SystemExit(f"{folder}: no board here: add the build stage")
            run.state = json.loads(path.read_text())
            if not run.state.get("complete"):
                raise SystemExit(
                    f"{folder}: the board's build did not finish: --stages build --rebuild"
                )
        t0 = time.perf_counter()
        for name in stages:
            globals()[f"stage_{name}"](run)
        _say(f"\nall stages: {time.perf_counter() - t0:.1f} s")
        report = summary(run, info)
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
            _say(f"\nfigures written to {args.json}")
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
