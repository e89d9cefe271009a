"""Staff edits to the registration and stay rules SMS, laid over the sheets shipped in YAML.

The YAML files under ``hotline/sms/content/rules`` stay the defaults that ship with the code; a
row here replaces one language of one sheet (its text, source and review date) until deleted.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UtcDateTime, utcnow


class RuleEdit(Base):
    __tablename__ = "rule_edits"
    # The unique index also serves the lookup by (citizenship, country) when answering RULES.
    __table_args__ = (UniqueConstraint("citizenship", "country", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    citizenship: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2: KG, UZ
    country: Mapped[str] = mapped_column(String(2))  # the destination
    language: Mapped[str] = mapped_column(String(3))
    text: Mapped[str] = mapped_column(Text)  # without the hotline suffix the reply adds
    source: Mapped[str] = mapped_column(Text)
    reviewed: Mapped[dt.date] = mapped_column(Date)
    edited_by: Mapped[str] = mapped_column(String(254))  # the staff account's email
    edited_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
