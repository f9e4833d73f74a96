"""The key ceremony as the board sees it: acceptance rules and replay (docs/protocol.md 11).

CeremonyBoard is pure: it holds the ceremony messages accepted so far and validates each
new one against the rules of section 11.7 before recording it. The board server uses it
to accept or refuse a message; the verifier feeds it the board's entries in order and
gets the same verdicts. A rejected message raises CeremonyError and changes nothing.

The ceremony is one distributed key generation per clause of the manifest's policy
(section 11.1), run side by side: a trustee's message carries its part of every clause
it belongs to. Each step closes when everyone due has posted, or by a `ceremony.close`
entry that shows the manifest's quorum of witnesses co-signing this very board at or
after the step's deadline (section 11.7): no party alone, the operator included, can
close a step early. QUAL_c, the dealers whose polynomials make clause c's key, is
computed by `qualify` once the reveal step has closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from ..board.checkpoint import SignedCheckpoint, parse_signed_checkpoint
from ..board.errors import BoardVerificationError, EncodingError
from ..canonical import JsonFormatError
from ..group import RISTRETTO255, Element, Group, Scalar
from ..manifest import CEREMONY_STEPS, Manifest
from ..policy import Clause
from ..proofs import InvalidProof, ProofContext, verify_schnorr
from ..sharing import ShareVerificationError, joint_public_key, joint_public_share, verify_share
from ..signing import SignatureInvalid, verify_message
from ._errors import CeremonyError
from ._fields import (
    decode_bytes,
    decode_clause,
    decode_element,
    decode_index,
    decode_list,
    decode_proof,
    decode_scalar,
    decode_text,
    require_fields,
)
from .sealed import SEAL_OVERHEAD

__all__ = [
    "KINDS",
    "KIND_CHECK",
    "KIND_CLOSE",
    "KIND_COMMITMENT",
    "KIND_CONFIRM",
    "KIND_REVEAL",
    "KIND_SHARES",
    "MAX_REASON",
    "SEALED_SHARE_SIZE",
    "STEP_OF_KIND",
    "CeremonyBoard",
    "Qualification",
    "qualify",
    "unanswered_text",
]

KIND_COMMITMENT: Final = "ceremony.commitment"
KIND_SHARES: Final = "ceremony.shares"
KIND_CHECK: Final = "ceremony.check"
KIND_REVEAL: Final = "ceremony.reveal"
KIND_CONFIRM: Final = "ceremony.confirm"
KIND_CLOSE: Final = "ceremony.close"
#: The signed kinds, one per step; ceremony.close is the unsigned sixth.
KINDS: Final = (KIND_COMMITMENT, KIND_SHARES, KIND_CHECK, KIND_REVEAL, KIND_CONFIRM)
STEP_OF_KIND: Final = dict(zip(KINDS, CEREMONY_STEPS, strict=True))

#: The longest complaint reason, in characters.
MAX_REASON: Final = 200
#: A sealed share: a 32-byte scalar in a sealed box.
SEALED_SHARE_SIZE: Final = 32 + SEAL_OVERHEAD

_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    KIND_COMMITMENT: ("trustee", "clauses", "signature"),
    KIND_SHARES: ("trustee", "shares", "signature"),
    KIND_CHECK: ("trustee", "complaints", "signature"),
    KIND_REVEAL: ("trustee", "clause", "to", "share", "signature"),
    KIND_CONFIRM: ("trustee", "public_key", "clauses", "signature"),
}


@dataclass(frozen=True)
class Qualification:
    """QUAL_c per clause and why the other dealers are out (section 11.5).

    qualified: clause -> its qualified dealers, ascending.
    disqualified: (clause, dealer) -> the reason it is out of that clause's QUAL.
    """

    qualified: dict[int, tuple[int, ...]] = field(hash=False)
    disqualified: dict[tuple[int, int], str] = field(hash=False)

    def failures(self, clauses: Sequence[Clause]) -> list[str]:
        """Gives back why the policy cannot be met, one text per clause with fewer
        qualified dealers than its threshold (empty when the ceremony succeeds)."""
        out = []
        for c in clauses:
            have = self.qualified[c.number]
            if len(have) >= c.threshold:
                continue
            why = "; ".join(
                f"trustee {i}: {self.disqualified[(c.number, i)]}"
                for i in c.members
                if (c.number, i) in self.disqualified
            )
            out.append(
                f"clause {c.number} ({c.describe()}) has {len(have)} qualified dealers"
                f" {list(have)}, it needs {c.threshold}; out: {why}"
            )
        return out


def unanswered_text(pending: Sequence[tuple[int, int, int]]) -> str:
    """Gives back the text naming unanswered complaints, given (clause, dealer,
    complainer) triples: "trustee 3's complaint against trustee 1 (clause 1) is not
    answered yet" (11.5)."""
    named = [f"trustee {j}'s complaint against trustee {i} (clause {c})" for c, i, j in pending]
    if len(named) == 1:
        return f"{named[0]} is not answered yet"
    return f"{', '.join(named[:-1])} and {named[-1]} are not answered yet"


