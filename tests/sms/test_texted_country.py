"""A texted country, through a signed Twilio webhook: its rules come back, not an agency verdict.

The README promises rules for a texted country; "RUSSIA" used to get "no licensed agency
found, working with an unlicensed agency is dangerous". The rules are the sender's: the
citizenship of the number (KG or UZ), in the language the text or the sender gives.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from hotline.models import VerificationRecord
from hotline.runtime import Runtime
from hotline.sms.replies import ReplyBook, fit_sms
from hotline.sms.rules import RulesBook, rules_reply
from tests.conftest import TwilioWebhooks
from tests.factories import make_agency
from tests.fakes.provider_api import FakeTwilioApi

BOOK, RULES = ReplyBook.load(), RulesBook.load()
KG_PHONE = "+996555123456"
UZ_PHONE = "+998901234567"


def _rules_sms(citizenship: str, country: str, language: str, hotline: str) -> str:
    text = RULES.sheets[(citizenship, country)].text[language]
    return fit_sms(rules_reply(text, language, BOOK, hotline))


@pytest.fixture
def registry(state: Runtime) -> None:
    """A real agency whose name begins with a country word."""
    with state.sessions() as session:
        make_agency(
            session,
            licence_no="KG-0211-25",
            name="Russia Travel Service",
            aliases=[],
            destinations=["RU"],
        )
        session.commit()


@pytest.mark.usefixtures("registry")
@pytest.mark.parametrize(
    ("text", "sender", "citizenship", "country", "language"),
    [
        ("RUSSIA", KG_PHONE, "KG", "RU", "ky"),  # Latin, no letters to tell: the number's
        ("РОССИЯ", KG_PHONE, "KG", "RU", "ru"),  # Cyrillic, nothing Kyrgyz in it: Russian
        ("Орусия?", KG_PHONE, "KG", "RU", "ky"),
        ("Rossiya Federatsiyasi", UZ_PHONE, "UZ", "RU", "uz"),
        ("Qozogʻiston", UZ_PHONE, "UZ", "KZ", "uz"),
        ("Qazaqstan", UZ_PHONE, "UZ", "KZ", "kaa"),
        ("Казакстан", KG_PHONE, "KG", "KZ", "ky"),
        ("Корея", KG_PHONE, "KG", "KR", "ru"),
        ("UK", UZ_PHONE, "UZ", "GB", "uz"),
    ],
)
def test_a_texted_country_gets_the_senders_rules(
    twilio_webhooks: TwilioWebhooks,
    state: Runtime,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
    text: str,
    sender: str,
    citizenship: str,
    country: str,
    language: str,
) -> None:
    assert twilio_webhooks.sms(sender, text).status_code == 200
    run_jobs()

    [sent] = fake_twilio.sent()
    hotline = state.settings.hotline_number
    assert sent.value("Body") == _rules_sms(citizenship, country, language, hotline)
    with state.sessions() as session:  # no agency was looked up
        assert session.scalar(select(func.count()).select_from(VerificationRecord)) == 0


@pytest.mark.usefixtures("registry")
def test_an_agency_named_after_a_country_is_still_checked(
    twilio_webhooks: TwilioWebhooks,
    state: Runtime,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    twilio_webhooks.sms(KG_PHONE, "Russia Travel Service")
    run_jobs()

    [sent] = fake_twilio.sent()
    assert "KG-0211-25" in (sent.value("Body") or "")
    with state.sessions() as session:
        record = session.scalars(select(VerificationRecord)).one()
    assert record.verdict == "licensed"
