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
4. the proofs, outside every lock, in a worker thread (422);
5. under the election folder's lock: the state brought up to date, step 2 again, the
   entry applied and appended, and the receipt signed (201).

A refused request appends nothing.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from referendum.ballot import (
    BallotError,
    check_ballot_fields,
    check_spoiled_fields,
    tracking_hash,
    verify_ballot,
)
from referendum.ballot import verify_spoiled as verify_challenge
from referendum.canonical import JsonFormatError, parse_json
from referendum.election import Election, ElectionError
from referendum.errors import VerificationError
from referendum.group import Element
from referendum.replay import PreChecked
from referendum.server.limits import read_body, require_json
from referendum.server.problems import Problem
from referendum.server.rate import RateLimiter
from referendum.server.service import Service
from referendum.signing import SignatureInvalid, verify_message

__all__ = ["Casting"]

_WHERE = "request body"


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


class Casting:
    """The two casting endpoints of one app."""

    def __init__(self, service: Service, rate: RateLimiter, body_limit: int) -> None:
        self.service = service
        self.rate = rate
        self.body_limit = body_limit

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
        key = await run_in_threadpool(self._precheck, kind, body, h)
        await run_in_threadpool(self._signed, kind, body, payload)
        wait = await run_in_threadpool(self.rate.take, body["credential"])
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
        checked = await run_in_threadpool(self._verify, kind, key, payload)
        receipt = await run_in_threadpool(self._append, kind, payload, body, h, checked)
        return JSONResponse(receipt, status_code=201)

    def _precheck(self, kind: str, body: dict[str, Any], h: bytes) -> Element:
        with self.service.current() as election:
            return _admissible(election, kind, body, h)

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
                return verify_ballot(manifest, key, payload, _WHERE)
            return verify_challenge(manifest, key, payload, _WHERE)
        except BallotError as exc:
            raise _invalid(kind, str(exc)) from None

    def _append(
        self, kind: str, payload: Any, body: dict[str, Any], h: bytes, checked: PreChecked
    ) -> dict[str, Any]:
        with self.service.appending() as election:
            _admissible(election, kind, body, h)
            try:
                entry = election.post(kind, payload, prechecked=checked)
            except ElectionError as exc:
                raise Problem(
                    409, "outside-voting-period", "Outside the voting period", str(exc)
                ) from None
            except VerificationError as exc:
                raise _invalid(kind, str(exc)) from None
            return election.receipt(entry, h).to_json()
