"""Whole-referendum figures: per-ballot cost, casting throughput, verifier throughput.

Run: .venv/bin/python benchmarks/whole_referendum.py [--voters 2000] [--samples 300]
         [--stores sqlite,postgresql] [--store postgresql://...] [--repeat 2] [--quick]

1. Per ballot, on one core: encrypt_ballot (the voter's device) and verify_ballot (the
   board), median CPU and wall time of --samples single calls, for the demo ballot (one
   question, two options) and a two-question ballot; then verify_ballot split into parts.
2. Casting through Election, on each store: a referendum of --voters voters (demo
   manifest, SeededRandom keys and codes, every voter casts once; ballots are made
   beforehand on 2 "device" processes, not timed). Batches of 256 ballots, as the demo
   does it: the board checks each batch, appends it with post_many (one transaction),
   signs one checkpoint and gives every ballot an inclusion proof (its receipt). Batches
   alternate between checks in a pool of 2 processes (check_batch) and checks in this
   process (check_one), so both modes see the same machine load.
3. The first store's referendum is closed, decrypted (4 of 5 trustees), published and
   exported; verify_record reads that record with jobs=1 and jobs=2, --repeat times each,
   alternating; the best run of each counts.
4. Where verify_record's CPU time goes at jobs=1: its pieces run one by one on the same
   record (read and parse, canonical re-encoding, Merkle hashing, ballot checks, the
   board rules with ballots pre-checked, checkpoint signatures).

After each comparison of 1 and 2 processes the script prints how many cores' worth of CPU
two of its processes get at that moment, since on a shared machine that, not the code,
may set the ratio.

PostgreSQL: --store (default REFERENDUM_DATABASE_URL, else the project default); the
benchmark's log is dropped at the end. Figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shlex
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from referendum.ballot import (
    KIND_BALLOT,
    CheckedBallot,
    PreparedBallot,
    check_ballot_fields,
    encrypt_ballot,
    tracking_code,
    tracking_hash,
    verify_ballot,
)
from referendum.board import BOARD_KEY, SigningKey
from referendum.board.checkpoint import parse_signed_checkpoint
from referendum.board.entry import Entry
from referendum.board.merkle import CompactRange
from referendum.board.postgres import DEFAULT_URL, URL_VARIABLE
from referendum.canonical import canonical_json
from referendum.ceremony import TrusteeKeys, TrusteeState
from referendum.credentials import credential_key
from referendum.demo import REGISTRARS, TRUSTEES, co_issue, region_sizes, run_ceremony
from referendum.demo_manifest import REGIONS, TEMPLATE, key_block, render
from referendum.election import Election, Receipt
from referendum.elgamal import Ciphertext, sum_ciphertexts
from referendum.group import RISTRETTO255 as G
from referendum.group import Element, SeededRandom, _sodium, element_from_hex
from referendum.manifest import Manifest, load_manifest_toml
from referendum.proofs import ProofContext, RangeProof, verify_disjunctive, verify_range
from referendum.record import RecordReader
from referendum.replay import PreChecked, Replay
from referendum.signing import Ed25519Key, verify_message
from referendum.tally import decryption_message
from referendum.verifier import verify_record
from referendum.verifier.workers import check_batch, check_one, init_worker

ABSENT = 1  # as in the demo: one trustee stays away from the count
BATCH = 256  # ballots the board checks and appends together (the demo's batch)
CHUNK = 32  # ballots per task sent to a worker process (as the demo)
SECOND_QUESTION = """
[[questions]]
id = "language"
min_choices = 1
max_choices = 1
text = { uk = "Second question", ru = "Second question", en = "Second question" }

[[questions.options]]
id = "yes"
text = { uk = "Yes", ru = "Yes", en = "Yes" }

