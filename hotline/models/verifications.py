"""The verification log: every agency check and its verdict, for staff and for results."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UtcDateTime, utcnow


class VerificationRecord(Base):
    __tablename__ = "verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))  # sms, api, web, ivr
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    query: Mapped[str] = mapped_column(String(200))
    verdict: Mapped[str] = mapped_column(String(10), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    registry_as_of: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
