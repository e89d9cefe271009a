"""Pair a waiting request with a free agent who speaks its language, and ring the agent first.

Two workers may look for work at the same moment: the agent and the request are each claimed
with a conditional ``UPDATE`` (``available`` -> ``on_call``, ``open`` -> ``calling``), so an
agent is never given two calls and a request is never called twice. Both claims and the
attempt row are committed before the provider is asked to ring; a worker that dies in between
leaves a ``placing`` attempt that the sweep settles (see ``recovery``).

Before anyone is rung, the caller's number (and the agent's) is checked again against the
countries and kinds of number we call: a request stored before ``CALLBACK_COUNTRIES`` changed,
or through a path that did not check, is refused here and never dialled.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from hotline.callbacks.legs import finish
from hotline.callbacks.requests import queue_order, record, refuse
from hotline.models import (
    Agent,
    AgentStatus,
    AttemptStatus,
    CallbackAttempt,
    CallbackRequest,
    CallbackStatus,
)
from hotline.phones import Destinations, mask
from hotline.providers.base import OutboundCall, Provider, ProviderError
from hotline.staffing import StaffedHours

LOOKAHEAD = 100  # waiting requests considered per pairing
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallbackLine:
    """What ringing an agent needs: the provider, our caller id and the webhook addresses.

    ``destinations`` are the numbers we agree to call; None skips that check (tests of the
    call flow alone).
    """

    provider: Provider
    hotline_number: str
    public_base_url: str
    destinations: Destinations | None = None

    def answer_url(self, attempt_id: int) -> str:
        return f"{self.public_base_url}/{self.provider.name}/callback?attempt={attempt_id}"

    def status_url(self, attempt_id: int) -> str:
        return f"{self.answer_url(attempt_id)}&leg=agent"


def agent_hours(agent: Agent, hotline: StaffedHours) -> StaffedHours:
    """The agent's own shift, or the hotline's staffed hours; always in the hotline's zone."""
    return hotline.shift(agent.shift_hours, agent.shift_days)


def _choose(
    request: CallbackRequest, free: Sequence[Agent], present: Sequence[Agent]
) -> Agent | None:
    """A free agent who speaks the caller's language; anyone free if nobody present does."""
    if request.language is None:
        return free[0] if free else None
    speakers = [agent for agent in free if request.language in (agent.languages or [])]
    if speakers:
        return speakers[0]
    if any(request.language in (agent.languages or []) for agent in present):
        return None  # a speaker is on shift: wait for them
    return free[0] if free else None


def start_next_attempt(
    session: Session,
    hotline: StaffedHours,
    provider_name: str,
    now: dt.datetime,
    destinations: Destinations | None = None,
) -> int | None:
    """Claim the most urgent request an agent can take now; returns the new attempt's id.

    With ``destinations`` a waiting request whose number we no longer call is refused
    (committed) instead of paired.
    """
    if not hotline.is_open(now):
        return None
    for _ in range(5):  # another worker may win a claim; look again
        on_shift = [
            agent
            for agent in session.scalars(
                select(Agent).where(Agent.status != AgentStatus.AWAY).order_by(Agent.updated_at)
            )
            if agent_hours(agent, hotline).is_open(now)
        ]
        free = [agent for agent in on_shift if agent.status == AgentStatus.AVAILABLE]
        if not free:
            return None
        waiting = session.scalars(
            select(CallbackRequest)
            .where(
                CallbackRequest.status == CallbackStatus.OPEN,
                or_(
                    CallbackRequest.next_attempt_at.is_(None),
                    CallbackRequest.next_attempt_at <= now,
                ),
            )
            .order_by(*queue_order())
            .limit(LOOKAHEAD)
        ).all()
        if destinations is not None:
            waiting = _dialable(session, waiting, destinations, now)
        pair = next(
            (
                (request, agent)
                for request in waiting
                if (agent := _choose(request, free, on_shift))
            ),
            None,
        )
        if pair is None:
            return None
        attempt_id = _claim(session, *pair, provider_name, now)
        if attempt_id is not None:
            return attempt_id
    return None


