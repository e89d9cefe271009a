"""Demo data for ``hotline run``: plainly fictional, so nobody mistakes it for a registry.

Loaded only into an empty registry; every answer drawn from it says it is demo data.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import func, select

from hotline.agencies.registry_file import demo_registry_csv, parse_registry_csv
from hotline.agencies.registry_import import import_registry
from hotline.db import utcnow
from hotline.models import RegistryImport
from hotline.runtime import runtime

log = logging.getLogger(__name__)


def load_demo_data(app: Flask) -> bool:
    """Import the fictional demo registry unless a registry exists; True if it loaded."""
    with runtime(app).session_scope() as session:
        if session.scalar(select(func.count()).select_from(RegistryImport)):
            return False
        rows = parse_registry_csv(demo_registry_csv())
        import_registry(session, rows, utcnow().date(), source_name="demo_registry.csv", demo=True)
    log.info("loaded the fictional demo registry (%d agencies)", len(rows))
    return True
