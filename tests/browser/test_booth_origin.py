"""A booth taken from elsewhere (protocol.md 16.6), in real Chromium.

The board is a real `referendum serve` whose manifest names the booth it serves. Copies of
the same build are served by plain `python -m http.server` processes on other ports (other
origins), as another party's web site would serve them: the copy votes on the board
across origins; a copy with a changed script is refused by Subresource Integrity; a copy
with another changed file is told apart by the booth's own check.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from browser_fixtures import OPTIONS, fill_codes
from playwright.sync_api import Page

from referendum.booth import folder_hash
from referendum.server.demo import DemoElection, prepare_demo
from referendum.server.pages import DEFAULT_STATIC

SERVING = re.compile(r"port (\d+)")
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+/)")


@dataclass
class Origins:
    board: str
    demo: DemoElection
    booth: str
    copies: dict[str, str]  # name -> base URL of a copy served elsewhere
    codes: list[tuple[str, ...]]  # voters' codes, one per registrar
    static: Path  # the board's own pages


@contextmanager
def _process(command: list[str], pattern: re.Pattern[str], what: str) -> Iterator[str]:
    """Runs command until the with ends; gives back the first match of pattern it prints."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + 120
    found = None
    while found is None:
        line = process.stdout.readline()
        if not line or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"{what} did not start:\n" + "".join(seen))
        seen.append(line)
        found = pattern.search(line)
    drain = subprocess.Popen(["cat"], stdin=process.stdout, stdout=subprocess.DEVNULL)
    try:
        yield found.group(1)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        drain.kill()


def _copy(root: Path, name: str, change: str | None = None) -> Path:
    """A copy of the build; change names a file (a glob) whose bytes are altered."""
    folder = root / name
    shutil.copytree(DEFAULT_STATIC, folder)
    if change is not None:
        for path in [p for p in folder.glob(change) if p.suffix in (".js", ".html")]:
            path.write_bytes(path.read_bytes().replace(b"</", b"<!-- changed --></", 1) + b"\n")
            for compressed in (
                path.with_name(path.name + ".br"),
                path.with_name(path.name + ".gz"),
            ):
                compressed.unlink()
    return folder


@pytest.fixture(scope="module")
def origins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Origins]:
    if not (DEFAULT_STATIC / "index.html").is_file():
        raise AssertionError("the web pages are not built: run make web")
    root = tmp_path_factory.mktemp("origins")
    static = _copy(root, "board-static")
    booth = folder_hash(static)
    demo = prepare_demo(root / "demo", voters=8, booth=booth)
    serve = [sys.executable, "-m", "referendum.cli", "serve", "--election", str(demo.election)]
    serve += ["--static", str(static), "--port", "0"]
    folders = {
        "copy": _copy(root, "copy"),
        "script": _copy(root, "script", "assets/booth-*.js"),
        "page": _copy(root, "page", "explorer.html"),
    }
    with _process(serve, LISTENING, "serve") as board:
        copies: dict[str, str] = {}
        with (
            _process(_http(folders["copy"]), SERVING, "copy") as a,
            _process(_http(folders["script"]), SERVING, "script") as b,
            _process(_http(folders["page"]), SERVING, "page") as c,
        ):
            for name, port in zip(folders, (a, b, c), strict=True):
                copies[name] = f"http://127.0.0.1:{port}/"
            codes = [code for _, code in demo.codes[demo.voted :]]
            yield Origins(board, demo, booth, copies, codes, static)


def _http(folder: Path) -> list[str]:
    return [sys.executable, "-m", "http.server", "0", "--bind", "127.0.0.1", "-d", str(folder)]


def _open(page: Page, origins: Origins, copy: str, fp: str | None = None) -> None:
    fp = fp or origins.demo.fingerprint
    page.goto(f"{origins.copies[copy]}index.html?board={origins.board}&fp={fp}")