def _dialable(
    session: Session,
    waiting: Sequence[CallbackRequest],
    destinations: Destinations,
    now: dt.datetime,
) -> Sequence[CallbackRequest]:
    """Refuse the requests whose number we would not ring; the others, still waiting."""
    refused = [
        (request, why) for request in waiting if (why := destinations.refusal(request.phone))
    ]
    for request, why in refused:
        refuse(session, request, now, why)
    if not refused:
        return waiting
    session.commit()
    return [request for request in waiting if request.status == CallbackStatus.OPEN]


def _claim(
    session: Session, request: CallbackRequest, agent: Agent, provider_name: str, now: dt.datetime
) -> int | None:
    agent_taken = session.execute(
        update(Agent)
        .where(Agent.id == agent.id, Agent.status == AgentStatus.AVAILABLE)
        .values(status=AgentStatus.ON_CALL, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    request_taken = session.execute(
        update(CallbackRequest)
        .where(CallbackRequest.id == request.id, CallbackRequest.status == CallbackStatus.OPEN)
        .values(status=CallbackStatus.CALLING)
        .execution_options(synchronize_session=False)
    )
    if getattr(agent_taken, "rowcount", 0) != 1 or getattr(request_taken, "rowcount", 0) != 1:
        session.rollback()
        return None
    session.refresh(agent)
    session.refresh(request)
    attempt = CallbackAttempt(
        request_id=request.id,
        agent_id=agent.id,
        provider=provider_name,
        started_at=now,
        updated_at=now,
    )
    session.add(attempt)
    session.flush()
    agent.current_attempt_id = attempt.id
    request.first_attempt_at = request.first_attempt_at or now
    record(session, request, now, f"ringing agent {agent.name} first (attempt {attempt.id})")
    session.commit()
    return attempt.id


def ring_agent(session: Session, attempt_id: int, line: CallbackLine, now: dt.datetime) -> str:
    """Ask the provider to call the agent; the caller is dialled once the agent answers."""
    attempt = session.get(CallbackAttempt, attempt_id)
    if attempt is None or attempt.status != AttemptStatus.PLACING:
        return "not-placing"
    agent = session.get(Agent, attempt.agent_id)
    assert agent is not None
    if line.destinations is not None and _refused(session, attempt, agent, line.destinations, now):
        session.commit()
        return "refused"
    call = OutboundCall(
        to=agent.phone,
        caller_id=line.hotline_number,
        answer_url=line.answer_url(attempt_id),
        status_callback=line.status_url(attempt_id),
    )
    try:
        placed = line.provider.place_call(call)
    except ProviderError as exc:
        attempt.error = (exc.code or str(exc))[:60]
        finish(session, attempt, AttemptStatus.FAILED, now, f"provider refused: {attempt.error}")
        session.commit()
        return "failed"
    session.execute(
        update(CallbackAttempt)
        .where(CallbackAttempt.id == attempt_id)
        .values(provider_call_id=placed.provider_call_id[:64], updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.execute(  # unless the agent already answered (its webhook may come first)
        update(CallbackAttempt)
        .where(CallbackAttempt.id == attempt_id, CallbackAttempt.status == AttemptStatus.PLACING)
        .values(status=AttemptStatus.RINGING, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return "ringing"


def _refused(
    session: Session,
    attempt: CallbackAttempt,
    agent: Agent,
    destinations: Destinations,
    now: dt.datetime,
) -> bool:
    """The last check before anything is dialled: the caller's and the agent's numbers.

    A refused caller's request ends ``refused``; an agent whose own number we would not call
    is set away (an admin must fix the number) and the request waits for someone else.
    """
    request = session.get(CallbackRequest, attempt.request_id, with_for_update=True)
    assert request is not None
    caller_refusal = destinations.refusal(request.phone)
    agent_refusal = destinations.refusal(agent.phone)
    if not (caller_refusal or agent_refusal):
        return False
    attempt.error = "number refused"
    why = (
        f"caller's number: {caller_refusal}"
        if caller_refusal
        else f"agent's number: {agent_refusal}"
    )
    finish(session, attempt, AttemptStatus.FAILED, now, f"not dialled, {why}")
    if caller_refusal:
        refuse(session, request, now, caller_refusal)
    else:
        log.warning("agent %s's number %s refused: %s", agent.id, mask(agent.phone), agent_refusal)
        request.next_attempt_at = now
        agent.status = AgentStatus.AWAY
        agent.updated_at = now
    return True
