"""SMS pumping: keyword replies go only to mobiles in SMS_REPLY_COUNTRIES, within budgets.

Whatever is withheld, the inbound message is kept and acted on (a report still opens a case);
only the reply is not sent, and the message says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from sqlalchemy import select

from hotline.config import Settings
from hotline.models import Case, Message, MessageStatus
from hotline.runtime import Runtime
from hotline.sms.spend import Withheld
from tests.conftest import TwilioWebhooks
from tests.fakes.provider_api import FakeTwilioApi

GERMAN_MOBILE = "+4915123456789"
KYRGYZ_FIXED_LINE = "+996312123456"
UZBEK_MOBILE = "+998901234567"


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The shared settings, with what a test asks for through ``indirect`` parametrization."""
    return settings.replace(**getattr(request, "param", {}))


def replies_to(fake_twilio: FakeTwilioApi, phone: str) -> list[str]:
    return [
        r.value("Body") or ""
        for r in fake_twilio.sent()
        if r.path.endswith("/Messages.json") and r.value("To") == phone
    ]


def inbound_from(state: Runtime, phone: str) -> list[Message]:
    with state.sessions() as session:
        return list(
            session.scalars(
                select(Message)
                .where(Message.direction == "inbound", Message.phone == phone)
                .order_by(Message.id)
            )
        )


def kyrgyz_mobile(n: int) -> str:
    return f"+99655510{n:04d}"


@pytest.mark.parametrize(
    ("sender", "withheld"),
    [(GERMAN_MOBILE, Withheld.COUNTRY), (KYRGYZ_FIXED_LINE, Withheld.NUMBER_TYPE)],
)
def test_a_number_we_do_not_text_is_heard_but_not_answered(
    sender: str,
    withheld: Withheld,
    state: Runtime,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    twilio_webhooks.sms(sender, "REPORT agent Ak-Jol took my passport")
    run_jobs()

    [message] = inbound_from(state, sender)
    assert (message.status, message.error_code) == (MessageStatus.PROCESSED, withheld)
    with state.sessions() as session:
        assert session.scalars(select(Case.message_id)).all() == [message.id]
    assert replies_to(fake_twilio, sender) == []


@pytest.mark.parametrize("settings", [{"sms_replies_per_country_hour": 3}], indirect=True)
def test_each_country_has_an_hourly_budget_of_replies(
    state: Runtime,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    senders = [kyrgyz_mobile(n) for n in range(6)]
    for sender in senders:
        twilio_webhooks.sms(sender, "HELP")
        run_jobs()
    twilio_webhooks.sms(UZBEK_MOBILE, "HELP")
    run_jobs()

    answered = [sender for sender in senders if replies_to(fake_twilio, sender)]
    assert answered == senders[:3]
    for sender in senders[3:]:
        [message] = inbound_from(state, sender)
        assert (message.status, message.error_code) == (MessageStatus.PROCESSED, Withheld.BUDGET)
    assert len(replies_to(fake_twilio, UZBEK_MOBILE)) == 1  # another country's budget
    stopped = [r for r in caplog.records if "stopped for the hour" in r.getMessage()]
    assert [(r.levelno, r.args) for r in stopped] == [(logging.WARNING, ("KG", 3))]


def test_one_number_still_gets_ten_replies_then_one_slow_down(
    state: Runtime,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    sender = kyrgyz_mobile(1)
    for _ in range(12):
        twilio_webhooks.sms(sender, "HELP")
    run_jobs()

    assert len(replies_to(fake_twilio, sender)) == 11
    codes = [message.error_code for message in inbound_from(state, sender)]
    assert codes == [None] * 11 + [Withheld.RATE_LIMIT]


def test_the_default_budget_and_countries_are_documented_defaults() -> None:
    defaults = Settings()
    assert defaults.sms_replies_per_country_hour == 1000
    assert set(defaults.sms_reply_countries) == set(defaults.callback_countries)
