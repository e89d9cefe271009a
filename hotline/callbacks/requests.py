"""Callback requests: one open request per number; asking again merges into it.

A callback rings a number someone else chose, so it is the toll fraudster's way in: a number
outside ``CALLBACK_COUNTRIES`` or of a kind that costs us (premium rate, shared cost, ...) is
refused here, where it is asked for, and again before it is rung (``placing``).
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import case, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hotline.models import CallbackEvent, CallbackRequest, CallbackSource, CallbackStatus, Contact
from hotline.models.callbacks import OPEN_STATUSES, URGENT_REASONS
from hotline.phones import Destinations, mask

log = logging.getLogger(__name__)

URGENT = "urgent"
REASONS = ("trafficking", "urgent", "general")


def request_callback(
    session: Session,
    contact: Contact,
    source: CallbackSource,
    language: str | None,
    now: dt.datetime,
    reason: str = "general",
    *,
    destinations: Destinations | None = None,
) -> CallbackRequest:
    """Open a request, or merge into the number's open one (an urgent ask raises its reason).

    Every entry point passes ``destinations``: a number we will not call is kept as a
    ``refused`` request (staff see who asked and why nobody called) and never merged or rung.
    Without them the number is still checked before it is rung.
    """
    refusal = destinations.refusal(contact.phone) if destinations is not None else None
    existing = (
        None
        if refusal
        else session.scalars(
            select(CallbackRequest)
            .where(
                CallbackRequest.phone == contact.phone, CallbackRequest.status.in_(OPEN_STATUSES)
            )
            .with_for_update()
        ).first()
    )
    if existing is not None:
        existing.requests += 1
        existing.updated_at = now
        if reason in URGENT_REASONS and existing.reason not in URGENT_REASONS:
            existing.reason = reason
        existing.language = existing.language or language
        record(session, existing, now, f"asked again ({source})")
        return existing
    request = CallbackRequest(
        contact_id=contact.id,
        phone=contact.phone,
        source=source,
        language=language,
        reason=reason if reason in REASONS else "general",
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    session.flush()
    record(session, request, now, f"requested ({source})")
    if refusal:
        refuse(session, request, now, refusal)
    return request


def refuse(session: Session, request: CallbackRequest, now: dt.datetime, why: str) -> None:
    """Close a request whose number we will not call, and say so in the log (number masked)."""
    log.warning(
        "callback %s for %s refused (%s): %s", request.id, mask(request.phone), request.source, why
    )
    request.outcome = "refused"
    move(session, request, CallbackStatus.REFUSED, now, f"refused: {why}")


def record(session: Session, request: CallbackRequest, now: dt.datetime, detail: str) -> None:
    """Add a line to the request's history (its status as of now, and why)."""
    session.add(
        CallbackEvent(request_id=request.id, at=now, status=request.status, detail=detail[:200])
    )


def move(
    session: Session,
    request: CallbackRequest,
    status: CallbackStatus,
    now: dt.datetime,
    detail: str,
) -> None:
    request.status = status
    request.updated_at = now
    request.closed_at = None if status in OPEN_STATUSES else now  # reopened: not closed
    record(session, request, now, detail)


def queue_order() -> tuple[ColumnElement[int], ColumnElement[dt.datetime]]:
    """Trafficking and urgent requests first, then the oldest."""
    urgency = case((CallbackRequest.reason.in_(URGENT_REASONS), 0), else_=1)
    return urgency, CallbackRequest.created_at.asc()
