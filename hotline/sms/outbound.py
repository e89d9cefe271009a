"""Send an SMS at most once: queue a row, claim it, call the provider, record its id.

The row is claimed with a conditional UPDATE (``queued`` -> ``sending``) just before the
provider call, so two workers running the same job cannot both send. A worker that dies after
the claim leaves the row ``sending``: its outcome is unknown and is reconciled with the
provider, never resent blindly.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.models import Direction, Message, MessageStatus
from hotline.phones import mask
from hotline.providers.base import OutboundSms, Provider, ProviderError, SentRecord
from hotline.sms.segments import count_segments

log = logging.getLogger(__name__)


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
        if not exc.retryable:
            record_failure(message, exc.code, str(exc))
            session.commit()
            return SendOutcome(message_id, "failed")
        message.status, message.error_code = MessageStatus.QUEUED, exc.code
        message.error_reason = _reason(f"last try: {exc}")
        session.commit()
        raise
    message.provider_id = sent.provider_id
    if sent.status == "failed":
        record_failure(message, sent.error_code, f"{provider.name} took the message as failed")
    else:
        message.status, message.error_code, message.error_reason = MessageStatus.SENT, None, None
    session.commit()
    return SendOutcome(message_id, str(message.status))


def record_failure(message: Message, code: str | None, reason: str) -> None:
    """End an outbound message ``failed``, saying why, and log it (the number masked).

    Staff see the reason beside the message in the console; without it a failed reply looked
    the same whether the carrier refused the number or our own settings were missing.
    """
    message.status = MessageStatus.FAILED
    message.error_code = code[:20] if code else None
    message.error_reason = _reason(reason)
    log.warning(
        "sms %s to %s failed via %s: %s%s",
        message.id,
        mask(message.phone),
        message.provider,
        message.error_reason,
        f" (code {message.error_code})" if message.error_code else "",
    )


def _reason(text: str) -> str:
    return text if len(text) <= 200 else text[:197] + "..."


T = TypeVar("T")
UNKNOWN_OUTCOME = (
    "the sender stopped mid-send and the provider cannot say whether the message went out; "
    "not sent again, so nobody gets it twice"
)
SETTLE_AFTER = dt.timedelta(minutes=10)  # longer than any send waits on the provider
LOOKUP_FAILURES_IN_A_ROW = 3  # failed provider lookups that end a settling round


def settle_stuck_sends(
    session: Session, providers: Callable[[str], Provider], now: dt.datetime
) -> dict[str, int]:
    """Settle single messages left ``sending``: a worker (or the database) died mid-send.

    The provider may have accepted the text before its id was stored, so it is asked first
    (``find_sent``): a text it has is marked sent; one it does not have is queued again for
    the sweep to send; when the provider cannot tell, the text is marked failed rather than
    risk sending it twice.
    """
    stuck = session.scalars(
        select(Message).where(
            Message.direction == Direction.OUTBOUND,
            Message.status == MessageStatus.SENDING,
            Message.updated_at < now - SETTLE_AFTER,
        )
    ).all()
    outcome = {"sent": 0, "queued_again": 0, "unknown": 0}

    def lookup(message: Message) -> list[SentRecord] | None:
        since = message.updated_at - dt.timedelta(minutes=5)
        return providers(message.provider).find_sent(message.phone, since)

    for message, found in asked_provider(stuck, lookup):
        if found is None:
            record_failure(message, "outcome_unknown", UNKNOWN_OUTCOME)
            outcome["unknown"] += 1
        elif match := next((m for m in found if m.body == message.body), None):
            message.status, message.provider_id = MessageStatus.SENT, match.provider_id
            outcome["sent"] += 1
        else:
            message.status = MessageStatus.QUEUED
            outcome["queued_again"] += 1
        session.commit()
    return outcome


def asked_provider(
    stuck: Sequence[T], lookup: Callable[[T], list[SentRecord] | None]
) -> Iterator[tuple[T, list[SentRecord] | None]]:
    """Each stuck send with what the provider says it sent (None: it cannot tell).

    A lookup that fails is skipped (the next round asks again); after
    ``LOOKUP_FAILURES_IN_A_ROW`` in a row the provider is taken to be away and the round ends,
    rather than waiting out a timeout for every row.
    """
    failures = 0
    for item in stuck:
        try:
            found = lookup(item)
        except ProviderError:
            failures += 1
            if failures == LOOKUP_FAILURES_IN_A_ROW:
                return
            continue
        failures = 0
        yield item, found
