"""The server's view of one referendum's board, kept in step with every other writer.

A worker process opens the election folder once (its board replayed into memory) and
then, before each request that reads the state, brings it up to the board's size: one
cheap size query, and the entries others appended (operator commands, other workers)
applied. Threads of one worker share the state under a mutex; appends also hold the
folder's lock, so every writer on the folder takes turns.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from referendum.ballot import TrackingCodeError, tracking_hash
from referendum.board.errors import StoreError, StoreOutcomeUnknownError
from referendum.canonical import parse_json
from referendum.election import Election, ElectionError
from referendum.errors import VerificationError
from referendum.replay import PREPARE, SETUP, VOTING
from referendum.server.problems import Problem

__all__ = ["CACHE_FOLDER", "Service"]

#: A page of GET /api/board/entries ends with the entry whose payload brings the page's
#: payloads to this many bytes: a party's memory for a page is bounded by bytes, not only
#: by entries (1,000 credential batches of 1,000 keys are about 70 MB, measured: a replica
#: syncing from zero held 556 MB on such a page).
PAGE_BYTES = 2 * 1024 * 1024
#: The most co-signed checkpoints one GET /api/board/cosigned gives.
COSIGNED_PAGE = 100
#: Where GET /api/record keeps the zipped records it exported, inside the election folder.
CACHE_FOLDER = "record-cache"
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_LOWER_HEX64 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 64 * 1024
#: While the board still grows, GET /api/record serves an export up to this old instead of
#: exporting the whole board again for every new entry (each export reads every entry).
RECORD_MAX_AGE = 300.0


#: Seconds a client waits before trying again after a 503 (the store reconnects at once).
RETRY_AFTER = "2"


def unavailable(exc: Exception, *, appended: bool | None = None) -> Problem:
    """Gives back the 503 problem for a store or folder that cannot be read right now.

    appended=False: the request's entry was not appended, whatever exc says (another
    entry's commit failed first)."""
    words = " ".join(str(exc).split())
    if isinstance(exc, StoreOutcomeUnknownError) and appended is not False:
        return Problem(
            503,
            "outcome-unknown",
            "Not known whether it was appended",
            f"the board's store was lost while this was being committed ({words}): it may be"
            " on the board or not; look it up (a ballot by its tracking code) before sending"
            " it again",
            headers={"Retry-After": RETRY_AFTER},
        )
    return Problem(
        503,
        "board-unavailable",
        "Board unavailable",
        f"the board cannot be read right now: {words}",
        headers={"Retry-After": RETRY_AFTER},
    )


