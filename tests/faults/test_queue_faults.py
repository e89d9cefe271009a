"""Faults around the queue: a worker killed mid-job, Redis restarting empty, a provider outage.

Real ``hotline worker`` processes, a redis-server of the test's own (no persistence, like
production's) and the loopback Twilio. After each fault every recipient holds exactly one
message the provider accepted, the campaign finishes by itself, and a callback request is
placed exactly once. ``FAULTS_FULL=1`` runs the full versions (thousands of recipients, minute
long faults, real lease and reconcile waits); the CI versions are shortened, and where a real
run waits a minute for leases, claims and the dead worker's scheduler lock to run out, they
move those clocks on instead (``_skip_the_minute``).
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from hotline.callbacks.requests import request_callback
from hotline.config import Settings
from hotline.db import utcnow
from hotline.models import (
    Agent,
    AgentStatus,
    AttemptStatus,
    CallbackAttempt,
    CallbackRequest,
    CallbackSource,
    Campaign,
    Contact,
    Recipient,
    RecipientStatus,
)
from hotline.runtime import Runtime
from hotline.sms.outbound import queue_sms
from sms_campaigns.sending import MAX_ATTEMPTS
from tests.conftest import PUBLIC_BASE_URL, TwilioWebhooks
from tests.fakes.provider_api import FakeTwilioApi, RecordedRequest
from tests.faults.worker_processes import RestartableRedis, WorkerProcesses
from tests.sms_campaigns.builders import (
    ALL_DAY,
    make_contacts,
    new_campaign,
    queue_campaign,
    recipient_counts,
)
from workers.campaigns import restart_dispatch
from workers.sms import send_sms

FULL = os.environ.get("FAULTS_FULL") == "1"
HOTLINE_NUMBER = "+996312000000"
AGENT_PHONE = "+996700000001"
CALLER = "+996555123456"
pytestmark = [
    pytest.mark.slow,
    # Worker processes share the database: PostgreSQL only (once, not per database param).
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RestartableRedis]:
    server = RestartableRedis(tmp_path / "redis")
    server.start()
    yield server
    server.kill()


@pytest.fixture
def settings(settings: Settings, private_redis: RestartableRedis) -> Settings:
    return settings.replace(
        redis_url=private_redis.url,
        hotline_number=HOTLINE_NUMBER,
        staffed_hours="00:00-23:59",
        staffed_days="mon-sun",
    )


@pytest.fixture
def workers(state: Runtime, settings: Settings, tmp_path: Path) -> Iterator[WorkerProcesses]:
    children = WorkerProcesses(settings, tmp_path)
    yield children
    children.stop_all()


@dataclass(frozen=True)
class Drill:
    """How big a campaign and how long a fault: CI's short version or the full one."""

    recipients: int
    rate: int
    minutes: float  # to finish, at most


def _launch(state: Runtime, drill: Drill) -> int:
    with state.sessions() as session:
        make_contacts(session, drill.recipients)
    return queue_campaign(state, ALL_DAY.format(rate=drill.rate))


def _wait_for(
    condition: Callable[[], bool], seconds: float, why: Callable[[], str], every: float = 0.05
) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(why())
        time.sleep(every)


def _sending(state: Runtime, drill: Drill, workers: WorkerProcesses, share: int) -> int:
    """Launch the drill's campaign on two workers; return once 1/``share`` of it is sent."""
    campaign_id = _launch(state, drill)
    for _ in range(2):
        workers.start()
    _wait_for(
        lambda: recipient_counts(state, campaign_id)["sent"] >= drill.recipients // share,
        120,
        lambda: f"sending never got going\n{workers.logs()}",
    )
    return campaign_id


def _wait_until_done(
    state: Runtime, campaign_id: int, drill: Drill, workers: WorkerProcesses
) -> float:
    started = time.monotonic()

    def done() -> bool:
        with state.sessions() as session:
            campaign = session.get(Campaign, campaign_id)
            return campaign is not None and campaign.state == "done"

    _wait_for(
        done,
        drill.minutes * 60,
        lambda: f"not done: {recipient_counts(state, campaign_id)}\n{workers.logs()}",
        every=0.5,
    )
    return time.monotonic() - started


def _assert_exactly_once(state: Runtime, campaign_id: int, fake_twilio: FakeTwilioApi) -> int:
    """Every recipient: one message the provider accepted, and ``sent`` in the database."""
    with state.sessions() as session:
        phones = set(
            session.scalars(select(Recipient.phone).where(Recipient.campaign_id == campaign_id))
        )
    accepted = Counter(message["to"] for message in fake_twilio.messages)
    assert {phone: n for phone, n in accepted.items() if n > 1} == {}  # no duplicates
    assert phones - set(accepted) == set()  # nobody lost
    assert set(accepted) == phones
    # none left "sending"
    assert recipient_counts(state, campaign_id) == Counter({"sent": len(phones)})
    return len(phones)


