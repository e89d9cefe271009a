"""Callers whose number is hidden hear the whole menu; only what needs their number changes.

A victim who withholds their number, or calls from a phone that sends none, must never get the
provider's "application error": Twilio and Africa's Talking webhooks with ``anonymous``,
``restricted``, an empty caller or one that is not a number walk the menu like anyone else.
Asking for a callback offers an agent now (or "call again later, without hiding your number");
nothing is texted, no language is remembered, no number is stored. A missed call from a hidden
number is recorded and counted on the dashboard, and nobody is ever dialled for it.
"""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from hotline.activity import activity
from hotline.callers import HiddenCaller
from hotline.models import (
    CallbackRequest,
    CallSession,
    Case,
    Contact,
    Message,
    VerificationRecord,
)
from hotline.runtime import Runtime
from tests.callbacks.conftest import (
    AGENT_PHONE,
    HOTLINE,
    MISSED_LINE,
    Clock,
    calls_placed,
)
from tests.conftest import AT_TOKEN, PUBLIC_BASE_URL, TWILIO_SID, TwilioWebhooks
from tests.fakes.provider_api import FakeTwilioApi
from tests.web.test_voice import node_of
from workers.callbacks import place_callbacks

pytestmark = pytest.mark.usefixtures("clock")

# (what the provider sends as the caller, the kind we keep); None: the field is missing.
HIDDEN_CALLERS = [
    ("anonymous", HiddenCaller.ANONYMOUS),
    ("Anonymous", HiddenCaller.ANONYMOUS),
    ("+266696687", HiddenCaller.ANONYMOUS),  # Twilio's keypad spelling of ANONYMOUS
    ("restricted", HiddenCaller.RESTRICTED),
    ("+7378742833", HiddenCaller.RESTRICTED),  # ...of RESTRICTED: +7 is a country we call
    ("unavailable", HiddenCaller.UNAVAILABLE),
    ("", HiddenCaller.UNAVAILABLE),
    (None, HiddenCaller.UNAVAILABLE),
    ("+2666", HiddenCaller.UNPARSEABLE),
    ("client:alice", HiddenCaller.APP),
]
IDS = [repr(raw) for raw, _ in HIDDEN_CALLERS]
NIGHT = dt.timedelta(hours=14)  # 01:00 in Bishkek: nobody staffs the lines


def _caller_field(name: str, raw: str | None) -> dict[str, str]:
    return {} if raw is None else {name: raw}


class HiddenTwilioCall:
    """A Twilio call whose ``From`` is whatever the network sent, following the Gathers."""

    def __init__(self, webhooks: TwilioWebhooks, raw: str | None, to: str = HOTLINE) -> None:
        self.webhooks = webhooks
        self.form = {
            "CallSid": "CA" + uuid.uuid4().hex,
            "AccountSid": TWILIO_SID,
            "To": to,
            **_caller_field("From", raw),
        }
        self.document: ET.Element | None = None
        self.text = ""

    def post(self, url: str, **fields: str) -> ET.Element:
        response = self.webhooks.post(url.removeprefix(PUBLIC_BASE_URL), {**self.form, **fields})
        assert response.status_code == 200, response.data
        self.text = response.get_data(as_text=True)
        self.document = ET.fromstring(response.data)
        return self.document

    def start(self) -> ET.Element:
        return self.post("/twilio/voice")

    def press(self, digits: str) -> ET.Element:
        assert self.document is not None
        gather = self.document.find("Gather")
        assert gather is not None, self.text
        return self.post(gather.get("action") or "", Digits=digits)

    def silence(self) -> ET.Element:
        assert self.document is not None
        redirect = self.document.find("Redirect")
        assert redirect is not None, self.text
        return self.post(redirect.text or "")


class HiddenAfricasTalkingCall:
    """The same call through Africa's Talking, whose ``callerNumber`` may be as empty."""

    def __init__(self, client: FlaskClient, raw: str | None, to: str = HOTLINE) -> None:
        self.client = client
        self.form = {
            "sessionId": "ATVId_" + uuid.uuid4().hex,
            "isActive": "1",
            "destinationNumber": to,
            **_caller_field("callerNumber", raw),
        }
        self.document: ET.Element | None = None
        self.text = ""

    def post(self, url: str, **fields: str) -> ET.Element:
        response = self.client.post(url.removeprefix(PUBLIC_BASE_URL), data={**self.form, **fields})
        assert response.status_code == 200, response.data
        self.text = response.get_data(as_text=True)
        self.document = ET.fromstring(response.data)
        return self.document

    def start(self) -> ET.Element:
        return self.post(f"/africastalking/voice?token={AT_TOKEN}")

    def press(self, digits: str) -> ET.Element:
        assert self.document is not None
        gather = self.document.find("GetDigits")
        assert gather is not None, self.text
        return self.post(gather.get("callbackUrl") or "", dtmfDigits=digits)


