"""Housekeeping: pick up work that was stored but never queued (Redis was down, a worker died).

The database is the record of what must happen; Redis only carries jobs. Every minute this
sweep re-enqueues inbound messages still waiting for an answer and texts still waiting to be
sent, looks for callbacks to place, and restarts campaigns whose dispatch job was lost. The
jobs claim their rows first, so a sweep that races the original job is harmless.

It first drains the spool (``hotline.spool``): webhooks kept while the database was away. A
webhook that spools also schedules ``drain_spooled`` a few seconds ahead, which keeps looking
every few seconds while the database is still away, so the spool empties soon after it is back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from hotline.db import utcnow
from hotline.models import Direction, Message, MessageStatus
from hotline.queues import HIGH, LOW
from hotline.runtime import Runtime, runtime
from hotline.sms.outbound import settle_stuck_sends
from hotline.spool import drain_spool
from workers.callbacks import enqueue_placing
from workers.campaigns import restart_dispatch
from workers.privacy import enqueue_daily_retention
from workers.sms import SEND_RETRY_INTERVALS, answer_inbound_sms, send_sms

STRANDED_AFTER = dt.timedelta(minutes=2)
SWEEP_EVERY = dt.timedelta(minutes=1)
DRAIN_AGAIN_SECONDS = 5
# A drain stops after this long (the rest waits for the next one); its job may run 180 s.
SWEEP_DRAIN_SECONDS = 120.0


def sweep_stranded(reschedule: bool = True) -> dict[str, Any]:
    """Re-enqueue stranded inbound messages and replies; then schedule the next sweep."""
    state = runtime()
    drain_spool(state, seconds=SWEEP_DRAIN_SECONDS)  # reports what it stored in the log
    now = utcnow()
    cutoff = now - STRANDED_AFTER
    with state.sessions() as session:  # texts a dead worker left half-sent: ask the provider
        settled = settle_stuck_sends(session, state.provider_named, now)
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
    restart_dispatch(now)
    enqueue_daily_retention(state, now)  # old texts and recordings: once a day
    if reschedule:
        schedule_sweep(now + SWEEP_EVERY)
    return {"inbound": len(inbound), "replies": len(replies), "settled": settled}


def sweep_scheduled() -> bool:
    """Whether a sweep is waiting in the scheduler (False after Redis restarted empty)."""
    registry = runtime().queues.queue(LOW).scheduled_job_registry
    return any(job_id.startswith("sweep-") for job_id in registry.get_job_ids())


def schedule_sweep(at: dt.datetime) -> None:
    """Schedule one sweep for the minute of ``at`` (several workers schedule it only once)."""
    runtime().queues.enqueue(sweep_stranded, queue=LOW, job_id=f"sweep-{at:%Y%m%d%H%M}", at=at)


def drain_spooled() -> dict[str, Any]:
    """Replay spooled webhooks; while the database is still away, look again in a few seconds."""
    state = runtime()
    report = drain_spool(state, seconds=SWEEP_DRAIN_SECONDS)
    if report.database_down or report.unfinished:
        schedule_drain(state)
    return report.as_dict()


def schedule_drain(state: Runtime) -> None:
    """Drain in a few seconds: one job per 5-second slot, however many processes ask."""
    at = utcnow() + dt.timedelta(seconds=DRAIN_AGAIN_SECONDS)
    slot = int(at.timestamp()) // DRAIN_AGAIN_SECONDS
    state.queues.enqueue(drain_spooled, queue=HIGH, job_id=f"spool-drain-{slot}", at=at)
