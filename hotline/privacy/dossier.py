"""Everything stored about one phone number, for a person who asks what we hold on them.

Rows are found by the contact's id and by the number itself: a message or call stored before
the contact existed, or a campaign recipient, carries the number on its own row. Values come
out as JSON-ready scalars; a voice report comes out as base64, since it is theirs too.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import ColumnElement, false, inspect, or_, select
from sqlalchemy.orm import Session, undefer

from hotline.models import (
    CallbackAttempt,
    CallbackEvent,
    CallbackRequest,
    CallSession,
    Campaign,
    Case,
    Contact,
    Message,
    Recipient,
    VerificationRecord,
)

MESSAGE_COLUMNS = [
    "id",
    "created_at",
    "direction",
    "status",
    "phone",
    "body",
    "segments",
    "encoding",
    "provider",
    "error_code",
    "error_reason",
]


def contact_dossier(session: Session, phone: str) -> dict[str, Any]:
    """All rows about ``phone`` (E.164), grouped by kind, oldest first within each kind."""
    contact = session.scalars(select(Contact).where(Contact.phone == phone)).one_or_none()
    contact_id = contact.id if contact is not None else None
    callbacks = list(
        session.scalars(
            select(CallbackRequest)
            .where(_theirs(CallbackRequest.contact_id, CallbackRequest.phone, contact_id, phone))
            .order_by(CallbackRequest.id)
        )
    )
    request_ids = [request.id for request in callbacks]
    recipients = session.execute(
        select(Recipient, Campaign.name)
        .join(Campaign, Campaign.id == Recipient.campaign_id)
        .where(_theirs(Recipient.contact_id, Recipient.phone, contact_id, phone))
        .order_by(Recipient.id)
    )
    cases: Iterable[Case] = (
        session.scalars(
            select(Case)
            .options(undefer(Case.recording))
            .where(Case.contact_id == contact_id)
            .order_by(Case.id)
        )
        if contact_id is not None
        else []
    )
    verifications: Iterable[VerificationRecord] = (
        session.scalars(
            select(VerificationRecord)
            .where(VerificationRecord.contact_id == contact_id)
            .order_by(VerificationRecord.id)
        )
        if contact_id is not None
        else []
    )
    return {
        "phone": phone,
        "contact": _row(contact) if contact is not None else None,
        "opt_out": {
            "opted_out": bool(contact and contact.opted_out),
            "opted_out_at": _value(contact.opted_out_at) if contact else None,
        },
        "messages": [_row(message) for message in _messages(session, contact_id, phone)],
        "calls": [
            _row(call)
            for call in session.scalars(
                select(CallSession)
                .where(_theirs(CallSession.contact_id, CallSession.phone, contact_id, phone))
                .order_by(CallSession.id)
            )
        ],
        "callback_requests": [_row(request) for request in callbacks],
        "callback_events": [
            _row(event)
            for event in session.scalars(
                select(CallbackEvent)
                .where(CallbackEvent.request_id.in_(request_ids))
                .order_by(CallbackEvent.id)
            )
        ],
        "callback_attempts": [
            _row(attempt)
            for attempt in session.scalars(
                select(CallbackAttempt)
                .where(CallbackAttempt.request_id.in_(request_ids))
                .order_by(CallbackAttempt.id)
            )
        ],
        "cases": [_row(case) for case in cases],
        "verifications": [_row(check) for check in verifications],
        "campaign_recipients": [
            _row(recipient) | {"campaign_name": name} for recipient, name in recipients
        ],
    }


def message_rows(session: Session, phone: str) -> Iterator[list[Any]]:
    """The number's messages as ``MESSAGE_COLUMNS`` rows (for a CSV export)."""
    contact_id = session.scalar(select(Contact.id).where(Contact.phone == phone))
    for message in _messages(session, contact_id, phone):
        yield [_value(getattr(message, column)) for column in MESSAGE_COLUMNS]


def _messages(session: Session, contact_id: int | None, phone: str) -> Iterator[Message]:
    query = select(Message).where(_theirs(Message.contact_id, Message.phone, contact_id, phone))
    yield from session.scalars(query.order_by(Message.id)).yield_per(500)


def _theirs(
    contact_column: Any, phone_column: Any, contact_id: int | None, phone: str
) -> ColumnElement[bool]:
    by_contact = contact_column == contact_id if contact_id is not None else false()
    return or_(by_contact, phone_column == phone)


def _row(entity: object) -> dict[str, Any]:
    """The entity's columns as JSON-ready values."""
    mapper = inspect(type(entity))
    row = {}
    for column in mapper.column_attrs:
        value = getattr(entity, column.key)
        if isinstance(value, bytes):
            row[f"{column.key}_base64"] = base64.b64encode(value).decode("ascii")
        else:
            row[column.key] = _value(value)
    return row


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return str(value.value)
    return value
