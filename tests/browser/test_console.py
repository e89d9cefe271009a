"""The console in a real browser: log in, take a callback, record how it went."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from hotline.callbacks import request_callback
from hotline.db import utcnow
from hotline.models import CallbackRequest, CallbackSource, Contact
from hotline.runtime import Runtime
from hotline.staff import add_user
from tests.browser.conftest import screenshot

PASSWORD = "correct horse battery"


def log_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/console/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_an_agent_takes_a_callback_and_records_the_outcome(
    page: Page, console_url: str, state: Runtime
) -> None:
    with state.sessions() as session:
        add_user(session, "aida@hotline.example", "agent", PASSWORD)
        contact = Contact(phone="+996555123456", language="ky")
        session.add(contact)
        session.flush()
        request_callback(session, contact, CallbackSource.IVR, "ky", utcnow(), "urgent")
        session.commit()

    log_in(page, console_url, "aida@hotline.example")
    page.goto(console_url + "/console/callbacks")
    expect(page.locator("td.urgent")).to_have_text("urgent")
    screenshot(page, "callbacks")
    page.select_option("select[name=result]", "reached")
    page.select_option("select[name=topic]", "wages")
    page.fill("input[name=notes]", "paid after the call")
    page.click("form[action$='/outcome'] button[type=submit]")
    expect(page.locator("text=No one is waiting.")).to_be_visible()

    with state.sessions() as session:
        request = session.scalars(select(CallbackRequest)).one()
        assert (request.status, request.topic) == ("reached", "wages")


def test_a_wrong_password_keeps_the_visitor_out(page: Page, console_url: str) -> None:
    log_in(page, console_url, "nobody@hotline.example")
    expect(page.locator(".problem")).to_have_text("Wrong email or password.")
    screenshot(page, "login")
