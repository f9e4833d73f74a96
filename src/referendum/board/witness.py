"""Witnesses and proofs of equivocation (docs/protocol.md, section 7.6).

A witness keeps the last checkpoint it co-signed. It co-signs a newer one only after a
consistency proof shows the old tree is a prefix of the new one; a co-signature is a
C2SP cosignature/v1 and carries the time it was made (section 7.4.4). Two checkpoints the board
signed that cannot both be true become an EquivocationProof: a JSON object anyone can check
with the board's public key alone.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from referendum.board.checkpoint import SignedCheckpoint, parse_signed_checkpoint
from referendum.board.errors import (
    BoardVerificationError,
    EncodingError,
    EquivocationProofError,
    ProofShapeError,
    SignatureError,
)
from referendum.board.keys import SigningKey, VerifierKey
from referendum.board.merkle import HASH_SIZE, consistency_roots, verify_consistency

__all__ = [
    "EQUIVOCATION_TYPE",
    "EquivocationDetected",
    "EquivocationProof",
    "Witness",
    "prove_equivocation",
]

EQUIVOCATION_TYPE = "referendum.board.equivocation/v1"


@dataclass(frozen=True, slots=True)
class EquivocationProof:
    """Two board-signed checkpoints of one log that cannot both be true (section 7.6.2).

    first.size <= second.size. With equal sizes the roots differ. With first.size <
    second.size, proof is a consistency proof that reproduces second's root and shows
    prefix_root (second's tree cut to first.size leaves) differs from first's root.
    """

    first: SignedCheckpoint
    second: SignedCheckpoint
    proof: tuple[bytes, ...] = ()
    prefix_root: bytes | None = None

    def verify(self, board: VerifierKey) -> None:
        """Gives back None when this proves the board equivocated; else EquivocationProofError."""
        a, b = self.first.checkpoint, self.second.checkpoint
        try:
            self.first.verify(board)
            self.second.verify(board)
        except BoardVerificationError as exc:
            raise EquivocationProofError(f"not both signed by the board: {exc}") from exc
        if a.origin != b.origin:
            raise EquivocationProofError(f"checkpoints of two logs, {a.origin} and {b.origin}")
        if a.size > b.size:
            raise EquivocationProofError("the first checkpoint is larger than the second")
        if a.size == b.size:
            if self.proof or self.prefix_root is not None:
                raise EquivocationProofError("equal sizes take no proof and no prefix root")
            if a.root == b.root:
                raise EquivocationProofError(f"both checkpoints state the same tree {a.size}")
            return
        if self.prefix_root is None or len(self.prefix_root) != HASH_SIZE:
            raise EquivocationProofError("sizes differ: a 32-byte prefix root is required")
        try:
            fr, sr = consistency_roots(a.size, b.size, self.prefix_root, self.proof)
        except ProofShapeError as exc:
            raise EquivocationProofError(f"consistency proof: {exc}") from exc
        if sr != b.root:
            raise EquivocationProofError("the proof does not reproduce the second root")
        if fr != self.prefix_root:
            raise EquivocationProofError("the proof does not reproduce the prefix root")
        if fr == a.root:
            raise EquivocationProofError("the checkpoints are consistent")

    def to_json(self) -> str:
        """Gives back the JSON form of section 7.6.3 (sorted keys, no spaces)."""
        obj: dict[str, Any] = {
            "type": EQUIVOCATION_TYPE,
            "first": self.first.to_text(),
            "second": self.second.to_text(),
            "consistency_proof": [base64.b64encode(h).decode() for h in self.proof],
            "prefix_root": None
            if self.prefix_root is None
            else base64.b64encode(self.prefix_root).decode(),
        }
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> EquivocationProof:
        """Gives back the proof in text (section 7.6.3); raises EncodingError on bad input."""
        try:
            obj = json.loads(text)
            if obj["type"] != EQUIVOCATION_TYPE:
                raise EncodingError(f"type {obj['type']!r}, want {EQUIVOCATION_TYPE!r}")
            prefix = obj["prefix_root"]
            return cls(
                parse_signed_checkpoint(obj["first"]),
                parse_signed_checkpoint(obj["second"]),
                tuple(base64.b64decode(h, validate=True) for h in obj["consistency_proof"]),
                None if prefix is None else base64.b64decode(prefix, validate=True),
            )
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise EncodingError(f"equivocation proof JSON: {exc!r}") from exc


def prove_equivocation(
    a: SignedCheckpoint,
    b: SignedCheckpoint,
    board: VerifierKey,
    proof: Sequence[bytes] = (),
    prefix_root: bytes | None = None,
) -> EquivocationProof:
    """Gives back a checked EquivocationProof from two board checkpoints (section 7.6.2).

    For different sizes, proof is the consistency proof the board served between them.
    When the smaller size is a power of two, the proof holds no node for the prefix, so
    prefix_root (the board's root at the smaller size, from Log.root) must be given.
    Raises EquivocationProofError when the inputs do not prove equivocation.
    """
    if a.checkpoint.size > b.checkpoint.size:
        a, b = b, a
    m, n = a.checkpoint.size, b.checkpoint.size
    if m < n and prefix_root is None:
        if m & (m - 1) == 0:
            raise EquivocationProofError(
                f"size {m} is a power of two: give the board's root at size {m} as prefix_root"
            )
        try:
            prefix_root = consistency_roots(m, n, a.checkpoint.root, proof)[0]
        except ProofShapeError as exc:
            raise EquivocationProofError(f"consistency proof: {exc}") from exc
    evidence = EquivocationProof(a, b, tuple(proof) if m < n else (), prefix_root)
    evidence.verify(board)
    return evidence


class EquivocationDetected(BoardVerificationError):
    """The board signed a checkpoint that conflicts with one a witness co-signed."""

    def __init__(self, evidence: EquivocationProof) -> None:
        a, b = evidence.first.checkpoint, evidence.second.checkpoint
        super().__init__(f"board equivocated: {a.origin} trees {a.size} and {b.size} conflict")
        self.evidence = evidence


class Witness:
    """An observer that co-signs only checkpoints consistent with its history (7.6.1)."""

    def __init__(
        self, key: SigningKey, board: VerifierKey, latest: SignedCheckpoint | None = None
    ) -> None:
        self._key = key
        self._board = board
        self._latest = latest

    @property
    def latest(self) -> SignedCheckpoint | None:
        """Gives back the last checkpoint this witness co-signed (persist it between runs)."""
        return self._latest

    def latest_time(self) -> int | None:
        """Gives back the time of this witness's co-signature of latest, or None."""
        if self._latest is None:
            return None
        try:
            return self._latest.signature_by(self._key.verifier()).timestamp
        except SignatureError:
            return None

    def cosign(
        self,
        new: SignedCheckpoint,
        proof: Sequence[bytes] = (),
        now: int | None = None,
        *,
        refresh: bool = False,
    ) -> SignedCheckpoint:
        """Gives back new with this witness's co-signature added (section 7.6.1).

        proof is the consistency proof from latest to new; now is the co-signature's time
        in POSIX seconds (default: the current time). A tree this witness co-signed
        already keeps its first co-signature (and time), unless refresh: then it is
        co-signed again at now (the board unchanged at a later time, section 7.6.1).
        Raises SignatureError (new not signed by the board), ProofShapeError or
        RootMismatchError (no valid proof), or EquivocationDetected with a checkable
        EquivocationProof.
        """
        new.verify(self._board)
        c = new.checkpoint
        old = self._latest
        if old is not None:
            o = old.checkpoint
            if o.origin != c.origin:
                raise ProofShapeError(f"witness follows {o.origin}, not {c.origin}")
            if c.size < o.size:
                raise ProofShapeError(f"size {c.size} is older than the co-signed size {o.size}")
            if o.size > 0:
                try:
                    verify_consistency(o.size, c.size, o.root, c.root, proof)
                except BoardVerificationError as exc:
                    self._raise_if_equivocation(old, new, proof)
                    raise exc
        cosigned = self._mine(new, old, now, refresh=refresh)
        self._latest = cosigned
        return cosigned

    def _mine(
        self,
        new: SignedCheckpoint,
        old: SignedCheckpoint | None,
        now: int | None,
        *,
        refresh: bool,
    ) -> SignedCheckpoint:
        """Gives back new carrying one valid co-signature by this witness."""
        mine = self._key.verifier()
        ours = [s for s in new.signatures if s.name == mine.name and s.key_id == mine.key_id]
        if refresh:  # one line of this key, made now
            others = tuple(s for s in new.signatures if s not in ours)
            return SignedCheckpoint(new.checkpoint, others).with_signature(self._key, now)
        if ours:
            try:
                new.verify(mine)
                return new
            except SignatureError:
                # A line under this key's name and id that does not verify is not ours:
                # drop it (the board's line, checked already, remains) and sign.
                others = tuple(s for s in new.signatures if s not in ours)
                new = SignedCheckpoint(new.checkpoint, others)
        if old is not None and old.checkpoint == new.checkpoint:
            # The same tree again: give back the co-signature already made, not a second
            # line of this key with another time.
            try:
                old.verify(mine)
                line = old.signature_by(mine)
                return SignedCheckpoint(new.checkpoint, (*new.signatures, line))
            except SignatureError:
                pass
        return new.with_signature(self._key, now)

    def _raise_if_equivocation(
        self, old: SignedCheckpoint, new: SignedCheckpoint, proof: Sequence[bytes]
    ) -> None:
        try:
            evidence = prove_equivocation(old, new, self._board, proof)
        except EquivocationProofError:
            return
        raise EquivocationDetected(evidence)
