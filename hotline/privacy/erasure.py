"""Deleting one person's data on request, without breaking statistics or texting them again.

What identifies them goes: texts, reports, recordings, agents' notes, their number on every
row but one, and what we knew of them (language, region, stage, consent). Rows that counts and
foreign keys need stay, unlinked and with the number replaced: a message still counts as one
delivered SMS of a campaign, a call as one call.

The one row that keeps the number is their contact, emptied and opted out: without it the
next partner list that holds the number would enrol it again, and a person who asked to be
forgotten would get the next campaign. Writing START later opts them back in, as anyone can;
campaigns also need their consent again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from hotline.models import (
    CallbackRequest,
    CallbackStatus,
    CallSession,
    Case,
    Contact,
    Direction,
    Message,
    MessageStatus,
    Recipient,
    RecipientStatus,
    VerificationRecord,
)
from hotline.phones import mask
from hotline.privacy.retention import REMOVED
from hotline.staff import audit

ERASED_PHONE = "erased"  # not a number: nothing can be sent to it, nothing matches it
OPEN_CALLBACKS = (CallbackStatus.OPEN, CallbackStatus.CALLING)
ERASED_UNSENT = "not sent: the person asked us to delete their data"


@dataclass(frozen=True)
class ErasureCounts:
    """Rows changed per kind; ``contact`` is the id of the opted-out contact that remains."""

    contact: int
    messages: int = 0
    calls: int = 0
    callback_requests: int = 0
    cases: int = 0
    verifications: int = 0
    campaign_recipients: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def erase_contact(session: Session, phone: str, actor: str, now: dt.datetime) -> ErasureCounts:
    """Delete what identifies ``phone`` (E.164), opt it out, and audit it; the caller commits.

    Messages still waiting to be answered or sent are finished first (failed, never sent), and
    open callback requests cancelled, so no job reaches the person after they asked.
    """
    contact = session.scalars(select(Contact).where(Contact.phone == phone)).one_or_none()
    if contact is None:
        contact = Contact(phone=phone)
        session.add(contact)
    _forget(contact, now)
    session.flush()
    contact_id = contact.id

    def change(model: Any, where: ColumnElement[bool], values: dict[str, Any]) -> int:
        result = session.execute(
            update(model).where(where).values(**values),
            execution_options={"synchronize_session": "fetch"},
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def theirs(model: Any) -> ColumnElement[bool]:
        return or_(model.contact_id == contact_id, model.phone == phone)

    unanswered = and_(
        theirs(Message),
        Message.direction == Direction.INBOUND,
        Message.status == MessageStatus.RECEIVED,
    )
    unsent = and_(
        theirs(Message),
        Message.direction == Direction.OUTBOUND,
        Message.status.in_((MessageStatus.QUEUED, MessageStatus.SENDING)),
    )
    waiting = and_(theirs(CallbackRequest), CallbackRequest.status.in_(OPEN_CALLBACKS))
    enrolled = and_(theirs(Recipient), Recipient.status == RecipientStatus.PENDING)
    change(Message, unanswered, {"status": MessageStatus.PROCESSED})
    change(Message, unsent, {"status": MessageStatus.FAILED, "error_code": "erased",
                             "error_reason": ERASED_UNSENT})  # fmt: skip
    change(CallbackRequest, waiting, {"status": CallbackStatus.CANCELLED, "closed_at": now,
                                      "next_attempt_at": None})  # fmt: skip
    change(Recipient, enrolled, {"status": RecipientStatus.SKIPPED, "error": "erased"})
    # Cases first: a report sent by SMS is also found through its message, while that still
    # carries the number.
    reported = select(Message.id).where(theirs(Message))
    cases = change(
        Case,
        or_(Case.contact_id == contact_id, Case.message_id.in_(reported)),
        {"text": REMOVED, "recording_url": None, "recording": None, "contact_id": None},
    )
    counts = ErasureCounts(
        contact=contact_id,
        messages=change(
            Message, theirs(Message), {"body": REMOVED, "phone": ERASED_PHONE, "contact_id": None}
        ),
        calls=change(CallSession, theirs(CallSession), {"phone": ERASED_PHONE, "contact_id": None}),
        callback_requests=change(
            CallbackRequest,
            theirs(CallbackRequest),
            {"phone": ERASED_PHONE, "contact_id": None, "notes": None},
        ),
        cases=cases,
        verifications=change(
            VerificationRecord,
            VerificationRecord.contact_id == contact_id,
            {"query": REMOVED, "contact_id": None},
        ),
        # Recipients keep their contact (the key is not nullable): the opted-out row, which
        # holds nothing but the number.
        campaign_recipients=change(Recipient, theirs(Recipient), {"phone": ERASED_PHONE}),
    )
    changed = ", ".join(f"{key} {value}" for key, value in counts.as_dict().items())
    audit(session, actor, "privacy_delete", f"{mask(phone)}: {changed}", now)
    return counts


def _forget(contact: Contact, now: dt.datetime) -> None:
    """Keep only the number, opted out (see the module)."""
    for field in ("country", "language", "region", "destination", "stage", "stage_since",
                  "gender", "consent_date"):  # fmt: skip
        setattr(contact, field, None)
    if not contact.opted_out:
        contact.opt_out(now)