def _skip_the_minute(state: Runtime, *, dead_worker: bool) -> None:
    """Move on the clocks a real run waits a minute for: leases run out; with ``dead_worker``
    (and no other worker alive) also its claims age enough to reconcile and its scheduler lock
    expires. Releasing a lease early is always safe: the claim stops a second send."""
    with state.sessions() as session:
        if dead_worker:
            session.execute(
                update(Recipient)
                .where(Recipient.status == RecipientStatus.SENDING)
                .values(claimed_at=utcnow() - dt.timedelta(minutes=2))
            )
        session.execute(
            update(Recipient)
            .where(Recipient.status == RecipientStatus.PENDING, Recipient.not_before > utcnow())
            .values(not_before=None)
        )
        session.commit()
    if dead_worker:
        for key in state.redis.scan_iter("rq:scheduler-lock:*"):
            state.redis.delete(key)


# --- 1. A worker killed mid-job -------------------------------------------------------------


def test_a_worker_killed_inside_a_chunk_texts_everyone_exactly_once(
    state: Runtime, fake_twilio: FakeTwilioApi, workers: WorkerProcesses
) -> None:
    drill = Drill(5000, 200, 10) if FULL else Drill(400, 60, 0.6)
    fake_twilio.faults.delay_seconds = 0.2  # each chunk spends a while at the provider
    campaign_id = _launch(state, drill)
    victim = workers.start()
    if FULL:
        workers.start()  # a second worker carries on meanwhile

    def mid_chunk() -> bool:
        counts = recipient_counts(state, campaign_id)
        return counts["sent"] >= drill.recipients // 4 and counts["sending"] > 0

    _wait_for(mid_chunk, 120, lambda: f"never mid-chunk\n{workers.logs()}", every=0.01)
    workers.kill(victim)
    stranded = recipient_counts(state, campaign_id)["sending"]
    assert stranded > 0  # claimed, at the provider (or about to be) when the worker died
    if not FULL:
        _skip_the_minute(state, dead_worker=True)
    workers.start()
    seconds = _wait_until_done(state, campaign_id, drill, workers)

    texted = _assert_exactly_once(state, campaign_id, fake_twilio)
    print(f"\nkilled mid-chunk: {texted} texted once, {stranded} stranded, done in {seconds:.0f} s")


def _calls(fake_twilio: FakeTwilioApi) -> list[RecordedRequest]:
    return [r for r in fake_twilio.sent() if r.path.endswith("/Calls.json")]


def _add_agent(state: Runtime, status: AgentStatus = AgentStatus.AVAILABLE) -> int:
    with state.sessions() as session:
        agent = Agent(name="Agent 01", phone=AGENT_PHONE, languages=["ky", "ru"], status=status)
        session.add(agent)
        session.commit()
        return agent.id


def _ask_for_callback(state: Runtime) -> int:
    with state.sessions() as session:
        contact = Contact(phone=CALLER, language="ru")
        session.add(contact)
        session.flush()
        request = request_callback(session, contact, CallbackSource.SMS, "ru", utcnow())
        session.commit()
        return request.id


def _request_status(state: Runtime, request_id: int) -> str:
    with state.sessions() as session:
        request = session.get(CallbackRequest, request_id)
        assert request is not None
        return str(request.status)


def _twilio_answers(webhooks: TwilioWebhooks, placed: RecordedRequest, sid: str) -> None:
    """Twilio rang the agent it was asked to (however the worker fared); both talked."""
    form = {"CallSid": sid, "From": HOTLINE_NUMBER, "To": AGENT_PHONE}

    def post(url: str, **fields: str) -> ET.Element:
        response = webhooks.post(url.removeprefix(PUBLIC_BASE_URL), {**form, **fields})
        assert response.status_code == 200, response.data
        return ET.fromstring(response.data)

    dial = post(placed.value("Url") or "", CallStatus="in-progress").find("Dial")
    assert dial is not None
    post(dial.get("action") or "", CallStatus="in-progress", DialCallStatus="completed")
    post(placed.value("StatusCallback") or "", CallStatus="completed")


def test_a_worker_killed_while_placing_a_callback_places_it_exactly_once(
    state: Runtime,
    fake_twilio: FakeTwilioApi,
    workers: WorkerProcesses,
    twilio_webhooks: TwilioWebhooks,
) -> None:
    _add_agent(state)
    request_id = _ask_for_callback(state)
    # Twilio takes the call but answers too late: the worker dies waiting for it.
    fake_twilio.fail_for(("hang", 120), hang_seconds=30)  # ended once the worker is dead
    victim = workers.start()
    _wait_for(lambda: len(_calls(fake_twilio)) == 1, 30, workers.logs)
    workers.kill(victim)
    fake_twilio.fail_for()
    with state.sessions() as session:
        [attempt] = session.scalars(select(CallbackAttempt)).all()
        assert (attempt.status, attempt.provider_call_id) == (AttemptStatus.PLACING, None)

    _twilio_answers(twilio_webhooks, _calls(fake_twilio)[0], "CA" + uuid.uuid4().hex)
    workers.start()  # its first sweep looks for callbacks to place at once
    time.sleep(60 if FULL else 5)

    assert len(_calls(fake_twilio)) == 1
    assert _request_status(state, request_id) == "reached"
    assert all(workers.alive()[1:])