def test_a_copy_on_another_origin_casts_a_ballot_the_board_accepts(
    page: Page, origins: Origins
) -> None:
    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.url) if r.method == "POST" else None)
    _open(page, origins, "copy")
    page.wait_for_selector("main[data-state=code]")
    assert page.text_content("#fingerprint") == origins.demo.fingerprint
    fill_codes(page, origins.codes.pop())
    page.click("#credential-submit")
    page.wait_for_selector("main[data-state=choose]")
    page.get_by_label(OPTIONS["ukraine"], exact=True).check()
    page.click("#encrypt")
    page.wait_for_selector("main[data-state=review]")
    tracking = page.get_attribute("#tracking-code", "data-code")
    page.click("#cast")
    page.wait_for_selector("main[data-state=cast]")
    assert page.get_attribute("#receipt-status", "data-ok") == "true"
    assert posted == [origins.board + "api/ballots"]
    found = httpx.get(f"{origins.board}api/receipts/{tracking}", timeout=30)
    assert found.status_code == 200, found.text
    assert found.json()["kind"] == "ballot"
    # The copy's own files are the booth the manifest names.
    check = page.wait_for_selector("#booth-check[data-ok=true]")
    assert check is not None
    assert page.get_attribute("#booth-check", "data-booth") == origins.booth
    assert page.errors == []  # type: ignore[attr-defined]
    # The receipt's explorer link stays on the copy and keeps the board: it finds the ballot.
    copy, fp = origins.copies["copy"], origins.demo.fingerprint
    board = httpx.QueryParams({"board": origins.board, "fp": fp})
    explorer = f"{copy}explorer.html?{board}&code={tracking}"
    assert page.get_attribute("#explorer-link", "href") == explorer
    assert page.get_attribute("a[data-page=results]", "href") == f"/results.html?{board}"
    page.goto(explorer)
    page.wait_for_selector("#lookup-result[data-kind=ballot]")
    assert page.get_attribute("#lookup-checks", "data-ok") == "true"


def test_a_copy_with_a_changed_script_is_refused_by_integrity(page: Page, origins: Origins) -> None:
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    _open(page, origins, "script")
    page.wait_for_load_state("load")
    page.wait_for_timeout(1500)
    assert page.get_attribute("#main", "data-state") == "loading"
    assert page.is_hidden("#credential-code") or page.query_selector("#credential-code") is None
    refused = [m for m in console if "integrity" in m and "booth-" in m]
    assert refused, console


def test_a_copy_with_another_changed_file_is_told_apart_by_the_booths_own_check(
    page: Page, origins: Origins
) -> None:
    _open(page, origins, "page")
    page.wait_for_selector("main[data-state=code]")
    page.wait_for_selector("#booth-check[data-ok=false]")
    assert page.get_attribute("#booth-check", "data-reason") == "mismatch"
    assert page.get_attribute("#booth-check", "role") == "alert"
    assert page.eval_on_selector("#booth-check", "e => e.parentElement.id") == "main"
    text = page.text_content("#booth-check") or ""
    assert text.startswith("These pages are not the booth this referendum's definition names")
    assert origins.booth in text
    page.click("#lang-uk")
    assert "Ці сторінки — не та кабіна" in (page.text_content("#booth-check") or "")


def test_the_boards_own_pages_pass_the_booths_own_check(page: Page, origins: Origins) -> None:
    page.goto(origins.board)
    page.wait_for_selector("main[data-state=code]")
    page.wait_for_selector("#booth-check[data-ok=true]")
    assert page.text_content("#booth-check") == (
        "These pages are the booth this referendum's definition names (checked on this device)."
    )


def test_the_board_serving_a_changed_script_is_caught_by_integrity_and_its_page_by_the_check(
    page: Page, origins: Origins
) -> None:
    """The board's own files changed on its disk while it runs (it reads them again)."""
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    changed = [
        next((origins.static / "assets").glob("booth-*.js")),
        origins.static / "results.html",
    ]
    copies = [(p, p.with_name(p.name + ".br"), p.with_name(p.name + ".gz")) for p in changed]
    kept = {path: path.read_bytes() for paths in copies for path in paths}
    try:
        for path, br, gz in copies:
            path.write_bytes(path.read_bytes() + b"\n")
            br.unlink()  # else the browser, which takes br, gets the unchanged copy
            gz.unlink()
        page.goto(origins.board)
        page.wait_for_load_state("load")
        page.wait_for_timeout(1500)
        assert page.get_attribute("#main", "data-state") == "loading"
        assert [m for m in console if "integrity" in m and "booth-" in m], console
        page.goto(origins.board + "explorer")  # its script is unchanged, results.html is not
        page.wait_for_selector("#booth-check[data-ok=false]")
        assert page.get_attribute("#booth-check", "data-reason") == "mismatch"
    finally:
        for path, data in kept.items():
            path.write_bytes(data)
    page.goto(origins.board + "explorer")
    page.wait_for_selector("#booth-check[data-ok=true]")


def test_a_fingerprint_in_the_address_that_the_board_does_not_have_stops_the_booth(
    page: Page, origins: Origins
) -> None:
    _open(page, origins, "copy", fp="00" * 32)
    page.wait_for_selector("#fatal:not([hidden])")
    text = page.text_content("#fatal-error") or ""
    assert "does not match the fingerprint in this page's address" in text
    assert origins.demo.fingerprint in text


def test_a_board_address_that_is_not_http_stops_the_booth(page: Page, origins: Origins) -> None:
    page.goto(f"{origins.copies['copy']}index.html?board=javascript:alert(1)")
    page.wait_for_selector("#fatal:not([hidden])")
    assert "board= must be an http or https address" in (page.text_content("#fatal-error") or "")
