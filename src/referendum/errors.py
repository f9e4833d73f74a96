"""The exception every failed check on public data raises.

A verifier never returns False: it raises a subclass of VerificationError whose message
says what failed and where (which ballot, question, trustee, proof).
"""

__all__ = ["VerificationError"]


class VerificationError(Exception):
    """A check on public data failed; the message says what and where."""
