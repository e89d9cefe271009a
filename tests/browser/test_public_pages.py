"""The public pages under the app-wide Content-Security-Policy, in a real browser.

``/verify`` and ``/simulator`` carry their styles inline and the simulator reads its words
from ``<script type="application/json">`` blocks (issue 15 put the console's policy on them):
the browser must report no violation, apply the styles and run the simulator's script.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

WATCH_VIOLATIONS = """
window.violations = [];
document.addEventListener("securitypolicyviolation",
  (event) => window.violations.push(event.violatedDirective + " " + event.blockedURI));
"""


@pytest.fixture
def watched(page: Page) -> tuple[Page, list[str]]:
    """The page, and every CSP complaint its console prints."""
    complaints: list[str] = []
    page.on(
        "console",
        lambda message: (
            complaints.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.add_init_script(WATCH_VIOLATIONS)
    return page, complaints


def test_the_verify_page_keeps_its_inline_styles(
    watched: tuple[Page, list[str]], console_url: str
) -> None:
    page, complaints = watched
    answer = page.goto(console_url + "/verify?lang=ru&q=ak+jol")
    assert answer is not None
    assert "default-src 'self'" in answer.headers["content-security-policy"]

    expect(page.locator("h1")).to_have_text("Проверить агентство")
    expect(page.locator(".answer")).to_be_visible()
    border = page.evaluate("getComputedStyle(document.querySelector('.answer')).borderTopWidth")
    assert border == "2px"  # from the page's own <style>
    assert page.evaluate("window.violations") == []
    assert complaints == []


def test_the_simulator_runs_its_script_and_reads_its_words(
    watched: tuple[Page, list[str]], console_url: str
) -> None:
    page, complaints = watched
    answer = page.goto(console_url + "/simulator?lang=en")
    assert answer is not None
    assert "default-src 'self'" in answer.headers["content-security-policy"]

    keypad = page.evaluate("getComputedStyle(document.getElementById('keypad')).display")
    assert keypad == "grid"  # the inline <style>
    page.click("#call")  # simulator.js, reading its words from the JSON block
    expect(page.locator("#state")).not_to_have_text("not in a call", timeout=20_000)
    expect(page.locator("#keypad button").first).to_be_enabled()
    assert page.evaluate("window.violations") == []
    assert complaints == []
