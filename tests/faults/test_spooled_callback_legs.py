"""A callback's legs that end while PostgreSQL is down are spooled, and once it is back they
move the attempt, the agent and the request exactly as the live webhooks would have."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.config import Settings
from hotline.models import Agent, CallbackAttempt, CallbackEvent, CallbackRequest
from hotline.runtime import Runtime
from hotline.spool import drain_spool
from hotline.spool.stores import SPOOL_KEY
from tests.callbacks.conftest import (
    AGENT_PHONE,
    CALLER,
    HOTLINE,
    MISSED_LINE,
    AgentLeg,
    Clock,
    add_agent,
    ask_for_callback,
    calls_placed,
    staffed_clock,
)
from tests.conftest import AT_TOKEN, TwilioWebhooks
from tests.fakes.provider_api import FakeAfricasTalkingApi, FakeTwilioApi
from tests.faults.test_spooling import database_down, spooled  # noqa: F401 - a fixture
from workers.callbacks import place_callbacks

LEG_ENDED_AFTER = dt.timedelta(minutes=3)


@pytest.fixture
def database_url(postgresql_url: str) -> str:
    return postgresql_url  # the outages are PostgreSQL's


@pytest.fixture
def provider_name() -> str:
    return "twilio"


@pytest.fixture
def settings(settings: Settings, provider_name: str) -> Settings:
    return settings.replace(
        provider=provider_name,
        hotline_number=HOTLINE,
        missed_call_number=MISSED_LINE,
        ratelimit_enabled=False,
    )


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return staffed_clock(monkeypatch)


@pytest.fixture
def agent(state: Runtime) -> int:
    return add_agent(state)


@pytest.fixture
def down_webhooks(database_down: Flask) -> TwilioWebhooks:  # noqa: F811 - the imported fixture
    return TwilioWebhooks(database_down.test_client())


def callback_state(state: Runtime, agent_id: int) -> dict[str, Any]:
    """Everything a leg's end can change: the request, its attempt, the agent, the history."""
    with state.sessions() as session:
        request = session.scalars(select(CallbackRequest)).one()
        attempt = session.scalars(select(CallbackAttempt)).one()
        agent = session.get(Agent, agent_id)
        assert agent is not None
        history = session.scalars(
            select(CallbackEvent.detail)
            .where(CallbackEvent.request_id == request.id)
            .order_by(CallbackEvent.id)
        ).all()
        return {
            "request": (request.status, request.attempts, request.next_attempt_at),
            "attempt": (attempt.status, attempt.caller_leg, attempt.agent_leg, attempt.ended_at),
            "agent": (agent.status, agent.current_attempt_id),
            "history": list(history),
        }


def expected(dial_status: str, ended: dt.datetime) -> dict[str, Any]:
    answered = "agent answered; dialling the caller (attempt 1)"
    if dial_status == "completed":
        return {
            "request": ("reached", 0, None),
            "attempt": ("connected", "completed", "completed", ended),
            "agent": ("available", None),
            "history": [..., answered, "caller and agent spoke"],
        }
    return {
        "request": ("open", 1, ended + dt.timedelta(minutes=15)),
        "attempt": ("no_answer", "no-answer", "completed", ended),
        "agent": ("available", None),
        "history": [..., answered, "caller did not answer: no-answer; trying again later"],
    }


