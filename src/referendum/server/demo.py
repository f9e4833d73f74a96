"""`referendum serve --demo`: a demo referendum in voting, ready to be served and counted.

Everything the real parties would hold is written into one folder, each in the form its
CLI command reads, so the demo can be counted with the real commands afterwards:

    DIR/election/      the board folder (the operator's)
    DIR/trustee-N/     trustee N's keys and ceremony state (seven trustees in three groups)
    DIR/witness-N/     the two witnesses' keys and the last checkpoint each co-signed
    DIR/codes.txt      every voter's credential codes, one `region code code` line each
    DIR/count.sh       closes voting early and counts with the real `referendum` commands

The manifest's voting period runs from an hour ago to 30 days from now, so the booth
takes ballots at once; a few simulated voters have already voted (one of them challenged
a ballot first) so the board and the explorer are not empty.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from referendum.ballot import encrypt_ballot
from referendum.board import WITNESS_KEY, SigningKey
from referendum.board import Witness as BoardWitness
from referendum.ceremony import TrusteeKeys
from referendum.credentials import credential_key
from referendum.demo import (
    REGISTRARS,
    TRUSTEES,
    co_issue,
    cosign_now,
    manifest_text,
    region_sizes,
    run_ceremony,
)
from referendum.demo_manifest import REGIONS
from referendum.election import Election
from referendum.group import RandomSource, SeededRandom, system_random
from referendum.signing import Ed25519Key

__all__ = ["DemoElection", "prepare_demo"]

WITNESSES = ("observer-osce", "observer-un")
#: How many simulated voters cast before the server starts (one challenges first).
SIMULATED = 6
_TIME = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class DemoElection:
    """What prepare_demo made: the folders, the voters' codes, what is on the board."""

    folder: Path
    election: Path
    referendum: str
    fingerprint: str
    codes: list[tuple[str, tuple[str, ...]]]  # (region, codes: one per registrar), every voter
    voted: int  # how many of the first voters of codes have voted
    ballots: int
    challenged: int

    def to_try(self, n: int = 3) -> list[tuple[str, tuple[str, ...]]]:
        """Gives back n codes of voters who have not voted yet, from different regions."""
        fresh = self.codes[self.voted :]
        picked: list[tuple[str, tuple[str, ...]]] = []
        for region, _ in REGIONS:
            picked += [c for c in fresh if c[0] == region][:1]
        picked += [c for c in fresh if c not in picked]
        return picked[:n]


