"""Group commit: one writer thread batches concurrent appends into one transaction.

docs/protocol.md, section 7.5.2. Each append() returns only after the transaction
holding its entry has committed durably, so batching trades nothing away: an entry is
acknowledged exactly when it would be with one transaction per entry, but many callers
share each commit (and its fsync).
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Self, TypeVar

from referendum.board.entry import MAX_PAYLOAD, Entry, check_kind
from referendum.board.errors import EncodingError
from referendum.board.store import LogStore

__all__ = ["GroupCommitWriter", "take_batch"]

T = TypeVar("T")


def take_batch(
    waiting: queue.Queue[T | None] | queue.SimpleQueue[T | None], first: T, most: int
) -> tuple[list[T], bool]:
    """Gives back first and the items already waiting after it, at most `most` in all,
    and whether a None (the stop mark) was met: a group commit's next batch."""
    batch = [first]
    while len(batch) < most:
        try:
            item = waiting.get_nowait()
        except queue.Empty:
            break
        if item is None:
            return batch, True
        batch.append(item)
    return batch, False


_STOP = None


class GroupCommitWriter:
    """Appends to log name in store from one thread, up to max_batch entries per commit."""

    def __init__(self, store: LogStore, name: str, *, max_batch: int = 1000) -> None:
        self._store = store
        self._name = name
        self._max_batch = max_batch
        self._queue: queue.Queue[tuple[str, bytes, Future[Entry]] | None] = queue.Queue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"board-writer-{name}")
        self._thread.daemon = True
        store.create_log(name)
        self._thread.start()

    def submit(self, kind: str, payload: bytes) -> Future[Entry]:
        """Gives back a future that resolves to the entry once it is durably committed."""
        if self._closed:
            raise RuntimeError("the writer is closed")
        check_kind(kind)
        if not isinstance(payload, bytes) or len(payload) > MAX_PAYLOAD:
            raise EncodingError(f"payload must be bytes of at most {MAX_PAYLOAD} bytes")
        future: Future[Entry] = Future()
        self._queue.put((kind, payload, future))
        return future

    def append(self, kind: str, payload: bytes) -> Entry:
        """Gives back the entry once it is durably committed (blocks until then)."""
        return self.submit(kind, payload).result()

    def close(self) -> None:
        """Commits what is queued, then stops the writer thread."""
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)
            self._thread.join()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch, stopping = take_batch(self._queue, first, self._max_batch)
            self._commit(batch)

    def _commit(self, batch: list[tuple[str, bytes, Future[Entry]]]) -> None:
        try:
            start = self._store.append_many(self._name, [(k, p) for k, p, _ in batch])
        except BaseException as exc:
            for _, _, future in batch:
                future.set_exception(exc)
            return
        for i, (kind, payload, future) in enumerate(batch):
            future.set_result(Entry(self._name, start + i, kind, payload))
