"""vectors/ceremony/ against the code (protocol.md section 11).

The board's entries are replayed through CeremonyBoard as a board server or verifier
would (a ceremony.close with the entry's index and the root of the entries before it);
each corrupted case replays its prefix, then offers its entry. want_err is null when the
entry must be accepted, "decode" when it must be refused as it is read, "invalid" when
it reads fine and breaks a rule; error is a part of the refusal's text.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from referendum.board.entry import Entry
from referendum.board.merkle import CompactRange
from referendum.canonical import canonical_json
from referendum.ceremony import KIND_CLOSE, CeremonyBoard, CeremonyError
from referendum.manifest import Manifest

ROOT = Path(__file__).resolve().parents[2]
FILE = ROOT / "vectors" / "ceremony" / "ceremony.json"
VECTORS: dict[str, Any] = json.loads(FILE.read_text(encoding="utf-8"))
MANIFEST = Manifest.from_json(VECTORS["manifest"])
CASES = VECTORS["invalid"]


class Replay:
    """A CeremonyBoard fed entries in order, with the board's Merkle tree beside it."""

    def __init__(self) -> None:
        self.board = CeremonyBoard(MANIFEST)
        self.tree = CompactRange()
        self.size = 0

    def apply(self, entry: dict[str, Any]) -> None:
        index, kind, payload = entry["index"], entry["kind"], entry["payload"]
        assert index == self.size
        where = f"board entry {index}"
        if kind == KIND_CLOSE:
            self.board.close(payload, where, size=index, root=self.tree.root())
        else:
            self.board.add(kind, payload, where)
        self.tree.append(Entry(MANIFEST.id, index, kind, canonical_json(payload)).leaf_hash())
        self.size += 1


def replay(entries: list[dict[str, Any]]) -> Replay:
    r = Replay()
    for entry in entries:
        r.apply(entry)
    return r


def qualified(board: CeremonyBoard) -> dict[str, list[int]]:
    return {str(c): list(q) for c, q in board.qualified.items()}


def disqualified(board: CeremonyBoard) -> list[dict[str, Any]]:
    return [
        {"clause": c, "dealer": i, "reason": why}
        for (c, i), why in sorted(board.disqualified.items())
    ]


def test_the_manifest_and_its_canonical_form() -> None:
    assert MANIFEST.canonical == VECTORS["manifest_canonical"].encode("utf-8")
    assert canonical_json(VECTORS["manifest"]) == MANIFEST.canonical
    assert MANIFEST.fingerprint.hex() == VECTORS["fingerprint"]
    assert [c.members for c in MANIFEST.policy.clauses] == [(1, 2, 3, 4), (3, 4)]


def test_the_whole_ceremony_replays() -> None:
    board = replay(VECTORS["entries"]).board
    assert board.complete and board.phase() == "complete"
    assert board.closed_by() == VECTORS["closed_by"]
    assert qualified(board) == VECTORS["qualified"]
    assert disqualified(board) == VECTORS["disqualified"]
    assert board.public_key.to_bytes().hex() == VECTORS["public_key"]
    assert [
        {"clause": c, "trustee": j, "share": k.to_bytes().hex()}
        for (c, j), k in sorted(board.public_shares.items())
    ] == VECTORS["public_shares"]
    assert board.accepted == len(VECTORS["entries"])


def test_the_vectors_show_what_the_brief_asks() -> None:
    kinds = [e["kind"] for e in VECTORS["entries"]]
    assert kinds.count(KIND_CLOSE) >= 1 and "ceremony.reveal" in kinds
    assert VECTORS["closed_by"]  # at least one step closed at its deadline
    assert len(VECTORS["qualified"]) == 2
    descs = " ".join(c["desc"] for c in CASES)
    for words in (
        "commitment proof",
        "wrong order",
        "before its deadline",
        "root of the board",
        "does not match the dealer's commitments",
        "another public key",
    ):
        assert words in descs


@pytest.mark.parametrize("case", CASES, ids=[c["desc"] for c in CASES])
def test_a_corrupted_entry(case: dict[str, Any]) -> None:
    r = replay(VECTORS["entries"][: case["prefix"]])
    entry = case["entry"]
    assert entry["index"] == case["prefix"]
    if case["want_err"] is None:
        r.apply(entry)
        assert qualified(r.board) == case["qualified"]
        assert disqualified(r.board) == case["disqualified"]
        return
    assert case["want_err"] in ("decode", "invalid")
    accepted = r.board.accepted
    with pytest.raises(CeremonyError, match=re.escape(case["error"])) as info:
        r.apply(entry)
    assert str(info.value).startswith(f"board entry {entry['index']}: ")
    assert r.board.accepted == accepted


def test_the_generator_writes_the_same_bytes(tmp_path: Path) -> None:
    script = ROOT / "scripts" / "make_ceremony_vectors.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    assert (tmp_path / "ceremony.json").read_bytes() == FILE.read_bytes()
