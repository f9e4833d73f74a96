"""The bulletin board: an append-only RFC 6962 Merkle log with signed checkpoints.

docs/protocol.md section 7 is the specification. The verifier may import entry, merkle,
keys, checkpoint and witness (pure functions over public data); stores and the writer
belong to the server. Importing this package loads no store code: Log, the stores and the
writer are loaded on first use of their names (PEP 562), so the independent verifier can
import the pure modules without pulling in SQLite or PostgreSQL drivers.
"""

from typing import TYPE_CHECKING, Any

from referendum.board.checkpoint import (
    Checkpoint,
    NoteSignature,
    SignedCheckpoint,
    parse_signed_checkpoint,
    sign_checkpoint,
    verify_checkpoint,
    verify_entry_inclusion,
)
from referendum.board.entry import Entry, decode_entry
from referendum.board.errors import (
    BoardVerificationError,
    CheckpointFormatError,
    EncodingError,
    EquivocationProofError,
    LogNotFoundError,
    ProofShapeError,
    RootMismatchError,
    SignatureError,
    StateOutOfStepError,
    StoreCorruptionError,
    StoreError,
    StoreUnavailableError,
)
from referendum.board.keys import (
    BOARD_KEY,
    WITNESS_KEY,
    SigningKey,
    VerifierKey,
    parse_verifier_key,
)
from referendum.board.merkle import (
    EMPTY_ROOT,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)
from referendum.board.witness import (
    EquivocationDetected,
    EquivocationProof,
    Witness,
    prove_equivocation,
)

__all__ = [
    "BOARD_KEY",
    "EMPTY_ROOT",
    "WITNESS_KEY",
    "BoardVerificationError",
    "Checkpoint",
    "CheckpointFormatError",
    "EncodingError",
    "Entry",
    "EquivocationDetected",
    "EquivocationProof",
    "EquivocationProofError",
    "GroupCommitWriter",
    "Log",
    "LogNotFoundError",
    "LogStore",
    "NoteSignature",
    "PostgresStore",
    "ProofShapeError",
    "RootMismatchError",
    "SignatureError",
    "SignedCheckpoint",
    "SigningKey",
    "SqliteStore",
    "StateOutOfStepError",
    "StoreCorruptionError",
    "StoreError",
    "StoreUnavailableError",
    "VerifierKey",
    "Witness",
    "decode_entry",
    "leaf_hash",
    "node_hash",
    "parse_signed_checkpoint",
    "parse_verifier_key",
    "prove_equivocation",
    "sign_checkpoint",
    "verify_checkpoint",
    "verify_consistency",
    "verify_entry_inclusion",
    "verify_inclusion",
]

_LAZY = {
    "GroupCommitWriter": "referendum.board.writer",
    "Log": "referendum.board.log",
    "LogStore": "referendum.board.store",
    "PostgresStore": "referendum.board.postgres",
    "SqliteStore": "referendum.board.sqlite",
}

if TYPE_CHECKING:
    from referendum.board.log import Log
    from referendum.board.postgres import PostgresStore
    from referendum.board.sqlite import SqliteStore
    from referendum.board.store import LogStore
    from referendum.board.writer import GroupCommitWriter


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'referendum.board' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
