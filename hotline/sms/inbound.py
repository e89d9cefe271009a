"""Store an inbound SMS exactly once, however often the provider retries its webhook."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.models import Direction, Message, MessageStatus
from hotline.models.contacts import contact_for
from hotline.phones import InvalidPhoneNumber, parse_phone
from hotline.providers.base import InboundSms, WebhookRejected
from hotline.sms.segments import count_segments


def store_inbound_sms(
    session: Session, provider: str, sms: InboundSms, default_region: str
) -> Message | None:
    """Record ``sms``; return None when this provider id was already stored (a replay)."""
    try:
        phone = parse_phone(sms.sender, default_region)
    except InvalidPhoneNumber as exc:
        raise WebhookRejected("sender is not a phone number") from exc
    contact = contact_for(session, phone)
    count = count_segments(sms.body)
    message = Message(
        direction=Direction.INBOUND,
        provider=provider,
        provider_id=sms.provider_id,
        contact_id=contact.id,
        phone=phone,
        body=sms.body,
        status=MessageStatus.RECEIVED,
        segments=count.segments,
        encoding=count.encoding,
    )
    savepoint = session.begin_nested()
    session.add(message)
    try:
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        return None
    return message
