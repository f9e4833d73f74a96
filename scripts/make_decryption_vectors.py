"""Writes vectors/decryption/decryption.json: a whole board up to the results, and
corrupted decryption and results entries.

Run: .venv/bin/python scripts/make_decryption_vectors.py [folder]
     (rewrites vectors/decryption/decryption.json, or writes decryption.json into folder)

A seeded referendum under the two-clause policy of the ceremony vectors: trustees 1
(ukraine), 2 (russia), 3 and 4 (neutral); clause 1 is "at least 2 of ukraine, russia,
neutral", clause 2 "at least 1 of neutral". Trustee 4 is absent from the key ceremony
(its steps end by a witnessed ceremony.close at their deadline) and comes to the count
with the shares the board holds for it (protocol.md 11.9). Three regions: r1 asks q1
(yes or no) and q2 (up to two of a, b, c), r2 asks q1, r3 asks q2 and nobody votes
there, so its totals are empty (alpha = 1). Every trustee posts its decryption, then the
board posts the results. Every entry goes through Replay, the rules a board server and
the verifier apply (section 13).

The file holds the manifest, every board entry, what the board concludes (the public
shares K_jc, the board state the trustees decrypted, who is valid, the results), the
combination by every minimal coalition the policy allows and the refusal of the largest
ones it forbids, one combination worked through step by step, and `invalid` cases: a
prefix of the entries and one corrupted entry that takes the next index.

The file is committed and then fixed: tests/vectors/test_decryption_vectors.py replays
it through Replay and checks that this script writes the same bytes again. Rerun it only
when protocol.md section 14 (or what it builds on: 11, 12, 13) changes, and say so in
the commit.
"""

from __future__ import annotations

import copy
import itertools
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from make_ceremony_vectors import DEADLINES, GROUPS, POLICY, _posix
from referendum.ballot import encrypt_ballot
from referendum.board.checkpoint import Checkpoint, sign_checkpoint
from referendum.board.keys import BOARD_KEY, WITNESS_KEY, SigningKey
from referendum.ceremony import TrusteeKeys, TrusteeState
from referendum.credentials import credential_key, issue_credentials
from referendum.group import ORDER, RISTRETTO255, SeededRandom
from referendum.manifest import Manifest
from referendum.proofs import ProofContext, prove_equal_logs
from referendum.replay import Replay
from referendum.sharing import lagrange_coefficient
from referendum.signing import Ed25519Key, sign_message
from referendum.tally import (
    KIND_DECRYPTION,
    TallyError,
    combine,
    decryption_message,
    results_payload,
    tally_payload,
)

G = RISTRETTO255
OUT = Path(__file__).resolve().parent.parent / "vectors" / "decryption"

ABSENT = 4  # absent from the key ceremony, present at the count
#: (region, choices) per voter, in casting order; r3's one voter does not vote.
VOTES: list[tuple[str, dict[str, list[int]]]] = [
    ("r1", {"q1": [1, 0], "q2": [1, 1, 0]}),
    ("r1", {"q1": [0, 1], "q2": [0, 1, 0]}),
    ("r1", {"q1": [1, 0], "q2": [0, 0, 0]}),
    ("r2", {"q1": [0, 1]}),
    ("r2", {"q1": [0, 1]}),
]
VOTERS = {"r1": 3, "r2": 2, "r3": 1}
#: Every region's credentials are co-issued by both (codes_per_voter = 2).
REGISTRARS = ("reg", "reg-2")
#: The combination worked through step by step: trustee 4 is in both quorums.
WORKED = [2, 4]


