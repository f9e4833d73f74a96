"""Group commit for requests: one thread per worker runs what is waiting as one batch.

docs/performance.md ("Casts per second over HTTP"). Requests whose ballots passed their
checks each submit one item and wait for its own result; the thread takes every item
waiting (up to max_batch) and hands them to run, which appends them under the board's
locks in one transaction and gives back one result per item: a value, or the exception
that item's request raises. While one batch is under the locks the next one gathers, so
the serialised part (locks, commit, checkpoint signature) is paid once per batch, not
once per request, and nothing waits for a timer.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

from referendum.board.writer import take_batch

__all__ = ["Appender"]

T = TypeVar("T")
R = TypeVar("R")


class Appender(Generic[T, R]):
    """Runs submitted items in batches on a thread of its own (started on first use)."""

    def __init__(
        self,
        run: Callable[[Sequence[T]], Sequence[R | BaseException]],
        *,
        max_batch: int = 256,
        name: str = "appender",
    ) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch {max_batch}: want at least 1")
        self._run = run
        self.max_batch = max_batch
        self._name = name
        self._queue: queue.SimpleQueue[tuple[T, Future[R]] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()
        self._closed = False

    def submit(self, item: T) -> Future[R]:
        """Gives back a future of item's result, set once its batch has run."""
        future: Future[R] = Future()
        with self._guard:
            if self._closed:
                raise RuntimeError("the appender is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            self._queue.put((item, future))
        return future

    def close(self) -> None:
        """Runs what is waiting, then stops the thread."""
        with self._guard:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
            self._queue.put(None)
        if thread is not None:
            thread.join()

    def _loop(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch, stopping = take_batch(self._queue, first, self.max_batch)
            # A request that went away before its batch began is not appended; from here
            # on its future cannot be cancelled.
            batch = [(item, f) for item, f in batch if f.set_running_or_notify_cancel()]
            if batch:
                self._settle(batch)

    def _settle(self, batch: list[tuple[T, Future[R]]]) -> None:
        try:
            results = self._run([item for item, _ in batch])
            if len(results) != len(batch):  # pragma: no cover - a bug in run
                raise RuntimeError(f"{len(results)} results for a batch of {len(batch)}")
        except BaseException as exc:  # every waiting request hears of it
            for _, future in batch:
                future.set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)
