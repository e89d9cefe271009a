"""Store an inbound SMS exactly once, however often the provider retries its webhook."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.db import insert_new, utcnow
from hotline.models import Direction, Message, MessageStatus
from hotline.models.contacts import contact_id_for
from hotline.phones import InvalidPhoneNumber, parse_phone
from hotline.providers.base import InboundSms, WebhookRejected
from hotline.sms.segments import count_segments


def store_inbound_sms(
    session: Session, provider: str, sms: InboundSms, default_region: str
) -> int | None:
    """Record ``sms`` and return its id; None when this provider id was already stored (a replay).

    One ``INSERT ... ON CONFLICT DO NOTHING`` on the (provider, provider id) key: a replay costs
    no error and no savepoint, which matters when a campaign announcement brings hundreds of
    texts a second.
    """
    try:
        phone = parse_phone(sms.sender, default_region)
    except InvalidPhoneNumber as exc:
        raise WebhookRejected("sender is not a phone number") from exc
    contact_id = contact_id_for(session, phone)
    count = count_segments(sms.body)
    now = utcnow()
    values = {
        "direction": Direction.INBOUND,
        "provider": provider,
        "provider_id": sms.provider_id,
        "contact_id": contact_id,
        "phone": phone,
        "body": sms.body,
        "status": MessageStatus.RECEIVED,
        "segments": count.segments,
        "encoding": count.encoding,
        "created_at": now,
        "updated_at": now,
    }
    statement = insert_new(session, Message, ["provider", "provider_id"])
    found = session.scalar(statement.values(values).returning(Message.id))
    return int(found) if found is not None else None
