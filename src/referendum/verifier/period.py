"""The voting period against witnessed times (docs/protocol.md section 15.2, step 4).

A witness's co-signature at time T of a checkpoint of size S states that the board had
at least S entries at T (section 7.4.4). So a tree holding voting.open co-signed before
the manifest's opens, or a ballot outside a tree co-signed after its closes, shows the
operator kept the voting period only on its own word.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from referendum.errors import VerificationError
from referendum.manifest import Manifest

__all__ = ["PeriodError", "VotingPeriod", "Witnessed"]

_FORM = "%Y-%m-%dT%H:%M:%SZ"
_VOTES = ("ballot", "spoiled")


class PeriodError(VerificationError):
    """A witnessed time shows an entry outside the manifest's voting period."""


@dataclass(frozen=True, slots=True)
class Witnessed:
    """A verified co-signature by a manifest witness: at time, the board had size entries."""

    line: int  # of checkpoints.jsonl
    size: int
    witness: str  # the witness key's name
    time: int  # POSIX seconds


def _seconds(text: str) -> int:
    return int(dt.datetime.strptime(text, _FORM).replace(tzinfo=dt.UTC).timestamp())


def show_time(seconds: int) -> str:
    """Gives back seconds as a UTC time like 2027-03-01T06:00:00Z (or the bare number)."""
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime(_FORM)
    except (OverflowError, OSError, ValueError):
        return f"{seconds} (POSIX seconds)"


class VotingPeriod:
    """The two checks of the voting period against the record's co-signatures."""

    def __init__(self, manifest: Manifest, witnessed: Iterable[Witnessed]) -> None:
        self.opens, self.closes = manifest.opens, manifest.closes
        opens, closes = _seconds(manifest.opens), _seconds(manifest.closes)
        self._before = [w for w in witnessed if w.time < opens]
        after = [w for w in witnessed if w.time > closes]
        # The smallest tree witnessed after closes bounds every ballot.
        self._after = min(after, key=lambda w: (w.size, w.line)) if after else None

    def check(self, index: int, kind: str) -> None:
        """Gives back None when board entry index of kind fits the witnessed times.

        Raises PeriodError naming the entry, the witness, its time and the checkpoint line.
        """
        if kind == "voting.open":
            for w in self._before:
                if w.size > index:
                    raise PeriodError(
                        f"voting opened before the voting period: board entry {index}"
                        f" (voting.open) is in the tree of {w.size} entries that witness"
                        f" {w.witness} co-signed at {show_time(w.time)}, before opens"
                        f" {self.opens} (checkpoints.jsonl line {w.line})"
                    )
        elif kind in _VOTES and self._after is not None and index >= self._after.size:
            w = self._after
            raise PeriodError(
                f"ballots were appended after the voting period: board entry {index} ({kind})"
                f" is not in the tree of {w.size} entries that witness {w.witness} co-signed"
                f" at {show_time(w.time)}, after closes {self.closes}"
                f" (checkpoints.jsonl line {w.line})"
            )
