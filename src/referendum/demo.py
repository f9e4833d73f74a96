"""`referendum demo`: a whole referendum on this machine, then its record verified.

Everything runs for real, in one process (plus worker processes for the ballots): the
organiser creates the board from the manifest template; seven trustees from three groups
(two per side, three neutral observers) run the key ceremony over the board, one of
them absent, so its steps close at their deadlines on the witnesses' times; a registrar
issues one credential per voter in each of the four oblasts; voters encrypt, prove and
sign their ballots on their "devices" (worker processes), some challenge a ballot first
(Benaloh) and some vote again; the board accepts each ballot only after checking it, and
gives a receipt that the voter checks; two witnesses co-sign checkpoints; voting closes,
the encrypted totals are posted, six of the seven trustees post decryption shares (one
stays away; the one absent from the ceremony takes its shares from the board), and the
results are published. The election record is then written to a folder and checked by
the independent verifier, whose results are printed and compared with the simulated
votes.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from referendum.ballot import encrypt_ballot, tracking_code
from referendum.board import WITNESS_KEY, SigningKey, StoreUnavailableError
from referendum.board import Witness as BoardWitness
from referendum.ceremony import TrusteeKeys, TrusteeState
from referendum.credentials import (
    KIND_BATCH,
    KIND_CLOSE,
    KIND_COMMIT,
    credential_key,
    issue_credentials,
)
from referendum.demo_manifest import (
    DISPLAY_NAMES,
    REGIONS,
    TEMPLATE,
    ceremony_block,
    key_block,
    render,
    with_voting,
)
from referendum.election import Election
from referendum.group import RISTRETTO255 as G
from referendum.group import Element, RandomSource, SeededRandom, system_random
from referendum.manifest import Manifest
from referendum.progress import Progress
from referendum.receipt import Receipt, check_receipt
from referendum.replay import PreChecked
from referendum.signing import Ed25519Key
from referendum.tally import decryption_message
from referendum.verifier import verify_record
from referendum.verifier.workers import check_batch, init_worker

__all__ = [
    "close_at_deadline",
    "cosign_now",
    "manifest_text",
    "region_sizes",
    "run_ceremony",
    "run_demo",
]

#: (name, group): two trustees from each side and three neutral observers.
TRUSTEES = (
    ("Ukrainian parliament delegate", "ukraine"),
    ("Ukrainian civil society delegate", "ukraine"),
    ("Russian government delegate", "russia"),
    ("Russian civil society delegate", "russia"),
    ("OSCE observer", "neutral"),
    ("UN observer", "neutral"),
    ("Council of Europe observer", "neutral"),
)
#: The demo's registrars, (id, name): each region's credentials are co-issued by both, so
#: neither alone can vote for an abstainer (protocol.md 10.1).
REGISTRARS = (
    ("cec", "Central registrar (demo)"),
    ("mission", "Observer mission registrar (demo)"),
)
#: Any 4 of the 7, at least 2 of them neutral: neither side alone, nor both sides
#: together, nor one side with one observer can decrypt; any side may walk out.
POLICY = (
    'policy = [{ at_least = 4, of = ["ukraine", "russia", "neutral"] },'
    ' { at_least = 2, of = ["neutral"] }]'
)
ABSENT_CEREMONY = 4  # the trustee who misses the whole key ceremony, and comes to the count
ABSENT = 1  # the trustee who does not come to the count
TURNOUT = 0.82
REVOTE = 0.05  # share of voters who vote twice (the last ballot counts)
CHALLENGE = 0.03  # share of voters who challenge a ballot before casting
#: Simulated share of "ukraine" among votes, per oblast (made up for the demo).
LEAN = {"donetsk": 0.58, "luhansk": 0.52, "kherson": 0.74, "zaporizhzhia": 0.69}
_BATCH = 256


class DemoError(ValueError):
    """The demo cannot run with these options."""


@dataclass(frozen=True)
class _Voter:
    number: int
    region: str
    codes: tuple[str, ...]  # one from each registrar, each on its own letter


@dataclass(frozen=True)
class _Cast:
    """One ballot a simulated voter makes: cast or challenge, with what it encrypts."""

    voter: int
    choice: int  # option index of the single question
    challenge: bool


# --- worker processes: the voters' devices -----------------------------------------------------

_device: tuple[Manifest, Element] | None = None


def _init_device(manifest_json: dict[str, Any], key: bytes) -> None:
    global _device
    _device = (Manifest.from_json(manifest_json), G.element(key))


def _make_ballots(
    jobs: list[tuple[str, str, int, bool, str | None]],
) -> list[tuple[str, dict[str, Any], bytes]]:
    """Gives back (kind, payload, tracking hash) for each (code, region, choice, challenge)."""
    if _device is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("device not initialised")
    manifest, key = _device
    out = []
    for codes, region, choice, challenge, seed in jobs:
        rng: RandomSource = SeededRandom(seed) if seed is not None else system_random
        question = manifest.ballot_style(region)[0]
        vector = [1 if i == choice else 0 for i in range(len(question.options))]
        prepared = encrypt_ballot(
            manifest,
            key,
            region,
            {question.id: vector},
            credential_key(manifest.fingerprint, codes),
            rng,
        )
        if challenge:
            out.append(("spoiled", prepared.spoiled_payload(), prepared.tracking_hash))
        else:
            out.append(("ballot", prepared.payload, prepared.tracking_hash))
    return out


# --- the demo ------------------------------------------------------------------------------------


class _Run:
    def __init__(self, out: TextIO, seed: str | None) -> None:
        self.out = out
        self.seed = seed
        self.rng: RandomSource = SeededRandom(f"demo/{seed}") if seed is not None else system_random
        self.start = time.monotonic()

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def step(self, text: str, since: float) -> None:
        self.say(f"  {text} ({time.monotonic() - since:.1f} s)")

    def sub_rng(self, label: str) -> RandomSource:
        return SeededRandom(f"demo/{self.seed}/{label}") if self.seed is not None else system_random


def _manifest_text(
    run: _Run,
    trustees: Sequence[TrusteeKeys],
    registrars: Sequence[Ed25519Key],
    witnesses: Sequence[SigningKey],
) -> str:
    return manifest_text(trustees, registrars, witnesses, run.rng)


def manifest_text(
    trustees: Sequence[TrusteeKeys],
    registrars: Sequence[Ed25519Key],
    witnesses: Sequence[SigningKey],
    rng: RandomSource = system_random,
    *,
    voting: tuple[str, str] | None = None,
) -> str:
    """Gives back the demo manifest (TOML) for these keys, with a fresh id drawn from rng.

    voting: (opens, closes) in the UTC form of section 9 instead of the template's dates
    (`referendum serve --demo` votes now).
    """
    blocks = [
        key_block(
            "trustees",
            [
                ("name", name),
                ("group", group),
                ("signing_key", k.public_json()["signing_key"]),
                ("encryption_key", k.public_json()["encryption_key"]),
                ("display", DISPLAY_NAMES[name]),
            ],
        )
        for (name, group), k in zip(TRUSTEES, trustees, strict=True)
    ]
    blocks += [
        key_block(
            "registrars",
            [
                ("id", rid),
                ("name", name),
                ("signing_key", key.public.hex()),
                ("display", DISPLAY_NAMES[name]),
            ],
        )
        for (rid, name), key in zip(REGISTRARS, registrars, strict=False)
    ]
    blocks += [
        key_block(
            "witnesses",
            [("name", w.name), ("key", w.verifier().to_text())]
            # tests name their own witnesses, which have no display names
            + ([("display", DISPLAY_NAMES[w.name])] if w.name in DISPLAY_NAMES else []),
        )
        for w in witnesses
    ]
    suffix = rng(4).hex()
    template = TEMPLATE.replace('id = "oblasts-2027"', f'id = "oblasts-2027-demo-{suffix}"')
    template = template.replace('policy = [{ at_least = 3, of = ["trustees"] }]', POLICY)
    template = template.replace("codes_per_voter = 2", f"codes_per_voter = {len(registrars)}")
    opens = "2027-03-01T06:00:00Z"
    if voting is not None:
        template = with_voting(template, *voting)
        opens = voting[0]
    blocks.append(ceremony_block(opens))
    return render(blocks, template)


def run_ceremony(
    election: Election,
    keys: Sequence[TrusteeKeys],
    rng_for: Callable[[str], RandomSource],
    *,
    absent: Collection[int] = (),
    close_step: Callable[[str], None] | None = None,
) -> list[TrusteeState]:
    """Gives back the present trustees' states after the whole ceremony on election's board.

    Every trustee but those in absent takes part, honestly, each step in turn (section
    11); a step that waits for an absent trustee is closed by close_step(step) (past its
    deadline, with the witnesses' co-signatures). rng_for(label) gives each trustee's
    random source per step (seeded in tests and benchmarks).
    """
    m = election.manifest
    states = [
        TrusteeState.new(m, k, rng_for(f"trustee/{i}"))
        for i, k in enumerate(keys, 1)
        if i not in absent
    ]

    def done(step: str) -> None:
        if election.state.ceremony.closed(step):
            return
        if close_step is None:
            raise DemoError(f"the ceremony's {step} step waits for an absent trustee")
        close_step(step)

    for s in states:
        election.post("ceremony.commitment", s.commitment_message(m))
    done("commitment")
    for s in states:
        election.post("ceremony.shares", s.shares_message(m, rng_for(f"shares/{s.index}")))
    done("shares")
    for s in states:
        election.post("ceremony.check", s.check_message(m, election.state.ceremony))
    done("check")
    for s in states:
        for message in s.reveal_messages(m, election.state.ceremony):
            election.post("ceremony.reveal", message)
    done("reveal")
    for s in states:
        board = election.state.ceremony
        election.post(
            "ceremony.confirm", s.confirm_message(m, board, rng_for(f"confirm/{s.index}"))
        )
    done("confirm")
    return states


def close_at_deadline(
    election: Election, witnesses: Sequence[BoardWitness], set_clock: Callable[[dt.datetime], None]
) -> Callable[[str], None]:
    """Gives back close_step for run_ceremony: moves the clock a second past the step's
    deadline, has the witnesses co-sign the board then, and posts the ceremony.close."""

    def close(step: str) -> None:
        deadline = election.manifest.deadlines[step]
        at = dt.datetime.strptime(deadline, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        set_clock(at + dt.timedelta(seconds=1))
        cosign_now(election, witnesses, refresh=True)
        latest = election.freshest_cosigned(election.state.size)
        assert latest is not None
        election.post("ceremony.close", {"step": step, "checkpoint": latest.to_text()})

    return close


def region_sizes(voters: int) -> dict[str, int]:
    """Gives back how many of voters live in each oblast (by REGIONS' weights, at least 1)."""
    total = sum(w for _, w in REGIONS)
    sizes = {r: max(1, voters * w // total) for r, w in REGIONS}
    sizes[REGIONS[0][0]] += voters - sum(sizes.values())  # the rest to the largest oblast
    return sizes


def _ceremony(
    run: _Run, election: Election, keys: Sequence[TrusteeKeys], close: Callable[[str], None]
) -> list[TrusteeState]:
    t0 = time.monotonic()
    states = run_ceremony(election, keys, run.sub_rng, absent=(ABSENT_CEREMONY,), close_step=close)
    board = election.state.ceremony
    key = board.public_key
    closed = ", ".join(f"{step} (entry {i})" for step, i in board.closed_by().items())
    qualified = "; ".join(f"clause {c}: {list(q)}" for c, q in board.qualified.items())
    run.step(
        f"key ceremony: {len(keys)} trustees in 3 groups, policy"
        f" {election.manifest.policy.describe()};"
        f" trustee {ABSENT_CEREMONY} stayed away, so steps closed at their deadlines with the"
        f" witnesses' times: {closed}; qualified dealers {qualified}; election key"
        f" {key.to_bytes().hex()[:16]}…",
        t0,
    )
    return states


def ceremony_on_a_clock(
    run: _Run, election: Election, keys: Sequence[TrusteeKeys], witness_keys: Sequence[SigningKey]
) -> list[TrusteeState]:
    """Gives back the trustees' states after the demo's ceremony (trustee 4 absent, its
    steps closed at their deadlines by witness_keys' co-signatures) on a simulated clock
    that starts a day before the first deadline; the election's clock is left after the
    last close."""
    m = election.manifest
    first = dt.datetime.strptime(m.deadlines["commitment"], "%Y-%m-%dT%H:%M:%SZ")
    now = [first.replace(tzinfo=dt.UTC) - dt.timedelta(days=1)]
    election.clock = lambda: now[0]

    def set_clock(at: dt.datetime) -> None:
        now[0] = at

    witnesses = [BoardWitness(k, m.board_key) for k in witness_keys]
    return _ceremony(run, election, keys, close_at_deadline(election, witnesses, set_clock))


def co_issue(
    election: Election,
    registrars: Sequence[Ed25519Key],
    region: str,
    count: int,
    rng: Callable[[str], RandomSource],
) -> list[tuple[str, ...]]:
    """Gives back each voter's codes, one per registrar of REGISTRARS, once every
    registrar's commitment, parts and close for region are on the board (10.4).

    Each registrar draws its codes and commits to their parts; only once all have
    committed do they post the parts, which the board sums into the voters' keys.
    rng(label) gives the random source of each registrar's codes.
    """
    pairs = list(zip(REGISTRARS, registrars, strict=False))
    issued = [
        issue_credentials(election.manifest, rid, key, region, count, rng(f"codes/{rid}/{region}"))
        for (rid, _), key in pairs
    ]
    election.post_many([(KIND_COMMIT, i.commit, None) for i in issued])
    commitments = election.state.roll.commitments(region)  # as the board holds them
    for i, (_, key) in zip(issued, pairs, strict=True):
        election.post_many([(KIND_BATCH, b, None) for b in i.batches(key, commitments)])
    election.post_many([(KIND_CLOSE, i.close, None) for i in issued])
    return list(zip(*(i.codes for i in issued), strict=True))


def _credentials(
    run: _Run, election: Election, registrars: Sequence[Ed25519Key], voters: int
) -> list[_Voter]:
    t0 = time.monotonic()
    sizes = region_sizes(voters)
    people: list[_Voter] = []
    for region, _ in REGIONS:
        letters = co_issue(election, registrars, region, sizes[region], run.sub_rng)
        people += [_Voter(len(people) + n, region, codes) for n, codes in enumerate(letters)]
    roll = election.state.roll
    summary = ", ".join(f"{r} {roll.count(r):,}" for r, _ in REGIONS)
    run.step(
        f"credentials co-issued by {len(registrars)} registrars: {summary}; their parts on"
        " the board, one letter from each registrar to each voter",
        t0,
    )
    return people


def _plan(run: _Run, people: Sequence[_Voter]) -> tuple[list[_Cast], dict[int, int]]:
    """Gives back the casts in board order and each voter's final choice."""
    chance = random.Random(run.sub_rng("plan")(16))  # noqa: S311 - simulated behaviour, not keys
    first: list[_Cast] = []
    later: list[_Cast] = []
    final: dict[int, int] = {}
    for p in people:
        if chance.random() >= TURNOUT:
            continue
        choice = 0 if chance.random() < LEAN[p.region] else 1
        final[p.number] = choice
        if chance.random() < CHALLENGE:
            first.append(_Cast(p.number, chance.randrange(2), True))
        if chance.random() < REVOTE:
            first.append(_Cast(p.number, 1 - choice, False))
            later.append(_Cast(p.number, choice, False))
        else:
            first.append(_Cast(p.number, choice, False))
    chance.shuffle(first)
    # A challenge comes before that voter's casts: stable-sort challenges to the front.
    first.sort(key=lambda c: not c.challenge)
    return first + later, final


def _batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _voting(
    run: _Run,
    election: Election,
    people: Sequence[_Voter],
    casts: Sequence[_Cast],
    witnesses: Sequence[BoardWitness],
    jobs: int,
) -> list[Receipt]:
    m = election.manifest
    key = election.state.public_key
    assert key is not None
    work = [
        (
            people[c.voter].codes,
            people[c.voter].region,
            c.choice,
            c.challenge,
            f"{run.seed}/ballot/{n}" if run.seed is not None else None,
        )
        for n, c in enumerate(casts)
    ]
    bar = Progress("casting", len(work))
    with (
        ProcessPoolExecutor(
            jobs, initializer=_init_device, initargs=(m.to_json(), key.to_bytes())
        ) as devices,
        ProcessPoolExecutor(
            jobs, initializer=init_worker, initargs=(m.to_json(), key.to_bytes())
        ) as server,
    ):
        board = _Casting(election, server, witnesses, bar, len(work))
        pending: list[_Made] = []
        for ballots in devices.map(_make_ballots, [list(b) for b in _batches(work, 32)]):
            pending += ballots
            if len(pending) >= _BATCH:
                board.submit(pending)
                pending = []
        board.submit(pending)
        board.drain()
    elapsed = bar.finish()
    counts = election.state.counts
    run.say(
        f"  voting: {counts.ballots:,} ballots cast and {counts.spoiled:,} challenged by"
        f" {len({c.voter for c in casts}):,} voters, each checked by the board before it was"
        f" appended ({len(work) / max(elapsed, 1e-9):,.0f} ballots/s, {elapsed:.1f} s)"
    )
    return board.receipts


_Made = tuple[str, dict[str, Any], bytes]  # (kind, payload, tracking hash) from a device


class _Casting:
    """The board's side of casting: checks run ahead in the pool while earlier batches
    are appended and receipted, so neither the workers nor the board wait for the other."""

    AHEAD = 2  # batches being checked while one is appended

    def __init__(
        self,
        election: Election,
        server: ProcessPoolExecutor,
        witnesses: Sequence[BoardWitness],
        bar: Progress,
        total: int,
    ) -> None:
        self.election, self.server, self.witnesses, self.bar = election, server, witnesses, bar
        self.quarter = max(1, total // 4)
        self.submitted = 0
        self.done = 0
        self.receipts: list[Receipt] = []
        self.inflight: deque[tuple[list[_Made], list[Future[list[PreChecked | str]]]]] = deque()

    def submit(self, ballots: list[_Made]) -> None:
        """Starts the checks of ballots; appends the oldest batch once enough are ahead."""
        if not ballots:
            return
        items = [
            (kind, payload, f"cast {self.submitted + n}")
            for n, (kind, payload, _) in enumerate(ballots)
        ]
        self.submitted += len(items)
        futures = [self.server.submit(check_batch, list(b)) for b in _batches(items, 32)]
        self.inflight.append((ballots, futures))
        while len(self.inflight) > self.AHEAD:
            self._accept(*self.inflight.popleft())

    def drain(self) -> None:
        while self.inflight:
            self._accept(*self.inflight.popleft())

    def _accept(self, ballots: list[_Made], futures: list[Future[list[PreChecked | str]]]) -> None:
        """Appends a checked batch and hands out (and checks) each voter's receipt."""
        election = self.election
        checked = [r for f in futures for r in f.result()]
        accepted: list[tuple[str, Any, PreChecked | None]] = []
        for (kind, payload, _), result in zip(ballots, checked, strict=True):
            if isinstance(result, str):
                raise DemoError(f"the board refused a simulated ballot: {result}")
            accepted.append((kind, payload, result))
        entries = election.post_many(accepted)
        signed = election.signed_checkpoint()
        text = signed.to_text()
        for entry, (kind, payload, h) in zip(entries, ballots, strict=True):
            proof = election.log.inclusion_proof(entry.index, signed.checkpoint.size)
            receipt = Receipt(tracking_code(h), h, entry.index, text, tuple(proof))
            # The voter's device checks the receipt: this ballot is in the tree the board signed.
            check_receipt(election.manifest, kind, payload, receipt)
            self.receipts.append(receipt)
        self.bar.advance(len(ballots))
        before, self.done = self.done, self.done + len(ballots)
        if before // self.quarter != self.done // self.quarter:
            cosign_now(election, self.witnesses)


def cosign_now(
    election: Election, witnesses: Sequence[BoardWitness], *, refresh: bool = False
) -> None:
    """Has each witness co-sign the board's checkpoint now, from the one it co-signed last
    (refresh: again at now if the board is unchanged, section 7.6.1)."""
    current = election.signed_checkpoint()
    # The co-signature's time is the demo's clock: the verifier holds the voting period
    # to the witnessed times (section 15), and the demo's clock runs inside it.
    now = int(election.clock().timestamp())
    for w in witnesses:
        latest = w.latest
        proof: list[bytes] = []
        if latest is not None and 0 < latest.checkpoint.size < current.checkpoint.size:
            proof = election.log.consistency_proof(latest.checkpoint.size, current.checkpoint.size)
        election.add_cosigned(w.cosign(current, proof, now=now, refresh=refresh))


def _count(
    run: _Run,
    election: Election,
    states: Sequence[TrusteeState],
    keys: Sequence[TrusteeKeys],
    witnesses: Sequence[BoardWitness],
) -> None:
    t0 = time.monotonic()
    election.close_voting()
    cosign_now(election, witnesses)  # trustees decrypt only a tally the witnesses have seen
    m = election.manifest
    board = election.state.tally_state
    assert board is not None
    late = TrusteeState.new(m, keys[ABSENT_CEREMONY - 1], run.sub_rng("late-trustee"))
    present = sorted([s for s in states if s.index != ABSENT] + [late], key=lambda s: s.index)
    for s in present:
        # The trustee absent from the ceremony opens its shares from the board now (11.9).
        finals = s.final_shares_from(m, election.state.ceremony)
        message = decryption_message(
            m,
            s.index,
            finals,
            keys[s.index - 1].signing,
            election.state.tallies,
            run.sub_rng(f"decrypt/{s.index}"),
            board=board,
        )
        election.post("decryption", message)
    election.publish_results()
    results = election.state.results
    assert results is not None
    run.step(
        f"count: voting closed, encrypted totals posted per oblast; trustees"
        f" {', '.join(str(s.index) for s in present)} posted decryption shares (trustee"
        f" {ABSENT} stayed away; trustee {ABSENT_CEREMONY}, absent from the ceremony, took its"
        f" shares from the board); results from trustees {list(results.trustees)}",
        t0,
    )


def run_demo(
    voters: int = 10_000,
    seed: str | None = None,
    record: str | None = None,
    store_url: str | None = None,
    jobs: int | None = None,
    out: TextIO | None = None,
) -> int:
    """Runs the demo referendum; gives back 0 when the verifier confirms the simulated votes."""
    stream = out or sys.stdout
    if voters < len(REGIONS):
        raise DemoError(f"--voters must be at least {len(REGIONS)} (one per oblast)")
    if jobs is not None and jobs < 1:
        raise DemoError("--jobs must be at least 1")
    if store_url is not None and not store_url.startswith(("postgresql://", "postgres://")):
        raise DemoError("--store takes a postgresql:// URL (SQLite is the default)")
    import os

    jobs = jobs or os.cpu_count() or 1
    run = _Run(stream, seed)
    base = Path(tempfile.mkdtemp(prefix="referendum-demo-"))
    record_dir = Path(record) if record else base / "record"
    if record_dir.exists() and any(record_dir.iterdir()):
        raise DemoError(f"--record {record_dir} exists and is not empty")
    run.say(f"referendum demo: {voters:,} voters in four oblasts; work folder {base}")

    trustee_keys = [
        TrusteeKeys.generate(run.sub_rng(f"trustee-keys/{i}")) for i in range(1, len(TRUSTEES) + 1)
    ]
    registrars = [Ed25519Key.generate(run.sub_rng(f"registrar/{rid}")) for rid, _ in REGISTRARS]
    witness_keys = [
        SigningKey.generate(name, WITNESS_KEY, run.sub_rng(name))
        for name in ("observer-osce", "observer-un")
    ]
    t0 = time.monotonic()
    text = _manifest_text(run, trustee_keys, registrars, witness_keys)
    try:
        election = Election.create(
            base / "election", text, store=store_url, rng=run.sub_rng("board")
        )
    except StoreUnavailableError as exc:
        raise DemoError(f"cannot reach the store: {exc}") from None
    with election:
        m = election.manifest
        # Simulated time: the demo votes an hour after the manifest's opening and closes
        # the vote a second after its closing time (the board enforces the period).
        opens = dt.datetime.strptime(m.opens, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        closes = dt.datetime.strptime(m.closes, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        # The ceremony starts a day before its first deadline.
        first = dt.datetime.strptime(m.deadlines["commitment"], "%Y-%m-%dT%H:%M:%SZ")
        now = [first.replace(tzinfo=dt.UTC) - dt.timedelta(days=1)]
        election.clock = lambda: now[0]

        def set_clock(at: dt.datetime) -> None:
            now[0] = at

        where = store_url or f"SQLite file {base / 'election' / 'board.sqlite'}"
        run.step(f"board created: log {m.id} on {where}; fingerprint {m.fingerprint.hex()}", t0)
        witnesses = [BoardWitness(k, m.board_key) for k in witness_keys]
        close = close_at_deadline(election, witnesses, set_clock)
        states = _ceremony(run, election, trustee_keys, close)
        people = _credentials(run, election, registrars, voters)
        now[0] = opens + dt.timedelta(hours=1)
        cosign_now(election, witnesses)
        election.open_voting()
        casts, final = _plan(run, people)
        receipts = _voting(run, election, people, casts, witnesses, jobs)
        now[0] = closes + dt.timedelta(seconds=1)
        _count(run, election, states, trustee_keys, witnesses)
        cosign_now(election, witnesses)
        t0 = time.monotonic()
        election.export(record_dir)
        run.step(f"election record written to {record_dir} ({election.log.size():,} entries)", t0)
        run.say(f"  {len(receipts):,} receipts checked by their voters against signed checkpoints")

    t0 = time.monotonic()
    report = verify_record(record_dir, fingerprint=m.fingerprint, jobs=jobs)
    run.step(f"independent verifier: all checks pass on {report.entries:,} entries", t0)
    results = report.results
    assert results is not None
    from referendum.commands import _print_results

    run.say("")
    run.say(m.title["en"])
    _print_results(m, results, stream)
    expected: dict[str, list[int]] = {r.id: [0, 0] for r in m.regions}
    for number, choice in final.items():
        expected[people[number].region][choice] += 1
    got = {r: list(results.counts[r]["status"]) for r in expected}
    run.say("")
    if got != expected:
        run.say(f"MISMATCH: decrypted {got}, simulated {expected}")
        return 1
    run.say(
        f"The verified counts equal the simulated votes (last ballot per voter, challenges"
        f" not counted). Record: {record_dir} — check it yourself with"
        f" `referendum verify {record_dir}`. Total {time.monotonic() - run.start:.1f} s."
    )
    return 0