[[questions.options]]
id = "no"
text = { uk = "No", ru = "No", en = "No" }
"""


# --- machine and timing ------------------------------------------------------------------------


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _postgres_version(url: str) -> str:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=10) as db:
            row = db.execute("SHOW server_version").fetchone()
        return f"PostgreSQL {row[0] if row else '?'}"
    except Exception as exc:  # only for the header line; the run itself reports errors
        return f"PostgreSQL unreachable ({type(exc).__name__})"


def median_us(fn: Callable[[int], object], samples: int) -> tuple[float, float]:
    """Gives back the median CPU and wall time of fn(i), i in range(samples), in us per call.

    CPU time (of this process) is what a call costs; wall time also holds the time other
    processes of a shared machine took the core away.
    """
    cpu, wall = [], []
    for i in range(samples):
        c0, w0 = time.process_time_ns(), time.perf_counter_ns()
        fn(i)
        wall.append(time.perf_counter_ns() - w0)
        cpu.append(time.process_time_ns() - c0)
    return statistics.median(cpu) / 1e3, statistics.median(wall) / 1e3


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its children that have ended (pool workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _spin(n: int) -> None:
    x = G.scalar_from_int(12345)
    for _ in range(n):
        G.generator**x


def parallel_capacity(n: int) -> float:
    """Gives back how many cores' worth of CPU two processes get now (2.0: two idle cores).

    The same task (n base multiplications) runs twice one after the other, then twice at
    once, in a pool of 2; the ratio of the two wall times is the capacity.
    """
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_spin, [1, 1]))
        t0 = time.perf_counter()
        pool.submit(_spin, n).result()
        pool.submit(_spin, n).result()
        t1 = time.perf_counter()
        list(pool.map(_spin, [n, n]))
        t2 = time.perf_counter()
    return (t1 - t0) / (t2 - t1)


def _capacity_line(n: int) -> str:
    return (
        f"  (machine now: 2 processes get {parallel_capacity(n):.2f} cores' worth of CPU;"
        f" load average {os.getloadavg()[0]:.2f})"
    )


def _cpu_of(fn: Callable[[], object]) -> float:
    """CPU seconds this process spends in fn()."""
    c0 = time.process_time()
    fn()
    return time.process_time() - c0


# --- manifests and referendum setup ------------------------------------------------------------


@dataclass
class Setup:
    """Everything of a benchmark referendum that is drawn from seeds (same in every store)."""

    text: str
    trustees: list[TrusteeKeys]
    registrars: list[Ed25519Key]  # the demo's two co-issuers (codes_per_voter = 2)
    board_seed: str


def make_setup(referendum_id: str, questions: int = 1) -> Setup:
    trustees = [
        TrusteeKeys.generate(SeededRandom(f"bench/trustee-keys/{i}"))
        for i in range(1, len(TRUSTEES) + 1)
    ]
    registrars = [Ed25519Key.generate(SeededRandom(f"bench/registrar/{r}")) for r, _ in REGISTRARS]
    blocks = [
        key_block(
            "trustees",
            [
                ("name", f"Trustee {i}"),
                ("group", "trustees"),  # the template's policy: at least 3 of them
                ("signing_key", k.public_json()["signing_key"]),
                ("encryption_key", k.public_json()["encryption_key"]),
            ],
        )
        for i, k in enumerate(trustees, 1)
    ]
    blocks += [
        key_block(
            "registrars",
            [("id", rid), ("name", f"Registrar {rid}"), ("signing_key", key.public.hex())],
        )
        for (rid, _), key in zip(REGISTRARS, registrars, strict=True)
    ]
    template = TEMPLATE.replace('id = "oblasts-2027"', f'id = "{referendum_id}"')
    if questions == 2:
        first_region = template.index("[[regions]]")
        template = (
            template[:first_region] + SECOND_QUESTION.lstrip() + "\n" + template[first_region:]
        )
        template = template.replace('questions = ["status"]', 'questions = ["status", "language"]')
    return Setup(render(blocks, template), trustees, registrars, f"bench/board/{referendum_id}")


def manifest_only(setup: Setup) -> Manifest:
    board = SigningKey.generate("referendum-board", BOARD_KEY, SeededRandom(setup.board_seed))
    return load_manifest_toml(setup.text, board.verifier())


@dataclass(frozen=True)
class Voter:
    region: str
    codes: tuple[str, ...]  # one per co-issuer


def open_election(
    folder: Path, setup: Setup, store: str | None, voters: int
) -> tuple[Election, list[TrusteeState], list[Voter]]:
    """Gives back a referendum in its voting phase: ceremony done, credentials issued."""
    election = Election.create(folder, setup.text, store=store, rng=SeededRandom(setup.board_seed))
    # The board enforces the manifest's voting period: vote inside it, as the demo does.
    opens = dt.datetime.strptime(election.manifest.opens, "%Y-%m-%dT%H:%M:%SZ")
    election.clock = lambda: opens.replace(tzinfo=dt.UTC) + dt.timedelta(hours=1)
    states = run_ceremony(election, setup.trustees, lambda label: SeededRandom(f"bench/{label}"))
    sizes = region_sizes(voters)
    people: list[Voter] = []
    for region, _ in REGIONS:
        letters = co_issue(
            election,
            setup.registrars,
            region,
            sizes[region],
            lambda label: SeededRandom(f"bench/{label}"),
        )
        people += [Voter(region, codes) for codes in letters]
    election.open_voting()
    return election, states, people


# --- the voters' devices (worker processes) ----------------------------------------------------

_device: tuple[Manifest, Element] | None = None


def _init_device(manifest_json: dict[str, Any], key: bytes) -> None:
    global _device
    _device = (Manifest.from_json(manifest_json), G.element(key))


def _make_ballots(jobs: list[tuple[int, str, tuple[str, ...]]]) -> list[dict[str, Any]]:
    if _device is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("device not initialised")
    manifest, key = _device
    out = []
    for n, region, codes in jobs:
        rng = SeededRandom(f"bench/ballot/{n}")
        choices = {q.id: [1, 0] if n % 3 else [0, 1] for q in manifest.ballot_style(region)}
        cred = credential_key(manifest.fingerprint, codes)
        out.append(encrypt_ballot(manifest, key, region, choices, cred, rng).payload)
    return out


def _chunks(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def make_ballots(manifest: Manifest, key: Element, people: Sequence[Voter]) -> list[Any]:
    """Gives back one signed ballot payload per voter, made on 2 device processes."""
    work = [(n, v.region, v.codes) for n, v in enumerate(people)]
    with ProcessPoolExecutor(
        2, initializer=_init_device, initargs=(manifest.to_json(), key.to_bytes())
    ) as devices:
        return [b for batch in devices.map(_make_ballots, _chunks(work, CHUNK)) for b in batch]


# --- 1. per-ballot cost ------------------------------------------------------------------------


def bench_ballot(questions: int, samples: int) -> tuple[float, float]:
    setup = make_setup(f"bench-ballot-{questions}q", questions)
    m = manifest_only(setup)
    rng = SeededRandom(f"bench/ballot-cost/{questions}")
    key = G.generator ** G.random_scalar(rng)
    creds = [Ed25519Key.generate(rng) for _ in range(16)]
    style = m.ballot_style("donetsk")
    choices = {q.id: [1, 0] for q in style}
    made: list[PreparedBallot] = []

    def encrypt(i: int) -> None:
        made.append(encrypt_ballot(m, key, "donetsk", choices, creds[i % 16], rng))

    def verify(i: int) -> None:
        verify_ballot(m, key, made[i % len(made)].payload, "ballot")

    enc, enc_wall = median_us(encrypt, samples)
    ver, ver_wall = median_us(verify, samples)
    label = f"{questions} question{'s' if questions > 1 else ''}, 2 options each"
    print(
        f"  {label:34} {enc:9,.0f} {enc_wall:9,.0f} {ver:9,.0f} {ver_wall:9,.0f} {ver / enc:8.2f}"
    )
    if questions == 1:
        _verify_parts(m, key, [b.payload for b in made], samples, ver)
    return enc, ver


def _verify_parts(
    m: Manifest, key: Element, ballots: list[Any], samples: int, whole: float
) -> None:
    """Prints verify_ballot's parts (one question), each timed alone on the same ballots."""
    fp = m.fingerprint
    ctx = ProofContext(G, fp)
    region, qid = "donetsk", m.ballot_style("donetsk")[0].id

    def pick(i: int) -> Any:
        return ballots[i % len(ballots)]

    question = m.question(qid)
    lo, hi = question.sum_range

    def decode(payload: Any) -> tuple[list[Ciphertext], list[RangeProof], RangeProof | None]:
        q = payload["questions"][0]
        cts = [
            Ciphertext(element_from_hex(G, s["alpha"], "a"), element_from_hex(G, s["beta"], "b"))
            for s in q["selections"]
        ]
        proofs = [RangeProof.from_json(G, s["proof"], "proof") for s in q["selections"]]
        # No sum proof where the 0/1 proofs bound the sum (protocol.md 12.2).
        summed = RangeProof.from_json(G, q["sum_proof"], "sum_proof") if q["sum_proof"] else None
        return cts, proofs, summed

    decoded = [decode(b) for b in ballots]

    def disjunctive(i: int) -> None:
        b = pick(i)
        cred = bytes.fromhex(b["credential"])
        cts, proofs, _ = decoded[i % len(ballots)]
        for o, (ct, proof) in enumerate(zip(cts, proofs, strict=True)):
            verify_disjunctive(ctx, key, ct, proof, bound_to=(cred, region, qid, o))

    def sum_range(i: int) -> None:
        b = pick(i)
        cts, _, proof = decoded[i % len(ballots)]
        if proof is None:
            return
        total = sum_ciphertexts(G, cts)
        verify_range(
            ctx, key, total, lo, hi, proof, bound_to=(bytes.fromhex(b["credential"]), region, qid)
        )

    n = question.encrypted
    sums = question.needs_sum_proof

    parts = [
        ("field and hex checks", lambda i: check_ballot_fields(pick(i), "ballot")),
        (
            "Ed25519 signature (canonical JSON + verify)",
            lambda i: verify_message(
                bytes.fromhex(pick(i)["credential"]), fp, KIND_BALLOT, pick(i), "ballot"
            ),
        ),
        (f"decode {2 * n} elements, {n + sums} proofs", lambda i: decode(pick(i))),
        (f"{n} disjunctive proofs (0 or 1)", disjunctive),
        (f"sum + range proof [{lo}, {hi}]" if sums else "no sum proof (12.2)", sum_range),
        ("tracking hash (canonical JSON + SHA)", lambda i: tracking_hash(fp, pick(i))),
    ]
    print("\n  verify_ballot (1 question) by part, each timed alone (median CPU time):")
    total = 0.0
    for name, fn in parts:
        us = median_us(fn, samples)[0]
        total += us
        print(f"    {name:44} {us:8,.0f} us  {us / whole:6.1%}")
    print(
        f"    {'sum of parts':44} {total:8,.0f} us  {total / whole:6.1%}  (whole {whole:,.0f} us)"
    )


