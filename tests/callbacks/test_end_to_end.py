"""Callbacks end to end: a request from the IVR, a missed call or an SMS becomes one call.

Everything goes through signed provider webhooks and RQ jobs against loopback servers playing
Twilio and Africa's Talking; only the clock is ours (inside staffed hours unless moved).
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
import redis
from flask.testing import FlaskClient
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from hotline.callbacks import request_callback
from hotline.callbacks.placing import start_next_attempt
from hotline.models import (
    Agent,
    AgentStatus,
    AttemptStatus,
    CallbackAttempt,
    CallbackEvent,
    CallbackRequest,
    CallbackSource,
    Contact,
    Message,
)
from hotline.queues import LOW
from hotline.runtime import Runtime
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
    texts_to,
)
from tests.conftest import AT_TOKEN, TwilioWebhooks
from tests.fakes.provider_api import FakeAfricasTalkingApi, FakeTwilioApi
from workers.callbacks import place_callbacks
from workers.housekeeping import sweep_stranded
from workers.main import HotlineSimpleWorker
from workers.sms import answer_inbound_sms

pytestmark = pytest.mark.usefixtures("clock")


def request_row(state: Runtime) -> CallbackRequest:
    with state.sessions() as session:
        return session.scalars(select(CallbackRequest)).one()


def agent_row(state: Runtime, agent_id: int) -> Agent:
    with state.sessions() as session:
        agent = session.get(Agent, agent_id)
        assert agent is not None
        return agent


@pytest.mark.parametrize("source", ["ivr", "missed_call", "sms"])
def test_each_kind_of_request_rings_one_agent_first_then_bridges_the_caller(
    source: str,
    state: Runtime,
    agent: int,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    ask_for_callback(source, twilio_webhooks, run_jobs)

    [placed] = calls_placed(fake_twilio)
    assert (placed.value("To"), placed.value("From")) == (AGENT_PHONE, HOTLINE)
    leg = AgentLeg(twilio_webhooks, state, placed)
    document = leg.answer()
    whisper = document.find("Say")
    assert whisper is not None
    assert "Обратный звонок" in (whisper.text or "")
    dial = document.find("Dial")
    assert dial is not None
    assert dial.get("callerId") == HOTLINE
    assert [number.text for number in dial.findall("Number")] == [CALLER]
    assert agent_row(state, agent).status == AgentStatus.ON_CALL

    leg.caller_leg_ends("completed")
    leg.agent_leg_ends("completed")
    run_jobs()

    request = request_row(state)
    assert (request.source, request.status) == (source, "reached")
    assert agent_row(state, agent).status == AgentStatus.AVAILABLE
    assert len(calls_placed(fake_twilio)) == 1


def ask_africas_talking(source: str, client: FlaskClient, run_jobs: Callable[[], None]) -> None:
    voice = f"/africastalking/voice?token={AT_TOKEN}"
    call = {"sessionId": "ATVId_" + uuid.uuid4().hex, "isActive": "1", "callerNumber": CALLER}
    if source == "missed_call":
        assert (
            b"<Reject" in client.post(voice, data={**call, "destinationNumber": MISSED_LINE}).data
        )
    elif source == "ivr":
        document = ET.fromstring(client.post(voice, data=call).data)
        for digits in ("2", "5"):  # Russian, then "call me back"
            menu = document.find("GetDigits")
            assert menu is not None
            url = (menu.get("callbackUrl") or "").split("/africastalking/", 1)[1]
            answer = client.post("/africastalking/" + url, data={**call, "dtmfDigits": digits})
            document = ET.fromstring(answer.data)
    else:
        sms = {"id": "ATXid_" + uuid.uuid4().hex, "from": CALLER, "to": "12345", "text": "CALL"}
        assert client.post(f"/africastalking/sms?token={AT_TOKEN}", data=sms).status_code == 200
    run_jobs()


@pytest.mark.parametrize("provider_name", ["africastalking"])
@pytest.mark.parametrize("source", ["ivr", "missed_call", "sms"])
def test_africas_talking_rings_the_agent_and_bridges_with_its_dial(
    source: str,
    state: Runtime,
    agent: int,
    client: FlaskClient,
    fake_africastalking: FakeAfricasTalkingApi,
    run_jobs: Callable[[], None],
) -> None:
    voice = f"/africastalking/voice?token={AT_TOKEN}"
    ask_africas_talking(source, client, run_jobs)

    [placed] = [r for r in fake_africastalking.requests if r.path == "/call"]
    assert (placed.value("to"), placed.value("from")) == (AGENT_PHONE, HOTLINE)
    with state.sessions() as session:
        attempt = session.scalars(select(CallbackAttempt)).one()
        session_id = attempt.provider_call_id
    agent_leg = {"sessionId": session_id, "isActive": "1", "direction": "Outbound",
                 "callerNumber": HOTLINE, "destinationNumber": AGENT_PHONE}  # fmt: skip
    document = ET.fromstring(client.post(voice, data=agent_leg).data)
    dial = document.find("Dial")
    assert dial is not None
    assert (dial.get("phoneNumbers"), dial.get("callerId")) == (CALLER, HOTLINE)
    assert document.find("Say") is not None

    ended = {**agent_leg, "isActive": "0", "status": "Success", "durationInSeconds": "130",
             "dialDestinationNumber": CALLER, "dialDurationInSeconds": "118"}  # fmt: skip
    assert client.post(voice, data=ended).status_code == 200
    assert client.post(voice, data=ended).status_code == 200  # a repeat changes nothing

    assert (request_row(state).source, request_row(state).status) == (source, "reached")
    assert agent_row(state, agent).status == AgentStatus.AVAILABLE
    with state.sessions() as session:
        assert session.scalar(select(Contact).where(Contact.phone == AGENT_PHONE)) is None


def test_asking_again_while_waiting_merges_into_one_call(
    state: Runtime,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    ask_for_callback("sms", twilio_webhooks, run_jobs)  # no agent yet: it waits
    ask_for_callback("missed_call", twilio_webhooks, run_jobs)
    ask_for_callback("ivr", twilio_webhooks, run_jobs)
    assert calls_placed(fake_twilio) == []

    add_agent(state)
    place_callbacks()

    request = request_row(state)
    assert (request.requests, request.status) == (3, "calling")
    assert len(calls_placed(fake_twilio)) == 1


def test_a_caller_who_never_answers_gets_three_calls_then_one_sms(
    state: Runtime,
    agent: int,
    clock: Clock,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    ask_for_callback("sms", twilio_webhooks, run_jobs)
    replies = len(texts_to(fake_twilio, CALLER))  # the CALL acknowledgement

    for attempt, wait in ((1, 15), (2, 60), (3, None)):
        placed = calls_placed(fake_twilio)
        assert len(placed) == attempt
        leg = AgentLeg(twilio_webhooks, state, placed[-1])
        leg.answer()
        leg.caller_leg_ends("no-answer")
        leg.agent_leg_ends("completed")
        run_jobs()
        request = request_row(state)
        assert request.attempts == attempt
        if wait is None:
            break
        assert request.next_attempt_at == clock.now + dt.timedelta(minutes=wait)
        place_callbacks()  # too early: nothing happens
        assert len(calls_placed(fake_twilio)) == attempt
        clock.advance(minutes=wait)
        place_callbacks()  # what the scheduler or the sweep runs at that time

    assert request_row(state).status == "gave_up"
    place_callbacks()
    run_jobs()
    texts = texts_to(fake_twilio, CALLER)[replies:]
    assert len(texts) == 1
    assert HOTLINE in texts[0]
    assert len(calls_placed(fake_twilio)) == 3
    assert agent_row(state, agent).status == AgentStatus.AVAILABLE


def test_an_agent_who_does_not_pick_up_is_set_away_and_the_caller_keeps_their_turn(
    state: Runtime,
    agent: int,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    ask_for_callback("sms", twilio_webhooks, run_jobs)
    leg = AgentLeg(twilio_webhooks, state, calls_placed(fake_twilio)[0])
    leg.agent_leg_ends("no-answer")
    leg.agent_leg_ends("no-answer")  # Twilio repeats itself

    request = request_row(state)
    assert (request.status, request.attempts) == ("open", 0)
    assert agent_row(state, agent).status == AgentStatus.AWAY
    second = add_agent(state, "+996700000002", ("ru",))
    place_callbacks()
    assert calls_placed(fake_twilio)[-1].value("To") == "+996700000002"
    assert agent_row(state, second).status == AgentStatus.ON_CALL


def test_late_and_repeated_reports_do_not_undo_an_ended_attempt(
    state: Runtime,
    agent: int,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    ask_for_callback("sms", twilio_webhooks, run_jobs)
    leg = AgentLeg(twilio_webhooks, state, calls_placed(fake_twilio)[0])
    leg.answer()
    leg.caller_leg_ends("completed")
    leg.caller_leg_ends("no-answer")  # late and contradictory
    leg.agent_leg_ends("completed")
    leg.agent_leg_ends("completed")
    again = leg.answer()  # a stale answer webhook must not dial the caller a second time

    assert again.find("Dial") is None
    request = request_row(state)
    assert (request.status, request.attempts) == ("reached", 0)
    with state.sessions() as session:
        reached = session.scalars(
            select(CallbackEvent).where(CallbackEvent.status == "reached")
        ).all()
    assert len(reached) == 1


def test_a_forged_or_foreign_attempt_is_refused(
    state: Runtime,
    agent: int,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    ask_for_callback("sms", twilio_webhooks, run_jobs)
    placed = calls_placed(fake_twilio)[0]
    form = {"CallSid": "CA" + uuid.uuid4().hex, "From": HOTLINE, "To": AGENT_PHONE}
    path = (placed.value("Url") or "").split("/twilio/", 1)[1]
    assert twilio_webhooks.post("/twilio/" + path, form).status_code == 400  # not its call
    assert twilio_webhooks.post("/twilio/callback?attempt=999", form).status_code == 400
    assert twilio_webhooks.post("/twilio/callback", form, signature="forged").status_code == 403


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_workers_racing_never_give_one_agent_two_calls(state: Runtime, clock: Clock) -> None:
    add_agent(state)
    with state.sessions() as session:
        for n in range(6):
            contact = Contact(phone=f"+99655500000{n}", language="ru")
            session.add(contact)
            session.flush()
            request_callback(session, contact, CallbackSource.SMS, "ru", clock.now)
        session.commit()
    for _round in range(3):
        won: list[int | None] = []
        start = threading.Barrier(2)

        def worker(start: threading.Barrier = start, won: list[int | None] = won) -> None:
            with state.sessions() as session:
                start.wait()
                won.append(start_next_attempt(session, state.staffed_hours, "twilio", clock.now))

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(won, key=lambda x: x is None)[1] is None  # one winner per free agent
        assert sum(1 for attempt in won if attempt is not None) == 1
        with state.sessions() as session:
            live = session.scalars(
                select(CallbackAttempt).where(CallbackAttempt.status == AttemptStatus.PLACING)
            ).all()
            assert len(live) == 1
            live[0].status = AttemptStatus.CONNECTED  # the call ended; free the agent again
            agent = session.scalars(select(Agent)).one()
            agent.status, agent.current_attempt_id = AgentStatus.AVAILABLE, None
            session.commit()


def test_a_worker_dying_after_claiming_loses_no_request(
    state: Runtime,
    agent: int,
    clock: Clock,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
) -> None:
    assert twilio_webhooks.sms(CALLER, "CALL").status_code == 200
    with state.sessions() as session:
        message_id = session.scalar(select(Message.id))
    answer_inbound_sms(message_id)
    with state.sessions() as session:  # claimed and committed, then the worker was killed
        assert start_next_attempt(session, state.staffed_hours, "twilio", clock.now) is not None
    place_callbacks()
    assert calls_placed(fake_twilio) == []  # the agent is still held by the dead attempt

    clock.advance(minutes=3)
    place_callbacks()

    [placed] = calls_placed(fake_twilio)
    assert placed.value("To") == AGENT_PHONE
    with state.sessions() as session:
        statuses = session.scalars(select(CallbackAttempt.status).order_by(CallbackAttempt.id))
        assert list(statuses) == ["lost", "ringing"]


def test_requests_survive_a_redis_that_restarts_empty(
    state: Runtime,
    agent: int,
    redis_client: redis.Redis,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    form = {"CallSid": "CA" + uuid.uuid4().hex, "From": CALLER, "To": MISSED_LINE}
    twilio_webhooks.post("/twilio/voice", form)
    redis_client.flushdb()  # the queued placing job is gone with Redis's memory

    HotlineSimpleWorker(state.queues.all(), connection=state.redis).run_maintenance_tasks()
    scheduled = ScheduledJobRegistry(LOW, connection=state.redis).get_job_ids()
    assert any(job_id.startswith("sweep-") for job_id in scheduled)  # the sweep chain is back
    sweep_stranded(reschedule=False)  # ... and when it runs:
    run_jobs()

    assert [r.value("To") for r in calls_placed(fake_twilio)] == [AGENT_PHONE]
