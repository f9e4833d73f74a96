"""The casting service: the board's HTTP API and the web pages, as one Starlette app.

The API table of the contract is implemented here; docs/operations.md ("HTTP API")
describes it for operators, and GET /openapi.json (openapi.py) for programs. The app
holds no secrets beyond what the election folder holds (the board's signing key) and no
cryptography of its own: ballots are checked by referendum.ballot, appended through
referendum.election.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from referendum.booth import BoothMismatch, folder_hash
from referendum.server.casting import Casting
from referendum.server.limits import BulkReads, default_body_limit
from referendum.server.messages import Messages
from referendum.server.openapi import openapi_document
from referendum.server.pages import Pages, SecurityHeaders
from referendum.server.problems import Problem, exception_handlers
from referendum.server.rate import DEFAULT_RATE, RateLimit, RateLimiter, parse_rate
from referendum.server.service import Service, stream

__all__ = [
    "ELECTION_VARIABLE",
    "RATE_VARIABLE",
    "STATIC_VARIABLE",
    "SUPERVISOR_VARIABLE",
    "app_from_environment",
    "create_app",
]

#: What `referendum serve --workers N` hands to each worker process.
ELECTION_VARIABLE = "REFERENDUM_ELECTION"
RATE_VARIABLE = "REFERENDUM_RATE_LIMIT"
STATIC_VARIABLE = "REFERENDUM_STATIC"
SUPERVISOR_VARIABLE = "REFERENDUM_SUPERVISOR"

#: The most entries one GET /api/board/entries gives (a replica syncs in such pages).
MAX_ENTRIES = 1000
_NUMBER = re.compile(r"0|[1-9][0-9]{0,15}")


#: Every answer, to any origin: the API and the pages are public and use no cookie, so a
#: booth served from elsewhere (protocol.md 16.6) may read them and post ballots. The
#: answer does not depend on the request's Origin, so caches need no Vary: Origin.
_CORS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", b"Retry-After"),
]
#: The answer to a preflight (a POST of application/json from another origin asks first).
_PREFLIGHT = [
    (b"access-control-allow-methods", b"GET, POST"),
    (b"access-control-allow-headers", b"Content-Type"),
    (b"access-control-max-age", b"600"),
]


class _PublicCors:
    """ASGI middleware: CORS headers on every answer, and preflights answered (204)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        names = {k.lower() for k, _ in scope.get("headers", [])}
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in names:
            await send(
                {"type": "http.response.start", "status": 204, "headers": _CORS + _PREFLIGHT}
            )
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k not in dict(_CORS)]
                message["headers"] = kept + _CORS
            await send(message)

        await self.app(scope, receive, send_with_cors)


def _check_booth(booth: str | None, static: Path) -> None:
    """Refuses to serve pages other than the booth the manifest names (protocol.md 16.6)."""
    if booth is None:
        return
    built = folder_hash(static)
    if built != booth:
        raise BoothMismatch(
            f"the web pages in {static} are the booth {built}, the manifest names {booth}:"
            " build the booth from the sources the manifest's booth was built from"
            " (referendum booth hash FOLDER prints a build's hash)"
        )


def _number(request: Request, name: str, default: int | None) -> int | None:
    """Gives back the query parameter name as a non-negative integer (or default)."""
    values = request.query_params.getlist(name)
    if not values:
        return default
    if len(values) > 1:
        raise Problem(400, "bad-parameter", "Bad parameter", f"{name} is given more than once")
    text = values[0]
    if _NUMBER.fullmatch(text) is None:
        raise Problem(
            400,
            "bad-parameter",
            "Bad parameter",
            f"{name}={text[:40]!r}: want a non-negative decimal integer",
        )
    return int(text)


def _required(value: int | None, name: str) -> int:
    if value is None:
        raise Problem(400, "bad-parameter", "Bad parameter", f"the parameter {name} is required")
    return value