def _write_secret(path: Path, text: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def _json(value: Any) -> str:
    return json.dumps(value, indent=1) + "\n"


def count_script(fingerprint: str, python: str = sys.executable) -> str:
    """Gives back DIR/count.sh: the real commands that close voting early and count."""
    cli = f"{shlex.quote(python)} -m referendum.cli"
    witnesses = "".join(
        f"referendum witness cosign --dir witness-{n} --election election\n"
        for n in range(1, len(WITNESSES) + 1)
    )
    return f"""#!/usr/bin/env bash
# Counts the demo referendum with the real commands, as the parties of a real one would
# (docs/operations.md steps 9 to 14): the operator closes voting early, the witnesses
# co-sign, four of the seven trustees decrypt (two delegates and two neutral observers:
# the policy's "any 4, at least 2 neutral"), the operator publishes the
# results, the witnesses co-sign again, and the record is exported and verified.
# The server may keep running: the commands take turns with it on the folder's lock.
set -euo pipefail
cd "$(dirname "$0")"
referendum() {{ {cli} "$@"; }}

referendum tally close --election election --early
{witnesses}for t in 1 3 5 6; do
  referendum trustee decrypt --dir "trustee-$t" --election election
done
referendum tally publish --election election
{witnesses}record="record-$(date -u +%Y%m%dT%H%M%SZ)"
referendum export --election election --record "$record"
referendum verify "$record" --fingerprint {fingerprint} --no-progress
"""


def prepare_demo(
    folder: Path,
    *,
    voters: int = 40,
    store: str | None = None,
    seed: str | None = None,
    now: dt.datetime | None = None,
    say: Callable[[str], None] = lambda _: None,
    booth: str | None = None,
) -> DemoElection:
    """Gives back the demo referendum made in folder (new or empty), in voting.

    store: a postgresql:// URL for the board (default: SQLite in DIR/election). seed
    makes every key and ballot reproducible (tests); the manifest id still differs per
    seed. now: the moment the voting period is centred on (default: the clock). booth:
    the manifest's booth member (protocol.md 16.6), `sha256:<hex>`; default none.
    """
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise ValueError(f"{folder} exists and is not empty")
    if voters < len(REGIONS):
        raise ValueError(f"--voters must be at least {len(REGIONS)} (one per oblast)")
    if store is not None and not store.startswith(("postgresql://", "postgres://")):
        raise ValueError("--store takes a postgresql:// URL (SQLite in the folder is the default)")

    def rng(label: str) -> RandomSource:
        return SeededRandom(f"serve-demo/{seed}/{label}") if seed is not None else system_random

    moment = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    voting = (
        (moment - dt.timedelta(hours=1)).strftime(_TIME),
        (moment + dt.timedelta(days=30)).strftime(_TIME),
    )
    trustee_keys = [
        TrusteeKeys.generate(rng(f"trustee-keys/{i}")) for i in range(1, len(TRUSTEES) + 1)
    ]
    registrars = [Ed25519Key.generate(rng(f"registrar/{rid}")) for rid, _ in REGISTRARS]
    witness_keys = [SigningKey.generate(name, WITNESS_KEY, rng(name)) for name in WITNESSES]
    text = manifest_text(trustee_keys, registrars, witness_keys, rng("manifest"), voting=voting)
    if booth is not None:
        text = f"booth = {json.dumps(booth)}\n{text}"
    folder.mkdir(parents=True, exist_ok=True)
    board = folder / "election"
    say(f"creating the board in {board}")
    with Election.create(board, text, store=store, rng=rng("board")) as election:
        m = election.manifest
        say(f"key ceremony: {len(TRUSTEES)} trustees, policy {m.policy.describe()}")
        states = run_ceremony(election, trustee_keys, rng)
        codes: list[tuple[str, tuple[str, ...]]] = []
        for region, count in region_sizes(voters).items():
            codes += [(region, c) for c in co_issue(election, registrars, region, count, rng)]
        witnesses = [BoardWitness(k, m.board_key) for k in witness_keys]
        cosign_now(election, witnesses)
        election.open_voting()
        key = election.state.public_key
        if key is None:  # pragma: no cover - set by open_voting
            raise RuntimeError("voting did not open")
        say(f"{voters} credentials issued; voting is open; simulated voters are voting")
        # Interleave regions so the first voters are spread over the oblasts.
        by_region = {r: [c for c in codes if c[0] == r] for r, _ in REGIONS}
        spread = [c for group in zip(*by_region.values(), strict=False) for c in group]
        codes = spread + [c for c in codes if c not in spread]
        voted = min(SIMULATED, len(codes) // 2)
        challenged = 0
        for n, (region, letters) in enumerate(codes[:voted]):
            question = m.ballot_style(region)[0]
            credential = credential_key(m.fingerprint, letters)
            if n == 0:  # this voter checks the device first: a Benaloh challenge
                prepared = encrypt_ballot(
                    m, key, region, {question.id: [0, 1]}, credential, rng(f"spoil/{n}")
                )
                election.post("spoiled", prepared.spoiled_payload())
                challenged += 1
            choice = [1, 0] if n % 3 != 2 else [0, 1]
            prepared = encrypt_ballot(
                m, key, region, {question.id: choice}, credential, rng(f"ballot/{n}")
            )
            election.post("ballot", prepared.payload)
        cosign_now(election, witnesses)
        fingerprint = m.fingerprint.hex()
        referendum = m.id
    for state, keys in zip(states, trustee_keys, strict=True):
        where = folder / f"trustee-{state.index}"
        _write_secret(where / "trustee-keys.json", _json(keys.to_json()))
        _write_secret(where / "trustee-state.json", _json(state.to_json()))
    for n, (w, k) in enumerate(zip(witnesses, witness_keys, strict=True), start=1):
        latest = w.latest.to_text() if w.latest is not None else None
        value = {"format": "referendum-witness/1", "name": k.name, "seed": k.seed.hex()}
        _write_secret(folder / f"witness-{n}" / "witness.json", _json({**value, "latest": latest}))
    _write_secret(folder / "codes.txt", "".join(f"{r} {' '.join(c)}\n" for r, c in codes))
    script = folder / "count.sh"
    script.write_text(count_script(fingerprint))
    script.chmod(0o755)
    return DemoElection(folder, board, referendum, fingerprint, codes, voted, voted, challenged)
