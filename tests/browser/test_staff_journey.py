"""The staff journey in a real browser, with a real worker sending to the loopback Twilio.

Import contacts, create a campaign, approve it as a second person, launch it and watch the
progress bar reach 100%; upload an MP3 prompt and see it become "recorded". Screenshots of the
main pages are saved under ``artifacts/screenshots/``.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from hotline.runtime import Runtime
from hotline.staff import add_user
from tests.browser.conftest import screenshot
from tests.browser.test_console import PASSWORD, log_in
from tests.fakes.provider_api import FakeTwilioApi
from tests.web.console.test_prompts import cells, take

CONTACTS = 24


def log_out(page: Page) -> None:
    page.click("form[action='/console/logout'] button")


def test_a_campaign_from_import_to_100_percent_and_a_recorded_prompt(
    page: Page, console_url: str, state: Runtime, fake_twilio: FakeTwilioApi, tmp_path: Path
) -> None:
    with state.sessions() as session:
        for email, role in (("author@hotline.example", "campaign_manager"),
                            ("approver@hotline.example", "campaign_manager"),
                            ("admin@hotline.example", "admin")):  # fmt: skip
            add_user(session, email, role, PASSWORD)
        session.commit()
    csv = tmp_path / "partners.csv"
    rows = [f"+9965551{n:05d},{['ky', 'ru', 'uz', 'kaa'][n % 4]},Osh,GB,intending,,2026-01-01"
            for n in range(CONTACTS)]  # fmt: skip
    csv.write_text(
        "phone,language,region,destination,stage,gender,consent_date\n" + "\n".join(rows)
    )

    log_in(page, console_url, "author@hotline.example")
    screenshot(page, "dashboard")
    page.goto(console_url + "/console/contacts")
    page.set_input_files("input[name=file]", str(csv))
    page.click("form[action='/console/contacts/import'] button[type=submit]")
    expect(page.locator("text=Nothing is stored yet.")).to_be_visible()
    page.click("form[action='/console/contacts/import/confirm'] button[type=submit]")
    page.goto(console_url + "/console/contacts?region=Osh")
    expect(page.locator("table tr")).to_have_count(CONTACTS + 1)
    screenshot(page, "contacts")

    page.goto(console_url + "/console/campaigns/new")
    page.fill("input[name=name]", "UK seasonal work: no fees")
    page.fill("textarea[name=message_ru]", "Сезонная работа в Великобритании: не платите агентам.")
    page.fill("textarea[name=message_ky]", "Улуу Британияга жумуш: агенттикке акча төлөбөңүз.")
    page.fill("textarea[name=message_uz]", "Buyuk Britaniyada ish: agentlarga pul to'lamang.")
    page.fill("input[name=send_window]", "00:00-24:00")
    page.fill("input[name=rate_per_second]", "50")
    page.click("button[value=create]")
    campaign_url = page.url
    expect(page.locator("h1")).to_contain_text("UK seasonal work")
    page.click("form[action$='/approve'] button")
    expect(page.locator(".error")).to_be_visible()  # refused: the author cannot approve
    log_out(page)

    log_in(page, console_url, "approver@hotline.example")
    page.goto(campaign_url)
    page.click("form[action$='/approve'] button")
    page.click("form[action$='/launch'] button")
    expect(page.locator("#campaign-progress .percent")).to_have_text("100%", timeout=120_000)
    screenshot(page, "campaign")
    assert len({m["to"] for m in fake_twilio.messages}) == CONTACTS
    page.goto(console_url + "/console/campaigns")
    screenshot(page, "campaigns")
    log_out(page)

    log_in(page, console_url, "admin@hotline.example")
    page.goto(console_url + "/console/prompts")
    expect(page.locator("body")).to_contain_text(
        f"0 of {cells(state)} prompts recorded by a person"
    )
    recording = tmp_path / "main_menu_ky.mp3"
    recording.write_bytes(take("mp3"))
    page.select_option("select[name=prompt]", "main_menu")
    page.select_option("select[name=language]", "ky")
    page.set_input_files("input[name=file]", str(recording))
    page.click("#upload button[type=submit]")
    expect(page.locator("body")).to_contain_text(
        f"1 of {cells(state)} prompts recorded by a person"
    )
    screenshot(page, "prompts")
    for name, path in (("registry", "/console/registry?q=Ak-Jol"), ("users", "/console/users"),
                       ("menu", "/console/prompts/menu")):  # fmt: skip
        page.goto(console_url + path)
        screenshot(page, name)
