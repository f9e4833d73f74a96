"""The `referendum` command: a whole demo, and one command per role of a real referendum.

    referendum demo                       a whole referendum on this machine (SQLite)
    referendum init MANIFEST.toml ...     organiser: create the board (and its key)
    referendum trustee keygen|commit|shares|check|reveal|confirm|decrypt|status|close
    referendum credentials keygen|issue|publish   registrar: voter credentials
    referendum witness keygen|cosign|follow|request  observer: check and co-sign checkpoints
    referendum sync                       anyone: a verified replica of the board over HTTP
    referendum open                       operator: open voting once all is ready
    referendum vote                       voter: cast or challenge a ballot
    referendum tally close|publish        operator: end voting, post totals; post results
    referendum export                     operator: write the election record
    referendum serve                      operator: the casting service (HTTP API, web pages)
    referendum verify RECORD              anyone: check a record (exit 0 ok, 1 failed, 2 unreadable)
    referendum booth hash|check           anyone: the web booth's hash; is it the one served?

Every error is one line on stderr: exit 2 for input that cannot be used (missing or
broken files, wrong values, another referendum's files, a message the board refuses),
exit 1 only when `verify` finds a check that fails.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from referendum.errors import VerificationError

__all__ = ["main"]

EXIT_FAILED = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _board_options(p: argparse.ArgumentParser) -> None:
    """--board URL and --fingerprint (a party on its own machine), or --election FOLDER
    (a rehearsal on the board's own machine)."""
    p.add_argument(
        "--board",
        default=None,
        help="the board's URL: this party keeps its own verified replica in --dir",
    )
    p.add_argument(
        "--fingerprint", default=None, help="the referendum's fingerprint (hex), with --board"
    )
    p.add_argument(
        "--election",
        default=None,
        help="rehearsal on the board's machine: the operator's board folder",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="referendum",
        description="End-to-end verifiable referendum: run it, take part in it, verify it.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = sub.add_parser("demo", help="run a whole referendum on this machine and verify it")
    demo.add_argument("--voters", type=int, default=10_000, help="simulated voters (10000)")
    demo.add_argument("--seed", default=None, help="seed the random source (reproducible run)")
    demo.add_argument(
        "--record", default=None, help="write the record here (default: new temp folder)"
    )
    demo.add_argument(
        "--store", default=None, help="board store: a postgresql:// URL (default: SQLite file)"
    )
    demo.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")

    init = sub.add_parser("init", help="organiser: create a referendum's board from a manifest")
    init.add_argument("manifest", nargs="?", help="the manifest TOML file")
    init.add_argument("--election", help="the operator's new folder for this referendum")
    init.add_argument(
        "--store", default=None, help="postgresql:// URL (default: SQLite in the folder)"
    )
    init.add_argument("--template", action="store_true", help="print a manifest template and stop")

    trustee = sub.add_parser("trustee", help="trustee: key ceremony and decryption")
    tsub = trustee.add_subparsers(dest="step", required=True, parser_class=_Parser)
    keygen = tsub.add_parser("keygen", help="make this trustee's keys; prints the manifest block")
    keygen.add_argument("--dir", required=True, help="this trustee's private folder")
    keygen.add_argument("--name", required=True, help="the trustee's name as in the manifest")
    keygen.add_argument(
        "--group",
        default="trustees",
        help="the trustee's group as the manifest's policy names it (default: trustees)",
    )
    for step, text in (
        ("commit", "post the Feldman commitments and Schnorr proof"),
        ("shares", "post the encrypted, signed shares for the other trustees"),
        ("check", "open and check the shares sent to this trustee; post complaints"),
        ("reveal", "answer complaints against this trustee by revealing those shares"),
        ("confirm", "post the joint key, this trustee's public share and proof"),
        ("decrypt", "post this trustee's decryption shares of the tally, with proofs"),
        ("status", "show the ceremony's phase and whom it waits for"),
        ("close", "close the open ceremony step after its deadline, with the witnesses' times"),
    ):
        p = tsub.add_parser(step, help=text)
        p.add_argument(
            "--dir",
            required=step not in ("status", "close"),
            help="this trustee's private folder (for close and status: a replica's folder)",
        )
        _board_options(p)

    creds = sub.add_parser("credentials", help="registrar: voter credentials")
    csub = creds.add_subparsers(dest="step", required=True, parser_class=_Parser)
    ck = csub.add_parser("keygen", help="make a registrar key; prints the manifest block")
    ck.add_argument("--dir", required=True, help="the registrar's private folder")
    ck.add_argument("--id", required=True, help="registrar id, as in the manifest")
    ck.add_argument("--name", required=True, help="registrar name")
    ck.add_argument(
        "--region",
        action="append",
        default=[],
        metavar="REGION",
        help="a region this registrar serves (repeat; default: every region)",
    )
    ci = csub.add_parser("issue", help="issue one region's credentials; codes go to --out")
    ci.add_argument("--dir", required=True, help="the registrar's private folder")
    _board_options(ci)
    ci.add_argument("--region", required=True, help="region id")
    ci.add_argument("--count", type=int, required=True, help="number of voters")
    ci.add_argument("--out", required=True, help="new file for the private codes (to print)")
    cp = csub.add_parser(
        "publish", help="post the parts once every co-issuer of the region has committed"
    )
    cp.add_argument("--dir", required=True, help="the registrar's private folder")
    _board_options(cp)
    cp.add_argument("--region", required=True, help="region id")

    witness = sub.add_parser("witness", help="observer: co-sign consistent checkpoints")
    wsub = witness.add_subparsers(dest="step", required=True, parser_class=_Parser)
    wk = wsub.add_parser("keygen", help="make a witness key; prints the manifest block")
    wk.add_argument("--dir", required=True, help="the witness's private folder")
    wk.add_argument("--name", required=True, help="key name (letters, digits, -_.)")
    wc = wsub.add_parser("cosign", help="check and co-sign the board's current checkpoint")
    wc.add_argument("--dir", required=True, help="the witness's private folder")
    _board_options(wc)
    wr = wsub.add_parser(
        "request",
        help="operator: ask a transparency-log witness (C2SP tlog-witness) to co-sign",
    )
    wr.add_argument("--election", required=True, help="the referendum's board folder")
    wr.add_argument("--url", required=True, help="the witness's submission prefix (URL)")
    wf = wsub.add_parser(
        "follow",
        help="run as a service: check every new entry and co-sign each new checkpoint",
    )
    wf.add_argument("--dir", required=True, help="the witness's private folder")
    wf.add_argument("--board", default=None, help="the board's URL (first use)")
    wf.add_argument("--fingerprint", default=None, help="the referendum's fingerprint (hex)")
    wf.add_argument("--interval", type=float, default=10.0, help="seconds between two steps (10)")

    sync = sub.add_parser(
        "sync",
        help="anyone: bring your own replica of the board up to date, checking every entry",
    )
    sync.add_argument("--dir", required=True, help="your folder (its replica of the board)")
    sync.add_argument("--board", default=None, help="the board's URL (first use)")
    sync.add_argument("--fingerprint", default=None, help="the referendum's fingerprint (hex)")
    sync.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    sync.add_argument(
        "--store",
        default=None,
        help="first use only: keep the replica in PostgreSQL (a postgresql:// URL of a"
        " database or schema of its own; default SQLite in --dir)",
    )

    op = sub.add_parser("open", help="operator: open voting (ceremony done, rolls closed)")
    op.add_argument("--election", required=True, help="the referendum's board folder")

    vote = sub.add_parser("vote", help="voter: encrypt, sign and cast (or challenge) a ballot")
    vote.add_argument("--board", default=None, help="the board's URL")
    vote.add_argument(
        "--fingerprint", default=None, help="the referendum's fingerprint (hex), with --board"
    )
    vote.add_argument(
        "--election", default=None, help="rehearsal on the board's machine: its folder"
    )
    vote.add_argument(
        "--code",
        required=True,
        action="append",
        help="a credential code: give it once for each registrar's letter, in any order",
    )
    vote.add_argument(
        "--choice",
        action="append",
        default=[],
        metavar="QUESTION=OPTION[,OPTION]",
        help="your choice for a question (repeat per question; QUESTION= for none)",
    )
    decide = vote.add_mutually_exclusive_group()
    decide.add_argument(
        "--cast", action="store_true", help="cast without asking (default when not at a terminal)"
    )
    decide.add_argument(
        "--challenge",
        action="store_true",
        help="challenge without asking (at a terminal, leave both out: you are asked after"
        " the tracking code is shown, as a Benaloh challenge should be)",
    )
    vote.add_argument("--receipt", default=None, help="write the receipt JSON to this file")

    tally = sub.add_parser("tally", help="operator: end voting and count")
    tsub2 = tally.add_subparsers(dest="step", required=True, parser_class=_Parser)
    for step, text in (
        ("close", "end voting; post the encrypted totals per region"),
        ("publish", "combine the trustees' decryption shares; post the results"),
    ):
        p = tsub2.add_parser(step, help=text)
        p.add_argument("--election", required=True, help="the referendum's board folder")
        if step == "close":
            p.add_argument(
                "--early",
                action="store_true",
                help="close before the manifest's closing time (the organiser's decision)",
            )

    export = sub.add_parser("export", help="operator: write the election record")
    export.add_argument("--election", required=True, help="the referendum's board folder")
    export.add_argument("--record", required=True, help="new folder for the record")

    serve = sub.add_parser(
        "serve",
        help="operator: run the casting service (HTTP API and web pages)",
        description="Serve a referendum's board over HTTP: the booth, the explorer, the"
        " results page and their API. With --demo, first create a demo referendum in voting.",
    )
    serve.add_argument("--election", help="the referendum's board folder (or give --demo)")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="create a demo referendum in voting and serve it (prints codes to try and how"
        " to count)",
    )
    serve.add_argument(
        "--folder", help="with --demo: a new folder for it (default: a new temporary folder)"
    )
    serve.add_argument(
        "--voters", type=int, default=None, help="with --demo: number of voters (40)"
    )
    serve.add_argument(
        "--store",
        default=None,
        help="with --demo only: a postgresql:// URL for the demo's board (default: SQLite);"
        " an existing election folder already names its store",
    )
    serve.add_argument(
        "--static",
        default=None,
        metavar="DIR",
        help="serve the web pages built in DIR (default: the package's own build)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (8000; 0: any free port)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (1)")
    serve.add_argument(
        "--rate-limit",
        default="10/60",
        metavar="N/SECONDS",
        help="ballots and challenges per credential: at most N per SECONDS (10/60)",
    )

    verify = sub.add_parser(
        "verify",
        help="anyone: verify an election record, or follow a live board with your replica",
    )
    verify.add_argument("record", nargs="?", help="the record folder (or give --board)")
    verify.add_argument(
        "--board",
        default=None,
        help="follow the live board at this URL instead: its new entries are checked into"
        " your replica in --dir, each once",
    )
    verify.add_argument("--dir", default=None, help="with --board: your replica's folder")
    verify.add_argument(
        "--follow",
        action="store_true",
        help="with --board: keep checking until the results are posted and co-signed",
    )
    verify.add_argument(
        "--interval", type=float, default=10.0, help="with --follow: seconds between checks"
    )
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument("--fingerprint", default=None, help="the fingerprint you expect (hex)")
    verify.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    verify.add_argument("--no-progress", action="store_true", help="no progress bar")
    verify.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="check the ballots on the Dask cluster whose scheduler is at ADDRESS"
        " (tcp://host:8786; its workers need this package installed)",
    )
    verify.add_argument(
        "--local-cluster",
        type=int,
        nargs="?",
        const=0,
        default=None,
        metavar="N",
        help="check the ballots on a Dask LocalCluster of N worker processes started here"
        " (default N: cores)",
    )
    verify.add_argument(
        "--state",
        choices=("auto", "memory", "disk"),
        default="auto",
        help="where the roll, tracking hashes and last ballot per credential are kept: auto"
        " (memory up to 100,000 rows, then a temporary SQLite file), memory or disk; on"
        " disk about 100 bytes per voter plus the ballot's ciphertexts per voter who voted",
    )
    verify.add_argument(
        "--state-dir",
        default=None,
        metavar="DIR",
        help="with --state auto or disk: the temporary file's folder (default: $TMPDIR or"
        " /tmp); removed at the end",
    )
    verify.add_argument(
        "--find", action="append", default=[], metavar="CODE", help="look up a tracking code"
    )
    verify.add_argument(
        "--receipt",
        action="append",
        default=[],
        metavar="FILE",
        help="check a voter's receipt (JSON from `referendum vote --receipt`) against the record",
    )
    booth = sub.add_parser("booth", help="anyone: the web booth's hash, and what a server serves")
    bsub = booth.add_subparsers(dest="step", required=True, parser_class=_Parser)
    bh = bsub.add_parser("hash", help="print the booth hash of a build (for the manifest's booth)")
    bh.add_argument("folder", nargs="?", help="the build folder (default: the one serve uses)")
    bc = bsub.add_parser(
        "check", help="check that a running server serves the booth its manifest names"
    )
    bc.add_argument("--board", required=True, help="the server's URL")
    bc.add_argument("--fingerprint", required=True, help="the referendum's fingerprint (hex)")
    bc.add_argument(
        "--booth",
        default=None,
        metavar="URL",
        help="check a copy of the booth at URL (another site) instead of the board's own pages",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; gives back the process exit status."""
    args = _parser().parse_args(argv)
    from referendum import commands
    from referendum.board.errors import StoreError

    try:
        if args.command == "verify":
            return commands.verify(args)
        if args.command == "booth":
            return commands.booth(args)
        return commands.run(args)
    except BrokenPipeError:
        # The reader (say `| head`) has gone: stop quietly, as command-line tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("referendum: interrupted", file=sys.stderr)
        return 130
    except commands.CommandError as exc:
        print(f"referendum {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return exc.status
    except (ValueError, VerificationError, OSError, KeyError, StoreError) as exc:
        print(f"referendum {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return " ".join(str(exc).split()) or type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
