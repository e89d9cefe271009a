"""Fixed-window counters in Redis for what workers count (no web request to hang them on).

Web requests are limited by Flask-Limiter (``hotline/web/limits.py``).
"""

from __future__ import annotations

from collections.abc import Iterable

import redis


def start_windows(pipe: redis.client.Pipeline, keys: Iterable[str], window_seconds: int) -> None:
    """Queue an INCR per key whose first count opens a window of ``window_seconds``.

    ``SET key 0 EX n NX`` then ``INCR`` keeps the expiry the window started with, and works on
    every Redis we support (6.2 and later); ``EXPIRE ... NX`` would need Redis 7.
    """
    for key in keys:
        pipe.set(key, 0, ex=window_seconds, nx=True)
        pipe.incr(key)
