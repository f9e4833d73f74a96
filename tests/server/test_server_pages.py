"""The web pages: served from a built static folder, or a 404 problem saying how to build."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from server_fixtures import TestClient

from referendum.server import create_app
from referendum.server.problems import MEDIA_TYPE, TYPE_BASE

PAGES = {"/": "index.html", "/explorer": "explorer.html", "/results": "results.html"}


@pytest.fixture
def static(tmp_path: Path) -> Path:
    folder = tmp_path / "static"
    (folder / "assets").mkdir(parents=True)
    for name in PAGES.values():
        (folder / name).write_text(
            f'<!doctype html><title>{name}</title><script type="module" src="/assets/booth.js">'
            "</script>"
        )
    (folder / "assets" / "booth.js").write_text("export const x = 1;\n")
    (folder / "assets" / "style.css").write_text("body { color: black; }\n")
    return folder


@pytest.fixture
def client(sqlite_folder: Path, static: Path) -> Iterator[TestClient]:
    app = create_app(sqlite_folder, static_dir=static)
    with TestClient(app) as c:
        yield c
    app.state.close()


def _secure(r: object) -> None:
    headers = r.headers  # type: ignore[attr-defined]
    assert headers["content-security-policy"].split(";")[0] == "default-src 'self'"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_the_pages_and_assets_are_served_with_security_headers(client: TestClient) -> None:
    for path, name in PAGES.items():
        r = client.get(path)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/html")
        assert f"<title>{name}</title>" in r.text
        _secure(r)
    r = client.get("/explorer?code=ABCD-0000-0000-0000-0000")
    assert r.status_code == 200
    r = client.get("/assets/booth.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    _secure(r)
    assert client.get("/assets/style.css").headers["content-type"].startswith("text/css")


@pytest.mark.parametrize(
    "path", ["/assets/missing.js", "/assets/../secret.html", "/assets/.hidden", "/assets/a%00b"]
)
def test_missing_or_odd_assets_are_404_problems(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"] == MEDIA_TYPE


def test_pages_not_built(sqlite_folder: Path, tmp_path: Path) -> None:
    app = create_app(sqlite_folder, static_dir=tmp_path / "empty")
    with TestClient(app) as client:
        for path in [*PAGES, "/assets/booth.js"]:
            r = client.get(path)
            assert r.status_code == 404
            body = r.json()
            assert body["type"] == TYPE_BASE + "web-pages-not-built"
            assert "run make install" in body["detail"]
        assert client.get("/api/election").status_code == 200  # the API works regardless
    app.state.close()
