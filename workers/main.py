"""The worker entry point: one RQ worker (with the scheduler) over the hotline's queues."""

from __future__ import annotations

from flask import Flask
from rq import SimpleWorker, Worker

from hotline.db import utcnow
from hotline.runtime import runtime
from workers.housekeeping import schedule_sweep

MAINTENANCE_SECONDS = 30
WORKER_TTL_SECONDS = 45


def run_worker(app: Flask, *, burst: bool = False, forking: bool = True) -> bool:
    """Work the ``high``, ``default`` and ``low`` queues in that order inside an app context.

    The forked work horse inherits the pushed app context, and the engine's pool is discarded
    in the child (see ``hotline.db``), so each job gets fresh connections.
    """
    state = runtime(app)
    worker_class = Worker if forking else SimpleWorker
    with app.app_context():
        schedule_sweep(utcnow())
        worker = worker_class(
            state.queues.all(),
            connection=state.redis,
            # A worker killed while it held the scheduler lock leaves it for 61 s; others look
            # for it every 30 s (RQ's default is 10 minutes, a long time to stop scheduling).
            maintenance_interval=MAINTENANCE_SECONDS,
            # An idle worker blocks on the queues for worker_ttl - 15 s before it runs that
            # maintenance (RQ's default: 405 s); 45 s keeps the takeover within a minute.
            worker_ttl=WORKER_TTL_SECONDS,
        )
        return bool(
            worker.work(burst=burst, with_scheduler=True, logging_level=state.settings.log_level)
        )
