"""verify_record: every check of docs/protocol.md section 15, in record order."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from referendum.board.checkpoint import SignedCheckpoint, parse_signed_checkpoint
from referendum.board.entry import Entry
from referendum.board.errors import BoardVerificationError, CheckpointFormatError, EncodingError
from referendum.board.merkle import CompactRange
from referendum.canonical import canonical_json, is_json_int
from referendum.derived import DiskIndex, MemoryIndex, SpillIndex
from referendum.errors import VerificationError
from referendum.group import Element
from referendum.manifest import Manifest, ManifestError
from referendum.progress import Progress
from referendum.record import RecordEntry, RecordFormatError, RecordReader
from referendum.replay import PREPARE, SETUP, VOTING, PreChecked, Replay, Spoiled
from referendum.tally import Results, results_payload
from referendum.verifier.lookup import Finding, Lookups
from referendum.verifier.period import PeriodError, VotingPeriod, Witnessed
from referendum.verifier.workers import Checked, Checker, LocalChecker

__all__ = ["SPOILED_SHOWN", "STATE_IN_MEMORY", "RecordCheckError", "Report", "verify_record"]

_CHUNK = 2048
_BATCH = 128
#: Entries read and sent to the workers ahead of the one the board rules are applied to,
#: so the workers check the next ballots while this process applies the last ones.
_AHEAD = 3 * _CHUNK
#: Rows of the derived state (roll keys, tracking hashes, last ballot per credential) kept
#: in memory before they move to a temporary SQLite file (state="auto"): about 30 MB.
STATE_IN_MEMORY = 100_000
#: Challenged ballots listed in the report with what they reveal; past it they are
#: counted (Report.spoiled_omitted), so a report stays small however many there are.
SPOILED_SHOWN = 10_000

State = Literal["auto", "memory", "disk"]


class RecordCheckError(VerificationError):
    """A check of the record failed; the message names the file, line and what."""


@dataclass
class Report:
    """What verify_record checked and found (everything in it has been verified)."""

    referendum: str
    fingerprint: str
    entries: int = 0
    phase: str = "setup"
    counts: dict[str, int] = field(default_factory=dict)
    #: clause -> QUAL_c, and (clause, dealer) -> why it is out (section 11.5).
    qualified: dict[int, tuple[int, ...]] = field(default_factory=dict)
    disqualified: dict[tuple[int, int], str] = field(default_factory=dict)
    #: step -> the board entry of the ceremony.close that ended it at its deadline.
    ceremony_closes: dict[str, int] = field(default_factory=dict)
    checkpoints: int = 0
    witnesses: tuple[str, ...] = ()
    rejected_shares: dict[int, str] = field(default_factory=dict)
    spoiled: list[dict[str, Any]] = field(default_factory=list)
    spoiled_omitted: int = 0  # challenged ballots past SPOILED_SHOWN, not listed
    findings: list[Finding] = field(default_factory=list)
    results: Results | None = None
    manifest: Manifest | None = None

    def to_json(self) -> dict[str, Any]:
        """Gives back the report as JSON (for --json)."""
        out: dict[str, Any] = {
            "ok": True,
            "referendum": self.referendum,
            "fingerprint": self.fingerprint,
            "entries": self.entries,
            "phase": self.phase,
            "counts": self.counts,
            "qualified_trustees": {str(c): list(q) for c, q in sorted(self.qualified.items())},
            "disqualified_trustees": [
                {"clause": c, "trustee": i, "reason": why}
                for (c, i), why in sorted(self.disqualified.items())
            ],
            "ceremony_closed_at_deadline": dict(self.ceremony_closes),
            "checkpoints": self.checkpoints,
            "witnesses": list(self.witnesses),
            "rejected_decryption_shares": {str(k): v for k, v in self.rejected_shares.items()},
            "spoiled": self.spoiled,
            **({"spoiled_omitted": self.spoiled_omitted} if self.spoiled_omitted else {}),
            "lookups": [f.to_json() for f in self.findings],
            "credentials": self.credentials(),
            "results": None,
            "decrypted_by": None,
        }
        if self.results is not None and self.manifest is not None:
            out["results"] = results_payload(self.manifest, self.results)
            out["decrypted_by"] = self.decrypted_by()
        return out

    def credentials(self) -> dict[str, Any] | None:
        """Gives back who issued the credentials (section 10.1): codes per voter, whether
        the manifest is a single-registrar rehearsal, and each region's co-issuers."""
        if self.manifest is None:
            return None
        m = self.manifest
        return {
            "codes_per_voter": m.codes_per_voter,
            "rehearsal": m.rehearsal,
            "co_issuers": {r.id: [g.id for g in m.co_issuers(r.id)] for r in m.regions},
        }

    def decrypted_by(self) -> dict[str, Any] | None:
        """Gives back who took part in the decryption (section 14.3), None before results:
        the trustees, and for every clause of the policy its rule and its quorum Q_c."""
        if self.results is None or self.manifest is None:
            return None
        clauses = self.manifest.policy.clauses
        return {
            "trustees": list(self.results.trustees),
            "clauses": [
                {
                    "clause": c.number,
                    "at_least": c.threshold,
                    "of": list(c.groups),
                    "members": list(c.members),
                    "trustees": list(quorum),
                }
                for c, quorum in zip(clauses, self.results.quorums, strict=True)
            ],
        }


