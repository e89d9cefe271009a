"""Fixed-window counters in Redis, shared by every process (web nodes and workers)."""

from __future__ import annotations

import redis


def count_event(connection: redis.Redis, key: str, window_seconds: int) -> int:
    """Count one event under ``key`` and return how many fell in the current window."""
    full_key = f"hotline:rate:{key}"
    with connection.pipeline() as pipe:
        pipe.incr(full_key)
        pipe.expire(full_key, window_seconds, nx=True)
        count, _ = pipe.execute()
    return int(count)


def allow(connection: redis.Redis, key: str, limit: int, window_seconds: int) -> bool:
    """Count one event; False once more than ``limit`` fall in the window."""
    return count_event(connection, key, window_seconds) <= limit