def qualify(
    group: Group,
    clauses: Sequence[Clause],
    commitments: Mapping[int, Mapping[int, Sequence[Element]]],
    dealt: Collection[int],
    complaints: Mapping[int, Collection[tuple[int, int]]],
    reveals: Mapping[tuple[int, int, int], Scalar],
) -> Qualification:
    """Gives back QUAL_c for every clause and the reasons of the others (section 11.5).

    commitments: dealer -> clause -> C_ic0..C_ic(t_c - 1); dealt: the dealers whose shares
    are on the board; complaints: complainer j -> (clause, dealer) pairs; reveals:
    (clause, dealer i, complainer j) -> the share i revealed for j. Called once the
    reveal step has closed, so a complaint without a reveal is one its dealer did not
    answer in time. Dealer i is in QUAL_c when it committed, dealt, and answered every
    complaint of clause c against it with a share that matches its commitments.
    """
    qualified: dict[int, tuple[int, ...]] = {}
    disqualified: dict[tuple[int, int], str] = {}
    for clause in clauses:
        c = clause.number
        good: list[int] = []
        for i in clause.members:
            problems: list[str] = []
            if i not in commitments:
                problems.append("posted no commitment")
            elif i not in dealt:
                problems.append("posted no shares")
            else:
                for j in sorted(j for j, pairs in complaints.items() if (c, i) in pairs):
                    share = reveals.get((c, i, j))
                    if share is None:
                        problems.append(f"did not answer trustee {j}'s complaint")
                        continue
                    try:
                        verify_share(group, j, share, commitments[i][c], dealer=i)
                    except ShareVerificationError:
                        problems.append(
                            f"its revealed share for trustee {j} does not match its commitments"
                        )
            if problems:
                disqualified[(c, i)] = "; ".join(problems)
            else:
                good.append(i)
        qualified[c] = tuple(good)
    return Qualification(qualified, disqualified)


@dataclass(frozen=True, slots=True)
class _Closed:
    """How a step closed: at board entry `index` by a ceremony.close, or (index None)
    when everyone due had posted."""

    index: int | None
    text: str


