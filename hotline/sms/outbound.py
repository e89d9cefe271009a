"""Send an SMS at most once: queue a row, claim it, call the provider, record its id.

The row is claimed with a conditional UPDATE (``queued`` -> ``sending``) just before the
provider call, so two workers running the same job cannot both send. A worker that dies after
the claim leaves the row ``sending``: its outcome is unknown and is reconciled with the
provider, never resent blindly.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from hotline.models import Direction, Message, MessageStatus
from hotline.providers.base import OutboundSms, Provider, ProviderError
from hotline.sms.segments import count_segments


def queue_sms(
    session: Session,
    provider: str,
    phone: str,
    body: str,
    *,
    contact_id: int | None = None,
    in_reply_to_id: int | None = None,
) -> Message:
    """Store an outbound message waiting for a worker; flushes so the id is known."""
    count = count_segments(body)
    message = Message(
        direction=Direction.OUTBOUND,
        provider=provider,
        contact_id=contact_id,
        phone=phone,
        body=body,
        status=MessageStatus.QUEUED,
        segments=count.segments,
        encoding=count.encoding,
        in_reply_to_id=in_reply_to_id,
    )
    session.add(message)
    session.flush()
    return message


@dataclass(frozen=True)
class SendOutcome:
    message_id: int
    status: str  # "sent", "failed", "retry", or "skipped" when another run owns the message


def claim(session: Session, message_id: int) -> bool:
    """Move the message from queued to sending; False if someone else already did."""
    result = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == MessageStatus.QUEUED)
        .values(status=MessageStatus.SENDING)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def deliver_sms(
    session: Session, provider: Provider, message_id: int, status_callback_base: str | None
) -> SendOutcome:
    """Send a queued message through ``provider``; commits the claim before the provider call."""
    if not claim(session, message_id):
        session.rollback()
        return SendOutcome(message_id, "skipped")
    session.commit()
    message = session.get(Message, message_id)
    assert message is not None
    callback = f"{status_callback_base}?message={message_id}" if status_callback_base else None
    try:
        sent = provider.send_sms(
            OutboundSms(to=message.phone, body=message.body, status_callback=callback)
        )
    except ProviderError as exc:
        message.error_code = exc.code
        message.status = MessageStatus.QUEUED if exc.retryable else MessageStatus.FAILED
        session.commit()
        if exc.retryable:
            raise
        return SendOutcome(message_id, "failed")
    message.provider_id = sent.provider_id
    message.status = MessageStatus.FAILED if sent.status == "failed" else MessageStatus.SENT
    session.commit()
    return SendOutcome(message_id, str(message.status))
