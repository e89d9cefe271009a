"""What the provider tells us about an attempt's two legs, and what the agent hears.

The agent's phone rings first. When the agent answers, the provider asks what to do: the agent
hears a short whisper (why the caller asked, in which language) and the caller is dialled with
the hotline's number as caller id. The ``<Dial>``'s outcome says whether the caller answered;
the agent leg's final status says whether the agent did. Reports repeat and arrive in any
order: an attempt moves only from a live state, and once it is final nothing changes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hotline.callbacks.requests import move, record
from hotline.models import (
    Agent,
    AgentStatus,
    AttemptStatus,
    CallbackAttempt,
    CallbackRequest,
    CallbackStatus,
)
from hotline.models.callbacks import LIVE_ATTEMPTS
from hotline.providers.base import Dial, Hangup, Say, VoiceScript

MAX_ATTEMPTS = 3  # calls the caller may miss before we text them instead
RETRY_SPACING = (dt.timedelta(minutes=15), dt.timedelta(minutes=60))
AFTER_PROVIDER_ERROR = dt.timedelta(minutes=1)
DIAL_TIMEOUT_SECONDS = 30
_CONNECTED = {"completed", "answered"}

# The agents work in Russian; the whisper tells them what to expect before the caller is on.
_REASON_WORDS = {"trafficking": "торговля людьми", "urgent": "срочно", "general": "консультация"}
_LANGUAGE_WORDS = {"ky": "кыргызский", "ru": "русский", "uz": "узбекский", "kaa": "каракалпакский"}


@dataclass(frozen=True)
class Finished:
    """What the shell must do after an attempt ended (all after the commit)."""

    request_id: int
    gave_up: bool  # text the caller "we tried to reach you"
    agent_freed: bool  # look for the next request now


def whisper(request: CallbackRequest) -> str:
    reason = _REASON_WORDS.get(request.reason, request.reason)
    language = _LANGUAGE_WORDS.get(request.language or "", "неизвестен")
    return f"Обратный звонок. Причина: {reason}. Язык: {language}. Соединяю с абонентом."


def agent_answered(
    session: Session,
    attempt: CallbackAttempt,
    hotline_number: str,
    dial_action: str | None,
    now: dt.datetime,
) -> VoiceScript:
    """The agent picked up: whisper, then bridge to the caller (the same on a repeat)."""
    if attempt.status in (AttemptStatus.PLACING, AttemptStatus.RINGING):
        attempt.status = AttemptStatus.BRIDGING
        attempt.updated_at = now
        request = _request(session, attempt)
        record(session, request, now, f"agent answered; dialling the caller (attempt {attempt.id})")
    if attempt.status != AttemptStatus.BRIDGING:
        return VoiceScript((Say("Этот обратный звонок уже завершён.", "ru"), Hangup()))
    request = _request(session, attempt)
    return VoiceScript(
        (
            Say(whisper(request), "ru"),
            Dial(
                (request.phone,),
                caller_id=hotline_number,
                timeout_seconds=DIAL_TIMEOUT_SECONDS,
                action=dial_action,
            ),
        )
    )


def caller_leg_ended(
    session: Session, attempt: CallbackAttempt, dial_status: str, now: dt.datetime
) -> Finished | None:
    """The ``<Dial>`` to the caller ended: they spoke with the agent, or did not answer."""
    attempt.caller_leg = attempt.caller_leg or dial_status[:16]
    if attempt.status != AttemptStatus.BRIDGING:
        return None
    if dial_status in _CONNECTED:
        return finish(session, attempt, AttemptStatus.CONNECTED, now, "caller and agent spoke")
    return finish(
        session,
        attempt,
        AttemptStatus.CALLER_NO_ANSWER,
        now,
        f"caller did not answer: {dial_status}",
    )


def agent_leg_ended(
    session: Session, attempt: CallbackAttempt, call_status: str, now: dt.datetime
) -> Finished | None:
    """The agent's call ended; before the caller's leg had an outcome, the agent missed it.

    Unless the agent picked up and was never put through (their answer met a database outage,
    or failed): that is our failure, not a reason to set them away, and the request is tried
    again shortly, as after a provider error.
    """
    attempt.agent_leg = attempt.agent_leg or call_status[:16]
    if attempt.status not in LIVE_ATTEMPTS:
        return None
    if call_status in _CONNECTED and attempt.status != AttemptStatus.BRIDGING:
        attempt.error = attempt.error or "agent answered, never put through"
        return finish(
            session,
            attempt,
            AttemptStatus.FAILED,
            now,
            f"agent answered but was never put through: {call_status}",
        )
    return finish(
        session, attempt, AttemptStatus.AGENT_MISSED, now, f"agent's call ended: {call_status}"
    )


def finish(
    session: Session, attempt: CallbackAttempt, status: AttemptStatus, now: dt.datetime, why: str
) -> Finished | None:
    """End a live attempt: free the agent, and move the request on (once, however asked)."""
    if attempt.status not in LIVE_ATTEMPTS:
        return None
    attempt.status = status
    attempt.ended_at = attempt.updated_at = now
    agent = session.get(Agent, attempt.agent_id, with_for_update=True)
    freed = False
    if agent is not None and agent.current_attempt_id == attempt.id:
        agent.current_attempt_id = None
        if agent.status == AgentStatus.ON_CALL:
            # An agent who does not pick up is probably away: stop ringing them until they
            # say they are back (contact centres call it "redirect on no answer").
            missed = status == AttemptStatus.AGENT_MISSED
            agent.status = AgentStatus.AWAY if missed else AgentStatus.AVAILABLE
            freed = not missed
        agent.updated_at = now
    request = _request(session, attempt)
    if request.status != CallbackStatus.CALLING:
        return Finished(request.id, gave_up=False, agent_freed=freed)
    gave_up = False
    if status == AttemptStatus.CONNECTED:
        move(session, request, CallbackStatus.REACHED, now, why)
    elif status == AttemptStatus.CALLER_NO_ANSWER:
        gave_up = caller_missed(session, request, now, why)
    else:
        request.next_attempt_at = now + (
            AFTER_PROVIDER_ERROR if status == AttemptStatus.FAILED else dt.timedelta(0)
        )
        move(session, request, CallbackStatus.OPEN, now, f"attempt {attempt.id} {status}: {why}")
    return Finished(request.id, gave_up=gave_up, agent_freed=freed)


def caller_missed(session: Session, request: CallbackRequest, now: dt.datetime, why: str) -> bool:
    """Count a call the caller did not answer; True when that was the last one we make."""
    request.attempts += 1
    if request.attempts >= MAX_ATTEMPTS:
        request.outcome = request.outcome or "no_answer"
        move(session, request, CallbackStatus.GAVE_UP, now, f"{why}; gave up, texting the caller")
        return True
    request.next_attempt_at = now + RETRY_SPACING[request.attempts - 1]
    move(session, request, CallbackStatus.OPEN, now, f"{why}; trying again later")
    return False


def _request(session: Session, attempt: CallbackAttempt) -> CallbackRequest:
    request = session.get(CallbackRequest, attempt.request_id, with_for_update=True)
    assert request is not None
    return request
