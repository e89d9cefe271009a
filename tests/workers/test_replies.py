"""Texts are answered in batches: one job for a burst, one reply per text, whatever runs twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from rq import Queue
from sqlalchemy import func, select

from hotline.models import Direction, Message, MessageStatus
from hotline.queues import HIGH
from hotline.runtime import Runtime
from tests.conftest import TwilioWebhooks
from tests.fakes.provider_api import FakeTwilioApi
from workers.replies import QUEUED_KEY, answer_waiting_sms, request_answers


def _senders(count: int) -> list[str]:
    return [f"+99655512{n:04d}" for n in range(count)]


def _queued_jobs(state: Runtime) -> list[str]:
    return Queue(HIGH, connection=state.redis).job_ids


def test_a_burst_of_texts_queues_one_job_and_gets_one_reply_each(
    twilio_webhooks: TwilioWebhooks,
    state: Runtime,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    for sender in _senders(30):
        assert twilio_webhooks.sms(sender, "HELP").status_code == 200

    assert len([j for j in _queued_jobs(state) if j.startswith("sms-answers-")]) == 1
    run_jobs()

    replies = Counter(m["to"] for m in fake_twilio.messages)
    assert replies == Counter(_senders(30))
    with state.sessions() as session:
        waiting = session.scalar(
            select(func.count()).where(Message.status == MessageStatus.RECEIVED)
        )
        sent = session.scalar(
            select(func.count()).where(
                Message.direction == Direction.OUTBOUND, Message.status == MessageStatus.SENT
            )
        )
    assert waiting == 0
    assert sent == 30


def test_a_text_arriving_after_the_job_started_looking_queues_another(
    twilio_webhooks: TwilioWebhooks,
    state: Runtime,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    twilio_webhooks.sms("+996555000001", "HELP")
    run_jobs()  # the job cleared the key before looking, so the next text enqueues again
    twilio_webhooks.sms("+996555000002", "HELP")

    assert state.redis.exists(QUEUED_KEY)
    run_jobs()

    assert sorted(m["to"] for m in fake_twilio.messages) == ["+996555000001", "+996555000002"]


def test_running_the_batch_twice_or_side_by_side_replies_once(
    twilio_webhooks: TwilioWebhooks,
    state: Runtime,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    for sender in _senders(5):
        twilio_webhooks.sms(sender, "HELP")
    assert request_answers(state) is False  # already on its way

    answer_waiting_sms()
    answer_waiting_sms()
    run_jobs()

    assert Counter(m["to"] for m in fake_twilio.messages) == Counter(_senders(5))


def test_a_text_that_cannot_be_answered_does_not_hold_up_the_others(
    twilio_webhooks: TwilioWebhooks, state: Runtime, fake_twilio: FakeTwilioApi
) -> None:
    twilio_webhooks.sms("+996555000001", "HELP")
    with state.sessions() as session:  # a row no answer can be written for: no contact
        broken = Message(
            direction=Direction.INBOUND,
            provider="twilio",
            provider_id="SMbroken",
            phone="+996555000009",
            body="HELP",
            status=MessageStatus.RECEIVED,
        )
        session.add(broken)
        session.commit()
        broken_id = broken.id
    twilio_webhooks.sms("+996555000002", "HELP")

    result = answer_waiting_sms()

    assert result["answered"] == 2
    assert sorted(m["to"] for m in fake_twilio.messages) == ["+996555000001", "+996555000002"]
    assert f"sms-in-{broken_id}" in _queued_jobs(state)  # retried on its own, with backoff


def test_a_reply_the_provider_refuses_for_now_is_retried_by_a_job(
    twilio_webhooks: TwilioWebhooks,
    state: Runtime,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    twilio_webhooks.sms("+996555000001", "HELP")
    fake_twilio.faults.queue = [500]

    answer_waiting_sms()

    assert fake_twilio.messages == []
    [send_job] = [j for j in _queued_jobs(state) if j.startswith("send-")]
    run_jobs()
    assert [m["to"] for m in fake_twilio.messages] == ["+996555000001"]
    assert send_job
