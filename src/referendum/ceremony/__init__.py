"""The key ceremony: distributed key generation among the trustees (docs/protocol.md 11).

One Pedersen key generation per clause of the manifest's policy, side by side: each
member of a clause deals a random polynomial with Feldman commitments and a Schnorr
proof, sends every other member its share in a sealed box over the board, complaints
about bad shares are answered in public, and the election key is the product of the
clauses' keys, each built from its qualified dealers (QUAL_c). Each step has a deadline;
a witnessed ceremony.close ends a step that an absent trustee would otherwise block.

- board: CeremonyBoard, the acceptance rules (board server and verifier), and qualify.
- trustee: TrusteeKeys and TrusteeState, one trustee's secrets and steps.
- sealed: the sealed boxes that carry the shares.
"""

from ._errors import CeremonyError
from .board import (
    KIND_CHECK,
    KIND_CLOSE,
    KIND_COMMITMENT,
    KIND_CONFIRM,
    KIND_REVEAL,
    KIND_SHARES,
    KINDS,
    CeremonyBoard,
    Qualification,
    qualify,
)
from .sealed import SealedBoxError, open_sealed, seal
from .trustee import TrusteeKeys, TrusteeState

__all__ = [
    "KINDS",
    "KIND_CHECK",
    "KIND_CLOSE",
    "KIND_COMMITMENT",
    "KIND_CONFIRM",
    "KIND_REVEAL",
    "KIND_SHARES",
    "CeremonyBoard",
    "CeremonyError",
    "Qualification",
    "SealedBoxError",
    "TrusteeKeys",
    "TrusteeState",
    "open_sealed",
    "qualify",
    "seal",
]
