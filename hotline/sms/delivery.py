"""Apply delivery reports to outbound messages: idempotent and safe out of order."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Direction, Message, MessageStatus, Recipient, RecipientStatus
from hotline.phones import mask
from hotline.providers.base import DeliveryReport

log = logging.getLogger(__name__)


def apply_delivery_report(
    session: Session, provider: str, report: DeliveryReport, message_id: int | None = None
) -> Message | None:
    """Move the reported message forward; a late ``sent`` never overwrites ``delivered``.

    ``message_id`` comes from our own status-callback URL when present, saving a lookup; it
    is trusted only if the provider id matches too.
    """
    query = select(Message).where(
        Message.provider == provider,
        Message.provider_id == report.provider_id,
        Message.direction == Direction.OUTBOUND,
    )
    if message_id is not None:
        query = query.where(Message.id == message_id)
    message = session.scalars(query.with_for_update()).one_or_none()
    if message is None:
        return None
    if moves_forward(message.status, report.status):
        message.status = MessageStatus(report.status)
        message.error_code = report.error_code
        if report.status in ("failed", "undelivered"):
            code = f" (error {report.error_code})" if report.error_code else ""
            message.error_reason = f"{provider} reported it {report.status}{code}"
            log.warning("sms %s to %s: %s", message.id, mask(message.phone), message.error_reason)
    return message


# How far an outbound text has got. Messages and campaign recipients use the same words for it,
# so they share one order; a status outside it (a skipped or holdout recipient) never moves.
_PROGRESS = {
    "queued": 0,
    "pending": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "undelivered": 3,
    "failed": 3,
}


def moves_forward(current: str, reported: str) -> bool:
    """Whether a report moves a text on: a late ``sent`` never overwrites ``delivered``."""
    return current in _PROGRESS and _PROGRESS.get(reported, -1) > _PROGRESS[current]


def apply_recipient_report(
    session: Session, provider: str, report: DeliveryReport, recipient_id: int
) -> Recipient | None:
    """The same for a campaign recipient, found by the id in our own callback URL."""
    recipient = session.get(Recipient, recipient_id, with_for_update=True)
    if recipient is None:
        return None
    current = RecipientStatus(recipient.status)
    if recipient.provider_id is None and current == RecipientStatus.SENDING:
        # The report outran the worker storing the provider's answer: it carries the id.
        recipient.provider_id = report.provider_id[:64]
    elif recipient.provider_id != report.provider_id:
        return None
    if moves_forward(current, report.status):
        recipient.status = RecipientStatus(report.status)
        recipient.error = report.error_code
    return recipient
