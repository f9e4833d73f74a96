"""A one-line progress bar on stderr for long work (verification, casting, export)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Redrawn in place on a terminal; silent elsewhere unless asked (logs stay clean)."""

    def __init__(
        self, label: str, total: int, *, stream: TextIO | None = None, enabled: bool | None = None
    ) -> None:
        self.label, self.total, self.done = label, total, 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._start = self._last = time.monotonic()

    def advance(self, n: int = 1) -> None:
        """Counts n more units done and redraws at most ten times a second."""
        self.done += n
        now = time.monotonic()
        if self.enabled and (now - self._last > 0.1 or self.done >= self.total):
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        total = max(self.total, 1)
        filled = min(30, int(30 * self.done / total))
        bar = "#" * filled + "." * (30 - filled)
        elapsed = now - self._start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = f", {max(0.0, (self.total - self.done) / rate):.0f} s left" if rate > 0 else ""
        self.stream.write(
            f"\r  {self.label:12} [{bar}] {self.done:,}/{self.total:,} ({rate:,.0f}/s{eta})  "
        )
        self.stream.flush()

    def finish(self) -> float:
        """Gives back the seconds since the start, ending the bar's line."""
        elapsed = time.monotonic() - self._start
        if self.enabled:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
        return elapsed
