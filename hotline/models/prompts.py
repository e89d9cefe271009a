"""Recorded voice prompts uploaded by staff (placeholders ship with the ``audio`` package).

Recordings live in the database, not on one machine's disk, so every web node serves the same
audio; each is stored already converted to 8 kHz mono 16-bit WAV.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UtcDateTime, utcnow


class PromptRecording(Base):
    __tablename__ = "prompt_recordings"
    __table_args__ = (UniqueConstraint("prompt_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(3))
    wav: Mapped[bytes] = mapped_column(LargeBinary)
    checksum: Mapped[str] = mapped_column(String(64))  # sha256 of ``wav``
    duration_ms: Mapped[int] = mapped_column(Integer)
    source_name: Mapped[str] = mapped_column(String(200))  # the uploaded file's name
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
