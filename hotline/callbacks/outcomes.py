"""What the agent reports after a call, stale attempts, and the daily service-level figures."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.callbacks.legs import Finished, caller_missed, finish
from hotline.callbacks.requests import move, queue_order, record
from hotline.cases import open_case
from hotline.models import AttemptStatus, CallbackAttempt, CallbackRequest, CallbackStatus
from hotline.models.callbacks import OPEN_STATUSES

RESULTS = ("reached", "no_answer", "wrong_number")
TOPICS = ("agency", "registration", "wages", "documents", "trafficking", "return", "other")
# No word from the provider for this long means the report was lost (or never coming).
STALE_AFTER = {
    AttemptStatus.PLACING: dt.timedelta(minutes=2),
    AttemptStatus.RINGING: dt.timedelta(minutes=3),
    AttemptStatus.BRIDGING: dt.timedelta(hours=3),
}


class OutcomeError(ValueError):
    """The outcome cannot be recorded as given (unknown request, result or topic)."""


def record_outcome(
    session: Session,
    request_id: int,
    result: str,
    topic: str | None,
    notes: str | None,
    now: dt.datetime,
    by: str = "agent",
) -> CallbackRequest:
    """The agent's account of the call; a trafficking topic opens a case for the team."""
    if result not in RESULTS:
        raise OutcomeError(f"result must be one of {', '.join(RESULTS)}")
    if topic is not None and topic not in TOPICS:
        raise OutcomeError(f"topic must be one of {', '.join(TOPICS)}")
    request = session.get(CallbackRequest, request_id, with_for_update=True)
    if request is None:
        raise OutcomeError(f"no callback request {request_id}")
    request.outcome, request.topic = result, topic
    request.notes = (notes or "").strip()[:4000] or request.notes
    if result == "reached" and request.status != CallbackStatus.REACHED:
        move(session, request, CallbackStatus.REACHED, now, f"{by}: reached")
    elif result == "wrong_number":
        move(session, request, CallbackStatus.CLOSED, now, f"{by}: wrong number")
    elif result == "no_answer" and request.status == CallbackStatus.REACHED:
        # A voicemail or someone else picked up: it counts as a missed call, not a talk.
        request.status = CallbackStatus.CALLING
        caller_missed(session, request, now, f"{by}: not the caller")
    else:
        record(session, request, now, f"{by}: {result}")
    if topic == "trafficking":
        case = open_case(
            session,
            contact_id=request.contact_id,
            source="callback",
            text=f"Callback {request.id}: {request.notes or 'trafficking reported by phone'}",
            kind="trafficking",
        )
        record(session, request, now, f"case {case.case_no} opened")
    return request


def settle_stale_attempts(session: Session, now: dt.datetime) -> list[Finished]:
    """End attempts the provider never reported on, so no agent or request stays stuck."""
    finished = []
    for status, age in STALE_AFTER.items():
        stale = session.scalars(
            select(CallbackAttempt).where(
                CallbackAttempt.status == status, CallbackAttempt.updated_at < now - age
            )
        ).all()
        for attempt in stale:
            done = finish(session, attempt, AttemptStatus.LOST, now, f"no report while {status}")
            if done is not None:
                finished.append(done)
    session.commit()
    return finished


def open_requests(session: Session) -> list[CallbackRequest]:
    """The queue as agents see it: urgent first, then oldest."""
    return list(
        session.scalars(
            select(CallbackRequest)
            .where(CallbackRequest.status.in_(OPEN_STATUSES))
            .order_by(*queue_order())
        )
    )


def service_levels(session: Session, zone: ZoneInfo, since: dt.datetime) -> list[dict[str, Any]]:
    """Per day (hotline time) of request: requests, minutes to first attempt, share reached."""
    requests = session.execute(
        select(
            CallbackRequest.id,
            CallbackRequest.created_at,
            CallbackRequest.first_attempt_at,
            CallbackRequest.status,
        ).where(CallbackRequest.created_at >= since)
    ).all()
    attempts = dict(
        session.execute(
            select(CallbackAttempt.request_id, func.count())
            .join(CallbackRequest, CallbackRequest.id == CallbackAttempt.request_id)
            .where(
                CallbackRequest.created_at >= since,
                CallbackAttempt.status.in_(
                    [AttemptStatus.CONNECTED, AttemptStatus.CALLER_NO_ANSWER]
                ),
            )
            .group_by(CallbackAttempt.request_id)
        ).all()
    )
    days: dict[dt.date, list[Any]] = defaultdict(list)
    for row in requests:
        days[row.created_at.astimezone(zone).date()].append(row)
    report = []
    for day in sorted(days):
        rows = days[day]
        waits = [
            (row.first_attempt_at - row.created_at).total_seconds() / 60
            for row in rows
            if row.first_attempt_at is not None
        ]
        closed = [row for row in rows if row.status not in OPEN_STATUSES]
        reached = sum(1 for row in rows if row.status == CallbackStatus.REACHED)
        # Numbers we do not call (toll fraud) are counted apart, not as callers we failed.
        refused = sum(1 for row in rows if row.status == CallbackStatus.REFUSED)
        settled = len(closed) - refused
        report.append(
            {
                "day": day.isoformat(),
                "requests": len(rows),
                "attempted": len(waits),
                "minutes_to_first_attempt": {
                    "median": round(statistics.median(waits), 1) if waits else None,
                    "max": round(max(waits), 1) if waits else None,
                },
                "reached": reached,
                "share_reached": round(reached / settled, 3) if settled else None,
                "attempts_per_request": round(
                    sum(attempts.get(row.id, 0) for row in rows) / len(rows), 2
                ),
                "still_open": len(rows) - len(closed),
                "refused": refused,
            }
        )
    return report
