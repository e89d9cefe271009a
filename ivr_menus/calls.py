"""Keep one ``CallSession`` per provider call, however often its webhooks repeat."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.callers import caller_of
from hotline.models import CallSession, CallStatus, Contact
from hotline.models.contacts import contact_for
from hotline.providers.base import CallEvent


def track_call(
    session: Session, provider: str, event: CallEvent, default_region: str, now: dt.datetime
) -> CallSession:
    """Find or open the session for ``event`` and apply its final status, if it has one."""
    return track_call_and_caller(session, provider, event, default_region, now)[0]


def track_call_and_caller(
    session: Session, provider: str, event: CallEvent, default_region: str, now: dt.datetime
) -> tuple[CallSession, Contact | None]:
    """``track_call``, and the caller's contact loaded in the same query (every menu step
    needs it; the session's identity map holds objects weakly, so it is handed back).

    The contact is None when the caller's number is hidden (the call's ``hidden_caller`` says
    how) and when it was erased since.
    """
    contact: Contact | None = None
    found = session.execute(
        select(CallSession, Contact)
        .outerjoin(Contact, Contact.id == CallSession.contact_id)
        .where(
            CallSession.provider == provider,
            CallSession.provider_call_id == event.provider_call_id,
        )
    ).one_or_none()
    if found is not None:
        call, contact = found[0], found[1]
    else:
        call = None
    if call is None:
        # A hidden caller gets a session with no number and no contact: the menu still runs.
        caller = caller_of(event.caller, default_region)
        contact = None if caller.phone is None else contact_for(session, caller.phone)
        call = CallSession(
            provider=provider,
            provider_call_id=event.provider_call_id,
            contact_id=contact.id if contact is not None else None,
            phone=caller.phone,
            hidden_caller=caller.hidden,
            language=contact.language if contact is not None else None,
            path=[],
            status=CallStatus.IN_PROGRESS,
            started_at=now,
        )
        savepoint = session.begin_nested()
        session.add(call)
        try:
            savepoint.commit()
        except IntegrityError:
            savepoint.rollback()
            call = session.scalars(
                select(CallSession).where(
                    CallSession.provider == provider,
                    CallSession.provider_call_id == event.provider_call_id,
                )
            ).one()
    if event.status and call.ended_at is None:
        call.status = CallStatus(event.status)
        call.ended_at = now
        call.duration_seconds = event.duration_seconds
    return call, contact
