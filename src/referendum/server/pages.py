"""The web pages (booth, explorer, results) and the security headers every answer carries.

The pages are built from web/ into a static folder (`make install` runs web/build.mjs):
index.html, explorer.html, results.html, assets/ and build.json. Without a build, the page
routes answer a 404 problem that says how to build them; the API works either way.

How a page or an asset is served (its brotli or gzip copy by Accept-Encoding; a year of
caching for assets named after their content; no-cache, an ETag and 304 for the rest; a
Link header on pages that preloads /api/manifest and /api/election, the two answers every
page asks for first: loadElection in web/src/pages/common.js) is stated in
docs/operations.md 8.1, "Pages and caching".
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from referendum.server.problems import Problem

__all__ = [
    "DEFAULT_STATIC",
    "IMMUTABLE",
    "LISTING",
    "PRELOAD",
    "REVALIDATE",
    "SECURITY_HEADERS",
    "Pages",
    "SecurityHeaders",
]

DEFAULT_STATIC = Path(__file__).with_name("static")

#: Scripts, styles, images and connections from this origin only; no inline script, no
#: framing (the booth must not be overlaid by another site), no <base> rewriting.
CSP = "default-src 'self'; base-uri 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
#: Cache-Control of an asset named after its content, and of everything else.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
_HEADERS = SECURITY_HEADERS
_ASSET_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")
_HASHED = re.compile(r".*-[A-Z2-7]{8}\.[a-z0-9]+")
_PAGES = {"/": "index.html", "/explorer": "explorer.html", "/results": "results.html"}
#: Every file of the build is also served at its own path, so that a check (referendum
#: booth check, the booth's own: protocol.md 16.6) reads the build the way it reads a copy
#: on any static web server.
_PAGES.update({f"/{name}": name for name in set(_PAGES.values())})
LISTING = "build.json"
#: `crossorigin` makes the preload's credentials mode that of the pages' fetch()
#: (same-origin), so that the fetch takes the preloaded answer.
PRELOAD = ", ".join(
    f"<{path}>; rel=preload; as=fetch; crossorigin" for path in ("/api/manifest", "/api/election")
)
#: The precompressed copies, in the order the server prefers them: (coding, suffix).
_CODINGS = (("br", ".br"), ("gzip", ".gz"))
_QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}


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


@dataclass(frozen=True)
class _File:
    """One file's bytes as read, and the ETag naming them."""

    key: tuple[int, int, int]  # (inode, size, mtime_ns): a changed file is read again
    body: bytes
    etag: str


def _weights(header: str) -> dict[str, float]:
    """Gives back the content codings an Accept-Encoding value lists, with their weights.

    Names are lower-cased; a part with a malformed weight counts as weight 0 (refused),
    so a bad header can only make the answer plainer, never fail it.
    """
    weights: dict[str, float] = {}
    for part in header.split(","):
        name, _, params = part.partition(";")
        name = name.strip().lower()
        if not name:
            continue
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                value = value.strip()
                weight = float(value) if _QVALUE.fullmatch(value) else 0.0
        weights[name] = weight
    return weights


def _acceptable(header: str | None) -> list[tuple[str, str]]:
    """Gives back the (coding, suffix) pairs of _CODINGS the request accepts, in order."""
    if not header:
        return []  # no Accept-Encoding: the file itself (RFC 9110 12.5.3 allows any)
    weights = _weights(header)
    found = []
    for coding, suffix in _CODINGS:
        aliases = (coding, "x-gzip") if coding == "gzip" else (coding,)
        named = [weights[a] for a in aliases if a in weights]
        if (max(named) if named else weights.get("*", 0.0)) > 0:
            found.append((coding, suffix))
    return found


def _none_match(header: str, etag: str) -> bool:
    """Tells whether an If-None-Match value names etag (weak comparison, RFC 9110 13.1.2)."""
    if header.strip() == "*":
        return True
    tags = (t.strip() for t in header.split(","))
    return any((t[2:] if t.startswith("W/") else t) == etag for t in tags)


def _media_type(name: str) -> str:
    suffix = os.path.splitext(name)[1].lower()
    return _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


class Pages:
    """The page endpoints over a static folder (built or not)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = Path(folder) if folder is not None else DEFAULT_STATIC
        self._files: dict[Path, _File] = {}

    def _built(self) -> None:
        if not (self.folder / "index.html").is_file():
            raise Problem(
                404,
                "web-pages-not-built",
                "Web pages not built",
                f"web pages not built: run make install (no index.html in {self.folder})",
            )

    def _read(self, path: Path) -> _File | None:
        """Gives back the file at path (read again only when it changed), or None."""
        try:
            st = path.stat()
        except OSError:
            return None
        if not path.is_file():
            return None
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
        known = self._files.get(path)
        if known is not None and known.key == key:
            return known
        try:
            body = path.read_bytes()
        except OSError:
            return None
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        self._files[path] = _File(key, body, etag)
        return self._files[path]

    def _serve(
        self, request: Request, name: str, cache_control: str, link: str | None = None
    ) -> Response | None:
        """Gives back the answer for the file name under the folder, or None if none."""
        coding, file = None, None
        for accepted, suffix in _acceptable(request.headers.get("accept-encoding")):
            if (file := self._read(self.folder / (name + suffix))) is not None:
                coding = accepted
                break
        if file is None:
            file = self._read(self.folder / name)
        if file is None:
            return None
        headers = {"Cache-Control": cache_control, "ETag": file.etag, "Vary": "Accept-Encoding"}
        none_match = request.headers.get("if-none-match")
        if none_match is not None and _none_match(none_match, file.etag):
            return Response(status_code=304, headers=headers)  # RFC 9110 15.4.5: no more
        if coding is not None:
            headers["Content-Encoding"] = coding
        if link is not None:
            headers["Link"] = link
        return Response(file.body, media_type=_media_type(name), headers=headers)

    async def page(self, request: Request) -> Response:
        self._built()
        answer = self._serve(request, _PAGES[request.url.path], REVALIDATE, PRELOAD)
        if answer is None:
            raise Problem(404, "not-found", "Not found", f"no page {request.url.path}")
        return answer

    async def listing(self, request: Request) -> Response:
        """build.json: the build's files, their sizes and SHA-256 (protocol.md 16.6)."""
        self._built()
        answer = self._serve(request, LISTING, REVALIDATE)
        if answer is None:
            raise Problem(404, "not-found", "Not found", f"no {LISTING} in {self.folder}")
        return answer

    async def asset(self, request: Request) -> Response:
        self._built()
        name: str = request.path_params["name"]
        answer = None
        # No "..", no odd bytes; the compressed copies only through Accept-Encoding.
        if len(name) <= 200 and _ASSET_NAME.fullmatch(name) and not name.endswith((".br", ".gz")):
            immutable = _HASHED.fullmatch(name.rsplit("/", 1)[-1]) is not None
            answer = self._serve(request, "assets/" + name, IMMUTABLE if immutable else REVALIDATE)
        if answer is None:
            raise Problem(404, "not-found", "Not found", f"no asset {name[:80]!r}")
        return answer
