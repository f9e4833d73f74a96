"""Writes vectors/ceremony/ceremony.json: a whole key ceremony and corrupted board entries.

Run: .venv/bin/python scripts/make_ceremony_vectors.py [folder]
     (rewrites vectors/ceremony/ceremony.json, or writes ceremony.json into folder)

A seeded run of the key ceremony of docs/protocol.md section 11 over a two-clause policy:
trustees 1 (ukraine), 2 (russia), 3 and 4 (neutral); clause 1 is "at least 2 of
ukraine, russia, neutral", clause 2 "at least 1 of neutral". Trustee 4 is absent from
every step, so the commitment, check and confirm steps end by a witnessed
ceremony.close at their deadline. Dealer 1 deals trustee 2 a bad clause 1 share, trustee
2 complains, and dealer 1 answers with a reveal that verifies. The file holds the
manifest (and its canonical JSON), every board entry (kind, payload), and what the board
concludes: QUAL per clause, the election key, the public shares, which entries closed
which step. `invalid` cases each give a prefix of the entries and one corrupted entry
that takes the next index: the board must refuse it with an error containing `error`,
or (want_err null) accept it and conclude what the case states.

The file is committed and then fixed: tests/vectors/test_ceremony_vectors.py replays it
through CeremonyBoard, and checks that this script writes the same bytes again. Rerun it
only when protocol.md section 11 changes, and say so in the commit.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
    TrusteeKeys,
    TrusteeState,
    seal,
)
from referendum.group import RISTRETTO255, SeededRandom
from referendum.manifest import Manifest
from referendum.proofs import ProofContext, prove_schnorr
from referendum.signing import Ed25519Key, sign_message

G = RISTRETTO255
OUT = Path(__file__).resolve().parent.parent / "vectors" / "ceremony"

GROUPS = ["ukraine", "russia", "neutral", "neutral"]
POLICY = [
    {"at_least": 2, "of": ["ukraine", "russia", "neutral"]},
    {"at_least": 1, "of": ["neutral"]},
]
DEADLINES = {
    "commitment": "2027-02-24T06:00:00Z",
    "shares": "2027-02-25T06:00:00Z",
    "check": "2027-02-26T06:00:00Z",
    "reveal": "2027-02-27T06:00:00Z",
    "confirm": "2027-02-28T06:00:00Z",
}
ABSENT = 4


def _posix(time: str) -> int:
    moment = dt.datetime.strptime(time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


class _Board:
    """The ceremony board as the board server keeps it: entries, their tree, the rules."""

    def __init__(self, manifest: Manifest, board_key: SigningKey, witnesses: list[SigningKey]):
        self.manifest = manifest
        self.board_key = board_key
        self.witnesses = witnesses
        self.ceremony = CeremonyBoard(manifest)
        self.tree = CompactRange()
        self.entries: list[dict[str, Any]] = []

    def post(self, kind: str, payload: dict[str, Any]) -> None:
        index = len(self.entries)
        where = f"board entry {index}"
        if kind == KIND_CLOSE:
            self.ceremony.close(payload, where, size=index, root=self.tree.root())
        else:
            self.ceremony.add(kind, payload, where)
        self.tree.append(Entry(self.manifest.id, index, kind, canonical_json(payload)).leaf_hash())
        self.entries.append({"index": index, "kind": kind, "payload": payload})

    def close_payload(
        self,
        step: str,
        *,
        late_by: int = 0,
        witnesses: list[SigningKey] | None = None,
        board_key: SigningKey | None = None,
        root: bytes | None = None,
    ) -> dict[str, Any]:
        """A close of step for the next entry, co-signed late_by seconds after its deadline."""
        cp = Checkpoint(self.manifest.id, len(self.entries), root or self.tree.root())
        signed = sign_checkpoint(cp, board_key or self.board_key)
        for w in self.witnesses if witnesses is None else witnesses:
            signed = signed.with_signature(w, now=_posix(DEADLINES[step]) + late_by)
        return {"step": step, "checkpoint": signed.to_text()}


def manifest_json(keys: list[TrusteeKeys], board: SigningKey, witnesses: list[SigningKey]) -> Any:
    registrar = Ed25519Key.generate(SeededRandom("vectors/ceremony/registrar"))
    return {
        "format": "referendum-manifest/3",
        "id": "ceremony-vectors",
        "languages": ["en"],
        "title": {"en": "Ceremony test vectors"},
        "voting": {"opens": "2027-03-01T06:00:00Z", "closes": "2027-03-01T18:00:00Z"},
        "questions": [
            {
                "id": "q1",
                "text": {"en": "Yes or no?"},
                "options": [{"id": o, "text": {"en": o}} for o in ("yes", "no")],
                "min_choices": 1,
                "max_choices": 1,
            }
        ],
        "regions": [{"id": "r1", "name": {"en": "Region"}, "questions": ["q1"]}],
        "trustees": [
            {"index": i, "name": f"Trustee {i}", "group": g, **k.public_json()}
            for i, (k, g) in enumerate(zip(keys, GROUPS, strict=True), start=1)
        ],
        "policy": POLICY,
        "ceremony": DEADLINES,
        "registrars": [{"id": "reg", "name": "Registrar", "signing_key": registrar.public.hex()}],
        "codes_per_voter": 1,
        "witnesses": [{"name": w.name, "key": w.verifier().to_text()} for w in witnesses],
        "witness_quorum": 2,
        "board": {"key": board.verifier().to_text()},
    }


def _sign(keys: TrusteeKeys, fp: bytes, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in payload.items() if k != "signature"}
    return sign_message(keys.signing, fp, kind, body)


def _secret(state: TrusteeState, c: int) -> Any:
    entry = next(e for e in state.to_json()["clauses"] if e["clause"] == c)
    return G.scalar(bytes.fromhex(entry["coefficients"][0]))


def main(out: Path = OUT) -> None:
    rng = SeededRandom("vectors/ceremony")
    keys = [TrusteeKeys.generate(rng) for _ in GROUPS]
    board_key = SigningKey.generate("board.vectors", BOARD_KEY, rng)
    witnesses = [SigningKey.generate(f"witness-{w}", WITNESS_KEY, rng) for w in (1, 2)]
    value = manifest_json(keys, board_key, witnesses)
    manifest = Manifest.from_json(value)
    fp = manifest.fingerprint
    states = {i: TrusteeState.new(manifest, keys[i - 1], rng) for i in (1, 2, 3, 4)}
    present = [i for i in states if i != ABSENT]

    b = _Board(manifest, board_key, witnesses)
    for i in present:
        b.post(KIND_COMMITMENT, states[i].commitment_message(manifest))
    b.post(KIND_CLOSE, b.close_payload("commitment"))
    for i in present:
        message = states[i].shares_message(manifest, rng)
        if i == 1:  # a bad clause 1 share for trustee 2
            entry = message["shares"][0]
            assert (entry["clause"], entry["to"]) == (1, 2)
            wrong = G.scalar_from_int(12345).to_bytes()
            entry["sealed"] = seal(wrong, manifest.trustee(2).encryption_key, rng).hex()
            message = _sign(keys[0], fp, KIND_SHARES, message)
        b.post(KIND_SHARES, message)
    for i in present:
        b.post(KIND_CHECK, states[i].check_message(manifest, b.ceremony))
    b.post(KIND_CLOSE, b.close_payload("check", late_by=3600))
    (reveal,) = states[1].reveal_messages(manifest, b.ceremony)
    b.post(KIND_REVEAL, reveal)
    for i in present:
        b.post(KIND_CONFIRM, states[i].confirm_message(manifest, b.ceremony, rng))
    b.post(KIND_CLOSE, b.close_payload("confirm"))
    board = b.ceremony
    assert board.complete

    def at(kind: str, trustee: int | None = None) -> int:
        return next(
            e["index"]
            for e in b.entries
            if e["kind"] == kind and (trustee is None or e["payload"]["trustee"] == trustee)
        )

    def payload(index: int) -> dict[str, Any]:
        return copy.deepcopy(b.entries[index]["payload"])

    def replay(prefix: int) -> _Board:
        twin = _Board(manifest, board_key, witnesses)
        for e in b.entries[:prefix]:
            twin.post(e["kind"], e["payload"])
        return twin

    cases: list[dict[str, Any]] = []

    def case(
        desc: str, want_err: str | None, error: str | None, prefix: int, kind: str, p: Any
    ) -> dict[str, Any]:
        c = {
            "desc": desc,
            "want_err": want_err,
            "error": error,
            "prefix": prefix,
            "entry": {"index": prefix, "kind": kind, "payload": p},
        }
        cases.append(c)
        return c

    def resigned(index: int, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        p = payload(index)
        change(p)
        return _sign(keys[p["trustee"] - 1], fp, b.entries[index]["kind"], p)

    c1, c3 = at(KIND_COMMITMENT, 1), at(KIND_COMMITMENT, 3)
    ctx = ProofContext(G, fp)
    other_clause = prove_schnorr(ctx, _secret(states[3], 1), bound_to=[3, 2], rng=rng).to_json()
    foreign = payload(at(KIND_COMMITMENT, 2))["clauses"][0]["proof"]
    case(
        "commitment proof taken from another trustee's commitment, re-signed",
        "invalid",
        "ceremony.commitment of trustee 1: clauses[0].proof: schnorr proof: challenge does not"
        " match the statement",
        c1,
        KIND_COMMITMENT,
        resigned(c1, lambda p: p["clauses"][0].update(proof=foreign)),
    )
    case(
        "commitment proof of the clause 1 secret bound to clause 2, re-signed",
        "invalid",
        "ceremony.commitment of trustee 3: clauses[0].proof: schnorr proof: challenge does not"
        " match the statement",
        c3,
        KIND_COMMITMENT,
        resigned(c3, lambda p: p["clauses"][0].update(proof=other_clause)),
    )
    case(
        "commitment with its clauses in the wrong order, re-signed",
        "invalid",
        "clauses[0].clause: want 1 (the trustee's clauses, ascending), got 2",
        c3,
        KIND_COMMITMENT,
        resigned(c3, lambda p: p["clauses"].reverse()),
    )
    case(
        "commitment with fewer commitments than the clause's threshold, re-signed",
        "invalid",
        "clauses[0].commitments: want 2 (the clause's threshold), got 1",
        c1,
        KIND_COMMITMENT,
        resigned(c1, lambda p: p["clauses"][0]["commitments"].pop()),
    )
    changed = payload(c1)
    changed["clauses"][0]["commitments"].reverse()
    case(
        "commitment changed after signing, not re-signed",
        "invalid",
        "ceremony.commitment of trustee 1: signature does not verify",
        c1,
        KIND_COMMITMENT,
        changed,
    )
    close1 = next(e["index"] for e in b.entries if e["kind"] == KIND_CLOSE)
    early = replay(close1)
    case(
        "close of the commitment step co-signed one second before its deadline",
        "invalid",
        "before its deadline 2027-02-24T06:00:00Z: 0 of the 2 witnesses",
        close1,
        KIND_CLOSE,
        early.close_payload("commitment", late_by=-1),
    )
    shorter = replay(close1 - 1)
    case(
        "close whose checkpoint has the root of the board one entry earlier",
        "invalid",
        "checkpoint: it states ceremony-vectors at size 3; this close needs"
        " ceremony-vectors at size 3 with this board's root",
        close1,
        KIND_CLOSE,
        early.close_payload("commitment", root=shorter.tree.root()),
    )
    case(
        "close co-signed by one of the two witnesses the quorum needs",
        "invalid",
        "1 of the 2 witnesses it needs co-signed at or after it",
        close1,
        KIND_CLOSE,
        early.close_payload("commitment", witnesses=witnesses[:1]),
    )
    stranger = SigningKey.generate("board.vectors", BOARD_KEY, SeededRandom("another board"))
    case(
        "close whose checkpoint is signed by another board key of the same name",
        "invalid",
        "checkpoint: checkpoint ceremony-vectors@3 has no signature by key board.vectors",
        close1,
        KIND_CLOSE,
        early.close_payload("commitment", board_key=stranger),
    )
    case(
        "close of the shares step while the commitment step is open",
        "invalid",
        "the commitment step has not closed yet",
        close1,
        KIND_CLOSE,
        early.close_payload("shares"),
    )
    non_canonical = early.close_payload("commitment")
    non_canonical["checkpoint"] += "\n"
    case(
        "close whose checkpoint text is not canonical (an extra newline)",
        "decode",
        "checkpoint: signature line '' does not start with",
        close1,
        KIND_CLOSE,
        non_canonical,
    )
    case(
        "commitment of the absent trustee after the commitment step closed",
        "invalid",
        "the commitment step is closed (closed by board entry 3",
        close1 + 1,
        KIND_COMMITMENT,
        states[ABSENT].commitment_message(manifest),
    )
    s1 = at(KIND_SHARES, 1)

    def swap(p: dict[str, Any]) -> None:
        p["shares"][0], p["shares"][1] = p["shares"][1], p["shares"][0]

    case(
        "shares out of order (trustee 3 before trustee 2), re-signed",
        "invalid",
        "shares[0]: want clause 1 to trustee 2 (clause by clause, every other member"
        " ascending), got clause 1 to trustee 3",
        s1,
        KIND_SHARES,
        resigned(s1, swap),
    )
    k1 = at(KIND_CHECK, 1)
    case(
        "complaint against the absent trustee, which dealt nothing, re-signed",
        "invalid",
        "complaints[0]: trustee 4 dealt no share of clause 1 to trustee 1",
        k1,
        KIND_CHECK,
        resigned(
            k1,
            lambda p: p.update(complaints=[{"clause": 1, "against": 4, "reason": "no share"}]),
        ),
    )
    r1 = at(KIND_REVEAL)
    nobody = {"trustee": 3, "clause": 1, "to": 1, "share": G.scalar_from_int(7).to_bytes().hex()}
    case(
        "reveal by a dealer nobody complained about",
        "invalid",
        "trustee 1 has no complaint against trustee 3 in clause 1 to answer",
        r1,
        KIND_REVEAL,
        _sign(keys[2], fp, KIND_REVEAL, nobody),
    )
    bad = case(
        "reveal whose share does not match the dealer's commitments (accepted: dealer 1"
        " leaves QUAL of clause 1)",
        None,
        None,
        r1,
        KIND_REVEAL,
        resigned(r1, lambda p: p.update(share=G.scalar_from_int(999).to_bytes().hex())),
    )
    after_bad = replay(r1)
    after_bad.post(KIND_REVEAL, bad["entry"]["payload"])
    bad["qualified"] = {str(c): list(q) for c, q in after_bad.ceremony.qualified.items()}
    bad["disqualified"] = [
        {"clause": c, "dealer": i, "reason": why}
        for (c, i), why in sorted(after_bad.ceremony.disqualified.items())
    ]
    before_reveal = replay(r1)
    twin = replay(r1 + 1)
    case(
        "confirm posted before the reveal step closed",
        "invalid",
        "confirms come after the reveal step has closed; phase reveal, waiting for trustee 1",
        r1,
        KIND_CONFIRM,
        states[3].confirm_message(manifest, twin.ceremony, rng),
    )
    assert before_reveal.ceremony.pending_reveals()
    f3 = at(KIND_CONFIRM, 3)
    case(
        "confirm stating another public key, re-signed",
        "invalid",
        "public_key is not the product of every clause's QUAL C_ic0",
        f3,
        KIND_CONFIRM,
        resigned(f3, lambda p: p.update(public_key=G.generator.to_bytes().hex())),
    )
    case(
        "confirm stating another QUAL for clause 2, re-signed",
        "invalid",
        "clauses[1].qualified: states [3, 4], but QUAL of clause 2 is [3]",
        f3,
        KIND_CONFIRM,
        resigned(f3, lambda p: p["clauses"][1].update(qualified=[3, 4])),
    )
    late = TrusteeState.new(manifest, keys[ABSENT - 1], SeededRandom("vectors/ceremony/late"))
    case(
        "confirm of the absent trustee after the confirm step closed",
        "invalid",
        "the confirm step is closed (closed by board entry",
        len(b.entries),
        KIND_CONFIRM,
        late.confirm_message(manifest, board, SeededRandom("vectors/ceremony/late")),
    )

    doc = {
        "description": (
            "Key ceremony (protocol.md section 11): one Pedersen DKG per policy clause,"
            " trustee 4 absent, three steps closed at their deadline by witnessed"
            " ceremony.close entries, one complaint answered; corrupted entries with"
            " want_err and the error text the board gives"
        ),
        "manifest": value,
        "manifest_canonical": manifest.canonical.decode("utf-8"),
        "fingerprint": fp.hex(),
        "entries": b.entries,
        "closed_by": board.closed_by(),
        "qualified": {str(c): list(q) for c, q in board.qualified.items()},
        "disqualified": [
            {"clause": c, "dealer": i, "reason": why}
            for (c, i), why in sorted(board.disqualified.items())
        ],
        "public_key": board.public_key.to_bytes().hex(),
        "public_shares": [
            {"clause": c, "trustee": j, "share": k.to_bytes().hex()}
            for (c, j), k in sorted(board.public_shares.items())
        ],
        "invalid": cases,
    }
    out.mkdir(parents=True, exist_ok=True)
    path = out / "ceremony.json"
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path} ({len(b.entries)} entries, {len(cases)} corrupted cases)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