def heard(text: str, prompt: str) -> bool:
    """Whether the document plays ``prompt`` (its URL is /audio/<language>/<prompt>.<hash>.wav)."""
    return f"/{prompt}." in text


def count(state: Runtime, model: Any) -> int:
    with state.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def the_call(state: Runtime) -> CallSession:
    with state.sessions() as session:
        return session.scalars(select(CallSession)).one()


def texts_sent(fake_twilio: FakeTwilioApi) -> list[str]:
    return [r.value("To") or "" for r in fake_twilio.sent() if r.path.endswith("/Messages.json")]


@pytest.mark.parametrize(("raw", "kind"), HIDDEN_CALLERS, ids=IDS)
def test_a_hidden_caller_on_twilio_hears_the_menu_and_is_offered_an_agent_not_a_callback(
    raw: str | None,
    kind: HiddenCaller,
    state: Runtime,
    agent: int,
    twilio_webhooks: TwilioWebhooks,
) -> None:
    call = HiddenTwilioCall(twilio_webhooks, raw)

    assert node_of(call.start()) == "language"
    assert node_of(call.press("2")) == "main"
    call.press("5")  # "call me back"

    assert heard(call.text, "callback_hidden_number")
    assert not heard(call.text, "callback_confirmed")
    dial = call.document.find("Dial") if call.document is not None else None
    assert dial is not None, call.text
    assert [n.text for n in dial.findall("Number")] == [AGENT_PHONE]
    stored = the_call(state)
    assert (stored.phone, stored.contact_id, stored.hidden_caller) == (None, None, kind)
    assert stored.language == "ru"  # for this call only
    assert count(state, CallbackRequest) == count(state, Contact) == 0


@pytest.mark.parametrize(("raw", "kind"), HIDDEN_CALLERS, ids=IDS)
def test_a_hidden_caller_on_africastalking_hears_the_same_menu(
    raw: str | None, kind: HiddenCaller, state: Runtime, agent: int, client: FlaskClient
) -> None:
    call = HiddenAfricasTalkingCall(client, raw)

    call.start()
    assert "node=language" in call.text
    call.press("1")  # Kyrgyz
    assert "node=main" in call.text
    call.press("5")

    assert heard(call.text, "callback_hidden_number")
    assert "<Dial" in call.text
    assert AGENT_PHONE in call.text
    stored = the_call(state)
    assert (stored.phone, stored.contact_id, stored.hidden_caller) == (None, None, kind)
    assert count(state, CallbackRequest) == count(state, Contact) == 0
    ended = client.post(
        f"/africastalking/voice?token={AT_TOKEN}",
        data={**call.form, "isActive": "0", "status": "Success", "durationInSeconds": "40"},
    )
    assert ended.status_code == 200
    assert the_call(state).ended_at is not None


def test_outside_staffed_hours_a_hidden_caller_is_told_to_call_again_and_stays_in_the_menu(
    state: Runtime, clock: Clock, twilio_webhooks: TwilioWebhooks, run_jobs: Callable[[], None]
) -> None:
    clock.advance(hours=NIGHT.total_seconds() / 3600)
    call = HiddenTwilioCall(twilio_webhooks, "anonymous")
    call.start()
    call.press("2")

    answer = call.press("5")

    assert heard(call.text, "callback_hidden_number_later")
    assert node_of(answer) == "main"
    run_jobs()
    assert count(state, CallbackRequest) == count(state, Message) == 0


def test_the_urgent_callback_is_offered_differently_too(
    state: Runtime, clock: Clock, twilio_webhooks: TwilioWebhooks
) -> None:
    clock.advance(hours=NIGHT.total_seconds() / 3600)
    call = HiddenTwilioCall(twilio_webhooks, "restricted")
    call.start()
    call.press("2")
    call.press("4")  # urgent help
    call.press("1")  # an agent now: closed, so the urgent callback is offered

    answer = call.press("1")

    assert heard(call.text, "callback_hidden_number_later")
    assert not heard(call.text, "urgent_callback_confirmed")
    assert node_of(answer) == "main"  # never hung up on: we cannot call them back
    assert count(state, CallbackRequest) == 0


