"""Callback requests: someone asked the hotline to call them back; attempts to do it."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UtcDateTime, utcnow


class CallbackSource(enum.StrEnum):
    IVR = "ivr"
    MISSED_CALL = "missed_call"
    SMS = "sms"


class CallbackStatus(enum.StrEnum):
    OPEN = "open"  # waiting for an agent (and for ``next_attempt_at``)
    CALLING = "calling"  # an attempt is under way
    REACHED = "reached"  # final: the caller and an agent spoke
    GAVE_UP = "gave_up"  # final: attempts exhausted, the caller was told by SMS
    CLOSED = "closed"  # final: wrong number, or closed by staff
    CANCELLED = "cancelled"  # final
    REFUSED = "refused"  # final: a country or kind of number we do not call (toll fraud)


OPEN_STATUSES = (CallbackStatus.OPEN, CallbackStatus.CALLING)
URGENT_REASONS = ("trafficking", "urgent")  # called back before everyone else


class CallbackRequest(Base):
    __tablename__ = "callback_requests"
    __table_args__ = (Index("ix_callback_requests_status_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    source: Mapped[CallbackSource] = mapped_column(String(12))
    language: Mapped[str | None] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(12), default="general")  # urgent first
    status: Mapped[CallbackStatus] = mapped_column(String(10), default=CallbackStatus.OPEN)
    requests: Mapped[int] = mapped_column(default=1)  # merged duplicate asks
    attempts: Mapped[int] = mapped_column(default=0)  # calls the caller did not answer
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    first_attempt_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    told_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # "we will call at ..."
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))  # reached, no_answer, wrong_number
    topic: Mapped[str | None] = mapped_column(String(16))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class CallbackEvent(Base):
    """The request's history: every status change and why, for agents and audits."""

    __tablename__ = "callback_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("callback_requests.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10))
    detail: Mapped[str] = mapped_column(String(200), default="")


class AttemptStatus(enum.StrEnum):
    PLACING = "placing"  # agent and request claimed; asking the provider to ring the agent
    RINGING = "ringing"  # the provider rings the agent
    BRIDGING = "bridging"  # the agent answered, heard the whisper, the caller is dialled
    CONNECTED = "connected"  # final: the caller answered
    CALLER_NO_ANSWER = "no_answer"  # final: the caller was busy or did not answer
    AGENT_MISSED = "agent_missed"  # final: the agent did not answer or hung up first
    FAILED = "failed"  # final: the provider refused the call
    LOST = "lost"  # final: no word from the provider; recovered by the sweep


LIVE_ATTEMPTS = (AttemptStatus.PLACING, AttemptStatus.RINGING, AttemptStatus.BRIDGING)


class CallbackAttempt(Base):
    """One agent-first call for a request, with what the provider reported for each leg."""

    __tablename__ = "callback_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("callback_requests.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    provider_call_id: Mapped[str | None] = mapped_column(String(64), index=True)  # agent leg
    status: Mapped[AttemptStatus] = mapped_column(String(12), default=AttemptStatus.PLACING)
    agent_leg: Mapped[str | None] = mapped_column(String(16))  # provider's final call status
    caller_leg: Mapped[str | None] = mapped_column(String(16))  # the <Dial>'s outcome
    error: Mapped[str | None] = mapped_column(String(60))
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
