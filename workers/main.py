"""The worker entry point: one RQ worker (with the scheduler) over the hotline's queues."""

from __future__ import annotations

import logging
import time
from types import FrameType
from typing import Any

import redis
from flask import Flask
from rq import SimpleWorker, Worker

from hotline.db import utcnow
from hotline.restarts import RestartBackoff
from hotline.runtime import Runtime, runtime
from workers.housekeeping import SWEEP_EVERY, schedule_sweep, sweep_scheduled

log = logging.getLogger(__name__)

MAINTENANCE_SECONDS = 30
WORKER_TTL_SECONDS = 45
# A burst worker also waits for jobs scheduled this soon (a campaign's next dispatch, a retry,
# a spool drain), so one ``--burst`` run finishes the chains it started; later ones (the
# minute's sweep, a drip's hourly look) are left to the next run, which finds them due.
BURST_HORIZON_SECONDS = 15.0


def next_scheduled_within(state: Runtime, seconds: float) -> float | None:
    """Seconds until the earliest job scheduled in the next ``seconds``, or None."""
    limit = time.time() + seconds
    earliest = None
    for queue in state.queues.all():
        due = state.redis.zrangebyscore(
            queue.scheduled_job_registry.key, 0, limit, start=0, num=1, withscores=True
        )
        if due:
            score = float(due[0][1])
            earliest = score if earliest is None else min(earliest, score)
    return None if earliest is None else max(0.0, earliest - time.time())


class StopsListeningAtOnce:
    """End RQ's command listener at once when the worker stops, not up to a minute later.

    RQ listens for commands (kill a job, stop) on a pub/sub thread that reads with a 60 s
    timeout. On stopping it unsubscribes and then stops the thread; when the thread reads the
    unsubscribe reply first it goes back to a 60 s read, and redis-py 8 joins it in full. Every
    ``--burst`` run and every stop waited that minute. Clearing the thread's flag before
    unsubscribing lets the reply end the read and the loop with it.
    """

    pubsub_thread: Any
    pubsub: Any

    def unsubscribe(self) -> None:
        thread = self.pubsub_thread
        if thread is None:
            return
        try:
            thread.stop(timeout=0)  # the loop ends after the read under way...
        except TypeError:
            thread.stop()  # redis-py before 8: stop() only clears the flag
        try:
            self.pubsub.unsubscribe()  # ...which this reply ends now
        except redis.RedisError:
            pass  # the connection is gone: the read ends with it
        thread.join(timeout=1)
        self.pubsub.close()


class _KeepsSweeping:
    """Every maintenance round, make sure the next housekeeping sweep is scheduled.

    The sweep reschedules itself, but a Redis that restarts empty loses that chain; any
    running worker then sweeps at once and starts the chain again within
    ``MAINTENANCE_SECONDS``. ``stop_requested`` tells a stop asked for by a signal apart from
    RQ giving up on a broken Redis connection.
    """

    stop_requested = False

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()  # type: ignore[misc]
        try:
            if not sweep_scheduled():
                schedule_sweep(utcnow())  # Redis came back empty: look for lost work at once
            schedule_sweep(utcnow() + SWEEP_EVERY)
        except redis.RedisError:
            pass  # Redis is away: the next round tries again

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop_requested = True
        super().request_stop(signum, frame)  # type: ignore[misc]


class HotlineWorker(StopsListeningAtOnce, _KeepsSweeping, Worker):
    pass


class HotlineSimpleWorker(StopsListeningAtOnce, _KeepsSweeping, SimpleWorker):
    pass


def _burst_wait(state: Runtime) -> float | None:
    try:
        return next_scheduled_within(state, BURST_HORIZON_SECONDS)
    except redis.RedisError:
        return None


def run_worker(app: Flask, *, burst: bool = False, forking: bool = True) -> bool:
    """Work the ``high``, ``default`` and ``low`` queues in that order inside an app context.

    The forked work horse inherits the pushed app context, and the engine's pool is discarded
    in the child (see ``hotline.db``), so each job gets fresh connections.

    RQ quits when Redis goes away in the middle of a job or of its housekeeping. Production's
    Redis may restart (empty) and ``make stack`` is not the only way workers run, so this
    starts a new RQ worker, with backoff, until a signal asks it to stop: the new worker
    registers again, takes the scheduler lock and schedules the sweep, which finds the work
    the database still holds.

    A burst worker stops when the queues are empty and nothing is scheduled within
    ``BURST_HORIZON_SECONDS``; what is scheduled later stays in Redis and the database, and the
    next run (its sweep first) picks it up.
    """
    state = runtime(app)
    worker_class = HotlineWorker if forking else HotlineSimpleWorker
    worked = False
    backoff = RestartBackoff()
    with app.app_context():
        while True:
            started = time.monotonic()
            worker: _KeepsSweeping | None = None
            try:
                schedule_sweep(utcnow())
                worker = worker_class(
                    state.queues.all(),
                    connection=state.redis,
                    # A worker killed while it held the scheduler lock leaves it for 61 s;
                    # others look for it every 30 s (RQ's default is 10 minutes).
                    maintenance_interval=MAINTENANCE_SECONDS,
                    # An idle worker blocks on the queues for worker_ttl - 15 s before it runs
                    # that maintenance (RQ's default: 405 s); 45 s keeps it within a minute.
                    worker_ttl=WORKER_TTL_SECONDS,
                )
                worked |= bool(
                    worker.work(
                        burst=burst, with_scheduler=True, logging_level=state.settings.log_level
                    )
                )
            except redis.RedisError as exc:
                log.warning("worker lost Redis: %s", type(exc).__name__)
            if worker is not None and worker.stop_requested:
                return worked
            if burst:
                wait = _burst_wait(state)
                if wait is None:
                    return worked
                time.sleep(wait + 0.5)  # the scheduler moves a job once its second has passed
                continue
            delay = backoff.after_run(time.monotonic() - started)
            log.warning("worker stopped unasked; starting again in %.0f s", delay)
            time.sleep(delay)  # the last worker's signal handlers still listen meanwhile
            if worker is not None and worker.stop_requested:
                return worked
