"""The booth as a voter on a phone meets it (issue 15), in real headless Chromium.

In Ukrainian, Russian and English, on a 390 px phone and on a desktop: the recap before
Cast names the choice; a Cast that cannot reach the server says so beside the button, in
the page's language, focused and in view, and Cast is offered again; the QR codes (read
back by jsQR, a decoder independent of the encoder the page bundles) hold the explorer's
address of the ballot; no step is wider than the screen at 320 px, nor at 390 px with
200% text; axe-core finds nothing on any step, on the explorer or on the results page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from browser_fixtures import (
    ARTIFACTS,
    DemoServer,
    Shots,
    axe_violations,
    code_error,
    code_field,
    decode_qr,
    enter_code,
    fill_codes,
    in_viewport,
    overflow,
    too_wide,
)
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1000, "height": 900}
#: How each language says that the server cannot be reached, and "Try again".
OFFLINE = {"uk": "Немає зв\u2019язку", "ru": "Нет связи", "en": "No connection"}  # noqa: RUF001
RETRY = {"uk": "Спробувати ще раз", "ru": "Попробовать ещё раз", "en": "Try again"}
#: Words of the old booth that a voter does not know (issue 15, item 8).
JARGON = ["облікових даних", "дошк", "Бенало", "nonce", "Оскарж", "Оспор", "доск", "board"]

Opener = Callable[..., Page]


@pytest.fixture
def open_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Opener]:
    """Gives back open(lang, viewport): a fresh page whose browser prefers lang."""
    contexts: list[BrowserContext] = []

    def open_(lang: str, viewport: ViewportSize) -> Page:
        context = browser.new_context(locale=lang, viewport=viewport, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors  # type: ignore[attr-defined]
        return page

    yield open_
    for context in contexts:
        context.close()


def _option_text(server: DemoServer, option: str, lang: str) -> str:
    manifest: dict[str, Any] = server.api("/api/manifest").json()
    [question] = manifest["questions"]
    [found] = [o for o in question["options"] if o["id"] == option]
    text: str = found["text"][lang]
    return text


def _choose(page: Page, option: str) -> None:
    page.wait_for_selector("main[data-state=choose]")
    page.check(f"input[data-option={option}]")
    page.click("#encrypt")
    page.wait_for_selector("main[data-state=review]")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("lang", ["uk", "ru", "en"])
def test_recap_then_an_offline_cast_is_said_beside_the_button(
    open_page: Opener, voting_server: DemoServer, lang: str, viewport: ViewportSize
) -> None:
    page = open_page(lang, viewport)
    shots = Shots(page, f"recap-offline-{lang}-{viewport['width']}")
    _, code = voting_server.take_code()
    enter_code(page, voting_server, code)
    _choose(page, "ukraine")
    assert page.evaluate("document.documentElement.lang") == lang
    # The recap names the choice, in the page's language, before anything is sent.
    recap = page.locator("#recap li[data-option]")
    assert recap.count() == 1
    assert recap.get_attribute("data-option") == "ukraine"
    assert recap.inner_text().strip() == _option_text(voting_server, "ukraine", lang)
    shots("recap")

    # Cast while the phone has no connection.
    page.context.set_offline(True)
    page.click("#cast")
    page.wait_for_selector("#review-error:not([hidden])")
    shots("offline")
    error = page.inner_text("#review-error")
    assert OFFLINE[lang] in error
    assert "Failed to fetch" not in error
    assert page.evaluate("document.activeElement.id") == "review-error"
    assert in_viewport(page, "#review-error")
    # Cast is there again, as "Try again", and the error is beside it.
    assert page.is_enabled("#cast")
    assert page.inner_text("#cast").strip() == RETRY[lang]
    assert page.locator("#cast-box #review-error").count() == 1
    assert page.locator("main[data-state=review]").count() == 1

    page.context.set_offline(False)
    page.click("#cast")
    page.wait_for_selector("main[data-state=cast]")
    assert page.get_attribute("#receipt-status", "data-ok") == "true"
    assert not page.errors  # type: ignore[attr-defined]


def test_a_cast_whose_answer_was_lost_is_found_on_the_board(
    open_page: Opener, voting_server: DemoServer
) -> None:
    """The board took the ballot but the answer never came: Try again finds it there."""
    page = open_page("en", PHONE)
    _, code = voting_server.take_code()
    enter_code(page, voting_server, code)
    _choose(page, "russia")
    tracking = page.get_attribute("#tracking-code", "data-code")

    def lose_answer(route: Any) -> None:
        route.fetch()  # the server appends the ballot ...
        route.abort()  # ... and the phone never hears back

    page.route("**/api/ballots", lose_answer)
    page.click("#cast")
    # The page looked the ballot up instead of showing an error: it is on the board.
    page.wait_for_selector("main[data-state=cast]")
    assert page.get_attribute("#receipt-status", "data-ok") == "true"
    assert voting_server.api(f"/api/receipts/{tracking}").json()["kind"] == "ballot"

    # A refusal that does not mean "maybe on the board" is said, in words, not looked up.
    page.unroute("**/api/ballots")
    page.click("#cast-again")
    _choose(page, "ukraine")
    page.route(
        "**/api/ballots",
        lambda route: route.fulfill(
            status=429,
            headers={"Retry-After": "17", "Content-Type": "application/problem+json"},
            body='{"type":"https://referendum.invalid/problems/rate-limited","title":"Too many'
            ' requests","status":429,"detail":"try again in 17 s"}',
        ),
    )
    page.click("#cast")
    page.wait_for_selector("#review-error:not([hidden])")
    assert "Wait 17 seconds" in page.inner_text("#review-error")
    assert page.locator("main[data-state=review]").count() == 1


def test_the_check_on_another_device_is_a_qr_code_of_the_ballot(
    open_page: Opener, voting_server: DemoServer
) -> None:
    page = open_page("uk", PHONE)
    shots = Shots(page, "second-device")
    _, code = voting_server.take_code()
    enter_code(page, voting_server, code)
    _choose(page, "russia")
    page.click("#challenge")
    page.wait_for_selector("main[data-state=challenged]")
    shots("challenged")
    tracking = page.get_attribute("#challenge-code", "data-code")
    assert tracking is not None
    want = f"{voting_server.url}explorer?code={tracking}"
    assert decode_qr(page, "#challenge-qr") == want
    assert page.get_attribute("#challenge-explorer-link", "href") == want
    # The short address and the code to type on the other device are shown as text.
    assert page.inner_text("#challenge-explorer-link").strip() == f"{voting_server.url}explorer"
    # Random numbers and the command wait behind "technical details".
    assert not page.is_visible("#revealed")
    assert not page.is_visible("#challenge-command")
    page.click("#challenge-details summary")
    assert page.is_visible("#challenge-command")
    header = page.inner_text("#revealed thead")
    assert "раніше" in header and "досі" not in header

    # What the QR code opens: the explorer's check of this challenged ballot.
    other = open_page("uk", PHONE)
    other.goto(want)
    other.wait_for_selector("#lookup-checks[data-ok=true]")
    assert other.get_attribute("#lookup-result", "data-kind") == "spoiled"
    # A changed address is not the ballot's: the check of the QR code can fail.
    assert decode_qr(page, "#challenge-qr") != want.replace(tracking, tracking[::-1])


def test_the_receipt_is_a_picture_and_a_page_to_keep(
    open_page: Opener, voting_server: DemoServer
) -> None:
    page = open_page("ru", PHONE)
    shots = Shots(page, "receipt")
    _, code = voting_server.take_code()
    enter_code(page, voting_server, code)
    _choose(page, "ukraine")
    tracking = page.get_attribute("#tracking-code", "data-code")
    page.click("#cast")
    page.wait_for_selector("main[data-state=cast]")
    shots("cast")
    assert "Ваш голос записан. Эту страницу можно закрыть." in page.inner_text("#step-cast")
    want = f"{voting_server.url}explorer?code={tracking}"
    assert decode_qr(page, "#receipt-qr") == want
    assert page.inner_text("#receipt-code").strip() == tracking

    # Leaving before the receipt is kept: the browser asks first.
    asked: list[str] = []

    def dismiss(dialog: Any) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert not page.is_closed()

    # The picture: a PNG whose QR code is the ballot's explorer address.
    with page.expect_download() as download:
        page.click("#save-picture")
    assert download.value.suggested_filename == f"receipt-{tracking}.png"
    saved = ARTIFACTS / "receipt-picture.png"  # kept for a person to look at
    download.value.save_as(saved)
    png = saved.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert decode_qr(page, png=png) == want

    # The JSON receipt for `referendum verify --receipt` is still offered.
    assert page.get_attribute("#save-receipt", "download") == f"receipt-{tracking}.json"

    # Printing shows the receipt card alone.
    page.emulate_media(media="print")
    hidden_in_print = page.evaluate(
        """() => ['#cast-again', '#save-picture', '.site-header']
             .map((s) => getComputedStyle(document.querySelector(s)).visibility)"""
    )
    assert hidden_in_print == ["hidden", "hidden", "hidden"]
    assert page.evaluate("getComputedStyle(document.querySelector('#receipt-qr')).visibility") == (
        "visible"
    )
    page.emulate_media(media="screen")

    # Once kept, the page closes without asking.
    asked.clear()
    with page.expect_event("close"):
        page.close(run_before_unload=True)
    assert asked == []
    assert page.is_closed()


def _walk(page: Page, server: DemoServer, check: Callable[[str], None]) -> None:
    """Goes through every step of the booth, the explorer and the results page, calling
    check(step) on each."""
    _, code = server.take_code()
    page.goto(server.url)
    page.wait_for_selector("main[data-state=code]")
    check("code")
    fill_codes(page, ("1", code[1]))
    page.click("#credential-submit")
    page.wait_for_selector("#credential-error[data-reason]")
    check("code-error")
    fill_codes(page, (code[0], code[0]))  # one registrar's code twice
    page.click("#credential-submit")
    page.wait_for_selector(f"{code_error(2)}[data-reason=same]")
    check("code-same")
    fill_codes(page, code)
    page.click("#credential-submit")
    page.wait_for_selector("main[data-state=choose]")
    check("choose")
    page.click("#encrypt")  # nothing chosen: the count error
    page.wait_for_selector("#choices-error:not([hidden])")
    check("choose-error")
    _choose(page, "ukraine")
    check("review")
    page.context.set_offline(True)
    page.click("#cast")
    page.wait_for_selector("#review-error:not([hidden])")
    check("review-error")
    page.context.set_offline(False)
    page.click("#review-back")
    _choose(page, "russia")
    page.click("#challenge")
    page.wait_for_selector("main[data-state=challenged]")
    challenged = page.get_attribute("#challenge-code", "data-code")
    check("challenged")
    page.click("#challenge-details summary")
    check("challenged-details")
    page.click("#vote-again")
    page.wait_for_selector("main[data-state=review]")
    page.click("#cast")
    page.wait_for_selector("main[data-state=cast]")
    check("cast")
    page.click("#receipt-details summary")
    check("cast-details")
    page.click("#save-picture")  # the receipt is kept: leaving asks nothing
    page.goto(f"{server.url}explorer?code={challenged}")
    page.wait_for_selector("#lookup-checks[data-ok=true]")
    check("explorer")
    page.goto(f"{server.url}results")
    page.wait_for_selector("main:not([data-state=loading])")
    check("results")


@pytest.mark.parametrize(
    ("lang", "width", "text"),
    [("ru", 320, "100%"), ("uk", 390, "200%"), ("ru", 390, "150%")],
    ids=["ru-320", "uk-390-text200", "ru-390-text150"],
)
def test_no_step_is_wider_than_a_phone(
    open_page: Opener, voting_server: DemoServer, lang: str, width: int, text: str
) -> None:
    page = open_page(lang, ViewportSize(width=width, height=740))
    shots = Shots(page, f"width-{lang}-{width}-{text.rstrip('%')}")
    wide: list[str] = []
    clipped: list[str] = []

    def check(step: str) -> None:
        # The browser's text size setting: every size in the style sheet is in rem.
        page.evaluate("(size) => { document.documentElement.style.fontSize = size; }", text)
        if step == "code":
            for field in (code_field(1), code_field(2)):
                page.fill(field, "XXXXX-XXXXX-XXXXX-XXXXX")
                box = page.locator(field)
                if box.evaluate("(e) => e.scrollWidth > e.clientWidth"):
                    excess = box.evaluate("(e) => e.scrollWidth - e.clientWidth")
                    clipped.append(f"{step} {field}: {excess} px")
                page.fill(field, "")
        if (extra := overflow(page)) > 0:
            wide.append(f"{step}: {extra} px: {too_wide(page)}")
            shots(step)

    _walk(page, voting_server, check)
    assert wide == [], "\n".join(wide)
    assert clipped == []
    # The check can fail: a wide element makes the page scroll sideways.
    page.evaluate(
        "() => { const d = document.createElement('div'); d.style.width = '2000px';"
        " d.textContent = 'wide'; document.querySelector('main').append(d); }"
    )
    assert overflow(page) > 0


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_axe_finds_no_violation_on_any_step(
    open_page: Opener, voting_server: DemoServer, viewport: ViewportSize
) -> None:
    page = open_page("uk", viewport)
    found: dict[str, list[str]] = {}
    words: dict[str, list[str]] = {}

    def check(step: str) -> None:
        if violations := axe_violations(page):
            found[step] = violations
        if step not in ("explorer", "results"):
            text = page.inner_text("body")
            if hits := [w for w in JARGON if w.lower() in text.lower()]:
                words[step] = hits

    _walk(page, voting_server, check)
    assert found == {}
    assert words == {}
    # axe does find a violation when there is one: an image without a text alternative.
    page.evaluate(
        "() => { const i = document.createElement('img'); i.src = '/assets/favicon.svg';"
        " document.querySelector('main').append(i); }"
    )
    assert any(v.startswith("image-alt") for v in axe_violations(page))
