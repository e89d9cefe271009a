"""Staffed hours: when agents answer, in the hotline's own time zone.

A caller in Moscow at 08:30 reaches Bishkek at 11:30: the hotline's clock decides, so the
schedule is kept in ``HOTLINE_TIMEZONE`` and every check converts the UTC instant into it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models.agents import Agent, AgentStatus

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _clock(text: str) -> dt.time:
    try:
        hours, minutes = text.strip().split(":")
        return dt.time(int(hours), int(minutes))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a HH:MM time") from exc


def _days(text: str) -> frozenset[int]:
    days: set[int] = set()
    for part in text.replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise ValueError(f"{part!r} is not a day or day range such as mon-fri")
        start, end = DAY_NAMES.index(first), DAY_NAMES.index(last or first)
        days.update(range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)])
    return frozenset(days)


def _hours(text: str) -> tuple[dt.time, dt.time]:
    opens, sep, closes = text.partition("-")
    if not sep:
        raise ValueError(f"{text!r} is not a range such as 09:00-18:00")
    start, end = _clock(opens), _clock(closes)
    if start >= end:
        raise ValueError("staffed hours must open before they close")
    return start, end


@dataclass(frozen=True)
class StaffedHours:
    opens: dt.time
    closes: dt.time
    days: frozenset[int]  # 0 = Monday
    zone: ZoneInfo

    @classmethod
    def parse(cls, hours: str, days: str, timezone: str) -> StaffedHours:
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {timezone!r}") from exc
        return cls(*_hours(hours), _days(days), zone)

    def shift(self, hours: str, days: str) -> StaffedHours:
        """An agent's own shift in the same zone; a part left empty is the hotline's."""
        if not (hours or days):
            return self
        opens, closes = _hours(hours) if hours else (self.opens, self.closes)
        return StaffedHours(opens, closes, _days(days) if days else self.days, self.zone)

    def is_open(self, instant: dt.datetime) -> bool:
        local = instant.astimezone(self.zone)
        return local.weekday() in self.days and self.opens <= local.time() < self.closes

    def next_opening(self, instant: dt.datetime) -> dt.datetime:
        """The next instant (UTC) at which the hotline is staffed; ``instant`` if open now."""
        if self.is_open(instant):
            return instant
        local = instant.astimezone(self.zone)
        for offset in range(8):
            day = local.date() + dt.timedelta(days=offset)
            opening = dt.datetime.combine(day, self.opens, tzinfo=self.zone)
            if day.weekday() in self.days and opening > local:
                return opening.astimezone(dt.UTC)
        raise ValueError("no staffed day in the week")


def agents_to_dial(
    session: Session, hours: StaffedHours, now: dt.datetime, language: str | None
) -> tuple[str, ...]:
    """Numbers of available agents now, speakers of the caller's language first."""
    if not hours.is_open(now):
        return ()
    agents = session.scalars(
        select(Agent).where(Agent.status == AgentStatus.AVAILABLE).order_by(Agent.id)
    ).all()
    speakers = [a.phone for a in agents if language in (a.languages or [])]
    others = [a.phone for a in agents if language not in (a.languages or [])]
    return tuple(speakers + others)