class Service:
    """One worker's open election, shared by its request threads."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.election = Election.open(self.folder)
        self.manifest = self.election.manifest
        self._mutex = threading.Lock()
        self._exporting = threading.Lock()  # one export at a time in this worker
        self._closers: list[Callable[[], None]] = []

    def on_close(self, close: Callable[[], None]) -> None:
        """Has close() call close first (the appender finishes before the store closes)."""
        self._closers.append(close)

    def close(self) -> None:
        for close in reversed(self._closers):
            close()
        self._closers.clear()
        self.election.close()

    @contextmanager
    def current(self) -> Iterator[Election]:
        """Gives back the election, its state brought up to the board's size, while no
        other thread of this worker uses it."""
        with self._mutex:
            try:
                self.election.refresh()
                yield self.election
            except (StoreError, ElectionError) as exc:
                raise unavailable(exc) from None

    @contextmanager
    def voting(self) -> Iterator[Election]:
        """Gives back the election while no other thread of this worker uses it, its state
        read again only when it does not say voting: during voting, what a cast's early
        checks read (phase, key) changes only when voting ends, and its append checks
        again under the lock. Saves a read of the stored state per request."""
        with self._mutex:
            try:
                if self.election.state.phase != "voting":
                    self.election.refresh()
                yield self.election
            except (StoreError, ElectionError) as exc:
                raise unavailable(exc) from None

    @contextmanager
    def appending(self) -> Iterator[Election]:
        """Gives back the election under the folder's lock (see Election.exclusive)."""
        with self._mutex:
            try:
                with self.election.exclusive() as election:
                    yield election
            except (StoreError, ElectionError, OSError) as exc:
                raise unavailable(exc) from None

    # -- reading ----------------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        """Gives back GET /api/election."""
        with self.current() as e:
            key = e.state.public_key
            return {
                "id": e.manifest.id,
                "fingerprint": e.manifest.fingerprint.hex(),
                "phase": e.state.phase,
                "public_key": None if key is None else key.to_bytes().hex(),
                "size": e.state.size,
                "voting": {"opens": e.manifest.opens, "closes": e.manifest.closes},
            }

    def credential(self, text: str) -> dict[str, Any]:
        """Gives back GET /api/credentials/{credential}."""
        if _LOWER_HEX64.fullmatch(text) is None:
            raise Problem(
                400,
                "bad-credential",
                "Malformed credential",
                "a credential is its Ed25519 public key: 64 lowercase hex digits",
            )
        with self.current() as e:
            region = e.state.roll.region_of(bytes.fromhex(text))
        if region is None:
            raise Problem(
                404,
                "credential-not-registered",
                "Credential not registered",
                f"credential {text[:16]}… is not on this referendum's roll",
            )
        return {"credential": text, "region": region}

    def lookup(self, code: str) -> dict[str, Any]:
        """Gives back GET /api/receipts/{code}: the entry with this tracking code or hash.

        latest (counted) is null until voting.close: before it, a ballot's answer would
        tell anyone holding its code whether its voter voted again (protocol.md 16.3).
        """
        key: str | bytes = bytes.fromhex(code) if _HEX64.fullmatch(code) else code
        with self.current() as e:
            try:
                index = e.find_tracking(key)
            except TrackingCodeError as exc:
                raise Problem(
                    400,
                    "tracking-code-typo",
                    "Tracking code mistyped",
                    f"{exc}; check it against the receipt (no ballot was looked up)",
                ) from None
            if index is None:
                raise Problem(
                    404,
                    "unknown-tracking-code",
                    "Unknown tracking code",
                    "no ballot or challenged ballot on this board has this tracking code",
                )
            entry = e.log.entry(index)
            payload = parse_json(entry.payload, f"board entry {index}")
            body = payload["ballot"] if entry.kind == "spoiled" else payload
            h = tracking_hash(e.manifest.fingerprint, body)
            credential = bytes.fromhex(body["credential"])
            latest: bool | None = False
            if entry.kind == "ballot":
                latest = None
                if e.state.phase not in (SETUP, PREPARE, VOTING):
                    latest = e.state.latest.get(credential) == index
            receipt = e.receipt(index, h, size=e.state.size)
        return {
            "kind": entry.kind,
            "index": index,
            "payload": payload,
            "latest": latest,
            "receipt": receipt.to_json(),
        }

    def checkpoint(self, size: int | None = None) -> dict[str, Any]:
        """Gives back GET /api/board/checkpoint: signed now, at size (default: the board's)."""
        with self.current() as e:
            if size is not None and size > e.state.size:
                raise Problem(
                    400,
                    "bad-parameter",
                    "Bad parameter",
                    f"size={size}: the board has {e.state.size} entries",
                )
            signed = e.log.sign(e.key, e.state.size if size is None else size)
            try:
                cosigned = e.latest_cosigned()
            except (ElectionError, ValueError) as exc:
                raise unavailable(exc) from None
        return {
            "checkpoint": signed.to_text(),
            "size": signed.checkpoint.size,
            "root": signed.checkpoint.root.hex(),
            "cosigned": cosigned.to_text() if cosigned is not None else None,
        }

    def cosigned(self, start: int, latest: bool = False) -> dict[str, Any]:
        """Gives back GET /api/board/cosigned: co-signed checkpoints of start entries or
        more, oldest first, at most COSIGNED_PAGE; latest: each with every witness's
        latest co-signature of its tree (protocol.md 7.6.1) instead of its first."""
        with self.current() as e:
            try:
                found = e.cosigned_from(start, COSIGNED_PAGE)
                if latest:
                    found = [e.freshest_cosigned(s.checkpoint.size) or s for s in found]
            except ElectionError as exc:
                raise unavailable(exc) from None
        return {"checkpoints": [s.to_text() for s in found]}

    def entries(self, start: int, limit: int) -> dict[str, Any]:
        """Gives back GET /api/board/entries: entries start .. start+limit-1 that exist,
        stopping after the entry that brings the payloads to PAGE_BYTES (protocol.md 16.4)."""
        with self.current() as e:
            size = e.state.size
            end = min(size, start + limit)
            found = []
            held = 0
            for x in e.log.entries(start, end) if start < end else ():
                found.append({"index": x.index, "kind": x.kind, "payload": parse_json(x.payload)})
                held += len(x.payload)
                if held >= PAGE_BYTES:
                    break
        return {"size": size, "entries": found}

    def inclusion(self, index: int, size: int | None) -> dict[str, Any]:
        """Gives back GET /api/board/inclusion."""
        with self.current() as e:
            current = e.state.size
            size = current if size is None else size
            if not 0 <= index < size <= current:
                raise Problem(
                    400,
                    "bad-parameter",
                    "Bad parameter",
                    f"want 0 <= index < size <= {current} (the board's size);"
                    f" got index {index}, size {size}",
                )
            proof = e.log.inclusion_proof(index, size)
        return {"index": index, "size": size, "proof": [h.hex() for h in proof]}

    def consistency(self, first: int, second: int | None) -> dict[str, Any]:
        """Gives back GET /api/board/consistency."""
        with self.current() as e:
            current = e.state.size
            second = current if second is None else second
            if not 1 <= first <= second <= current:
                raise Problem(
                    400,
                    "bad-parameter",
                    "Bad parameter",
                    f"want 1 <= first <= second <= {current} (the board's size);"
                    f" got first {first}, second {second}",
                )
            proof = e.log.consistency_proof(first, second)
        return {"first": first, "second": second, "proof": [h.hex() for h in proof]}

    def results(self) -> dict[str, Any]:
        """Gives back GET /api/results, or 409 before the results entry exists."""
        with self.current() as e:
            if e.state.phase != "done":
                raise Problem(
                    409,
                    "not-counted",
                    "Not counted yet",
                    f"the results are not on the board yet: it is in phase {e.state.phase!r}",
                )
            # The results entry is the last: phase done accepts nothing after it.
            return {"index": e.state.size - 1, "results": e.state.results_posted}

    # -- the record ---------------------------------------------------------------------------

    def record_zip(self) -> tuple[str, BinaryIO]:
        """Gives back (file name, open zip file) of the election record.

        Exports (Election.export) into a cache folder keyed by the board's size and the
        witnesses' co-signatures, so repeated downloads of an unchanged board are cheap.
        Until the results are on the board (the board still grows), an export up to
        RECORD_MAX_AGE seconds old is served instead of a new one: every export reads the
        whole board, and a request must not be able to make the server do that for each
        new ballot. The file is opened before older zips are removed, so a download in
        progress in another worker never loses its file.
        """
        with self.current() as e:
            size, done = e.state.size, e.state.results is not None
            try:
                latest = e.latest_cosigned()
            except (ElectionError, StoreError) as exc:
                raise unavailable(exc) from None
        witnessed = latest.encode() if latest is not None else b""
        digest = hashlib.sha256(witnessed).hexdigest()[:16]
        name = f"{self.manifest.id}-record"
        cache = self.folder / CACHE_FOLDER
        path = cache / f"{name}-{size}-{digest}.zip"
        with self._exporting:
            reuse = path if done else self._recent_export(cache, path)
            try:
                return f"{name}.zip", open(reuse, "rb")
            except FileNotFoundError:
                pass
            cache.mkdir(exist_ok=True)
            work = Path(tempfile.mkdtemp(prefix=".export-", dir=cache))
            try:
                try:
                    record = self.election.export(work / name, size=size)
                except (StoreError, ElectionError, VerificationError) as exc:
                    raise unavailable(exc) from None
                tmp = work / "record.zip"
                with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
                    for file in sorted(record.iterdir()):
                        archive.write(file, f"{name}/{file.name}")
                os.replace(tmp, path)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            handle = open(path, "rb")  # noqa: SIM115 - closed by the response
            for old in cache.glob("*.zip"):
                if old != path:
                    old.unlink(missing_ok=True)
        return f"{name}.zip", handle

    @staticmethod
    def _recent_export(cache: Path, wanted: Path) -> Path:
        """Gives back wanted if it exists, else the newest export younger than
        RECORD_MAX_AGE, else wanted (which the caller then makes)."""
        if wanted.exists():
            return wanted
        now = time.time()
        recent = [
            (p.stat().st_mtime, p)
            for p in cache.glob("*.zip")
            if now - p.stat().st_mtime < RECORD_MAX_AGE
        ]
        return max(recent)[1] if recent else wanted


def stream(handle: BinaryIO) -> Iterator[bytes]:
    """Gives back the file's content in chunks, closing it at the end."""
    with handle:
        while chunk := handle.read(_CHUNK):
            yield chunk
