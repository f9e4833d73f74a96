"""A rate limit per voting credential, shared by every worker process of the server.

A token bucket per credential (the 64-hex public key of a ballot or challenge): it holds
at most `requests` tokens, refills at `requests` per `seconds`, and each cast or challenge
takes one. The buckets live in a small SQLite file in the election folder, changed inside
`BEGIN IMMEDIATE` transactions, so all workers on the folder count together. Only
credentials on the roll get a bucket (the server checks registration first), so the file
stays as small as the roll.
"""

from __future__ import annotations

import math
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RATE_FILE", "RateLimit", "RateLimiter", "parse_rate"]

RATE_FILE = "rate.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS bucket (
    credential TEXT PRIMARY KEY,
    tokens REAL NOT NULL,
    updated REAL NOT NULL
) WITHOUT ROWID
"""
_EPSILON = 1e-9
_RATE = re.compile(r"([1-9][0-9]{0,8})/([1-9][0-9]{0,8})")


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most `requests` per `seconds` per credential (bursts up to `requests`)."""

    requests: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.requests}/{self.seconds}"


DEFAULT_RATE = RateLimit(10, 60)


def parse_rate(text: str) -> RateLimit:
    """Gives back the RateLimit written N/SECONDS (e.g. 10/60); ValueError otherwise."""
    match = _RATE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"rate limit {text!r}: want N/SECONDS with positive integers, e.g. 10/60")
    return RateLimit(int(match[1]), int(match[2]))


class RateLimiter:
    """The shared buckets in folder/rate.sqlite; clock gives seconds (wall clock: shared
    by processes)."""

    def __init__(
        self,
        folder: Path,
        rate: RateLimit = DEFAULT_RATE,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.rate = rate
        self.clock = clock
        self._lock = threading.Lock()
        path = Path(folder) / RATE_FILE
        # Private (0600), with its WAL and shared-memory files: which credentials cast
        # when is nobody else's business on this machine.
        for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            os.close(os.open(name, os.O_WRONLY | os.O_CREAT, 0o600))
            os.chmod(name, 0o600)
        self._db = sqlite3.connect(
            path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    def take(self, credential: str) -> float | None:
        """Gives back None when credential may go on (a token is taken), else the seconds
        until it may try again."""
        capacity = float(self.rate.requests)
        per_second = self.rate.requests / self.rate.seconds
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                now = self.clock()
                row = self._db.execute(
                    "SELECT tokens, updated FROM bucket WHERE credential = ?", (credential,)
                ).fetchone()
                tokens = capacity
                if row is not None:
                    elapsed = max(0.0, now - float(row[1]))
                    tokens = min(capacity, float(row[0]) + elapsed * per_second)
                wait = None
                if tokens >= 1.0 - _EPSILON:  # refills add up in floating point
                    tokens = max(0.0, tokens - 1.0)
                else:
                    wait = (1.0 - tokens) / per_second
                self._db.execute(
                    "INSERT INTO bucket (credential, tokens, updated) VALUES (?, ?, ?)"
                    " ON CONFLICT (credential) DO UPDATE SET tokens = excluded.tokens,"
                    " updated = excluded.updated",
                    (credential, tokens, now),
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return wait

    @staticmethod
    def retry_after(wait: float) -> str:
        """Gives back the Retry-After header value (whole seconds, at least 1) for wait."""
        return str(max(1, math.ceil(wait - 1e-9)))

    def close(self) -> None:
        with self._lock:
            self._db.close()
