"""The booth hash: which web booth a manifest names, and whether a server serves it.

The booth hash (docs/protocol.md 16.6) is the SHA-256 of the build's *listing*: one line
`<SHA-256 of the file, hex>  <path>\\n` per file of the build (web/build.mjs) except
`build.json`, the precompressed `.br` and `.gz` copies included, in byte order of the
paths. It is the output of `sha256sum` over those files, so coreutils alone recompute
it. The manifest names it in its optional member `booth` as `sha256:<64 hex digits>`.

`folder_hash` computes it from a build on disk; `check_server` fetches every file of the
build from a running server, as a browser would get it, and recomputes it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from referendum.errors import VerificationError

__all__ = [
    "BoothError",
    "BoothMismatch",
    "ServedBooth",
    "check_server",
    "folder_hash",
    "listing_hash",
    "parse_booth_hash",
]

_BOOTH = re.compile(r"sha256:([0-9a-f]{64})")
_PATH = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")
#: The pages' own addresses on the casting service (besides their file names).
_ROUTES = {"index.html": "/", "explorer.html": "/explorer", "results.html": "/results"}
#: What each listed file is, as fetched: the plain file, or a coding of it.
_CODINGS = {".br": "br", ".gz": "gzip"}
_LISTING = "build.json"


class BoothError(ValueError):
    """A booth hash, a build folder or a server's answer cannot be read."""


class BoothMismatch(VerificationError):
    """The files served (or on disk) are not the booth the manifest names."""


def parse_booth_hash(text: object, where: str = "booth") -> str:
    """Gives back the 64 hex digits of a booth hash `sha256:<hex>`; BoothError otherwise."""
    if not isinstance(text, str) or (found := _BOOTH.fullmatch(text)) is None:
        raise BoothError(f"{where}: {str(text)[:80]!r} is not sha256: and 64 lowercase hex digits")
    return found.group(1)


def listing_hash(digests: Mapping[str, bytes]) -> str:
    """Gives back `sha256:<hex>` of the listing of {path: SHA-256 digest} (16.6)."""
    lines = b"".join(
        digests[name].hex().encode() + b"  " + name.encode() + b"\n"
        for name in sorted(digests, key=lambda n: n.encode())
    )
    return "sha256:" + hashlib.sha256(lines).hexdigest()


def _build_files(folder: Path) -> Iterator[tuple[str, Path]]:
    for file in sorted(folder.rglob("*")):
        if file.is_file():
            name = file.relative_to(folder).as_posix()
            if name != _LISTING:
                yield name, file


def folder_hash(folder: Path) -> str:
    """Gives back the booth hash of the build in folder (every file but build.json)."""
    folder = Path(folder)
    if not (folder / "index.html").is_file():
        raise BoothError(f"{folder}: no index.html: not a built booth (run make web)")
    return listing_hash(
        {name: hashlib.sha256(f.read_bytes()).digest() for name, f in _build_files(folder)}
    )


@dataclass(frozen=True)
class ServedBooth:
    """What check_server found: the hash of the files served and how many were fetched."""

    booth: str
    files: int
    requests: int


def _listed(client: httpx.Client) -> dict[str, str]:
    """Gives back {path: sha256 hex} from the server's build.json (only the names count)."""
    answer = client.get("/" + _LISTING)
    if answer.status_code != 200:
        raise BoothError(f"GET /{_LISTING}: HTTP {answer.status_code}: the server lists no booth")
    try:
        files = json.loads(answer.content)["files"]
        listed = {str(k): str(v["sha256"]) for k, v in files.items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BoothError(f"GET /{_LISTING}: not a build listing ({exc})") from None
    for name in listed:
        if _PATH.fullmatch(name) is None or name == _LISTING:
            raise BoothError(f"GET /{_LISTING}: bad file name {name[:80]!r}")
    return listed


def _fetch(client: httpx.Client, path: str, coding: str) -> tuple[bytes, str]:
    """Gives back the body as sent (not decoded) and its Content-Encoding."""
    with client.stream("GET", path, headers={"Accept-Encoding": coding}) as answer:
        body = b"".join(answer.iter_raw())
        if answer.status_code != 200:
            raise BoothMismatch(f"{path} (Accept-Encoding: {coding}): HTTP {answer.status_code}")
        return body, answer.headers.get("content-encoding", "identity").lower()


def check_server(
    url: str,
    want: str,
    *,
    client: httpx.Client | None = None,
    timeout: float = 30.0,
    say: Callable[[str], None] | None = None,
    routes: bool = True,
) -> ServedBooth:
    """Gives back what the server at url serves if it is the booth want (`sha256:<hex>`).

    Every file the server's build.json names is fetched at its path, each page also at its
    route (/, /explorer, /results) unless routes is False (a copy on a plain web server),
    a plain file with Accept-Encoding: identity and its .br/.gz copy with br/gzip, and
    compared with the listing; a file that differs from the listing, or a listing whose
    hash is not want, raises BoothMismatch naming it. A .br/.gz copy the server does not
    have is sent plain (a plain web server has no such copies): that is no mismatch, since
    the browser then gets the plain file, checked on its own line.
    """
    parse_booth_hash(want, "the manifest's booth")
    own = client is None
    http = client or httpx.Client(base_url=url, timeout=timeout, follow_redirects=False)
    try:
        listed = _listed(http)
        served = listing_hash({name: bytes.fromhex(digest) for name, digest in listed.items()})
        if served != want:
            raise BoothMismatch(
                f"the server's build.json lists the booth {served}, the manifest names {want}"
            )
        requests = 0
        for name in sorted(listed, key=lambda n: n.encode()):
            plain, dot, suffix = name.rpartition(".")
            coding = _CODINGS.get(dot + suffix, "identity")
            base = plain if coding != "identity" else name
            pretty = [_ROUTES[base]] if routes and base in _ROUTES else []
            for path in ["/" + base, *pretty]:
                body, sent = _fetch(http, path, coding)
                requests += 1
                if sent == "identity" and coding != "identity" and not routes:
                    continue
                if sent != coding:
                    raise BoothMismatch(
                        f"{name}: {path} with Accept-Encoding: {coding} came as {sent}"
                    )
                if hashlib.sha256(body).hexdigest() != listed[name]:
                    asked = "" if coding == "identity" else f" (Accept-Encoding: {coding})"
                    raise BoothMismatch(
                        f"{name}: {path}{asked} serves other bytes than the booth lists"
                        f" (SHA-256 {hashlib.sha256(body).hexdigest()[:16]}…,"
                        f" listed {listed[name][:16]}…)"
                    )
            if say is not None:
                say(f"{name}: ok")
        return ServedBooth(served, len(listed), requests)
    except httpx.HTTPError as exc:
        raise BoothError(f"{url}: {exc}") from None
    finally:
        if own:
            http.close()