class CeremonyBoard:
    """The ceremony messages accepted so far, checked against sections 11.2 to 11.7.

    Mutable on purpose: it grows by one message per successful add or close, and only
    there.
    """

    def __init__(self, manifest: Manifest) -> None:
        self.manifest: Final = manifest
        self.group: Final[Group] = RISTRETTO255
        self._ctx = ProofContext(self.group, manifest.fingerprint)
        self._n = len(manifest.trustees)
        self._clauses = manifest.policy.clauses
        # dealer i -> clause c -> C_ic0..
        self._commitments: dict[int, dict[int, tuple[Element, ...]]] = {}
        # dealer i -> (clause c, recipient j) -> sealed s_icj
        self._shares: dict[int, dict[tuple[int, int], bytes]] = {}
        # complainer j -> (clause c, dealer i) -> reason
        self._checks: dict[int, dict[tuple[int, int], str]] = {}
        self._reveals: dict[tuple[int, int, int], Scalar] = {}  # (c, i, j) -> s_icj
        self._refuted: set[tuple[int, int, int]] = set()  # the reveals above that verify
        self._confirms: dict[int, Element] = {}  # trustee -> the K it stated
        self._closed: dict[str, _Closed] = {}
        self._fixed: Qualification | None = None
        self._public_key: Element | None = None
        self._public_shares: dict[tuple[int, int], Element] | None = None
        self._accepted = 0
        self._handlers: dict[str, Callable[[dict[str, Any], int, str], None]] = {
            KIND_COMMITMENT: self._add_commitment,
            KIND_SHARES: self._add_shares,
            KIND_CHECK: self._add_check,
            KIND_REVEAL: self._add_reveal,
            KIND_CONFIRM: self._add_confirm,
        }

    # --- adding messages -------------------------------------------------------------

    def add(self, kind: str, payload: dict[str, Any], where: str) -> None:
        """Records one signed ceremony message after checking it (section 11.7).

        where (e.g. "board entry 7") starts every error message. Raises CeremonyError
        naming the trustee and the rule; a rejected message changes nothing.
        """
        handler = self._handlers.get(kind)
        if handler is None:
            raise CeremonyError(f"{where}: {kind!r} is not a signed ceremony message kind")
        if not isinstance(payload, dict):
            raise CeremonyError(f"{where}: {kind}: want an object, got {type(payload).__name__}")
        if "trustee" not in payload:
            raise CeremonyError(f"{where}: {kind}: missing trustee")
        signer = decode_index(payload["trustee"], self._n, f"{where}: {kind}.trustee", None)
        what = f"{where}: {kind} of trustee {signer}"
        require_fields(payload, _FIELDS[kind], what, signer)
        public = self.manifest.trustee(signer).signing_key
        try:
            body = verify_message(public, self.manifest.fingerprint, kind, payload, what)
        except SignatureInvalid as exc:
            raise CeremonyError(str(exc), trustee=signer) from None
        except JsonFormatError as exc:
            raise CeremonyError(f"{what}: {exc}", trustee=signer) from None
        step = STEP_OF_KIND[kind]
        if self.closed(step):
            raise CeremonyError(
                f"{what}: the {step} step is closed ({self._closed_text(step)})", trustee=signer
            )
        handler(body, signer, what)
        self._accepted += 1

    def close(self, payload: Any, where: str, *, size: int, root: bytes | None) -> None:
        """Records a ceremony.close entry after checking it (section 11.7).

        size and root: the board's tree right before this entry (the entry's index and
        the root of the entries before it). CeremonyError when the step is not open, or
        the checkpoint is not this board's or not co-signed by the witness quorum at or
        after the step's deadline; a rejected close changes nothing. root None re-applies
        an entry of the operator's own store, checked when it was appended (a state
        restored from a snapshot no longer holds old roots): only the step rules run.
        """
        what = f"{where}: {KIND_CLOSE}"
        if not isinstance(payload, dict) or set(payload) != {"step", "checkpoint"}:
            raise CeremonyError(f"{what}: want an object with exactly checkpoint and step")
        step = payload["step"]
        if step not in CEREMONY_STEPS:
            raise CeremonyError(f"{what}: step {step!r} is not one of {', '.join(CEREMONY_STEPS)}")
        what = f"{what} of the {step} step"
        deadline = self.manifest.deadlines.get(step)
        if deadline is None:
            raise CeremonyError(f"{what}: the manifest sets no ceremony deadlines")
        if self.closed(step):
            raise CeremonyError(f"{what}: the step is already closed ({self._closed_text(step)})")
        before = _previous(step)
        if before is not None and not self.closed(before):
            raise CeremonyError(f"{what}: the {before} step has not closed yet")
        if root is not None:
            self._check_checkpoint(payload["checkpoint"], deadline, what, size, root)
        self._closed[step] = _Closed(
            size, f"closed by board entry {size} after its deadline {deadline}"
        )
        self._accepted += 1

    def _check_checkpoint(
        self, text: Any, deadline: str, what: str, size: int, root: bytes
    ) -> None:
        if not isinstance(text, str):
            raise CeremonyError(f"{what}: checkpoint: want the signed checkpoint text")
        try:
            signed = parse_signed_checkpoint(text)
            if signed.to_text() != text:
                raise EncodingError("not in the canonical text form of section 7.4.2")
            signed.verify(self.manifest.board_key)
        except (EncodingError, BoardVerificationError) as exc:
            raise CeremonyError(f"{what}: checkpoint: {exc}") from None
        cp = signed.checkpoint
        if cp.origin != self.manifest.id or cp.size != size or cp.root != root:
            raise CeremonyError(
                f"{what}: checkpoint: it states {cp.origin} at size {cp.size}; this close needs"
                f" {self.manifest.id} at size {size} with this board's root: the board right"
                " before this entry"
            )
        self._witnessed_after(signed, deadline, what)

    def _witnessed_after(self, signed: SignedCheckpoint, deadline: str, what: str) -> None:
        need = self.manifest.witness_quorum
        if need == 0:
            raise CeremonyError(f"{what}: the manifest names no witness, so no step closes early")
        limit = _posix(deadline)
        late: list[str] = []
        early: list[str] = []
        for w in self.manifest.witnesses:
            try:
                signed.verify(w.key)
            except BoardVerificationError:
                continue
            t = signed.signature_by(w.key).timestamp
            assert t is not None  # verify() refuses a witness line without a time
            (late if t >= limit else early).append(f"{w.key.name} at {_utc(t)}")
        if len(late) >= need:
            return
        raise CeremonyError(
            f"{what}: before its deadline {deadline}: {len(late)} of the {need} witnesses it"
            f" needs co-signed at or after it ({', '.join(late) or 'none'}); before it:"
            f" {', '.join(early) or 'none'}"
        )

    def _add_commitment(self, body: dict[str, Any], i: int, what: str) -> None:
        if i in self._commitments:
            raise CeremonyError(f"{what}: trustee {i} already posted its commitment", trustee=i)
        mine = self.manifest.policy.clauses_of(i)
        raw = decode_list(body["clauses"], f"{what}: clauses", i)
        if len(raw) != len(mine):
            raise CeremonyError(
                f"{what}: clauses: want {len(mine)} (one per clause of the trustee), got"
                f" {len(raw)}",
                trustee=i,
            )
        commitments: dict[int, tuple[Element, ...]] = {}
        for x, (entry, clause) in enumerate(zip(raw, mine, strict=True)):
            at = f"{what}: clauses[{x}]"
            require_fields(entry, ("clause", "commitments", "proof"), at, i)
            self._clause_number(entry["clause"], clause, at, i)
            items = decode_list(entry["commitments"], f"{at}.commitments", i)
            if len(items) != clause.threshold:
                raise CeremonyError(
                    f"{at}.commitments: want {clause.threshold} (the clause's threshold),"
                    f" got {len(items)}",
                    trustee=i,
                )
            cs = tuple(decode_element(v, f"{at}.commitments[{t}]", i) for t, v in enumerate(items))
            for t, v in enumerate(cs):
                if v.is_identity():
                    raise CeremonyError(f"{at}.commitments[{t}] is the identity", trustee=i)
            proof = decode_proof(entry["proof"], f"{at}.proof", i)
            try:
                verify_schnorr(self._ctx, cs[0], proof, bound_to=[i, clause.number])
            except InvalidProof as exc:
                raise CeremonyError(f"{at}.proof: {exc}", trustee=i) from None
            commitments[clause.number] = cs
        self._commitments[i] = commitments

    def _add_shares(self, body: dict[str, Any], i: int, what: str) -> None:
        if i not in self._commitments:
            raise CeremonyError(f"{what}: shares come after the trustee's commitment", trustee=i)
        if i in self._shares:
            raise CeremonyError(f"{what}: trustee {i} already posted its shares", trustee=i)
        raw = decode_list(body["shares"], f"{what}: shares", i)
        wanted = _recipients(self.manifest.policy.clauses_of(i), i)
        if len(raw) != len(wanted):
            raise CeremonyError(
                f"{what}: shares: want {len(wanted)} (one per other member of each of the"
                f" trustee's clauses), got {len(raw)}",
                trustee=i,
            )
        sealed: dict[tuple[int, int], bytes] = {}
        for t, (entry, (c, j)) in enumerate(zip(raw, wanted, strict=True)):
            at = f"{what}: shares[{t}]"
            require_fields(entry, ("clause", "to", "sealed"), at, i)
            got = (
                decode_clause(entry["clause"], len(self._clauses), f"{at}.clause", i),
                decode_index(entry["to"], self._n, f"{at}.to", i),
            )
            if got != (c, j):
                raise CeremonyError(
                    f"{at}: want clause {c} to trustee {j} (clause by clause, every other"
                    f" member ascending), got clause {got[0]} to trustee {got[1]}",
                    trustee=i,
                )
            sealed[(c, j)] = decode_bytes(entry["sealed"], SEALED_SHARE_SIZE, f"{at}.sealed", i)
        self._shares[i] = sealed

    def _add_check(self, body: dict[str, Any], j: int, what: str) -> None:
        if not self.closed("shares"):
            raise CeremonyError(
                f"{what}: checks come after the shares step has closed; waiting for"
                f" {_names(self.waiting_for())}",
                trustee=j,
            )
        if j in self._checks:
            raise CeremonyError(f"{what}: trustee {j} already posted its check", trustee=j)
        raw = decode_list(body["complaints"], f"{what}: complaints", j)
        complaints: dict[tuple[int, int], str] = {}
        previous = (0, 0)
        for t, entry in enumerate(raw):
            at = f"{what}: complaints[{t}]"
            require_fields(entry, ("clause", "against", "reason"), at, j)
            c = decode_clause(entry["clause"], len(self._clauses), f"{at}.clause", j)
            against = decode_index(entry["against"], self._n, f"{at}.against", j)
            if (c, against) <= previous:
                raise CeremonyError(
                    f"{at}: complaints must be in ascending order of clause, then trustee,"
                    " without repeats",
                    trustee=j,
                )
            previous = (c, against)
            if against == j:
                raise CeremonyError(
                    f"{at}.against: a trustee cannot complain against itself", trustee=j
                )
            if (c, j) not in self._shares.get(against, {}):
                raise CeremonyError(
                    f"{at}: trustee {against} dealt no share of clause {c} to trustee {j}",
                    trustee=j,
                )
            complaints[(c, against)] = decode_text(entry["reason"], MAX_REASON, f"{at}.reason", j)
        self._checks[j] = complaints

    def _add_reveal(self, body: dict[str, Any], i: int, what: str) -> None:
        c = decode_clause(body["clause"], len(self._clauses), f"{what}: clause", i)
        j = decode_index(body["to"], self._n, f"{what}: to", i)
        if (c, i) not in self._checks.get(j, {}):
            raise CeremonyError(
                f"{what}: trustee {j} has no complaint against trustee {i} in clause {c} to answer",
                trustee=i,
            )
        if (c, i, j) in self._reveals:
            raise CeremonyError(
                f"{what}: trustee {i} already revealed its clause {c} share for trustee {j}",
                trustee=i,
            )
        share = decode_scalar(body["share"], f"{what}: share", i)
        try:
            verify_share(self.group, j, share, self._commitments[i][c], dealer=i)
        except ShareVerificationError:
            refutes = False  # accepted all the same: the dealer's conclusive answer (11.5)
        else:
            refutes = True
        self._reveals[(c, i, j)] = share
        if refutes:
            self._refuted.add((c, i, j))

    def _add_confirm(self, body: dict[str, Any], j: int, what: str) -> None:
        if not self.closed("reveal"):
            raise CeremonyError(
                f"{what}: confirms come after the reveal step has closed; {self._waiting_text()}",
                trustee=j,
            )
        if j in self._confirms:
            raise CeremonyError(f"{what}: trustee {j} already confirmed", trustee=j)
        q = self.qualification()
        failures = q.failures(self._clauses)
        if failures:
            raise CeremonyError(f"{what}: the ceremony failed: {'; '.join(failures)}", trustee=j)
        public_key = self._joint_key(q)
        if decode_element(body["public_key"], f"{what}: public_key", j) != public_key:
            raise CeremonyError(
                f"{what}: public_key is not the product of every clause's QUAL C_ic0", trustee=j
            )
        mine = self.manifest.policy.clauses_of(j)
        raw = decode_list(body["clauses"], f"{what}: clauses", j)
        if len(raw) != len(mine):
            raise CeremonyError(
                f"{what}: clauses: want {len(mine)} (one per clause of the trustee), got"
                f" {len(raw)}",
                trustee=j,
            )
        shares = self.public_shares
        for x, (entry, clause) in enumerate(zip(raw, mine, strict=True)):
            at = f"{what}: clauses[{x}]"
            require_fields(entry, ("clause", "qualified", "public_share", "proof"), at, j)
            c = self._clause_number(entry["clause"], clause, at, j)
            items = decode_list(entry["qualified"], f"{at}.qualified", j)
            stated = [
                decode_index(v, self._n, f"{at}.qualified[{t}]", j) for t, v in enumerate(items)
            ]
            if stated != list(q.qualified[c]):
                raise CeremonyError(
                    f"{at}.qualified: states {stated}, but QUAL of clause {c} is"
                    f" {list(q.qualified[c])}",
                    trustee=j,
                )
            share = decode_element(entry["public_share"], f"{at}.public_share", j)
            if share != shares[(c, j)]:
                raise CeremonyError(
                    f"{at}.public_share: not K_{j},{c} computed from QUAL's commitments",
                    trustee=j,
                )
            proof = decode_proof(entry["proof"], f"{at}.proof", j)
            try:
                verify_schnorr(self._ctx, share, proof, bound_to=[j, c])
            except InvalidProof as exc:
                raise CeremonyError(f"{at}.proof: {exc}", trustee=j) from None
        self._confirms[j] = public_key

    def _clause_number(self, value: Any, clause: Clause, at: str, trustee: int) -> int:
        c = decode_clause(value, len(self._clauses), f"{at}.clause", trustee)
        if c != clause.number:
            raise CeremonyError(
                f"{at}.clause: want {clause.number} (the trustee's clauses, ascending), got {c}",
                trustee=trustee,
            )
        return c

    # --- steps -----------------------------------------------------------------------

    def closed(self, step: str) -> bool:
        """True once step has closed: everyone due posted, or a ceremony.close (11.7)."""
        if step in self._closed:
            return True
        before = _previous(step)
        if before is not None and not self.closed(before):
            return False
        if step == "commitment":
            done = len(self._commitments) == self._n
        elif step == "shares":
            done = set(self._commitments) <= set(self._shares)
        elif step == "check":
            done = len(self._checks) == self._n
        elif step == "reveal":
            done = not self.pending_reveals()
        else:
            done = len(self._confirms) == self._n
        return done

    def _closed_text(self, step: str) -> str:
        how = self._closed.get(step)
        return how.text if how is not None else "everyone due has posted"

    def closed_by(self) -> dict[str, int]:
        """Gives back step -> the board entry of the ceremony.close that closed it."""
        return {s: c.index for s, c in self._closed.items() if c.index is not None}

    # --- state -----------------------------------------------------------------------

    def qualification(self) -> Qualification:
        """Gives back QUAL_c of every clause (section 11.5) once the reveal step has
        closed; no later message changes it. CeremonyError before."""
        if self._fixed is not None:
            return self._fixed
        if not self.closed("reveal"):
            raise CeremonyError(f"QUAL is not decided yet: {self._waiting_text()}")
        self._fixed = qualify(
            self.group,
            self._clauses,
            self._commitments,
            self._shares,
            {j: set(c) for j, c in self._checks.items()},
            self._reveals,
        )
        return self._fixed

    def joint_key(self) -> Element:
        """Gives back K = prod_c prod_{i in QUAL_c} C_ic0 once QUAL is decided (the key a
        confirm states; the election key once the ceremony is complete)."""
        return self._joint_key(self.qualification())

    def _joint_key(self, q: Qualification) -> Element:
        if self._public_key is None:
            parts = [joint_public_key(self.group, self._dealers(q, c)) for c in q.qualified]
            key = self.group.identity
            for part in parts:
                key = key * part
            self._public_key = key
        return self._public_key

    def _dealers(self, q: Qualification, c: int) -> list[tuple[Element, ...]]:
        return [self._commitments[i][c] for i in q.qualified[c]]

    @property
    def accepted(self) -> int:
        """The number of ceremony entries accepted so far (closes included)."""
        return self._accepted

    @property
    def failed(self) -> str | None:
        """Gives back why the ceremony failed, or None: once the commitment step has
        closed, a clause with fewer committed members than its threshold can never be
        met; once the reveal step has closed, a clause whose QUAL is too small (11.5)."""
        if not self.closed("commitment"):
            return None
        short = []
        for c in self._clauses:
            committed = [i for i in c.members if i in self._commitments]
            if len(committed) < c.threshold:
                missing = [i for i in c.members if i not in self._commitments]
                short.append(
                    f"clause {c.number} ({c.describe()}) has {len(committed)} committed"
                    f" dealers, it needs {c.threshold}; no commitment from {_names(missing)}"
                )
        if short:
            return f"the ceremony failed: {'; '.join(short)}"
        if not self.closed("reveal"):
            return None
        failures = self.qualification().failures(self._clauses)
        return f"the ceremony failed: {'; '.join(failures)}" if failures else None

    @property
    def complete(self) -> bool:
        """True when the confirm step has closed and every clause's QUAL meets its threshold."""
        return self.closed("confirm") and self.failed is None

    @property
    def public_key(self) -> Element:
        """K, the election key; CeremonyError until the ceremony is complete."""
        if not self.complete:
            raise CeremonyError(f"the ceremony is not complete: {self._waiting_text()}")
        return self._joint_key(self.qualification())

    @property
    def qualified(self) -> dict[int, tuple[int, ...]]:
        """Clause -> QUAL_c; CeremonyError before the reveal step has closed."""
        return dict(self.qualification().qualified)

    @property
    def disqualified(self) -> dict[tuple[int, int], str]:
        """(clause, dealer) -> why it is not in QUAL_c; CeremonyError before it is decided."""
        return dict(self.qualification().disqualified)

    @property
    def public_shares(self) -> dict[tuple[int, int], Element]:
        """(clause c, trustee j) -> K_jc for every member of every clause, computed from
        the commitments of QUAL_c (section 11.6); CeremonyError before QUAL is decided
        or when the ceremony failed."""
        if self._public_shares is None:
            q = self.qualification()
            failures = q.failures(self._clauses)
            if failures:
                raise CeremonyError(f"the ceremony failed: {'; '.join(failures)}")
            self._public_shares = {
                (c.number, j): joint_public_share(self.group, j, self._dealers(q, c.number))
                for c in self._clauses
                for j in c.members
            }
        return dict(self._public_shares)

    @property
    def confirmed(self) -> tuple[int, ...]:
        """The trustees whose confirm is on the board, ascending."""
        return tuple(sorted(self._confirms))

    def committed(self) -> tuple[int, ...]:
        """The trustees whose commitment is on the board, ascending."""
        return tuple(sorted(self._commitments))

    def commitments(self, i: int, c: int) -> tuple[Element, ...]:
        """Gives back dealer i's clause c commitments; KeyError if not posted."""
        if c not in self._commitments.get(i, {}):
            raise KeyError(f"no clause {c} commitment from trustee {i} on the board")
        return self._commitments[i][c]

    def sealed_for(self, j: int) -> dict[tuple[int, int], bytes]:
        """Gives back (clause, dealer) -> sealed share for trustee j, from every posted
        shares message, ascending."""
        return {
            (c, i): box
            for i, shares in sorted(self._shares.items())
            for (c, to), box in shares.items()
            if to == j
        }

    def complaints_by(self, j: int) -> dict[tuple[int, int], str]:
        """Gives back (clause, dealer) -> reason for trustee j's complaints ({} if none)."""
        return dict(self._checks.get(j, {}))

    def checked(self, j: int) -> bool:
        """True when trustee j's check is on the board."""
        return j in self._checks

    def revealed(self, c: int, i: int, j: int) -> Scalar | None:
        """Gives back the clause c share dealer i revealed for complainer j, or None."""
        return self._reveals.get((c, i, j))

    def refuted(self) -> dict[int, list[tuple[int, int]]]:
        """Gives back complainer -> (clause, dealer) whose reveal to it verified (11.5)."""
        refuted: dict[int, list[tuple[int, int]]] = {}
        for c, i, j in sorted(self._refuted, key=lambda x: (x[2], x[0], x[1])):
            refuted.setdefault(j, []).append((c, i))
        return refuted

    def pending_reveals(self) -> list[tuple[int, int, int]]:
        """Gives back (clause, dealer, complainer) for each complaint without a reveal yet."""
        return sorted(
            (c, i, j)
            for j, against in self._checks.items()
            for c, i in against
            if (c, i, j) not in self._reveals
        )

    def phase(self) -> str:
        """Gives back what is due next: "commit", "share", "check", "reveal", "confirm",
        "complete" or "failed"."""
        return self._due()[0]

    def waiting_for(self) -> list[int]:
        """Gives back the trustees the current step waits for (in "reveal", the dealers
        with unanswered complaints)."""
        return self._due()[1]

    def _due(self) -> tuple[str, list[int]]:
        everyone = range(1, self._n + 1)
        if not self.closed("commitment"):
            return "commit", [i for i in everyone if i not in self._commitments]
        if self.failed is not None:
            return "failed", []
        if not self.closed("shares"):
            return "share", [i for i in sorted(self._commitments) if i not in self._shares]
        if not self.closed("check"):
            return "check", [i for i in everyone if i not in self._checks]
        if not self.closed("reveal"):
            return "reveal", sorted({i for _, i, _ in self.pending_reveals()})
        if not self.closed("confirm"):
            return "confirm", [i for i in everyone if i not in self._confirms]
        return "complete", []

    def _waiting_text(self) -> str:
        phase, waiting = self._due()
        if phase == "failed":
            return self.failed or phase
        return f"phase {phase}, waiting for {_names(waiting)}" if waiting else f"phase {phase}"


def _previous(step: str) -> str | None:
    at = CEREMONY_STEPS.index(step)
    return CEREMONY_STEPS[at - 1] if at else None


def _recipients(clauses: Sequence[Clause], dealer: int) -> list[tuple[int, int]]:
    return [(c.number, j) for c in clauses for j in c.members if j != dealer]


def _posix(time: str) -> int:
    moment = dt.datetime.strptime(time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


def _utc(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _names(indices: Sequence[int]) -> str:
    if not indices:
        return "nobody"
    word = "trustee" if len(indices) == 1 else "trustees"
    return f"{word} {', '.join(map(str, indices))}"
