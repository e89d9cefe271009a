"""Callback requests: someone asked the hotline to call them back."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UtcDateTime, utcnow


class CallbackSource(enum.StrEnum):
    IVR = "ivr"
    MISSED_CALL = "missed_call"
    SMS = "sms"


class CallbackStatus(enum.StrEnum):
    OPEN = "open"  # waiting for an agent; retried by the callbacks service
    CALLING = "calling"  # an attempt is under way
    REACHED = "reached"  # final
    GAVE_UP = "gave_up"  # final: attempts exhausted, the caller was told by SMS
    CANCELLED = "cancelled"  # final


OPEN_STATUSES = (CallbackStatus.OPEN, CallbackStatus.CALLING)


class CallbackRequest(Base):
    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    source: Mapped[CallbackSource] = mapped_column(String(12))
    language: Mapped[str | None] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(12), default="general")  # urgent first
    status: Mapped[CallbackStatus] = mapped_column(String(10), default=CallbackStatus.OPEN)
    requests: Mapped[int] = mapped_column(default=1)  # merged duplicate asks
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
