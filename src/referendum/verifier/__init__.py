"""The independent verifier: checks a whole election record from public data alone.

docs/protocol.md section 15. It imports the pure protocol modules (group, proofs,
elgamal, the board's entry, Merkle and checkpoint code, manifest, ballot, ceremony,
credentials, tally, replay, record) and never the board server or its stores.
"""

from referendum.verifier.check import RecordCheckError, Report, verify_record
from referendum.verifier.lookup import Finding, ReceiptError

__all__ = ["Finding", "ReceiptError", "RecordCheckError", "Report", "verify_record"]
