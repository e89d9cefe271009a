"""SMS jobs: a queued message is sent once through the provider, whatever runs twice."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from hotline.models import Message, MessageStatus
from hotline.providers.base import ProviderError
from hotline.runtime import Runtime
from hotline.sms.outbound import deliver_sms, queue_sms
from tests.conftest import TwilioWebhooks
from tests.fakes.provider_api import FakeAfricasTalkingApi, FakeTwilioApi
from workers.sms import send_sms


def _queued(state: Runtime, provider: str = "twilio", body: str = "Салам") -> int:
    with state.sessions() as session:
        message = queue_sms(session, provider, "+996555123456", body)
        session.commit()
        return message.id


def test_send_job_sends_through_twilio_and_records_the_sid(
    state: Runtime, fake_twilio: FakeTwilioApi, run_jobs: Callable[[], None]
) -> None:
    message_id = _queued(state)
    state.queues.enqueue(send_sms, message_id, "twilio", job_id=f"send-{message_id}")
    run_jobs()

    [request] = fake_twilio.sent()
    assert request.value("StatusCallback") == (
        f"https://hotline.example.org/twilio/status?message={message_id}"
    )
    with state.sessions() as session:
        message = session.get(Message, message_id)
        assert message is not None
        assert message.status == MessageStatus.SENT
        assert message.provider_id == fake_twilio.messages[0]["sid"]
        assert message.encoding == "UCS-2"


def test_send_job_sends_through_africastalking(
    state: Runtime, fake_africastalking: FakeAfricasTalkingApi, run_jobs: Callable[[], None]
) -> None:
    message_id = _queued(state, provider="africastalking")
    state.queues.enqueue(send_sms, message_id, "africastalking")
    run_jobs()

    assert len(fake_africastalking.sent()) == 1
    with state.sessions() as session:
        assert session.get(Message, message_id).status == MessageStatus.SENT  # type: ignore[union-attr]


def test_running_the_send_job_twice_sends_once(
    state: Runtime, fake_twilio: FakeTwilioApi, run_jobs: Callable[[], None]
) -> None:
    message_id = _queued(state)
    state.queues.enqueue(send_sms, message_id, "twilio")
    state.queues.enqueue(send_sms, message_id, "twilio")
    run_jobs()

    assert len(fake_twilio.sent()) == 1


def test_duplicate_enqueue_with_the_same_job_id_is_dropped(state: Runtime) -> None:
    message_id = _queued(state)
    first = state.queues.enqueue(send_sms, message_id, "twilio", job_id="send-x")
    second = state.queues.enqueue(send_sms, message_id, "twilio", job_id="send-x")

    assert first is not None
    assert second is None
    assert len(state.queues.queue("high")) == 1


def test_retryable_failure_requeues_and_permanent_failure_fails(
    state: Runtime, fake_twilio: FakeTwilioApi
) -> None:
    message_id = _queued(state)
    provider = state.provider_named("twilio")
    fake_twilio.faults.queue.extend([500])

    with state.sessions() as session, pytest.raises(ProviderError):
        deliver_sms(session, provider, message_id, None)
    with state.sessions() as session:
        assert session.get(Message, message_id).status == MessageStatus.QUEUED  # type: ignore[union-attr]
        outcome = deliver_sms(session, provider, message_id, None)
    assert outcome.status == "sent"

    bad = _queued(state)
    fake_twilio.faults.queue.append(400)
    with state.sessions() as session:
        assert deliver_sms(session, provider, bad, None).status == "failed"
    assert len(fake_twilio.messages) == 1


def test_inbound_sms_job_handles_each_message_once(
    twilio_webhooks: TwilioWebhooks, state: Runtime, run_jobs: Callable[[], None]
) -> None:
    twilio_webhooks.sms("+996555123456", "HELP")
    run_jobs()

    with state.sessions() as session:
        message = session.scalars(select(Message).where(Message.direction == "inbound")).one()
    assert message.status == MessageStatus.PROCESSED
