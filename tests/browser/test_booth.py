"""A voter in real headless Chromium: cast, challenge then cast, typing mistakes, languages.

The booth encrypts in the browser (web/src/crypto); these tests check what it sent with
the Python implementation: the credential the browser derived from the code is the one
Python derives, the challenged ballot reveals the choices the voter clicked, and the
board holds each ballot under the tracking code the page showed.
"""

from __future__ import annotations

import json

from browser_fixtures import (
    DemoServer,
    Shots,
    code_error,
    code_field,
    encrypt,
    enter_code,
    fill_codes,
    sent_bodies,
)
from playwright.sync_api import Page

from referendum.ballot import normalize_tracking_code, verify_spoiled
from referendum.credentials import credential_key, format_code, generate_code
from referendum.group import RISTRETTO255, element_from_hex
from referendum.manifest import Manifest


def _manifest(server: DemoServer) -> Manifest:
    return Manifest.from_json(server.api("/api/manifest").json())


def test_a_voter_casts_and_the_board_has_the_ballot(
    page: Page, voting_server: DemoServer, shots: Shots
) -> None:
    region, code = voting_server.take_code("kherson")
    sent = sent_bodies(page)
    enter_code(page, voting_server, code)
    shots("code")
    tracking = encrypt(page, "ukraine")
    shots("review")
    page.click("#cast")
    page.wait_for_selector("main[data-state=cast]")
    shots("cast")

    # The browser checked the board's receipt: tracking code, signature, inclusion proof.
    checks = page.locator("#receipt-status li[data-check]")
    assert checks.count() == 3
    assert page.get_attribute("#receipt-status", "data-ok") == "true"
    [post] = sent
    assert post["url"].endswith("/api/ballots")
    ballot = post["body"]
    # The codes never left the browser; the key they derive is the one Python derives.
    assert len(code) == 2
    for each in code:
        assert each.replace("-", "") not in json.dumps(sent).replace("-", "")
    key = credential_key(_manifest(voting_server).fingerprint, code)
    assert ballot["credential"] == key.public.hex()
    assert ballot["region"] == region

    found = voting_server.api(f"/api/receipts/{tracking}").json()
    assert found["kind"] == "ballot"
    assert found["latest"] is None  # which ballot counts is told after voting.close
    assert found["payload"] == ballot
    assert normalize_tracking_code(found["receipt"]["tracking_code"]) == normalize_tracking_code(
        tracking
    )
    assert not page.errors  # type: ignore[attr-defined]


def test_a_voter_challenges_then_casts(page: Page, voting_server: DemoServer, shots: Shots) -> None:
    _, code = voting_server.take_code()
    sent = sent_bodies(page)
    enter_code(page, voting_server, code)
    first = encrypt(page, "russia")
    page.click("#challenge")
    page.wait_for_selector("main[data-state=challenged]")
    shots("challenged")
    assert page.get_attribute("#challenge-status", "data-ok") == "true"
    votes = {
        row.get_attribute("data-option"): row.get_attribute("data-vote")
        for row in page.locator("#revealed tr[data-option]").all()
    }
    assert votes == {"ukraine": "0", "russia": "1"}

    # What the browser published decrypts, with Python's check, to the voter's choice.
    manifest = _manifest(voting_server)
    election = voting_server.api("/api/election").json()
    key = element_from_hex(RISTRETTO255, election["public_key"], "public_key")
    [challenge] = sent
    assert challenge["url"].endswith("/api/challenges")
    _, choices = verify_spoiled(manifest, key, challenge["body"], "challenge")
    assert choices == {"status": (0, 1)}

    page.click("#vote-again")
    page.wait_for_selector("main[data-state=review]")
    second = page.get_attribute("#tracking-code", "data-code")
    assert second is not None
    assert normalize_tracking_code(second) != normalize_tracking_code(first)
    page.click("#cast")
    page.wait_for_selector("main[data-state=cast]")
    shots("cast")

    assert voting_server.api(f"/api/receipts/{first}").json()["kind"] == "spoiled"
    assert voting_server.api(f"/api/receipts/{second}").json()["kind"] == "ballot"
    assert not page.errors  # type: ignore[attr-defined]


def _typo(code: str) -> str:
    """Gives back code with its first character changed: one typing mistake."""
    return ("1" if code[0] != "1" else "2") + code[1:]


