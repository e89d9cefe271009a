"""Every keyword, in every language, through a signed Twilio webhook to the loopback Twilio.

Each case: the inbound message is stored, the worker composes the reply in the request's
language, sends it to the loopback Twilio, and both rows carry segment counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select

from hotline.callbacks.notices import expected_call
from hotline.db import utcnow
from hotline.models import (
    CallbackRequest,
    Case,
    Contact,
    Direction,
    Message,
    MessageStatus,
    VerificationRecord,
)
from hotline.runtime import Runtime
from hotline.sms.replies import ReplyBook
from sms_campaigns.audience import eligible_contacts
from tests.conftest import TwilioWebhooks
from tests.factories import make_agency
from tests.fakes.provider_api import FakeTwilioApi

BOOK = ReplyBook.load()
KG_PHONE = "+996555123456"
UZ_PHONE = "+998901234567"

# (message, sender, reply language, what the reply must contain)
CALL_ACK = "(the callback acknowledgement, with the time to expect the call)"
CASES = [
    ("HELP", KG_PHONE, "ky", BOOK.text("help", "ky")),
    ("ПОМОЩЬ", KG_PHONE, "ru", BOOK.text("help", "ru")),
    ("ЖАРДАМ", KG_PHONE, "ky", BOOK.text("help", "ky")),
    ("YORDAM", UZ_PHONE, "uz", BOOK.text("help", "uz")),
    ("JÁRDEM", UZ_PHONE, "kaa", BOOK.text("help", "kaa")),
    ("CHECK KG-0145-23", KG_PHONE, "ky", "KG-0145-23"),
    ("ПРОВЕРКА Ак-Жол Тревел", KG_PHONE, "ru", "ДЕЙСТВУЕТ"),
    ("ТЕКШЕР Ак-Жол Тревел", KG_PHONE, "ky", "ЖАРАКТУУ"),
    ("TEKSHIR Ak-Jol Travel", UZ_PHONE, "uz", "AMALDA"),
    ("TEKSER Ak-Jol Travel", UZ_PHONE, "kaa", "ÁMELDE"),
    ("RULES RU", KG_PHONE, "ky", "Орусия"),
    ("ПРАВИЛА Россия", KG_PHONE, "ru", "Россия"),
    ("ЭРЕЖЕ Казакстан", KG_PHONE, "ky", "Ишеним телефону"),
    ("QOIDA Rossiya", UZ_PHONE, "uz", "Rossiya"),
    ("QAǴIYDA Rossiya", UZ_PHONE, "kaa", "Rossiya"),
    ("REPORT agency took passports", KG_PHONE, "ky", "R-0000"),
    ("ЖАЛОБА агентство забрало паспорт", KG_PHONE, "ru", "R-0000"),
    ("КАБАРЛА агенттик акча алды", KG_PHONE, "ky", "R-0000"),
    ("XABAR agentlik pul oldi", UZ_PHONE, "uz", "R-0000"),
    ("ARZA agentlik pul aldı", UZ_PHONE, "kaa", "R-0000"),
    ("CALL", KG_PHONE, "ky", CALL_ACK),
    ("ПОЗВОНИТЕ", KG_PHONE, "ru", CALL_ACK),
    ("ЧАЛ", KG_PHONE, "ky", CALL_ACK),
    ("QOʻNGʻIROQ", UZ_PHONE, "uz", CALL_ACK),
    ("QOŃIRAW", UZ_PHONE, "kaa", CALL_ACK),
    ("STOP", KG_PHONE, "ky", BOOK.text("stop_ack", "ky")),
    ("СТОП", KG_PHONE, "ru", BOOK.text("stop_ack", "ru")),
    ("ТОКТОТ", KG_PHONE, "ky", BOOK.text("stop_ack", "ky")),
    ("TOʻXTA", UZ_PHONE, "uz", BOOK.text("stop_ack", "uz")),
    ("TOQTAT", UZ_PHONE, "kaa", BOOK.text("stop_ack", "kaa")),
    ("START", KG_PHONE, "ky", BOOK.text("start_ack", "ky")),
    ("СТАРТ", KG_PHONE, "ru", BOOK.text("start_ack", "ru")),
    ("БАШТА", KG_PHONE, "ky", BOOK.text("start_ack", "ky")),
    ("BOSHLA", UZ_PHONE, "uz", BOOK.text("start_ack", "uz")),
    ("BASLA", UZ_PHONE, "kaa", BOOK.text("start_ack", "kaa")),
    ("LANG ru", KG_PHONE, "ru", BOOK.text("lang_set", "ru")),
    ("ЯЗЫК кыргызча", KG_PHONE, "ky", BOOK.text("lang_set", "ky")),
    ("ТИЛ ru", KG_PHONE, "ru", BOOK.text("lang_set", "ru")),
    ("TIL uz", UZ_PHONE, "uz", BOOK.text("lang_set", "uz")),
    ("TIL kaa", UZ_PHONE, "kaa", BOOK.text("lang_set", "kaa")),
]


@pytest.fixture
def registry(state: Runtime) -> None:
    with state.sessions() as session:
        make_agency(session)
        session.commit()


def _replies(state: Runtime) -> list[Message]:
    with state.sessions() as session:
        return list(
            session.scalars(
                select(Message).where(Message.direction == Direction.OUTBOUND).order_by(Message.id)
            )
        )


@pytest.mark.usefixtures("registry")
@pytest.mark.parametrize(("text", "sender", "language", "expected"), CASES)
def test_keyword_is_answered_in_its_language(
    twilio_webhooks: TwilioWebhooks,
    state: Runtime,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
    text: str,
    sender: str,
    language: str,
    expected: str,
) -> None:
    assert twilio_webhooks.sms(sender, text).status_code == 200
    run_jobs()
    if expected == CALL_ACK:  # it says when to expect the call while the hotline is closed
        when = expected_call(BOOK, state.staffed_hours, utcnow(), sender, language)
        expected = BOOK.text("call_ack", language, when=when, hotline="+996312000000")

    [sent] = fake_twilio.sent()
    assert sent.value("To") == sender
    body = sent.value("Body") or ""
    assert expected.replace("ʻ", "'") in body
    with state.sessions() as session:
        inbound = session.scalars(select(Message).where(Message.direction == "inbound")).one()
        assert inbound.segments >= 1
    [reply] = _replies(state)
    assert reply.status == MessageStatus.SENT
    assert reply.in_reply_to_id == inbound.id
    assert reply.body == body
    assert 1 <= reply.segments <= 3


def test_replayed_webhook_sends_no_second_reply(
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    for _ in range(3):
        twilio_webhooks.sms(KG_PHONE, "HELP", sid="SM" + "7" * 32)
        run_jobs()
    assert len(fake_twilio.sent()) == 1


def test_stop_takes_the_number_out_of_every_campaign_audience(
    twilio_webhooks: TwilioWebhooks, state: Runtime, run_jobs: Callable[[], None]
) -> None:
    twilio_webhooks.sms(KG_PHONE, "HELP")
    run_jobs()
    with state.sessions() as session:
        session.scalars(select(Contact)).one().consent_date = dt.date(2026, 1, 1)
        session.commit()
        assert KG_PHONE in {c.phone for c in session.scalars(eligible_contacts())}

    twilio_webhooks.sms(KG_PHONE, "СТОП")
    run_jobs()
    with state.sessions() as session:
        assert session.scalars(select(Contact)).one().opted_out
        assert KG_PHONE not in {c.phone for c in session.scalars(eligible_contacts())}


def test_report_opens_a_case_without_echoing_it(
    twilio_webhooks: TwilioWebhooks, state: Runtime, run_jobs: Callable[[], None]
) -> None:
    twilio_webhooks.sms(KG_PHONE, "REPORT Recruiter Azamat in Osh took 3 passports")
    run_jobs()

    with state.sessions() as session:
        case = session.scalars(select(Case)).one()
    assert case.text == "Recruiter Azamat in Osh took 3 passports"
    assert "Azamat" not in _replies(state)[0].body


def test_two_call_requests_merge_into_one(
    twilio_webhooks: TwilioWebhooks, state: Runtime, run_jobs: Callable[[], None]
) -> None:
    twilio_webhooks.sms(KG_PHONE, "CALL")
    twilio_webhooks.sms(KG_PHONE, "ЧАЛ")
    run_jobs()

    with state.sessions() as session:
        request = session.scalars(select(CallbackRequest)).one()
    assert (request.source, request.requests, request.phone) == ("sms", 2, KG_PHONE)


def test_call_in_any_language_makes_one_request_per_number(
    twilio_webhooks: TwilioWebhooks, state: Runtime, run_jobs: Callable[[], None]
) -> None:
    numbers = {"+996555100001": "CALL", "+996555100002": "ЧАЛ", "+996555100003": "ПОЗВОНИТЕ"}
    numbers["+998901000004"] = "QOʻNGʻIROQ"
    for number, word in numbers.items():
        twilio_webhooks.sms(number, word)
        twilio_webhooks.sms(number, word.lower())
    run_jobs()

    with state.sessions() as session:
        requests = list(session.scalars(select(CallbackRequest)))
    assert sorted(r.phone for r in requests) == sorted(numbers)
    assert {(r.source, r.requests) for r in requests} == {("sms", 2)}


@pytest.mark.usefixtures("registry")
def test_a_bare_name_is_an_agency_check_and_is_logged(
    twilio_webhooks: TwilioWebhooks,
    state: Runtime,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    twilio_webhooks.sms(KG_PHONE, "Ak-Jol Trade")
    run_jobs()

    body = fake_twilio.sent()[0].value("Body") or ""
    with state.sessions() as session:
        record = session.scalars(select(VerificationRecord)).one()
    assert record.verdict == "not_found"
    assert "ДЕЙСТВУЕТ" not in body
    assert "ЖАРАКТУУ" not in body


def test_language_choice_is_remembered(
    twilio_webhooks: TwilioWebhooks, fake_twilio: FakeTwilioApi, run_jobs: Callable[[], None]
) -> None:
    twilio_webhooks.sms(UZ_PHONE, "TIL ru")
    twilio_webhooks.sms(UZ_PHONE, "HELP")
    run_jobs()

    assert fake_twilio.sent()[-1].value("Body") == BOOK.text("help", "ru")


def test_a_flood_from_one_number_is_cut_off(
    twilio_webhooks: TwilioWebhooks, fake_twilio: FakeTwilioApi, run_jobs: Callable[[], None]
) -> None:
    for _ in range(15):
        twilio_webhooks.sms(KG_PHONE, "HELP")
    run_jobs()

    assert len(fake_twilio.sent()) == 11  # ten answers and one "slow down"


def test_africastalking_sms_is_answered_through_africastalking(
    client,
    fake_africastalking,
    run_jobs: Callable[[], None],  # type: ignore[no-untyped-def]
) -> None:
    from tests.conftest import AT_TOKEN

    form = {"id": "ATXid_e2e", "from": UZ_PHONE, "to": "12345", "text": "YORDAM"}
    assert client.post(f"/africastalking/sms?token={AT_TOKEN}", data=form).status_code == 200
    run_jobs()

    [sent] = fake_africastalking.sent()
    assert sent.value("to") == UZ_PHONE
    assert sent.value("message") == BOOK.text("help", "uz")


def test_after_stop_a_campaign_sends_that_number_nothing(
    twilio_webhooks: TwilioWebhooks,
    state: Runtime,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sqlalchemy import update

    from hotline.models import Contact
    from tests.sms_campaigns.builders import CAMPAIGN, NOON, make_contacts, new_campaign
    from workers.campaigns import dispatch_campaign

    monkeypatch.setattr("workers.campaigns.utcnow", lambda: NOON)
    twilio_webhooks.sms(KG_PHONE, "HELP")
    twilio_webhooks.sms(KG_PHONE, "СТОП")
    run_jobs()
    with state.sessions() as session:
        session.execute(update(Contact).values(consent_date=NOON.date()))
        make_contacts(session, 3)
        session.commit()
    fake_twilio.reset()

    campaign_id = new_campaign(state, CAMPAIGN)
    dispatch_campaign(campaign_id)
    run_jobs()

    texted = {message["to"] for message in fake_twilio.messages}
    assert len(texted) == 3
    assert KG_PHONE not in texted
