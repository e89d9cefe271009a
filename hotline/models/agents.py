"""Hotline agents (consultants) who answer connected calls and callbacks."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UtcDateTime, utcnow


class AgentStatus(enum.StrEnum):
    AVAILABLE = "available"
    ON_CALL = "on_call"
    AWAY = "away"


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[AgentStatus] = mapped_column(String(10), default=AgentStatus.AWAY)
    # The agent's shift in the hotline's time zone ("mon-fri", "09:00-14:00"); empty: the
    # hotline's staffed hours.
    shift_days: Mapped[str] = mapped_column(String(40), default="")
    shift_hours: Mapped[str] = mapped_column(String(11), default="")
    current_attempt_id: Mapped[int | None] = mapped_column()  # the one call they are on
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
