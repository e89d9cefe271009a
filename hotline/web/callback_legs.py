"""Provider webhooks for a callback's agent-first call: the agent answered, a leg ended.

Twilio calls ``/twilio/callback?attempt=N`` (answer), ``...&leg=caller`` (the ``<Dial>``'s
outcome) and ``...&leg=agent`` (the agent leg's status). Africa's Talking sends everything about
a call to the number's one voice URL; the attempt is found there by the call's session id and
the final report carries the ``<Dial>``'s outcome.

A leg that ended while the database was away is spooled and replayed later through
``take_callback_leg``, the same path the live webhook takes (see ``hotline.spool``); the agent
answering cannot wait for that (the call is live), so it hears an apology instead.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks.legs import Finished, agent_answered, agent_leg_ended, caller_leg_ended
from hotline.db import utcnow
from hotline.models import CallbackAttempt
from hotline.providers.base import (
    CallEvent,
    Hangup,
    Provider,
    VoiceScript,
    WebhookRejected,
    WebhookRequest,
    whole_number,
)
from hotline.runtime import Runtime, after_commit


def attempt_for_call(session: Session, provider: str, call_id: str) -> CallbackAttempt | None:
    return session.scalars(
        select(CallbackAttempt).where(
            CallbackAttempt.provider == provider, CallbackAttempt.provider_call_id == call_id
        )
    ).first()


def attempt_id(webhook: WebhookRequest) -> int:
    """The attempt a Twilio leg names; checked before anything is stored or spooled."""
    found = whole_number(webhook.query.get("attempt"))  # ids are 32-bit in PostgreSQL
    if found is None:
        raise WebhookRejected("attempt is missing or malformed")
    return found


def attempt_from_query(
    session: Session, provider: Provider, webhook: WebhookRequest, event: CallEvent
) -> CallbackAttempt:
    attempt = session.get(CallbackAttempt, attempt_id(webhook), with_for_update=True)
    if attempt is None or attempt.provider != provider.name:
        raise WebhookRejected("no such callback attempt")
    if attempt.provider_call_id is None:  # the answer outran the worker storing the call id
        attempt.provider_call_id = event.provider_call_id[:64]
    elif attempt.provider_call_id != event.provider_call_id:
        raise WebhookRejected("the call is not this attempt's")
    return attempt


def leg_ended(webhook: WebhookRequest, event: CallEvent) -> bool:
    """Whether the event reports a leg's end (anything but the agent answering)."""
    return (
        webhook.query.get("leg") is not None or event.status is not None or bool(event.dial_status)
    )


def after_leg(webhook: WebhookRequest) -> VoiceScript:
    """What the agent's call does after a leg ended: the caller's end hangs the agent up."""
    return VoiceScript((Hangup(),)) if webhook.query.get("leg") == "caller" else VoiceScript()


def callback_leg(
    state: Runtime,
    provider: Provider,
    webhook: WebhookRequest,
    session: Session,
    attempt: CallbackAttempt,
    event: CallEvent,
    now: dt.datetime | None = None,
) -> str:
    """Apply one leg event and return the provider's XML; ``now`` is when it arrived."""
    now = now or utcnow()
    leg = webhook.query.get("leg")
    finished: list[Finished | None] = []
    if event.dial_status and leg != "agent":
        finished.append(caller_leg_ended(session, attempt, event.dial_status, now))
    if event.status is not None:
        finished.append(agent_leg_ended(session, attempt, event.status, now))
    script = after_leg(webhook)
    if not leg_ended(webhook, event):
        dial_action = None
        if provider.name == "twilio":
            dial_action = (
                f"{state.settings.public_base_url}/twilio/callback?attempt={attempt.id}&leg=caller"
            )
        script = agent_answered(session, attempt, state.settings.hotline_number, dial_action, now)
    for done in finished:
        if done is not None:
            _after(state, session, done)
    return provider.render_voice(script).body


def take_callback_leg(
    state: Runtime,
    provider: Provider,
    webhook: WebhookRequest,
    session: Session,
    now: dt.datetime,
) -> None:
    """Replay a Twilio leg spooled during an outage, as ``/twilio/callback`` takes it live.

    Idempotent like the live webhook: an attempt moves only from a live state, so a second
    replay (or Twilio's own repeat) changes nothing.
    """
    event = provider.parse_call_event(webhook)
    attempt = attempt_from_query(session, provider, webhook, event)
    callback_leg(state, provider, webhook, session, attempt, event, now)


def _after(state: Runtime, session: Session, done: Finished) -> None:
    from workers.callbacks import enqueue_placing, enqueue_text, text_gave_up

    message_id = text_gave_up(state, session, done.request_id) if done.gave_up else None
    if message_id is not None:  # None: withheld by the spend gate
        after_commit(lambda: enqueue_text(state, message_id))
    if done.agent_freed:
        after_commit(lambda: enqueue_placing(state))
