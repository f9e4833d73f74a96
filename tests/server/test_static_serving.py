"""Serving the built pages: precompressed copies by Accept-Encoding, caching, ETags and 304.

The rules are in docs/operations.md 8.1, "Pages and caching". A made-up folder tests
each rule; the last tests read the real build (web/build.mjs) through the server.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_fixtures import TestClient

from referendum.server import create_app
from referendum.server.pages import DEFAULT_STATIC, IMMUTABLE, PRELOAD, REVALIDATE
from referendum.server.problems import MEDIA_TYPE

HASHED = "assets/booth-ABCDEFGH.js"
PAGE = b"<!doctype html><title>booth</title>"
SCRIPT = b"export const x = 1;\n"
#: The goal of docs/performance.md: the booth's JavaScript, compressed, under 60 KB.
BOOTH_JS_BUDGET = 60_000


def _write(folder: Path, name: str, body: bytes, *, br: bool = True, gz: bool = True) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    if br:  # the server never decodes a copy: a marker tells which file was sent
        (folder / f"{name}.br").write_bytes(b"brotli copy of " + body)
    if gz:
        (folder / f"{name}.gz").write_bytes(gzip.compress(body, mtime=0))


@pytest.fixture
def static(tmp_path: Path) -> Path:
    folder = tmp_path / "static"
    _write(folder, "index.html", PAGE)
    _write(folder, "explorer.html", b"<!doctype html><title>explorer</title>", br=False)
    _write(folder, "results.html", b"<!doctype html><title>results</title>", br=False, gz=False)
    _write(folder, HASHED, SCRIPT)
    _write(folder, "assets/plain.js", SCRIPT, br=False, gz=False)
    _write(folder, "assets/style-ABCD2345.css", b"body { color: black; }\n")
    return folder


@pytest.fixture
def client(sqlite_folder: Path, static: Path) -> Iterator[TestClient]:
    app = create_app(sqlite_folder, static_dir=static)
    with TestClient(app) as c:
        yield c
    app.state.close()


def _raw(client: TestClient, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """Gives back (status, headers, body as sent, not decoded)."""
    with client.stream("GET", path, headers=headers) as r:
        return r.status_code, dict(r.headers), b"".join(r.iter_raw())


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("br", "br"),
        ("gzip", "gzip"),
        ("gzip, deflate, br, zstd", "br"),  # Chromium's header
        ("BR;Q=1", "br"),
        ("br;q=0, gzip", "gzip"),
        ("br;q=0.000, gzip;q=0.5", "gzip"),
        ("x-gzip", "gzip"),
        ("*", "br"),
        ("*, br;q=0", "gzip"),
        ("*;q=0", None),
        ("identity", None),
        ("deflate", None),
        ("", None),
        ("br;q=2, gzip;q=-1", None),  # weights outside 0..1 refuse, never fail
        ("br;q=abc, gzip;q=0.1234", None),
        (",,;;=, ;q=", None),
    ],
)
def test_accept_encoding_chooses_the_copy(client: TestClient, accept: str, coding: str) -> None:
    status, headers, body = _raw(client, "/", **{"Accept-Encoding": accept})
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["vary"] == "Accept-Encoding"
    assert headers.get("content-encoding") == coding
    expected = {"br": b"brotli copy of " + PAGE, "gzip": gzip.compress(PAGE, mtime=0), None: PAGE}
    assert body == expected[coding]
    assert headers["content-length"] == str(len(body))


def test_a_missing_copy_falls_back_to_the_next(client: TestClient) -> None:
    _, headers, body = _raw(client, "/explorer", **{"Accept-Encoding": "br, gzip"})
    assert headers["content-encoding"] == "gzip"  # explorer.html has no .br
    assert gzip.decompress(body).startswith(b"<!doctype html><title>explorer")
    _, headers, body = _raw(client, "/results", **{"Accept-Encoding": "br, gzip"})
    assert "content-encoding" not in headers  # results.html has neither
    assert body.startswith(b"<!doctype html><title>results")


def test_hashed_assets_are_immutable_everything_else_is_revalidated(client: TestClient) -> None:
    for path in [f"/{HASHED}", "/assets/style-ABCD2345.css"]:
        _, headers, _ = _raw(client, path, **{"Accept-Encoding": "br"})
        assert headers["cache-control"] == IMMUTABLE == "public, max-age=31536000, immutable"
        assert headers["content-encoding"] == "br"
    _, headers, _ = _raw(client, "/assets/style-ABCD2345.css")
    assert headers["content-type"] == "text/css; charset=utf-8"
    for path in ["/", "/explorer", "/results", "/assets/plain.js"]:
        _, headers, _ = _raw(client, path)
        assert headers["cache-control"] == REVALIDATE == "no-cache"
        assert re.fullmatch(r'"[0-9a-f]{32}"', headers["etag"])
    _, headers, _ = _raw(client, "/assets/plain.js")
    assert headers["content-type"] == "text/javascript; charset=utf-8"


def test_pages_name_the_api_answers_they_load_first_assets_do_not(client: TestClient) -> None:
    expected = (
        "</api/manifest>; rel=preload; as=fetch; crossorigin, "
        "</api/election>; rel=preload; as=fetch; crossorigin"
    )
    assert expected == PRELOAD
    for path in ["/", "/explorer", "/results"]:
        assert client.get(path).headers["link"] == expected
    for path in [f"/{HASHED}", "/assets/plain.js"]:
        assert "link" not in client.get(path).headers
    # The preloaded answers are there to be taken.
    assert client.get("/api/manifest").status_code == 200
    assert client.get("/api/election").status_code == 200


@pytest.mark.parametrize("name", ["booth-abcdefgh.js", "booth-ABCDEFG.js", "booth-ABCDEFG1.js"])
def test_a_name_without_the_hash_pattern_is_not_immutable(
    static: Path, client: TestClient, name: str
) -> None:
    (static / "assets" / name).write_bytes(SCRIPT)
    _, headers, _ = _raw(client, f"/assets/{name}")
    assert headers["cache-control"] == REVALIDATE


def test_if_none_match_answers_304(client: TestClient, static: Path) -> None:
    status, headers, _ = _raw(client, "/", **{"Accept-Encoding": "gzip"})
    tag = headers["etag"]
    for none_match in [tag, f"W/{tag}", f'"other", {tag}', "*"]:
        status, again, body = _raw(
            client, "/", **{"Accept-Encoding": "gzip", "If-None-Match": none_match}
        )
        assert status == 304, none_match
        assert body == b""
        assert again["etag"] == tag
        assert again["cache-control"] == "no-cache"
        assert again["vary"] == "Accept-Encoding"
        assert again["x-content-type-options"] == "nosniff"
        assert "content-encoding" not in again and "link" not in again
    for none_match in ['"other"', tag[1:-1], "", "W/", tag + "x"]:
        status, _, body = _raw(
            client, "/", **{"Accept-Encoding": "gzip", "If-None-Match": none_match}
        )
        assert status == 200, none_match
        assert gzip.decompress(body) == PAGE


def test_each_coding_has_its_own_etag_and_a_changed_file_a_new_one(
    client: TestClient, static: Path
) -> None:
    tags = {
        coding: _raw(client, "/", **{"Accept-Encoding": coding})[1]["etag"]
        for coding in ["br", "gzip", "identity"]
    }
    assert len(set(tags.values())) == 3
    # The identity tag does not validate the brotli answer.
    status, _, _ = _raw(client, "/", **{"Accept-Encoding": "br", "If-None-Match": tags["identity"]})
    assert status == 200
    (static / "index.html").write_bytes(PAGE + b"<p>rebuilt</p>")
    status, headers, body = _raw(
        client, "/", **{"Accept-Encoding": "identity", "If-None-Match": tags["identity"]}
    )
    assert status == 200
    assert body.endswith(b"<p>rebuilt</p>")
    assert headers["etag"] != tags["identity"]


@pytest.mark.parametrize("path", [f"/{HASHED}.br", f"/{HASHED}.gz", "/assets/missing-ABCDEFGH.js"])
def test_compressed_copies_are_not_served_by_name(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"] == MEDIA_TYPE
    assert "no asset" in r.json()["detail"]


# ---------------------------------------------------------------------------------------
# The real build


@pytest.fixture
def built(sqlite_folder: Path) -> Iterator[tuple[TestClient, dict[str, object]]]:
    listing = DEFAULT_STATIC / "build.json"
    if not listing.is_file():
        raise AssertionError(f"no {listing}: build the pages first (make web)")
    app = create_app(sqlite_folder, static_dir=DEFAULT_STATIC)
    with TestClient(app) as c:
        yield c, json.loads(listing.read_text())
    app.state.close()


def test_the_built_pages_reference_hashed_assets_sent_compressed(
    built: tuple[TestClient, dict[str, object]],
) -> None:
    client, build = built
    files = build["files"]
    assert isinstance(files, dict)
    for path, name in [
        ("/", "index.html"),
        ("/explorer", "explorer.html"),
        ("/results", "results.html"),
    ]:
        _, headers, html = _raw(client, path, **{"Accept-Encoding": "identity"})
        assert html == (DEFAULT_STATIC / name).read_bytes()
        _, headers, body = _raw(client, path, **{"Accept-Encoding": "gzip, deflate, br"})
        assert headers["content-encoding"] == "br"
        assert body == (DEFAULT_STATIC / f"{name}.br").read_bytes()
        assert headers["cache-control"] == "no-cache"
        references = re.findall(r'(?:src|href)="/(assets/[^"]+)"', html.decode())
        assert references, name
        scripts = re.findall(r'<script type="module" src="/(assets/[^"]+)"', html.decode())
        preloads = re.findall(r'<link rel="modulepreload" href="/(assets/[^"]+)"', html.decode())
        assert len(scripts) == 1 and preloads, name  # the page's script, then its chunks
        for asset in references:
            assert re.fullmatch(r"assets/[a-z0-9-]+-[A-Z2-7]{8}\.(js|css|svg)", asset), asset
            assert asset in files, asset
            _, headers, body = _raw(client, f"/{asset}", **{"Accept-Encoding": "br"})
            assert headers["cache-control"] == IMMUTABLE
            assert headers["content-encoding"] == "br"
            assert body == (DEFAULT_STATIC / f"{asset}.br").read_bytes()
        if name == "index.html":
            booth = sum(len((DEFAULT_STATIC / f"{a}.br").read_bytes()) for a in scripts + preloads)
            assert booth < BOOTH_JS_BUDGET, f"the booth's JavaScript is {booth} bytes compressed"
