"""Send campaign messages exactly once, whatever crashes or retries happen.

Recipients go out in small chunks. A chunk's rows are claimed (``pending`` -> ``sending``) in
one committed ``UPDATE`` just before their provider calls, the calls run concurrently, and the
provider's ids are stored right after. A worker that dies in between leaves its rows
``sending``: ``reconcile`` then asks the provider whether each message went out before
anything is sent again. A chunk never holds more than a second of the campaign's rate, so
claiming it early never strands more than that.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import cast

import redis
from sqlalchemy import Table, bindparam, case, select, update
from sqlalchemy.orm import Session

from hotline.models import Campaign, Contact, Recipient, RecipientStatus
from hotline.providers.base import OutboundSms, Provider, ProviderError, SentRecord, SentSms
from hotline.ratelimit import start_windows
from hotline.sms.outbound import asked_provider
from hotline.sms.segments import count_segments
from sms_campaigns.pacing import TokenBucket
from sms_campaigns.timezones import next_send_time, parse_window

# Eight tries spaced 5 s, 10 s, 20 s ... at most 5 minutes apart outlast a provider outage
# of ten minutes; an attempt is spent on each try, whether the number or the provider failed.
MAX_ATTEMPTS = 8
BACKOFF_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 300.0
UNSUBSCRIBED = "21610"  # Twilio: the number sent STOP to our sender
LOOP_GUARD_LIMIT = 3  # identical messages to one number ...
LOOP_GUARD_SECONDS = 600  # ... within ten minutes
RECONCILE_AFTER = dt.timedelta(seconds=60)  # far beyond a provider call's 10 s timeout
CHUNK_SIZE = 200  # recipients claimed together; fewer when the rate is lower

_RECIPIENTS = cast(Table, Recipient.__table__)  # Core statements for executemany


@dataclass(frozen=True)
class Sender:
    """What sending needs besides the database; ``pool`` runs provider calls concurrently."""

    provider: Provider
    redis: redis.Redis
    bucket: TokenBucket
    status_callback: str | None  # e.g. https://hotline.example.org/twilio/status
    rng: random.Random
    pool: Executor | None = field(default=None, compare=False)

    def map(
        self, call: Callable[[OutboundSms], SentSms | ProviderError], sms: list[OutboundSms]
    ) -> list[SentSms | ProviderError]:
        if self.pool is None or len(sms) < 2:
            return [call(one) for one in sms]
        return list(self.pool.map(call, sms))


@dataclass(frozen=True)
class _Due:
    id: int
    contact_id: int
    phone: str
    language: str
    attempts: int


def backoff(attempts: int, rng: random.Random) -> dt.timedelta:
    """Exponential backoff with jitter: 5 s, 10 s, 20 s ... 300 s, each up to half again longer."""
    base = min(BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    return dt.timedelta(seconds=base * (1 + rng.random() / 2))


def provider_failing(outcome: Iterable[str]) -> bool:
    """A chunk that texted nobody and failed retryably: the provider itself is in trouble."""
    seen = set(outcome)
    return "sent" not in seen and bool(seen & {"retry", "unknown"})


def release(session: Session, recipient_ids: Sequence[int], at: dt.datetime) -> None:
    """Make recipients leased to a batch that stops early due again at ``at``, not later."""
    for start in range(0, len(recipient_ids), 1000):
        session.execute(
            update(Recipient)
            .where(
                Recipient.id.in_(recipient_ids[start : start + 1000]),
                Recipient.status == RecipientStatus.PENDING,
            )
            .values(not_before=at)
            .execution_options(synchronize_session=False)
        )
    session.commit()


def chunk_size(rate_per_second: float) -> int:
    """At most a second's worth of the campaign's rate is claimed at once."""
    return max(1, min(CHUNK_SIZE, int(rate_per_second)))


def _loop_key(phone: str, body: str) -> str:
    return f"hotline:loop:{phone}:{hashlib.sha256(body.encode()).hexdigest()[:16]}"


def _loop_guard_blocks(connection: redis.Redis, keys: Sequence[str]) -> list[bool]:
    """True where this exact text went to this number ``LOOP_GUARD_LIMIT`` times lately."""
    sent = connection.mget(keys) if keys else []
    return [int(value or 0) >= LOOP_GUARD_LIMIT for value in sent]


def _count_for_loop_guard(connection: redis.Redis, keys: Iterable[str]) -> None:
    with connection.pipeline(transaction=False) as pipe:
        start_windows(pipe, keys, LOOP_GUARD_SECONDS)
        pipe.execute()


def _provider_call(provider: Provider) -> Callable[[OutboundSms], SentSms | ProviderError]:
    def call(sms: OutboundSms) -> SentSms | ProviderError:
        try:
            return provider.send_sms(sms)
        except ProviderError as exc:
            return exc

    return call


def _set_status(session: Session, rows: list[tuple[int, RecipientStatus, str]]) -> None:
    """Finish rows that were never claimed (skipped before sending)."""
    if rows:
        session.execute(
            update(_RECIPIENTS)
            .where(_RECIPIENTS.c.id == bindparam("rid"))
            .values(status=bindparam("new_status"), error=bindparam("new_error")),
            [{"rid": rid, "new_status": status, "new_error": error} for rid, status, error in rows],
        )


def send_chunk(
    session: Session,
    campaign: Campaign,
    recipient_ids: Sequence[int],
    sender: Sender,
    now: dt.datetime,
    deadline: float | None = None,
) -> dict[int, str]:
    """Try to text these recipients now; returns what happened to each (sent, deferred...)."""

    outcome = {rid: "not-pending" for rid in recipient_ids}
    rows = session.execute(
        select(
            Recipient.id,
            Recipient.contact_id,
            Recipient.phone,
            Recipient.language,
            Recipient.timezone,
            Recipient.attempts,
            Contact.opted_out,
        )
        .join(Contact, Contact.id == Recipient.contact_id)
        .where(Recipient.id.in_(recipient_ids), Recipient.status == RecipientStatus.PENDING)
        .order_by(Recipient.id)
    ).all()
    opens, closes = parse_window(f"{campaign.window_start}-{campaign.window_end}")
    start = max(now, campaign.send_at)
    due_by_zone: dict[str, dt.datetime] = {}
    skipped: list[tuple[int, RecipientStatus, str]] = []
    deferred: list[dict[str, object]] = []
    ready: list[_Due] = []
    for rid, contact_id, phone, language, zone, attempts, opted_out in rows:
        if opted_out:
            skipped.append((rid, RecipientStatus.SKIPPED, "opted_out"))
            continue
        if zone not in due_by_zone:
            due_by_zone[zone] = next_send_time(start, zone, opens, closes)
        when = due_by_zone[zone]
        if when > campaign.send_until:
            skipped.append((rid, RecipientStatus.SKIPPED, "window_missed"))
        elif when > now:
            deferred.append({"rid": rid, "due": when})
            outcome[rid] = "deferred"
        else:
            ready.append(_Due(rid, contact_id, phone, language, attempts))
    bodies = {due.language: campaign.messages[due.language] for due in ready}
    keys = [_loop_key(due.phone, bodies[due.language]) for due in ready]
    for due, blocked in zip(list(ready), _loop_guard_blocks(sender.redis, keys), strict=True):
        if blocked:
            skipped.append((due.id, RecipientStatus.SKIPPED, "loop_guard"))
            ready.remove(due)
    for rid, _, error in skipped:
        outcome[rid] = error
    _set_status(session, skipped)
    if deferred:
        session.execute(
            update(_RECIPIENTS)
            .where(_RECIPIENTS.c.id == bindparam("rid"))
            .values(not_before=bindparam("due")),
            deferred,
        )
    session.commit()
    if not ready:
        return outcome
    segments = {language: count_segments(body).segments for language, body in bodies.items()}
    if not sender.bucket.wait_for(sum(segments[due.language] for due in ready), deadline):
        outcome.update((due.id, "out-of-time") for due in ready)
        return outcome
    claimed = _claim(session, ready, segments, now)
    outcome.update((due.id, "claimed-elsewhere") for due in ready if due.id not in claimed)
    ready = [due for due in ready if due.id in claimed]
    answers = sender.map(
        _provider_call(sender.provider),
        [
            OutboundSms(
                to=due.phone,
                body=bodies[due.language],
                status_callback=(
                    f"{sender.status_callback}?recipient={due.id}"
                    if sender.status_callback
                    else None
                ),
            )
            for due in ready
        ],
    )
    sent = [(due, answer) for due, answer in zip(ready, answers, strict=True)
            if isinstance(answer, SentSms)]  # fmt: skip
    if sent:
        session.execute(
            update(_RECIPIENTS)
            .where(_RECIPIENTS.c.id == bindparam("rid"))
            .values(
                provider_id=bindparam("provider_id"),
                # A delivery report may already have moved the row on: never move it back.
                status=case(
                    (_RECIPIENTS.c.status == RecipientStatus.SENDING, RecipientStatus.SENT),
                    else_=_RECIPIENTS.c.status,
                ),
                error=case(
                    (_RECIPIENTS.c.status == RecipientStatus.SENDING, None),
                    else_=_RECIPIENTS.c.error,
                ),
            ),
            [{"rid": due.id, "provider_id": answer.provider_id} for due, answer in sent],
        )
        outcome.update((due.id, "sent") for due, _ in sent)
    for due, answer in zip(ready, answers, strict=True):
        if isinstance(answer, ProviderError):
            outcome[due.id] = _failed(session, due, answer, now, sender.rng)
    session.commit()
    if sent:
        _count_for_loop_guard(
            sender.redis, (_loop_key(due.phone, bodies[due.language]) for due, _ in sent)
        )
    return outcome


def _claim(
    session: Session, ready: list[_Due], segments: dict[str, int], now: dt.datetime
) -> set[int]:
    """Move the rows to ``sending`` and commit: from here on a crash means "ask the provider"."""
    claimed = set(
        session.scalars(
            update(Recipient)
            .where(
                Recipient.id.in_([due.id for due in ready]),
                Recipient.status == RecipientStatus.PENDING,
            )
            .values(
                status=RecipientStatus.SENDING,
                claimed_at=now,
                attempts=Recipient.attempts + 1,
                segments=case(segments, value=Recipient.language, else_=Recipient.segments),
            )
            .returning(Recipient.id)
            .execution_options(synchronize_session=False)
        )
    )
    session.commit()
    return claimed


def _failed(
    session: Session, due: _Due, error: ProviderError, now: dt.datetime, rng: random.Random
) -> str:
    attempts = due.attempts + 1
    values: dict[str, object] = {
        "error": (error.code or ("retryable" if error.retryable else "permanent"))[:60]
    }
    if error.code == UNSUBSCRIBED:
        contact = session.get(Contact, due.contact_id)
        if contact is not None:
            contact.opt_out(now)
        values["status"] = RecipientStatus.FAILED
        result = "failed"
    elif error.retryable and error.maybe_sent:
        # The provider may have taken it: leave it ``sending`` for ``reconcile`` to settle.
        values["claimed_at"] = now - RECONCILE_AFTER
        result = "unknown"
    elif error.retryable and attempts < MAX_ATTEMPTS:
        values["status"] = RecipientStatus.PENDING
        values["not_before"] = now + backoff(attempts, rng)
        result = "retry"
    else:
        values["status"] = RecipientStatus.FAILED
        result = "failed"
    session.execute(
        update(Recipient)
        .where(Recipient.id == due.id, Recipient.status == RecipientStatus.SENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result


def send_recipient(
    session: Session,
    campaign: Campaign,
    recipient_id: int,
    sender: Sender,
    now: dt.datetime,
    deadline: float | None = None,
) -> str:
    """Try to text one recipient now; returns what happened (sent, deferred, skipped...)."""
    return send_chunk(session, campaign, [recipient_id], sender, now, deadline)[recipient_id]


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

    def lookup(recipient: Recipient) -> list[SentRecord] | None:
        since = (recipient.claimed_at or now) - dt.timedelta(minutes=5)
        return provider.find_sent(recipient.phone, since)

    for recipient, found in asked_provider(stuck, lookup):
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
