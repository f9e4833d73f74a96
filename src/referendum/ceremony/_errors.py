"""The error every broken ceremony rule raises (docs/protocol.md section 11.7)."""

from __future__ import annotations

from ..errors import VerificationError

__all__ = ["CeremonyError"]


class CeremonyError(VerificationError):
    """A ceremony message breaks a rule, or the ceremony failed; the text says where.

    trustee: the trustee the failure is about (the signer of the message), when known.
    """

    def __init__(self, message: str, *, trustee: int | None = None) -> None:
        self.trustee = trustee
        super().__init__(message)
