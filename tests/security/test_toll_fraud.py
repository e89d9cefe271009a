"""Toll fraud: callbacks ring only numbers in CALLBACK_COUNTRIES, and only kinds that cost little.

Every way to ask for a callback (the voice menu, a missed call, the SMS keyword CALL) refuses a
number we do not call, logs it with the number masked and keeps the refusal on the request; the
worker checks again before anyone is rung, so a request stored under older settings is never
dialled either.
"""

from __future__ import annotations

import ast
import datetime as dt
import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline.callbacks import request_callback
from hotline.callbacks.outcomes import service_levels
from hotline.callbacks.placing import CallbackLine, ring_agent, start_next_attempt
from hotline.config import Settings, SettingsError
from hotline.models import (
    Agent,
    AgentStatus,
    CallbackEvent,
    CallbackRequest,
    CallbackSource,
    CallbackStatus,
    Contact,
)
from hotline.phones import Destinations, mask
from hotline.runtime import Runtime
from hotline.sms.replies import ReplyBook
from tests.callbacks.conftest import (
    HOTLINE,
    Clock,
    add_agent,
    ask_for_callback,
    calls_placed,
    texts_to,
)
from tests.conftest import TwilioWebhooks
from tests.fakes.provider_api import FakeTwilioApi
from tests.web.test_voice import TwilioCall, node_of
from workers.callbacks import place_callbacks

pytestmark = pytest.mark.usefixtures("clock")