def manifest_json(
    keys: Sequence[TrusteeKeys],
    registrars: Sequence[Ed25519Key],
    board: SigningKey,
    witnesses: Sequence[SigningKey],
) -> dict[str, Any]:
    def text(s: str) -> dict[str, str]:
        return {"en": s}

    return {
        "format": "referendum-manifest/3",
        "id": "decryption-vectors",
        "languages": ["en"],
        "title": text("Decryption test vectors"),
        "voting": {"opens": "2027-03-01T06:00:00Z", "closes": "2027-03-01T18:00:00Z"},
        "questions": [
            {
                "id": "q1",
                "text": text("Yes or no?"),
                "options": [{"id": o, "text": text(o)} for o in ("yes", "no")],
                "min_choices": 1,
                "max_choices": 1,
            },
            {
                "id": "q2",
                "text": text("Which of these, up to two?"),
                "options": [{"id": o, "text": text(o)} for o in ("a", "b", "c")],
                "min_choices": 0,
                "max_choices": 2,
            },
        ],
        "regions": [
            {"id": "r1", "name": text("Region 1"), "questions": ["q1", "q2"]},
            {"id": "r2", "name": text("Region 2"), "questions": ["q1"]},
            {"id": "r3", "name": text("Region 3"), "questions": ["q2"]},
        ],
        "trustees": [
            {"index": i, "name": f"Trustee {i}", "group": g, **k.public_json()}
            for i, (k, g) in enumerate(zip(keys, GROUPS, strict=True), start=1)
        ],
        "policy": POLICY,
        "ceremony": DEADLINES,
        "registrars": [
            {"id": rid, "name": f"Registrar {rid}", "signing_key": k.public.hex()}
            for rid, k in zip(REGISTRARS, registrars, strict=True)
        ],
        "codes_per_voter": len(REGISTRARS),
        "witnesses": [{"name": w.name, "key": w.verifier().to_text()} for w in witnesses],
        "witness_quorum": 2,
        "board": {"key": board.verifier().to_text()},
    }


class _Board:
    """A board: every entry goes through Replay (section 13) before it is kept."""

    def __init__(self, manifest: Manifest, board_key: SigningKey, witnesses: list[SigningKey]):
        self.manifest = manifest
        self.board_key = board_key
        self.witnesses = witnesses
        self.state = Replay(manifest)
        self.entries: list[dict[str, Any]] = []

    def post(self, kind: str, payload: Any) -> None:
        index = len(self.entries)
        self.state.apply(index, kind, payload)
        self.entries.append({"index": index, "kind": kind, "payload": payload})

    def close(self, step: str) -> None:
        """Posts a ceremony.close of step, co-signed by both witnesses at its deadline."""
        cp = Checkpoint(self.manifest.id, len(self.entries), self.state.tree.root())
        signed = sign_checkpoint(cp, self.board_key)
        for w in self.witnesses:
            signed = signed.with_signature(w, now=_posix(DEADLINES[step]))
        self.post("ceremony.close", {"step": step, "checkpoint": signed.to_text()})


def _resign(key: Ed25519Key, fp: bytes, payload: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in payload.items() if k != "signature"}
    return sign_message(key, fp, KIND_DECRYPTION, body)