# --- 2. casting --------------------------------------------------------------------------------


@dataclass
class Mode:
    name: str
    ballots: int = 0
    check: float = 0.0
    append: float = 0.0
    receipt: float = 0.0
    cpu_main: float = 0.0  # CPU seconds of this process (the board)
    cpu_workers: float = 0.0  # CPU seconds the pool's workers spent on the checks

    @property
    def total(self) -> float:
        return self.check + self.append + self.receipt

    def rate(self) -> float:
        return self.ballots / self.total


def _timed_check_batch(items: list[tuple[str, Any, str]]) -> tuple[list[PreChecked | str], float]:
    """Gives back check_batch(items) in a worker process, and the CPU seconds it took."""
    c0 = time.process_time()
    return check_batch(items), time.process_time() - c0


def _accept(
    election: Election, ballots: list[Any], pool: ProcessPoolExecutor | None, mode: Mode
) -> list[Receipt]:
    """Board side of one batch: check, append, one signed checkpoint, a receipt each."""
    c0 = time.process_time()
    where = election.state.size
    items = [(KIND_BALLOT, b, f"ballot {where + n}") for n, b in enumerate(ballots)]
    t0 = time.perf_counter()
    if pool is None:
        m, key = election.manifest, election.state.public_key
        if key is None:
            raise RuntimeError("voting is not open")
        checked = [check_one(m, key, kind, p, w) for kind, p, w in items]
    else:
        checked = []
        for results, cpu in pool.map(_timed_check_batch, _chunks(items, CHUNK)):
            checked += results
            mode.cpu_workers += cpu
    t1 = time.perf_counter()
    accepted: list[tuple[str, Any, PreChecked | None]] = []
    hashes: list[bytes] = []
    for b, result in zip(ballots, checked, strict=True):
        if not isinstance(result, CheckedBallot):
            raise RuntimeError(f"the board refused a benchmark ballot: {result}")
        accepted.append((KIND_BALLOT, b, result))
        hashes.append(result.tracking_hash)
    entries = election.post_many(accepted)
    t2 = time.perf_counter()
    signed = election.signed_checkpoint()
    text = signed.to_text()
    receipts = []
    for entry, h in zip(entries, hashes, strict=True):
        proof = election.log.inclusion_proof(entry.index, signed.checkpoint.size)
        receipts.append(Receipt(tracking_code(h), h, entry.index, text, tuple(proof)))
    t3 = time.perf_counter()
    mode.ballots += len(ballots)
    mode.check += t1 - t0
    mode.append += t2 - t1
    mode.receipt += t3 - t2
    mode.cpu_main += time.process_time() - c0
    return receipts


