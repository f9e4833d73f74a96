"""Voters' lookups in a record (protocol.md 15.3): what --find says before and after the
count, and which typed codes it cannot read."""

from __future__ import annotations

import re

import pytest

from ballot_fixtures import credential, election_key, make_manifest
from referendum.ballot import encrypt_ballot
from referendum.group import SeededRandom
from referendum.verifier.lookup import Finding, Lookups

M = make_manifest()
K = election_key().public_key
CHOICES = {"status": [0, 1, 0]}


def _findings(closed: bool) -> list[Finding]:
    earlier, later = (
        encrypt_ballot(M, K, "north", CHOICES, credential(7), SeededRandom(seed))
        for seed in ("earlier", "later")
    )
    lookups = Lookups(M, codes=[earlier.tracking_code, later.tracking_code.lower()])
    for index, ballot in ((5, earlier), (9, later)):
        assert lookups.see(index, "ballot", ballot.payload, bytes(32))
    latest = {credential(7).public: 9}
    return lookups.finish(latest, {}, 10, {}, closed=closed)


def test_before_voting_closes_a_ballot_is_only_cast() -> None:
    # Telling "superseded" now would show anyone with the earlier code that its voter
    # voted again, while voting again is still the voter's defence.
    status = "cast; whether it is counted is told once voting has closed"
    assert [f.status for f in _findings(closed=False)] == [status, status]


def test_after_voting_closes_the_last_ballot_counts() -> None:
    assert [f.status for f in _findings(closed=True)] == [
        "not counted: the same credential voted again at entry 9",
        "counted (the last ballot of its credential)",
    ]


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("0000-0000-0000-0000-0000", "check character does not match"),
        ("0000-0000-0000-0000-000", "has 19 characters, want 20"),
        ("0000-0000-0000-0000-000U", "character 24 ('U')"),
    ],
)
def test_a_code_that_does_not_read_is_refused_with_why(typed: str, why: str) -> None:
    with pytest.raises(ValueError, match=rf"tracking code '{typed}': .*{re.escape(why)}"):
        Lookups(M, codes=[typed])
