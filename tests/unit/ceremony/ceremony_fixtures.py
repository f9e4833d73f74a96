"""Builders for key-ceremony tests: trustee keys, a manifest, and a ceremony driver.

Imported by the tests in this folder (pytest puts the folder on sys.path).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

from referendum.board.keys import BOARD_KEY, SigningKey
from referendum.ceremony import (
    KIND_CHECK,
    KIND_COMMITMENT,
    KIND_CONFIRM,
    KIND_REVEAL,
    KIND_SHARES,
    CeremonyBoard,
    CeremonyError,
    TrusteeKeys,
    TrusteeState,
    seal,
)
from referendum.group import RISTRETTO255 as GROUP
from referendum.group import Element, Scalar, SeededRandom
from referendum.manifest import Manifest
from referendum.signing import Ed25519Key, sign_message


def make_keys(n: int, seed: str = "ceremony-keys") -> list[TrusteeKeys]:
    """n trustees' keys, reproducible from seed."""
    rng = SeededRandom(seed)
    return [TrusteeKeys.generate(rng) for _ in range(n)]


def make_manifest(
    keys: list[TrusteeKeys],
    quorum: int,
    rid: str = "ref-2027",
    *,
    groups: list[str] | None = None,
    policy: list[dict[str, Any]] | None = None,
    deadlines: dict[str, str] | None = None,
    witnesses: list[SigningKey] | None = None,
) -> Manifest:
    """A one-question manifest whose trustees hold keys, in order (index 1..n).

    Without groups and policy: every trustee in group "trustees" and the one-clause
    policy "at least quorum of them". deadlines: the manifest's ceremony table.
    """
    rng = SeededRandom(f"manifest-{rid}")
    groups = groups or ["trustees"] * len(keys)
    value: dict[str, Any] = {
        "format": "referendum-manifest/2",
        "id": rid,
        "languages": ["en"],
        "title": {"en": "A referendum"},
        "voting": {"opens": "2027-03-01T06:00:00Z", "closes": "2027-03-01T20:00:00Z"},
        "questions": [
            {
                "id": "q1",
                "text": {"en": "Yes or no?"},
                "options": [
                    {"id": "yes", "text": {"en": "Yes"}},
                    {"id": "no", "text": {"en": "No"}},
                ],
                "min_choices": 1,
                "max_choices": 1,
            }
        ],
        "regions": [{"id": "r1", "name": {"en": "Region"}, "questions": ["q1"]}],
        "trustees": [
            {"index": i, "name": f"Trustee {i}", "group": g, **k.public_json()}
            for i, (k, g) in enumerate(zip(keys, groups, strict=True), start=1)
        ],
        "policy": policy or [{"at_least": quorum, "of": sorted(set(groups))}],
        "registrars": [
            {
                "id": "reg",
                "name": "Registrar",
                "signing_key": Ed25519Key.generate(rng).public.hex(),
            }
        ],
        "witnesses": [
            {"name": w.name, "key": w.verifier().to_text()} for w in (witnesses or [])
        ],
        "board": {"key": BOARD.verifier().to_text()},
    }
    if deadlines is not None:
        value["ceremony"] = deadlines
    return Manifest.from_json(value)


#: The board key of every make_manifest manifest (tests sign checkpoints with it).
BOARD = SigningKey.generate("board", BOARD_KEY, SeededRandom("ceremony-board-key"))