def matches(found: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """``wanted``'s history starts with ``...``: only its last entries are compared."""
    tail = wanted["history"][1:]
    return {**found, "history": found["history"][-len(tail) :]} == {**wanted, "history": tail}


def answered_attempt(
    state: Runtime,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> AgentLeg:
    """A request from an SMS whose agent answered live and is now talking to the caller."""
    ask_for_callback("sms", twilio_webhooks, run_jobs)
    [placed] = calls_placed(fake_twilio)
    leg = AgentLeg(twilio_webhooks, state, placed)
    leg.answer()
    return leg


def during_outage(leg: AgentLeg, down_webhooks: TwilioWebhooks, state: Runtime) -> AgentLeg:
    """The same call, with Twilio's next requests reaching a platform without its database."""
    down = AgentLeg(down_webhooks, state, leg.placed)
    down.document = leg.document
    return down


@pytest.mark.usefixtures("agent")
@pytest.mark.parametrize("dial_status", ["completed", "no-answer"])
@pytest.mark.parametrize("arrival", ["live", "spooled"])
def test_a_spooled_leg_end_leaves_the_callback_as_the_live_webhook_would(
    arrival: str,
    dial_status: str,
    agent: int,
    clock: Clock,
    state: Runtime,
    twilio_webhooks: TwilioWebhooks,
    down_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    leg = answered_attempt(state, twilio_webhooks, fake_twilio, run_jobs)
    clock.advance(seconds=LEG_ENDED_AFTER.total_seconds())
    ended = clock.now
    if arrival == "spooled":
        leg = during_outage(leg, down_webhooks, state)

    after_dial = leg.caller_leg_ends(dial_status)  # AgentLeg checks each answer is a 200
    leg.agent_leg_ends("completed")
    clock.advance(minutes=1)  # the database comes back a minute later
    drained = drain_spool(state)
    run_jobs()

    assert after_dial.find("Hangup") is not None
    assert drained.stored == (2 if arrival == "spooled" else 0)
    assert matches(callback_state(state, agent), expected(dial_status, ended))


def test_legs_are_spooled_not_stored_and_draining_twice_changes_nothing(
    agent: int,
    clock: Clock,
    state: Runtime,
    twilio_webhooks: TwilioWebhooks,
    down_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    leg = during_outage(
        answered_attempt(state, twilio_webhooks, fake_twilio, run_jobs), down_webhooks, state
    )
    leg.caller_leg_ends("completed")
    leg.agent_leg_ends("completed")
    records = state.redis.lrange(SPOOL_KEY, 0, -1)

    assert spooled(state) == 2
    assert callback_state(state, agent)["attempt"][0] == "bridging"  # nothing stored yet
    first = drain_spool(state)
    run_jobs()
    once = callback_state(state, agent)
    state.redis.rpush(SPOOL_KEY, *records)  # a drain that died before removing its records
    second = drain_spool(state)
    run_jobs()

    assert (first.stored, second.stored, spooled(state)) == (2, 2, 0)
    assert callback_state(state, agent) == once
    assert once["request"][0] == "reached"
    clock.advance(hours=4)  # past the sweep's patience with a bridging attempt
    place_callbacks()
    assert len(calls_placed(fake_twilio)) == 1  # the reached caller is not rung again


def test_an_agent_answering_during_the_outage_hears_an_apology_and_is_not_set_away(
    agent: int,
    clock: Clock,
    state: Runtime,
    twilio_webhooks: TwilioWebhooks,
    down_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    ask_for_callback("sms", twilio_webhooks, run_jobs)
    leg = AgentLeg(down_webhooks, state, calls_placed(fake_twilio)[0])

    document = leg.answer()
    assert spooled(state) == 0  # the call is live: nothing to keep for later
    assert document.find("Dial") is None
    assert "позвоните нам позже" in "".join(say.text or "" for say in document.iter("Say"))
    leg.agent_leg_ends("completed")  # the agent picked up, then hung up on the apology
    drain_spool(state)
    run_jobs()

    found = callback_state(state, agent)
    assert found["attempt"][:3] == ("failed", None, "completed")
    assert found["agent"] == ("available", None)
    assert found["request"] == ("open", 0, clock.now + dt.timedelta(minutes=1))


def test_a_leg_naming_no_attempt_is_refused_and_not_spooled(
    state: Runtime, down_webhooks: TwilioWebhooks
) -> None:
    form = {"CallSid": "CA" + uuid.uuid4().hex, "From": HOTLINE, "To": AGENT_PHONE,
            "CallStatus": "completed"}  # fmt: skip

    response = down_webhooks.post("/twilio/callback?attempt=x&leg=agent", form)

    assert response.status_code == 400
    assert spooled(state) == 0


@pytest.mark.parametrize("provider_name", ["africastalking"])
def test_africas_talking_final_report_of_a_callback_is_spooled_and_replayed(
    agent: int,
    clock: Clock,
    state: Runtime,
    client: FlaskClient,
    database_down: Flask,  # noqa: F811 - the imported fixture
    run_jobs: Callable[[], None],
    fake_africastalking: FakeAfricasTalkingApi,
) -> None:
    voice = f"/africastalking/voice?token={AT_TOKEN}"
    sms = {"id": "ATXid_" + uuid.uuid4().hex, "from": CALLER, "to": "12345", "text": "CALL"}
    assert client.post(f"/africastalking/sms?token={AT_TOKEN}", data=sms).status_code == 200
    run_jobs()
    with state.sessions() as session:
        session_id = session.scalars(select(CallbackAttempt.provider_call_id)).one()
    agent_leg = {"sessionId": session_id or "", "isActive": "1", "direction": "Outbound",
                 "callerNumber": HOTLINE, "destinationNumber": AGENT_PHONE}  # fmt: skip
    assert b"<Dial" in client.post(voice, data=agent_leg).data
    ended = {**agent_leg, "isActive": "0", "status": "Success", "durationInSeconds": "130",
             "dialDestinationNumber": CALLER, "dialDurationInSeconds": "118"}  # fmt: skip

    answer = database_down.test_client().post(voice, data=ended)
    assert answer.status_code == 200
    assert spooled(state) == 1
    assert drain_spool(state).stored == 1
    run_jobs()

    found = callback_state(state, agent)
    assert found["request"][0] == "reached"
    assert found["attempt"][:3] == ("connected", "completed", "completed")
    assert found["agent"] == ("available", None)
