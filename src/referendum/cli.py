"""The `referendum` command."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = argparse.ArgumentParser(prog="referendum", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the parts that exist together on real data")
    demo.add_argument("--voters", type=int, default=10_000, help="simulated voters (10000)")
    demo.add_argument("--seed", default=None, help="seed the random source (reproducible run)")
    demo.add_argument(
        "--store",
        default=None,
        help="board store: a SQLite file path or a postgresql:// URL (default: a new "
        "SQLite file in a temporary folder)",
    )
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import run_demo

        return run_demo(voters=args.voters, seed=args.seed, store_url=args.store)
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
