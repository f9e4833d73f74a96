"""Voters' own checks: find a tracking code on the board; check a receipt against the record.

docs/protocol.md section 15.3. A receipt (section 13.4) holds the tracking code, the board
index, a checkpoint the board signed right after the cast and the entry's inclusion proof.
Against a verified record it shows three things: the board signed a history that holds
the voter's ballot at that index; the record's board is that same history (the signed
root at the receipt's size equals the record's root at that size, so the board did not
show the voter a different history); and whether the ballot is counted, superseded by a
later ballot of the same credential, or was challenged and not counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from referendum.ballot import normalize_tracking_code, tracking_code, tracking_hash
from referendum.board.checkpoint import SignedCheckpoint, parse_signed_checkpoint
from referendum.board.errors import BoardVerificationError, CheckpointFormatError
from referendum.board.merkle import verify_inclusion
from referendum.canonical import is_json_int
from referendum.errors import VerificationError
from referendum.manifest import Manifest


class LatestBallots(Protocol):
    """credential -> board index of its last ballot (Replay.latest)."""

    def get(self, credential: bytes, /) -> int | None: ...


__all__ = ["Finding", "Lookups", "ReceiptError", "parse_receipt"]


class ReceiptError(VerificationError):
    """A receipt does not match the verified record; the message says how."""


@dataclass(frozen=True)
class _Receipt:
    code: str
    hash: bytes
    index: int
    signed: SignedCheckpoint
    proof: tuple[bytes, ...]


def parse_receipt(value: Any, where: str) -> _Receipt:
    """Gives back a receipt read from its JSON form (section 13.4); ValueError naming where."""
    fields = {"tracking_code", "tracking_hash", "index", "checkpoint", "inclusion_proof"}
    if not isinstance(value, dict) or set(value) != fields:
        raise ValueError(f"{where}: want a receipt object with {', '.join(sorted(fields))}")
    try:
        h = bytes.fromhex(value["tracking_hash"])
        proof = tuple(bytes.fromhex(x) for x in value["inclusion_proof"])
        signed = parse_signed_checkpoint(value["checkpoint"])
    except (TypeError, ValueError, CheckpointFormatError) as exc:
        raise ValueError(f"{where}: {exc}") from None
    index = value["index"]
    if not is_json_int(index) or index < 0:
        raise ValueError(f"{where}: index must be a board index")
    if signed.checkpoint.size <= index:
        raise ValueError(
            f"{where}: the checkpoint ({signed.checkpoint.size} entries) does not"
            f" cover entry {index}"
        )
    if len(h) != 32 or tracking_code(h) != value["tracking_code"]:
        raise ValueError(f"{where}: tracking_code does not match tracking_hash")
    return _Receipt(value["tracking_code"], h, index, signed, proof)


@dataclass
class Finding:
    """What the record says about one tracking code."""

    code: str
    index: int | None = None
    kind: str | None = None
    status: str = "not on the board"
    receipt: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "tracking_code": self.code,
            "index": self.index,
            "kind": self.kind,
            "status": self.status,
            "receipt": self.receipt,
        }


@dataclass
class Lookups:
    """The codes and receipts to look for while the verifier streams the board."""

    manifest: Manifest
    codes: Sequence[str] = ()
    receipts: Sequence[tuple[str, Any]] = ()  # (where, parsed JSON)
    _wanted: dict[str, Finding] = field(default_factory=dict)
    _receipts: list[tuple[str, _Receipt]] = field(default_factory=list)
    _credential: dict[int, bytes] = field(default_factory=dict)
    _leaves: dict[int, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for text in self.codes:
            try:
                code = normalize_tracking_code(text)
            except ValueError as exc:
                raise ValueError(f"tracking code {text!r}: {exc}") from None
            self._wanted[code] = Finding(text)
        for where, value in self.receipts:
            receipt = parse_receipt(value, where)
            self._receipts.append((where, receipt))
            self._wanted.setdefault(receipt.code.replace("-", ""), Finding(receipt.code))

    def sizes(self) -> set[int]:
        """Gives back the tree sizes whose roots the receipts need."""
        return {r.signed.checkpoint.size for _, r in self._receipts}

    def see(self, index: int, kind: str, payload: Any, leaf: bytes) -> bool:
        """Notes entry index if it is a ballot the caller looks for (after it was checked);
        gives back whether it is."""
        if not self._wanted or kind not in ("ballot", "spoiled"):
            return False
        ballot = payload if kind == "ballot" else payload["ballot"]
        code = tracking_code(tracking_hash(self.manifest.fingerprint, ballot)).replace("-", "")
        finding = self._wanted.get(code)
        if finding is None:
            return False
        finding.index, finding.kind = index, kind
        self._credential[index] = bytes.fromhex(ballot["credential"])
        self._leaves[index] = leaf
        return True

    def finish(
        self,
        latest: LatestBallots,
        roots: dict[int, bytes],
        size: int,
        spoiled: dict[int, dict[str, tuple[int, ...]]],
        *,
        closed: bool = True,
    ) -> list[Finding]:
        """Gives back a Finding per code and receipt; ReceiptError for a receipt that lies.

        latest maps each credential to the index of its last ballot; roots the tree roots
        at the receipts' sizes; spoiled the revealed choices of each challenged ballot;
        closed whether the record has its voting.close. Before it a cast ballot is only
        "cast": whether it counts would say whether its voter voted again (15.3).
        """
        for finding in self._wanted.values():
            if finding.index is None:
                continue
            if finding.kind == "spoiled":
                shown = self._describe(spoiled.get(finding.index, {}))
                finding.status = f"challenged, not counted; it encrypts {shown}"
                continue
            last = latest.get(self._credential[finding.index])
            if not closed:
                finding.status = "cast; whether it is counted is told once voting has closed"
            elif last == finding.index:
                finding.status = "counted (the last ballot of its credential)"
            else:
                finding.status = f"not counted: the same credential voted again at entry {last}"
        for where, r in self._receipts:
            finding = self._wanted[r.code.replace("-", "")]
            self._check_receipt(where, r, finding, roots, size)
            finding.receipt = "matches the record"
        return list(self._wanted.values())

    def _describe(self, choices: dict[str, tuple[int, ...]]) -> str:
        parts = []
        for question_id, votes in choices.items():
            question = self.manifest.question(question_id)
            chosen = [o.id for o, v in zip(question.options, votes, strict=True) if v]
            parts.append(f"{question_id}={','.join(chosen) or '(none)'}")
        return "; ".join(parts) or "nothing"

    def _check_receipt(
        self, where: str, r: _Receipt, finding: Finding, roots: dict[int, bytes], size: int
    ) -> None:
        c = r.signed.checkpoint
        try:
            r.signed.verify(self.manifest.board_key)
        except BoardVerificationError as exc:
            raise ReceiptError(f"{where}: {exc}") from None
        if c.origin != self.manifest.id:
            raise ReceiptError(f"{where}: a receipt of board {c.origin}, not {self.manifest.id}")
        if c.size > size:
            raise ReceiptError(
                f"{where}: the board signed {c.size} entries, the record has only {size}:"
                " the record drops entries the board once showed"
            )
        if roots[c.size] != c.root:
            raise ReceiptError(
                f"{where}: the board showed this voter another history (signed root at size"
                f" {c.size} differs from the record's): proof of equivocation"
            )
        if finding.index != r.index:
            found = "is not on the board" if finding.index is None else f"is at {finding.index}"
            raise ReceiptError(f"{where}: ballot {r.code} should be at entry {r.index} but {found}")
        leaf = self._leaves[r.index]
        try:
            verify_inclusion(leaf, r.index, c.size, r.proof, c.root)
        except BoardVerificationError as exc:
            raise ReceiptError(f"{where}: inclusion proof: {exc}") from None
