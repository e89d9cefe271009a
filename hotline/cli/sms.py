"""``hotline sms``: text the SMS service from a number and read its answer, no carrier needed."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import click
import redis

from hotline.cli import app_from_env

if TYPE_CHECKING:
    from hotline.runtime import Runtime

POLL_SECONDS = 0.2


def _workers(state: Runtime) -> int:
    """How many RQ workers are registered with this instance's Redis."""
    from rq import Worker

    try:
        return int(Worker.count(connection=state.redis))
    except redis.RedisError as exc:
        raise click.ClickException(
            f"Redis did not answer ({type(exc).__name__}): the text is stored and is answered "
            "once Redis and a worker run"
        ) from exc


@click.group()
def sms() -> None:
    """The SMS keyword service, tried from this machine."""


@sms.command("send")
@click.argument("sender", metavar="FROM")
@click.argument("text")
@click.option(
    "--wait",
    "wait_seconds",
    default=15.0,
    show_default=True,
    type=click.FloatRange(0, 600),
    help="Seconds to wait for the reply; 0 stores and queues the text without waiting.",
)
def sms_send(sender: str, text: str, wait_seconds: float) -> None:
    """Text TEXT to the hotline from number FROM, then print the reply.

    The text takes the inbound webhook's path (stored once, answered by a worker) with the
    console provider as its channel, so the reply is also written to
    instance/console_outbox.jsonl. It acts as a real text would: STOP opts FROM out, CALL asks
    an agent to call FROM back. Exits 1 when no reply comes (no worker running, or it failed).
    """
    from hotline.runtime import runtime
    from hotline.sms.typed import TypedTextRejected, reply_to, text_in

    state = runtime(app_from_env())
    try:
        typed = text_in(state, sender, text)
    except TypedTextRejected as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"text {typed.message_id} from {typed.phone} stored", err=True)
    if wait_seconds == 0:
        return
    if not _workers(state):  # `hotline run` may still be starting its worker: wait for one
        click.echo(f"no worker is running yet; waiting up to {wait_seconds:g} s", err=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        with state.sessions() as session:
            reply = reply_to(session, typed.message_id)
        assert reply is not None
        if reply.final or time.monotonic() >= deadline:
            break
        time.sleep(POLL_SECONDS)
    if reply.status == "waiting" and not _workers(state):
        raise click.ClickException(
            "no worker is running, so nobody answers the text yet; it is stored and is answered "
            "once one runs: start `hotline run` (everything) or `hotline worker`"
        )
    if reply.status == "sent":
        click.echo(reply.body)
        return
    if reply.status == "none":
        click.echo(f"answered without a reply ({reply.reason})", err=True)
        return
    if reply.status == "failed":
        click.echo(reply.body, err=True)
        raise click.ClickException(f"the reply above failed: {reply.reason}")
    raise click.ClickException(
        f"no reply within {wait_seconds:g} s (the text is {reply.status}); the worker may be "
        "busy: the reply will still come, in instance/console_outbox.jsonl"
    )