def test_a_mistyped_code_is_refused_and_nothing_is_sent(
    page: Page, voting_server: DemoServer, shots: Shots
) -> None:
    _, (first, second) = voting_server.take_code()
    size = voting_server.api("/api/election").json()["size"]
    sent = sent_bodies(page)
    # One character changed: the check character catches it before anything is sent.
    enter_code(page, voting_server, (_typo(first), second))
    page.wait_for_selector("#credential-error[data-reason=check]")
    shots("typo")
    assert "typing mistake" in page.inner_text("#credential-error")
    assert page.locator("main[data-state=code]").count() == 1

    # Codes that were never issued: the board does not know the key they make.
    fill_codes(page, (format_code(generate_code()), format_code(generate_code())))
    page.click("#credential-submit")
    page.wait_for_selector("#codes-error[data-reason=not-registered]")
    assert "not registered" in page.inner_text("#codes-error")
    shots("unregistered")
    assert sent == []
    assert voting_server.api("/api/election").json()["size"] == size


def _registrars(server: DemoServer) -> list[str]:
    """Gives back the demo's registrars' English display names, in manifest order."""
    manifest = server.api("/api/manifest").json()
    return [g.get("display", {}).get("en", g["name"]) for g in manifest["registrars"]]


def test_a_voter_casts_with_two_codes_in_either_order(
    page: Page, voting_server: DemoServer, shots: Shots
) -> None:
    """The demo's registrars each mail a code; the booth asks for both, by registrar."""
    region, codes = voting_server.take_code()
    assert len(codes) == 2
    page.goto(voting_server.url)
    page.wait_for_selector("main[data-state=code]")
    # One field per registrar, named after it; the words say there is one letter each.
    names = _registrars(voting_server)
    assert len(names) == 2
    for number, name in enumerate(names, start=1):
        label = page.inner_text(f"label[for={code_field(number)[1:]}]")
        assert label == f"Code from {name}"
    intro = page.inner_text("#credential-intro")
    assert "2 letters" in intro and all(name in intro for name in names)
    assert "Step 1 of 3: type your voting codes" in page.inner_text("#code-heading")
    assert page.locator("input.code-input").count() == 2
    shots("two-fields")

    # The second registrar's code first: the order does not matter.
    sent = sent_bodies(page)
    fill_codes(page, tuple(reversed(codes)))
    page.click("#credential-submit")
    tracking = encrypt(page, "ukraine")
    page.click("#cast")
    page.wait_for_selector("main[data-state=cast]")
    assert page.get_attribute("#receipt-status", "data-ok") == "true"
    [post] = sent
    key = credential_key(_manifest(voting_server).fingerprint, codes)
    assert post["body"]["credential"] == key.public.hex()
    found = voting_server.api(f"/api/receipts/{tracking}").json()
    assert found["kind"] == "ballot"
    assert found["payload"]["region"] == region
    # The fields are emptied once the codes are used.
    assert page.input_value("#credential-code") == ""
    assert page.input_value("#credential-code-2") == ""
    assert not page.errors  # type: ignore[attr-defined]


def test_a_typo_in_either_code_is_named_and_the_same_code_twice_refused(
    page: Page, voting_server: DemoServer, shots: Shots
) -> None:
    _, (first, second) = voting_server.take_code()
    names = _registrars(voting_server)
    sent = sent_bodies(page)
    page.goto(voting_server.url)
    page.wait_for_selector("main[data-state=code]")

    for number, codes in ((1, (_typo(first), second)), (2, (first, _typo(second)))):
        other = 3 - number
        fill_codes(page, codes)
        page.click("#credential-submit")
        page.wait_for_selector(f"{code_error(number)}[data-reason=check]")
        message = page.inner_text(code_error(number))
        # The message says which code: the field's registrar, and what is wrong.
        assert message.startswith(f"Code from {names[number - 1]}: "), message
        assert "typing mistake" in message
        assert page.get_attribute(code_field(number), "aria-invalid") == "true"
        assert page.get_attribute(code_field(other), "aria-invalid") != "true"
        assert page.is_hidden(code_error(other))
        assert page.evaluate("document.activeElement.id") == code_field(number)[1:]
        shots(f"typo-in-{number}")

    # A character no code uses, in the second code: named with its position.
    fill_codes(page, (first, "*" + second[1:]))
    page.click("#credential-submit")
    page.wait_for_selector(f"{code_error(2)}[data-reason=character]")
    message = page.inner_text(code_error(2))
    assert message.startswith(f"Code from {names[1]}: ") and "“*” (position 1)" in message

    # The same letter's code in both fields: refused beside the second, naming the first.
    fill_codes(page, (first, first.lower().replace("-", " ")))
    page.click("#credential-submit")
    page.wait_for_selector(f"{code_error(2)}[data-reason=same]")
    message = page.inner_text(code_error(2))
    assert "same code" in message and f"“Code from {names[0]}”" in message, message
    assert page.is_hidden(code_error(1))
    assert page.evaluate("document.activeElement.id") == code_field(2)[1:]
    shots("same")

    # In Ukrainian: the same refusal in the page's language.
    page.click("#lang-uk")
    page.wait_for_function("document.documentElement.lang === 'uk'")
    assert "той самий код" in page.inner_text(code_error(2))
    page.click("#lang-en")
    assert sent == []
    assert page.get_attribute("main", "data-state") == "code"

    # Both right at last: the booth goes on.
    fill_codes(page, (first, second))
    page.click("#credential-submit")
    page.wait_for_selector("main[data-state=choose]")
    assert page.is_hidden(code_error(2))
    assert not page.errors  # type: ignore[attr-defined]


