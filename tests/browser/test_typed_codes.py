"""Codes typed as a voter on a Ukrainian or Russian keyboard types them, in real Chromium.

The booth accepts a credential code typed in Cyrillic look-alikes (protocol.md 10.2.3);
the explorer tells a mistyped tracking code (its check character does not match, 12.4)
apart from a ballot that is not on the board, in Ukrainian, Russian and English, and
never sends a credential code typed into its field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_fixtures import DemoServer, Shots, cast, enter_code
from playwright.sync_api import Browser, Page, Request

from referendum.ballot import normalize_tracking_code
from referendum.codes import LOOKALIKES
from referendum.credentials import normalize_code

_TO_CYRILLIC = {ord(latin): c for c, latin in LOOKALIKES.items() if c.isupper()}
_I18N = Path(__file__).resolve().parents[2] / "web" / "src" / "i18n"


def translation(lang: str, key: str) -> str:
    """Gives back the interface string key of web/src/i18n/LANG.js."""
    found = re.search(rf'"{re.escape(key)}":\s*"([^"]*)"', (_I18N / f"{lang}.js").read_text())
    assert found is not None, f"{lang}: no {key}"
    return found.group(1)


def cyrillic(code: str) -> str:
    """Gives back code with every character that has a Cyrillic look-alike typed as it."""
    typed = code.translate(_TO_CYRILLIC)
    assert typed != code, f"{code} has no letter with a Cyrillic look-alike"
    return typed


def mistype(code: str, position: int) -> str:
    """Gives back the printed code with the character at position (0-based, hyphens
    skipped) replaced by another code character: one typo. Of the replacements, the
    first that is no credential code either (one in 32 would be, §12.4: the explorer
    then rightly says so instead of "typo")."""
    chars = list(code)
    where = [i for i, c in enumerate(chars) if c != "-"][position]
    for other in "8B3H":
        if other == chars[where]:
            continue
        typed = "".join([*chars[:where], other, *chars[where + 1 :]])
        try:
            normalize_code(typed)
        except ValueError:
            return typed
    raise AssertionError(f"no typo of {code} at {position} that is no credential code")


@pytest.fixture
def page_in(browser: Browser, request: pytest.FixtureRequest) -> Iterator[object]:
    """Gives back a function lang -> a fresh page whose browser prefers that language."""
    contexts = []

    def open_page(lang: str) -> Page:
        context = browser.new_context(locale=lang, viewport={"width": 390, "height": 844})
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors  # type: ignore[attr-defined]
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_the_booth_accepts_a_credential_code_typed_in_cyrillic(
    page_in: object, voting_server: DemoServer
) -> None:
    for lang, lower in (("uk", False), ("ru", True)):
        page: Page = page_in(lang)  # type: ignore[operator]
        _, codes = voting_server.take_code()
        typed = tuple(cyrillic(c).lower() if lower else cyrillic(c) for c in codes)
        enter_code(page, voting_server, typed)
        page.wait_for_selector("main[data-state=choose]")
        assert page.get_attribute("html", "lang") == lang
        assert page.get_attribute("#credential-code", "aria-invalid") != "true"
        assert page.get_attribute("#credential-code-2", "aria-invalid") != "true"
        assert normalize_tracking_code(_encrypt_first(page))
        Shots(page, f"cyrillic-code-{lang}")("choose-accepted")
        assert not page.errors  # type: ignore[attr-defined]


def _encrypt_first(page: Page) -> str:
    """Chooses the first option on a page in any language; gives back the tracking code."""
    page.locator("#choices input").first.check()
    page.click("#encrypt")
    page.wait_for_selector("main[data-state=review]")
    code = page.get_attribute("#tracking-code", "data-code")
    assert code is not None
    return code


def test_a_cyrillic_code_that_is_mistyped_is_still_refused(
    page_in: object, voting_server: DemoServer
) -> None:
    page: Page = page_in("uk")  # type: ignore[operator]
    # Never accepted, so any code of the demo will do; it stays free for other tests.
    first, second = next(c for codes in voting_server.codes.values() for c in codes)
    enter_code(page, voting_server, (cyrillic(first), cyrillic(mistype(second, 4))))
    page.wait_for_selector("#credential-error-2[data-reason=check]")
    assert page.is_hidden("#credential-error")
    assert page.get_attribute("main", "data-state") == "code"


@pytest.fixture(scope="module")
def cast_ballot(browser: Browser, voting_server: DemoServer) -> tuple[tuple[str, ...], str]:
    """Gives back (credential codes, tracking code) of one ballot the English booth cast."""
    context = browser.new_context(locale="en-US")
    _, code = voting_server.take_code()
    tracking = cast(context.new_page(), voting_server, code, "russia")
    context.close()
    return code, tracking


@pytest.mark.parametrize("lang", ["uk", "ru", "en"])
def test_the_explorer_tells_a_typo_from_a_missing_ballot(
    page_in: object, cast_ballot: tuple[tuple[str, ...], str], voting_server: DemoServer, lang: str
) -> None:
    secrets, tracking = cast_ballot
    secret = secrets[1]  # a registrar's code: each of the voter's codes is secret

    explorer: Page = page_in(lang)  # type: ignore[operator]
    asked: list[str] = []

    def note(request: Request) -> None:
        if "/api/receipts/" in request.url:
            asked.append(request.url)

    explorer.on("request", note)
    explorer.goto(f"{voting_server.url}explorer")
    explorer.wait_for_selector("main[data-state=ready]")
    shots = Shots(explorer, f"typed-codes-{lang}")

    # One character misread: the page says it is a typo, checked on the device.
    explorer.fill("#lookup-code", mistype(tracking, 7))
    explorer.click("#lookup-submit")
    explorer.wait_for_selector("#lookup-error[data-reason=typo]")
    assert explorer.inner_text("#lookup-error") == translation(lang, "explorer.lookup.typo")
    assert explorer.get_attribute("#lookup-code", "aria-invalid") == "true"
    shots("typo")
    assert asked == []  # a code that fails its check is never sent

    # The right code, typed in Cyrillic look-alikes and lower case: found and verified;
    # whether it counts is not told while voting is open.
    explorer.fill("#lookup-code", cyrillic(tracking).lower())
    explorer.click("#lookup-submit")
    explorer.wait_for_selector("#lookup-checks[data-ok=true]")
    assert explorer.get_attribute("#lookup-result", "data-latest") == "null"
    assert len(asked) == 1

    # A well-formed code of no ballot: missing, with what to do about it.
    explorer.fill("#lookup-code", "0000-0000-0000-0000-000C")
    explorer.click("#lookup-submit")
    explorer.wait_for_selector("#lookup-error[data-reason=not-found]")
    text = explorer.inner_text("#lookup-error")
    assert text.startswith(translation(lang, "explorer.lookup.notFound"))
    assert "referendum verify RECORD --receipt FILE" in text
    shots("not-found")

    # The voter's credential code typed here by mistake: said so, and never sent.
    explorer.fill("#lookup-code", secret)
    explorer.click("#lookup-submit")
    explorer.wait_for_selector("#lookup-error[data-reason=credential]")
    assert explorer.inner_text("#lookup-error") == translation(lang, "explorer.lookup.credential")
    assert len(asked) == 2
    assert all(c.replace("-", "") not in url.replace("-", "") for c in secrets for url in asked)
    assert not explorer.errors  # type: ignore[attr-defined]
