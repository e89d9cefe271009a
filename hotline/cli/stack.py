"""``hotline stack``: the production layout (gunicorn, RQ workers, PostgreSQL, Redis) here."""

from __future__ import annotations

import os

import click

from hotline.config import Settings, SettingsError
from hotline.migrations import upgrade_database
from hotline.redis_server import (
    RedisTooOld,
    connect_redis,
    redacted_url,
    require_supported_version,
)
from hotline.stack import Stack, StackError, ensure_postgresql, redis_command, stack_children


@click.command("stack")
@click.option("--web-workers", type=int, default=6, show_default=True, help="gunicorn workers.")
@click.option("--workers", "rq_workers", type=int, default=2, show_default=True,
              help="RQ worker processes.")  # fmt: skip
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option(
    "--worker-nice",
    type=click.IntRange(0, 19),
    default=10,
    show_default=True,
    help="CPU niceness of the RQ workers: webhooks come first on a shared machine.",
)
@click.option("--demo/--no-demo", default=False, help="Load the demo registry into an empty one.")
def stack(web_workers: int, rq_workers: int, bind: str, worker_nice: int, demo: bool) -> None:
    """Run gunicorn and RQ workers over PostgreSQL and Redis, restarting what dies (Ctrl-C stops).

    DATABASE_URL must name PostgreSQL and REDIS_URL a Redis server (``make stack`` sets loopback
    defaults); a stopped local PostgreSQL or Redis is started first.
    """
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    if not settings.database_url.startswith(("postgresql", "postgres://")):
        raise click.ClickException("the stack runs on PostgreSQL: set DATABASE_URL")
    if not settings.redis_url:
        raise click.ClickException("the stack runs on a Redis server: set REDIS_URL")
    try:
        redis_server = redis_command(settings.redis_url)
        if redis_server is None:  # one answers already: refuse it before starting anything
            require_supported_version(connect_redis(settings), redacted_url(settings))
        ensure_postgresql(settings.database_url)
    except (StackError, RedisTooOld) as exc:
        raise click.ClickException(str(exc)) from exc
    upgrade_database(settings.database_url)
    env = {**os.environ, "BIND": bind}
    children = stack_children(
        web_workers=web_workers,
        rq_workers=rq_workers,
        redis_server=redis_server,
        worker_nice=worker_nice,
    )

    def when_started() -> None:
        if demo:
            from hotline import create_app
            from hotline.demo import load_demo_data

            load_demo_data(create_app(settings))
        click.echo(f"hotline stack: http://{bind}/healthz, {web_workers} web workers, "
                   f"{rq_workers} RQ workers (Ctrl-C stops)")  # fmt: skip

    try:
        Stack(children, env).run(when_started)
    except StackError as exc:
        raise click.ClickException(str(exc)) from exc
