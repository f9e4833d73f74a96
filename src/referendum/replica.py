"""A party's own verified replica of the board, kept up to date over HTTP.

docs/protocol.md section 7.7. A trustee, registrar, witness or observer is given the
board's URL and the referendum's fingerprint, nothing else. Its folder holds its own copy
of the board (a store: SQLite by default) with the derived state of section 7.5.5. A sync
fetches only the entries after the replica's size, applies each under every rule of
section 13 as the verifier does (signatures and proofs included), checks the board's
signed checkpoint at the end of each page against the replica's own root, and commits
the page, the state and that checkpoint in one transaction. What the party then sees and
signs comes from its replica, never from the server's word.

The shell (BoardClient: HTTP) is apart from the decision (Replica._apply_page: pure over
the replica's state), so a hostile board is met by the same checks as a broken one.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from referendum.board import (
    BoardVerificationError,
    Entry,
    Log,
    LogStore,
    SignedCheckpoint,
    parse_signed_checkpoint,
)
from referendum.board.store import StateUpdate
from referendum.canonical import JsonFormatError, canonical_json, is_json_int, parse_json
from referendum.derived import StoreIndex
from referendum.errors import VerificationError
from referendum.manifest import Manifest, ManifestError
from referendum.progress import Progress
from referendum.replay import BoardRuleError, PreChecked, Replay
from referendum.verifier.workers import check_in_pool, init_worker

__all__ = [
    "BOARD_FILE",
    "BoardClient",
    "BoardUnreachable",
    "Replica",
    "ReplicaError",
    "ReplicaSetupError",
]

BOARD_FILE = "board.json"
REPLICA_FORMAT = "referendum-replica/1"
STORE_FILE = "replica.sqlite"
#: The largest answer a party reads from the board (a page of 1,000 entries of the
#: largest ballot style is far below it).
MAX_ANSWER = 64 * 1024 * 1024
#: Entries fetched and committed together (at most what GET /api/board/entries gives).
PAGE = 1000
#: The index space (section 7.5.5) where a replica keeps the last checkpoint it verified.
VERIFIED = 4
_CHECKPOINT_KEY = b"checkpoint"
#: Below this many ballots in a page, checking them here beats starting a pool.
_POOL_FROM = 64


class ReplicaError(VerificationError):
    """The board failed a check: an invalid entry, a rollback, another history.

    conflict: a checkpoint the board signed that contradicts what this replica verified
    (a rollback or another history), the evidence a witness turns into a proof.
    """

    def __init__(self, message: str, conflict: SignedCheckpoint | None = None) -> None:
        super().__init__(message)
        self.conflict = conflict


class ReplicaSetupError(ValueError):
    """The replica cannot be used: wrong fingerprint, another board's folder, no folder."""


