"""The board operator's side of a referendum: its folder, its board and what it accepts.

One folder holds what the operator keeps: election.json (where the board is stored),
board-key.json (the board's signing key; never leaves the folder) and manifest.json. The
board itself is a Log in a SQLite file in the folder or in PostgreSQL, with its derived
state and the checkpoints witnesses co-signed. Every entry goes through Replay.apply first
(docs/protocol.md section 13), so nothing that breaks a rule is ever appended.

Commands that change the board hold an exclusive lock on the folder and the board's
writer lock (LogStore.writer_lock), so two operator commands or server workers never
interleave their appends, whichever folder or machine they run from.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from itertools import islice, zip_longest
from pathlib import Path
from typing import Any

from referendum.ballot import tracking_code, tracking_range
from referendum.board import (
    BOARD_KEY,
    Entry,
    Log,
    LogNotFoundError,
    LogStore,
    SignedCheckpoint,
    SigningKey,
    StateOutOfStepError,
    StoreError,
    parse_signed_checkpoint,
)
from referendum.board.store import StateUpdate
from referendum.canonical import canonical_json, parse_json
from referendum.ceremony import KIND_CLOSE as CEREMONY_CLOSE
from referendum.derived import (
    COSIGNED,
    DERIVED_SPACES,
    FRESH,
    SpillIndex,
    StoreIndex,
    pack_index,
)
from referendum.errors import VerificationError
from referendum.group import RandomSource, system_random
from referendum.manifest import CEREMONY_STEPS, Manifest, load_manifest_toml
from referendum.progress import Progress
from referendum.receipt import Receipt
from referendum.record import write_record
from referendum.replay import BoardRuleError, PreChecked, Replay
from referendum.tally import results_payload, tally_payload
from referendum.verifier.workers import check_in_pool, init_worker

__all__ = ["Election", "ElectionError", "Receipt"]

FORMAT = "referendum-election/1"
SQLITE_FILE = "board.sqlite"


class ElectionError(ValueError):
    """An operator command cannot run: the folder, the store or the phase is wrong."""


_RELOAD_BATCH = 2048
#: Rows the full re-check (Election.open(check=True)) keeps in memory before it moves
#: them to a temporary file of its own (derived.SpillIndex).
_CHECK_IN_MEMORY = 100_000


def _prechecked(
    pool: ProcessPoolExecutor, batch: Sequence[tuple[Entry, Any]]
) -> dict[int, PreChecked | str]:
    """Gives back index -> checked ballot (or failure message) for the batch's ballots."""
    todo = [
        (e.kind, payload, f"board entry {e.index} ({e.kind})")
        for e, payload in batch
        if e.kind in ("ballot", "spoiled")
    ]
    indexes = [e.index for e, _ in batch if e.kind in ("ballot", "spoiled")]
    return dict(zip(indexes, check_in_pool(pool, todo), strict=True))


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _parse_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def _show(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _open_store(url: str, folder: Path, *, create: bool = False) -> LogStore:
    if url.startswith(("postgresql://", "postgres://")):
        from referendum.board import PostgresStore

        return PostgresStore(url)
    if "://" in url:
        raise ElectionError(f"store {url}: want a postgresql:// URL or a SQLite file name")
    from referendum.board import SqliteStore

    path = folder / url if not os.path.isabs(url) else Path(url)
    # Opening a missing SQLite file would make an empty board: only `init` may do that.
    if not create and not path.is_file():
        raise ElectionError(f"{folder}/election.json: store {url}: no such board database")
    return SqliteStore(path)


def _text(value: Any, name: str, where: str) -> str:
    if not isinstance(value, dict) or not isinstance(value.get(name), str):
        raise ElectionError(f"{where}: {name}: want text")
    text: str = value[name]
    return text


def _board_key(value: Any, where: str) -> SigningKey:
    name, seed = _text(value, "name", where), _text(value, "seed", where)
    if len(seed) != 64 or not all(c in "0123456789abcdef" for c in seed):
        raise ElectionError(f"{where}: seed: want 64 hex digits")
    try:
        return SigningKey(name, BOARD_KEY, bytes.fromhex(seed))
    except ValueError as exc:
        raise ElectionError(f"{where}: {exc}") from None


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


class Election:
    """An open referendum board; use create() or open(), then close() (or `with`)."""

    def __init__(self, folder: Path, manifest: Manifest, key: SigningKey, store: LogStore) -> None:
        self.folder = folder
        self.manifest = manifest
        self.key = key
        self.store = store
        self.log = Log(store, manifest.id, create=False)
        #: The derived state's maps, in the store; rows of entries not yet committed wait
        #: in it until the append's transaction writes them (section 7.5.5).
        self.index = StoreIndex(store, manifest.id)
        self.state = Replay(manifest, index=self.index, keep_spoiled=False)
        #: The state may differ from the stored one (an append failed and the stored
        #: state could not be read back): refresh reads it again.
        self._stale = False
        #: The operator's clock, for the manifest's voting period (section 13.5); the demo
        #: and tests put a simulated one here.
        self.clock: Callable[[], dt.datetime] = _utc_now

    # -- lifecycle ---------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        folder: Path,
        manifest_toml: str,
        *,
        store: str | None = None,
        rng: RandomSource = system_random,
    ) -> Election:
        """Gives back a new referendum: folder made, board key drawn, manifest posted (13.1)."""
        folder = Path(folder)
        if folder.exists() and any(folder.iterdir()):
            raise ElectionError(f"{folder} already exists and is not empty")
        key = SigningKey.generate("referendum-board", BOARD_KEY, rng)
        manifest = load_manifest_toml(manifest_toml, key.verifier())
        url = store or SQLITE_FILE
        made = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        try:
            board = _open_store(url, folder, create=True)
            try:
                board.size(manifest.id)
            except LogNotFoundError:
                pass
            else:
                board.close()
                raise ElectionError(f"the store already has a board for referendum {manifest.id}")
        except BaseException:
            if made:  # a refused store leaves no folder behind
                shutil.rmtree(folder, ignore_errors=True)
            raise
        _write_private(
            folder / "board-key.json",
            json.dumps({"name": key.name, "seed": key.seed.hex()}).encode(),
        )
        (folder / "manifest.json").write_bytes(manifest.canonical + b"\n")
        # Private: a PostgreSQL URL may carry a password.
        _write_private(
            folder / "election.json",
            (
                json.dumps({"format": FORMAT, "store": url, "referendum": manifest.id}) + "\n"
            ).encode(),
        )
        board.create_log(manifest.id)
        election = cls(folder, manifest, key, board)
        election.post("manifest", manifest.to_json())
        return election

    @classmethod
    def open(cls, folder: Path, *, check: bool = False) -> Election:
        """Gives back the referendum kept in folder, its state read from the store.

        The state is the one committed with the last append (section 7.5.5): opening
        costs the same whatever the board's size. A board whose store holds no state yet
        (or an older one) has it built once, here. check=True also re-checks every entry
        in full (every signature and proof) and that the stored state is what they give,
        as a party who does not trust the operator's store must before acting on it.
        """
        folder = Path(folder)
        try:
            config = parse_json((folder / "election.json").read_bytes(), "election.json")
            key_json = parse_json((folder / "board-key.json").read_bytes(), "board-key.json")
            manifest = Manifest.from_json(
                parse_json((folder / "manifest.json").read_bytes(), "manifest.json")
            )
            key = _board_key(key_json, f"{folder}/board-key.json")
        except FileNotFoundError as exc:
            raise ElectionError(f"{folder} is not a referendum folder ({exc.filename})") from None
        except ElectionError:
            raise
        except (ValueError, KeyError, TypeError) as exc:
            raise ElectionError(f"{folder}: cannot read the referendum folder: {exc}") from None
        if not isinstance(config, dict) or config.get("format") != FORMAT:
            raise ElectionError(f"{folder}/election.json: format is not {FORMAT}")
        url = _text(config, "store", f"{folder}/election.json")
        if config.get("referendum") != manifest.id:
            raise ElectionError(
                f"{folder}/election.json: referendum is not {manifest.id!r} (manifest.json's id)"
            )
        if key.verifier() != manifest.board_key:
            raise ElectionError(f"{folder}: board-key.json is not the manifest's board key")
        store = _open_store(url, folder)
        try:
            election = cls(folder, manifest, key, store)
        except LogNotFoundError:
            store.close()
            raise ElectionError(
                f"{folder}: the store {url} has no board for referendum {manifest.id}"
            ) from None
        try:
            election._load()
            if check:
                election._check_all()
        except BaseException:
            election.close()
            raise
        return election

    @classmethod
    @contextmanager
    def locked(cls, folder: Path, *, check: bool = False) -> Iterator[Election]:
        """Gives back the opened referendum (see open) while holding the folder's lock and
        the board's writer lock (see exclusive)."""
        folder = Path(folder)
        if not (folder / "election.json").is_file():
            raise ElectionError(f"{folder} is not a referendum folder (no election.json)")
        with open(folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            election = cls.open(folder, check=check)
            try:
                with election.store.writer_lock(election.manifest.id):
                    # What another machine appended while this one was opening the board.
                    election.refresh()
                    yield election
            finally:
                election.close()

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Election:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- posting -----------------------------------------------------------------------------

    def post(self, kind: str, payload: Any, *, prechecked: PreChecked | None = None) -> Entry:
        """Gives back the appended entry once the rules accept it (section 13)."""
        return self.post_many([(kind, payload, prechecked)])[0]

    def post_many(self, items: Sequence[tuple[str, Any, PreChecked | None]]) -> list[Entry]:
        """Gives back the entries of items, appended in one transaction once all are accepted.

        The derived state after them is written in the same transaction. An item the rules
        reject raises before anything is appended; the state goes back to the stored one.
        """
        if any(kind in ("ballot", "spoiled") for kind, _, _ in items):
            self.check_voting_period()
        start = self.state.size
        encoded = []
        try:
            for offset, (kind, payload, prechecked) in enumerate(items):
                data = canonical_json(payload)
                leaf = Entry(self.manifest.id, start + offset, kind, data).leaf_hash()
                self.state.apply(start + offset, kind, payload, prechecked=prechecked, leaf=leaf)
                encoded.append((kind, data))
            update = self._update(start)
            entries = self.log.append_many(encoded, update)
        except BaseException:
            self.index.clear()
            # Back to the stored state, rebuilt from scratch: nothing of the refused items
            # (the ceremony objects they touched included) may be reused. No lock is taken
            # here: the caller may hold the writer lock already.
            self.state = Replay(self.manifest, index=self.index, keep_spoiled=False)
            try:
                stored = self.store.load_state(self.manifest.id)
                if stored is None:
                    self._stale = True
                else:
                    self.state = self._restore(stored[1])
            except (StoreError, ElectionError, ValueError):
                self._stale = True  # the next refresh reads the stored state again
            raise
        self.index.clear()
        return entries

    def _update(self, base: int) -> StateUpdate:
        """Gives back the state change since base: the snapshot and the pending rows."""
        return StateUpdate(
            base, self.state.size, canonical_json(self.state.snapshot()), self.index.pending()
        )

    def refresh(self) -> int:
        """Gives back how many entries others appended since, now in the state.

        Other processes (operator commands, other server workers) append to the same
        board under the writer lock, each committing the state with its entries; one
        query reads the stored state, which replaces this one when it is newer.
        """
        try:
            stored = self.store.load_state(self.manifest.id)
        except StateOutOfStepError as exc:
            raise ElectionError(f"{exc}; restart the server") from None
        size = 0 if stored is None else stored[0]
        start = self.state.size
        if self._stale and stored is not None:
            self.state = Replay(self.manifest, index=self.index, keep_spoiled=False)
            self.state = self._restore(stored[1])
            self._stale = False
            return size - start
        if size < start:
            raise ElectionError(
                f"the board's state has {size} entries, fewer than the {start} already read:"
                " it was rolled back (restored from a backup?); restart the server"
            )
        if size == start or stored is None:
            return 0
        self.state = self._restore(stored[1])
        return size - start

    def _restore(self, snapshot: bytes) -> Replay:
        def read(indexes: Sequence[int]) -> list[tuple[int, str, Any]]:
            out = []
            for i in indexes:
                entry = self.log.entry(i)
                out.append((i, entry.kind, parse_json(entry.payload, f"board entry {i}")))
            return out

        return Replay.restore(
            self.manifest,
            parse_json(snapshot, "the board's state"),
            read,
            index=self.index,
            previous=self.state,
        )

    def _load(self) -> None:
        """Reads the stored state; builds it first (once) where the store has none yet or
        the log is ahead of it (a board written before states were kept)."""
        stored = self.store.load_state(self.manifest.id)
        if stored is not None and stored[0] == self.log.size():
            self.state = self._restore(stored[1])
            return
        with self.store.writer_lock(self.manifest.id):
            stored = self.store.load_state(self.manifest.id)
            self.state = Replay(self.manifest, index=self.index, keep_spoiled=False)
            if stored is not None:
                self.state = self._restore(stored[1])
            self._catch_up()

    def _catch_up(self) -> None:
        """Applies the entries after the state's size (read as stored: each was checked
        when it was appended), committing the state every batch."""
        size = self.log.size()
        if size == self.state.size:
            return
        bar = Progress("indexing board", size - self.state.size)
        self.state.trusted = True
        try:
            entries = self.log.entries(self.state.size, size)
            while batch := list(islice(entries, _RELOAD_BATCH)):
                base = self.state.size
                for entry in batch:
                    payload = parse_json(entry.payload)
                    self.state.apply(entry.index, entry.kind, payload, leaf=entry.leaf_hash())
                    bar.advance()
                self.store.save_state(self.manifest.id, self._update(base))
                self.index.clear()
        finally:
            self.state.trusted = False
            bar.finish()

    @contextmanager
    def exclusive(self) -> Iterator[Election]:
        """Gives back self while holding the folder's lock and the board's writer lock, its
        state brought up to date.

        The same locks as Election.locked, so operator commands and every server worker
        take turns appending: on this folder (the folder's lock), and on this board from
        any folder or machine (the store's writer lock, LogStore.writer_lock).
        """
        with open(self.folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            with self.store.writer_lock(self.manifest.id):
                self.refresh()
                yield self

    def find_tracking(self, code: str | bytes) -> int | None:
        """Gives back the index of the ballot or spoiled entry with this tracking hash
        (32 bytes) or typed tracking code (text, normalized as in section 12.4), or None.

        ValueError for a malformed code.
        """
        if isinstance(code, bytes):
            return self.state.tracking_index(code)
        low, high = tracking_range(code)
        return self.state.tracking_prefix(low, high)

    def _check_all(self) -> None:
        """Re-checks every entry in full, in a pool of worker processes as the verifier
        does, and that the stored state is the one they give (BoardRuleError if not)."""
        rows = SpillIndex(_CHECK_IN_MEMORY)  # bounded memory at any board size
        try:
            self._check_rows(rows)
        finally:
            rows.close()

    def _check_rows(self, rows: SpillIndex) -> None:
        state = Replay(self.manifest, index=rows, keep_spoiled=False)
        size = self.state.size
        bar = Progress("checking board", size)
        pool: ProcessPoolExecutor | None = None
        try:
            entries = self.log.entries(0, size)
            while batch := [(e, parse_json(e.payload)) for e in islice(entries, _RELOAD_BATCH)]:
                rest = batch
                while rest:
                    if pool is None and state.public_key is not None:
                        pool = ProcessPoolExecutor(
                            initializer=init_worker,
                            initargs=(self.manifest.to_json(), state.public_key.to_bytes()),
                        )
                    checked = _prechecked(pool, rest) if pool is not None else {}
                    keyed = state.public_key is not None
                    done = 0
                    for entry, payload in rest:
                        done += 1
                        result = checked.get(entry.index)
                        if isinstance(result, str):
                            raise BoardRuleError(result)
                        state.apply(entry.index, entry.kind, payload, prechecked=result)
                        bar.advance()
                        if not keyed and state.public_key is not None:
                            break  # voting.open: check the ballots after it in the pool
                    rest = rest[done:]
        finally:
            bar.finish()
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        altered = BoardRuleError(
            f"the operator's stored state of the board's {size} entries is not what the"
            " entries give: the store was altered"
        )
        if state.snapshot() != self.state.snapshot():
            raise altered
        # The stored rows must be exactly the rows the entries give (section 7.5.5): both
        # read in key order side by side, so a row added to the store is found too.
        for space in DERIVED_SPACES:
            given = rows.scan(space)
            stored = self.store.index_scan(self.manifest.id, space)
            for want, got in zip_longest(given, stored):
                if want != got:
                    raise altered

    def receipt(self, entry: Entry | int, h: bytes, *, size: int | None = None) -> Receipt:
        """Gives back the receipt for entry (or its index) with tracking hash h: a checkpoint
        signed now, at size entries (default: the board's size), and the inclusion proof
        (13.4)."""
        index = entry if isinstance(entry, int) else entry.index
        signed = self.log.sign(self.key, size)
        proof = self.log.inclusion_proof(index, signed.checkpoint.size)
        return Receipt(tracking_code(h), h, index, signed.to_text(), tuple(proof))

    def receipts(self, found: Sequence[tuple[int, bytes]], size: int) -> list[Receipt]:
        """Gives back a receipt for each (entry index, tracking hash) of found, all at one
        checkpoint of size entries signed now (13.4): one signature and one read of the
        store for a batch of casts."""
        signed, proofs = self.log.signed_proofs(self.key, size, [i for i, _ in found])
        text = signed.to_text()
        return [
            Receipt(tracking_code(h), h, i, text, tuple(proof))
            for (i, h), proof in zip(found, proofs, strict=True)
        ]

    # -- phases --------------------------------------------------------------------------------

    def open_voting(self) -> Entry:
        """Gives back the voting.open entry (ceremony complete, every region's roll closed),
        not before the manifest's opening time: witnesses' co-signatures show when the
        board opened, and the verifier holds it to the period (section 15)."""
        now = self.clock()
        if self.state.phase == "prepare" and now < _parse_time(self.manifest.opens):
            raise ElectionError(f"voting opens at {self.manifest.opens}; it is {_show(now)}")
        key = self.state.ceremony.public_key
        return self.post("voting.open", {"public_key": key.to_bytes().hex()})

    def check_voting_period(self) -> None:
        """None during the manifest's voting period by the operator's clock; else ElectionError."""
        now = self.clock()
        opens, closes = _parse_time(self.manifest.opens), _parse_time(self.manifest.closes)
        if now < opens:
            raise ElectionError(f"voting opens at {self.manifest.opens}; it is {_show(now)}")
        if now > closes:
            raise ElectionError(f"voting closed at {self.manifest.closes}; it is {_show(now)}")

    def close_voting(self, *, early: bool = False) -> list[Entry]:
        """Gives back the voting.close entry and one tally entry per region (14.1).

        Before the manifest's closing time only with early=True (section 13.5).
        """
        now = self.clock()
        voting = self.state.phase == "voting"  # otherwise the board's own rule says why not
        if voting and not early and now < _parse_time(self.manifest.closes):
            raise ElectionError(
                f"voting closes at {self.manifest.closes}; it is {_show(now)}"
                " (close early only if the organiser decided so: --early)"
            )
        counts = self.state.counts
        first = self.post("voting.close", {"ballots": counts.ballots, "spoiled": counts.spoiled})
        tallies = [("tally", tally_payload(t), None) for t in self.state.tallies]
        return [first, *self.post_many(tallies)]

    def publish_results(self) -> Entry:
        """Gives back the results entry, combined from the valid decryption shares (14.4)."""
        results = self.state.expected_results()
        return self.post("results", results_payload(self.manifest, results))

    # -- checkpoints and the record -----------------------------------------------------------

    def signed_checkpoint(self) -> SignedCheckpoint:
        """Gives back the current checkpoint signed by the board."""
        return self.log.sign(self.key)

    def cosigned(self) -> list[SignedCheckpoint]:
        """Gives back the checkpoints witnesses have co-signed, oldest first."""
        self._import_cosigned()
        return [
            self._read_cosigned(text)
            for _, text in self.store.index_scan(self.manifest.id, COSIGNED)
        ]

    def cosigned_from(self, size: int, limit: int) -> list[SignedCheckpoint]:
        """Gives back at most limit co-signed checkpoints of size entries or more, oldest
        first."""
        self._import_cosigned()
        rows = self.store.index_scan(self.manifest.id, COSIGNED, pack_index(size))
        return [self._read_cosigned(text) for _, text in islice(rows, limit)]

    def latest_cosigned(self) -> SignedCheckpoint | None:
        """Gives back the newest checkpoint witnesses have co-signed (one read), or None."""
        self._import_cosigned()
        last = self.store.index_last(self.manifest.id, COSIGNED)
        return None if last is None else self._read_cosigned(last[1])

    def add_cosigned(self, signed: SignedCheckpoint) -> SignedCheckpoint:
        """Gives back signed merged with the co-signatures kept before for that tree.

        ElectionError for a checkpoint of another tree of the same size (never co-signed
        by the board's own witnesses: the caller checks the root first).
        """
        self._import_cosigned()
        size = pack_index(signed.checkpoint.size)
        old = self.store.index_get(self.manifest.id, COSIGNED, [size]).get(size)
        merged = signed
        if old is not None:
            merged = self._read_cosigned(old)
            if merged.checkpoint != signed.checkpoint:
                raise ElectionError(
                    f"a co-signed checkpoint of another tree of {signed.checkpoint.size} entries"
                    " is kept already"
                )
            have = {(s.name, s.key_id) for s in merged.signatures}
            extra = tuple(s for s in signed.signatures if (s.name, s.key_id) not in have)
            merged = SignedCheckpoint(merged.checkpoint, (*merged.signatures, *extra))
        rows = [(COSIGNED, size, merged.encode())]
        fresh = _newest_lines(self.freshest_cosigned(signed.checkpoint.size) or merged, signed)
        if fresh != merged:
            rows.append((FRESH, size, fresh.encode()))
        self.store.index_put(self.manifest.id, rows)
        return merged

    def freshest_cosigned(self, size: int) -> SignedCheckpoint | None:
        """Gives back the co-signed checkpoint of size entries with each witness's latest
        co-signature of it (section 7.6.1), or None when none is kept."""
        key = pack_index(size)
        for space in (FRESH, COSIGNED):
            text = self.store.index_get(self.manifest.id, space, [key]).get(key)
            if text is not None:
                return self._read_cosigned(text)
        return None

    def close_step_if_due(self) -> int | None:
        """Gives back the index of the ceremony.close this posts for the open ceremony
        step, or None: posted when the witnesses' latest co-signatures of the board as it
        is now meet the step's deadline rule (section 11.7); the rules decide, so a close
        they refuse is simply not posted."""
        board = self.state.ceremony
        if self.state.phase != "prepare" or board.failed is not None:
            return None
        step = next((s for s in CEREMONY_STEPS if not board.closed(s)), None)
        if step is None or step not in self.manifest.deadlines:
            return None
        fresh = self.freshest_cosigned(self.state.size)
        if fresh is None:
            return None
        try:
            entry = self.post(CEREMONY_CLOSE, {"step": step, "checkpoint": fresh.to_text()})
        except VerificationError:
            return None
        return entry.index

    def _read_cosigned(self, text: bytes) -> SignedCheckpoint:
        try:
            return parse_signed_checkpoint(text)
        except VerificationError as exc:
            raise ElectionError(f"a co-signed checkpoint in the store: {exc}") from None

    def _import_cosigned(self) -> None:
        """Moves a cosigned.jsonl of an older version into the store, once."""
        path = self.folder / "cosigned.jsonl"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return  # none, or another worker has just moved it
        rows = []
        for n, line in enumerate(data.splitlines(), start=1):
            where = f"{path} line {n}"
            text = _text(parse_json(line, where), "checkpoint", where)
            try:
                signed = parse_signed_checkpoint(text)
            except VerificationError as exc:
                raise ElectionError(f"{where}: checkpoint: {exc}") from None
            rows.append((COSIGNED, pack_index(signed.checkpoint.size), signed.encode()))
        self.store.index_put(self.manifest.id, rows)  # the same rows twice change nothing
        with contextlib.suppress(FileNotFoundError):
            os.replace(path, path.with_name("cosigned.jsonl.imported"))

    def export(self, folder: Path, *, size: int | None = None) -> Path:
        """Gives back folder, where the election record now is (section 15).

        size: export the board's first size entries (default: all of them); at most the
        number of entries the state has read.
        """
        size = self.log.size() if size is None else size
        if size > self.state.size:
            raise ElectionError(f"cannot export {size} entries: {self.state.size} were read")
        checkpoints = [s for s in self.cosigned() if s.checkpoint.size <= size]
        if not checkpoints or checkpoints[-1].checkpoint.size != size:
            checkpoints.append(self.log.sign(self.key, size))
        results = None
        # The results entry is the board's last (phase done accepts nothing after it).
        if self.state.results is not None and self.state.size <= size:
            results = results_payload(self.manifest, self.state.results)
        return write_record(
            Path(folder),
            manifest=self.manifest.to_json(),
            fingerprint=self.manifest.fingerprint,
            entries=((e.index, e.kind, e.payload) for e in self.log.entries(0, size)),
            checkpoints=[s.to_text() for s in checkpoints],
            results=results,
        )


def _newest_lines(kept: SignedCheckpoint, signed: SignedCheckpoint) -> SignedCheckpoint:
    """Gives back kept with each line of signed that is later than kept's line of the
    same key, or new, in its place (both of one tree)."""
    lines = {(s.name, s.key_id): s for s in kept.signatures}
    for s in signed.signatures:
        old = lines.get((s.name, s.key_id))
        if old is None or (s.timestamp or 0) > (old.timestamp or 0):
            lines[(s.name, s.key_id)] = s
    return SignedCheckpoint(kept.checkpoint, tuple(lines.values()))
