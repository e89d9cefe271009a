"""Work stored while Redis was away is picked up by the sweep: nothing is lost."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select, update

from hotline.models import Direction, Message, MessageStatus
from hotline.runtime import Runtime
from tests.conftest import TwilioWebhooks
from tests.fakes.provider_api import FakeTwilioApi
from workers.housekeeping import sweep_stranded


def test_a_message_stored_while_redis_was_down_is_answered_later(
    twilio_webhooks: TwilioWebhooks,
    state: Runtime,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    twilio_webhooks.sms("+996555123456", "HELP")
    state.redis.flushdb()  # the queued job is gone, as if Redis had restarted empty
    with state.sessions() as session:
        session.execute(
            update(Message).values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
        )
        session.commit()

    assert sweep_stranded(reschedule=False) == {"inbound": 1, "replies": 0}
    run_jobs()

    assert len(fake_twilio.sent()) == 1
    assert sweep_stranded(reschedule=False) == {"inbound": 0, "replies": 0}


def test_a_reply_never_handed_to_a_worker_is_sent_once(
    twilio_webhooks: TwilioWebhooks,
    state: Runtime,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    twilio_webhooks.sms("+996555123456", "HELP")
    run_jobs()  # answers, queues the reply and sends it
    with state.sessions() as session:
        session.execute(update(Message).values(status=MessageStatus.QUEUED))
        session.execute(
            update(Message)
            .where(Message.direction == Direction.OUTBOUND)
            .values(updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
        )
        session.commit()
    fake_twilio.reset()

    assert sweep_stranded(reschedule=False)["replies"] == 1
    sweep_stranded(reschedule=False)  # a second sweep in the same minute adds nothing
    run_jobs()

    assert len(fake_twilio.sent()) == 1
    with state.sessions() as session:
        reply = session.scalars(select(Message).where(Message.direction == "outbound")).one()
    assert reply.status == MessageStatus.SENT
