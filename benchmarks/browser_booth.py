"""The booth's work per ballot in headless Chromium, beside the same ballot in Python.

Run: .venv/bin/python benchmarks/browser_booth.py [--ballots N] [--repeats R]

Needs the built pages (`make install` builds them) and Debian's chromium. It serves the
built assets on a loopback port, loads web/src/crypto/bench.js (bundled as
assets/bench-HASH.js: build.json names it) into Chromium and times encrypt-and-prove of
the demo ballot (one question, two options, one chosen: docs/protocol.md 12.2) and the
signature of a cast, then times the same ballot with the Python implementation
(libsodium) in this process.
Figures are the best of R runs of N ballots (the machine is shared and noisy); the goal
for the browser is at most 50 ms per ballot.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import statistics
import sys
import threading
import time
import timeit
from pathlib import Path

from playwright.sync_api import sync_playwright

from crypto import _cpu  # benchmarks/crypto.py: the machine line every benchmark prints
from referendum.ballot import PreparedBallot, encrypt_ballot
from referendum.board import BOARD_KEY, SigningKey
from referendum.ceremony import TrusteeKeys
from referendum.credentials import credential_key, format_code, generate_code
from referendum.demo import REGISTRARS, TRUSTEES, manifest_text
from referendum.group import RISTRETTO255 as G
from referendum.group import system_random
from referendum.manifest import load_manifest_toml
from referendum.signing import Ed25519Key

STATIC = Path(__file__).resolve().parents[1] / "src" / "referendum" / "server" / "static"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _built(name: str) -> str:
    """Gives back the built file of a source name ("bench.js" -> "assets/bench-HASH.js")."""
    names: dict[str, str] = json.loads((STATIC / "build.json").read_text())["names"]
    return names[name]


def _browser_runs(ballots: int, repeats: int) -> tuple[list[dict[str, float]], str]:
    handler = functools.partial(_Quiet, directory=str(STATIC))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            version = browser.version
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/{_built('favicon.svg')}")
            script = "/" + _built("bench.js")
            runs = [
                page.evaluate(
                    "async ([s, n]) => (await import(s)).benchEncrypt(n)", [script, ballots]
                )
                for _ in range(repeats)
            ]
            browser.close()
    finally:
        server.shutdown()
    return runs, version


def _python_ms(ballots: int, repeats: int) -> tuple[float, float]:
    """Gives back (encrypt-and-prove, sign) in ms per demo ballot, best of repeats."""
    board = SigningKey.generate("board", BOARD_KEY, system_random)
    # The demo manifest with throwaway parties: they do not change a ballot's cost.
    trustees = [TrusteeKeys.generate() for _ in TRUSTEES]
    manifest = load_manifest_toml(
        manifest_text(trustees, [Ed25519Key.generate() for _ in REGISTRARS], []), board.verifier()
    )
    key = G.generator ** G.random_scalar(system_random)
    # one code per co-issuing registrar (the demo's two): the key is the sum of their parts
    codes = [format_code(generate_code()) for _ in REGISTRARS]
    credential = credential_key(manifest.fingerprint, codes)
    region = manifest.regions[0].id

    def prepare() -> PreparedBallot:
        return encrypt_ballot(manifest, key, region, {"status": [1, 0]}, credential)

    encrypting = min(timeit.repeat(prepare, number=ballots, repeat=repeats)) / ballots
    signing = float("inf")
    for _ in range(repeats):  # a prepared ballot signs once (on first use): fresh ones each run
        fresh = [prepare() for _ in range(ballots)]
        start = time.perf_counter()
        for b in fresh:
            b.payload  # noqa: B018  (the property signs the body)
        signing = min(signing, (time.perf_counter() - start) / ballots)
    return encrypting * 1e3, signing * 1e3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=40, help="ballots per run (default 40)")
    parser.add_argument("--repeats", type=int, default=5, help="runs (default 5)")
    args = parser.parse_args()
    if not (STATIC / "build.json").is_file():
        print("the pages are not built: run `make install`", file=sys.stderr)
        return 2

    runs, version = _browser_runs(args.ballots, args.repeats)
    py_encrypt, py_sign = _python_ms(args.ballots, args.repeats)
    best = min(r["msPerBallot"] for r in runs)
    median = statistics.median(r["msPerBallot"] for r in runs)
    sign = min(r["msSignPerBallot"] for r in runs)
    print(f"# {_cpu()}, Chromium {version}, Python {sys.version.split()[0]}")
    print(f"# {args.repeats} runs of {args.ballots} demo ballots (1 question, 2 options)")
    print(f"{'step':40} {'chromium ms':>12} {'python ms':>10} {'ratio':>6}")
    print(
        f"{'encrypt and prove (best run)':40} {best:12.2f} {py_encrypt:10.2f} "
        f"{best / py_encrypt:6.1f}"
    )
    print(f"{'encrypt and prove (median run)':40} {median:12.2f}")
    print(f"{'sign the cast ballot':40} {sign:12.2f} {py_sign:10.2f} {sign / py_sign:6.1f}")
    print(f"{'prepare the election key (once a page)':40} {runs[0]['msPrepareKey']:12.2f}")
    print(f"{'first ballot, cold (once a page)':40} {runs[0]['msFirstBallot']:12.2f}")
    print(f"goal: encrypt and prove <= 50 ms: {'met' if median <= 50 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
