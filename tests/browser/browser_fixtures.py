"""What the browser tests share: a demo server process, screenshots and booth steps.

The server runs as its own process (`referendum serve --demo`), as a voter's browser would
reach it. Playwright drives /usr/bin/chromium, Debian's package that `make test` installs
with apt-get; no test ever downloads a browser.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
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
#: A voter's credential codes: one from each registrar of the region (the demo has two).
Codes = tuple[str, ...]


@dataclass
class DemoServer:
    """A running `referendum serve --demo`: its address, folder and unused codes."""

    url: str
    folder: Path
    codes: dict[str, list[Codes]]  # region -> voters' credential codes no test has used yet

    def take_code(self, region: str | None = None) -> tuple[str, Codes]:
        """Gives back (region, codes) of a voter no other test has used."""
        for name, codes in self.codes.items():
            if (region is None or name == region) and codes:
                return name, codes.pop()
        raise AssertionError(f"the demo has no unused credential code left for {region}")

    def api(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path.lstrip("/"), timeout=30)


def _read_codes(folder: Path) -> dict[str, list[Codes]]:
    codes: dict[str, list[Codes]] = {}
    for line in (folder / "codes.txt").read_text().splitlines():
        region, *voter = line.split()  # `region code code`: one code per registrar
        codes.setdefault(region, []).append(tuple(voter))
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


def code_field(number: int) -> str:
    """Gives back the selector of the booth's field for code number (1, 2, ...)."""
    return "#credential-code" if number == 1 else f"#credential-code-{number}"


def code_error(number: int) -> str:
    """Gives back the selector of the message beside the field for code number."""
    return "#credential-error" if number == 1 else f"#credential-error-{number}"


def fill_codes(page: Page, codes: str | Sequence[str]) -> None:
    """Types a voter's codes into the booth's fields, one each, in order."""
    for number, code in enumerate([codes] if isinstance(codes, str) else codes, start=1):
        page.fill(code_field(number), code)


def enter_code(page: Page, server: DemoServer, codes: str | Sequence[str]) -> None:
    """Opens the booth and sends it a voter's codes (one per field)."""
    page.goto(server.url)
    page.wait_for_selector("main[data-state=code]")
    fill_codes(page, codes)
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


def cast(page: Page, server: DemoServer, code: str | Sequence[str], option: str) -> str:
    """Votes option with code in the booth; gives back the tracking code once cast."""
    enter_code(page, server, code)
    tracking = encrypt(page, option)
    page.click("#cast")
    page.wait_for_selector("main[data-state=cast]")
    return tracking


WEB = Path(__file__).resolve().parents[2] / "web"
# jsQR (an npm devDependency, independent of the QR encoder the pages bundle) reads the
# RGBA pixels given on standard input as JSON and prints what the code holds.
_JSQR = """
import jsQR from "jsqr";
let raw = "";
for await (const chunk of process.stdin) raw += chunk;
const { width, height, data } = JSON.parse(raw);
const found = jsQR(Uint8ClampedArray.from(data), width, height);
process.stdout.write(JSON.stringify(found ? found.data : null));
"""
# The pixels of a canvas, or of a PNG (base64) drawn on a canvas first.
_PIXELS = """async ({ selector, png }) => {
  let source = selector ? document.querySelector(selector) : null;
  if (png) {
    const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
    // An ImageBitmap, not an <img>: the page's CSP allows no blob: images.
    source = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
  }
  const canvas = document.createElement("canvas");
  canvas.width = source.width;
  canvas.height = source.height;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(source, 0, 0);
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  return { width: canvas.width, height: canvas.height, data: Array.from(data) };
}"""


def decode_qr(page: Page, selector: str | None = None, png: bytes | None = None) -> str | None:
    """Gives back the text of the QR code in a canvas of the page (or in a PNG), read by jsQR."""
    pixels = page.evaluate(
        _PIXELS, {"selector": selector, "png": base64.b64encode(png).decode() if png else None}
    )
    read = subprocess.run(
        ["node", "--input-type=module", "-e", _JSQR],
        input=json.dumps(pixels),
        capture_output=True,
        text=True,
        cwd=WEB,
        check=True,
    )
    found: str | None = json.loads(read.stdout)
    return found


_AXE = (WEB / "node_modules" / "axe-core" / "axe.min.js").read_text() if WEB.exists() else ""


def axe_violations(page: Page) -> list[str]:
    """Gives back axe-core's violations on the page as it is now ("rule: target" each).

    axe-core comes from web/node_modules (an npm devDependency) and runs in the page with
    no network; the CSP does not apply to what the test evaluates."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_AXE)
    found = page.evaluate(
        """async () => (await axe.run(document, { resultTypes: ["violations"] })).violations
             .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(" ")}`))"""
    )
    return list(found)


def overflow(page: Page) -> int:
    """Gives back by how many CSS pixels the page is wider than its viewport (0: none)."""
    return int(
        page.evaluate("(d => Math.max(0, d.scrollWidth - d.clientWidth))(document.documentElement)")
    )


def too_wide(page: Page) -> list[str]:
    """Gives back the innermost elements that reach past the right edge of the page."""
    return list(
        page.evaluate(
            """() => { const w = document.documentElement.clientWidth;
                 const right = (e) => e.getBoundingClientRect().right;
                 return [...document.querySelectorAll('body *')]
                   .filter((e) => right(e) > w + 0.5)
                   .filter((e) => ![...e.children].some((c) => right(c) > w + 0.5))
                   .slice(0, 5)
                   .map((e) => `${e.tagName}#${e.id}.${e.className} ${Math.round(right(e))}`); }"""
        )
    )


def in_viewport(page: Page, selector: str) -> bool:
    """Whether the element is shown whole inside the visible part of the page."""
    return bool(
        page.evaluate(
            """(selector) => { const r = document.querySelector(selector).getBoundingClientRect();
                 return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight
                        && r.left >= 0 && r.right <= innerWidth; }""",
            selector,
        )
    )
