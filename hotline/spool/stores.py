"""Where spooled records wait: a Redis list any worker drains, or files on this machine."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import redis

from hotline.spool.records import SpooledWebhook

log = logging.getLogger(__name__)

SPOOL_KEY = "hotline:spool"
FAILED_KEY = "hotline:spool:failed"  # records a drain could not replay (a bug): kept for people
DRAIN_LOCK_KEY = "hotline:spool:drain-lock"
FILE_FOLDER = "spool"


class SpoolUnavailable(RuntimeError):
    """Neither Redis nor the instance folder took the record."""


class RedisSpool:
    """The shared spool: a Redis list of JSON records, oldest first."""

    def __init__(self, connection: redis.Redis) -> None:
        self.connection = connection

    def push(self, record: SpooledWebhook) -> None:
        self.connection.rpush(SPOOL_KEY, record.to_json())

    def length(self) -> int:
        return int(self.connection.llen(SPOOL_KEY))

    def failed(self) -> int:
        return int(self.connection.llen(FAILED_KEY))

    def head(self) -> str | None:
        found = self.connection.lindex(SPOOL_KEY, 0)
        return found.decode() if isinstance(found, bytes) else None

    def remove(self, raw: str) -> None:
        """Drop one copy of ``raw`` (the head): atomic, so two drainers never drop two."""
        self.connection.lrem(SPOOL_KEY, 1, raw)

    def to_back(self, raw: str) -> None:
        """Move ``raw`` behind the records that wait, to try it again on a later drain."""
        with self.connection.pipeline(transaction=True) as pipe:
            pipe.lrem(SPOOL_KEY, 1, raw)
            pipe.rpush(SPOOL_KEY, raw)
            pipe.execute()

    def set_aside(self, raw: str) -> None:
        with self.connection.pipeline(transaction=True) as pipe:
            pipe.lrem(SPOOL_KEY, 1, raw)
            pipe.rpush(FAILED_KEY, raw)
            pipe.execute()

    @contextlib.contextmanager
    def drain_lock(self, seconds: int) -> Iterator[bool]:
        """One drainer at a time (a second one would only replay the same records again)."""
        lock = self.connection.lock(DRAIN_LOCK_KEY, timeout=seconds, blocking=False)
        acquired = bool(lock.acquire())
        try:
            yield acquired
        finally:
            if acquired:
                with contextlib.suppress(redis.RedisError):
                    lock.release()


class FileSpool:
    """Records of this machine, one file each, for when Redis is down too.

    Each record is written to a hidden temporary file, fsynced, renamed into place and the
    folder fsynced: a crash leaves either the whole record or nothing. Names sort by the time
    the webhook arrived, so a drain replays in order.
    """

    def __init__(self, instance_path: Path) -> None:
        self.folder = instance_path / FILE_FOLDER

    def push(self, record: SpooledWebhook) -> Path:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # numbers and texts inside
        name = f"{record.received_at:%Y%m%dT%H%M%S%f}-{record.id}.json"
        draft = self.folder / f".{name}.tmp"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(descriptor, record.to_json().encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        final = self.folder / name
        os.rename(draft, final)
        folder = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
        return final

    def has_records(self) -> bool:
        """Cheap enough to ask after every webhook: one directory read, usually of nothing."""
        try:
            with os.scandir(self.folder) as entries:
                return any(entry.name.endswith(".json") for entry in entries)
        except FileNotFoundError:
            return False

    def records(self) -> list[Path]:
        try:
            return sorted(self.folder.glob("*.json"))
        except FileNotFoundError:
            return []

    def failed(self) -> int:
        return len(list(self.folder.glob("*.failed"))) if self.folder.exists() else 0

    @staticmethod
    def read(path: Path) -> SpooledWebhook:
        return SpooledWebhook.from_json(path.read_bytes())

    @staticmethod
    def remove(path: Path) -> None:
        path.unlink(missing_ok=True)

    @staticmethod
    def set_aside(path: Path) -> None:
        path.rename(path.with_suffix(".failed"))

    @contextlib.contextmanager
    def drain_lock(self) -> Iterator[bool]:
        """One drainer per machine; the others go on (the lock is not waited for)."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with (self.folder / ".drain.lock").open("w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def spool_webhook(connection: redis.Redis, instance_path: Path, record: SpooledWebhook) -> str:
    """Keep ``record`` in Redis, else in this machine's file spool; say which."""
    try:
        RedisSpool(connection).push(record)
        return "redis"
    except redis.RedisError as exc:
        log.warning("spool: Redis refused record %s (%s); writing a file", record.id,
                    type(exc).__name__)  # fmt: skip
    try:
        FileSpool(instance_path).push(record)
    except OSError as exc:
        raise SpoolUnavailable(f"neither Redis nor {instance_path} took the record") from exc
    return "file"