def bench_casting(election: Election, ballots: list[Any], store_name: str, spin: int) -> None:
    m, key = election.manifest, election.state.public_key
    assert key is not None
    batch = min(BATCH, max(1, len(ballots) // 4))
    pooled, serial = Mode("checks in a pool of 2 processes"), Mode("checks in 1 process (jobs=1)")
    with ProcessPoolExecutor(
        2, initializer=init_worker, initargs=(m.to_json(), key.to_bytes())
    ) as pool:
        # Start both workers before timing (the demo's pool also lives for the whole vote).
        warm = [[(KIND_BALLOT, ballots[0], "warm-up")]] * 4
        list(pool.map(_timed_check_batch, warm))
        for n, chunk in enumerate(_chunks(ballots, batch)):
            if n % 2 == 0:
                _accept(election, chunk, pool, pooled)
            else:
                _accept(election, chunk, None, serial)
    print(f"\n[{store_name}] casting {len(ballots):,} ballots in batches of {batch}")
    print(
        f"  {'mode':34} {'ballots':>7} {'ballots/s':>9} {'check %':>8} {'append %':>8}"
        f" {'receipt %':>9}"
    )
    for mode in (pooled, serial):
        t = mode.total
        print(
            f"  {mode.name:34} {mode.ballots:7,} {mode.rate():9,.0f} {mode.check / t:8.1%}"
            f" {mode.append / t:8.1%} {mode.receipt / t:9.1%}"
        )
        print(
            f"  {'':34} per ballot: check {mode.check / mode.ballots * 1e6:,.0f} us,"
            f" append {mode.append / mode.ballots * 1e6:,.0f} us,"
            f" receipt {mode.receipt / mode.ballots * 1e6:,.0f} us; CPU: board"
            f" {mode.cpu_main / mode.ballots * 1e6:,.0f} us + workers"
            f" {mode.cpu_workers / mode.ballots * 1e6:,.0f} us"
        )
    print(f"  ratio pool of 2 / jobs=1: {pooled.rate() / serial.rate():.2f}")
    print(_capacity_line(spin))


def finish(election: Election, states: list[TrusteeState], setup: Setup, record: Path) -> None:
    """Closes voting, posts decryptions of 4 of the 5 trustees and the results, exports."""
    election.close_voting(early=True)
    m = election.manifest
    board = election.state.tally_state
    if board is None:
        raise RuntimeError("no tally after close")
    for s in states:
        if s.index == ABSENT:
            continue
        message = decryption_message(
            m,
            s.index,
            s.final_shares,
            setup.trustees[s.index - 1].signing,
            election.state.tallies,
            SeededRandom(f"bench/decrypt/{s.index}"),
            board=board,
        )
        election.post("decryption", message)
    election.publish_results()
    election.export(record)


# --- 3. and 4. the verifier --------------------------------------------------------------------


def bench_verifier(record: Path, repeat: int, spin: int) -> float:
    """Prints verify_record's throughput with jobs=1 and 2; gives back jobs=1's CPU seconds."""
    best: dict[int, tuple[float, float]] = {}
    entries = 0
    for _ in range(repeat):
        for jobs in (1, 2):
            c0, t0 = _cpu_seconds(), time.perf_counter()
            report = verify_record(record, jobs=jobs, progress=False)
            wall, cpu = time.perf_counter() - t0, _cpu_seconds() - c0
            best[jobs] = min(best.get(jobs, (wall, cpu)), (wall, cpu))
            entries = report.entries
    print(f"\n[verifier] verify_record on {entries:,} entries, best of {repeat} (wall time)")
    for jobs in (1, 2):
        wall, cpu = best[jobs]
        print(
            f"  jobs={jobs}: {wall:7.2f} s  {entries / wall:9,.0f} entries/s"
            f"  (CPU {cpu:.2f} s, this process and its workers)"
        )
    print(f"  speed-up jobs=2 / jobs=1: {best[1][0] / best[2][0]:.2f}")
    print(_capacity_line(spin))
    return best[1][1]


def bench_breakdown(record: Path, whole: float) -> None:
    """Prints where verify_record's CPU time goes at jobs=1, its pieces timed one by one."""
    parts: list[tuple[str, float]] = []
    reader = RecordReader(record)
    t0 = time.process_time()
    reader.head()
    m = Manifest.from_json(reader.manifest())
    entries = list(reader.entries())
    texts = reader.checkpoints()
    parts.append(("read + parse JSON (board.jsonl, manifest)", time.process_time() - t0))

    def signatures() -> None:
        for _, text, _ in texts:
            parse_signed_checkpoint(text).verify(m.board_key)

    parts.append((f"checkpoint signatures ({len(texts)})", _cpu_of(signatures)))
    encoded: list[bytes] = []
    parts.append(
        (
            "canonical re-encoding",
            _cpu_of(lambda: encoded.extend(canonical_json(e.payload) for e in entries)),
        )
    )
    wanted = {parse_signed_checkpoint(t).checkpoint.size for _, t, _ in texts}

    def merkle() -> None:
        tree = CompactRange()
        for e, payload in zip(entries, encoded, strict=True):
            tree.append(Entry(m.id, e.index, e.kind, payload).leaf_hash())
            if tree.size in wanted:
                tree.root()

    parts.append(("Merkle leaf hashes + tree", _cpu_of(merkle)))
    key_hex = next(e.payload["public_key"] for e in entries if e.kind == "voting.open")
    key = G.element(bytes.fromhex(key_hex))
    ballots = [e for e in entries if e.kind in ("ballot", "spoiled")]
    checked: dict[int, PreChecked | str] = {}

    def check() -> None:
        for e in ballots:
            checked[e.index] = check_one(m, key, e.kind, e.payload, f"entry {e.index}")

    parts.append((f"ballot checks ({len(ballots):,} verify_ballot)", _cpu_of(check)))
    by_kind: dict[str, float] = {}
    state = Replay(m)
    for e in entries:
        pre = checked.get(e.index)
        t0 = time.process_time()
        state.apply(
            e.index, e.kind, e.payload, prechecked=pre if not isinstance(pre, str) else None
        )
        group = e.kind.split(".")[0] if e.kind.startswith("ceremony.") else e.kind
        by_kind[group] = by_kind.get(group, 0.0) + time.process_time() - t0
    replay = sum(by_kind.values())
    top = sorted(by_kind.items(), key=lambda kv: -kv[1])[:4]
    detail = ", ".join(f"{k} {v:.2f} s" for k, v in top)
    parts.append(("board rules (Replay, ballots pre-checked)", replay))
    print(
        f"\n[verifier] where jobs=1 time goes ({len(entries):,} entries; CPU time, parts run alone)"
    )
    for name, seconds in parts:
        print(f"  {name:46} {seconds:7.2f} s  {seconds / whole:6.1%}")
    total = sum(s for _, s in parts)
    print(f"  {'sum of parts':46} {total:7.2f} s  {total / whole:6.1%}  (whole {whole:.2f} s)")
    print(f"  board rules by kind: {detail}")
    per = dict(parts)[f"ballot checks ({len(ballots):,} verify_ballot)"] / max(1, len(ballots))
    print(f"  ballot check per ballot: {per * 1e6:,.0f} us")


# --- main ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=300, help="calls per median (part 1)")
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--store", default=os.environ.get(URL_VARIABLE) or DEFAULT_URL)
    parser.add_argument("--repeat", type=int, default=2, help="verifier runs per jobs value")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.voters, args.samples, args.repeat = 24, 6, 1
    spin = 500 if args.quick else 20_000
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    for s in stores:
        if s not in ("sqlite", "postgresql"):
            parser.error(f"--stores: unknown store {s!r} (sqlite, postgresql)")
    print(
        f"# {_cpu()} ({platform.machine()}), {os.cpu_count()} cores, Python"
        f" {platform.python_version()}, libsodium {_sodium.version()}, SQLite"
        f" {sqlite3.sqlite_version}"
        + (f", {_postgres_version(args.store)}" if "postgresql" in stores else "")
    )
    print(f"# command: {shlex.join(['python', *sys.argv])}")

    print(f"\n[ballot] one core, median of {args.samples} calls, microseconds")
    print(
        f"  {'ballot':34} {'enc CPU':>9} {'enc wall':>9} {'ver CPU':>9} {'ver wall':>9}"
        f" {'ver/enc':>8}"
    )
    bench_ballot(2, args.samples)
    bench_ballot(1, args.samples)

    run_id = f"bench-{uuid.uuid4().hex[:8]}"
    setup = make_setup(run_id)
    ballots: list[Any] | None = None
    with tempfile.TemporaryDirectory(prefix="referendum-bench-") as tmp:
        record = Path(tmp) / "record"
        for name in stores:
            url = args.store if name == "postgresql" else None
            t0 = time.perf_counter()
            election, states, people = open_election(Path(tmp) / name, setup, url, args.voters)
            try:
                if ballots is None:
                    key = election.state.public_key
                    assert key is not None
                    t1 = time.perf_counter()
                    ballots = make_ballots(election.manifest, key, people)
                    print(
                        f"\n[setup] {args.voters:,} voters: ceremony and credentials"
                        f" {t1 - t0:.1f} s; {len(ballots):,} ballots made on 2 device"
                        f" processes in {time.perf_counter() - t1:.1f} s"
                        f" ({len(ballots) / (time.perf_counter() - t1):,.0f} /s)"
                    )
                bench_casting(election, ballots, name, spin)
                if not record.exists():
                    finish(election, states, setup, record)
            finally:
                if url is not None:
                    election.store.drop_log(election.manifest.id)
                election.close()
        whole = bench_verifier(record, args.repeat, spin)
        bench_breakdown(record, whole)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
