"""POST /api/ballots and /api/challenges: the board's acceptance of a ballot, over HTTP.

docs/protocol.md sections 12.3, 12.5, 13.2 and 13.4. The order keeps the cheap checks
first and the board lock short:

1. the request: Content-Type (415), size (413), JSON of section 8.1 (400), the payload's
   shape: fields, types, hex forms (400);
2. against the board as it is now: voting open and the period (409), the region (422),
   the credential on the roll, in that region (403), not a repeat (409);
3. the credential's signature (422), then the credential's rate limit (429): only the
   holder of a credential can spend its allowance, so nobody can lock a voter out by
   sending junk under the voter's public key;
4. the proofs, outside every lock, in a worker thread (422); a ballot's signature is not
   verified a second time;
5. handed to the worker's appender (appender.py), which takes every request waiting and,
   under the election folder's lock and the board's writer lock, brings the state up to
   date, runs step 2 again for each, and appends those that pass in one transaction
   (201), the others getting their own 409 or 403. The receipts of a batch share one
   checkpoint, signed once the locks are released, at a size that includes every entry
   of the batch.

A refused request appends nothing, and a 201 is sent only once its entry is committed.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from referendum.ballot import (
    BallotError,
    check_ballot_fields,
    check_spoiled_fields,
    tracking_code,
    tracking_hash,
    verify_ballot,
)
from referendum.ballot import verify_spoiled as verify_challenge
from referendum.board import Entry, StoreError
from referendum.canonical import JsonFormatError, parse_json
from referendum.election import Election, ElectionError
from referendum.errors import VerificationError
from referendum.group import Element
from referendum.replay import PreChecked
from referendum.server.appender import Appender
from referendum.server.limits import read_body, require_json
from referendum.server.problems import Problem
from referendum.server.rate import RateLimiter
from referendum.server.service import RETRY_AFTER, Service, unavailable
from referendum.signing import SignatureInvalid, verify_message

__all__ = ["BATCH_VARIABLE", "DEFAULT_BATCH", "Casting"]

_WHERE = "request body"
#: The most casts one append takes (one transaction, one checkpoint).
DEFAULT_BATCH = 256
#: Sets another largest batch for this process (1: one append per cast, as before
#: batching; benchmarks/casting_nodes.py compares the two).
BATCH_VARIABLE = "REFERENDUM_CAST_BATCH"


def _shape(detail: str) -> Problem:
    return Problem(400, "bad-structure", "Malformed payload", detail)


def _invalid(kind: str, detail: str) -> Problem:
    what = "ballot" if kind == "ballot" else "challenge"
    return Problem(422, f"{what}-invalid", f"The {what} fails a check", detail)


def _check_challenge_shape(payload: Any) -> dict[str, Any]:
    """Gives back the inner ballot body of a spoiled payload once its shape is right."""
    try:
        check_spoiled_fields(payload, _WHERE)
    except BallotError as exc:
        raise _shape(str(exc)) from None
    body: dict[str, Any] = payload["ballot"]
    return body


def _admissible(election: Election, kind: str, body: dict[str, Any], h: bytes) -> Element:
    """Gives back the election key once the board would take this ballot now (13.2, 13.5),
    its proofs aside; Problem 409, 422 or 403 otherwise."""
    state = election.state
    if state.phase != "voting" or state.public_key is None:
        raise Problem(
            409,
            "voting-not-open",
            "Voting is not open",
            f"the board takes no ballots: it is in phase {state.phase!r}",
        )
    try:
        election.check_voting_period()
    except ElectionError as exc:
        raise Problem(409, "outside-voting-period", "Outside the voting period", str(exc)) from None
    region = body["region"]
    if region not in {r.id for r in election.manifest.regions}:
        raise _invalid(kind, f"ballot region {region!r} is not a region of this referendum")
    registered = state.roll.region_of(bytes.fromhex(body["credential"]))
    if registered is None:
        raise Problem(
            403,
            "credential-not-registered",
            "Credential not registered",
            f"credential {body['credential'][:16]}… is not on this referendum's roll",
        )
    if registered != region:
        raise Problem(
            403,
            "wrong-region",
            "Credential registered in another region",
            f"the credential is registered in {registered}, the ballot is for {region}",
        )
    earlier = election.find_tracking(h)
    if earlier is not None:
        raise Problem(
            409,
            "repeated-ballot",
            "Ballot already on the board",
            f"this ballot repeats board entry {earlier} (same tracking code); a ballot or"
            " challenge is sent once, and a new vote is a newly encrypted ballot",
        )
    return state.public_key


@dataclass(frozen=True, slots=True)
class _Cast:
    """A ballot or challenge whose checks passed, on its way to the board."""

    kind: str
    payload: Any
    body: dict[str, Any]
    h: bytes  # its tracking hash
    checked: PreChecked


def _max_batch() -> int:
    text = os.environ.get(BATCH_VARIABLE, "").strip()
    if not text:
        return DEFAULT_BATCH
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{BATCH_VARIABLE}={text!r}: want a positive whole number")
    return int(text)


class Casting:
    """The two casting endpoints of one app, and the appender they share."""

    def __init__(self, service: Service, rate: RateLimiter, body_limit: int) -> None:
        self.service = service
        self.rate = rate
        self.body_limit = body_limit
        self.appender: Appender[_Cast, dict[str, Any]] = Appender(
            self._append_batch, max_batch=_max_batch(), name="board-appender"
        )
        service.on_close(self.appender.close)

    async def ballot(self, request: Request) -> Response:
        return await self._cast(request, "ballot")

    async def challenge(self, request: Request) -> Response:
        return await self._cast(request, "spoiled")

    async def _cast(self, request: Request, kind: str) -> Response:
        require_json(request)
        raw = await read_body(request, self.body_limit)
        try:
            payload = parse_json(raw, _WHERE)
        except JsonFormatError as exc:
            raise Problem(400, "not-json", "Not JSON", str(exc)) from None
        if kind == "ballot":
            try:
                check_ballot_fields(payload, _WHERE)
            except BallotError as exc:
                raise _shape(str(exc)) from None
            body: dict[str, Any] = payload
        else:
            body = _check_challenge_shape(payload)
        h = tracking_hash(self.service.manifest.fingerprint, body)
        cast = await run_in_threadpool(self._check, kind, payload, body, h)
        receipt = await asyncio.wrap_future(self.appender.submit(cast))
        return JSONResponse(receipt, status_code=201)

    def _check(self, kind: str, payload: Any, body: dict[str, Any], h: bytes) -> _Cast:
        """Gives back the cast once steps 2 to 4 pass (in one worker thread); else Problem."""
        with self.service.voting() as election:
            key = _admissible(election, kind, body, h)
        self._signed(kind, body, payload)
        wait = self.rate.take(body["credential"])
        if wait is not None:
            retry = RateLimiter.retry_after(wait)
            raise Problem(
                429,
                "rate-limited",
                "Too many requests",
                f"this credential may send {self.rate.rate.requests} ballots or challenges"
                f" per {self.rate.rate.seconds} s; try again in {retry} s",
                headers={"Retry-After": retry},
            )
        return _Cast(kind, payload, body, h, self._verify(kind, key, payload))

    def _signed(self, kind: str, body: dict[str, Any], payload: Any) -> None:
        """None when the payload is signed by its credential as kind (8.2); else 422."""
        credential = bytes.fromhex(body["credential"])
        what = f"{_WHERE}: {'ballot' if kind == 'ballot' else 'spoiled'}"
        try:
            verify_message(credential, self.service.manifest.fingerprint, kind, payload, what)
        except SignatureInvalid as exc:
            raise _invalid(kind, str(exc)) from None

    def _verify(self, kind: str, key: Element, payload: Any) -> PreChecked:
        manifest = self.service.manifest
        try:
            if kind == "ballot":
                # _signed verified this very payload's signature as its kind.
                return verify_ballot(manifest, key, payload, _WHERE, signature_checked=True)
            return verify_challenge(manifest, key, payload, _WHERE, signature_checked=True)
        except BallotError as exc:
            raise _invalid(kind, str(exc)) from None

    # -- the appender's side: one batch under the locks -------------------------------------

    def _append_batch(self, casts: Sequence[_Cast]) -> list[dict[str, Any] | Problem]:
        """Gives back, for each cast, its receipt or the Problem its request answers."""
        results: list[dict[str, Any] | Problem | None] = [None] * len(casts)
        posted: dict[int, Entry] = {}  # position in casts -> its committed entry
        repeats: dict[int, int] = {}  # position -> position of the same ballot before it
        size = 0
        try:
            with self.service.appending() as election:
                admitted = _admit(election, casts, results, repeats)
                _post(election, casts, admitted, results, posted)
                size = election.state.size
        except Problem as exc:  # the store or the folder: nothing (more) was appended
            for n, result in enumerate(results):
                if result is None and n not in posted and n not in repeats:
                    results[n] = exc
        if posted:
            self._receipts(casts, posted, size, results)
        for n, first in repeats.items():
            results[n] = _repeat_of(casts[n], posted.get(first), results[first])
        return [r if r is not None else _lost() for r in results]

    def _receipts(
        self,
        casts: Sequence[_Cast],
        posted: dict[int, Entry],
        size: int,
        results: list[dict[str, Any] | Problem | None],
    ) -> None:
        """Fills in the receipts of the committed entries, at one checkpoint of size."""
        order = sorted(posted)
        size = max(size, *(posted[n].index + 1 for n in order))
        election = self.service.election  # the log and the key: read-only, no mutex
        try:
            receipts = election.receipts([(posted[n].index, casts[n].h) for n in order], size)
        except (StoreError, ElectionError) as exc:
            for n in order:
                results[n] = _receipt_lost(posted[n].index, casts[n].h, exc)
            return
        for n, receipt in zip(order, receipts, strict=True):
            results[n] = receipt.to_json()


def _admit(
    election: Election,
    casts: Sequence[_Cast],
    results: list[dict[str, Any] | Problem | None],
    repeats: dict[int, int],
) -> list[int]:
    """Gives back the positions of the casts the board would take now, in order; the
    others get their Problem in results, or their earlier twin of this batch in repeats."""
    admitted: list[int] = []
    first: dict[bytes, int] = {}
    for n, cast in enumerate(casts):
        if cast.h in first:
            repeats[n] = first[cast.h]
            continue
        first[cast.h] = n
        try:
            _admissible(election, cast.kind, cast.body, cast.h)
        except Problem as exc:
            results[n] = exc
        else:
            admitted.append(n)
    return admitted


def _post(
    election: Election,
    casts: Sequence[_Cast],
    admitted: Sequence[int],
    results: list[dict[str, Any] | Problem | None],
    posted: dict[int, Entry],
) -> None:
    """Appends the admitted casts in one transaction; if the board refuses that, one by
    one, so a refused cast gets its own answer and takes no other down with it."""
    if not admitted:
        return
    items = [(casts[n].kind, casts[n].payload, casts[n].checked) for n in admitted]
    try:
        posted.update(zip(admitted, election.post_many(items), strict=True))
        return
    except (ElectionError, VerificationError) as exc:
        if len(admitted) == 1:
            results[admitted[0]] = _refused(casts[admitted[0]].kind, exc)
            return
    for at, n in enumerate(admitted):
        cast = casts[n]
        try:
            election.refresh()  # the refused append left the stored state to be read again
            _admissible(election, cast.kind, cast.body, cast.h)
            posted[n] = election.post(cast.kind, cast.payload, prechecked=cast.checked)
        except Problem as exc:
            results[n] = exc
        except (ElectionError, VerificationError) as exc:
            results[n] = _refused(cast.kind, exc)
        except StoreError as exc:
            results[n] = unavailable(exc)
            for m in admitted[at + 1 :]:
                results[m] = unavailable(exc, appended=False)
            return


def _refused(kind: str, exc: ElectionError | VerificationError) -> Problem:
    """Gives back the Problem for the board refusing an entry under the lock."""
    if isinstance(exc, ElectionError):
        return Problem(409, "outside-voting-period", "Outside the voting period", str(exc))
    return _invalid(kind, str(exc))


def _repeat_of(
    cast: _Cast, entry: Entry | None, first: dict[str, Any] | Problem | None
) -> dict[str, Any] | Problem:
    """Gives back the answer to a cast sent again while its twin was in the same batch."""
    if entry is None:  # the twin was refused: so is this, for the same reason
        return first if isinstance(first, Problem) else _lost()
    return Problem(
        409,
        "repeated-ballot",
        "Ballot already on the board",
        f"this ballot repeats board entry {entry.index} (same tracking code); a ballot or"
        " challenge is sent once, and a new vote is a newly encrypted ballot",
    )


def _receipt_lost(index: int, h: bytes, exc: Exception) -> Problem:
    words = " ".join(str(exc).split())
    return Problem(
        503,
        "receipt-unavailable",
        "On the board, receipt not made",
        f"the ballot is on the board as entry {index}, but its receipt could not be read"
        f" from the board's store ({words}); get it with GET /api/receipts/"
        f"{tracking_code(h)} instead of sending the ballot again",
        headers={"Retry-After": RETRY_AFTER},
    )


def _lost() -> NoReturn:  # pragma: no cover - every cast of a batch gets an answer
    raise AssertionError("a cast of the batch got no answer")
