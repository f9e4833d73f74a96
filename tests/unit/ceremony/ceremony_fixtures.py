"""Builders for key-ceremony tests: trustee keys, a manifest, and a ceremony driver.

Imported by the tests in this folder (pytest puts the folder on sys.path). The driver
keeps the board's Merkle tree as a board would, so a test can post ceremony.close
entries whose checkpoint the witnesses co-signed at a chosen time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

from referendum.board.checkpoint import Checkpoint, sign_checkpoint
from referendum.board.entry import Entry
from referendum.board.keys import BOARD_KEY, WITNESS_KEY, SigningKey
from referendum.board.merkle import CompactRange
from referendum.canonical import canonical_json
from referendum.ceremony import (
    KIND_CHECK,
    KIND_CLOSE,
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
from referendum.group import Scalar, SeededRandom
from referendum.manifest import CEREMONY_STEPS, Manifest
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
        "format": "referendum-manifest/3",
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
        "codes_per_voter": 1,
        "witnesses": [{"name": w.name, "key": w.verifier().to_text()} for w in (witnesses or [])],
        "board": {"key": BOARD.verifier().to_text()},
    }
    if deadlines is not None:
        value["ceremony"] = deadlines
    return Manifest.from_json(value)


#: The board key of every make_manifest manifest (tests sign checkpoints with it).
BOARD = SigningKey.generate("board", BOARD_KEY, SeededRandom("ceremony-board-key"))

#: Three witnesses; a manifest naming them has the default quorum of 2.
WITNESSES = [
    SigningKey.generate(f"witness-{w}", WITNESS_KEY, SeededRandom(f"ceremony-witness-{w}"))
    for w in range(1, 4)
]

#: A ceremony table: one day per step, the last before voting opens.
DEADLINES = {
    "commitment": "2027-02-24T06:00:00Z",
    "shares": "2027-02-25T06:00:00Z",
    "check": "2027-02-26T06:00:00Z",
    "reveal": "2027-02-27T06:00:00Z",
    "confirm": "2027-02-28T06:00:00Z",
}


def deadline(step: str) -> int:
    """The step's DEADLINES time in POSIX seconds."""
    moment = dt.datetime.strptime(DEADLINES[step], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


@dataclass
class Run:
    """A ceremony in progress: every trustee's state and the board they post to.

    States exist for every trustee, absent ones too (they post nothing, but may compute
    their shares from the board later). posted holds the board's entries, index 0 first.
    """

    manifest: Manifest
    keys: list[TrusteeKeys]
    states: dict[int, TrusteeState]
    board: CeremonyBoard
    rng: SeededRandom
    absent: frozenset[int] = frozenset()
    posted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    tree: CompactRange = field(default_factory=CompactRange)

    @property
    def n(self) -> int:
        return len(self.keys)

    @property
    def present(self) -> list[int]:
        return [i for i in range(1, self.n + 1) if i not in self.absent]

    @property
    def entries(self) -> int:
        return len(self.posted)

    def post(self, kind: str, payload: dict[str, Any]) -> None:
        """Adds payload to the board as the next entry (raises what the board raises)."""
        where = f"board entry {self.entries}"
        if kind == KIND_CLOSE:
            self.board.close(payload, where, size=self.entries, root=self.tree.root())
        else:
            self.board.add(kind, payload, where)
        self._append(kind, payload)

    def _append(self, kind: str, payload: dict[str, Any]) -> None:
        entry = Entry(self.manifest.id, self.entries, kind, canonical_json(payload))
        self.tree.append(entry.leaf_hash())
        self.posted.append((kind, payload))

    def close_payload(
        self,
        step: str,
        at: int | None = None,
        *,
        witnesses: Iterable[SigningKey] | None = None,
        times: Collection[int] | None = None,
        board_key: SigningKey = BOARD,
        origin: str | None = None,
        size: int | None = None,
        root: bytes | None = None,
    ) -> dict[str, Any]:
        """A ceremony.close of step for the next entry: the board's checkpoint of the
        entries so far (or of origin/size/root), signed by board_key and co-signed by
        witnesses (default WITNESSES) at time at (default the step's deadline), or at
        times, one per witness."""
        cp = Checkpoint(
            origin or self.manifest.id,
            self.entries if size is None else size,
            self.tree.root() if root is None else root,
        )
        signers = list(WITNESSES if witnesses is None else witnesses)
        when = list(times) if times is not None else [at or deadline(step)] * len(signers)
        signed = sign_checkpoint(cp, board_key)
        for w, t in zip(signers, when, strict=True):
            signed = signed.with_signature(w, now=t)
        return {"step": step, "checkpoint": signed.to_text()}

    def close(self, step: str, at: int | None = None) -> None:
        """Posts a witnessed ceremony.close of step (at its deadline by default)."""
        self.post(KIND_CLOSE, self.close_payload(step, at))

    def close_if_open(self, step: str) -> None:
        if not self.board.closed(step):
            self.close(step)

    def sign(self, i: int, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        """body signed by trustee i, as kind (for tampered messages)."""
        body = {k: v for k, v in body.items() if k != "signature"}
        return sign_message(self.keys[i - 1].signing, self.manifest.fingerprint, kind, body)

    def commit_all(self) -> None:
        for i in self.present:
            self.post(KIND_COMMITMENT, self.states[i].commitment_message(self.manifest))

    def shares(self, i: int, bad_for: Iterable[tuple[int, int]] = ()) -> dict[str, Any]:
        """Trustee i's shares message; the shares for the (clause, to) in bad_for are
        wrong (re-signed)."""
        message = self.states[i].shares_message(self.manifest, self.rng)
        bad = set(bad_for)
        if not bad:
            return message
        for entry in message["shares"]:
            if (entry["clause"], entry["to"]) in bad:
                wrong = Scalar.from_int(12345).to_bytes()
                pk = self.manifest.trustee(entry["to"]).encryption_key
                entry["sealed"] = seal(wrong, pk, self.rng).hex()
        return self.sign(i, KIND_SHARES, message)

    def share_all(self, bad: dict[int, Iterable[tuple[int, int]]] | None = None) -> None:
        bad = bad or {}
        for i in self.board.committed():
            self.post(KIND_SHARES, self.shares(i, bad.get(i, ())))

    def check_all(self) -> None:
        for i in self.present:
            self.post(KIND_CHECK, self.states[i].check_message(self.manifest, self.board))

    def reveal_all(self, skip: Iterable[int] = ()) -> None:
        skipped = set(skip)
        for i in self.present:
            if i in skipped:
                continue
            for message in self.states[i].reveal_messages(self.manifest, self.board):
                self.post(KIND_REVEAL, message)

    def confirm_all(self) -> None:
        for i in self.present:
            self.post(
                KIND_CONFIRM, self.states[i].confirm_message(self.manifest, self.board, self.rng)
            )

    def to_the_end(self) -> None:
        """Runs every step for the present trustees, closing at its deadline each step
        that waits for the absent; stops after the reveal step when the ceremony failed."""
        self.commit_all()
        self.close_if_open("commitment")
        self.share_all()
        self.close_if_open("shares")
        self.check_all()
        self.close_if_open("check")
        self.reveal_all()
        self.close_if_open("reveal")
        if self.board.failed is not None:
            return
        self.confirm_all()
        self.close_if_open("confirm")

    def bad_reveal(self, dealer: int, clause: int, to: int) -> dict[str, Any]:
        """dealer's signed clause reveal for to, with a share that does not match."""
        body = {
            "trustee": dealer,
            "clause": clause,
            "to": to,
            "share": Scalar.from_int(999).to_bytes().hex(),
        }
        return self.sign(dealer, KIND_REVEAL, body)


def start(
    n: int,
    k: int,
    seed: str = "ceremony",
    rid: str = "ref-2027",
    *,
    groups: list[str] | None = None,
    policy: list[dict[str, Any]] | None = None,
    absent: Iterable[int] = (),
    timed: bool = True,
) -> Run:
    """A ceremony with fresh states and an empty board. timed: the manifest has
    DEADLINES and WITNESSES (else neither, so no step closes early)."""
    keys = make_keys(n, f"{seed}-keys")
    manifest = make_manifest(
        keys,
        k,
        rid,
        groups=groups,
        policy=policy,
        deadlines=DEADLINES if timed else None,
        witnesses=WITNESSES if timed else None,
    )
    rng = SeededRandom(seed)
    states = {i: TrusteeState.new(manifest, keys[i - 1], rng) for i in range(1, n + 1)}
    return Run(manifest, keys, states, CeremonyBoard(manifest), rng, frozenset(absent))


def honest(n: int, k: int, seed: str = "ceremony", **kwargs: Any) -> Run:
    """A complete ceremony (closing at the deadlines the steps the absent hold open)."""
    run = start(n, k, seed, **kwargs)
    run.to_the_end()
    return run


#: Two sides of two trustees and two neutrals; no side decrypts alone.
SIDES = ["ukraine", "ukraine", "russia", "russia", "neutral", "neutral"]
SIDES_POLICY = [
    {"at_least": 3, "of": ["ukraine", "russia", "neutral"]},
    {"at_least": 1, "of": ["neutral"]},
]


def sides(seed: str = "sides", absent: Iterable[int] = ()) -> Run:
    """A fresh ceremony over SIDES and SIDES_POLICY: clause 1 is 3 of trustees 1-6,
    clause 2 is 1 of trustees 5, 6."""
    return start(6, 3, seed, groups=SIDES, policy=SIDES_POLICY, absent=absent)


Snapshot = tuple[Any, ...]


def snapshot(board: CeremonyBoard) -> Snapshot:
    """Everything a test can see of a board, to show a rejected message changed nothing."""
    n = len(board.manifest.trustees)
    clauses = board.manifest.policy.clauses
    commitments = tuple(
        board.commitments(i, c.number) if i in board.committed() and i in c.members else None
        for c in clauses
        for i in range(1, n + 1)
    )
    try:
        decided: Any = (board.qualified, board.disqualified)
    except CeremonyError as exc:
        decided = str(exc)
    return (
        board.accepted,
        board.phase(),
        tuple(board.waiting_for()),
        board.committed(),
        commitments,
        tuple(tuple(sorted(board.sealed_for(j).items())) for j in range(1, n + 1)),
        tuple(tuple(sorted(board.complaints_by(j).items())) for j in range(1, n + 1)),
        tuple(board.pending_reveals()),
        tuple(sorted(board.refuted().items())),
        tuple(
            board.revealed(c.number, i, j)
            for c in clauses
            for i in range(1, n + 1)
            for j in range(1, n + 1)
        ),
        tuple(board.closed(s) for s in CEREMONY_STEPS),
        tuple(sorted(board.closed_by().items())),
        board.confirmed,
        decided,
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


def assert_close_rejected(run: Run, payload: Any, match: str) -> CeremonyError:
    """Checks that run's board refuses the ceremony.close payload as its next entry,
    with a CeremonyError matching match, unchanged."""
    before = snapshot(run.board)
    where = f"board entry {run.entries}"
    with pytest.raises(CeremonyError, match=match) as info:
        run.board.close(payload, where, size=run.entries, root=run.tree.root())
    assert str(info.value).startswith(f"{where}: ceremony.close")
    assert snapshot(run.board) == before
    return info.value


G = GROUP.generator
