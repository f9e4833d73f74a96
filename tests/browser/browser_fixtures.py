"""What the browser tests share: a demo server process, screenshots and booth steps.

The server runs as its own process (`referendum serve --demo`), as a voter's browser would
reach it. Playwright drives /usr/bin/chromium, Debian's package that `make test` installs
with apt-get; no test ever downloads a browser.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, Request

CHROMIUM = "/usr/bin/chromium"
# Flags for a root user on a machine with no outside network: no sandbox, no GPU, and no
# background connections that the closed network would refuse.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
SERVE = [sys.executable, "-m", "referendum.cli", "serve"]
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+/)")
#: The demo ballot's options as the English page names them.
OPTIONS = {"ukraine": "Ukraine", "russia": "Russian Federation"}


@dataclass
class DemoServer:
    """A running `referendum serve --demo`: its address, folder and unused codes."""

    url: str
    folder: Path
    codes: dict[str, list[str]]  # region -> credential codes no test has used yet

    def take_code(self, region: str | None = None) -> tuple[str, str]:
        """Gives back (region, code) of a credential no other test has used."""
        for name, codes in self.codes.items():
            if (region is None or name == region) and codes:
                return name, codes.pop()
        raise AssertionError(f"the demo has no unused credential code left for {region}")

    def api(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path.lstrip("/"), timeout=30)


def _read_codes(folder: Path) -> dict[str, list[str]]:
    codes: dict[str, list[str]] = {}
    for line in (folder / "codes.txt").read_text().splitlines():
        region, code = line.split()
        codes.setdefault(region, []).append(code)
    return codes


@contextmanager
def demo_server(folder: Path, voters: int) -> Iterator[DemoServer]:
    """Gives back a demo referendum in voting, served by a real server process."""
    process = subprocess.Popen(
        [*SERVE, "--demo", "--port", "0", "--voters", str(voters), "--folder", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    seen: list[str] = []
    url = None
    deadline = time.monotonic() + 180
    while url is None:
        line = process.stdout.readline()
        if not line:
            raise AssertionError("serve --demo stopped:\n" + "".join(seen))
        seen.append(line)
        if found := LISTENING.search(line):
            url = found.group(1)
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("serve --demo did not start in 180 s:\n" + "".join(seen))
    # Keep reading the server's output so that its pipe never fills up.
    drain = subprocess.Popen(["cat"], stdin=process.stdout, stdout=subprocess.DEVNULL)
    try:
        yield DemoServer(url, folder, _read_codes(folder))
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        drain.kill()


class Shots:
    """Saves numbered screenshots of one test under test-artifacts/browser/."""

    def __init__(self, page: Page, name: str) -> None:
        self.page = page
        self.name = name
        self.count = 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, label: str) -> Path:
        self.count += 1
        path = ARTIFACTS / f"{self.name}-{self.count:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def sent_bodies(page: Page) -> list[dict[str, Any]]:
    """Gives back a list that fills with the URL and JSON body of each POST to the API."""
    bodies: list[dict[str, Any]] = []

    def keep(request: Request) -> None:
        if request.method == "POST" and "/api/" in request.url:
            bodies.append({"url": request.url, "body": json.loads(request.post_data or "null")})

    page.on("request", keep)
    return bodies


def enter_code(page: Page, server: DemoServer, code: str) -> None:
    page.goto(server.url)
    page.wait_for_selector("main[data-state=code]")
    page.fill("#credential-code", code)
    page.click("#credential-submit")


def encrypt(page: Page, option: str) -> str:
    """Chooses option on the (one-question) demo ballot; gives back the tracking code."""
    page.wait_for_selector("main[data-state=choose]")
    page.get_by_label(OPTIONS[option], exact=True).check()
    page.click("#encrypt")
    page.wait_for_selector("main[data-state=review]")
    code = page.get_attribute("#tracking-code", "data-code")
    assert code is not None
    return code


def cast(page: Page, server: DemoServer, code: str, option: str) -> str:
    """Votes option with code in the booth; gives back the tracking code once cast."""
    enter_code(page, server, code)
    tracking = encrypt(page, option)
    page.click("#cast")
    page.wait_for_selector("main[data-state=cast]")
    return tracking
