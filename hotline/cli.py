"""The ``hotline`` command: run the platform, migrate, work queues (and, later, operate it)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask

from hotline import create_app
from hotline.config import Settings, SettingsError
from hotline.migrations import upgrade_database

log = logging.getLogger(__name__)


def _app() -> Flask:
    try:
        return create_app(Settings.from_env())
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def main() -> None:
    """Operate the hotline platform."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    upgrade_database(settings.database_url)
    click.echo("database is up to date")


@main.command()
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
def worker(burst: bool) -> None:
    """Run one RQ worker (with the scheduler) on the high, default and low queues."""
    from workers.main import run_worker

    run_worker(_app(), burst=burst)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def run(host: str, port: int) -> None:
    """Start everything: migrated database, demo data, embedded Redis, a worker, the web."""
    from werkzeug.serving import run_simple

    from hotline.demo import load_demo_data

    settings = Settings.from_env()
    upgrade_database(settings.database_url)
    app = _app()  # starts the embedded Redis when REDIS_URL is unset; this process owns it
    load_demo_data(app)
    worker_process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "hotline.cli", "worker"], env=dict(os.environ)
    )

    def stop(*_: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"hotline: http://{host}:{port}/healthz (Ctrl-C stops)")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        worker_process.terminate()
        try:
            worker_process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker_process.kill()


@main.group()
def agencies() -> None:
    """Registries of licensed recruitment agencies."""


@agencies.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--as-of",
    "as_of",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d", "%d.%m.%Y"]),
    help="Date the registry published this list (YYYY-MM-DD).",
)
@click.option("--demo", is_flag=True, help="Mark the agencies as fictional demo data.")
@click.option("--force", is_flag=True, help="Import even over a newer or a real registry.")
def agencies_import(file: Path, as_of: dt.datetime, demo: bool, force: bool) -> None:
    """Replace the KG/UZ registries in FILE (CSV) with its contents and print what changed.

    The file is checked whole before anything is written: a rejected file lists every problem
    by line on stderr, exits 1 and leaves the registry as it was.
    """
    from hotline.agencies.registry_file import RegistryFileError, parse_registry_csv
    from hotline.agencies.registry_import import ImportRefused, import_registry
    from hotline.runtime import runtime

    try:
        rows = parse_registry_csv(file.read_bytes())
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror}") from exc
    except RegistryFileError as exc:
        click.echo(f"{file}: rejected, nothing imported", err=True)
        click.echo(exc.summary(), err=True)
        raise SystemExit(1) from None
    try:
        with runtime(_app()).session_scope() as session:
            diff = import_registry(
                session, rows, as_of.date(), source_name=file.name, demo=demo, force=force
            )
    except ImportRefused as exc:
        raise click.ClickException(f"{exc}; nothing imported (--force imports anyway)") from exc
    click.echo(diff.format())


if __name__ == "__main__":
    main()
