"""What one yes/no ballot costs to make, check and store, beside another release's code.

Run: .venv/bin/python benchmarks/ballot_cost.py [--against REV] [--rounds N] [--quick]

The same measurement runs in fresh processes on this work tree's `src/` and on the
`src/` of git revision REV (default: the last release before the ballots encrypted an
exactly-k question's options but the last, protocol.md 12.2), alternating, so both are
measured under the same load; the table gives the best round of each and their ratio.
The ballot is the referendum's: one question, two options, exactly one chosen, under a
real election key. Figures are CPU time of this process (`time.process_time`), one core.

Pieces of the check: `fields` is the structure check (`check_ballot_fields`);
`signature` the credential's Ed25519 signature (`verify_message`); `proofs` is the
whole `verify_ballot` minus those two and the tracking hash (decoding every element and
scalar, every 0/1 proof, the sum proof when there is one); `tracking hash` the SHA-512 of
the canonical body. `entry bytes` is the length of the ballot's line in `board.jsonl`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: The release before protocol.md 12.2's encrypted selections (referendum-record/2).
BEFORE = "ffc0f96"


def _manifest_json() -> dict[str, Any]:
    """The one-region yes/no manifest, in the format of whichever tree is imported: the
    release BEFORE reads referendum-manifest/1 (a quorum), this tree manifest/3 (trustee
    groups, a policy, codes_per_voter)."""
    from referendum.board.keys import BOARD_KEY, SigningKey
    from referendum.group import SeededRandom
    from referendum.manifest import FORMAT
    from referendum.signing import Ed25519Key

    rng = SeededRandom("ballot-cost")
    texts = {"en": "x"}
    old = FORMAT == "referendum-manifest/1"
    trustees = [
        {
            "index": i,
            "name": f"T{i}",
            **({} if old else {"group": "trustees"}),
            "signing_key": Ed25519Key.generate(rng).public.hex(),
            "encryption_key": bytes([i] * 32).hex(),
        }
        for i in (1, 2, 3)
    ]
    threshold: dict[str, Any] = (
        {"quorum": 2} if old else {"policy": [{"at_least": 2, "of": ["trustees"]}]}
    )
    registrars = [{"id": "reg", "name": "R", "signing_key": Ed25519Key.generate(rng).public.hex()}]
    return {
        "format": FORMAT,
        "id": "ballot-cost",
        "languages": ["en"],
        "title": texts,
        "voting": {"opens": "2027-03-01T06:00:00Z", "closes": "2027-03-01T18:00:00Z"},
        "questions": [
            {
                "id": "status",
                "text": texts,
                "options": [{"id": o, "text": texts} for o in ("ukraine", "russia")],
                "min_choices": 1,
                "max_choices": 1,
            }
        ],
        "regions": [{"id": "donetsk", "name": texts, "questions": ["status"]}],
        "trustees": trustees,
        **threshold,
        "registrars": registrars,
        # one code per voter: the signature costs the same whatever the codes per voter
        **({} if old else {"codes_per_voter": 1}),
        "witnesses": [],
        "board": {"key": SigningKey.generate("board", BOARD_KEY, rng).verifier().to_text()},
    }


def _best(fn: Callable[[], object], number: int, repeat: int) -> float:
    """The fastest of `repeat` runs of `number` calls: CPU microseconds per call."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(number):
            fn()
        best = min(best, time.process_time() - start)
    return best / number * 1e6


