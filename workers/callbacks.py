"""Callback jobs: ring free agents for waiting requests, tell waiting callers, recover.

``place_callbacks`` runs on the ``high`` queue whenever a request arrives or an agent becomes
free, at each request's next attempt time (RQ's scheduler), and every minute from the sweep.
Everything it needs is in the database, so a lost job or a Redis restart only delays it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.callbacks.legs import Finished
from hotline.callbacks.notices import gave_up_text, waiting_text
from hotline.callbacks.outcomes import settle_stale_attempts
from hotline.callbacks.placing import CallbackLine, ring_agent, start_next_attempt
from hotline.db import utcnow
from hotline.models import CallbackRequest, CallbackStatus, Contact, MessageStatus
from hotline.queues import HIGH
from hotline.runtime import Runtime, runtime
from hotline.sms.spend import spend_gate
from workers.sms import SEND_RETRY_INTERVALS, send_sms

log = logging.getLogger(__name__)
MAX_CALLS_PER_RUN = 50


def place_callbacks() -> dict[str, Any]:
    """Settle stale attempts, text callers who wait for opening time, ring free agents."""
    state = runtime()
    now = utcnow()
    provider = state.provider
    line = CallbackLine(
        provider,
        state.settings.hotline_number,
        state.settings.public_base_url,
        state.settings.call_destinations,
    )
    hours = state.staffed_hours
    texts: list[int] = []
    placed = 0
    with state.sessions() as session:
        for done in settle_stale_attempts(session, now):
            texts.extend(_gave_up(state, session, done))
        texts.extend(_tell_waiting(state, session, now))
        session.commit()
        while placed < MAX_CALLS_PER_RUN:
            attempt_id = start_next_attempt(
                session, hours, provider.name, now, state.settings.call_destinations
            )
            if attempt_id is None:
                break
            ring_agent(session, attempt_id, line, utcnow())
            placed += 1
        upcoming = session.scalar(
            select(func.min(CallbackRequest.next_attempt_at)).where(
                CallbackRequest.status == CallbackStatus.OPEN,
                CallbackRequest.next_attempt_at > now,
            )
        )
    for message_id in texts:
        enqueue_text(state, message_id)
    if upcoming is not None:
        enqueue_placing(state, at=upcoming)
    return {"placed": placed, "texted": len(texts)}


def _gave_up(state: Runtime, session: Session, done: Finished) -> list[int]:
    message_id = text_gave_up(state, session, done.request_id) if done.gave_up else None
    return [] if message_id is None else [message_id]


def _tell_waiting(state: Runtime, session: Session, now: dt.datetime) -> list[int]:
    """While the hotline is closed, text each new request when to expect the call (once)."""
    if state.staffed_hours.is_open(now):
        return []
    waiting = session.scalars(
        select(CallbackRequest).where(
            CallbackRequest.status == CallbackStatus.OPEN, CallbackRequest.told_at.is_(None)
        )
    ).all()
    messages = []
    for request in waiting:
        language = _language(session, request)
        body = waiting_text(
            state.sms_content.replies,
            state.staffed_hours,
            now,
            request.phone,
            language,
            state.settings.hotline_number,
        )
        message_id = _queue_text(state, session, request, body)
        if message_id is not None:
            messages.append(message_id)
        request.told_at = now  # told, or withheld and recorded: either way not again
    return messages


def text_gave_up(state: Runtime, session: Session, request_id: int) -> int | None:
    """Store the "we tried to reach you" SMS (sent once: the request is final already).

    Returns the message to send, or None when the spend gate withheld it.
    """
    request = session.get(CallbackRequest, request_id)
    assert request is not None
    body = gave_up_text(
        state.sms_content.replies, _language(session, request), state.settings.hotline_number
    )
    return _queue_text(state, session, request, body)


def _language(session: Session, request: CallbackRequest) -> str:
    contact = session.get(Contact, request.contact_id) if request.contact_id else None
    return request.language or (contact.language if contact else None) or "ru"


def _queue_text(
    state: Runtime, session: Session, request: CallbackRequest, body: str
) -> int | None:
    """Store a callback notice through the spend gate; its id if it is to be sent."""
    gate = spend_gate(state.settings, state.redis)
    message = gate.queue(
        session, state.settings.provider, request.phone, body, contact_id=request.contact_id
    )
    return message.id if message.status == MessageStatus.QUEUED else None


def enqueue_text(state: Runtime, message_id: int) -> None:
    """Queue the send; if Redis is down the sweep sends the stored message later."""
    try:
        state.queues.enqueue(
            send_sms,
            message_id,
            state.settings.provider,
            queue=HIGH,
            job_id=f"send-{message_id}",
            retry_intervals=SEND_RETRY_INTERVALS,
        )
    except redis.RedisError as exc:
        log.warning("callback sms %s stored but not queued: %s", message_id, type(exc).__name__)


def enqueue_placing(state: Runtime, at: dt.datetime | None = None) -> None:
    """Look for work now (once per second at most) or at ``at`` (once per minute)."""
    try:
        if at is None:
            # A finished job keeps its id for an hour: one id per second, not one for ever.
            state.queues.enqueue(
                place_callbacks, queue=HIGH, job_id=f"callbacks-place-{utcnow():%Y%m%d%H%M%S}"
            )
        else:
            state.queues.enqueue(
                place_callbacks, queue=HIGH, job_id=f"callbacks-place-{at:%Y%m%d%H%M}", at=at
            )
    except redis.RedisError as exc:
        log.warning("callbacks not queued (the sweep will): %s", type(exc).__name__)