GERMAN_MOBILE = "+4915123456789"  # a country we do not call
UK_PREMIUM = "+448712345678"  # an allowed country, but a premium-rate number
RUSSIAN_MOBILE = "+79161234567"  # not called here (see settings), but we may text it
KYRGYZ_MOBILE = "+996555123456"
REFUSED_TEXTS = {
    text.format(hotline=HOTLINE) for text in ReplyBook.load().templates["callback_refused"].values()
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Calls to Kyrgyzstan, Uzbekistan and Britain only; SMS replies keep the default list."""
    return settings.replace(callback_countries=("KG", "UZ", "GB"))


def the_request(state: Runtime) -> tuple[CallbackRequest, list[str]]:
    with state.sessions() as session:
        request = session.scalars(select(CallbackRequest)).one()
        history = session.scalars(
            select(CallbackEvent.detail)
            .where(CallbackEvent.request_id == request.id)
            .order_by(CallbackEvent.id)
        ).all()
        return request, list(history)


def refusal_logs(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "refused" in r.getMessage()]


@pytest.mark.parametrize(
    ("caller", "why"), [(GERMAN_MOBILE, "country DE"), (UK_PREMIUM, "type premium_rate")]
)
@pytest.mark.parametrize("source", ["ivr", "missed_call", "sms"])
def test_a_callback_to_a_number_we_do_not_call_is_refused_and_logged(
    source: str,
    caller: str,
    why: str,
    state: Runtime,
    agent: int,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)

    ask_for_callback(source, twilio_webhooks, run_jobs, caller)
    state.queues.enqueue(place_callbacks)
    run_jobs()

    request, history = the_request(state)
    assert (request.status, request.outcome) == (CallbackStatus.REFUSED, "refused")
    assert history[-1] == f"refused: {why}"
    assert calls_placed(fake_twilio) == []
    assert texts_to(fake_twilio, caller) == []  # we may not text it either
    [warning] = refusal_logs(caplog)
    assert warning.levelno == logging.WARNING
    assert mask(caller) in warning.getMessage()
    assert caller.lstrip("+") not in caplog.text


@pytest.mark.parametrize("source", ["ivr", "missed_call", "sms"])
def test_a_caller_we_will_not_call_is_told_by_sms_where_we_may_text(
    source: str,
    state: Runtime,
    agent: int,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    ask_for_callback(source, twilio_webhooks, run_jobs, RUSSIAN_MOBILE)

    assert the_request(state)[0].status == CallbackStatus.REFUSED
    [text] = texts_to(fake_twilio, RUSSIAN_MOBILE)
    assert text in REFUSED_TEXTS
    assert calls_placed(fake_twilio) == []


@pytest.mark.parametrize(
    ("caller", "heard", "not_heard"),
    [
        (GERMAN_MOBILE, "callback_unavailable", "callback_confirmed"),
        (KYRGYZ_MOBILE, "callback_confirmed", "callback_unavailable"),
    ],
)
def test_the_voice_menu_promises_a_callback_only_where_we_will_call(
    caller: str, heard: str, not_heard: str, twilio_webhooks: TwilioWebhooks
) -> None:
    call = TwilioCall(twilio_webhooks, caller)
    if node_of(call.start()) == "language":
        call.press("2")

    answer = ET.tostring(call.press("5"), encoding="unicode")

    assert f"/{heard}." in answer
    assert f"/{not_heard}." not in answer


def test_a_number_we_call_still_gets_its_callback(
    state: Runtime,
    agent: int,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    ask_for_callback("sms", twilio_webhooks, run_jobs, KYRGYZ_MOBILE)

    assert the_request(state)[0].status == CallbackStatus.CALLING
    assert len(calls_placed(fake_twilio)) == 1


def stored_without_a_check(state: Runtime, clock: Clock, phone: str) -> int:
    """A request kept before CALLBACK_COUNTRIES changed (or by a path that did not check)."""
    with state.sessions() as session:
        contact = Contact(phone=phone)
        session.add(contact)
        session.flush()
        request = request_callback(session, contact, CallbackSource.SMS, "ru", clock.now)
        session.commit()
        return request.id


def test_a_request_stored_before_the_countries_changed_is_never_dialled(
    state: Runtime,
    clock: Clock,
    agent: int,
    fake_twilio: FakeTwilioApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stored_without_a_check(state, clock, GERMAN_MOBILE)

    assert place_callbacks()["placed"] == 0

    request, history = the_request(state)
    assert request.status == CallbackStatus.REFUSED
    assert history[-1] == "refused: country DE"
    assert calls_placed(fake_twilio) == []
    assert [r.levelno for r in refusal_logs(caplog)] == [logging.WARNING]
    with state.sessions() as session:
        assert session.get(Agent, agent).status == AgentStatus.AVAILABLE  # type: ignore[union-attr]


def test_the_last_check_before_ringing_catches_a_request_already_claimed(
    state: Runtime, clock: Clock, agent: int, fake_twilio: FakeTwilioApi
) -> None:
    """An older worker claimed the request without checking; the ring itself still refuses."""
    request_id = stored_without_a_check(state, clock, GERMAN_MOBILE)
    line = CallbackLine(
        state.provider,
        "+996312000000",
        state.settings.public_base_url,
        Destinations.for_calls(["KG"]),
    )
    with state.sessions() as session:
        attempt_id = start_next_attempt(session, state.staffed_hours, "twilio", clock.now)
        assert attempt_id is not None

        assert ring_agent(session, attempt_id, line, clock.now) == "refused"

    assert calls_placed(fake_twilio) == []
    with state.sessions() as session:
        assert session.get(CallbackRequest, request_id).status == "refused"  # type: ignore[union-attr]
        assert session.get(Agent, agent).status == AgentStatus.AVAILABLE  # type: ignore[union-attr]


def test_an_agent_whose_number_we_would_not_call_is_not_rung(
    state: Runtime, clock: Clock, fake_twilio: FakeTwilioApi, caplog: pytest.LogCaptureFixture
) -> None:
    agent = add_agent(state, phone=UK_PREMIUM)
    request_id = stored_without_a_check(state, clock, KYRGYZ_MOBILE)

    place_callbacks()

    assert calls_placed(fake_twilio) == []
    with state.sessions() as session:
        assert session.get(Agent, agent).status == AgentStatus.AWAY  # type: ignore[union-attr]
        assert session.get(CallbackRequest, request_id).status == "open"  # type: ignore[union-attr]
    assert mask(UK_PREMIUM) in caplog.text
    assert UK_PREMIUM.lstrip("+") not in caplog.text


def test_refusals_are_counted_apart_in_the_service_levels(
    state: Runtime,
    clock: Clock,
    twilio_webhooks: TwilioWebhooks,
    run_jobs: Callable[[], None],
) -> None:
    ask_for_callback("sms", twilio_webhooks, run_jobs, GERMAN_MOBILE)

    with state.sessions() as session:
        [day] = service_levels(session, state.staffed_hours.zone, clock.now - dt.timedelta(days=1))
    assert (day["requests"], day["refused"], day["share_reached"]) == (1, 1, None)


@pytest.mark.parametrize(
    ("number", "refusal"),
    [
        ("+996555123456", None),  # Kyrgyz mobile
        ("+996312000000", None),  # Kyrgyz fixed line: a call costs little
        ("+998901234567", None),  # Uzbek mobile
        ("+77011234567", None),  # Kazakh mobile (+7 is shared with Russia)
        ("+79161234567", None),  # Russian mobile
        ("+905321234567", None),  # Turkish mobile
        ("+821012345678", None),  # Korean mobile
        ("+442079460000", None),  # London fixed line
        ("+448712345678", "type premium_rate"),
        ("+449012345678", "type premium_rate"),
        ("+447012345678", "type personal_number"),
        ("+78091234567", "type premium_rate"),  # Russian premium rate
        ("+445512345678", "type uan"),
        ("+447640123456", "type pager"),
        ("+445612345678", "type voip"),
        ("+908001234567", "type toll_free"),
        ("+4915123456789", "country DE"),
        ("+19005550100", "country US"),
        ("+8823123456", "country 001"),  # international networks (satellite, ...)
        ("not a number", "not a number"),
    ],
)
def test_numbers_that_cost_us_or_lie_elsewhere_are_refused(
    number: str, refusal: str | None
) -> None:
    allowed = Destinations.for_calls(Settings().callback_countries)

    assert allowed.refusal(number) == refusal


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CALLBACK_COUNTRIES": "Kyrgyzstan"}, "CALLBACK_COUNTRIES"),
        ({"CALLBACK_COUNTRIES": " , "}, "CALLBACK_COUNTRIES"),
        ({"SMS_REPLY_COUNTRIES": "KG;UZ"}, "SMS_REPLY_COUNTRIES"),
        ({"SMS_REPLIES_PER_COUNTRY_HOUR": "0"}, "SMS_REPLIES_PER_COUNTRY_HOUR"),
        ({"SMS_REPLIES_PER_COUNTRY_HOUR": "lots"}, "SMS_REPLIES_PER_COUNTRY_HOUR"),
    ],
)
def test_bad_country_lists_and_budgets_stop_the_start(
    env: dict[str, str], message: str, tmp_path: Path
) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"INSTANCE_PATH": str(tmp_path), **env})


def test_country_lists_are_read_as_codes(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "INSTANCE_PATH": str(tmp_path),
            "CALLBACK_COUNTRIES": "kg, uz",
            "SMS_REPLY_COUNTRIES": "KG",
        }
    )

    assert settings.callback_countries == ("KG", "UZ")
    assert settings.reply_destinations.refusal("+998901234567") == "country UZ"


def test_the_default_countries_are_the_callers_home_and_destinations() -> None:
    assert set(Settings().callback_countries) == {"KG", "UZ", "KZ", "RU", "TR", "KR", "GB"}


PRODUCTION = ("hotline", "ivr_menus", "sms_campaigns", "audio", "workers")


def test_every_entry_to_a_callback_checks_the_number() -> None:
    """Each call of ``request_callback`` outside the tests passes the allowed destinations."""
    unchecked, found = [], 0
    for package in PRODUCTION:
        for path in Path(package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name | ast.Attribute)
                    and (getattr(node.func, "id", None) or getattr(node.func, "attr", None))
                    == "request_callback"
                ):
                    found += 1
                    if "destinations" not in {keyword.arg for keyword in node.keywords}:
                        unchecked.append(f"{path}:{node.lineno}")
    assert found >= 3  # the voice menu, the missed-call line, the SMS keyword
    assert unchecked == []