def _fail(message: str) -> RecordCheckError:
    return RecordCheckError(message)


def _manifest(reader: RecordReader, pinned: bytes | None) -> tuple[Manifest, dict[str, Any]]:
    head = reader.head()
    try:
        manifest = Manifest.from_json(reader.manifest())
    except ManifestError as exc:
        raise _fail(f"manifest.json: {exc}") from None
    fp = manifest.fingerprint.hex()
    if head.get("fingerprint") != fp:
        raise _fail(
            f"record.json: fingerprint {head.get('fingerprint')} is not the manifest's {fp}"
            " (manifest.json was changed)"
        )
    if head.get("referendum") != manifest.id:
        raise _fail(f"record.json: referendum {head.get('referendum')!r} is not {manifest.id!r}")
    if pinned is not None and manifest.fingerprint != pinned:
        raise _fail(
            f"manifest.json: fingerprint {fp} is not the one you gave ({pinned.hex()}):"
            " this is another referendum, or its manifest was changed"
        )
    # Same values, other bytes: harmless in meaning, but a record has one byte form.
    if reader.raw("manifest.json") != manifest.canonical + b"\n":
        raise _fail("manifest.json: not in canonical form (section 8.1)")
    if reader.raw("record.json") != canonical_json(head) + b"\n":
        raise _fail("record.json: not in canonical form (section 8.1)")
    return manifest, head


@dataclass
class _Checkpoints:
    """What step 4 needs of checkpoints.jsonl: per size, the line and the signed root."""

    roots: dict[int, tuple[int, bytes]]
    count: int
    last_line: int
    last_size: int
    cosigners: set[str]
    witnessed: list[Witnessed]


def _checkpoints(reader: RecordReader, manifest: Manifest) -> _Checkpoints:
    witnesses = {w.key.name: w.key for w in manifest.witnesses}
    roots: dict[int, tuple[int, bytes]] = {}
    cosigners: set[str] = set()
    witnessed: list[Witnessed] = []
    last: tuple[int, SignedCheckpoint] | None = None
    previous = -1
    for line, text, raw in reader.checkpoints():
        where = f"checkpoints.jsonl line {line}"
        if raw != canonical_json({"checkpoint": text}):
            raise _fail(f"{where}: not in canonical form (section 8.1)")
        try:
            signed = parse_signed_checkpoint(text)
            signed.verify(manifest.board_key)
        except (CheckpointFormatError, BoardVerificationError) as exc:
            raise _fail(f"{where}: {exc}") from None
        c = signed.checkpoint
        if c.origin != manifest.id:
            raise _fail(f"{where}: checkpoint of log {c.origin!r}, not {manifest.id!r}")
        if c.size <= previous:
            raise _fail(f"{where}: checkpoints must grow in size ({c.size} after {previous})")
        previous = c.size
        for sig in signed.signatures:
            if sig.name == manifest.board_key.name and sig.key_id == manifest.board_key.key_id:
                continue
            key = witnesses.get(sig.name)
            if key is None or key.key_id != sig.key_id:
                continue  # section 7.4.2: lines by keys the verifier does not know are ignored
            try:
                signed.verify(key)
            except BoardVerificationError as exc:
                raise _fail(f"{where}: co-signature of witness {sig.name}: {exc}") from None
            if sig.timestamp is not None:  # verify() took only a timed co-signature
                witnessed.append(Witnessed(line, c.size, sig.name, sig.timestamp))
        roots[c.size] = (line, c.root)
        last = (line, signed)
    if last is None:
        raise _fail("checkpoints.jsonl: no signed checkpoint: the board is not attested")
    last_line, last_signed = last
    for sig in last_signed.signatures:
        key = witnesses.get(sig.name)
        if key is not None and key.key_id == sig.key_id:
            cosigners.add(sig.name)
    if len(cosigners) < manifest.witness_quorum:
        named = ", ".join(sorted(cosigners)) or "none"
        raise _fail(
            f"checkpoints.jsonl line {last_line}: the final checkpoint is co-signed by"
            f" {len(cosigners)} of the {manifest.witness_quorum} witnesses the manifest"
            f" requires ({named})"
        )
    size = last_signed.checkpoint.size
    return _Checkpoints(roots, len(roots), last_line, size, cosigners, witnessed)


