"""Housekeeping: pick up work that was stored but never queued (Redis was down, a worker died).

The database is the record of what must happen; Redis only carries jobs. Every minute this
sweep re-enqueues inbound messages still waiting for an answer and texts still waiting to be
sent, and looks for callbacks to place. The jobs claim their rows first, so a sweep that races
the original job is harmless.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from hotline.db import utcnow
from hotline.models import Direction, Message, MessageStatus
from hotline.queues import HIGH, LOW
from hotline.runtime import runtime
from workers.callbacks import enqueue_placing
from workers.sms import SEND_RETRY_INTERVALS, answer_inbound_sms, send_sms

STRANDED_AFTER = dt.timedelta(minutes=2)
SWEEP_EVERY = dt.timedelta(minutes=1)


def sweep_stranded(reschedule: bool = True) -> dict[str, Any]:
    """Re-enqueue stranded inbound messages and replies; then schedule the next sweep."""
    state = runtime()
    now = utcnow()
    cutoff = now - STRANDED_AFTER
    with state.sessions() as session:
        inbound = list(
            session.scalars(
                select(Message.id).where(
                    Message.direction == Direction.INBOUND,
                    Message.status == MessageStatus.RECEIVED,
                    Message.created_at < cutoff,
                )
            )
        )
        replies = list(
            session.execute(
                select(Message.id, Message.provider).where(
                    Message.direction == Direction.OUTBOUND,
                    Message.status == MessageStatus.QUEUED,
                    Message.updated_at < cutoff,
                )
            )
        )
    stamp = now.strftime("%Y%m%d%H%M")
    for message_id in inbound:
        state.queues.enqueue(answer_inbound_sms, message_id, job_id=f"sms-in-{message_id}-{stamp}")
    for message_id, provider in replies:
        state.queues.enqueue(
            send_sms,
            message_id,
            provider,
            queue=HIGH,
            job_id=f"send-{message_id}-{stamp}",
            retry_intervals=SEND_RETRY_INTERVALS,
        )
    # Callback requests live in the database: looking every minute recovers any lost job.
    enqueue_placing(state)
    if reschedule:
        schedule_sweep(now + SWEEP_EVERY)
    return {"inbound": len(inbound), "replies": len(replies)}


def schedule_sweep(at: dt.datetime) -> None:
    """Schedule one sweep for the minute of ``at`` (several workers schedule it only once)."""
    runtime().queues.enqueue(sweep_stranded, queue=LOW, job_id=f"sweep-{at:%Y%m%d%H%M}", at=at)
