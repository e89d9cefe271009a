"""Voice calls: one session per provider call, with the path walked through the menu."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.callers import HiddenCaller
from hotline.db import Base, UtcDateTime, utcnow


class CallStatus(enum.StrEnum):
    RINGING = "ringing"  # webhook seen, menu not yet entered
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"  # final
    BUSY = "busy"  # final
    NO_ANSWER = "no-answer"  # final
    FAILED = "failed"  # final
    CANCELED = "canceled"  # final


# The outcome of a call to the missed-call line from a hidden number: counted on the
# dashboard, never called back (there is no number to call).
MISSED_FROM_HIDDEN_NUMBER = "missed_hidden"


class CallSession(Base):
    __tablename__ = "call_sessions"
    __table_args__ = (UniqueConstraint("provider", "provider_call_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    provider_call_id: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(8), default="inbound")
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164; None: the number was hidden
    # Why there is no number (anonymous, restricted, unavailable, app, unparseable); the raw
    # text the provider sent is not kept: it is nobody's number.
    hidden_caller: Mapped[HiddenCaller | None] = mapped_column(String(12))
    language: Mapped[str | None] = mapped_column(String(3))
    citizenship: Mapped[str | None] = mapped_column(String(2))  # KG or UZ, from number or menu
    outcome: Mapped[str | None] = mapped_column(String(20))  # info, callback, agent, report...
    # One entry per answered webhook ("main>rules>rules_ru"): its length is the step count,
    # which makes a retried webhook recognisable.
    path: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[CallStatus] = mapped_column(String(12), default=CallStatus.RINGING)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
