"""The key ceremony as the board sees it: acceptance rules and replay (docs/protocol.md 11).

CeremonyBoard is pure: it holds the ceremony messages accepted so far and validates each
new one against the rules of section 11.7 before recording it. The board server uses it
to accept or refuse a message; the verifier feeds it the board's entries in order and
gets the same verdicts. A rejected message raises CeremonyError and changes nothing.

QUAL, the set of dealers whose polynomials make the key, is computed by `qualify`
(section 11.5), the one function both the board and a confirming trustee use. It is
decided once every trustee has checked and every complaint has a reveal; no confirm is
accepted before that, so a complaint can never shut its dealer out unanswered.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from ..canonical import JsonFormatError
from ..group import RISTRETTO255, Element, Group, Scalar
from ..manifest import Manifest
from ..proofs import InvalidProof, ProofContext, verify_schnorr
from ..sharing import ShareVerificationError, joint_public_key, joint_public_share, verify_share
from ..signing import SignatureInvalid, verify_message
from ._errors import CeremonyError
from ._fields import (
    decode_bytes,
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
    "KIND_COMMITMENT",
    "KIND_CONFIRM",
    "KIND_REVEAL",
    "KIND_SHARES",
    "MAX_REASON",
    "SEALED_SHARE_SIZE",
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
KINDS: Final = (KIND_COMMITMENT, KIND_SHARES, KIND_CHECK, KIND_REVEAL, KIND_CONFIRM)

#: The longest complaint reason, in characters.
MAX_REASON: Final = 200
#: A sealed share: a 32-byte scalar in a sealed box.
SEALED_SHARE_SIZE: Final = 32 + SEAL_OVERHEAD

_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    KIND_COMMITMENT: ("trustee", "commitments", "proof", "signature"),
    KIND_SHARES: ("trustee", "shares", "signature"),
    KIND_CHECK: ("trustee", "complaints", "signature"),
    KIND_REVEAL: ("trustee", "to", "share", "signature"),
    KIND_CONFIRM: (
        "trustee",
        "qualified",
        "public_key",
        "public_share",
        "proof",
        "signature",
    ),
}


@dataclass(frozen=True)
class Qualification:
    """QUAL and why the other dealers are out (section 11.5).

    qualified: the dealers whose polynomials make the key, ascending.
    disqualified: dealer -> the reason it is out.
    """

    qualified: tuple[int, ...]
    disqualified: dict[int, str] = field(hash=False)

    def require_quorum(self, quorum: int, where: str) -> None:
        """None when |QUAL| >= quorum; else CeremonyError naming the disqualified dealers."""
        if len(self.qualified) >= quorum:
            return
        named = "; ".join(f"trustee {i}: {why}" for i, why in sorted(self.disqualified.items()))
        raise CeremonyError(
            f"{where}: the ceremony failed: {len(self.qualified)} qualified dealers "
            f"{list(self.qualified)}, quorum {quorum}; disqualified: {named}"
        )


def unanswered_text(pending: Sequence[tuple[int, int]]) -> str:
    """Gives back the text naming unanswered complaints, given (dealer, complainer) pairs.

    For example "trustee 3's complaint against trustee 1 is not answered yet" (11.6).
    """
    named = [f"trustee {j}'s complaint against trustee {i}" for i, j in pending]
    if len(named) == 1:
        return f"{named[0]} is not answered yet"
    return f"{', '.join(named[:-1])} and {named[-1]} are not answered yet"


def qualify(
    group: Group,
    n: int,
    commitments: Mapping[int, Sequence[Element]],
    dealt: Collection[int],
    complaints: Mapping[int, Collection[int]],
    reveals: Mapping[tuple[int, int], Scalar],
) -> Qualification:
    """Gives back QUAL and the disqualified dealers' reasons (section 11.5).

    commitments: dealer -> C_i0..C_i(k-1); dealt: the dealers whose shares are posted;
    complaints: complainer j -> the dealers j complained against; reveals: (dealer i,
    complainer j) -> the share i revealed for j. A dealer qualifies when it committed,
    dealt, and every share it revealed verifies (section 6.2). CeremonyError while a
    complaint has no reveal: QUAL is not decided until every complaint is answered.
    """
    pending = sorted(
        (i, j) for j, against in complaints.items() for i in against if (i, j) not in reveals
    )
    if pending:
        raise CeremonyError(f"QUAL is not decided yet: {unanswered_text(pending)}")
    qualified: list[int] = []
    disqualified: dict[int, str] = {}
    for i in range(1, n + 1):
        problems: list[str] = []
        if i not in commitments:
            problems.append("posted no commitment")
        if i not in dealt:
            problems.append("posted no shares")
        for j in sorted(j for j, against in complaints.items() if i in against):
            share = reveals[(i, j)]
            if i not in commitments:
                continue
            try:
                verify_share(group, j, share, commitments[i], dealer=i)
            except ShareVerificationError:
                problems.append(
                    f"its revealed share for trustee {j} does not match its commitments"
                )
        if problems:
            disqualified[i] = "; ".join(problems)
        else:
            qualified.append(i)
    return Qualification(tuple(qualified), disqualified)


@dataclass(frozen=True, slots=True)
class _Confirm:
    qualified: tuple[int, ...]
    public_key: Element
    public_share: Element


class CeremonyBoard:
    """The ceremony messages accepted so far, checked against sections 11.2 to 11.6.

    Mutable on purpose: it grows by one message per successful add, and only there.
    """

    def __init__(self, manifest: Manifest) -> None:
        self.manifest: Final = manifest
        self.group: Final[Group] = RISTRETTO255
        self._ctx = ProofContext(self.group, manifest.fingerprint)
        self._n = len(manifest.trustees)
        self._k = manifest.quorum
        self._commitments: dict[int, tuple[Element, ...]] = {}
        self._shares: dict[int, dict[int, bytes]] = {}  # dealer i -> {j: sealed s_ij}
        self._checks: dict[int, dict[int, str]] = {}  # complainer j -> {dealer i: reason}
        self._reveals: dict[tuple[int, int], Scalar] = {}  # (dealer i, complainer j) -> s_ij
        self._refuted: set[tuple[int, int]] = set()  # the reveals above that verify
        self._confirms: dict[int, _Confirm] = {}
        self._fixed: Qualification | None = None
        self._public_key: Element | None = None
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
            raise CeremonyError(f"{where}: {kind!r} is not a ceremony message kind")
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
        handler(body, signer, what)
        self._accepted += 1

    def _add_commitment(self, body: dict[str, Any], i: int, what: str) -> None:
        if i in self._commitments:
            raise CeremonyError(f"{what}: trustee {i} already posted its commitment", trustee=i)
        raw = decode_list(body["commitments"], f"{what}: commitments", i)
        if len(raw) != self._k:
            raise CeremonyError(
                f"{what}: commitments: want {self._k} (the quorum), got {len(raw)}", trustee=i
            )
        commitments = tuple(
            decode_element(c, f"{what}: commitments[{t}]", i) for t, c in enumerate(raw)
        )
        for t, c in enumerate(commitments):
            if c.is_identity():
                raise CeremonyError(f"{what}: commitments[{t}] is the identity", trustee=i)
        proof = decode_proof(body["proof"], f"{what}: proof", i)
        try:
            verify_schnorr(self._ctx, commitments[0], proof, bound_to=[i])
        except InvalidProof as exc:
            raise CeremonyError(f"{what}: proof: {exc}", trustee=i) from None
        self._commitments[i] = commitments

    def _add_shares(self, body: dict[str, Any], i: int, what: str) -> None:
        if i not in self._commitments:
            raise CeremonyError(f"{what}: shares come after the trustee's commitment", trustee=i)
        if i in self._shares:
            raise CeremonyError(f"{what}: trustee {i} already posted its shares", trustee=i)
        raw = decode_list(body["shares"], f"{what}: shares", i)
        recipients = [j for j in range(1, self._n + 1) if j != i]
        if len(raw) != len(recipients):
            raise CeremonyError(
                f"{what}: shares: want {len(recipients)} (one per other trustee), got {len(raw)}",
                trustee=i,
            )
        sealed: dict[int, bytes] = {}
        for t, (entry, want) in enumerate(zip(raw, recipients, strict=True)):
            at = f"{what}: shares[{t}]"
            require_fields(entry, ("to", "sealed"), at, i)
            to = decode_index(entry["to"], self._n, f"{at}.to", i)
            if to != want:
                raise CeremonyError(
                    f"{at}.to: want trustee {want} (every other trustee, ascending), got {to}",
                    trustee=i,
                )
            sealed[to] = decode_bytes(entry["sealed"], SEALED_SHARE_SIZE, f"{at}.sealed", i)
        self._shares[i] = sealed

    def _add_check(self, body: dict[str, Any], j: int, what: str) -> None:
        missing = self._missing(self._shares)
        if missing:
            raise CeremonyError(
                f"{what}: checks come after every trustee's shares; no shares yet from "
                f"{_names(missing)}",
                trustee=j,
            )
        if j in self._checks:
            raise CeremonyError(f"{what}: trustee {j} already posted its check", trustee=j)
        raw = decode_list(body["complaints"], f"{what}: complaints", j)
        complaints: dict[int, str] = {}
        previous = 0
        for t, entry in enumerate(raw):
            at = f"{what}: complaints[{t}]"
            require_fields(entry, ("against", "reason"), at, j)
            against = decode_index(entry["against"], self._n, f"{at}.against", j)
            if against == j:
                raise CeremonyError(
                    f"{at}.against: a trustee cannot complain against itself", trustee=j
                )
            if against <= previous:
                raise CeremonyError(
                    f"{at}.against: complaints must be in ascending order, without repeats",
                    trustee=j,
                )
            previous = against
            complaints[against] = decode_text(entry["reason"], MAX_REASON, f"{at}.reason", j)
        self._checks[j] = complaints

    def _add_reveal(self, body: dict[str, Any], i: int, what: str) -> None:
        # No "too late" rule: a confirm needs every complaint answered, so after the first
        # confirm every reveal is refused below as a repeat.
        j = decode_index(body["to"], self._n, f"{what}: to", i)
        if i not in self._checks.get(j, {}):
            raise CeremonyError(
                f"{what}: trustee {j} has no complaint against trustee {i} to answer", trustee=i
            )
        if (i, j) in self._reveals:
            raise CeremonyError(
                f"{what}: trustee {i} already revealed its share for trustee {j}", trustee=i
            )
        share = decode_scalar(body["share"], f"{what}: share", i)
        # A complaint needs every shares message, and shares follow the commitment.
        try:
            verify_share(self.group, j, share, self._commitments[i], dealer=i)
        except ShareVerificationError:
            refutes = False  # accepted all the same: the dealer's conclusive answer (11.5)
        else:
            refutes = True
        self._reveals[(i, j)] = share
        if refutes:
            self._refuted.add((i, j))

    def _add_confirm(self, body: dict[str, Any], j: int, what: str) -> None:
        missing = self._missing(self._checks)
        if missing:
            raise CeremonyError(
                f"{what}: confirms come after every trustee's check; no check yet from "
                f"{_names(missing)}",
                trustee=j,
            )
        if j in self._confirms:
            raise CeremonyError(f"{what}: trustee {j} already confirmed", trustee=j)
        pending = self.pending_reveals()
        if pending:
            raise CeremonyError(
                f"{what}: {unanswered_text(pending)}; confirms wait for the accused dealers' "
                "reveals",
                trustee=j,
            )
        q = self._fixed if self._fixed is not None else self._qualify()
        q.require_quorum(self._k, what)
        dealers = [self._commitments[i] for i in q.qualified]
        public_key = (
            self._public_key
            if self._public_key is not None
            else joint_public_key(self.group, dealers)
        )
        raw = decode_list(body["qualified"], f"{what}: qualified", j)
        stated = [decode_index(x, self._n, f"{what}: qualified[{t}]", j) for t, x in enumerate(raw)]
        if stated != list(q.qualified):
            raise CeremonyError(
                f"{what}: qualified: states {stated}, but QUAL is {list(q.qualified)}", trustee=j
            )
        if decode_element(body["public_key"], f"{what}: public_key", j) != public_key:
            raise CeremonyError(f"{what}: public_key is not the product of QUAL's C_i0", trustee=j)
        public_share = decode_element(body["public_share"], f"{what}: public_share", j)
        if public_share != joint_public_share(self.group, j, dealers):
            raise CeremonyError(
                f"{what}: public_share is not K_{j} computed from QUAL's commitments", trustee=j
            )
        proof = decode_proof(body["proof"], f"{what}: proof", j)
        try:
            verify_schnorr(self._ctx, public_share, proof, bound_to=[j])
        except InvalidProof as exc:
            raise CeremonyError(f"{what}: proof: {exc}", trustee=j) from None
        self._confirms[j] = _Confirm(q.qualified, public_key, public_share)
        self._fixed = q
        self._public_key = public_key

    # --- state -----------------------------------------------------------------------

    def _missing(self, posted: Mapping[int, object]) -> list[int]:
        return [i for i in range(1, self._n + 1) if i not in posted]

    def _qualify(self) -> Qualification:
        complaints = {j: set(c) for j, c in self._checks.items()}
        return qualify(
            self.group, self._n, self._commitments, self._shares, complaints, self._reveals
        )

    def qualification(self) -> Qualification:
        """Gives back QUAL (section 11.5) once it is decided: every check is on the board and
        every complaint has a reveal. No later message can change it.

        CeremonyError while checks are missing or a complaint is unanswered.
        """
        if self._fixed is not None:
            return self._fixed
        missing = self._missing(self._checks)
        if missing:
            raise CeremonyError(f"QUAL is not decided yet: no check yet from {_names(missing)}")
        return self._qualify()

    @property
    def accepted(self) -> int:
        """The number of ceremony messages accepted so far."""
        return self._accepted

    @property
    def complete(self) -> bool:
        """True when all n trustees have confirmed."""
        return len(self._confirms) == self._n

    @property
    def public_key(self) -> Element:
        """K, the joint public key; CeremonyError until the ceremony is complete."""
        if not self.complete or self._public_key is None:
            raise CeremonyError(f"the ceremony is not complete: {self._waiting_text()}")
        return self._public_key

    @property
    def qualified(self) -> tuple[int, ...]:
        """QUAL, fixed at the first confirm; CeremonyError before it."""
        if self._fixed is None:
            raise CeremonyError("QUAL is fixed at the first confirm; there is none yet")
        return self._fixed.qualified

    @property
    def disqualified(self) -> dict[int, str]:
        """Dealer -> why it is not in QUAL; CeremonyError before the first confirm."""
        if self._fixed is None:
            raise CeremonyError("QUAL is fixed at the first confirm; there is none yet")
        return dict(self._fixed.disqualified)

    @property
    def public_shares(self) -> dict[int, Element]:
        """Trustee j -> K_j, from the confirms posted so far."""
        return {j: c.public_share for j, c in sorted(self._confirms.items())}

    def commitments(self, i: int) -> tuple[Element, ...]:
        """Gives back dealer i's commitments C_i0..C_i(k-1); KeyError if not posted."""
        if i not in self._commitments:
            raise KeyError(f"no commitment from trustee {i} on the board")
        return self._commitments[i]

    def sealed_for(self, j: int) -> dict[int, bytes]:
        """Gives back dealer i -> sealed share for trustee j, from every posted shares message."""
        return {i: shares[j] for i, shares in sorted(self._shares.items()) if j in shares}

    def complaints_against(self, i: int) -> list[int]:
        """Gives back the trustees who complained against dealer i, ascending."""
        return sorted(j for j, against in self._checks.items() if i in against)

    def complaints_by(self, j: int) -> dict[int, str]:
        """Gives back dealer -> reason for trustee j's complaints ({} if no check yet)."""
        return dict(self._checks.get(j, {}))

    def revealed(self, i: int, j: int) -> Scalar | None:
        """Gives back the share s_ij dealer i revealed for complainer j, or None."""
        return self._reveals.get((i, j))

    def refuted(self) -> dict[int, list[int]]:
        """Gives back complainer -> the dealers whose reveal to it verified (section 11.5).

        Each names a complaint the dealer's public share proved baseless. The protocol
        does not penalise the complainer; reports name it. Ascending, complainers with
        no refuted complaint left out.
        """
        refuted: dict[int, list[int]] = {}
        for i, j in sorted(self._refuted, key=lambda pair: (pair[1], pair[0])):
            refuted.setdefault(j, []).append(i)
        return refuted

    def pending_reveals(self) -> list[tuple[int, int]]:
        """Gives back (dealer, complainer) for each complaint without a reveal yet, ascending."""
        return sorted(
            (i, j)
            for j, against in self._checks.items()
            for i in against
            if (i, j) not in self._reveals
        )

    def phase(self) -> str:
        """Gives back what is due next: "commit", "share", "check", "reveal", "confirm" or
        "complete" ("reveal": every check is in, some complaints are unanswered)."""
        return self._due()[0]

    def waiting_for(self) -> list[int]:
        """Gives back the trustees who have not posted the message phase() is waiting for
        (in phase "reveal", the dealers with unanswered complaints)."""
        return self._due()[1]

    def _due(self) -> tuple[str, list[int]]:
        steps: list[tuple[str, Mapping[int, object]]] = [
            ("commit", self._commitments),
            ("share", self._shares),
            ("check", self._checks),
        ]
        for name, posted in steps:
            missing = self._missing(posted)
            if missing:
                return name, missing
        dealers = sorted({i for i, _ in self.pending_reveals()})
        if dealers:
            return "reveal", dealers
        missing = self._missing(self._confirms)
        return ("confirm", missing) if missing else ("complete", [])

    def _waiting_text(self) -> str:
        waiting = self.waiting_for()
        return f"phase {self.phase()}, waiting for {_names(waiting)}" if waiting else "done"


def _names(indices: Sequence[int]) -> str:
    word = "trustee" if len(indices) == 1 else "trustees"
    return f"{word} {', '.join(map(str, indices))}"
