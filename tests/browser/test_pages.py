"""The board explorer and the results page in real headless Chromium.

The explorer finds a ballot the booth cast and verifies its inclusion proof in the
browser. The results page runs on a second demo referendum that the test counts with the
real commands (the demo folder's count.sh); the record it offers for download is then
checked by the independent verifier.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_fixtures import DemoServer, Shots, axe_violations, cast, demo_server, overflow
from playwright.sync_api import Page

from referendum.ballot import normalize_tracking_code


def test_the_explorer_finds_a_cast_ballot_and_verifies_it(
    page: Page, voting_server: DemoServer, shots: Shots
) -> None:
    _, code = voting_server.take_code()
    tracking = cast(page, voting_server, code, "ukraine")

    page.goto(f"{voting_server.url}explorer?code={tracking}")
    page.wait_for_selector("#lookup-checks[data-ok=true]")
    shots("found")
    found = voting_server.api(f"/api/receipts/{tracking}").json()
    assert page.inner_text("#lookup-index").strip() == str(found["index"])
    assert page.get_attribute("#lookup-result", "data-kind") == "ballot"
    assert page.get_attribute("#lookup-result", "data-latest") == "null"  # told after voting.close
    checks = page.locator("#lookup-checks li[data-check]")
    assert checks.count() == 4  # code, board signature, inclusion proof, ballot proofs

    # Typed by hand: lower case, no dashes; the page normalizes it as section 12.4 says.
    page.fill("#lookup-code", normalize_tracking_code(tracking).lower())
    page.click("#lookup-submit")
    page.wait_for_selector("#lookup-checks[data-ok=true]")

    page.fill("#lookup-code", "0000-0000-0000-0000-000C")
    page.click("#lookup-submit")
    page.wait_for_selector("#lookup-error[data-reason=not-found]")
    shots("unknown")


def test_the_explorer_shows_the_checkpoint_verified(
    page: Page, voting_server: DemoServer, shots: Shots
) -> None:
    page.goto(f"{voting_server.url}explorer")
    page.wait_for_selector("#checkpoint-checks[data-ok=true]")
    shots("checkpoint")
    shown = int(page.get_attribute("#checkpoint-body", "data-size") or "-1")
    assert shown <= voting_server.api("/api/board/checkpoint").json()["size"]
    assert shown > 0


@pytest.fixture(scope="module")
def counting_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A second demo referendum, which test_results_page closes and counts."""
    with demo_server(tmp_path_factory.mktemp("results") / "demo", 8) as server:
        yield server


def test_the_results_page_after_the_count(
    page: Page, counting_server: DemoServer, shots: Shots, tmp_path: Path
) -> None:
    server = counting_server
    _, code = server.take_code()
    cast(page, server, code, "russia")

    page.goto(f"{server.url}results")
    page.wait_for_selector("#main[data-state=not-counted]")
    shots("before")
    assert "only after the count" in page.inner_text("#not-counted")

    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"]}
    counted = subprocess.run(
        ["bash", str(server.folder / "count.sh")], capture_output=True, text=True, env=env
    )
    assert counted.returncode == 0, counted.stdout + counted.stderr

    page.reload()
    page.wait_for_selector("#main[data-state=results]")
    shots("after")
    results = server.api("/api/results").json()["results"]
    for region in results["regions"]:
        section = page.locator(f"#results #region-{region['region']}")
        turnout = section.locator("p.turnout")
        assert turnout.get_attribute("data-counted") == str(region["counted"])
        assert turnout.get_attribute("data-eligible") == str(region["eligible"])
        bars = section.locator("table.chart[data-question=status] tr[data-option]")
        shown = [bar.get_attribute("data-count") for bar in bars.all()]
        assert shown == [str(n) for n in region["questions"][0]["counts"]]
    assert "Donetsk Oblast" in page.inner_text("#results")

    # On a phone the first screen shows a result, nothing scrolls sideways, and axe-core
    # finds nothing to fault.
    page.set_viewport_size({"width": 390, "height": 844})
    chart = page.locator("#results table.chart").first
    top = chart.evaluate("(e) => e.getBoundingClientRect().top")
    assert top < 844
    assert overflow(page) == 0
    assert axe_violations(page) == []

    with page.expect_download() as download:
        page.click("#record-link")
    archive = tmp_path / "record.zip"
    download.value.save_as(archive)
    with zipfile.ZipFile(archive) as z:
        z.extractall(tmp_path / "record")
    [record] = [p.parent for p in (tmp_path / "record").rglob("record.json")]
    verified = subprocess.run(
        [sys.executable, "-m", "referendum.cli", "verify", str(record), "--no-progress"],
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