def main(out: Path = OUT) -> None:
    rng = SeededRandom("vectors/decryption")
    keys = [TrusteeKeys.generate(rng) for _ in GROUPS]
    registrars = [Ed25519Key.generate(rng) for _ in REGISTRARS]
    board_key = SigningKey.generate("board.vectors", BOARD_KEY, rng)
    witnesses = [SigningKey.generate(f"witness-{w}", WITNESS_KEY, rng) for w in (1, 2)]
    value = manifest_json(keys, registrars, board_key, witnesses)
    manifest = Manifest.from_json(value)
    fp = manifest.fingerprint
    present = [i for i in range(1, len(GROUPS) + 1) if i != ABSENT]
    states = {i: TrusteeState.new(manifest, keys[i - 1], rng) for i in present}

    b = _Board(manifest, board_key, witnesses)
    b.post("manifest", value)
    for i in present:
        b.post("ceremony.commitment", states[i].commitment_message(manifest))
    b.close("commitment")
    for i in present:
        b.post("ceremony.shares", states[i].shares_message(manifest, rng))
    for i in present:
        b.post("ceremony.check", states[i].check_message(manifest, b.state.ceremony))
    b.close("check")
    for i in present:
        b.post("ceremony.confirm", states[i].confirm_message(manifest, b.state.ceremony, rng))
    b.close("confirm")
    ceremony = b.state.ceremony
    assert ceremony.complete
    late = TrusteeState.new(manifest, keys[ABSENT - 1], rng)
    finals = {i: s.final_shares for i, s in states.items()}
    finals[ABSENT] = late.final_shares_from(manifest, ceremony)

    codes: dict[str, list[tuple[str, ...]]] = {}
    for region, count in VOTERS.items():
        # Both registrars commit, then post their parts, then close (section 10.4).
        issued = [
            issue_credentials(manifest, rid, k, region, count, rng)
            for rid, k in zip(REGISTRARS, registrars, strict=True)
        ]
        for i in issued:
            b.post("credentials.commit", i.commit)
        commitments = [i.commit["digest"] for i in issued]  # in the manifest's order
        signed = [i.batches(k, commitments) for i, k in zip(issued, registrars, strict=True)]
        for batch in zip(*signed, strict=True):
            for payload in batch:
                b.post("credentials", payload)
        for i in issued:
            b.post("credentials.close", i.close)
        codes[region] = list(zip(*(i.codes for i in issued), strict=True))
    key = ceremony.public_key
    b.post("voting.open", {"public_key": key.to_bytes().hex()})
    used = {region: 0 for region in VOTERS}
    for region, choices in VOTES:
        letters = codes[region][used[region]]
        used[region] += 1
        ballot = encrypt_ballot(manifest, key, region, choices, credential_key(fp, letters), rng)
        b.post("ballot", ballot.payload)
    b.post("voting.close", {"ballots": len(VOTES), "spoiled": 0})
    for t in b.state.tallies:
        b.post("tally", tally_payload(t))
    last_tally = len(b.entries) - 1
    tally_state = b.state.tally_state
    assert tally_state is not None
    tallies = b.state.tallies
    for i in sorted(finals):
        message = decryption_message(
            manifest, i, finals[i], keys[i - 1].signing, tallies, rng, board=tally_state
        )
        b.post(KIND_DECRYPTION, message)
    expected = b.state.expected_results()
    b.post("results", results_payload(manifest, expected))
    assert b.state.phase == "done" and not b.state.rejected_shares

    # -- the combination by coalitions --------------------------------------------------
    eligible = b.state.eligible()
    everyone = sorted(finals)
    coalitions = []
    for size in range(1, len(everyone) + 1):
        for group in itertools.combinations(everyone, size):
            allowed = manifest.policy.met_by(group)
            # the minimal allowed sets, and the largest forbidden ones (any trustee more
            # makes them allowed)
            smaller = any(manifest.policy.met_by(set(group) - {j}) for j in group)
            larger = [
                j for j in everyone if j not in group and not manifest.policy.met_by({*group, j})
            ]
            if (allowed and smaller) or (not allowed and larger):
                continue
            valid = {j: b.state.decryptions[j] for j in group}
            item: dict[str, Any] = {"trustees": list(group)}
            try:
                r = combine(manifest, tallies, valid, [], eligible)
            except TallyError as exc:
                item.update(want_err="invalid", error=str(exc))
            else:
                item.update(want_err=None, results=results_payload(manifest, r))
            coalitions.append(item)

    worked = _worked(manifest, b, WORKED)

    # -- corrupted entries --------------------------------------------------------------
    def at(kind: str, trustee: int | None = None) -> int:
        return next(
            int(e["index"])
            for e in b.entries
            if e["kind"] == kind and (trustee is None or e["payload"]["trustee"] == trustee)
        )

    def payload(index: int) -> Any:
        return copy.deepcopy(b.entries[index]["payload"])

    cases: list[dict[str, Any]] = []

    def case(desc: str, outcome: str, error: str, prefix: int, kind: str, p: Any) -> None:
        cases.append(
            {
                "desc": desc,
                "want_err": "invalid",
                "outcome": outcome,
                "error": error,
                "prefix": prefix,
                "entry": {"index": prefix, "kind": kind, "payload": p},
            }
        )

    def resigned(i: int, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        p = payload(at(KIND_DECRYPTION, i))
        change(p)
        return _resign(keys[i - 1].signing, fp, p)

    ctx = ProofContext(G, fp)
    totals = {t.region: t.totals for t in tallies}

    def share(i: int, c: int, r: str, q: str, o: int, bound: tuple[Any, ...]) -> dict[str, Any]:
        """Trustee i's honest share of clause c for total (r, q, o), its proof bound to bound."""
        x = finals[i][c]
        alpha = totals[r][q][o].alpha
        proof = prove_equal_logs(ctx, G.generator, alpha, x, bound_to=bound, rng=rng)
        return {"share": (alpha**x).to_bytes().hex(), "proof": proof.to_json()}

    def put(item: dict[str, Any], ci: int, qi: int, o: int) -> Callable[[Any], None]:
        """Puts item in the place of clauses[ci], region r1, questions[qi], shares[o]."""

        def change(p: dict[str, Any]) -> None:
            p["clauses"][ci]["regions"][0]["questions"][qi]["shares"][o] = item

        return change

    def where(i: int) -> str:
        return f"board entry {at(KIND_DECRYPTION, i)} (decryption): decryption of trustee {i}"

    d1, d2, d3, d4 = (at(KIND_DECRYPTION, i) for i in (1, 2, 3, 4))
    results_at = at("results")
    rejected = "rejected"
    refused = "refused"

    mismatch = "chaum-pedersen proof: challenge does not match the statement"
    # A proof bound to the wrong values: the share is right, the statement is not.
    for desc, i, c, ci, qi, o, bound, place in (
        ("another clause", 3, 1, 0, 0, 0, (3, 2, "r1", "q1", 0), "q1 option 0 (yes)"),
        ("another trustee", 1, 1, 0, 0, 0, (2, 1, "r1", "q1", 0), "q1 option 0 (yes)"),
        ("another region", 1, 1, 0, 0, 0, (1, 1, "r2", "q1", 0), "q1 option 0 (yes)"),
        ("another question", 1, 1, 0, 1, 0, (1, 1, "r1", "q1", 0), "q2 option 0 (a)"),
        ("another option", 1, 1, 0, 1, 1, (1, 1, "r1", "q2", 0), "q2 option 1 (b)"),
    ):
        q = "q1" if qi == 0 else "q2"
        case(
            f"a share whose proof is bound to {desc} ({list(bound)}), re-signed",
            rejected,
            f"{where(i)} (Trustee {i}) clause {c} region r1 question {place}: {mismatch}",
            at(KIND_DECRYPTION, i),
            KIND_DECRYPTION,
            resigned(i, put(share(i, c, "r1", q, o, bound), ci, qi, o)),
        )

    other_key = {**finals[3], 1: finals[3][2]}

    def clause_2_key(p: dict[str, Any]) -> None:
        made = decryption_message(
            manifest, 3, other_key, keys[2].signing, tallies, rng, board=tally_state
        )
        p["clauses"][0] = made["clauses"][0]

    case(
        "trustee 3's clause 1 shares made with its clause 2 key x_32, proofs bound to"
        " clause 1, re-signed",
        rejected,
        f"{where(3)} (Trustee 3) clause 1 region r1 question q1 option 0 (yes): {mismatch}",
        d3,
        KIND_DECRYPTION,
        resigned(3, clause_2_key),
    )

    def swap_clauses(p: dict[str, Any]) -> None:
        first = p["clauses"][0]["regions"][0]["questions"][0]["shares"]
        second = p["clauses"][1]["regions"][0]["questions"][0]["shares"]
        first[0], second[0] = second[0], first[0]

    case(
        "trustee 3's clause 1 and clause 2 shares of r1 q1 option 0 swapped, re-signed",
        rejected,
        f"{where(3)} (Trustee 3) clause 1 region r1 question q1 option 0 (yes): {mismatch}",
        d3,
        KIND_DECRYPTION,
        resigned(3, swap_clauses),
    )

    def times_g(p: dict[str, Any]) -> None:
        item = p["clauses"][0]["regions"][0]["questions"][1]["shares"][2]
        wrong = G.element(bytes.fromhex(item["share"])) * G.generator
        item["share"] = wrong.to_bytes().hex()

    case(
        "a share M_ic times g with the honest proof, re-signed",
        rejected,
        f"{where(1)} (Trustee 1) clause 1 region r1 question q2 option 2 (c): {mismatch}",
        d1,
        KIND_DECRYPTION,
        resigned(1, times_g),
    )

    def options_swapped(p: dict[str, Any]) -> None:
        row = p["clauses"][0]["regions"][0]["questions"][1]["shares"]
        row[0], row[1] = row[1], row[0]

    case(
        "r1 q2's shares of options 0 and 1 in each other's place, re-signed",
        rejected,
        f"{where(2)} (Trustee 2) clause 1 region r1 question q2 option 0 (a): {mismatch}",
        d2,
        KIND_DECRYPTION,
        resigned(2, options_swapped),
    )
    case(
        "trustee 3, member of clauses 1 and 2, sends clause 1 only, re-signed",
        rejected,
        f"{where(3)} (Trustee 3) clauses: 1 items, want 2",
        d3,
        KIND_DECRYPTION,
        resigned(3, lambda p: p["clauses"].pop()),
    )

    def third(p: dict[str, Any]) -> None:
        p["clauses"].append({**copy.deepcopy(p["clauses"][1]), "clause": 3})

    case(
        "trustee 3 adds a clause 3, which the policy does not have, re-signed",
        rejected,
        f"{where(3)} (Trustee 3) clauses: 3 items, want 2",
        d3,
        KIND_DECRYPTION,
        resigned(3, third),
    )
    case(
        "trustee 3 sends clause 1 twice, re-signed",
        rejected,
        f"{where(3)} (Trustee 3) clauses[1] clause: 1 on the board, 2 recomputed",
        d3,
        KIND_DECRYPTION,
        resigned(3, lambda p: p["clauses"].__setitem__(1, copy.deepcopy(p["clauses"][0]))),
    )
    case(
        "trustee 4's clauses in descending order (2, 1), re-signed",
        rejected,
        f"{where(4)} (Trustee 4) clauses[0] clause: 2 on the board, 1 recomputed",
        d4,
        KIND_DECRYPTION,
        resigned(4, lambda p: p["clauses"].reverse()),
    )

    def add_clause_2(p: dict[str, Any]) -> None:
        p["clauses"].append({**copy.deepcopy(p["clauses"][0]), "clause": 2})

    case(
        "trustee 1 (ukraine) adds shares for clause 2 (neutral), of which it is not a"
        " member, re-signed",
        rejected,
        f"{where(1)} (Trustee 1) clauses: 2 items, want 1",
        d1,
        KIND_DECRYPTION,
        resigned(1, add_clause_2),
    )
    case(
        "trustee 2 (russia) labels its shares clause 2 (neutral), of which it is not a"
        " member, re-signed",
        rejected,
        f"{where(2)} (Trustee 2) clauses[0] clause: 2 on the board, 1 recomputed",
        d2,
        KIND_DECRYPTION,
        resigned(2, lambda p: p["clauses"][0].update(clause=2)),
    )
    case(
        "clause number true instead of 1, re-signed",
        rejected,
        f"{where(1)} (Trustee 1) clauses[0] clause: True on the board, 1 recomputed",
        d1,
        KIND_DECRYPTION,
        resigned(1, lambda p: p["clauses"][0].update(clause=True)),
    )

    def regions_dropped(p: dict[str, Any]) -> None:
        p["clauses"][0]["regions"].pop()

    case(
        "the shares of region r3 left out, re-signed",
        rejected,
        f"{where(1)} (Trustee 1) clause 1 regions: 2 items, want 3",
        d1,
        KIND_DECRYPTION,
        resigned(1, regions_dropped),
    )
    # 2^255 - 1 is a field element above p = 2^255 - 19: no element has this encoding.
    bad_element = "ff" * 31 + "7f"

    def not_element(p: dict[str, Any]) -> None:
        p["clauses"][0]["regions"][1]["questions"][0]["shares"][0]["share"] = bad_element

    case(
        "a share that is not the encoding of a group element, re-signed",
        rejected,
        f"{where(1)} (Trustee 1) clause 1 region r2 question q1 option 0 (yes): share:",
        d1,
        KIND_DECRYPTION,
        resigned(1, not_element),
    )

    def non_canonical(p: dict[str, Any]) -> None:
        proof = p["clauses"][1]["regions"][0]["questions"][0]["shares"][0]["proof"]
        v = int.from_bytes(bytes.fromhex(proof["v"]), "little") + ORDER
        proof["v"] = v.to_bytes(32, "little").hex()

    case(
        "a proof whose v is written as v + l (a non-canonical scalar), re-signed",
        rejected,
        f"{where(3)} (Trustee 3) clause 2 region r1 question q1 option 0 (yes): proof.v:"
        " scalar encoding is not canonical",
        d3,
        KIND_DECRYPTION,
        resigned(3, non_canonical),
    )

    def empty_total(p: dict[str, Any]) -> None:
        item = p["clauses"][0]["regions"][2]["questions"][0]["shares"][0]
        item["share"] = G.generator.to_bytes().hex()

    case(
        "a share of region r3's empty total (alpha = 1) that is not the identity, re-signed",
        rejected,
        f"{where(4)} (Trustee 4) clause 1 region r3 question q2 option 0 (a): alpha is the"
        " identity, so the share must be the identity",
        d4,
        KIND_DECRYPTION,
        resigned(4, empty_total),
    )

    def identity_share(p: dict[str, Any]) -> None:
        item = p["clauses"][0]["regions"][1]["questions"][0]["shares"][0]
        item["share"] = G.identity.to_bytes().hex()

    case(
        "a share that is the identity for region r2's total, which is not empty, re-signed",
        rejected,
        f"{where(2)} (Trustee 2) clause 1 region r2 question q1 option 0 (yes): chaum-pedersen"
        " proof: value Y is the identity element",
        d2,
        KIND_DECRYPTION,
        resigned(2, identity_share),
    )
    case(
        "a decryption with an extra member, re-signed",
        rejected,
        "(decryption): decryption: unknown field note",
        d2,
        KIND_DECRYPTION,
        resigned(2, lambda p: p.update(note="checked twice")),
    )

    # The board's own rules (13.2): the entry is refused, nothing is kept.
    case(
        "a decryption by trustee 5, which the manifest does not have, signed by trustee 1",
        refused,
        "no trustee 5",
        d1,
        KIND_DECRYPTION,
        _resign(keys[0].signing, fp, {**payload(d1), "trustee": 5}),
    )
    case(
        "trustee true instead of 1, signed by trustee 1",
        refused,
        "trustee must be a trustee number",
        d1,
        KIND_DECRYPTION,
        _resign(keys[0].signing, fp, {**payload(d1), "trustee": True}),
    )
    changed = payload(d1)
    changed["clauses"][0]["regions"].reverse()
    case(
        "a decryption changed after signing, not re-signed",
        refused,
        "trustee 1 (Trustee 1): signature does not verify",
        d1,
        KIND_DECRYPTION,
        changed,
    )
    case(
        "trustee 1's decryption signed by trustee 3",
        refused,
        "trustee 1 (Trustee 1): signature does not verify",
        d1,
        KIND_DECRYPTION,
        _resign(keys[2].signing, fp, payload(d1)),
    )
    case(
        "a second decryption by trustee 1",
        refused,
        "trustee 1 already posted a decryption",
        d2,
        KIND_DECRYPTION,
        payload(d1),
    )
    size, root = tally_state
    case(
        "a decryption of the board state one entry earlier, re-signed",
        refused,
        f"trustee 1 decrypted another board state than this board's first {size} entries",
        d1,
        KIND_DECRYPTION,
        resigned(1, lambda p: p.update(board={"size": size - 1, "root": root.hex()})),
    )
    case(
        "a decryption posted after the results",
        refused,
        "not accepted in phase 'done'",
        len(b.entries),
        KIND_DECRYPTION,
        payload(d1),
    )
    case(
        "a decryption posted before the last tally",
        refused,
        "not accepted in phase 'counting'",
        last_tally,
        KIND_DECRYPTION,
        payload(d1),
    )

    # The results: recomputed by the board from the valid decryptions (14.3).
    good = payload(results_at)
    for desc, prefix, error in (
        (
            "results after the decryptions of trustees 1 and 2 only (neither neutral)",
            d3,
            "the valid decryptions (trustees 1, 2) do not meet the policy: at least 1 of"
            " neutral (trustees 3, 4) has 0",
        ),
        (
            "results after the decryption of trustee 1 only",
            d2,
            "the valid decryptions (trustee 1) do not meet the policy: at least 2 of ukraine,"
            " russia, neutral (trustees 1, 2, 3, 4) has 1 (trustee 1); at least 1 of neutral"
            " (trustees 3, 4) has 0",
        ),
    ):
        case(desc, refused, error, prefix, "results", good)

    def results(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        p: dict[str, Any] = payload(results_at)
        change(p)
        return p

    for desc, change, error in (
        (
            "results naming another allowed coalition (quorums [[1, 2], [4]]), not the t_c"
            " lowest valid members",
            lambda p: p.update(trustees=[1, 2, 4], quorums=[[1, 2], [4]]),
            "results trustees: [1, 2, 4] on the board, [1, 2, 3] recomputed",
        ),
        (
            "results with the right trustees and quorums [[1, 3], [3]]",
            lambda p: p.update(quorums=[[1, 3], [3]]),
            "results quorums: [[1, 3], [3]] on the board, [[1, 2], [3]] recomputed",
        ),
        (
            "results with clause 2's quorum left out",
            lambda p: p.update(quorums=[[1, 2]]),
            "results quorums: [[1, 2]] on the board, [[1, 2], [3]] recomputed",
        ),
        (
            "results with a quorum in descending order",
            lambda p: p.update(quorums=[[2, 1], [3]]),
            "results quorums: [[2, 1], [3]] on the board, [[1, 2], [3]] recomputed",
        ),
        (
            "results with true for trustee 1 in a quorum",
            lambda p: p.update(quorums=[[True, 2], [3]]),
            "results quorums: [[True, 2], [3]] on the board, [[1, 2], [3]] recomputed",
        ),
        (
            "results naming trustee 4 as rejected",
            lambda p: p.update(rejected=[{"trustee": 4, "reason": "late"}]),
            "results rejected: 1 items, want 0",
        ),
        (
            "results with one count changed",
            lambda p: p["regions"][0]["questions"][0]["counts"].__setitem__(0, 3),
            "results region r1 question q1 option 0 (yes): count 3 on the board, 2 recomputed",
        ),
    ):
        case(desc, refused, error, results_at, "results", results(change))

    # A board on which trustee 2's decryption is kept but rejected: the results name it.
    twin = _Board(manifest, board_key, witnesses)
    for e in b.entries[:d2]:
        twin.post(e["kind"], e["payload"])
    twin.post(KIND_DECRYPTION, resigned(2, times_g))
    twin.post(KIND_DECRYPTION, payload(d3))
    twin.post(KIND_DECRYPTION, payload(d4))
    twin.post("results", results_payload(manifest, twin.state.expected_results()))
    assert sorted(twin.state.rejected_shares) == [2] and twin.state.phase == "done"
    forgetful = copy.deepcopy(twin.entries[-1]["payload"])
    forgetful["rejected"] = []
    with_rejected = {
        "desc": (
            "trustee 2's decryption with a wrong share (M_ic times g): the board keeps it,"
            " rejects it, and combines clause 1 from trustees 1 and 3"
        ),
        "prefix": d2,
        "entries": twin.entries[d2:],
        "rejected": {"2": twin.state.rejected_shares[2]},
        "invalid": [
            {
                "desc": "results that leave out the rejected trustee 2",
                "want_err": "invalid",
                "outcome": refused,
                "error": f"board entry {results_at} (results): results rejected: 0 items, want 1",
                "prefix": results_at,
                "entry": {"index": results_at, "kind": "results", "payload": forgetful},
            }
        ],
    }

    doc = {
        "description": (
            "Threshold decryption per policy clause (protocol.md section 14): a whole board"
            " under a two-clause policy, trustee 4 absent from the ceremony and decrypting"
            " from the board; every decryption, the results with trustees and quorums, the"
            " combination by minimal allowed and largest forbidden coalitions, one worked"
            " through; corrupted decryption and results entries with the board's error"
        ),
        "manifest": value,
        "manifest_canonical": manifest.canonical.decode("utf-8"),
        "fingerprint": fp.hex(),
        "entries": b.entries,
        "public_shares": [
            {"clause": c, "trustee": j, "share": k.to_bytes().hex()}
            for (c, j), k in sorted(ceremony.public_shares.items())
        ],
        "board": {"size": size, "root": root.hex()},
        "valid": sorted(b.state.decryptions),
        "results": payload(results_at),
        "coalitions": coalitions,
        "worked": worked,
        "with_rejected": with_rejected,
        "invalid": cases,
    }
    out.mkdir(parents=True, exist_ok=True)
    path = out / "decryption.json"
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"wrote {path} ({len(b.entries)} entries, {len(coalitions)} coalitions,"
        f" {len(cases)} corrupted cases)"
    )


def _worked(manifest: Manifest, b: _Board, coalition: list[int]) -> dict[str, Any]:
    """The combination of 14.3 by coalition, every intermediate value of every total."""
    valid = {j: b.state.decryptions[j] for j in coalition}
    quorums = [
        [j for j in coalition if j in c.members][: c.threshold] for c in manifest.policy.clauses
    ]
    lambdas = [{i: lagrange_coefficient(G, i, quorum) for i in quorum} for quorum in quorums]
    rows = []
    for tally in b.state.tallies:
        for qid, cts in tally.totals.items():
            for o, ct in enumerate(cts):
                per_clause = []
                alpha_x = G.identity
                for c, quorum in enumerate(quorums, start=1):
                    part = G.identity
                    for i in quorum:
                        part = (
                            part * valid[i].shares[(c, tally.region, qid, o)] ** lambdas[c - 1][i]
                        )
                    per_clause.append(part.to_bytes().hex())
                    alpha_x = alpha_x * part
                power = ct.beta / alpha_x
                m = next(
                    n
                    for n in range(tally.counted + 1)
                    if G.generator ** G.scalar_from_int(n) == power
                )
                rows.append(
                    {
                        "region": tally.region,
                        "question": qid,
                        "option": o,
                        "alpha": ct.alpha.to_bytes().hex(),
                        "beta": ct.beta.to_bytes().hex(),
                        "alpha_x_c": per_clause,
                        "alpha_x": alpha_x.to_bytes().hex(),
                        "g_m": power.to_bytes().hex(),
                        "m": m,
                    }
                )
    return {
        "trustees": coalition,
        "quorums": quorums,
        "lambdas": [{str(i): lam.to_bytes().hex() for i, lam in q.items()} for q in lambdas],
        "totals": rows,
    }


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
