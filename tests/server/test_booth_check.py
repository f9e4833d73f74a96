"""The booth the manifest names (protocol.md 16.6), against a real `referendum serve`.

A demo referendum whose manifest names the booth built in a copy of the static folder is
served from that copy; `referendum booth check` then finds the booth, and finds the file
once one is changed on the server's disk. The server refuses to start on pages other than
the manifest's booth, and answers CORS so that a booth from another origin can vote.
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
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from referendum.booth import folder_hash
from referendum.server.demo import DemoElection, prepare_demo
from referendum.server.pages import DEFAULT_STATIC

CLI = [sys.executable, "-m", "referendum.cli"]
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+/)")


@dataclass
class Booth:
    url: str
    static: Path
    demo: DemoElection
    booth: str


def _serve(election: Path, static: Path) -> tuple[subprocess.Popen[str], str | None, str]:
    """Starts serve; gives back the process, its URL (None if it stopped) and its output."""
    process = subprocess.Popen(
        [*CLI, "serve", "--election", str(election), "--static", str(static), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            process.wait(timeout=30)
            return process, None, "".join(seen)
        seen.append(line)
        if found := LISTENING.search(line):
            return process, found.group(1), "".join(seen)
    process.kill()
    pytest.fail("serve did not start in 120 s:\n" + "".join(seen))


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Booth]:
    if not (DEFAULT_STATIC / "index.html").is_file():
        pytest.fail("the web pages are not built: run make web")
    root = tmp_path_factory.mktemp("booth")
    static = root / "static"
    shutil.copytree(DEFAULT_STATIC, static)
    booth = folder_hash(static)
    demo = prepare_demo(root / "demo", voters=4, seed="booth-check", booth=booth)
    process, url, output = _serve(demo.election, static)
    assert url is not None, output
    try:
        yield Booth(url, static, demo, booth)
    finally:
        _stop(process)


def _check(
    served: Booth, fingerprint: str | None = None, booth: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *CLI,
            "booth",
            "check",
            "--board",
            served.url,
            "--fingerprint",
            fingerprint or served.demo.fingerprint,
            *(["--booth", booth] if booth else []),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_check_finds_the_booth_the_manifest_names(served: Booth) -> None:
    done = _check(served)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        f"{served.url} serves the booth named in the manifest: {served.booth} ("
    ), done.stdout
    assert httpx.get(served.url + "build.json", timeout=30).json()["booth"] == served.booth


def test_the_check_refuses_another_referendum(served: Booth) -> None:
    done = _check(served, "00" * 32)
    assert done.returncode == 1
    assert "serves another referendum than fingerprint" in done.stderr


def test_the_api_answers_any_origin_without_credentials(served: Booth) -> None:
    origin = "http://booth.elsewhere.example"
    read = httpx.get(served.url + "api/manifest", headers={"Origin": origin}, timeout=30)
    assert read.headers["access-control-allow-origin"] == "*"
    assert "origin" not in read.headers.get("vary", "").lower()  # the same answer for all
    assert "access-control-allow-credentials" not in read.headers
    preflight = httpx.options(
        served.url + "api/ballots",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=30,
    )
    assert preflight.status_code == 204, preflight.text
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "content-type" in preflight.headers["access-control-allow-headers"].lower()
    # A refusal reaches the other origin's page too: it can say why.
    refused = httpx.post(
        served.url + "api/ballots", content=b"{", headers={"Origin": origin}, timeout=30
    )
    assert refused.status_code == 415
    assert refused.headers["access-control-allow-origin"] == "*"


def _tampered(served: Booth, name: str) -> Iterator[None]:
    path = served.static / name
    original = path.read_bytes()
    path.write_bytes(original.replace(b"referendum", b"referendvm", 1) + b" ")
    try:
        yield
    finally:
        path.write_bytes(original)


@pytest.mark.parametrize("suffix", ["", ".br", ".gz"])
def test_a_changed_file_on_the_server_is_found_and_named(served: Booth, suffix: str) -> None:
    """The served booth's script, or only the copy a browser gets compressed, is changed."""
    script = next(p.name for p in (served.static / "assets").glob("booth-*.js"))
    name = f"assets/{script}{suffix}"
    asked = {"": "", ".br": " (Accept-Encoding: br)", ".gz": " (Accept-Encoding: gzip)"}[suffix]
    for _ in _tampered(served, name):
        done = _check(served)
        assert done.returncode == 1, done.stdout
        assert done.stderr.startswith(
            f"referendum booth: error: {served.url} does not serve the booth the manifest names:"
            f" {name}: /assets/{script}{asked} serves other bytes than the booth lists"
        ), done.stderr
    assert _check(served).returncode == 0


def test_a_changed_page_is_found_at_its_route(served: Booth) -> None:
    for _ in _tampered(served, "explorer.html"):
        done = _check(served)
        assert done.returncode == 1
        assert "explorer.html: /explorer.html serves other bytes" in done.stderr, done.stderr


def test_a_changed_listing_is_named(served: Booth) -> None:
    """The listing itself changed to match changed files: the hash is not the manifest's."""
    path = served.static / "build.json"
    original = path.read_text()
    path.write_text(re.sub(r'"sha256": "[0-9a-f]{4}', '"sha256": "0000', original, count=1))
    try:
        done = _check(served)
    finally:
        path.write_text(original)
    assert done.returncode == 1
    assert "the server's build.json lists the booth sha256:" in done.stderr
    assert f"the manifest names {served.booth}" in done.stderr


def test_the_server_refuses_to_start_on_other_pages(served: Booth, tmp_path: Path) -> None:
    other = tmp_path / "static"
    shutil.copytree(served.static, other)
    (other / "results.html").write_bytes((other / "results.html").read_bytes() + b"\n")
    process, url, output = _serve(served.demo.election, other)
    if url is not None:
        _stop(process)
    assert url is None, output
    assert process.returncode == 2
    assert (
        f"referendum serve: error: the web pages in {other} are the booth {folder_hash(other)},"
        f" the manifest names {served.booth}:"
    ) in output


def test_a_copy_on_a_plain_web_server_is_checked_against_the_boards_manifest(
    served: Booth, tmp_path: Path
) -> None:
    """Another party's site: python -m http.server, no routes, no compressed answers."""
    copy = tmp_path / "copy"
    shutil.copytree(served.static, copy)
    http = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "-d", str(copy)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert http.stdout is not None
        port = re.search(r"port (\d+)", http.stdout.readline())
        assert port is not None
        url = f"http://127.0.0.1:{port.group(1)}/"
        done = _check(served, booth=url)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"{url} serves the booth named in the manifest: ")
        (copy / "index.html").write_bytes((copy / "index.html").read_bytes() + b" ")
        done = _check(served, booth=url)
        assert done.returncode == 1
        assert f"{url} does not serve the booth the manifest names: index.html: /index.html" in (
            done.stderr
        )
    finally:
        http.send_signal(signal.SIGINT)
        http.communicate(timeout=30)
