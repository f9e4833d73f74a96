# Ukrainian and Russian names: the Cyrillic letters are meant.
# ruff: noqa: RUF001
"""Trustees and witnesses by their manifest display names (protocol.md 9.2.2) in Chromium.

The demo's manifest gives every trustee and witness a name in Ukrainian, Russian and
English; the explorer's co-signature checks and the results page's "decrypted by" line
show the one of the page's language, and switch with it. The demo here is counted with
its own count.sh, so the results page has trustees to name.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_fixtures import DemoServer, demo_server
from playwright.sync_api import Page

LANGUAGES = ("uk", "ru", "en")


@pytest.fixture(scope="module")
def counted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A demo referendum, counted by its count.sh (trustees 1, 3, 5 and 6 decrypt)."""
    with demo_server(tmp_path_factory.mktemp("names") / "demo", 8) as server:
        bin_dir = str(Path(sys.executable).parent)
        env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"]}
        done = subprocess.run(
            ["bash", str(server.folder / "count.sh")], capture_output=True, text=True, env=env
        )
        assert done.returncode == 0, done.stdout + done.stderr
        yield server


def _manifest(server: DemoServer) -> dict[str, Any]:
    manifest: dict[str, Any] = server.api("/api/manifest").json()
    return manifest


def test_the_results_page_names_the_decrypting_trustees_in_the_page_language(
    page: Page, counted: DemoServer
) -> None:
    manifest = _manifest(counted)
    decrypted = counted.api("/api/results").json()["results"]["trustees"]
    trustees = [manifest["trustees"][i - 1] for i in decrypted]
    assert len(trustees) >= 4 and all("display" in t for t in trustees)
    page.goto(f"{counted.url}results")
    page.wait_for_selector("#main[data-state=results]")
    for lang in LANGUAGES:
        page.click(f"#lang-{lang}")
        about = page.inner_text("#results .about-results")
        names = ", ".join(t["display"][lang] for t in trustees)
        assert names in about, (lang, about)
        if lang != "en":  # the plain names are English: none is left on the page
            assert not any(t["name"] in about for t in trustees), (lang, about)
    page.click("#lang-uk")
    assert "Делегат Верховної Ради України" in page.inner_text("#results .about-results")
    assert page.errors == []  # type: ignore[attr-defined]


def test_the_explorer_names_the_witnesses_in_the_page_language(
    page: Page, counted: DemoServer
) -> None:
    witnesses = _manifest(counted)["witnesses"]
    assert [w["name"] for w in witnesses] == ["observer-osce", "observer-un"]
    page.goto(f"{counted.url}explorer")
    page.wait_for_selector("#cosigned-checks[data-ok=true]")
    for lang in LANGUAGES:
        # A switch re-renders the bound labels in place: no reload, no new lookup.
        page.click(f"#lang-{lang}")
        for w in witnesses:
            label = page.inner_text(f"#cosigned-checks li[data-check=witness-{w['name']}]")
            assert w["display"][lang] in label, (lang, label)
            assert w["name"] not in label, (lang, label)
    page.click("#lang-ru")
    text = page.inner_text("#cosigned-checks")
    assert "Миссия наблюдателей ОБСЕ" in text and "Миссия наблюдателей ООН" in text
    assert page.errors == []  # type: ignore[attr-defined]
