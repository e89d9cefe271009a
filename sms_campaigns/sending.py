"""Send one recipient's message exactly once, whatever crashes or retries happen.

The recipient row is claimed (``pending`` -> ``sending``) and committed just before its own
provider call; the provider's id is stored right after. A worker that dies in between leaves
the row ``sending``: ``reconcile`` then asks the provider whether the message went out before
anything is sent again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass

import redis
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from hotline.models import Campaign, Contact, Recipient, RecipientStatus
from hotline.providers.base import OutboundSms, Provider, ProviderError
from hotline.sms.segments import count_segments
from sms_campaigns.pacing import TokenBucket
from sms_campaigns.timezones import next_send_time, parse_window

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 5.0
UNSUBSCRIBED = "21610"  # Twilio: the number sent STOP to our sender
LOOP_GUARD_LIMIT = 3  # identical messages to one number ...
LOOP_GUARD_SECONDS = 600  # ... within ten minutes
RECONCILE_AFTER = dt.timedelta(seconds=60)  # far beyond a provider call's 10 s timeout


@dataclass(frozen=True)
class Sender:
    """What sending needs besides the database."""

    provider: Provider
    redis: redis.Redis
    bucket: TokenBucket
    status_callback: str | None  # e.g. https://hotline.example.org/twilio/status
    rng: random.Random


def backoff(attempts: int, rng: random.Random) -> dt.timedelta:
    """Exponential backoff with jitter: 5 s, 10 s, 20 s ... each up to half again longer."""
    base = BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=base * (1 + rng.random() / 2))


def _loop_key(phone: str, body: str) -> str:
    return f"hotline:loop:{phone}:{hashlib.sha256(body.encode()).hexdigest()[:16]}"


def _loop_guard_allows(connection: redis.Redis, phone: str, body: str) -> bool:
    """False once this exact text went to this number ``LOOP_GUARD_LIMIT`` times lately."""
    sent = connection.get(_loop_key(phone, body))
    return int(sent or 0) < LOOP_GUARD_LIMIT


def _count_for_loop_guard(connection: redis.Redis, phone: str, body: str) -> None:
    key = _loop_key(phone, body)
    with connection.pipeline() as pipe:
        pipe.incr(key)
        pipe.expire(key, LOOP_GUARD_SECONDS, nx=True)
        pipe.execute()


def _finish(session: Session, recipient: Recipient, status: RecipientStatus, error: str) -> str:
    recipient.status = status
    recipient.error = error
    session.commit()
    return error


def send_recipient(
    session: Session,
    campaign: Campaign,
    recipient_id: int,
    sender: Sender,
    now: dt.datetime,
    deadline: float | None = None,
) -> str:
    """Try to text one recipient now; returns what happened (sent, deferred, skipped...)."""
    recipient = session.get(Recipient, recipient_id)
    if recipient is None or recipient.status != RecipientStatus.PENDING:
        return "not-pending"
    contact = session.get(Contact, recipient.contact_id)
    if contact is None or contact.opted_out:
        return _finish(session, recipient, RecipientStatus.SKIPPED, "opted_out")
    opens, closes = parse_window(f"{campaign.window_start}-{campaign.window_end}")
    start = max(now, campaign.send_at)
    due = next_send_time(start, recipient.timezone, opens, closes)
    if due > campaign.send_until:
        return _finish(session, recipient, RecipientStatus.SKIPPED, "window_missed")
    if due > now:
        recipient.not_before = due
        session.commit()
        return "deferred"
    body = campaign.messages[recipient.language]
    segments = count_segments(body).segments
    if not sender.bucket.wait_for(segments, deadline):
        return "out-of-time"
    if not _loop_guard_allows(sender.redis, recipient.phone, body):
        return _finish(session, recipient, RecipientStatus.SKIPPED, "loop_guard")
    claimed = session.execute(
        update(Recipient)
        .where(Recipient.id == recipient_id, Recipient.status == RecipientStatus.PENDING)
        .values(
            status=RecipientStatus.SENDING,
            claimed_at=now,
            attempts=Recipient.attempts + 1,
            segments=segments,
        )
    )
    session.commit()
    if getattr(claimed, "rowcount", 0) != 1:
        return "claimed-elsewhere"
    for name, value in (
        ("status", RecipientStatus.SENDING),
        ("claimed_at", now),
        ("attempts", recipient.attempts + 1),
        ("segments", segments),
    ):
        set_committed_value(recipient, name, value)  # what the UPDATE wrote, without a SELECT
    callback = (
        f"{sender.status_callback}?recipient={recipient_id}" if sender.status_callback else None
    )
    try:
        sent = sender.provider.send_sms(
            OutboundSms(to=recipient.phone, body=body, status_callback=callback)
        )
    except ProviderError as exc:
        return _failed(session, recipient, contact, exc, now, sender.rng)
    recipient.provider_id = sent.provider_id
    recipient.status = RecipientStatus.SENT
    recipient.error = None
    session.commit()
    _count_for_loop_guard(sender.redis, recipient.phone, body)
    return "sent"


def _failed(
    session: Session,
    recipient: Recipient,
    contact: Contact,
    error: ProviderError,
    now: dt.datetime,
    rng: random.Random,
) -> str:
    recipient.error = (error.code or ("retryable" if error.retryable else "permanent"))[:60]
    if error.code == UNSUBSCRIBED:
        contact.opt_out(now)
        recipient.status = RecipientStatus.FAILED
    elif error.retryable and error.maybe_sent:
        # The provider may have taken it: leave it ``sending`` for ``reconcile`` to settle.
        recipient.claimed_at = now - RECONCILE_AFTER
        session.commit()
        return "unknown"
    elif error.retryable and recipient.attempts < MAX_ATTEMPTS:
        recipient.status = RecipientStatus.PENDING
        recipient.not_before = now + backoff(recipient.attempts, rng)
    else:
        recipient.status = RecipientStatus.FAILED
    session.commit()
    return "retry" if recipient.status == RecipientStatus.PENDING else "failed"


def reconcile(
    session: Session, campaign: Campaign, provider: Provider, now: dt.datetime
) -> dict[str, int]:
    """Settle recipients left ``sending`` by a dead worker, asking the provider what it sent."""
    stuck = session.scalars(
        select(Recipient).where(
            Recipient.campaign_id == campaign.id,
            Recipient.status == RecipientStatus.SENDING,
            Recipient.claimed_at < now - RECONCILE_AFTER,
        )
    ).all()
    outcome = {"sent": 0, "resend": 0, "unknown": 0}
    for recipient in stuck:
        since = (recipient.claimed_at or now) - dt.timedelta(minutes=5)
        try:
            found = provider.find_sent(recipient.phone, since)
        except ProviderError:
            continue  # ask again at the next reconciliation
        body = campaign.messages[recipient.language]
        if found is None:
            recipient.status, recipient.error = RecipientStatus.FAILED, "outcome_unknown"
            outcome["unknown"] += 1
        elif match := next((m for m in found if m.body == body), None):
            recipient.status, recipient.provider_id = RecipientStatus.SENT, match.provider_id
            outcome["sent"] += 1
        elif recipient.attempts >= MAX_ATTEMPTS:
            recipient.status, recipient.error = RecipientStatus.FAILED, "retries_exhausted"
            outcome["unknown"] += 1
        else:
            recipient.status = RecipientStatus.PENDING
            recipient.not_before = now + backoff(recipient.attempts, random.Random())  # noqa: S311
            outcome["resend"] += 1
        session.commit()
    return outcome
