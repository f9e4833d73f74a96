"""Non-interactive zero-knowledge proofs, strong Fiat-Shamir (docs/protocol.md section 5).

Each proof kind has a prove_x / verify_x pair; verify_x returns None or raises
InvalidProof saying what failed.
"""

from ._common import ChallengeResponse, InvalidProof, ProofContext
from .chaum_pedersen import TAG_CHAUM_PEDERSEN, prove_equal_logs, verify_equal_logs
from .range import (
    MAX_RANGE_WIDTH,
    TAG_RANGE,
    RangeProof,
    prove_disjunctive,
    prove_range,
    verify_disjunctive,
    verify_range,
)
from .schnorr import TAG_SCHNORR, prove_schnorr, verify_schnorr

__all__ = [
    "MAX_RANGE_WIDTH",
    "TAG_CHAUM_PEDERSEN",
    "TAG_RANGE",
    "TAG_SCHNORR",
    "ChallengeResponse",
    "InvalidProof",
    "ProofContext",
    "RangeProof",
    "prove_disjunctive",
    "prove_equal_logs",
    "prove_range",
    "prove_schnorr",
    "verify_disjunctive",
    "verify_equal_logs",
    "verify_range",
    "verify_schnorr",
]
