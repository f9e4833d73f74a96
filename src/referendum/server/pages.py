"""The web pages (booth, explorer, results) and the security headers every answer carries.

The pages are built from web/ into a static folder (`make install` runs the build):
index.html, explorer.html, results.html and assets/. Without a build, the page routes
answer a 404 problem that says how to build them; the API works either way.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from referendum.server.problems import Problem

__all__ = ["DEFAULT_STATIC", "SECURITY_HEADERS", "Pages", "SecurityHeaders"]

DEFAULT_STATIC = Path(__file__).with_name("static")

#: Scripts, styles, images and connections from this origin only; no inline script, no
#: framing (the booth must not be overlaid by another site), no <base> rewriting.
CSP = "default-src 'self'; base-uri 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
_HEADERS = SECURITY_HEADERS
_ASSET_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")
_PAGES = {"/": "index.html", "/explorer": "explorer.html", "/results": "results.html"}


class SecurityHeaders:
    """ASGI middleware: adds the security headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k not in dict(_HEADERS)]
                message["headers"] = headers + _HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Pages:
    """The page endpoints over a static folder (built or not)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = Path(folder) if folder is not None else DEFAULT_STATIC
        self._assets = StaticFiles(directory=self.folder / "assets", check_dir=False)

    def _built(self) -> None:
        if not (self.folder / "index.html").is_file():
            raise Problem(
                404,
                "web-pages-not-built",
                "Web pages not built",
                f"web pages not built: run make install (no index.html in {self.folder})",
            )

    async def page(self, request: Request) -> Response:
        self._built()
        path = self.folder / _PAGES[request.url.path]
        if not path.is_file():
            raise Problem(404, "not-found", "Not found", f"no page {request.url.path}")
        return FileResponse(path, media_type="text/html", headers={"Cache-Control": "no-cache"})

    async def asset(self, request: Request) -> Response:
        self._built()
        name: str = request.path_params["name"]
        if len(name) > 200 or _ASSET_NAME.fullmatch(name) is None:  # no "..", no odd bytes
            raise Problem(404, "not-found", "Not found", f"no asset {name[:80]!r}")
        return await self._assets.get_response(name, request.scope)
