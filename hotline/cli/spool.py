"""``hotline spool``: webhooks kept while the database was away, and replaying them by hand."""

from __future__ import annotations

import json

import click
import redis

from hotline.cli import app_from_env


@click.group()
def spool() -> None:
    """Webhooks spooled during a database outage."""


@spool.command("status")
def spool_status() -> None:
    """How many records wait in Redis and in this machine's files, and how many were set aside."""
    from hotline.runtime import runtime
    from hotline.spool import FileSpool, RedisSpool

    state = runtime(app_from_env())
    files = FileSpool(state.settings.instance_path)
    shared = RedisSpool(state.redis)
    counts: dict[str, int | None] = {"files": len(files.records()), "files_failed": files.failed()}
    try:
        counts |= {"redis": shared.length(), "redis_failed": shared.failed()}
    except redis.RedisError:
        counts |= {"redis": None, "redis_failed": None}  # Redis is down: only files can wait
    click.echo(json.dumps(counts))


@spool.command("drain")
@click.option("--seconds", default=600.0, show_default=True, help="Stop after this long.")
def spool_drain(seconds: float) -> None:
    """Replay this machine's spool files and the Redis spool into the database now."""
    from hotline.runtime import runtime
    from hotline.spool import drain_spool

    app = app_from_env()
    with app.app_context():
        report = drain_spool(runtime(app), seconds=seconds)
    click.echo(json.dumps(report.as_dict()))
    if report.database_down:
        raise click.ClickException("the database is still unreachable; records wait")