def _chunks(entries: Iterator[RecordEntry]) -> Iterator[list[RecordEntry]]:
    """Gives back board.jsonl's entries in chunks of _CHUNK. A line that cannot be read
    ends the chunk before it: the entries above it are checked first, and its error is
    raised only then, so the first failure in file order is the one reported whatever
    the chunk size (docs/protocol.md 15.2)."""
    while True:
        chunk: list[RecordEntry] = []
        try:
            for item in entries:
                chunk.append(item)
                if len(chunk) == _CHUNK:
                    break
        except RecordFormatError:
            if chunk:
                yield chunk
            raise
        if not chunk:
            return
        yield chunk


def verify_record(
    folder: Path | str,
    *,
    fingerprint: bytes | None = None,
    jobs: int | None = None,
    progress: bool | None = None,
    codes: Sequence[str] = (),
    receipts: Sequence[tuple[str, Any]] = (),
    scheduler: str | None = None,
    local_cluster: int | None = None,
    state: State = "auto",
    state_dir: Path | str | None = None,
) -> Report:
    """Gives back the Report of a record that passes every check (section 15).

    codes are tracking codes to look up and receipts (where, JSON) voters' receipts to
    check against the record (section 15.3); the report's findings say what was found.
    Raises RecordFormatError (a file cannot be read) or RecordCheckError / another
    VerificationError naming the first failed check and where it is.

    Ballots are checked on a local pool of `jobs` processes (default: cores), or on the
    Dask cluster whose scheduler is at `scheduler`, or on a distributed.LocalCluster of
    `local_cluster` worker processes (0: cores) started here; the verdict and the messages
    are the same. The derived state that grows with the voters stays in memory up to
    STATE_IN_MEMORY rows, then moves to a temporary SQLite file in `state_dir` (default:
    the system's temporary folder), removed at the end; state="memory" or "disk" keeps
    it in one place from the start.
    """
    reader = RecordReader(folder)
    manifest, head = _manifest(reader, fingerprint)
    signed = _checkpoints(reader, manifest)
    period = VotingPeriod(manifest, signed.witnessed)
    roots_wanted = signed.roots
    lookups = Lookups(manifest, codes, receipts)
    receipt_sizes = lookups.sizes()
    roots: dict[int, bytes] = {}
    report = Report(manifest.id, manifest.fingerprint.hex(), manifest=manifest)
    total = head.get("entries")
    bar = Progress("verifying", total if isinstance(total, int) else 0, enabled=progress)
    index = _state_index(state, state_dir)
    state_ = Replay(manifest, index=index, keep_spoiled=False)
    tree = state_.tree
    if 0 in roots_wanted:  # a checkpoint of the empty board: its root is H("")
        _compare_root(tree, 0, *roots_wanted[0])
    spoiled: list[dict[str, Any]] = []
    found_spoiled: dict[int, dict[str, tuple[int, ...]]] = {}
    checker: Checker | None = None
    ahead = _Ahead(reader.entries())
    try:
        try:
            while True:
                ahead.fill()
                if not ahead.queue:
                    break
                item, checked = ahead.queue.popleft()
                keyed = state_.public_key is not None
                prechecked = checked.get() if checked is not None else None
                leaf = _apply(manifest, state_, item, prechecked)
                try:
                    period.check(item.index, item.kind)
                except PeriodError as exc:
                    raise _fail(f"board.jsonl line {item.line}: {exc}") from None
                noted = lookups.see(item.index, item.kind, item.payload, leaf)
                if item.kind == "spoiled" and isinstance(prechecked, tuple):
                    ballot, choices = prechecked
                    if noted:
                        found_spoiled[item.index] = choices
                    if len(spoiled) < SPOILED_SHOWN:
                        s = Spoiled(item.index, ballot.region, ballot.tracking_hash, choices)
                        spoiled.append(_spoiled_json(s))
                    else:
                        report.spoiled_omitted += 1
                if tree.size in roots_wanted:
                    _compare_root(tree, tree.size, *roots_wanted[tree.size])
                if tree.size in receipt_sizes:
                    roots[tree.size] = tree.root()
                bar.advance()
                if not keyed and state_.public_key is not None:
                    # voting.open: from here on the workers check the ballots read ahead.
                    checker = _checker(manifest, state_.public_key, jobs, scheduler, local_cluster)
                    ahead.start(checker)
            ahead.raise_held()
        finally:
            bar.finish()
            ahead.stop()
            if checker is not None:
                checker.close()
        return _finish(
            report, reader, state_, signed, total, spoiled, lookups, roots, found_spoiled
        )
    finally:
        if not isinstance(index, MemoryIndex):
            index.close()


