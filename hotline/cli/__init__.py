"""The ``hotline`` command: run the platform, migrate, work queues, and operate it.

Each group of commands lives in its own module beside this one and is added at the end.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from typing import Any

import click
from flask import Flask

from hotline import create_app
from hotline.config import Settings, SettingsError
from hotline.migrations import upgrade_database

log = logging.getLogger(__name__)


def app_from_env() -> Flask:
    """The app for a command, with configuration errors as clean messages."""
    from hotline.redis_server import RedisTooOld

    try:
        return create_app(Settings.from_env())
    except (SettingsError, RedisTooOld) as exc:
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
@click.option(
    "--fork/--no-fork",
    default=False,
    show_default=True,
    help="Run each job in a forked child (RQ's default) instead of in this process.",
)
def worker(burst: bool, fork: bool) -> None:
    """Run one RQ worker (with the scheduler) on the high, default and low queues.

    Jobs run in the worker's own process by default: with a fork and a fresh database
    connection for every job, answering one inbound SMS (two jobs) cost about 130 ms of CPU
    against 16 ms in process. Every job is idempotent and keeps no state between runs, so the
    isolation a fork buys is not worth that; ``--fork`` brings it back.
    """
    from workers.main import run_worker

    run_worker(app_from_env(), burst=burst, forking=fork)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def run(host: str, port: int) -> None:
    """Start everything: migrated database, demo data, embedded Redis, a worker, the web."""
    from werkzeug.serving import run_simple

    from hotline.demo import load_demo_data
    from hotline.redis_server import stop_embedded_server
    from hotline.runtime import runtime

    settings = Settings.from_env()
    upgrade_database(settings.database_url)
    app = app_from_env()  # starts the embedded Redis when REDIS_URL is unset; this process owns it
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
        stop_embedded_server(runtime(app).redis)


def _register_groups() -> None:
    from hotline.cli.agencies import agencies
    from hotline.cli.audio import audio_group
    from hotline.cli.callbacks import agents, callbacks, users
    from hotline.cli.campaigns import campaigns
    from hotline.cli.contacts import contacts
    from hotline.cli.ivr import ivr
    from hotline.cli.privacy import privacy
    from hotline.cli.sms import sms
    from hotline.cli.spool import spool
    from hotline.cli.stack import stack

    for group in (agencies, agents, audio_group, callbacks, campaigns, contacts, ivr, stack, users):
        main.add_command(group)
    main.add_command(privacy)
    main.add_command(spool)
    main.add_command(sms)


_register_groups()