@dataclass
class Run:
    """A ceremony in progress: every trustee's state and the board they post to."""

    manifest: Manifest
    keys: list[TrusteeKeys]
    states: dict[int, TrusteeState]
    board: CeremonyBoard
    rng: SeededRandom
    entries: int = 0
    posted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.keys)

    def post(self, kind: str, payload: dict[str, Any]) -> None:
        """Adds payload to the board as the next entry (raises what the board raises)."""
        self.board.add(kind, payload, f"board entry {self.entries + 1}")
        self.entries += 1
        self.posted.append((kind, payload))

    def sign(self, i: int, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        """body signed by trustee i, as kind (for tampered messages)."""
        body = {k: v for k, v in body.items() if k != "signature"}
        return sign_message(self.keys[i - 1].signing, self.manifest.fingerprint, kind, body)

    def commit_all(self) -> None:
        for i in range(1, self.n + 1):
            self.post(KIND_COMMITMENT, self.states[i].commitment_message(self.manifest))

    def shares(self, i: int, bad_for: Iterable[int] = ()) -> dict[str, Any]:
        """Trustee i's shares message; the shares for bad_for are wrong (re-signed)."""
        message = self.states[i].shares_message(self.manifest, self.rng)
        bad = set(bad_for)
        if not bad:
            return message
        for entry in message["shares"]:
            if entry["to"] in bad:
                wrong = Scalar.from_int(12345).to_bytes()
                pk = self.manifest.trustee(entry["to"]).encryption_key
                entry["sealed"] = seal(wrong, pk, self.rng).hex()
        return self.sign(i, KIND_SHARES, message)

    def share_all(self, bad: dict[int, Iterable[int]] | None = None) -> None:
        bad = bad or {}
        for i in range(1, self.n + 1):
            self.post(KIND_SHARES, self.shares(i, bad.get(i, ())))

    def check_all(self) -> None:
        for i in range(1, self.n + 1):
            self.post(KIND_CHECK, self.states[i].check_message(self.manifest, self.board))

    def reveal_all(self, skip: Iterable[int] = ()) -> None:
        skipped = set(skip)
        for i in range(1, self.n + 1):
            if i in skipped:
                continue
            for message in self.states[i].reveal_messages(self.manifest, self.board):
                self.post(KIND_REVEAL, message)

    def confirm_all(self) -> None:
        for i in range(1, self.n + 1):
            self.post(
                KIND_CONFIRM, self.states[i].confirm_message(self.manifest, self.board, self.rng)
            )

    def bad_reveal(self, dealer: int, to: int) -> dict[str, Any]:
        """dealer's signed reveal for to, with a share that does not match its commitments."""
        body = {"trustee": dealer, "to": to, "share": Scalar.from_int(999).to_bytes().hex()}
        return self.sign(dealer, KIND_REVEAL, body)


def start(n: int, k: int, seed: str = "ceremony", rid: str = "ref-2027") -> Run:
    """A ceremony with fresh states and an empty board."""
    keys = make_keys(n, f"{seed}-keys")
    manifest = make_manifest(keys, k, rid)
    rng = SeededRandom(seed)
    states = {i: TrusteeState.new(manifest, keys[i - 1], rng) for i in range(1, n + 1)}
    return Run(manifest, keys, states, CeremonyBoard(manifest), rng)


def honest(n: int, k: int, seed: str = "ceremony") -> Run:
    """A complete honest ceremony."""
    run = start(n, k, seed)
    run.commit_all()
    run.share_all()
    run.check_all()
    run.reveal_all()
    run.confirm_all()
    return run


Snapshot = tuple[Any, ...]


def snapshot(board: CeremonyBoard) -> Snapshot:
    """Everything a test can see of a board, to show a rejected message changed nothing."""
    n = len(board.manifest.trustees)
    commitments: list[tuple[Element, ...] | None] = []
    for i in range(1, n + 1):
        try:
            commitments.append(board.commitments(i))
        except KeyError:
            commitments.append(None)
    return (
        board.accepted,
        board.phase(),
        tuple(board.waiting_for()),
        tuple(commitments),
        tuple(tuple(sorted(board.sealed_for(j).items())) for j in range(1, n + 1)),
        tuple(tuple(sorted(board.complaints_by(j).items())) for j in range(1, n + 1)),
        tuple(board.pending_reveals()),
        tuple(sorted(board.refuted().items())),
        tuple(board.revealed(i, j) for i in range(1, n + 1) for j in range(1, n + 1)),
        tuple(sorted(board.public_shares.items(), key=lambda kv: kv[0])),
        board.complete,
    )


def assert_rejected(board: CeremonyBoard, kind: str, payload: Any, match: str) -> CeremonyError:
    """Checks that board refuses payload with a CeremonyError matching match, unchanged."""
    before = snapshot(board)
    with pytest.raises(CeremonyError, match=match) as info:
        board.add(kind, payload, "board entry 99")
    assert str(info.value).startswith("board entry 99: ")
    assert snapshot(board) == before
    return info.value


G = GROUP.generator
