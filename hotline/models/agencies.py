"""The registries of licensed private employment agencies, with history of every import.

History matters: a family may ask "was it licensed when we paid?", and staff must be able to
show what the platform answered on a given date.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UtcDateTime, utcnow


class Registry(enum.StrEnum):
    KG = "KG"  # Center for Employment of Citizens Abroad, Kyrgyzstan
    UZ = "UZ"  # Migration Agency under the Cabinet of Ministers, Uzbekistan


class LicenceStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"
    REMOVED = "removed"  # missing from a newer import of its registry: no longer licensed


class RegistryImport(Base):
    __tablename__ = "registry_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    registry_code: Mapped[str] = mapped_column("registry", String(2))
    as_of: Mapped[dt.date] = mapped_column(Date)
    source_name: Mapped[str] = mapped_column(String(200))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    added: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Agency(Base):
    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("registry", "licence_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registry_code: Mapped[str] = mapped_column("registry", String(2), index=True)
    licence_no: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[LicenceStatus] = mapped_column(String(10))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    destinations: Mapped[list[str]] = mapped_column(JSON, default=list)
    status_since: Mapped[dt.date] = mapped_column(Date)  # as-of date of the status change
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    import_id: Mapped[int] = mapped_column(ForeignKey("registry_imports.id"))


class AgencyHistory(Base):
    """One row each time an import adds an agency or changes what we would answer about it."""

    __tablename__ = "agency_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("registry_imports.id"))
    as_of: Mapped[dt.date] = mapped_column(Date)
    change: Mapped[str] = mapped_column(String(10))  # added, changed, removed, relisted
    name: Mapped[str] = mapped_column(String(300))
    status: Mapped[LicenceStatus] = mapped_column(String(10))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    destinations: Mapped[list[str]] = mapped_column(JSON, default=list)