def _finish(
    report: Report,
    reader: RecordReader,
    state: Replay,
    signed: _Checkpoints,
    total: Any,
    spoiled: list[dict[str, Any]],
    lookups: Lookups,
    roots: dict[int, bytes],
    found_spoiled: dict[int, dict[str, tuple[int, ...]]],
) -> Report:
    """Steps 5 and 6 and the report, once every entry has passed step 4."""
    size = state.tree.size
    if size == 0:
        raise _fail("board.jsonl: the board is empty")
    if signed.last_size != size:
        raise _fail(
            f"checkpoints.jsonl line {signed.last_line}: the last checkpoint covers"
            f" {signed.last_size} entries, board.jsonl has {size}"
            " (entries were added or dropped)"
        )
    if not is_json_int(total) or total != size:
        raise _fail(f"record.json: says {total} entries, board.jsonl has {size}")
    _check_results_copy(reader, state.manifest, state)
    report.entries = size
    report.phase = state.phase
    report.counts = dict(state.counts.by_kind)
    if state.ceremony.closed("reveal"):
        report.qualified = state.ceremony.qualified
        report.disqualified = state.ceremony.disqualified
    report.ceremony_closes = state.ceremony.closed_by()
    report.checkpoints = signed.count
    report.witnesses = tuple(sorted(signed.cosigners))
    report.rejected_shares = dict(state.rejected_shares)
    report.spoiled = spoiled
    report.results = state.results
    closed = state.phase not in (SETUP, PREPARE, VOTING)
    report.findings = lookups.finish(state.latest, roots, size, found_spoiled, closed=closed)
    return report


def _spoiled_json(s: Spoiled) -> dict[str, Any]:
    return {
        "index": s.index,
        "region": s.region,
        "tracking_hash": s.tracking_hash.hex(),
        "choices": {q: list(v) for q, v in s.choices.items()},
    }


def _state_index(state: State, folder: Path | str | None) -> MemoryIndex | SpillIndex | DiskIndex:
    if state == "memory":
        return MemoryIndex()
    if state == "disk":
        return DiskIndex(folder)
    if state == "auto":
        return SpillIndex(STATE_IN_MEMORY, folder)
    raise ValueError(f"state must be auto, memory or disk, not {state!r}")


def _checker(
    manifest: Manifest,
    key: Element,
    jobs: int | None,
    scheduler: str | None,
    local_cluster: int | None,
) -> Checker:
    if scheduler is not None or local_cluster is not None:
        from referendum.verifier.cluster import ClusterChecker  # loads distributed

        return ClusterChecker(manifest, key, scheduler=scheduler, workers=local_cluster or None)
    return LocalChecker(manifest, key, jobs or os.cpu_count() or 1)


class _Result:
    """One ballot's place in a batch sent to the workers."""

    __slots__ = ("batch", "position")

    def __init__(self, batch: _Batch, position: int) -> None:
        self.batch, self.position = batch, position

    def get(self) -> PreChecked | str:
        return self.batch.get(self.position)


class _Batch:
    __slots__ = ("future", "results")

    def __init__(self, future: Checked) -> None:
        self.future = future
        self.results: list[PreChecked | str] | None = None

    def get(self, position: int) -> PreChecked | str:
        if self.results is None:
            self.results = self.future.result()
        return self.results[position]


