"""How large a request body may be, and reading one without going past that.

The largest request the API takes is a `spoiled` payload (docs/protocol.md 12.5): the
ballot body of the largest ballot style, its reveal and a signature. Its size follows from
the manifest alone, since every hex field has a fixed length; default_body_limit builds
the largest such payload with dummy values, measures its canonical JSON and allows
generously more (whitespace, escapes). A body past the limit is refused with 413 before
more than the limit is read, from Content-Length when the client sends one and while
streaming when it does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import ClientDisconnect, Request

from referendum.canonical import canonical_json
from referendum.manifest import Manifest
from referendum.server.problems import Problem

__all__ = ["BODY_TIMEOUT", "BulkReads", "default_body_limit", "read_body", "require_json"]

#: Seconds a request body may take to arrive once its head is in (408 after that).
BODY_TIMEOUT = float(os.environ.get("REFERENDUM_BODY_TIMEOUT", "30"))

_HEX32 = "0" * 64
_HEX64 = "0" * 128
#: Room for a client's own JSON layout (indentation, escaped characters): the limit is
#: this many times the canonical size, plus a constant.
_FACTOR = 3
_SLACK = 16 * 1024


def _largest_spoiled(manifest: Manifest, region: str) -> dict[str, Any]:
    questions = []
    reveal = []
    for q in manifest.ballot_style(region):
        pair = {"c": _HEX32, "v": _HEX32}
        selections = [
            {"alpha": _HEX32, "beta": _HEX32, "proof": [pair, pair]} for _ in range(q.encrypted)
        ]
        lo, hi = q.sum_range
        width = hi - lo + 1 if q.needs_sum_proof else 0
        questions.append({"question": q.id, "selections": selections, "sum_proof": [pair] * width})
        openings = [{"vote": 1, "nonce": _HEX32} for _ in range(q.encrypted)]
        reveal.append({"question": q.id, "selections": openings})
    body = {"region": region, "credential": _HEX32, "questions": questions}
    return {"ballot": body, "reveal": reveal, "signature": _HEX64}


def default_body_limit(manifest: Manifest) -> int:
    """Gives back the body limit in bytes: a generous bound on the largest valid payload."""
    largest = max(len(canonical_json(_largest_spoiled(manifest, r.id))) for r in manifest.regions)
    return _FACTOR * largest + _SLACK


def require_json(request: Request) -> None:
    """None when the request says its body is UTF-8 JSON; Problem 415 otherwise."""
    header = request.headers.get("content-type")
    if header is None:
        raise Problem(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            "the request has no Content-Type; send the payload as application/json",
        )
    media, _, params = header.partition(";")
    if media.strip().lower() != "application/json":
        raise Problem(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            f"Content-Type {media.strip()[:80]!r} is not application/json",
        )
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() != "utf-8":
            raise Problem(
                415,
                "unsupported-media-type",
                "Unsupported media type",
                f"charset {value.strip()[:40]!r}: the payload must be UTF-8",
            )


def _too_large(limit: int) -> Problem:
    return Problem(
        413,
        "body-too-large",
        "Request body too large",
        f"the request body is larger than {limit} bytes, more than any valid payload"
        " of this referendum",
    )


async def read_body(request: Request, limit: int) -> bytes:
    """Gives back the request body; Problem 413 once it is past limit bytes (never reading
    more than limit plus one network chunk), 400 for a malformed Content-Length."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isascii() or not declared.isdigit() or len(declared) > 18:
            raise Problem(
                400,
                "bad-content-length",
                "Bad request",
                f"Content-Length {declared[:40]!r} is not a number of bytes",
            )
        if int(declared) > limit:
            raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(BODY_TIMEOUT):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                chunks.append(chunk)
    except ClientDisconnect:
        raise Problem(
            400, "incomplete-body", "Bad request", "the client left before sending the body"
        ) from None
    except TimeoutError:
        raise Problem(
            408,
            "body-timeout",
            "Request timeout",
            f"the body did not arrive within {BODY_TIMEOUT:g} s",
        ) from None
    return b"".join(chunks)


class BulkReads:
    """Turns for the reads that cost in proportion to what they return (board pages, the
    record): at most `readers` at once in a worker, the others waiting up to `wait`
    seconds and then answered 503 busy with Retry-After. Casting and look-ups never wait
    behind them, so many readers cannot slow the casting of ballots down."""

    def __init__(self, readers: int = 2, wait: float = 10.0) -> None:
        self.readers = readers
        self.wait = wait
        self._turns = asyncio.Semaphore(readers)

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        try:
            await asyncio.wait_for(self._turns.acquire(), self.wait)
        except TimeoutError:
            raise Problem(
                503,
                "busy",
                "Busy",
                f"{self.readers} board reads are under way in this worker; try again",
                headers={"Retry-After": "2"},
            ) from None
        try:
            yield
        finally:
            self._turns.release()
