"""The worker entry point: one RQ worker (with the scheduler) over the hotline's queues."""

from __future__ import annotations

import redis
from flask import Flask
from rq import SimpleWorker, Worker

from hotline.db import utcnow
from hotline.runtime import runtime
from workers.housekeeping import SWEEP_EVERY, schedule_sweep

MAINTENANCE_SECONDS = 30
WORKER_TTL_SECONDS = 45


class _KeepsSweeping:
    """Every maintenance round, make sure the next housekeeping sweep is scheduled.

    The sweep reschedules itself, but a Redis that restarts empty loses that chain; any
    running worker then starts it again within ``MAINTENANCE_SECONDS``.
    """

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()  # type: ignore[misc]
        try:
            schedule_sweep(utcnow() + SWEEP_EVERY)
        except redis.RedisError:
            pass  # Redis is away: the next round tries again


class HotlineWorker(_KeepsSweeping, Worker):
    pass


class HotlineSimpleWorker(_KeepsSweeping, SimpleWorker):
    pass


def run_worker(app: Flask, *, burst: bool = False, forking: bool = True) -> bool:
    """Work the ``high``, ``default`` and ``low`` queues in that order inside an app context.

    The forked work horse inherits the pushed app context, and the engine's pool is discarded
    in the child (see ``hotline.db``), so each job gets fresh connections.
    """
    state = runtime(app)
    worker_class = HotlineWorker if forking else HotlineSimpleWorker
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
