"""The simulator in a real browser: a key stops the prompt at once, and the words are shown."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot

# Read synchronously around the page's own keydown handler: one listener on window runs before
# it (capture), one added on document after the page's runs after it, in the same dispatch.
WATCH_KEYS = """() => {
  const player = document.getElementById("player");
  const now = document.getElementById("now");
  const look = () => ({prompt: now.dataset.prompt, paused: player.paused});
  window.aroundKey = {};
  window.addEventListener("keydown", () => { window.aroundKey.before = look(); }, true);
  document.addEventListener("keydown", () => { window.aroundKey.after = look(); });
}"""
PLAYING = """(prompt) => {
  const player = document.getElementById("player");
  return document.getElementById("now").dataset.prompt === prompt
    && !player.paused && player.currentTime > 0;
}"""


def test_a_key_stops_the_prompt_and_the_caller_reads_it_in_kyrgyz(
    page: Page, console_url: str
) -> None:
    page.goto(console_url + "/simulator?lang=ru")
    expect(page.locator("h1")).to_have_text("Симулятор горячей линии")
    page.select_option("#language", "ky")
    page.click("#call")

    page.wait_for_function(PLAYING, arg="main_menu", timeout=20_000)
    expect(page.locator("#now-text")).to_contain_text("агенттикти текшерүү үчүн 1ди басыңыз")
    expect(page.locator("#now-text")).to_have_attribute("lang", "ky")
    screenshot(page, "simulator")
    page.evaluate(WATCH_KEYS)
    page.keyboard.press("1")

    around = page.evaluate("window.aroundKey")
    assert around["before"] == {"prompt": "main_menu", "paused": False}
    assert around["after"] == {"prompt": "", "paused": True}  # before the answer came back
    expect(page.locator("#log")).to_contain_text("клавиша 1 (подсказка прервана клавишей)")

    page.wait_for_function(PLAYING, arg="enter_licence", timeout=20_000)
    expect(page.locator("#now-text")).to_contain_text("лицензия номерин терип")
    page.click('#keypad [data-key="2"]')  # a DTMF button barges in as the keyboard does
    assert page.evaluate(
        "[document.getElementById('player').paused, document.getElementById('now').dataset.prompt]"
    ) == [True, ""]
