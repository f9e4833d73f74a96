"""POST /api/board/messages and /api/board/cosignatures: the parties' signed messages.

docs/protocol.md section 16.4. Trustees, registrars and witnesses run on their own
machines and reach the board only through these two endpoints. A message is
{"kind": K, "payload": P}; the board applies exactly the rules of section 13 it applies
to any entry (the signature of the trustee or registrar included), appends it with the
derived state in one transaction, and answers 201 with the entry's index, a checkpoint
signed now and the entry's inclusion proof. A refused message appends nothing.

The operator's own entries (manifest, voting.open, voting.close, tally, results) carry
no signature of a party: they are refused here (403) and made only by the operator's
commands on the board's machine, which hold the board key.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from referendum.board import BoardVerificationError, parse_signed_checkpoint
from referendum.board.checkpoint import SignedCheckpoint
from referendum.canonical import JsonFormatError, parse_json
from referendum.election import ElectionError
from referendum.errors import VerificationError
from referendum.replay import PARTY_KINDS, WrongPhaseError
from referendum.server.limits import read_body, require_json
from referendum.server.problems import Problem
from referendum.server.service import Service

__all__ = ["Messages"]

_OPERATOR_KINDS = ("manifest", "voting.open", "voting.close", "tally", "results")
#: A credential batch (1,000 keys) is the largest message: about 70 KB.
MESSAGE_LIMIT = 1024 * 1024
#: A co-signed checkpoint is a few lines of text per witness.
COSIGNATURE_LIMIT = 64 * 1024


def _json_body(raw: bytes, fields: set[str]) -> dict[str, Any]:
    try:
        body = parse_json(raw, "request body")
    except JsonFormatError as exc:
        raise Problem(400, "not-json", "Not JSON", str(exc)) from None
    if not isinstance(body, dict) or set(body) != fields:
        raise Problem(
            400,
            "bad-structure",
            "Malformed request",
            f"request body: want an object with exactly {', '.join(sorted(fields))}",
        )
    return body


class Messages:
    """The two endpoints through which parties other than voters post to the board."""

    def __init__(self, service: Service) -> None:
        self.service = service

    async def message(self, request: Request) -> Response:
        require_json(request)
        body = _json_body(await read_body(request, MESSAGE_LIMIT), {"kind", "payload"})
        kind = body["kind"]
        if not isinstance(kind, str):
            raise Problem(400, "bad-structure", "Malformed request", "kind: want text")
        if kind in _OPERATOR_KINDS:
            raise Problem(
                403,
                "operator-only",
                "Only the operator posts this",
                f"{kind!r} entries are made by the operator's commands on the board's machine",
            )
        if kind not in PARTY_KINDS:
            raise Problem(
                400,
                "unknown-kind",
                "Unknown message kind",
                f"kind {kind[:40]!r}: want one of {', '.join(PARTY_KINDS)}"
                " (ballots and challenges go to /api/ballots and /api/challenges)",
            )
        answer = await run_in_threadpool(self._append, kind, body["payload"])
        return JSONResponse(answer, status_code=201)

    def _append(self, kind: str, payload: Any) -> dict[str, Any]:
        with self.service.appending() as election:
            try:
                entry = election.post(kind, payload)
            except WrongPhaseError as exc:
                raise Problem(409, "wrong-phase", "Not accepted now", str(exc)) from None
            except VerificationError as exc:
                raise Problem(
                    422, "message-refused", "The board's rules refuse it", str(exc)
                ) from None
            signed = election.log.sign(election.key, entry.index + 1)
            proof = election.log.inclusion_proof(entry.index, entry.index + 1)
        return {
            "index": entry.index,
            "kind": kind,
            "checkpoint": signed.to_text(),
            "inclusion_proof": [h.hex() for h in proof],
        }

    async def cosignature(self, request: Request) -> Response:
        require_json(request)
        body = _json_body(await read_body(request, COSIGNATURE_LIMIT), {"checkpoint"})
        text = body["checkpoint"]
        if not isinstance(text, str):
            raise Problem(400, "bad-structure", "Malformed request", "checkpoint: want text")
        try:
            signed = parse_signed_checkpoint(text)
        except VerificationError as exc:
            raise Problem(400, "bad-checkpoint", "Malformed checkpoint", str(exc)) from None
        kept = await run_in_threadpool(self._cosigned, signed)
        return JSONResponse({"size": kept.checkpoint.size, "checkpoint": kept.to_text()}, 201)

    def _cosigned(self, signed: SignedCheckpoint) -> SignedCheckpoint:
        """Keeps a co-signed checkpoint once the board's and each witness's signature
        verify and its root is this board's root at its size (section 7.6)."""
        manifest = self.service.manifest
        witnesses = {w.key.name: w.key for w in manifest.witnesses}
        names = [s.name for s in signed.signatures if s.name in witnesses]
        if not names:
            raise Problem(
                422,
                "cosignature-refused",
                "No witness of this referendum signed it",
                "the checkpoint carries no signature by a witness named in the manifest",
            )
        try:
            signed.verify(manifest.board_key)
            for name in names:
                signed.verify(witnesses[name])
        except BoardVerificationError as exc:
            raise Problem(422, "cosignature-refused", "A signature fails", str(exc)) from None
        with self.service.appending() as election:
            c = signed.checkpoint
            if c.origin != manifest.id or c.size > election.state.size:
                raise Problem(
                    422,
                    "cosignature-refused",
                    "Not a checkpoint of this board",
                    f"checkpoint of {c.origin} at size {c.size}: this board is {manifest.id}"
                    f" with {election.state.size} entries",
                )
            if election.log.root(c.size) != c.root:
                raise Problem(
                    422,
                    "cosignature-refused",
                    "Not this board's tree",
                    f"the root at size {c.size} is not this board's",
                )
            # Only the signatures that verified are kept.
            board = manifest.board_key
            kept = SignedCheckpoint(
                c,
                tuple(
                    s
                    for s in signed.signatures
                    if (s.name == board.name and s.key_id == board.key_id)
                    or (s.name in names and s.key_id == witnesses[s.name].key_id)
                ),
            )
            try:
                merged = election.add_cosigned(kept)
                # A ceremony step past its deadline closes as soon as the witnesses'
                # times show it (section 11.7): nobody has to be there to post the close.
                election.close_step_if_due()
                return merged
            except ElectionError as exc:
                raise Problem(503, "board-unavailable", "Board unavailable", str(exc)) from None
