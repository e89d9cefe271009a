"""Retention once a day: blank old texts, delete old recordings (``hotline.privacy``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hotline.db import utcnow
from hotline.privacy import RetentionPolicy, apply_retention
from hotline.queues import LOW
from hotline.runtime import Runtime, runtime

RETENTION_TIMEOUT = 3600  # a first run over years of messages takes a while; batches commit


def apply_retention_job() -> dict[str, Any]:
    """Apply ``RETENTION_DAYS`` and ``RECORDING_RETENTION_DAYS`` as of now; return the counts."""
    state = runtime()
    policy = RetentionPolicy(
        now=utcnow(),
        text_days=state.settings.retention_days,
        recording_days=state.settings.recording_retention_days,
    )
    with state.sessions() as session:
        counts = apply_retention(session, policy)
        session.commit()
    return counts.as_dict()


def enqueue_daily_retention(state: Runtime, now: dt.datetime) -> bool:
    """Queue the retention job once per UTC day, whichever sweep comes first; True if queued.

    The minute sweep calls this every time: a Redis key per day lets only the first call
    through (a deterministic job id alone would enqueue again once the finished job expires).
    The job is idempotent, so a day on which Redis lost the key costs a second, empty run.
    """
    day = now.strftime("%Y%m%d")
    if not state.redis.set(f"hotline:retention:{day}", 1, nx=True, ex=2 * 86400):
        return False
    state.queues.enqueue(
        apply_retention_job, queue=LOW, job_id=f"retention-{day}", timeout=RETENTION_TIMEOUT
    )
    return True