def test_silence_from_a_hidden_caller_ends_politely_and_texts_nobody(
    state: Runtime,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    call = HiddenTwilioCall(twilio_webhooks, "anonymous")
    call.start()
    call.press("2")
    call.silence()
    call.silence()

    final = call.silence()

    assert final.find("Hangup") is not None
    assert heard(call.text, "no_input_final_hidden")
    assert not heard(call.text, "no_input_final.")
    run_jobs()
    assert count(state, Message) == 0
    assert texts_sent(fake_twilio) == []


def test_a_hidden_callers_language_is_not_remembered_for_anyone(
    state: Runtime, twilio_webhooks: TwilioWebhooks
) -> None:
    first = HiddenTwilioCall(twilio_webhooks, "anonymous")
    first.start()
    first.press("1")

    again = HiddenTwilioCall(twilio_webhooks, "anonymous")

    assert node_of(again.start()) == "language"
    assert count(state, Contact) == 0


def test_a_hidden_caller_can_check_an_agency_and_report_a_recruiter(
    state: Runtime, twilio_webhooks: TwilioWebhooks
) -> None:
    call = HiddenTwilioCall(twilio_webhooks, "anonymous")
    call.start()
    call.press("2")
    call.press("1")
    call.press("14523#")  # a licence number: read back with its status
    assert node_of(call.document) == "main"  # type: ignore[arg-type]
    record = call.press("8").find("Record")
    assert record is not None
    recording = f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO_SID}/Recordings/RE1"

    call.post(record.get("action") or "", RecordingUrl=recording)

    with state.sessions() as session:
        case = session.scalars(select(Case)).one()
        check = session.scalars(select(VerificationRecord)).one()
        assert (case.contact_id, case.source, case.recording_url) == (None, "ivr", recording)
        assert (check.contact_id, check.channel, check.query) == (None, "ivr", "14523")


def test_a_status_report_for_a_hidden_callers_call_is_taken(
    state: Runtime, twilio_webhooks: TwilioWebhooks
) -> None:
    call = HiddenTwilioCall(twilio_webhooks, "anonymous")
    call.start()

    answer = twilio_webhooks.post(
        "/twilio/status", {**call.form, "CallStatus": "completed", "CallDuration": "31"}
    )

    assert answer.status_code == 200
    stored = the_call(state)
    assert (stored.status, stored.duration_seconds) == ("completed", 31)


def missed_call(
    provider: str, raw: str | None, twilio_webhooks: TwilioWebhooks, client: FlaskClient
) -> str:
    """Ring the missed-call line from a hidden number, twice (a provider retry); the answer."""
    call: HiddenTwilioCall | HiddenAfricasTalkingCall
    if provider == "twilio":
        call = HiddenTwilioCall(twilio_webhooks, raw, to=MISSED_LINE)
    else:
        call = HiddenAfricasTalkingCall(client, raw, to=MISSED_LINE)
    call.start()
    first = call.text
    call.start()
    assert call.text == first
    return first


@pytest.mark.parametrize("provider", ["twilio", "africastalking"])
@pytest.mark.parametrize("raw", ["anonymous", "restricted", "", None], ids=repr)
def test_a_missed_call_from_a_hidden_number_is_counted_and_never_called_back(
    provider: str,
    raw: str | None,
    state: Runtime,
    clock: Clock,
    agent: int,
    twilio_webhooks: TwilioWebhooks,
    client: FlaskClient,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    answer = missed_call(provider, raw, twilio_webhooks, client)
    state.queues.enqueue(place_callbacks)
    run_jobs()

    assert "<Reject" in answer  # unanswered, as for any missed call: it costs the caller nothing
    stored = the_call(state)
    assert (stored.phone, stored.contact_id, stored.outcome) == (None, None, "missed_hidden")
    assert stored.path == ["missed-call"]
    assert count(state, CallbackRequest) == count(state, Contact) == count(state, Message) == 0
    assert calls_placed(fake_twilio) == []
    assert texts_sent(fake_twilio) == []
    with state.sessions() as session:
        assert activity(session, state.staffed_hours.zone, clock()).missed_hidden == 1


def test_the_dashboard_shows_missed_calls_from_hidden_numbers(
    state: Runtime,
    clock: Clock,
    twilio_webhooks: TwilioWebhooks,
    client: FlaskClient,
    login_as: Callable[..., FlaskClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("hotline.web.console.dashboard.utcnow", clock)
    missed_call("twilio", "anonymous", twilio_webhooks, client)
    missed_call("africastalking", "", twilio_webhooks, client)
    known = {"CallSid": "CA" + uuid.uuid4().hex, "From": "+996555123456", "To": MISSED_LINE}
    assert b"<Reject" in twilio_webhooks.post("/twilio/voice", known).data

    page = login_as("viewer").get("/console/dashboard").get_data(as_text=True)

    assert "missed calls from hidden numbers: 2" in page
