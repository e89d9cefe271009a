"""Replay spooled webhooks into the database, oldest first, each in its own transaction.

A record leaves the spool only after its transaction committed, so a drain that dies halfway
replays that record again next time, which the intake functions make harmless. The database
going away mid-drain stops the drain; the rest waits for the next one.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

import redis
from flask import g
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.providers.base import WebhookRejected
from hotline.runtime import Runtime, run_after_commit
from hotline.spool.intake import Followup, take_inbound_sms, take_status
from hotline.spool.records import Intake, SpooledWebhook, database_unavailable
from hotline.spool.stores import FileSpool, RedisSpool

log = logging.getLogger(__name__)

# A status report for a message we cannot find yet is tried again for this long: during an
# outage the worker that sent the message may not have stored the provider's id yet.
KEEP_UNMATCHED = dt.timedelta(minutes=15)
LOCK_SECONDS = 300

STORED, UNMATCHED, REJECTED = "stored", "unmatched", "rejected"


@dataclass
class DrainReport:
    stored: int = 0  # replayed and committed
    kept: int = 0  # status reports for messages not found yet, left for a later drain
    dropped: int = 0  # rejected on replay, or unmatched for longer than KEEP_UNMATCHED
    failed: int = 0  # could not be replayed at all: set aside for people to look at
    database_down: bool = False  # the drain stopped because the database is still away
    busy: bool = False  # another process was draining
    unfinished: bool = False  # time ran out with records left

    def as_dict(self) -> dict[str, int | bool]:
        return dict(vars(self))


def replay(state: Runtime, session: Session, record: SpooledWebhook) -> tuple[str, list[Followup]]:
    """Store one record through the code its webhook runs.

    Calls go through the voice webhook itself (a missed call opens its callback request there,
    an ended call may be a callback's leg), and a Twilio callback leg through its webhook's
    ``take_callback_leg``; both queue their jobs with ``after_commit``.
    """
    provider = state.provider_named(record.provider)
    webhook = record.webhook()
    if record.intake == Intake.INBOUND_SMS:
        return STORED, take_inbound_sms(state, provider, webhook, session)
    if record.intake == Intake.STATUS:
        found = take_status(state, provider, webhook, session, record.received_at)
        return (STORED if found else UNMATCHED), []
    if record.intake == Intake.CALLBACK_LEG:
        from hotline.web.callback_legs import take_callback_leg

        take_callback_leg(state, provider, webhook, session, record.received_at)
        return STORED, [run_after_commit]
    from hotline.web.audio import prompt_source
    from hotline.web.voice import answer_call

    answer_call(state, provider, webhook, session, prompt_source(state, session))
    return STORED, [run_after_commit]


def _replay_committed(state: Runtime, record: SpooledWebhook) -> str:
    with state.sessions() as session:
        g.pop("after_commit", None)
        try:
            outcome, followups = replay(state, session, record)
            session.commit()
        except WebhookRejected as exc:
            session.rollback()
            g.pop("after_commit", None)
            log.warning("spool: record %s rejected on replay: %s", record.id, exc)
            return REJECTED
        except Exception:
            g.pop("after_commit", None)  # jobs of a transaction that did not commit
            raise
    for followup in followups:
        followup()
    return outcome


class _Drain:
    """One drain: counts what happened and knows when to stop."""

    def __init__(self, state: Runtime, deadline: float) -> None:
        self.state = state
        self.deadline = deadline
        self.report = DrainReport()

    def out_of_time(self) -> bool:
        if time.monotonic() > self.deadline:
            self.report.unfinished = True
        return self.report.database_down or self.report.unfinished

    def attempt(self, raw: bytes | str) -> str | None:
        """Replay one raw record: its outcome, "failed", or None when the database is away."""
        try:
            record = SpooledWebhook.from_json(raw)
        except (ValueError, KeyError, TypeError):
            log.error("spool: unreadable record set aside")
            self.report.failed += 1
            return "failed"
        try:
            outcome = _replay_committed(self.state, record)
        except Exception as exc:
            if database_unavailable(exc):
                self.report.database_down = True
                return None
            log.exception("spool: record %s could not be replayed; set aside", record.id)
            self.report.failed += 1
            return "failed"
        if outcome == UNMATCHED and utcnow() - record.received_at < KEEP_UNMATCHED:
            self.report.kept += 1
            return "kept"
        if outcome == STORED:
            self.report.stored += 1
        else:
            self.report.dropped += 1
        return "done"

    def redis_records(self, spool: RedisSpool) -> None:
        with spool.drain_lock(LOCK_SECONDS) as mine:
            if not mine:
                self.report.busy = True
                return
            for _ in range(spool.length()):  # each record at most once per drain
                raw = spool.head()
                if raw is None or self.out_of_time():
                    return
                verdict = self.attempt(raw)
                if verdict is None:
                    return
                if verdict == "kept":
                    spool.to_back(raw)
                elif verdict == "failed":
                    spool.set_aside(raw)
                else:
                    spool.remove(raw)

    def file_records(self, spool: FileSpool) -> None:
        with spool.drain_lock() as mine:
            if not mine:
                self.report.busy = True
                return
            for path in spool.records():
                if self.out_of_time():
                    return
                try:
                    raw = path.read_bytes()
                except FileNotFoundError:
                    continue
                verdict = self.attempt(raw)
                if verdict is None:
                    return
                if verdict == "failed":
                    spool.set_aside(path)
                elif verdict == "done":
                    spool.remove(path)


def drain_spool(state: Runtime, *, shared: bool = True, seconds: float = 240.0) -> DrainReport:
    """Replay this machine's file spool, then (``shared``) the Redis spool, for ``seconds``.

    Call it inside an app context (replayed calls queue their jobs through ``flask.g``). Web
    processes pass ``shared=False``: the Redis spool is any worker's job.
    """
    drain = _Drain(state, time.monotonic() + seconds)
    files = FileSpool(state.settings.instance_path)
    if files.has_records():
        drain.file_records(files)
    if shared and not drain.out_of_time():
        try:
            drain.redis_records(RedisSpool(state.redis))
        except redis.RedisError as exc:
            log.warning("spool: Redis went away during the drain: %s", type(exc).__name__)
    report = drain.report
    if report.stored or report.failed or report.dropped:
        log.info("spool drained: %s", report.as_dict())
    return report
