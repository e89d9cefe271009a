"""Campaigns and their recipients: one row per contact per campaign, sent at most once."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UtcDateTime, utcnow


class CampaignState(enum.StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"  # a second person approved; not yet launched
    SCHEDULED = "scheduled"  # launched, waiting for send_at
    SENDING = "sending"
    PAUSED = "paused"
    DONE = "done"  # final: every recipient reached a final status
    CANCELLED = "cancelled"  # final


class RecipientStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its turn, its window or a retry
    SENDING = "sending"  # claimed; the provider call is under way (or its outcome unknown)
    SENT = "sent"  # final for the campaign; a delivery report may still come
    DELIVERED = "delivered"  # final
    UNDELIVERED = "undelivered"  # final
    FAILED = "failed"  # final: permanent error or retries exhausted
    SKIPPED = "skipped"  # final: opted out, window missed, invalid number, loop guard
    HOLDOUT = "holdout"  # final: control group, never texted

    @property
    def final(self) -> bool:
        return self not in (RecipientStatus.PENDING, RecipientStatus.SENDING)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    messages: Mapped[dict[str, str]] = mapped_column(JSON)  # language -> text
    fallback_order: Mapped[list[str]] = mapped_column(JSON)
    audience: Mapped[dict[str, object]] = mapped_column(JSON)
    send_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    send_until: Mapped[dt.datetime] = mapped_column(UtcDateTime)  # later windows are missed
    window_start: Mapped[str] = mapped_column(String(5))  # HH:MM, recipient's local time
    window_end: Mapped[str] = mapped_column(String(5))
    rate_per_second: Mapped[float] = mapped_column(Float)
    holdout: Mapped[float] = mapped_column(Float, default=0.0)
    state: Mapped[CampaignState] = mapped_column(String(10), default=CampaignState.DRAFT)
    created_by: Mapped[str | None] = mapped_column(String(254))  # a staff email
    approved_by: Mapped[str | None] = mapped_column(String(254))
    # The audience the approver saw: enrolment stops there (NULL: approved before caps).
    recipient_cap: Mapped[int | None] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(20))
    # Drip: text each contact ``drip_days`` after they enter ``drip_stage``, for as long as the
    # campaign runs (it never finishes by itself; cancel it to stop).
    drip_stage: Mapped[str | None] = mapped_column(String(10))
    drip_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    launched_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class Recipient(Base):
    __tablename__ = "recipients"
    __table_args__ = (
        UniqueConstraint("campaign_id", "contact_id"),
        Index("ix_recipients_campaign_status", "campaign_id", "status"),
        Index("ix_recipients_provider_id", "provider_id"),
        Index("ix_recipients_updated_at", "updated_at"),  # the dashboard's sends per day
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    phone: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(3))
    timezone: Mapped[str] = mapped_column(String(40))
    status: Mapped[RecipientStatus] = mapped_column(String(12), default=RecipientStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # retry or window
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    provider_id: Mapped[str | None] = mapped_column(String(64))
    segments: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str | None] = mapped_column(String(60))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
