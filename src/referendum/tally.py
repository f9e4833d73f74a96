"""The homomorphic tally, threshold decryption and the results (docs/protocol.md section 14).

Per region, the last valid ballot of each credential counts. Multiplying the counted
ballots' selections option by option gives one ciphertext per encrypted selection: the
encrypted total (an exactly-k question's last option is not encrypted; its count is k
times the ballots counted minus the others'). The election key is K = prod_c K_c, one
key per clause of the manifest's policy, each shared t_c-of-members among the clause's
own members (section 11). Each trustee i publishes, for every clause c it is a member of
and every total, M_ic = alpha^(x_ic) with a Chaum-Pedersen proof that it used the same
x_ic as its public share K_ic = g^(x_ic). For every clause, the t_c lowest valid members'
shares combine by Lagrange interpolation in the exponent into alpha^(x_c); the product
over the clauses is alpha^x, so g^count = beta / alpha^x, and the count is a bounded
discrete logarithm. A set of trustees that misses a clause holds too few shares of x_c
to say anything about it, so combine refuses it, naming the clauses it misses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from referendum.canonical import is_json_int, json_equal

from .ballot import CheckedBallot
from .elgamal import Ciphertext, DiscreteLogError, discrete_log
from .errors import VerificationError
from .group import (
    RISTRETTO255,
    Element,
    GroupError,
    RandomSource,
    Scalar,
    element_from_hex,
    system_random,
)
from .manifest import Manifest, Question
from .proofs import (
    TAG_CHAUM_PEDERSEN,
    ChallengeResponse,
    InvalidProof,
    ProofContext,
    prove_equal_logs,
    verify_equal_logs,
)
from .sharing import lagrange_coefficient
from .signing import Ed25519Key, SignatureInvalid, sign_message, verify_message

__all__ = [
    "KIND_DECRYPTION",
    "KIND_RESULTS",
    "KIND_TALLY",
    "BallotBox",
    "DecryptionShares",
    "RegionTally",
    "Results",
    "TallyError",
    "check_decryption",
    "check_results_payload",
    "check_tally_payload",
    "combine",
    "decryption_message",
    "quorums",
    "results_payload",
    "tally_payload",
]

KIND_TALLY: Final = "tally"
KIND_DECRYPTION: Final = "decryption"
KIND_RESULTS: Final = "results"

_G: Final = RISTRETTO255


class TallyError(VerificationError):
    """A tally, decryption share or result fails a check; the message says where."""


# --- tally -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionTally:
    """A region's encrypted totals (section 14.1).

    counted: the number of ballots counted (one per credential).
    totals: question id -> the product of the counted selections, one per encrypted
        selection, in ballot-style order; (1, 1) when nothing was counted.
    """

    region: str
    counted: int
    totals: dict[str, tuple[Ciphertext, ...]]


class BallotBox:
    """The running encrypted totals of the last ballot per credential (section 14.1).

    A ballot adds its selections to its region's totals; a later ballot of the same
    credential first takes the earlier one's selections back out (re-voting: the last
    valid ballot counts). The group is commutative, so the totals are the very elements
    the product over the counted ballots gives, in any order.
    """

    def __init__(self, manifest: Manifest) -> None:
        self._manifest = manifest
        self._counted: dict[str, int] = {r.id: 0 for r in manifest.regions}
        one = Ciphertext(_G.identity, _G.identity)
        self._totals: dict[str, dict[str, list[Ciphertext]]] = {
            r.id: {q.id: [one] * q.encrypted for q in manifest.ballot_style(r.id)}
            for r in manifest.regions
        }

    def __len__(self) -> int:
        return sum(self._counted.values())

    def add(self, ballot: CheckedBallot, replaced: bytes | None = None) -> None:
        """Counts ballot; replaced: the packed selections (pack) of the same credential's
        earlier ballot, which it replaces (14.1)."""
        totals = self._totals.get(ballot.region)
        if totals is None:
            raise ValueError(f"region {ballot.region!r} is not in the manifest")
        if replaced is None:
            self._counted[ballot.region] += 1
        else:
            for qid, old in self.unpack(ballot.region, replaced).items():
                sums = totals[qid]
                for o, ct in enumerate(old):
                    sums[o] = Ciphertext(sums[o].alpha / ct.alpha, sums[o].beta / ct.beta)
        for qid, cts in ballot.selections.items():
            sums = totals[qid]
            for o, ct in enumerate(cts):
                sums[o] = sums[o] * ct

    def pack(self, ballot: CheckedBallot) -> bytes:
        """Gives back the ballot's selections as bytes, in ballot-style order (alpha, beta)."""
        return b"".join(
            ct.alpha.to_bytes() + ct.beta.to_bytes()
            for q in self._manifest.ballot_style(ballot.region)
            for ct in ballot.selections[q.id]
        )

    def unpack(self, region: str, data: bytes) -> dict[str, tuple[Ciphertext, ...]]:
        """Gives back the selections pack() wrote for a ballot of region."""
        out: dict[str, tuple[Ciphertext, ...]] = {}
        at = 0
        for q in self._manifest.ballot_style(region):
            cts = []
            for _ in range(q.encrypted):
                alpha, beta = data[at : at + 32], data[at + 32 : at + 64]
                cts.append(Ciphertext(_G.element(alpha), _G.element(beta)))
                at += 64
            out[q.id] = tuple(cts)
        return out

    def tallies(self) -> list[RegionTally]:
        """Gives back one RegionTally per manifest region, in manifest order (14.1)."""
        return [
            RegionTally(
                r.id,
                self._counted[r.id],
                {qid: tuple(cts) for qid, cts in self._totals[r.id].items()},
            )
            for r in self._manifest.regions
        ]

    def snapshot(self) -> dict[str, Any]:
        """Gives back the counts and totals per region as JSON values."""
        return {
            r: {
                "counted": self._counted[r],
                "totals": {q: [ct.to_json() for ct in cts] for q, cts in totals.items()},
            }
            for r, totals in self._totals.items()
        }

    def restore(self, value: dict[str, Any]) -> None:
        """Takes back what snapshot() gave."""
        for r, item in value.items():
            self._counted[r] = item["counted"]
            self._totals[r] = {
                q: [Ciphertext.from_json(_G, ct) for ct in cts] for q, cts in item["totals"].items()
            }


