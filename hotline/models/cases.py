"""Cases: reports of suspicious recruiters (SMS REPORT, IVR recordings) for hotline staff."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UtcDateTime, utcnow


class CaseStatus(enum.StrEnum):
    OPEN = "open"  # waiting for staff
    IN_REVIEW = "in-review"
    CLOSED = "closed"  # final


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    source: Mapped[str] = mapped_column(String(12))  # sms, ivr, agent
    kind: Mapped[str] = mapped_column(String(20), default="recruiter")  # recruiter, trafficking
    text: Mapped[str] = mapped_column(Text, default="")
    recording_url: Mapped[str | None] = mapped_column(String(500))
    recording: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    status: Mapped[CaseStatus] = mapped_column(String(10), default=CaseStatus.OPEN)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    @property
    def case_no(self) -> str:
        return f"R-{self.id:05d}"
