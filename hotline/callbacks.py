"""Callback requests: one open request per number; asking again merges into it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import CallbackRequest, CallbackSource, Contact
from hotline.models.callbacks import OPEN_STATUSES

URGENT = "urgent"


def request_callback(
    session: Session,
    contact: Contact,
    source: CallbackSource,
    language: str | None,
    now: dt.datetime,
    reason: str = "general",
) -> CallbackRequest:
    """Open a request, or merge into the number's open one (an urgent ask raises its reason)."""
    existing = session.scalars(
        select(CallbackRequest)
        .where(CallbackRequest.phone == contact.phone, CallbackRequest.status.in_(OPEN_STATUSES))
        .with_for_update()
    ).first()
    if existing is not None:
        existing.requests += 1
        existing.updated_at = now
        if reason == URGENT:
            existing.reason = URGENT
        existing.language = existing.language or language
        return existing
    request = CallbackRequest(
        contact_id=contact.id,
        phone=contact.phone,
        source=source,
        language=language,
        reason=reason,
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    session.flush()
    return request
