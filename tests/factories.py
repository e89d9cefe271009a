"""Small factories for test data: ``make_agency(session, **overrides)``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Agency, LicenceStatus, RegistryImport

AS_OF = dt.date(2026, 11, 1)


def make_registry_import(
    session: Session, registry: str = "KG", **overrides: Any
) -> RegistryImport:
    values: dict[str, Any] = {
        "registry_code": registry,
        "as_of": AS_OF,
        "source_name": "test.csv",
        "demo": False,
    }
    values.update(overrides)
    registry_import = RegistryImport(**values)
    session.add(registry_import)
    session.flush()
    return registry_import


def make_agency(session: Session, **overrides: Any) -> Agency:
    registry = overrides.get("registry_code", "KG")
    registry_import = session.scalars(
        select(RegistryImport).where(RegistryImport.registry_code == registry)
    ).first() or make_registry_import(session, registry, demo=overrides.get("demo", False))
    values: dict[str, Any] = {
        "registry_code": registry,
        "licence_no": "KG-0145-23",
        "name": "Ак-Жол Тревел",
        "aliases": ["Ak-Jol Travel"],
        "status": LicenceStatus.ACTIVE,
        "valid_from": dt.date(2026, 1, 15),
        "valid_until": dt.date(2027, 1, 14),
        "destinations": ["KR", "GB"],
        "status_since": AS_OF,
        "demo": False,
        "import_id": registry_import.id,
    }
    values.update(overrides)
    agency = Agency(**values)
    session.add(agency)
    session.flush()
    return agency
