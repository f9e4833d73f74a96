"""Error answers: RFC 9457 problem documents, and the handlers that make every error one.

Every refusal is a Problem raised anywhere below an endpoint; the handlers turn it (and
Starlette's own 404 and 405, and anything unexpected) into
`application/problem+json` with `type`, `title`, `status` and `detail`. A client's
mistake is always a 4xx: a 5xx means the server or its store failed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

__all__ = [
    "MEDIA_TYPE",
    "TYPE_BASE",
    "Problem",
    "exception_handlers",
    "problem_response",
]

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://referendum.invalid/problems/"

_log = logging.getLogger("referendum.server")

#: Titles of the HTTP errors Starlette raises itself (unknown route, method, ...).
_HTTP_TITLES = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
    415: "Unsupported media type",
}


class Problem(Exception):
    """A refused request: the HTTP status, a slug naming the problem type, a short title
    and one sentence of detail that names what is wrong (field, value, rule)."""

    def __init__(
        self,
        status: int,
        slug: str | None,
        title: str,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.headers = dict(headers or {})

    def to_json(self) -> dict[str, Any]:
        return {
            "type": TYPE_BASE + self.slug if self.slug else "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }


def problem_response(problem: Problem) -> Response:
    """Gives back the problem+json response of problem."""
    body = json.dumps(problem.to_json(), ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, problem.status, headers=problem.headers, media_type=MEDIA_TYPE)


async def _on_problem(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return problem_response(exc)


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status == 404:
        detail = f"no such page or API endpoint: {request.url.path}"
    elif status == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        detail = f"{request.method} is not allowed on {request.url.path} (allowed: {allowed})"
    else:
        detail = exc.detail or _HTTP_TITLES.get(status, "HTTP error")
    title = _HTTP_TITLES.get(status, "HTTP error")
    return problem_response(Problem(status, None, title, detail, headers=exc.headers))


async def _on_error(request: Request, exc: Exception) -> Response:
    _log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        Problem(
            500,
            "internal-error",
            "Internal server error",
            "the server failed on this request; nothing was appended to the board",
        )
    )


def exception_handlers() -> dict[Any, Any]:
    """Gives back the handlers for Starlette(exception_handlers=...)."""
    return {Problem: _on_problem, HTTPException: _on_http, Exception: _on_error}
