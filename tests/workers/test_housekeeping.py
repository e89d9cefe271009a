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

NOTHING = {"sent": 0, "queued_again": 0, "unknown": 0}


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

    assert sweep_stranded(reschedule=False) == {"inbound": 1, "replies": 0, "settled": NOTHING}
    run_jobs()

    assert len(fake_twilio.sent()) == 1
    assert sweep_stranded(reschedule=False) == {"inbound": 0, "replies": 0, "settled": NOTHING}


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
        session.commit()
    _set_replies(state, updated_at=_ago(minutes=5))
    fake_twilio.reset()

    assert sweep_stranded(reschedule=False)["replies"] == 1
    sweep_stranded(reschedule=False)  # a second sweep in the same minute adds nothing
    run_jobs()

    assert len(fake_twilio.sent()) == 1
    with state.sessions() as session:
        reply = session.scalars(select(Message).where(Message.direction == "outbound")).one()
    assert reply.status == MessageStatus.SENT


def _ago(minutes: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)


def _set_replies(state: Runtime, **values: object) -> None:
    with state.sessions() as session:
        session.execute(
            update(Message).where(Message.direction == Direction.OUTBOUND).values(**values)
        )
        session.commit()


def _left_sending(state: Runtime, minutes_ago: int = 15) -> None:
    """As if the worker died after the claim: no provider id, the row still ``sending``."""
    _set_replies(
        state, status=MessageStatus.SENDING, provider_id=None, updated_at=_ago(minutes_ago)
    )


def test_a_reply_twilio_took_before_the_worker_died_is_settled_as_sent_not_resent(
    twilio_webhooks: TwilioWebhooks,
    state: Runtime,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    twilio_webhooks.sms("+996555123456", "HELP")
    run_jobs()  # Twilio accepted the reply...
    _left_sending(state)  # ...but its id never reached the database

    assert sweep_stranded(reschedule=False)["settled"] == {**NOTHING, "sent": 1}
    run_jobs()

    assert len(fake_twilio.sent()) == 1
    with state.sessions() as session:
        reply = session.scalars(
            select(Message).where(Message.direction == Direction.OUTBOUND)
        ).one()
    assert reply.status == MessageStatus.SENT
    assert reply.provider_id == fake_twilio.messages[0]["sid"]


def test_a_reply_twilio_never_got_is_queued_again_and_sent_once(
    twilio_webhooks: TwilioWebhooks,
    state: Runtime,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    twilio_webhooks.sms("+996555123456", "HELP")
    run_jobs()
    fake_twilio.reset()  # Twilio has no record of it
    _left_sending(state)

    assert sweep_stranded(reschedule=False)["settled"] == {**NOTHING, "queued_again": 1}
    _set_replies(state, updated_at=_ago(minutes=5))  # two minutes on, the next sweep sends it
    assert sweep_stranded(reschedule=False)["replies"] == 1
    run_jobs()

    assert len(fake_twilio.sent()) == 1


def test_a_send_still_in_flight_is_left_alone(
    twilio_webhooks: TwilioWebhooks, state: Runtime, run_jobs: Callable[[], None]
) -> None:
    twilio_webhooks.sms("+996555123456", "HELP")
    run_jobs()
    _left_sending(state, minutes_ago=1)

    assert sweep_stranded(reschedule=False)["settled"] == NOTHING
