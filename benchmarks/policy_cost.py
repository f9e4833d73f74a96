"""What a policy over trustee groups costs against the plain "k of n" (docs/performance.md).

The demo's seven trustees (ukraine 2, russia 2, neutral 3) under two policies, side by
side in one run, alternating:

- plain: `[{at_least = 4, of = [all three groups]}]`, one key generation;
- groups: the demo's policy, that plus `{at_least = 2, of = ["neutral"]}`, two key
  generations (section 11): the three neutral trustees deal, check and decrypt twice.

Figures per policy: the whole key ceremony on a SQLite board (every message made,
posted and checked by the board's rules), the bytes of the ceremony's board entries, and
at the count, per trustee, making its decryption message and the board checking it
(4 oblasts, one question; the tallies of a few ballots cost the same as of millions).

    .venv/bin/python benchmarks/policy_cost.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crypto import _cpu  # benchmarks/crypto.py: the machine line every benchmark prints
from referendum.ballot import encrypt_ballot
from referendum.board import WITNESS_KEY, SigningKey
from referendum.ceremony import TrusteeKeys
from referendum.credentials import credential_key
from referendum.demo import POLICY, REGISTRARS, TRUSTEES, co_issue, manifest_text, run_ceremony
from referendum.election import Election
from referendum.group import SeededRandom
from referendum.signing import Ed25519Key
from referendum.tally import decryption_message

PLAIN = 'policy = [{ at_least = 4, of = ["ukraine", "russia", "neutral"] }]'
_FORM = "%Y-%m-%dT%H:%M:%SZ"


def _one(policy: str, folder: Path) -> dict[str, float]:
    keys = [TrusteeKeys.generate(SeededRandom(f"p/{i}")) for i in range(1, len(TRUSTEES) + 1)]
    registrars = [Ed25519Key.generate(SeededRandom(f"p/registrar/{r}")) for r, _ in REGISTRARS]
    witness = SigningKey.generate("observer-1", WITNESS_KEY, SeededRandom("p/w"))
    text = manifest_text(keys, registrars, [witness], SeededRandom("p/m")).replace(POLICY, policy)
    out: dict[str, float] = {}
    with Election.create(folder, text, rng=SeededRandom("p/board")) as election:
        m = election.manifest
        first = dt.datetime.strptime(m.deadlines["commitment"], _FORM).replace(tzinfo=dt.UTC)
        election.clock = lambda: first - dt.timedelta(days=1)
        t0 = time.perf_counter()
        states = run_ceremony(election, keys, lambda label: SeededRandom(f"p/{label}"))
        out["ceremony s"] = time.perf_counter() - t0
        out["ceremony KB"] = (
            sum(len(e.payload) for e in election.log.entries(1, election.state.size)) / 1000
        )
        codes: list[tuple[str, tuple[str, ...]]] = []
        for region in m.regions:
            letters = co_issue(
                election, registrars, region.id, 2, lambda label: SeededRandom(f"p/{label}")
            )
            codes += [(region.id, c) for c in letters]
        opens = dt.datetime.strptime(m.opens, _FORM).replace(tzinfo=dt.UTC)
        election.clock = lambda: opens + dt.timedelta(hours=1)
        election.open_voting()
        key = election.state.public_key
        assert key is not None
        for n, (region_id, code) in enumerate(codes):
            q = m.ballot_style(region_id)[0]
            cred = credential_key(m.fingerprint, code)
            ballot = encrypt_ballot(
                m, key, region_id, {q.id: [1, 0]}, cred, SeededRandom(f"p/b/{n}")
            )
            election.post("ballot", ballot.payload)
        election.close_voting(early=True)
        board = election.state.tally_state
        assert board is not None
        make, check, size = [], [], []
        for s in states:
            finals = s.final_shares_from(m, election.state.ceremony)
            t0 = time.perf_counter()
            message = decryption_message(
                m, s.index, finals, keys[s.index - 1].signing, election.state.tallies,
                SeededRandom(f"p/d/{s.index}"), board=board,
            )  # fmt: skip
            t1 = time.perf_counter()
            entry = election.post("decryption", message)
            make.append(t1 - t0)
            check.append(time.perf_counter() - t1)
            size.append(len(entry.payload) / 1000)
        out["decrypt: make ms/trustee"] = 1000 * statistics.mean(make)
        out["decrypt: board check ms/trustee"] = 1000 * statistics.mean(check)
        out["decryption KB/trustee"] = statistics.mean(size)
        neutral = [i for i, (_, g) in enumerate(TRUSTEES) if g == "neutral"]
        out["decrypt: make ms/neutral"] = 1000 * statistics.mean(make[i] for i in neutral)
        out["decrypt: board check ms/neutral"] = 1000 * statistics.mean(check[i] for i in neutral)
        out["decryption KB/neutral"] = statistics.mean(size[i] for i in neutral)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(_cpu())
    runs: dict[str, list[dict[str, float]]] = {"plain": [], "groups": []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for name, policy in (("plain", PLAIN), ("groups", POLICY)):
                runs[name].append(_one(policy, Path(tmp) / f"{name}-{r}"))
    print(f"7 trustees; {args.rounds} rounds, alternating; medians")
    print(f"{'':34} {'plain 4 of 7':>14} {'4 of 7 + 2 of 3':>16} {'ratio':>7}")
    for key in runs["plain"][0]:
        a = statistics.median(x[key] for x in runs["plain"])
        b = statistics.median(x[key] for x in runs["groups"])
        print(f"{key:34} {a:14.2f} {b:16.2f} {b / a:7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