class BoardUnreachable(Exception):
    """The board's server cannot be reached or answered with an error (status, problem)."""

    def __init__(self, message: str, status: int | None = None, problem: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.problem = problem


class BoardClient:
    """The board's HTTP API (docs/protocol.md Part IV), answers read strictly."""

    def __init__(self, url: str, *, timeout: float = 60.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ReplicaSetupError(f"board URL {url!r}: want http:// or https://")
        self.url = url.rstrip("/")
        self._timeout = timeout
        self._http = httpx.Client(base_url=self.url, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> bytes:
        """Gives back the board's answer, read whole but never past MAX_ANSWER bytes nor
        past the client's timeout in all (a hostile board can neither fill this party's
        memory nor hold it up by trickling bytes)."""
        deadline = time.monotonic() + self._timeout
        chunks: list[bytes] = []
        size = 0
        try:
            with self._http.stream(method, path, **kwargs) as response:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_ANSWER:
                        raise BoardUnreachable(
                            f"board {self.url}{path}: an answer larger than {MAX_ANSWER} bytes"
                        )
                    if time.monotonic() > deadline:
                        raise BoardUnreachable(
                            f"board {self.url}{path}: the answer took more than {self._timeout:g} s"
                        )
                    chunks.append(chunk)
                status = response.status_code
        except httpx.HTTPError as exc:
            raise BoardUnreachable(f"board {self.url}: {exc}") from None
        content = b"".join(chunks)
        if status >= 400:
            problem: Any = None
            detail = content[:300].decode("utf-8", "replace")
            try:
                problem = parse_json(content, "problem")
                if isinstance(problem, dict) and isinstance(problem.get("detail"), str):
                    detail = problem["detail"]
            except JsonFormatError:
                pass
            raise BoardUnreachable(f"board {self.url}{path}: {status}: {detail}", status, problem)
        return content

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        content = self._call(method, path, **kwargs)
        try:
            return parse_json(content, f"{self.url}{path}")
        except JsonFormatError as exc:
            raise BoardUnreachable(f"board {self.url}{path}: not JSON: {exc}") from None

    def manifest_bytes(self) -> bytes:
        """Gives back the bytes GET /api/manifest serves."""
        return self._call("GET", "/api/manifest")

    def election(self) -> Any:
        return self._json("GET", "/api/election")

    def get(self, path: str) -> Any:
        """Gives back the JSON of GET path."""
        return self._json("GET", path)

    def checkpoint(self, size: int | None = None) -> Any:
        """Gives back GET /api/board/checkpoint (at size, if given)."""
        params = {} if size is None else {"size": size}
        return self._json("GET", "/api/board/checkpoint", params=params)

    def consistency(self, first: int, second: int) -> list[bytes]:
        """Gives back the board's consistency proof from tree first to tree second."""
        answer = self._json(
            "GET", "/api/board/consistency", params={"first": first, "second": second}
        )
        proof = answer.get("proof") if isinstance(answer, dict) else None
        if not isinstance(proof, list) or not all(
            isinstance(h, str) and len(h) == 64 for h in proof
        ):
            raise BoardUnreachable(f"board {self.url}: a malformed consistency proof")
        try:
            return [bytes.fromhex(h) for h in proof]
        except ValueError:
            raise BoardUnreachable(f"board {self.url}: a malformed consistency proof") from None

    def entries(self, start: int, limit: int) -> Any:
        return self._json("GET", "/api/board/entries", params={"start": start, "limit": limit})

    def post(self, path: str, body: Any) -> Any:
        """Gives back the JSON answer to POSTing body (canonical JSON) to path."""
        return self._json(
            "POST",
            path,
            content=canonical_json(body),
            headers={"Content-Type": "application/json"},
        )


def _board_file(folder: Path) -> dict[str, Any]:
    path = folder / BOARD_FILE
    try:
        value = parse_json(path.read_bytes(), str(path))
    except FileNotFoundError:
        raise ReplicaSetupError(
            f"{folder} has no replica of a board yet: give --board URL and --fingerprint"
        ) from None
    except JsonFormatError as exc:
        raise ReplicaSetupError(str(exc)) from None
    if (
        not isinstance(value, dict)
        or value.get("format") != REPLICA_FORMAT
        or not isinstance(value.get("url"), str)
        or not isinstance(value.get("fingerprint"), str)
        or not set(value) <= {"format", "url", "fingerprint", "store"}
        or not isinstance(value.get("store", ""), str)
    ):
        raise ReplicaSetupError(f"{path}: not a {REPLICA_FORMAT} file")
    return value


def _fingerprint(text: str) -> bytes:
    try:
        value = bytes.fromhex(text)
    except ValueError:
        value = b""
    if len(value) != 32:
        raise ReplicaSetupError(f"fingerprint {text[:80]!r}: want 64 hex digits")
    return value


class Replica:
    """A party's replica in folder: its store, manifest and the state of its board."""

    def __init__(
        self, folder: Path, manifest: Manifest, store: LogStore, client: BoardClient
    ) -> None:
        self.folder = folder
        self.manifest = manifest
        self.store = store
        self.client = client
        self.log = Log(store, manifest.id)
        self.index = StoreIndex(store, manifest.id)
        self.state = Replay(manifest, index=self.index, keep_spoiled=False)
        #: The last checkpoint the board signed that this replica checked its root against.
        self.verified: SignedCheckpoint | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._jobs = 1
        self._load()

    # -- opening ----------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        folder: Path | str,
        url: str | None = None,
        fingerprint: str | None = None,
        *,
        store: LogStore | None = None,
        store_url: str | None = None,
    ) -> Replica:
        """Gives back the replica in folder, made on first use from url and fingerprint.

        A folder keeps the board's URL and fingerprint it was made with (board.json);
        giving others later is refused. store: keep the replica there (default: a SQLite
        file in folder). store_url: on first use, a postgresql:// URL where this party
        keeps its replica instead (a database or schema of its own), remembered in
        board.json. ReplicaSetupError or BoardUnreachable when it cannot be used.
        """
        folder = Path(folder)
        if store_url is not None and not store_url.startswith(("postgresql://", "postgres://")):
            raise ReplicaSetupError(f"replica store {store_url[:40]!r}: want a postgresql:// URL")
        fresh = not (folder / BOARD_FILE).exists()
        if not fresh:
            bound = _board_file(folder)
            if store_url is not None and store_url != bound.get("store"):
                where = "PostgreSQL" if bound.get("store") else "SQLite"
                raise ReplicaSetupError(
                    f"{folder} keeps its replica in {where} already: a store is chosen on"
                    " first use only"
                )
            store_url = bound.get("store")
            if fingerprint is not None and _fingerprint(fingerprint).hex() != bound["fingerprint"]:
                raise ReplicaSetupError(
                    f"{folder} keeps a replica of referendum {bound['fingerprint']},"
                    f" not of {fingerprint}"
                )
            if url is not None and url.rstrip("/") != bound["url"]:
                raise ReplicaSetupError(f"{folder} keeps a replica of the board at {bound['url']}")
            client = BoardClient(bound["url"])
            try:
                manifest = _read_manifest(folder, _fingerprint(bound["fingerprint"]))
            except BaseException:
                client.close()
                raise
        else:
            if url is None or fingerprint is None:
                raise ReplicaSetupError(
                    f"{folder} has no replica of a board yet: give --board URL and --fingerprint"
                )
            pinned = _fingerprint(fingerprint)
            client = BoardClient(url)
            try:
                manifest = _first_contact(folder, client, pinned, store_url)
            except BaseException:
                client.close()
                raise
        try:
            if store is None and store_url is not None:
                from referendum.board import PostgresStore

                store = PostgresStore(store_url)
                if fresh and _holds(store, manifest.id):
                    store.close()
                    (folder / BOARD_FILE).unlink()
                    raise ReplicaSetupError(
                        f"the store at {store_url.split('@')[-1]} holds a board of"
                        f" referendum {manifest.id} already: give this replica a database"
                        " or schema of its own"
                    )
            elif store is None:
                from referendum.board import SqliteStore

                store = SqliteStore(folder / STORE_FILE)
            return cls(folder, manifest, store, client)
        except BaseException:
            client.close()
            raise

    def close(self) -> None:
        self.client.close()
        self.store.close()

    def __enter__(self) -> Replica:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _load(self) -> None:
        stored = self.store.load_state(self.manifest.id)
        if stored is None:
            if self.log.size() != 0:
                raise ReplicaSetupError(
                    f"{self.folder}: the replica's store has entries but no state"
                )
            return

        def read(indexes: Sequence[int]) -> list[tuple[int, str, Any]]:
            out = []
            for i in indexes:
                e = self.log.entry(i)
                out.append((i, e.kind, parse_json(e.payload, f"replica entry {i}")))
            return out

        self.state = Replay.restore(
            self.manifest,
            parse_json(stored[1], "the replica's state"),
            read,
            index=self.index,
        )
        text = self.index.get(VERIFIED, _CHECKPOINT_KEY)
        self.verified = None if text is None else parse_signed_checkpoint(text.decode())

    # -- syncing ----------------------------------------------------------------------------

    def _signed(self, answer: Any, size: int | None) -> SignedCheckpoint:
        """Gives back the board's signed checkpoint in a checkpoint answer, checked."""
        text = answer.get("checkpoint") if isinstance(answer, dict) else None
        if not isinstance(text, str):
            raise ReplicaError("the board's checkpoint answer has no checkpoint text")
        try:
            signed = parse_signed_checkpoint(text)
            signed.verify(self.manifest.board_key)
        except BoardVerificationError as exc:
            raise ReplicaError(f"the board's checkpoint: {exc}") from None
        c = signed.checkpoint
        if c.origin != self.manifest.id:
            raise ReplicaError(
                f"the board's checkpoint is of log {c.origin}, not {self.manifest.id}"
            )
        if size is not None and c.size != size:
            raise ReplicaError(f"asked for the board's checkpoint at {size}, got {c.size}")
        return signed

    def head(self) -> SignedCheckpoint:
        """Gives back the board's signed checkpoint now, checked against this replica:
        ReplicaError if it rolled back or shows another tree at this replica's size."""
        signed = self._signed(self.client.checkpoint(), None)
        c, size = signed.checkpoint, self.state.size
        if c.size < size:
            raise ReplicaError(
                f"the board rolled back: it now shows {c.size} entries, this replica verified"
                f" {size} (the board signed both)",
                signed,
            )
        if c.size == size and c.root != self.state.tree.root():
            raise ReplicaError(
                f"the board equivocated: its checkpoint at {size} entries has another root"
                " than the entries this replica verified",
                signed,
            )
        return signed

    def board_cosigned(self) -> SignedCheckpoint | None:
        """Gives back the newest co-signed checkpoint the board hands out, or None.

        ReplicaError when it is not the board's (malformed, or without the board's
        signature), and, with the checkpoint as conflict, when it states another tree
        than this replica holds at its size (the board showed others another history)."""
        answer: Any = self.client.checkpoint()
        text = answer.get("cosigned") if isinstance(answer, dict) else None
        if not isinstance(text, str):
            return None
        try:
            signed = parse_signed_checkpoint(text)
            signed.verify(self.manifest.board_key)
        except BoardVerificationError as exc:
            raise ReplicaError(f"the board's co-signed checkpoint: {exc}") from None
        c = signed.checkpoint
        if c.size <= self.state.size and self.log.root(c.size) != c.root:
            raise ReplicaError(
                f"the board equivocated: a checkpoint it hands out as co-signed states"
                f" another tree of {c.size} entries than the one this replica checked",
                signed,
            )
        return signed

    def sync(
        self,
        *,
        progress: bool | None = None,
        jobs: int | None = None,
        until: int | None = None,
    ) -> int:
        """Gives back how many new entries were verified and committed (section 7.7).

        until: stop at this size (tests, and a witness that follows step by step).
        ReplicaError names the entry or checkpoint that failed; the replica keeps its
        last committed state.
        """
        head = self.head()
        target = head.checkpoint.size if until is None else min(until, head.checkpoint.size)
        start = self.state.size
        if target <= start:
            return 0
        bar = Progress("syncing board", target - start, enabled=progress)
        self._jobs = jobs or os.cpu_count() or 1
        try:
            while self.state.size < target:
                size = self.state.size
                answer = self.client.entries(size, min(PAGE, target - size))
                page = _page(answer, size, target)
                self._apply_page(page, self._checks)
                bar.advance(len(page))
        finally:
            bar.finish()
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
                self._pool = None
        if (
            self.state.size == head.checkpoint.size
            and head.checkpoint.root != self.state.tree.root()
        ):
            raise ReplicaError(
                f"the board equivocated: it signed two roots for its first {head.checkpoint.size}"
                " entries (its checkpoint now, and the one at the end of the last page)",
                head,
            )
        return self.state.size - start

    def _checks(self, items: list[tuple[str, Any, str]]) -> list[PreChecked | str]:
        """Gives back the ballot checks of items from a pool of processes, or [] to have
        them checked one by one as they are applied (few, or one process)."""
        key = self.state.public_key
        if self._jobs < 2 or len(items) < _POOL_FROM or key is None:
            return []
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self._jobs,
                initializer=init_worker,
                initargs=(self.manifest.to_json(), key.to_bytes()),
            )
        return check_in_pool(self._pool, items)

    def _apply_page(
        self,
        page: list[tuple[int, str, Any]],
        checks: Callable[[list[tuple[str, Any, str]]], list[PreChecked | str]],
    ) -> None:
        """Applies one page of entries under section 13's rules, checks the board's
        checkpoint at its end and commits it all in one transaction, or nothing."""
        base = self.state.size
        try:
            # Ballots after voting.open are checked in the pool (if large); the rest here.
            keyed = self.state.public_key is not None
            todo = [
                (kind, payload, f"board entry {i} ({kind})")
                for i, kind, payload in page
                if kind in ("ballot", "spoiled")
            ]
            results = checks(todo) if keyed and todo else []
            checked = dict(
                zip([i for i, k, _ in page if k in ("ballot", "spoiled")], results, strict=False)
            )
            encoded = []
            for i, kind, payload in page:
                try:
                    data = canonical_json(payload)
                    leaf = Entry(self.manifest.id, i, kind, data).leaf_hash()
                except (ValueError, VerificationError) as exc:
                    raise ReplicaError(f"board entry {i} ({kind}): {exc}") from None
                result = checked.get(i)
                if isinstance(result, str):
                    raise BoardRuleError(result)
                self.state.apply(i, kind, payload, prechecked=result, leaf=leaf)
                encoded.append((kind, data))
            size = self.state.size
            try:
                answer = self.client.checkpoint(size)
            except BoardUnreachable as exc:
                if exc.status is None or exc.status >= 500:
                    raise
                raise ReplicaError(
                    f"the board served {size} entries but will not sign its checkpoint at"
                    f" {size}: {exc}"
                ) from None
            signed = self._signed(answer, size)
            if signed.checkpoint.root != self.state.tree.root():
                raise ReplicaError(
                    f"the board's signed checkpoint at {size} entries has another root than"
                    " the entries it served: it rewrote its history",
                    signed,
                )
            self.index.put(VERIFIED, _CHECKPOINT_KEY, signed.to_text().encode())
            update = StateUpdate(
                base, size, canonical_json(self.state.snapshot()), self.index.pending()
            )
            self.log.append_many(encoded, update)
            self.verified = signed
        except VerificationError as exc:
            self._rollback()
            if isinstance(exc, ReplicaError):
                raise
            raise ReplicaError(f"the board served an entry that breaks its rules: {exc}") from None
        except BaseException:
            self._rollback()
            raise
        self.index.clear()

    def _rollback(self) -> None:
        self.index.clear()
        self.state = Replay(self.manifest, index=self.index, keep_spoiled=False)
        self._load()

    # -- acting -----------------------------------------------------------------------------

    def post(self, kind: str, payload: Any) -> int:
        """Gives back the index of a signed message the board accepted, once this replica
        has synced past it and holds exactly that payload there."""
        answer = self.client.post("/api/board/messages", {"kind": kind, "payload": payload})
        index = answer.get("index") if isinstance(answer, dict) else None
        if not is_json_int(index):
            raise ReplicaError("the board's answer to a message has no index")
        self.sync(progress=False)
        if index >= self.state.size:
            raise ReplicaError(f"the board said entry {index}, but shows {self.state.size} entries")
        entry = self.log.entry(index)
        if entry.kind != kind or entry.payload != canonical_json(payload):
            raise ReplicaError(f"board entry {index} is not the message this party posted")
        return index


def _page(answer: Any, start: int, target: int) -> list[tuple[int, str, Any]]:
    """Gives back (index, kind, payload) of an entries answer: consecutive from start."""
    items = answer.get("entries") if isinstance(answer, dict) else None
    if not isinstance(items, list) or not items:
        raise ReplicaError(f"the board served no entries from {start}, below its size {target}")
    out = []
    for n, item in enumerate(items):
        want = start + n
        if (
            not isinstance(item, dict)
            or set(item) != {"index", "kind", "payload"}
            or not is_json_int(item["index"])
            or not isinstance(item["kind"], str)
        ):
            raise ReplicaError(f"board entry {want}: the board served it malformed")
        if item["index"] != want:
            raise ReplicaError(f"the board served entry {item['index']} where {want} belongs")
        if want >= target:
            break
        out.append((want, item["kind"], item["payload"]))
    return out


def _holds(store: LogStore, name: str) -> bool:
    """Gives back whether store has a log called name already."""
    from referendum.board import LogNotFoundError

    try:
        store.size(name)
    except LogNotFoundError:
        return False
    return True


def _first_contact(
    folder: Path, client: BoardClient, pinned: bytes, store_url: str | None = None
) -> Manifest:
    """Gives back the board's manifest once its fingerprint is the pinned one; writes
    board.json and manifest.json into folder (made if missing)."""
    raw = client.manifest_bytes()
    try:
        manifest = Manifest.from_json(parse_json(raw, "the board's manifest"))
    except (JsonFormatError, ManifestError) as exc:
        raise ReplicaError(f"the board's manifest: {exc}") from None
    if manifest.fingerprint != pinned:
        raise ReplicaSetupError(
            f"the board at {client.url} serves referendum {manifest.id} with fingerprint"
            f" {manifest.fingerprint.hex()}, not the {pinned.hex()} you were given:"
            " do not take part; tell the observers"
        )
    if raw != manifest.canonical:
        raise ReplicaError("the board's manifest is not in canonical form (section 8.1)")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_bytes(manifest.canonical + b"\n")
    bound: dict[str, Any] = {
        "format": REPLICA_FORMAT,
        "url": client.url,
        "fingerprint": pinned.hex(),
    }
    if store_url is not None:
        bound["store"] = store_url
    # Private: a PostgreSQL URL may carry a password.
    fd = os.open(folder / BOARD_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(json.dumps(bound) + "\n")
    return manifest


def _read_manifest(folder: Path, pinned: bytes) -> Manifest:
    path = folder / "manifest.json"
    try:
        manifest = Manifest.from_json(parse_json(path.read_bytes(), str(path)))
    except FileNotFoundError:
        raise ReplicaSetupError(f"{path}: missing") from None
    except (JsonFormatError, ManifestError) as exc:
        raise ReplicaSetupError(f"{path}: {exc}") from None
    if manifest.fingerprint != pinned:
        raise ReplicaSetupError(f"{path}: not the manifest of fingerprint {pinned.hex()}")
    return manifest
