"""Fixtures for callbacks: a clock inside staffed hours, an agent, and the provider's side."""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from sqlalchemy import select

from hotline.config import Settings
from hotline.models import Agent, AgentStatus, CallbackAttempt
from hotline.runtime import Runtime
from tests.conftest import PUBLIC_BASE_URL, TwilioWebhooks
from tests.fakes.provider_api import FakeTwilioApi, RecordedRequest
from tests.web.test_voice import TwilioCall, node_of

OPEN = dt.datetime(2026, 11, 25, 5, 0, tzinfo=dt.UTC)  # Wednesday 11:00 in Bishkek
HOTLINE = "+996312000000"
MISSED_LINE = "+996312999999"
CALLER = "+996555123456"
AGENT_PHONE = "+996700000001"


class Clock:
    """The time every callback job and webhook sees; tests move it forward."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def staffed_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Staffed hours for every job and webhook, including when a spooled webhook arrived."""
    clock = Clock(OPEN)
    for module in (
        "hotline.web.voice",
        "hotline.web.callback_legs",
        "hotline.web.webhooks",
        "workers.callbacks",
        "workers.sms",
        "workers.housekeeping",
    ):
        monkeypatch.setattr(f"{module}.utcnow", clock)
    return clock


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return staffed_clock(monkeypatch)


@pytest.fixture
def provider_name() -> str:
    return "twilio"


@pytest.fixture
def settings(settings: Settings, provider_name: str) -> Settings:
    return settings.replace(
        provider=provider_name, hotline_number=HOTLINE, missed_call_number=MISSED_LINE
    )


def add_agent(
    state: Runtime, phone: str = AGENT_PHONE, languages: tuple[str, ...] = ("ky", "ru")
) -> int:
    with state.sessions() as session:
        agent = Agent(
            name=f"Agent {phone[-2:]}",
            phone=phone,
            languages=list(languages),
            status=AgentStatus.AVAILABLE,
        )
        session.add(agent)
        session.commit()
        return agent.id


@pytest.fixture
def agent(state: Runtime) -> int:
    return add_agent(state)


def ask_for_callback(
    source: str, webhooks: TwilioWebhooks, run_jobs: Callable[[], None], caller: str = CALLER
) -> None:
    """Ask the way a caller does: the voice menu's 5, a missed call, or the SMS keyword CALL."""
    if source == "ivr":
        call = TwilioCall(webhooks, caller)
        if node_of(call.start()) == "language":  # a first call; later ones go to the menu
            call.press("2")  # Russian
        call.press("5")  # "call me back"
    elif source == "missed_call":
        form = {"CallSid": "CA" + uuid.uuid4().hex, "From": caller, "To": MISSED_LINE}
        assert b"<Reject" in webhooks.post("/twilio/voice", form).data
    else:
        assert webhooks.sms(caller, "CALL").status_code == 200
    run_jobs()


def calls_placed(fake_twilio: FakeTwilioApi) -> list[RecordedRequest]:
    return [r for r in fake_twilio.sent() if r.path.endswith("/Calls.json")]


def texts_to(fake_twilio: FakeTwilioApi, phone: str) -> list[str]:
    return [
        r.value("Body") or ""
        for r in fake_twilio.sent()
        if r.path.endswith("/Messages.json") and r.value("To") == phone
    ]


class AgentLeg:
    """Twilio's side of one agent-first call: the answer, the <Dial>'s end, the leg's end."""

    def __init__(self, webhooks: TwilioWebhooks, state: Runtime, placed: RecordedRequest) -> None:
        self.webhooks = webhooks
        self.placed = placed
        with state.sessions() as session:
            attempt = session.scalars(
                select(CallbackAttempt).order_by(CallbackAttempt.id.desc())
            ).first()
            assert attempt is not None
            self.sid = attempt.provider_call_id or ""
        self.document: ET.Element | None = None

    def _post(self, url: str, **fields: str) -> ET.Element:
        form = {"CallSid": self.sid, "From": HOTLINE, "To": self.placed.value("To") or ""}
        response = self.webhooks.post(url.removeprefix(PUBLIC_BASE_URL), {**form, **fields})
        assert response.status_code == 200, response.data
        return ET.fromstring(response.data)

    def answer(self) -> ET.Element:
        self.document = self._post(self.placed.value("Url") or "", CallStatus="in-progress")
        return self.document

    def caller_leg_ends(self, dial_status: str) -> ET.Element:
        assert self.document is not None
        dial = self.document.find("Dial")
        assert dial is not None
        return self._post(
            dial.get("action") or "", CallStatus="in-progress", DialCallStatus=dial_status
        )

    def agent_leg_ends(self, status: str = "completed") -> ET.Element:
        return self._post(self.placed.value("StatusCallback") or "", CallStatus=status)