# --- 2. Redis restarts empty mid-campaign -------------------------------------------------


def test_a_worker_started_while_redis_is_down_waits_for_it_and_then_works(
    state: Runtime,
    fake_twilio: FakeTwilioApi,
    workers: WorkerProcesses,
    private_redis: RestartableRedis,
) -> None:
    private_redis.kill()
    worker = workers.start()
    time.sleep(4)  # it tries, backs off, tries again
    assert worker.poll() is None
    private_redis.start()
    with state.sessions() as session:
        message_id = queue_sms(session, "twilio", CALLER, "Салам").id
        session.commit()
    state.queues.enqueue(send_sms, message_id, "twilio", job_id=f"send-{message_id}")

    _wait_for(lambda: len(fake_twilio.messages) == 1, 30, workers.logs, every=0.2)
    assert worker.poll() is None


def test_the_sweep_restarts_only_a_dispatch_chain_that_is_gone(state: Runtime) -> None:
    with state.sessions() as session:
        make_contacts(session, 3)
    campaign_id = new_campaign(state, ALL_DAY.format(rate=10), now=utcnow())

    assert restart_dispatch(utcnow()) == [campaign_id]  # launched, but nothing queued it
    assert restart_dispatch(utcnow()) == []  # its dispatch is scheduled now
    state.redis.flushdb()  # Redis restarted empty
    assert restart_dispatch(utcnow()) == [campaign_id]
    with state.sessions() as session:
        session.execute(update(Campaign).values(state="done"))
        session.commit()
    state.redis.flushdb()
    assert restart_dispatch(utcnow()) == []  # finished campaigns stay finished


def test_redis_restarting_empty_mid_campaign_loses_and_duplicates_nothing(
    state: Runtime,
    fake_twilio: FakeTwilioApi,
    workers: WorkerProcesses,
    private_redis: RestartableRedis,
) -> None:
    drill = Drill(5000, 100, 10) if FULL else Drill(400, 50, 0.6)
    down_seconds = 20 if FULL else 2
    agent_id = _add_agent(state, AgentStatus.ON_CALL)  # busy: the request must wait
    request_id = _ask_for_callback(state)
    campaign_id = _sending(state, drill, workers, share=3)
    private_redis.kill()
    time.sleep(down_seconds)
    private_redis.start()  # empty: queues, schedules, locks and leases' jobs are gone
    assert state.redis.dbsize() == 0
    with state.sessions() as session:  # the agent's call ended while Redis was away
        session.execute(
            update(Agent).where(Agent.id == agent_id).values(status=AgentStatus.AVAILABLE)
        )
        session.commit()
    if not FULL:
        _skip_the_minute(state, dead_worker=False)
    seconds = _wait_until_done(state, campaign_id, drill, workers)

    texted = _assert_exactly_once(state, campaign_id, fake_twilio)
    _wait_for(lambda: len(_calls(fake_twilio)) == 1, 90, workers.logs, every=0.5)
    assert [call.value("To") for call in _calls(fake_twilio)] == [AGENT_PHONE]
    assert _request_status(state, request_id) == "calling"
    assert workers.alive() == [True, True]  # they rode out the outage
    print(f"\nredis restart: {texted} texted once, done {seconds:.0f} s after the restart")


# --- 3. The provider fails for a while -------------------------------------------------------


def test_a_provider_outage_mid_campaign_ends_with_one_accepted_message_each(
    state: Runtime, fake_twilio: FakeTwilioApi, workers: WorkerProcesses
) -> None:
    drill = Drill(3000, 50, 15) if FULL else Drill(200, 40, 0.7)
    phase = 60.0 if FULL else 3.0
    campaign_id = _sending(state, drill, workers, share=4)
    before = len(fake_twilio.sent())
    outage = fake_twilio.fail_for(
        ("5xx", phase), ("429", phase), ("hang", phase if FULL else 11.0), hang_seconds=12.0
    )
    time.sleep(outage.seconds)
    during = len(fake_twilio.sent()) - before
    seconds = _wait_until_done(state, campaign_id, drill, workers)

    texted = _assert_exactly_once(state, campaign_id, fake_twilio)
    with state.sessions() as session:
        retried = session.scalar(
            select(func.count()).where(Recipient.campaign_id == campaign_id, Recipient.attempts > 1)
        )
        most = session.scalar(select(func.max(Recipient.attempts)))
    lookups = sum(1 for r in fake_twilio.requests if r.method == "GET")
    assert retried  # the outage's failures were tried again ...
    assert most is not None
    assert most <= MAX_ATTEMPTS  # ... within the budget, never given up
    print(
        f"\nprovider outage {outage.seconds:.0f} s: {texted} texted once, {during} requests "
        f"during it, {retried} recipients tried again (at most {most} tries), {lookups} "
        f"lookups, done {seconds:.0f} s after it ended"
    )
