"""The board asks a transparency-log witness for a co-signature (C2SP tlog-witness).

docs/protocol.md section 7.6.4. Witnesses run by others with standard transparency-log
witness software check consistency only (not the entries' content): the board sends them
its signed checkpoint with a consistency proof from the size the witness last co-signed,
`POST <prefix>/add-checkpoint`, and keeps the cosignature/v1 lines they answer that
verify under a witness key of the manifest, merged with the other co-signatures of that
tree. The size each witness last co-signed is kept in the board's store, learnt from a
409 answer when unknown.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import httpx

from referendum.board import BoardVerificationError, SignedCheckpoint, parse_signed_checkpoint
from referendum.board.checkpoint import NoteSignature
from referendum.derived import pack_index, unpack_index
from referendum.election import Election

__all__ = ["TLOG_SIZES", "Requested", "TlogWitnessError", "request_cosignature"]

#: Index space (section 7.5.5) of the size each tlog witness last co-signed: URL -> size.
TLOG_SIZES = 6
_MAX_PROOF = 63
_SIZE_TYPE = "text/x.tlog.size"


class TlogWitnessError(Exception):
    """The witness refused or could not be reached; the message says which and why."""


@dataclass(frozen=True)
class Requested:
    """What a request gave: the co-signed checkpoint kept, and the witnesses that signed."""

    cosigned: SignedCheckpoint
    names: tuple[str, ...]


def _body(old: int, proof: list[bytes], signed: SignedCheckpoint) -> bytes:
    lines = [f"old {old}\n"] + [base64.b64encode(h).decode() + "\n" for h in proof]
    return ("".join(lines) + "\n" + signed.to_text()).encode("utf-8")


def request_cosignature(election: Election, url: str, *, timeout: float = 30.0) -> Requested:
    """Gives back the board's current checkpoint with the co-signatures the witness at url
    answered, kept in the board's store (section 7.6.4). TlogWitnessError otherwise."""
    url = url.rstrip("/")
    key = url.encode()
    signed = election.signed_checkpoint()
    size = signed.checkpoint.size
    known = election.store.index_get(election.manifest.id, TLOG_SIZES, [key]).get(key)
    old = 0 if known is None else unpack_index(known)
    with httpx.Client(timeout=timeout) as client:
        for _ in range(2):  # a 409 tells the size the witness holds: one more try with it
            if old > size:
                raise TlogWitnessError(
                    f"witness {url} co-signed this board at {old} entries, more than its"
                    f" {size}: the board was rolled back, or the witness saw another board"
                )
            proof = election.log.consistency_proof(old, size) if 0 < old < size else []
            if len(proof) > _MAX_PROOF:
                raise TlogWitnessError(f"a consistency proof of {len(proof)} hashes is too long")
            try:
                answer = client.post(
                    f"{url}/add-checkpoint",
                    content=_body(old, proof, signed),
                    headers={"Content-Type": "text/plain; charset=utf-8"},
                )
            except httpx.HTTPError as exc:
                raise TlogWitnessError(f"witness {url}: {exc}") from None
            if answer.status_code == 409 and answer.headers.get("content-type", "").startswith(
                _SIZE_TYPE
            ):
                text = answer.text
                digits = text[:-1]
                if not text.endswith("\n") or not (digits.isascii() and digits.isdigit()):
                    raise TlogWitnessError(f"witness {url}: a 409 without a size")
                if int(digits) == old:
                    raise TlogWitnessError(
                        f"witness {url} holds another tree of {old} entries than this board"
                    )
                old = int(digits)
                continue
            if answer.status_code != 200:
                raise TlogWitnessError(
                    f"witness {url} answered {answer.status_code}: {answer.text[:200].strip()}"
                )
            return _keep(election, url, signed, answer.text)
    raise TlogWitnessError(f"witness {url} keeps answering 409: its size keeps changing")


def _keep(election: Election, url: str, signed: SignedCheckpoint, text: str) -> Requested:
    """Keeps the answer's lines that verify under a manifest witness key."""
    try:
        answered = parse_signed_checkpoint(signed.to_text() + text)
    except BoardVerificationError as exc:
        raise TlogWitnessError(f"witness {url}: its answer is not signature lines: {exc}") from None
    kept: list[NoteSignature] = []
    names = []
    for w in election.manifest.witnesses:
        try:
            answered.verify(w.key)
        except BoardVerificationError:
            continue
        kept.append(answered.signature_by(w.key))
        names.append(w.key.name)
    if not kept:
        raise TlogWitnessError(
            f"witness {url} answered no co-signature by a witness key of the manifest"
        )
    merged = election.add_cosigned(SignedCheckpoint(signed.checkpoint, (*signed.signatures, *kept)))
    election.store.index_put(
        election.manifest.id,
        [(TLOG_SIZES, url.encode(), pack_index(signed.checkpoint.size))],
    )
    return Requested(merged, tuple(names))
