"""RQ queues by purpose, and enqueueing that cannot create the same job twice.

``high``: inbound replies and callbacks (a person is waiting); ``default``: campaigns;
``low``: housekeeping. Workers listen in that order, so replies overtake bulk traffic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis
from rq import Queue
from rq.exceptions import DuplicateJobError
from rq.job import Job

HIGH, DEFAULT, LOW = "high", "default", "low"
QUEUE_NAMES = (HIGH, DEFAULT, LOW)


@dataclass(frozen=True)
class Queues:
    connection: redis.Redis

    def queue(self, name: str) -> Queue:
        if name not in QUEUE_NAMES:
            raise ValueError(f"unknown queue {name!r}")
        return Queue(name, connection=self.connection)

    def all(self) -> list[Queue]:
        return [self.queue(name) for name in QUEUE_NAMES]

    def enqueue(
        self,
        func: Callable[..., Any],
        *args: Any,
        queue: str = HIGH,
        job_id: str | None = None,
        at: dt.datetime | None = None,
        retry_intervals: tuple[int, ...] = (),
        timeout: int = 180,
    ) -> Job | None:
        """Enqueue ``func(*args)``; with ``job_id``, a job already waiting is not added again.

        A deterministic id only stops duplicate *enqueues*; the job itself must still be
        harmless when it runs twice (see the jobs' database guards).
        Returns None when the job was already queued.
        """
        from rq import Retry

        options: dict[str, Any] = {"job_timeout": timeout, "result_ttl": 3600}
        if retry_intervals:
            options["retry"] = Retry(max=len(retry_intervals), interval=list(retry_intervals))
        target = self.queue(queue)
        job: Job
        try:
            if at is not None:
                job = target.enqueue_at(at, func, *args, job_id=job_id, **options)
            else:
                job = target.enqueue(
                    func, *args, job_id=job_id, unique=job_id is not None, **options
                )
        except DuplicateJobError:
            return None
        return job
