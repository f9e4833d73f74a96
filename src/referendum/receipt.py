"""A voter's receipt, and the check the voting device makes on it (docs/protocol.md 13.4).

Pure code over public data: the board gives the receipt (election.py), the device checks
it here before telling the voter the ballot is on the board, and the verifier checks it
again against the election record (verifier/lookup.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from referendum.ballot import tracking_code, tracking_hash
from referendum.board.checkpoint import verify_checkpoint, verify_entry_inclusion
from referendum.board.entry import Entry
from referendum.board.errors import BoardVerificationError
from referendum.canonical import canonical_json
from referendum.errors import VerificationError
from referendum.manifest import Manifest

__all__ = ["Receipt", "ReceiptCheckError", "check_receipt"]


class ReceiptCheckError(VerificationError):
    """The board's receipt does not show the ballot on the board it signed."""


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a voter keeps after a cast or challenge (section 13.4)."""

    tracking_code: str
    tracking_hash: bytes
    index: int
    checkpoint: str
    inclusion_proof: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "tracking_code": self.tracking_code,
            "tracking_hash": self.tracking_hash.hex(),
            "index": self.index,
            "checkpoint": self.checkpoint,
            "inclusion_proof": [h.hex() for h in self.inclusion_proof],
        }


def check_receipt(manifest: Manifest, kind: str, payload: Any, receipt: Receipt) -> None:
    """None when receipt shows payload (sent as kind) on the board the manifest names.

    The device's check of section 13.4: the tracking hash is the ballot's, the checkpoint
    is signed by the board's key and covers the index, and the inclusion proof puts the
    entry (log id, index, kind, canonical payload) in that checkpoint's tree.
    Raises ReceiptCheckError saying which part fails.
    """
    ballot = payload["ballot"] if kind == "spoiled" else payload
    h = tracking_hash(manifest.fingerprint, ballot)
    if h != receipt.tracking_hash or tracking_code(h) != receipt.tracking_code:
        raise ReceiptCheckError("receipt: the tracking code is not this ballot's")
    try:
        checkpoint = verify_checkpoint(receipt.checkpoint, manifest.board_key)
        if checkpoint.origin != manifest.id:
            raise ReceiptCheckError(f"receipt: a checkpoint of board {checkpoint.origin}")
        entry = Entry(manifest.id, receipt.index, kind, canonical_json(payload))
        verify_entry_inclusion(entry, receipt.inclusion_proof, checkpoint)
    except BoardVerificationError as exc:
        raise ReceiptCheckError(f"receipt: {exc}") from None
