"""The key ceremony: distributed key generation among the trustees (docs/protocol.md 11).

n trustees with quorum k each deal a random polynomial with Feldman commitments and a
Schnorr proof, send every other trustee its share in a sealed box over the board,
complain about bad shares, answer complaints in public, and confirm the joint key built
from the qualified dealers (QUAL).

- board: CeremonyBoard, the acceptance rules (board server and verifier), and qualify.
- trustee: TrusteeKeys and TrusteeState, one trustee's secrets and steps.
- sealed: the sealed boxes that carry the shares.
"""

from ._errors import CeremonyError
from .board import (
    KIND_CHECK,
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
