"""Who must take part in a decryption: the manifest's policy (docs/protocol.md 9.2.2, 11).

A policy is a list of clauses, each "at least t of the trustees of these groups". A set of
trustees may decrypt when it meets every clause. The key ceremony makes the election key
the product of one key per clause, each shared t-of-members among the clause's own
members only (section 11.1), so a set that misses a clause holds fewer than t shares of
that clause's key and learns nothing of it: the cryptography enforces the policy, not the
software of the honest parties. The plain "any k of the n trustees" is the one-clause
policy over every group.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

__all__ = ["Clause", "Policy"]


@dataclass(frozen=True, slots=True)
class Clause:
    """Clause number `number` (1-based, manifest order): at least `threshold` of `members`.

    groups: the group ids the manifest's clause names, as written. members: the trustee
    numbers whose group is one of them, ascending.
    """

    number: int
    threshold: int
    groups: tuple[str, ...]
    members: tuple[int, ...]

    def met_by(self, trustees: Collection[int]) -> bool:
        """True when at least threshold of the members are among trustees."""
        return sum(1 for j in self.members if j in trustees) >= self.threshold

    def describe(self) -> str:
        """Gives back the clause in words: "at least 2 of ukraine, neutral (trustees 1, 2, 5)"."""
        who = ", ".join(map(str, self.members))
        return f"at least {self.threshold} of {', '.join(self.groups)} (trustees {who})"


@dataclass(frozen=True, slots=True)
class Policy:
    """The manifest's clauses, in manifest order; a set of trustees must meet them all."""

    clauses: tuple[Clause, ...]

    def met_by(self, trustees: Iterable[int]) -> bool:
        """True when trustees meet every clause."""
        present = frozenset(trustees)
        return all(c.met_by(present) for c in self.clauses)

    def unmet(self, trustees: Iterable[int]) -> list[Clause]:
        """Gives back the clauses trustees do not meet, in manifest order."""
        present = frozenset(trustees)
        return [c for c in self.clauses if not c.met_by(present)]

    def clauses_of(self, trustee: int) -> tuple[Clause, ...]:
        """Gives back the clauses whose members include trustee, in manifest order."""
        return tuple(c for c in self.clauses if trustee in c.members)

    def clause(self, number: int) -> Clause:
        """Gives back clause number (1-based); KeyError if there is none."""
        if not 1 <= number <= len(self.clauses):
            raise KeyError(f"no policy clause {number}")
        return self.clauses[number - 1]

    def describe(self) -> str:
        """Gives back the whole policy in words, clauses joined by "and"."""
        return " and ".join(c.describe() for c in self.clauses)
