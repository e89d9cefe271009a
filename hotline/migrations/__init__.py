"""Alembic migrations, run by ``hotline db upgrade`` (and by ``hotline run`` at start)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from hotline.db import normalise_database_url

HERE = Path(__file__).parent


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    url = normalise_database_url(database_url)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)
