"""Request limits (Flask-Limiter) kept in the platform's Redis, shared by every web process.

Counts live in moving windows, so a limit of ten in fifteen minutes means ten in any fifteen
minutes, not twenty across a window's edge. The storage is built on the connection pool our own
connect code made (``REDIS_URL``, or the embedded server's Unix socket), so the limits reach the
same server as the queues. A refused request gets ``429`` with ``Retry-After`` and
``X-RateLimit-*`` headers.

Pages that answer a refusal in their own words (the verify page, the JSON API, the simulator)
ask ``client_allowed`` in the view instead of decorating it: the same storage and windows.

Every command the storage sends (``EVALSHA`` of Lua scripts using LPUSH, LTRIM, LINDEX and plain
EXPIRE, GET, DEL, TTL) exists on Redis 6.2; ``tests/security/test_login_limits.py`` scans them.
"""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter
from limits import RateLimitItemPerMinute

from hotline.runtime import Runtime, runtime

KEY_PREFIX = "hotline:limits"
REQUESTS_PER_MINUTE = 60  # per client and surface, for the public surfaces


def client_address() -> str:
    """The client as the app sees it: behind ``PROXY_COUNT`` proxies, the hop they vouch for."""
    return request.remote_addr or "unknown"


# One extension object for the module's decorators; ``init_limits`` binds it to each app.
limiter = Limiter(
    key_func=client_address,
    strategy="moving-window",
    headers_enabled=True,
    retry_after="delta-seconds",
    key_prefix="hotline",
)


def client_allowed(state: Runtime, surface: str, per_minute: int = REQUESTS_PER_MINUTE) -> bool:
    """Count one request of this client to ``surface``; False past ``per_minute`` in a minute.

    Off when ``RATELIMIT_ENABLED=false``. A refused request is not counted.
    """
    if not state.settings.ratelimit_enabled:
        return True
    allowed: bool = limiter.limiter.hit(
        RateLimitItemPerMinute(per_minute), "hotline", surface, client_address()
    )
    return allowed


def init_limits(app: Flask) -> None:
    """Count in the app's Redis; the limits on logins apply whatever ``RATELIMIT_ENABLED`` says."""
    pool = runtime(app).redis.connection_pool
    app.config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="redis://",  # the scheme picks the Redis storage; the pool connects
        RATELIMIT_STORAGE_OPTIONS={"connection_pool": pool, "key_prefix": KEY_PREFIX},
    )
    limiter.init_app(app)