def test_the_booth_speaks_ukrainian_and_russian(
    page: Page, voting_server: DemoServer, shots: Shots
) -> None:
    page.goto(voting_server.url)
    page.wait_for_selector("main[data-state=code]")
    page.click("#lang-uk")
    page.wait_for_function("document.documentElement.lang === 'uk'")
    shots("uk")
    assert "Референдум щодо статусу" in page.inner_text("body")
    page.click("#lang-ru")
    page.wait_for_function("document.documentElement.lang === 'ru'")
    assert "Референдум о статусе" in page.inner_text("body")  # noqa: RUF001
    page.reload()
    page.wait_for_selector("main[data-state=code]")
    # The choice is kept across visits.
    assert page.evaluate("document.documentElement.lang") == "ru"


def test_a_voter_casts_with_the_keyboard_alone(
    page: Page, voting_server: DemoServer, shots: Shots
) -> None:
    _, code = voting_server.take_code()
    page.goto(voting_server.url)
    page.wait_for_selector("main[data-state=code]")
    page.focus("#credential-code")
    page.keyboard.type(code[0])
    page.keyboard.press("Tab")  # on to the second registrar's field
    page.keyboard.type(code[1])
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-state=choose]")
    # Tab to the first option, choose it with the space bar, tab on to the button.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "radio":
            break
    page.keyboard.press("Space")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "encrypt":
            break
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-state=review]")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "cast":
            break
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-state=cast]")
    shots("cast")
    tracking = page.get_attribute("#tracking-code", "data-code")
    assert voting_server.api(f"/api/receipts/{tracking}").json()["kind"] == "ballot"


def test_every_form_control_has_a_label(page: Page, voting_server: DemoServer) -> None:
    _, code = voting_server.take_code()
    enter_code(page, voting_server, code)
    page.wait_for_selector("main[data-state=choose]")
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea, button')]
            .filter(el => el.offsetParent !== null)
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                          && !(el.tagName === 'BUTTON' && el.innerText.trim()))
            .map(el => el.outerHTML)"""
    )
    assert unlabelled == []


# WCAG 2.1 relative luminance and contrast ratio of every visible text element against the
# first opaque background behind it (the pages use no background images).
CONTRAST = """() => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.offsetParent) continue;
    const fg = lum(rgb(getComputedStyle(el).color).slice(0, 3));
    const bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const what = `${el.tagName}#${el.id} "${el.textContent.trim().slice(0, 30)}"`;
    if (ratio < 4.5) low.push(`${what} ${ratio.toFixed(2)}`);
  }
  return low;
}"""


def test_text_contrast_is_at_least_wcag_aa_on_every_step(
    page: Page, voting_server: DemoServer, shots: Shots
) -> None:
    _, code = voting_server.take_code()
    page.goto(voting_server.url)
    page.wait_for_selector("main[data-state=code]")
    low = page.evaluate(CONTRAST)
    fill_codes(page, ("1", code[0]))
    page.click("#credential-submit")
    page.wait_for_selector("#credential-error[data-reason]")
    low += page.evaluate(CONTRAST)
    fill_codes(page, code)
    page.click("#credential-submit")
    page.wait_for_selector("main[data-state=choose]")
    low += page.evaluate(CONTRAST)
    encrypt(page, "ukraine")
    low += page.evaluate(CONTRAST)
    page.click("#challenge")
    page.wait_for_selector("main[data-state=challenged]")
    low += page.evaluate(CONTRAST)
    for path in ("explorer", "results"):
        page.goto(voting_server.url + path)
        page.wait_for_selector("main:not([data-state=loading])")
        low += page.evaluate(CONTRAST)
    assert low == []
    # The check itself catches grey text on white (2.3:1).
    page.evaluate(
        """() => { const p = document.createElement('p'); p.id = 'faint';
                   p.textContent = 'faint'; p.style.color = '#aaaaaa';
                   p.style.background = '#ffffff'; document.querySelector('main').append(p); }"""
    )
    assert [item for item in page.evaluate(CONTRAST) if "#faint" in item]
