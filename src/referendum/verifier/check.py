"""verify_record: every check of docs/protocol.md section 15, in record order."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from referendum.board.checkpoint import SignedCheckpoint, parse_signed_checkpoint
from referendum.board.entry import Entry
from referendum.board.errors import BoardVerificationError, CheckpointFormatError, EncodingError
from referendum.board.merkle import CompactRange
from referendum.canonical import canonical_json, is_json_int
from referendum.errors import VerificationError
from referendum.manifest import Manifest, ManifestError
from referendum.progress import Progress
from referendum.record import RecordEntry, RecordFormatError, RecordReader
from referendum.replay import PreChecked, Replay
from referendum.tally import Results, results_payload
from referendum.verifier.lookup import Finding, Lookups
from referendum.verifier.period import PeriodError, VotingPeriod, Witnessed
from referendum.verifier.workers import check_in_pool, check_one, init_worker

__all__ = ["RecordCheckError", "Report", "verify_record"]

_CHUNK = 2048
_BATCH = 128


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
    qualified: tuple[int, ...] = ()
    disqualified: dict[int, str] = field(default_factory=dict)
    checkpoints: int = 0
    witnesses: tuple[str, ...] = ()
    rejected_shares: dict[int, str] = field(default_factory=dict)
    spoiled: list[dict[str, Any]] = field(default_factory=list)
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
            "qualified_trustees": list(self.qualified),
            "disqualified_trustees": {str(k): v for k, v in self.disqualified.items()},
            "checkpoints": self.checkpoints,
            "witnesses": list(self.witnesses),
            "rejected_decryption_shares": {str(k): v for k, v in self.rejected_shares.items()},
            "spoiled": self.spoiled,
            "lookups": [f.to_json() for f in self.findings],
            "results": None,
        }
        if self.results is not None and self.manifest is not None:
            out["results"] = results_payload(self.manifest, self.results)
        return out


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


def _checkpoints(
    reader: RecordReader, manifest: Manifest
) -> tuple[list[tuple[int, SignedCheckpoint]], set[str], list[Witnessed]]:
    witnesses = {w.key.name: w.key for w in manifest.witnesses}
    result = []
    cosigners: set[str] = set()
    witnessed: list[Witnessed] = []
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
        result.append((line, signed))
    if not result:
        raise _fail("checkpoints.jsonl: no signed checkpoint: the board is not attested")
    last = result[-1][1]
    for sig in last.signatures:
        key = witnesses.get(sig.name)
        if key is not None and key.key_id == sig.key_id:
            cosigners.add(sig.name)
    if len(cosigners) < manifest.witness_quorum:
        named = ", ".join(sorted(cosigners)) or "none"
        raise _fail(
            f"checkpoints.jsonl line {result[-1][0]}: the final checkpoint is co-signed by"
            f" {len(cosigners)} of the {manifest.witness_quorum} witnesses the manifest"
            f" requires ({named})"
        )
    return result, cosigners, witnessed


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
) -> Report:
    """Gives back the Report of a record that passes every check (section 15).

    codes are tracking codes to look up and receipts (where, JSON) voters' receipts to
    check against the record (section 15.3); the report's findings say what was found.
    Raises RecordFormatError (a file cannot be read) or RecordCheckError / another
    VerificationError naming the first failed check and where it is.
    """
    reader = RecordReader(folder)
    manifest, head = _manifest(reader, fingerprint)
    checkpoints, cosigners, witnessed = _checkpoints(reader, manifest)
    period = VotingPeriod(manifest, witnessed)
    roots_wanted = {signed.checkpoint.size: (line, signed) for line, signed in checkpoints}
    lookups = Lookups(manifest, codes, receipts)
    receipt_sizes = lookups.sizes()
    roots: dict[int, bytes] = {}
    report = Report(manifest.id, manifest.fingerprint.hex(), manifest=manifest)
    total = head.get("entries")
    bar = Progress("verifying", total if isinstance(total, int) else 0, enabled=progress)
    state = Replay(manifest)
    tree = state.tree
    if 0 in roots_wanted:  # a checkpoint of the empty board: its root is H("")
        _compare_root(tree, *roots_wanted[0])
    jobs = jobs or os.cpu_count() or 1
    pool: ProcessPoolExecutor | None = None
    try:
        for chunk in _chunks(reader.entries()):
            rest = chunk
            while rest:
                if pool is None and jobs > 1 and state.public_key is not None:
                    pool = _pool(manifest, state, jobs)
                prechecked = _precheck(manifest, state, rest, jobs, pool)
                keyed = state.public_key is not None
                done = 0
                for item in rest:
                    done += 1
                    leaf = _apply(manifest, state, item, prechecked.get(item.line))
                    try:
                        period.check(item.index, item.kind)
                    except PeriodError as exc:
                        raise _fail(f"board.jsonl line {item.line}: {exc}") from None
                    lookups.see(item.index, item.kind, item.payload, leaf)
                    if tree.size in roots_wanted:
                        _compare_root(tree, *roots_wanted[tree.size])
                    if tree.size in receipt_sizes:
                        roots[tree.size] = tree.root()
                    bar.advance()
                    if not keyed and state.public_key is not None:
                        break  # voting.open: check the ballots after it in parallel
                rest = rest[done:]
    finally:
        bar.finish()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    size = tree.size
    if size == 0:
        raise _fail("board.jsonl: the board is empty")
    last_line, last = checkpoints[-1]
    if last.checkpoint.size != size:
        raise _fail(
            f"checkpoints.jsonl line {last_line}: the last checkpoint covers"
            f" {last.checkpoint.size} entries, board.jsonl has {size}"
            " (entries were added or dropped)"
        )
    if not is_json_int(total) or total != size:
        raise _fail(f"record.json: says {total} entries, board.jsonl has {size}")
    _check_results_copy(reader, manifest, state)
    report.entries = size
    report.phase = state.phase
    report.counts = dict(state.counts.by_kind)
    if state.ceremony.complete:
        report.qualified = state.ceremony.qualified
        report.disqualified = dict(state.ceremony.disqualified)
    report.checkpoints = len(checkpoints)
    report.witnesses = tuple(sorted(cosigners))
    report.rejected_shares = dict(state.rejected_shares)
    report.spoiled = [
        {
            "index": s.index,
            "region": s.region,
            "tracking_hash": s.tracking_hash.hex(),
            "choices": {q: list(v) for q, v in s.choices.items()},
        }
        for s in state.spoiled
    ]
    report.results = state.results
    spoiled = {s.index: s.choices for s in state.spoiled}
    report.findings = lookups.finish(state.latest, roots, size, spoiled)
    return report


def _pool(manifest: Manifest, state: Replay, jobs: int) -> ProcessPoolExecutor:
    key = state.public_key
    if key is None:  # pragma: no cover - only called once the key is known
        raise RuntimeError("no election key yet")
    return ProcessPoolExecutor(
        max_workers=jobs, initializer=init_worker, initargs=(manifest.to_json(), key.to_bytes())
    )


def _where(item: RecordEntry) -> str:
    return f"board.jsonl line {item.line}: board entry {item.index} ({item.kind})"


def _precheck(
    manifest: Manifest,
    state: Replay,
    chunk: list[RecordEntry],
    jobs: int,
    pool: ProcessPoolExecutor | None,
) -> dict[int, PreChecked | str]:
    """Gives back line -> checked ballot (or failure message) for the chunk's ballots."""
    key = state.public_key
    if key is None:
        return {}
    todo = [e for e in chunk if e.kind in ("ballot", "spoiled")]
    if not todo:
        return {}
    if pool is None or jobs <= 1:
        return {e.line: check_one(manifest, key, e.kind, e.payload, _where(e)) for e in todo}
    results = check_in_pool(pool, [(e.kind, e.payload, _where(e)) for e in todo], _BATCH)
    return {e.line: r for e, r in zip(todo, results, strict=True)}


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


def _compare_root(tree: CompactRange, line: int, signed: SignedCheckpoint) -> None:
    if tree.root() != signed.checkpoint.root:
        raise _fail(
            f"checkpoints.jsonl line {line}: the board's first {signed.checkpoint.size} entries"
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