def measure(number: int, repeat: int) -> dict[str, Any]:
    """The figures of one process, on whichever `referendum` its sys.path holds."""
    from referendum.ballot import check_ballot_fields, encrypt_ballot, tracking_hash, verify_ballot
    from referendum.canonical import canonical_json
    from referendum.credentials import credential_key, generate_code
    from referendum.group import RISTRETTO255 as G
    from referendum.group import SeededRandom
    from referendum.manifest import Manifest
    from referendum.signing import verify_message

    manifest = Manifest.from_json(_manifest_json())
    key = G.generator ** G.random_scalar(SeededRandom("ballot-cost/key"))
    # the tree's own credential key from a code (this tree: the scalar of its part, signing
    # with credentials.CredentialKey.sign; the release before: an Ed25519 seed)
    voter = credential_key(manifest.fingerprint, generate_code(SeededRandom("ballot-cost/voter")))
    rng = SeededRandom("ballot-cost/ballots")
    choice = {"status": [1, 0]}

    def make() -> dict[str, Any]:
        return encrypt_ballot(manifest, key, "donetsk", choice, voter, rng).payload

    payload = make()
    cred = bytes.fromhex(payload["credential"])
    fp = manifest.fingerprint
    full = _best(lambda: verify_ballot(manifest, key, payload, "b"), number, repeat)
    fields = _best(lambda: check_ballot_fields(payload, "b"), number, repeat)
    signature = _best(lambda: verify_message(cred, fp, "ballot", payload, "b"), number, repeat)
    tracking = _best(lambda: tracking_hash(fp, payload), number, repeat)
    line = canonical_json({"index": 1000000, "kind": "ballot", "payload": payload})
    q = payload["questions"][0]
    return {
        "source": str(Path(sys.modules["referendum"].__file__ or "").parents[1]),
        "encrypt and sign": _best(make, number, repeat),
        "verify_ballot": full,
        "fields": fields,
        "signature": signature,
        "tracking hash": tracking,
        "proofs": full - fields - signature - tracking,
        "selections": len(q["selections"]),
        "sum proof branches": len(q["sum_proof"]),
        "entry bytes": len(line) + 1,
    }


def _export(rev: str, into: Path) -> Path:
    """Writes REV's src/ into `into` and gives back its path."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev, "src"],
        check=True,
        capture_output=True,
    ).stdout
    tar = into / "src.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as t:
        t.extractall(into, filter="data")
    return into / "src"


def _run(src: Path, number: int, repeat: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(
        [sys.executable, __file__, "--measure", str(number), str(repeat)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=str(ROOT / "benchmarks"),
    ).stdout
    result: dict[str, Any] = json.loads(out)
    if Path(result["source"]).resolve() != src.resolve():
        raise SystemExit(f"measured {result['source']}, not {src}: check PYTHONPATH")
    return result


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return f"{line.split(':', 1)[1].strip()} ({platform.machine()})"
    except OSError:
        pass
    return platform.machine()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default=BEFORE, help=f"git revision (default {BEFORE})")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--quick", action="store_true", help="few iterations (smoke run)")
    parser.add_argument("--measure", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    number, repeat = (5, 2) if args.quick else (200, 5)
    rounds = 1 if args.quick else args.rounds
    print(f"machine: {os.cpu_count()} cores, {_cpu()}, Python {platform.python_version()}")
    print(
        f"this tree against {args.against}: {rounds} alternating rounds,"
        f" best of {repeat} x {number}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        old_src = _export(args.against, Path(tmp))
        new_src = ROOT / "src"
        new: list[dict[str, Any]] = []
        old: list[dict[str, Any]] = []
        for _ in range(rounds):
            new.append(_run(new_src, number, repeat))
            old.append(_run(old_src, number, repeat))
    rows = [
        ("encrypt and sign", "us"),
        ("verify_ballot", "us"),
        ("fields", "us"),
        ("signature", "us"),
        ("proofs", "us"),
        ("tracking hash", "us"),
        ("selections", ""),
        ("sum proof branches", ""),
        ("entry bytes", ""),
    ]
    print()
    print(f"| per yes/no ballot | {args.against} | this tree | this / {args.against} |")
    print("|---|---:|---:|---:|")
    for name, unit in rows:
        a = min(r[name] for r in old)
        b = min(r[name] for r in new)
        ratio = f"{b / a:.2f}" if a else ""
        shown = [f"{v:,.0f} {unit}" if unit else f"{v:,}" for v in (a, b)]
        print(f"| {name} | {shown[0]} | {shown[1]} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