class _Ahead:
    """board.jsonl's entries read ahead of the one being applied, each with its ballot
    check under way once a checker is started (at voting.open).

    A line that cannot be read is held back (raise_held) until every entry above it has
    been applied, so the first failure in file order is the one reported whatever the
    read-ahead (docs/protocol.md 15.2).
    """

    def __init__(self, entries: Iterator[RecordEntry]) -> None:
        self.queue: deque[tuple[RecordEntry, _Result | None]] = deque()
        self._chunks = _chunks(entries)
        self._checker: Checker | None = None
        self._held: RecordFormatError | None = None
        self._read_all = False

    def fill(self) -> None:
        """Reads chunks until _AHEAD entries wait (or the file ends)."""
        while not self._read_all and len(self.queue) < _AHEAD:
            try:
                chunk = next(self._chunks)
            except StopIteration:
                self._read_all = True
                return
            except RecordFormatError as exc:
                self._held = exc
                self._read_all = True
                return
            self._send([(item, None) for item in chunk])

    def start(self, checker: Checker) -> None:
        """Sends the ballots already read to checker, and every later one."""
        self._checker = checker
        waiting = list(self.queue)
        self.queue.clear()
        self._send(waiting)

    def _send(self, items: list[tuple[RecordEntry, _Result | None]]) -> None:
        if self._checker is None:
            self.queue.extend(items)
            return
        todo: list[tuple[str, Any, str]] = []
        places: list[int] = []
        for n, (item, result) in enumerate(items):
            if result is None and item.kind in ("ballot", "spoiled"):
                todo.append((item.kind, item.payload, _where(item)))
                places.append(n)
        out: list[tuple[RecordEntry, _Result | None]] = list(items)
        for start in range(0, len(todo), _BATCH):
            batch = _Batch(self._checker.submit(todo[start : start + _BATCH]))
            for position, n in enumerate(places[start : start + _BATCH]):
                out[n] = (items[n][0], _Result(batch, position))
        self.queue.extend(out)

    def raise_held(self) -> None:
        """Raises the unreadable line's error, if there was one (all above it applied)."""
        if self._held is not None:
            raise self._held

    def stop(self) -> None:
        """Drops what is read ahead (after a failure, the workers' batches with it)."""
        self.queue.clear()


def _where(item: RecordEntry) -> str:
    return f"board.jsonl line {item.line}: board entry {item.index} ({item.kind})"


def _apply(
    manifest: Manifest,
    state: Replay,
    item: RecordEntry,
    prechecked: PreChecked | str | None,
) -> bytes:
    where = _where(item)
    if item.index != state.size:
        raise _fail(
            f"{where}: index {item.index}, expected {state.size}"
            " (entries are missing, added or out of order)"
        )
    if isinstance(prechecked, str):
        raise _fail(prechecked)
    try:
        payload = canonical_json(item.payload)
        leaf = Entry(manifest.id, item.index, item.kind, payload).leaf_hash()
    except (ValueError, EncodingError) as exc:
        raise _fail(f"{where}: {exc}") from None
    line = b'{"index":%d,"kind":%s,"payload":%s}' % (item.index, canonical_json(item.kind), payload)
    if item.raw != line:
        raise _fail(f"{where}: the line is not in canonical form (section 8.1)")
    try:
        state.apply(item.index, item.kind, item.payload, prechecked=prechecked, leaf=leaf)
    except VerificationError as exc:
        message = str(exc)
        if not message.startswith("board.jsonl"):
            message = f"board.jsonl line {item.line}: {message}"
        raise _fail(message) from None
    return leaf


def _compare_root(tree: CompactRange, size: int, line: int, root: bytes) -> None:
    if tree.root() != root:
        raise _fail(
            f"checkpoints.jsonl line {line}: the board's first {size} entries"
            " do not hash to the signed root: an entry was altered, added, dropped or reordered"
        )


def _check_results_copy(reader: RecordReader, manifest: Manifest, state: Replay) -> None:
    copy = reader.results()
    if state.results is None:
        if copy is not None:
            raise _fail("results.json: the board has no results entry")
        return
    expected = state.results_posted
    if copy is None:
        raise _fail("results.json: missing, but the board has results")
    if reader.raw("results.json") != canonical_json(expected) + b"\n":
        raise _fail("results.json: differs from the results entry on the board")
