"""The board's exception types (docs/protocol.md, section 7.8).

Every failed check on public board data raises a subclass of BoardVerificationError,
itself a referendum.errors.VerificationError. Store failures that are not evidence about
the data (an unreachable database, a log that does not exist) raise StoreError.
"""

from __future__ import annotations

from referendum.errors import VerificationError

__all__ = [
    "BoardVerificationError",
    "CheckpointFormatError",
    "EncodingError",
    "EquivocationProofError",
    "LogNotFoundError",
    "ProofShapeError",
    "RootMismatchError",
    "SignatureError",
    "StoreCorruptionError",
    "StoreError",
    "StoreUnavailableError",
]


class BoardVerificationError(VerificationError):
    """A check on board data (entry, proof, checkpoint, signature) failed."""


class EncodingError(BoardVerificationError):
    """Bytes or text do not decode to a valid board value (entry, key, hash, proof)."""


class ProofShapeError(BoardVerificationError):
    """A proof has the wrong length or its sizes and indexes are impossible."""


class RootMismatchError(BoardVerificationError):
    """A proof recomputes a root hash other than the one it is checked against."""

    def __init__(self, what: str, expected: bytes, computed: bytes) -> None:
        super().__init__(f"{what}: expected root {expected.hex()}, computed {computed.hex()}")
        self.expected = expected
        self.computed = computed


class CheckpointFormatError(EncodingError):
    """Checkpoint or signed-note text breaks the format of docs/protocol.md section 7.4."""


class SignatureError(BoardVerificationError):
    """A required signature is missing, or a signature does not verify."""


class EquivocationProofError(BoardVerificationError):
    """An equivocation proof does not prove that the board signed two conflicting views."""


class StoreCorruptionError(BoardVerificationError):
    """What a store holds contradicts itself (a gap in the indexes, a node that disagrees)."""


class StoreError(Exception):
    """A store operation failed for a reason that says nothing about the board's data."""


class StoreUnavailableError(StoreError):
    """The database cannot be reached or opened."""


class LogNotFoundError(StoreError, KeyError):
    """No log of that name exists in the store."""


class StateOutOfStepError(StoreError):
    """The log's size is not what the writer read: someone else appended in between."""


class StoreOutcomeUnknownError(StoreUnavailableError):
    """The connection was lost while a commit was under way: it may or may not have
    happened. Whoever asked must look before trying again (a ballot: its tracking code)."""
