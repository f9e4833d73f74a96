"""Fixtures of the browser tests: one demo server for the session, Chromium, pages, shots."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from browser_fixtures import CHROMIUM, CHROMIUM_ARGS, DemoServer, Shots, demo_server
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

VOTERS = 40


@pytest.fixture(scope="session")
def voting_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A demo referendum in voting, shared by the tests that only cast and look up."""
    with demo_server(tmp_path_factory.mktemp("browser") / "demo", VOTERS) as server:
        yield server


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        raise AssertionError(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """Gives back a fresh page in its own context (no stored language), English first."""
    context = browser.new_context(locale="en-US", viewport={"width": 1000, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.errors = errors  # type: ignore[attr-defined]
    yield opened
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        Shots(opened, request.node.name)("failed")
    context.close()


@pytest.fixture
def shots(page: Page, request: pytest.FixtureRequest) -> Shots:
    return Shots(page, request.node.name)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