def create_app(
    folder: Path | str,
    *,
    static_dir: Path | str | None = None,
    rate: RateLimit = DEFAULT_RATE,
    max_body: int | None = None,
    rate_clock: Callable[[], float] | None = None,
) -> Starlette:
    """Gives back the app serving the referendum in the election folder.

    static_dir: the built web pages (default: the package's static folder). rate: the
    per-credential limit on casts and challenges. max_body: the request body limit in
    bytes (default: from the manifest, limits.default_body_limit). rate_clock: seconds
    for the rate limit (tests inject one). The folder is opened (its board replayed)
    here, so a wrong folder fails before the server listens.
    """
    folder = Path(folder)
    redact_access_log()
    service = Service(folder)
    try:
        limiter = (
            RateLimiter(folder, rate)
            if rate_clock is None
            else RateLimiter(folder, rate, clock=rate_clock)
        )
    except BaseException:
        service.close()
        raise
    body_limit = max_body if max_body is not None else default_body_limit(service.manifest)
    casting = Casting(service, limiter, body_limit)
    messages = Messages(service)
    reads = BulkReads()
    pages = Pages(Path(static_dir) if static_dir is not None else None)
    try:
        _check_booth(service.manifest.booth, pages.folder)
    except BaseException:
        limiter.close()
        service.close()
        raise
    document = openapi_document(service.manifest)

    async def election(_: Request) -> Response:
        return JSONResponse(await run_in_threadpool(service.info))

    async def manifest(_: Request) -> Response:
        return Response(service.manifest.canonical, media_type="application/json")

    async def credential(request: Request) -> Response:
        text: str = request.path_params["credential"]
        return JSONResponse(await run_in_threadpool(service.credential, text))

    async def receipt(request: Request) -> Response:
        code: str = request.path_params["code"]
        return JSONResponse(await run_in_threadpool(service.lookup, code))

    async def checkpoint(request: Request) -> Response:
        size = _number(request, "size", None)
        return JSONResponse(await run_in_threadpool(service.checkpoint, size))

    async def cosigned(request: Request) -> Response:
        start = _required(_number(request, "from", 0), "from")
        latest = _number(request, "latest", 0)
        if latest not in (0, 1):
            raise Problem(400, "bad-parameter", "Bad parameter", "latest: want 0 or 1")
        return JSONResponse(await run_in_threadpool(service.cosigned, start, latest == 1))

    async def entries(request: Request) -> Response:
        start = _required(_number(request, "start", 0), "start")
        limit = _required(_number(request, "limit", 100), "limit")
        if not 1 <= limit <= MAX_ENTRIES:
            raise Problem(
                400,
                "bad-parameter",
                "Bad parameter",
                f"limit={limit}: want 1 to {MAX_ENTRIES} entries",
            )
        async with reads.turn():
            return JSONResponse(await run_in_threadpool(service.entries, start, limit))

    async def inclusion(request: Request) -> Response:
        index = _required(_number(request, "index", None), "index")
        size = _number(request, "size", None)
        return JSONResponse(await run_in_threadpool(service.inclusion, index, size))

    async def consistency(request: Request) -> Response:
        first = _required(_number(request, "first", None), "first")
        second = _number(request, "second", None)
        return JSONResponse(await run_in_threadpool(service.consistency, first, second))

    async def results(_: Request) -> Response:
        return JSONResponse(await run_in_threadpool(service.results))

    async def record(_: Request) -> Response:
        async with reads.turn():
            name, handle = await run_in_threadpool(service.record_zip)
        return StreamingResponse(
            stream(handle),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    async def openapi(_: Request) -> Response:
        return JSONResponse(document)

    routes = [
        Route("/api/election", election, methods=["GET"]),
        Route("/api/manifest", manifest, methods=["GET"]),
        Route("/api/credentials/{credential}", credential, methods=["GET"]),
        Route("/api/ballots", casting.ballot, methods=["POST"]),
        Route("/api/challenges", casting.challenge, methods=["POST"]),
        Route("/api/receipts/{code}", receipt, methods=["GET"]),
        Route("/api/board/checkpoint", checkpoint, methods=["GET"]),
        Route("/api/board/cosigned", cosigned, methods=["GET"]),
        Route("/api/board/messages", messages.message, methods=["POST"]),
        Route("/api/board/cosignatures", messages.cosignature, methods=["POST"]),
        Route("/api/board/entries", entries, methods=["GET"]),
        Route("/api/board/inclusion", inclusion, methods=["GET"]),
        Route("/api/board/consistency", consistency, methods=["GET"]),
        Route("/api/results", results, methods=["GET"]),
        Route("/api/record", record, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/", pages.page, methods=["GET"]),
        Route("/explorer", pages.page, methods=["GET"]),
        Route("/results", pages.page, methods=["GET"]),
        Route("/index.html", pages.page, methods=["GET"]),
        Route("/explorer.html", pages.page, methods=["GET"]),
        Route("/results.html", pages.page, methods=["GET"]),
        Route("/build.json", pages.listing, methods=["GET"]),
        Route("/assets/{name:path}", pages.asset, methods=["GET"]),
    ]

    def close() -> None:
        limiter.close()
        service.close()

    # No lifespan closes these: test clients enter and leave an app's lifespan once per
    # request; whoever made the app calls app.state.close() (serve.py does on exit).
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders), Middleware(_PublicCors)],
        exception_handlers=exception_handlers(),
    )
    app.router.redirect_slashes = False
    app.state.service = service
    app.state.rate = limiter
    app.state.body_limit = body_limit
    app.state.reads = reads
    app.state.close = close
    return app


def _exit_with_parent() -> None:
    """Stops this worker (SIGTERM to itself: a clean shutdown) once the supervisor that
    started it is gone, even if it was killed with SIGKILL, so no orphan keeps the port."""
    # The supervisor's pid as it said it, not getppid() now: a worker started just after
    # its supervisor died would take its new parent (init) for the supervisor.
    parent = int(os.environ.get(SUPERVISOR_VARIABLE) or os.getppid())

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class _RedactAccessLog(logging.Filter):
    """Keeps credential keys and tracking codes out of the access log: with the client's
    address beside them, they would say who looked up which ballot."""

    _PATH = re.compile(r"(/api/(?:credentials|receipts)/)[^\s?\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                self._PATH.sub(r"\1…", a) if isinstance(a, str) else a for a in record.args
            )
        return True


def redact_access_log() -> None:
    """Installs _RedactAccessLog on uvicorn's access logger, once per process."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _RedactAccessLog) for f in logger.filters):
        logger.addFilter(_RedactAccessLog())


def app_from_environment() -> Starlette:
    """Gives back create_app for the folder named by REFERENDUM_ELECTION (the app factory
    each `referendum serve --workers N` worker process calls)."""
    folder = os.environ.get(ELECTION_VARIABLE)
    if not folder:
        raise RuntimeError(f"{ELECTION_VARIABLE} is not set: it names the election folder")
    _exit_with_parent()
    rate = os.environ.get(RATE_VARIABLE)
    return create_app(
        folder,
        static_dir=os.environ.get(STATIC_VARIABLE) or None,
        rate=parse_rate(rate) if rate else DEFAULT_RATE,
    )
