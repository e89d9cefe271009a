"""What the hotline did today and over the last weeks: the numbers on the staff dashboard.

Days are the hotline's days (its time zone), not UTC ones: a call at 01:00 in Bishkek belongs
to that morning. Every count is one aggregate query over an indexed time range, so the
dashboard costs the same with a hundred contacts or a hundred thousand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from hotline.agencies.verify import Verdict
from hotline.models import (
    CallbackRequest,
    CallSession,
    Direction,
    Message,
    MessageStatus,
    Recipient,
    RecipientStatus,
    VerificationRecord,
)
from hotline.models.callbacks import OPEN_STATUSES
from hotline.models.calls import MISSED_FROM_HIDDEN_NUMBER

CHART_DAYS = 30
# Verdicts the dashboard names; the rest (expired, suspended, ambiguous) are counted as "other".
NAMED_VERDICTS = (Verdict.LICENSED, Verdict.NOT_FOUND, Verdict.REVOKED)


@dataclass(frozen=True)
class DayActivity:
    """One hotline day in the chart."""

    day: dt.date
    calls: int
    sms_in: int
    checks: int


@dataclass(frozen=True)
class Activity:
    """Today's counts, the callback queue now, and the last ``CHART_DAYS`` days."""

    day: dt.date
    calls: int
    sms_in: int
    sms_out: int
    checks: dict[str, int]  # licensed, not_found, revoked, other
    callbacks_waiting: int
    oldest_callback_minutes: int | None  # None when no one waits
    missed_hidden: int  # missed calls from hidden numbers today: nobody can call them back
    campaign_sends: dict[str, int]  # sent, delivered
    days: tuple[DayActivity, ...]  # oldest first, today last

    @property
    def checks_total(self) -> int:
        return sum(self.checks.values())


def day_starts(zone: ZoneInfo, now: dt.datetime, count: int) -> list[dt.datetime]:
    """The UTC instants at which the last ``count`` local days began, and tomorrow's start.

    Computed from local midnights, so a day with a daylight-saving change is 23 or 25 hours.
    """
    today = now.astimezone(zone).date()
    first = today - dt.timedelta(days=count - 1)
    return [
        dt.datetime.combine(first + dt.timedelta(days=n), dt.time(), zone).astimezone(dt.UTC)
        for n in range(count + 1)
    ]


def activity(session: Session, zone: ZoneInfo, now: dt.datetime) -> Activity:
    """Count today's work and the last ``CHART_DAYS`` days, as seen from ``now`` in ``zone``."""
    starts = day_starts(zone, now, CHART_DAYS)
    today_start, tomorrow = starts[-2], starts[-1]

    def today(column: InstrumentedAttribute[dt.datetime]) -> ColumnElement[bool]:
        return (column >= today_start) & (column < tomorrow)

    calls = session.scalar(select(func.count()).where(today(CallSession.started_at))) or 0
    missed_hidden = (
        session.scalar(
            select(func.count()).where(
                today(CallSession.started_at), CallSession.outcome == MISSED_FROM_HIDDEN_NUMBER
            )
        )
        or 0
    )
    by_direction = _grouped(
        session,
        select(Message.direction, func.count())
        .where(today(Message.created_at), Message.status != MessageStatus.WITHHELD)
        .group_by(Message.direction),
    )
    by_verdict = _grouped(
        session,
        select(VerificationRecord.verdict, func.count())
        .where(today(VerificationRecord.created_at))
        .group_by(VerificationRecord.verdict),
    )
    checks = {str(v): by_verdict.pop(v, 0) for v in NAMED_VERDICTS}
    checks["other"] = sum(by_verdict.values())
    waiting, oldest = session.execute(
        select(func.count(), func.min(CallbackRequest.created_at)).where(
            CallbackRequest.status.in_(OPEN_STATUSES)
        )
    ).one()
    oldest_at = _aware(oldest)
    sends = _grouped(
        session,
        select(Recipient.status, func.count())
        .where(today(Recipient.updated_at))
        .where(Recipient.status.in_((RecipientStatus.SENT, RecipientStatus.DELIVERED)))
        .group_by(Recipient.status),
    )
    return Activity(
        day=now.astimezone(zone).date(),
        calls=calls,
        sms_in=by_direction.get(Direction.INBOUND, 0),
        sms_out=by_direction.get(Direction.OUTBOUND, 0),
        checks=checks,
        callbacks_waiting=waiting,
        oldest_callback_minutes=(
            None if oldest_at is None else max(0, int((now - oldest_at).total_seconds() // 60))
        ),
        missed_hidden=missed_hidden,
        campaign_sends={s: sends.get(s, 0) for s in ("sent", "delivered")},
        days=_chart(session, starts, zone),
    )


def _chart(session: Session, starts: list[dt.datetime], zone: ZoneInfo) -> tuple[DayActivity, ...]:
    """Calls, inbound SMS and checks per local day: one GROUP BY per table."""
    calls = _per_day(session, CallSession.started_at, starts)
    sms_in = _per_day(session, Message.created_at, starts, Message.direction == Direction.INBOUND)
    checks = _per_day(session, VerificationRecord.created_at, starts)
    return tuple(
        DayActivity(
            day=start.astimezone(zone).date(),
            calls=calls.get(n, 0),
            sms_in=sms_in.get(n, 0),
            checks=checks.get(n, 0),
        )
        for n, start in enumerate(starts[:-1])
    )


def _per_day(
    session: Session,
    column: InstrumentedAttribute[dt.datetime],
    starts: list[dt.datetime],
    *where: ColumnElement[bool],
) -> dict[int, int]:
    """Rows per day, the day numbered by its index in ``starts``.

    The day is a CASE over the boundaries rather than a date function: SQLite and PostgreSQL
    convert time zones differently, and the boundaries already know about daylight saving.
    The range in WHERE lets the time index pick the rows.
    """
    day = case(*((column < end, n) for n, end in enumerate(starts[1:]))).label("day")
    # Grouping by the label of a subquery: PostgreSQL would not see that a CASE in SELECT and
    # the same CASE in GROUP BY are one expression, their bound parameters being numbered apart.
    days = select(day).where(column >= starts[0], column < starts[-1], *where).subquery()
    grouped = _grouped(session, select(days.c.day, func.count()).group_by(days.c.day))
    return {int(n): count for n, count in grouped.items()}


def _grouped(session: Session, query: Select[Any, int]) -> dict[Any, int]:
    """A (key, count) GROUP BY as a dict."""
    return {key: count for key, count in session.execute(query)}


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """An aggregate (MIN) skips the column's type on some backends: make it UTC-aware."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)