def tally_payload(t: RegionTally) -> dict[str, Any]:
    """Gives back the "tally" payload of a region's totals (section 14.1)."""
    return {
        "region": t.region,
        "counted": t.counted,
        "questions": [
            {"question": qid, "totals": [ct.to_json() for ct in cts]}
            for qid, cts in t.totals.items()
        ],
    }


def _fields(value: Any, wanted: Sequence[str], where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TallyError(f"{where}: want an object, got {type(value).__name__}")
    missing = [k for k in wanted if k not in value]
    if missing:
        raise TallyError(f"{where}: missing field {', '.join(missing)}")
    extra = sorted(str(k) for k in set(value) - set(wanted))
    if extra:
        raise TallyError(f"{where}: unknown field {', '.join(extra)}")
    return value


def _list(value: Any, where: str, length: int) -> list[Any]:
    if not isinstance(value, list):
        raise TallyError(f"{where}: want a list, got {type(value).__name__}")
    if len(value) != length:
        raise TallyError(f"{where}: {len(value)} items, want {length}")
    return value


def _same(got: Any, want: Any, what: str) -> None:
    # JSON equality: true must not pass for 1, not even inside a list.
    if not json_equal(got, want):
        raise TallyError(f"{what}: {got!r} on the board, {want!r} recomputed")


def _option(manifest: Manifest, qid: str, o: int) -> str:
    try:
        return f"option {o} ({manifest.question(qid).options[o].id})"
    except (KeyError, IndexError):
        return f"option {o}"


def check_tally_payload(
    manifest: Manifest, payload: Any, expected: RegionTally, where: str
) -> None:
    """None when payload is exactly tally_payload(expected) (14.1); TallyError otherwise.

    The error names the region, question and option that differ.
    """
    w = f"{where}: tally"
    top = _fields(payload, ("region", "counted", "questions"), w)
    _same(top["region"], expected.region, f"{w} region")
    w = f"{w} region {expected.region}"
    _same(top["counted"], expected.counted, f"{w} counted")
    questions = _list(top["questions"], f"{w} questions", len(expected.totals))
    for qi, (item, (qid, cts)) in enumerate(zip(questions, expected.totals.items(), strict=True)):
        _fields(item, ("question", "totals"), f"{w} questions[{qi}]")
        _same(item["question"], qid, f"{w} questions[{qi}] question")
        totals = _list(item["totals"], f"{w} question {qid} totals", len(cts))
        for o, (got, ct) in enumerate(zip(totals, cts, strict=True)):
            ow = f"{w} question {qid} {_option(manifest, qid, o)}"
            _fields(got, ("alpha", "beta"), ow)
            for name, value in ct.to_json().items():
                if got[name] != value:
                    raise TallyError(f"{ow}: {name} differs from the recomputed total")


# --- decryption shares -----------------------------------------------------------------


def decryption_message(
    manifest: Manifest,
    trustee: int,
    final_shares: Mapping[int, Scalar],
    signing_key: Ed25519Key,
    tallies: Sequence[RegionTally],
    rng: RandomSource = system_random,
    *,
    board: tuple[int, bytes],
) -> dict[str, Any]:
    """Gives back trustee's signed "decryption" payload for every total (section 14.2).

    final_shares is clause c -> x_ic, the trustee's share of clause c's secret from the
    key ceremony, for exactly the clauses whose members include it (ValueError
    otherwise). Each share M_ic = alpha^(x_ic) carries a Chaum-Pedersen proof bound to
    (i, c, region, question, option index). board is (size, root) of the board the
    trustee checked, right after its last tally entry: the signature binds the shares
    to that board state, so shares made for a forked board are refused on the real one
    (section 13.2).
    """
    size, root = board
    if not is_json_int(size) or size < 1 or len(root) != 32:
        raise ValueError("board must be (size >= 1, a 32-byte root)")
    t = manifest.trustee(trustee)
    if signing_key.public != t.signing_key:
        raise ValueError(f"the signing key is not trustee {trustee}'s key in the manifest")
    mine = [c.number for c in manifest.policy.clauses_of(trustee)]
    if sorted(final_shares) != mine:
        raise ValueError(
            f"trustee {trustee} holds shares for clauses {_numbers(sorted(final_shares))};"
            f" the policy makes it a member of clauses {_numbers(mine)}"
        )
    ctx = ProofContext(_G, manifest.fingerprint)
    clauses = []
    for c in mine:
        x = final_shares[c]
        regions = []
        for tally in tallies:
            questions = []
            for qid, cts in tally.totals.items():
                shares = []
                for o, ct in enumerate(cts):
                    proof = prove_equal_logs(
                        ctx,
                        _G.generator,
                        ct.alpha,
                        x,
                        bound_to=(trustee, c, tally.region, qid, o),
                        rng=rng,
                    )
                    share = ct.alpha**x
                    shares.append({"share": share.to_bytes().hex(), "proof": proof.to_json()})
                questions.append({"question": qid, "shares": shares})
            regions.append({"region": tally.region, "questions": questions})
        clauses.append({"clause": c, "regions": regions})
    body = {"trustee": trustee, "board": {"size": size, "root": root.hex()}, "clauses": clauses}
    return sign_message(signing_key, manifest.fingerprint, KIND_DECRYPTION, body)


def _numbers(values: Sequence[int]) -> str:
    return ", ".join(map(str, values)) if values else "none"


@dataclass(frozen=True)
class DecryptionShares:
    """A trustee's checked decryption shares (14.2).

    shares: (clause c, region, question, option) -> M_ic = alpha^(x_ic), for every
        clause of the trustee and every total.
    board: (size, root) of the board state the trustee decrypted.
    """

    trustee: int
    shares: dict[tuple[int, str, str, int], Element]
    board: tuple[int, bytes]


def _board_state(value: Any, where: str) -> tuple[int, bytes]:
    obj = _fields(value, ("size", "root"), f"{where} board")
    size, root = obj["size"], obj["root"]
    if not is_json_int(size) or size < 1:
        raise TallyError(f"{where} board size: want a positive integer")
    if not isinstance(root, str) or len(root) != 64 or not set(root) <= set("0123456789abcdef"):
        raise TallyError(f"{where} board root: want 64 lowercase hex digits")
    return size, bytes.fromhex(root)


def _verify_share(
    ctx: ProofContext,
    public_share: Element,
    alpha: Element,
    share: Element,
    proof: ChallengeResponse,
    bound: tuple[int, int, str, str, int],
) -> None:
    if not alpha.is_identity():
        verify_equal_logs(ctx, _G.generator, alpha, public_share, share, proof, bound_to=bound)
        return
    # An empty total has alpha = 1, so M_ic = 1 whatever x_ic is: the share is fixed and
    # the proof is checked by the equations of 5.4 without its rule against B = 1.
    if not share.is_identity():
        raise InvalidProof("alpha is the identity, so the share must be the identity")
    if public_share.is_identity():
        raise InvalidProof("chaum-pedersen proof: value X is the identity element")
    a = _G.generator**proof.v * public_share**proof.c
    b = _G.identity
    c = ctx.challenge(TAG_CHAUM_PEDERSEN, _G.generator, alpha, public_share, share, a, b, *bound)
    if c != proof.c:
        raise InvalidProof("chaum-pedersen proof: challenge does not match the statement")


def check_decryption(
    manifest: Manifest,
    public_shares: Mapping[tuple[int, int], Element],
    tallies: Sequence[RegionTally],
    payload: Any,
    where: str,
) -> DecryptionShares:
    """Gives back a trustee's shares once signature, structure and proofs check (14.2).

    public_shares: (clause c, trustee j) -> K_jc from the key ceremony. TallyError names
    the trustee (number and name), clause, region, question and option.
    """
    top = _fields(payload, ("trustee", "board", "clauses", "signature"), f"{where}: decryption")
    i = top["trustee"]
    if not is_json_int(i):
        raise TallyError(f"{where}: decryption trustee: want an integer")
    try:
        trustee = manifest.trustee(i)
    except KeyError:
        raise TallyError(f"{where}: decryption: no trustee {i} in the manifest") from None
    w = f"{where}: decryption of trustee {i} ({trustee.name})"
    try:
        verify_message(trustee.signing_key, manifest.fingerprint, KIND_DECRYPTION, top, w)
    except SignatureInvalid as exc:
        raise TallyError(str(exc)) from None
    board = _board_state(top["board"], w)
    mine = manifest.policy.clauses_of(i)
    for clause in mine:
        if (clause.number, i) not in public_shares:
            raise TallyError(
                f"{w}: the trustee has no public share for clause {clause.number}"
                " from the key ceremony"
            )
    ctx = ProofContext(_G, manifest.fingerprint)
    shares: dict[tuple[int, str, str, int], Element] = {}
    items = _list(top["clauses"], f"{w} clauses", len(mine))
    for ci, (item, clause) in enumerate(zip(items, mine, strict=True)):
        _fields(item, ("clause", "regions"), f"{w} clauses[{ci}]")
        c = clause.number
        _same(item["clause"], c, f"{w} clauses[{ci}] clause")
        cw = f"{w} clause {c}"
        public_share = public_shares[(c, i)]
        regions = _list(item["regions"], f"{cw} regions", len(tallies))
        for ri, (region, tally) in enumerate(zip(regions, tallies, strict=True)):
            _fields(region, ("region", "questions"), f"{cw} regions[{ri}]")
            _same(region["region"], tally.region, f"{cw} regions[{ri}] region")
            rw = f"{cw} region {tally.region}"
            questions = _list(region["questions"], f"{rw} questions", len(tally.totals))
            for qi, (q, (qid, cts)) in enumerate(zip(questions, tally.totals.items(), strict=True)):
                _fields(q, ("question", "shares"), f"{rw} questions[{qi}]")
                _same(q["question"], qid, f"{rw} questions[{qi}] question")
                entries = _list(q["shares"], f"{rw} question {qid} shares", len(cts))
                for o, (entry, ct) in enumerate(zip(entries, cts, strict=True)):
                    ow = f"{rw} question {qid} {_option(manifest, qid, o)}"
                    _fields(entry, ("share", "proof"), ow)
                    try:
                        share = element_from_hex(_G, entry["share"], "share")
                        proof = ChallengeResponse.from_json(_G, entry["proof"], "proof")
                        _verify_share(
                            ctx, public_share, ct.alpha, share, proof, (i, c, tally.region, qid, o)
                        )
                    except (GroupError, InvalidProof) as exc:
                        raise TallyError(f"{ow}: {exc}") from None
                    shares[(c, tally.region, qid, o)] = share
    return DecryptionShares(i, shares, board)


# --- results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Results:
    """The decrypted counts (section 14.3).

    quorums: Q_c per clause of the policy, in clause order: the t_c lowest-numbered
        members of clause c with a valid decryption, ascending; their shares were combined.
    trustees: who took part, the union of the quorums, ascending.
    rejected: (trustee, reason) for every decryption message that failed its checks.
    counts: region -> question -> count per option. counted and eligible: per region,
        ballots counted and credentials registered.
    """

    trustees: tuple[int, ...]
    quorums: tuple[tuple[int, ...], ...]
    rejected: tuple[tuple[int, str], ...]
    counts: dict[str, dict[str, tuple[int, ...]]]
    counted: dict[str, int]
    eligible: dict[str, int]

    def decrypted_by(self, manifest: Manifest) -> list[str]:
        """Gives back who took part, in words: "decrypted by trustees 2, 3, 5", then, when
        the policy has more than one clause, one line per clause and its quorum."""
        lines = [f"decrypted by trustees {_numbers(self.trustees)}"]
        if len(manifest.policy.clauses) > 1:
            for clause, quorum in zip(manifest.policy.clauses, self.quorums, strict=True):
                lines.append(
                    f"  clause {clause.number}, {clause.describe()}: trustees {_numbers(quorum)}"
                )
        return lines


def quorums(manifest: Manifest, valid: Iterable[int]) -> tuple[tuple[int, ...], ...]:
    """Gives back Q_c per clause (14.3): the t_c lowest members of clause c in valid.

    TallyError naming every clause valid does not meet, and who is in valid.
    """
    present = sorted(set(valid))
    policy = manifest.policy
    unmet = policy.unmet(present)
    if unmet:
        missed = "; ".join(f"{c.describe()} has {_count_of(c.members, present)}" for c in unmet)
        raise TallyError(
            f"the valid decryptions ({_trustees(present)}) do not meet the policy: {missed}"
        )
    return tuple(tuple(j for j in present if j in c.members)[: c.threshold] for c in policy.clauses)


def _trustees(numbers: Sequence[int]) -> str:
    if not numbers:
        return "none"
    return f"trustee{'s' if len(numbers) > 1 else ''} {_numbers(numbers)}"


def _count_of(members: Sequence[int], present: Sequence[int]) -> str:
    there = [j for j in present if j in members]
    return f"{len(there)} ({_trustees(there)})" if there else "0"


def combine(
    manifest: Manifest,
    tallies: Sequence[RegionTally],
    valid: Mapping[int, DecryptionShares],
    rejected: Sequence[tuple[int, str]],
    eligible: Mapping[str, int],
) -> Results:
    """Gives back the counts from the valid trustees' shares, clause by clause (14.3).

    For every clause c, Q_c is the t_c lowest-numbered valid members of c; alpha^x is
    the product over the clauses of prod_{i in Q_c} M_ic^(lambda_i over Q_c).
    TallyError when the valid trustees do not meet the policy (naming every clause they
    miss), or a combined value is not g^m for a count m in [0, ballots counted in the
    region].
    """
    chosen = quorums(manifest, valid)
    clauses = [c.number for c in manifest.policy.clauses]
    # (clause, trustee, lambda_i over Q_c) for every share that enters alpha^x.
    terms = [
        (c, i, lagrange_coefficient(_G, i, quorum))
        for c, quorum in zip(clauses, chosen, strict=True)
        for i in quorum
    ]
    counts: dict[str, dict[str, tuple[int, ...]]] = {}
    for tally in tallies:
        if tally.region not in eligible:
            raise ValueError(f"no eligible count given for region {tally.region}")
        counts[tally.region] = {}
        for qid, cts in tally.totals.items():
            row = []
            for o, ct in enumerate(cts):
                where = f"region {tally.region} question {qid} {_option(manifest, qid, o)}"
                alpha_x = _G.identity
                for c, i, lam in terms:
                    share = valid[i].shares.get((c, tally.region, qid, o))
                    if share is None:
                        raise TallyError(
                            f"{where}: trustee {i} gave no decryption share for clause {c}"
                        )
                    alpha_x = alpha_x * share**lam
                try:
                    row.append(discrete_log(_G, ct.beta / alpha_x, tally.counted))
                except DiscreteLogError:
                    raise TallyError(
                        f"{where}: the combined decryption is not a count in [0, {tally.counted}]"
                    ) from None
            counts[tally.region][qid] = _with_last(manifest.question(qid), row, tally)
    return Results(
        trustees=tuple(sorted({i for quorum in chosen for i in quorum})),
        quorums=chosen,
        rejected=tuple(sorted(rejected)),
        counts=counts,
        counted={t.region: t.counted for t in tallies},
        eligible={t.region: eligible[t.region] for t in tallies},
    )


def _with_last(question: Question, row: list[int], tally: RegionTally) -> tuple[int, ...]:
    """Gives back every option's count: row, and for an exactly-k question the last
    option's, k times the ballots counted minus the others (sections 12.2, 14.3)."""
    if not question.exact:
        return tuple(row)
    last = question.min_choices * tally.counted - sum(row)
    if not 0 <= last <= tally.counted:
        raise TallyError(
            f"region {tally.region} question {question.id}: the last option's count,"
            f" {question.min_choices} x {tally.counted} counted minus the others,"
            f" is {last}, not a count in [0, {tally.counted}]"
        )
    return (*row, last)


def _region_order(manifest: Manifest, results: Results) -> list[str]:
    order = [r.id for r in manifest.regions]
    if sorted(order) != sorted(results.counts):
        raise ValueError("the results do not cover exactly the manifest's regions")
    return order


def results_payload(manifest: Manifest, results: Results) -> dict[str, Any]:
    """Gives back the "results" payload (section 14.3), regions in manifest order."""
    regions = []
    for rid in _region_order(manifest, results):
        style: tuple[Question, ...] = manifest.ballot_style(rid)
        regions.append(
            {
                "region": rid,
                "eligible": results.eligible[rid],
                "counted": results.counted[rid],
                "questions": [
                    {"question": q.id, "counts": list(results.counts[rid][q.id])} for q in style
                ],
            }
        )
    return {
        "trustees": list(results.trustees),
        "quorums": [list(q) for q in results.quorums],
        "rejected": [{"trustee": i, "reason": reason} for i, reason in results.rejected],
        "regions": regions,
    }


def check_results_payload(manifest: Manifest, payload: Any, expected: Results, where: str) -> None:
    """None when payload states expected's results (14.3); TallyError naming the difference.

    Rejection reasons are free text and are not compared; the rejected trustees are.
    """
    w = f"{where}: results"
    top = _fields(payload, ("trustees", "quorums", "rejected", "regions"), w)
    _same(top["trustees"], list(expected.trustees), f"{w} trustees")
    _same(top["quorums"], [list(q) for q in expected.quorums], f"{w} quorums")
    rejected = _list(top["rejected"], f"{w} rejected", len(expected.rejected))
    for n, (item, (i, _)) in enumerate(zip(rejected, expected.rejected, strict=True)):
        _fields(item, ("trustee", "reason"), f"{w} rejected[{n}]")
        _same(item["trustee"], i, f"{w} rejected[{n}] trustee")
        if not isinstance(item["reason"], str) or not item["reason"]:
            raise TallyError(f"{w} rejected[{n}] reason: want non-empty text")
    order = _region_order(manifest, expected)
    regions = _list(top["regions"], f"{w} regions", len(order))
    for ri, (item, rid) in enumerate(zip(regions, order, strict=True)):
        _fields(item, ("region", "eligible", "counted", "questions"), f"{w} regions[{ri}]")
        _same(item["region"], rid, f"{w} regions[{ri}] region")
        rw = f"{w} region {rid}"
        _same(item["eligible"], expected.eligible[rid], f"{rw} eligible")
        _same(item["counted"], expected.counted[rid], f"{rw} counted")
        style = manifest.ballot_style(rid)
        questions = _list(item["questions"], f"{rw} questions", len(style))
        for qi, (qitem, q) in enumerate(zip(questions, style, strict=True)):
            _fields(qitem, ("question", "counts"), f"{rw} questions[{qi}]")
            _same(qitem["question"], q.id, f"{rw} questions[{qi}] question")
            want = expected.counts[rid][q.id]
            got = _list(qitem["counts"], f"{rw} question {q.id} counts", len(want))
            for o, (g, m) in enumerate(zip(got, want, strict=True)):
                ow = f"{rw} question {q.id} {_option(manifest, q.id, o)}"
                if not is_json_int(g) or g != m:
                    raise TallyError(f"{ow}: count {g!r} on the board, {m} recomputed")
