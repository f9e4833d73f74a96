"""A separate appender process for the conformance suite (not a test module).

Usage: board_child.py STORE LOG MODE N
  STORE is sqlite:<path> or postgres:<schema>; MODE is "single" (one append per
  transaction) or "batch" (append_many of 1 to 7 entries). Appends N entries (N = 0: until
  killed) with payload b"<pid>:<counter>" and prints "<index> <payload>" for each entry
  after its transaction committed, flushing every line: a printed line is an acknowledgement.
"""

from __future__ import annotations

import itertools
import os
import sys

from board_stores import open_spec  # the script's folder is on sys.path

from referendum.board import Log


def main() -> None:
    store_text, name, mode, n_text = sys.argv[1:5]
    log = Log(open_spec(store_text), name)
    limit = int(n_text) or None
    counter = itertools.count()
    done = 0
    pid = os.getpid()
    out = sys.stdout
    while limit is None or done < limit:
        k = 1 if mode == "single" else 1 + done % 7
        if limit is not None:
            k = min(k, limit - done)
        items = [("test.entry", f"{pid}:{next(counter)}".encode()) for _ in range(k)]
        for entry in log.append_many(items):
            out.write(f"{entry.index} {entry.payload.decode()}\n")
        out.flush()
        done += k


if __name__ == "__main__":
    main()
