"""A worker that stops lets go of RQ's command listener at once."""

from __future__ import annotations

import time

from rq import SimpleWorker

from hotline.runtime import Runtime
from workers.main import StopsListeningAtOnce


class _Worker(StopsListeningAtOnce, SimpleWorker):
    pass


def test_a_listener_in_its_minute_long_read_ends_when_the_worker_unsubscribes(
    state: Runtime,
) -> None:
    worker = _Worker(state.queues.all(), connection=state.redis)
    worker.subscribe()
    time.sleep(0.5)  # the listener is now inside its 60 s read
    started = time.monotonic()

    worker.unsubscribe()

    assert not worker.pubsub_thread.is_alive()
    assert time.monotonic() - started < 5


def test_a_burst_run_ends_with_its_listener(state: Runtime) -> None:
    worker = _Worker(state.queues.all(), connection=state.redis)

    worker.work(burst=True, with_scheduler=False, logging_level="WARNING")

    assert worker.pubsub_thread is not None
    assert not worker.pubsub_thread.is_alive()
