"""The booth's code step follows the manifest's codes_per_voter, in real Chromium.

The demo (two registrars serving every region) is tested by test_booth.py. Here the page
is shown other manifests, each valid for the Python reader: the demo's manifest changed
and served in its place (with its fingerprint) by intercepting /api/manifest and
/api/election. A rehearsal (one registrar, codes_per_voter 1) shows the single field of
old; regions with different registrars show numbered fields ("Code 1 of 2").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from browser_fixtures import DemoServer, Shots, axe_violations, code_error, fill_codes
from playwright.sync_api import Page, Route

from referendum.canonical import canonical_json
from referendum.credentials import format_code, generate_code
from referendum.manifest import Manifest
from referendum.signing import Ed25519Key


def _serve_changed(
    page: Page, server: DemoServer, change: Callable[[dict[str, Any]], None]
) -> None:
    """Makes the page see the demo's manifest changed by change (refused by Python: fails)."""
    value = server.api("/api/manifest").json()
    change(value)
    manifest = Manifest.from_json(value)
    election = server.api("/api/election").json()
    election["fingerprint"] = manifest.fingerprint.hex()
    body = canonical_json(value)

    def manifest_route(route: Route) -> None:
        route.fulfill(status=200, body=body, content_type="application/json")

    def election_route(route: Route) -> None:
        route.fulfill(status=200, body=json.dumps(election), content_type="application/json")

    page.route("**/api/manifest", manifest_route)
    page.route("**/api/election", election_route)


def _rehearsal(value: dict[str, Any]) -> None:
    value["codes_per_voter"] = 1
    value["registrars"] = value["registrars"][:1]


def test_a_rehearsal_asks_for_one_code_as_before(
    page: Page, voting_server: DemoServer, shots: Shots
) -> None:
    _serve_changed(page, voting_server, _rehearsal)
    page.goto(voting_server.url)
    page.wait_for_selector("main[data-state=code]")
    shots("rehearsal")
    assert page.locator("input.code-input").count() == 1
    assert page.inner_text("label[for=credential-code]") == "Voting code"
    assert page.inner_text("#code-heading") == "Step 1 of 3: type your voting code"
    assert page.is_hidden("#credential-intro")
    assert "Your code stays on this device" in page.inner_text("#credential-privacy")
    # Errors as before: no field named, beside the one field.
    fill_codes(page, "1")
    page.click("#credential-submit")
    page.wait_for_selector("#credential-error[data-reason=length]")
    assert page.inner_text("#credential-error").startswith("The code has 1 characters")
    # A code that reads but was never issued: not registered, said beside the field.
    fill_codes(page, format_code(generate_code()))
    page.click("#credential-submit")
    page.wait_for_selector("#credential-error[data-reason=not-registered]")
    assert page.inner_text("#credential-error") == (
        "This voting code is not registered for this referendum."
    )
    assert axe_violations(page) == []
    assert not page.errors  # type: ignore[attr-defined]


def _split(value: dict[str, Any]) -> None:
    """A third registrar: cec serves every region, mission some, the third the others."""
    regions = [r["id"] for r in value["regions"]]
    key = Ed25519Key(bytes([0x55]) * 32).public.hex()
    third = dict(
        value["registrars"][1], id="ombudsman", name="Ombudsman's registrar", signing_key=key
    )
    third.pop("display", None)
    value["registrars"][1]["regions"] = regions[:1]
    third["regions"] = regions[1:]
    value["registrars"].append(third)


def test_regions_with_other_registrars_number_the_fields(
    page: Page, voting_server: DemoServer, shots: Shots
) -> None:
    _serve_changed(page, voting_server, _split)
    page.goto(voting_server.url)
    page.wait_for_selector("main[data-state=code]")
    shots("numbered")
    assert page.inner_text("label[for=credential-code]") == "Code 1 of 2"
    assert page.inner_text("label[for=credential-code-2]") == "Code 2 of 2"
    intro = page.inner_text("#credential-intro")
    assert "2 letters" in intro and "different registrar" in intro
    assert "Central" not in intro
    fill_codes(page, ("", "1"))
    page.click("#credential-submit")
    page.wait_for_selector(f"{code_error(2)}[data-reason=length]")
    assert (
        page.inner_text(code_error(1))
        == "Code 1 of 2: This box is empty: type the voting code here."
    )
    assert page.inner_text(code_error(2)).startswith("Code 2 of 2: The code has 1 characters")
    assert page.evaluate("document.activeElement.id") == "credential-code"
    page.click("#lang-ru")
    page.wait_for_function("document.documentElement.lang === 'ru'")
    assert page.inner_text("label[for=credential-code-2]") == "Код 2 из 2"
    assert page.inner_text(code_error(1)).startswith("Код 1 из 2: ")
    shots("numbered-ru")
    assert axe_violations(page) == []
    assert not page.errors  # type: ignore[attr-defined]
