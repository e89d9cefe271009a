"""SMS messages in both directions, with the provider's id and delivery status."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UtcDateTime, utcnow


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MessageStatus(enum.StrEnum):
    RECEIVED = "received"  # inbound, stored; a job will answer it
    PROCESSED = "processed"  # final: inbound handled
    QUEUED = "queued"  # outbound, waiting for a worker
    SENDING = "sending"  # claimed by a worker; outcome unknown until the provider answers
    SENT = "sent"  # accepted by the provider; a delivery report may follow
    DELIVERED = "delivered"  # final
    UNDELIVERED = "undelivered"  # final
    FAILED = "failed"  # final
    # final: outbound, never sent: the spend gate refused it (``hotline.sms.spend``); the
    # reason is in error_code and error_reason
    WITHHELD = "withheld"


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("provider", "provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[Direction] = mapped_column(String(8))
    provider: Mapped[str] = mapped_column(String(20))
    provider_id: Mapped[str | None] = mapped_column(String(64))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20))  # the other party, E.164
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[MessageStatus] = mapped_column(String(12))
    segments: Mapped[int] = mapped_column(Integer, default=1)
    encoding: Mapped[str] = mapped_column(String(5), default="GSM-7")
    error_code: Mapped[str | None] = mapped_column(String(20))
    # Why an outbound message failed, in words staff can act on ("twilio is not configured:
    # TWILIO_ACCOUNT_SID is empty", "Twilio answered 400"): our own text, never a provider's
    # message, which may quote the number.
    error_reason: Mapped[str | None] = mapped_column(String(200))
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
