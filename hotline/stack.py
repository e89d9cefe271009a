"""The production layout on one machine: gunicorn, several RQ workers, PostgreSQL and Redis.

``hotline stack`` (``make stack``) is what a deployment looks like with every role on loopback:
the same processes a real deployment spreads over machines (docs/deploy.md), supervised so a
worker that dies is started again. It reuses PostgreSQL and Redis when they already answer and
starts them when they are local and stopped, so a newcomer's machine behaves like this one.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from hotline.restarts import RestartBackoff

log = logging.getLogger(__name__)

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
GUNICORN_CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"


class StackError(RuntimeError):
    """A service the stack needs is missing and cannot be started here."""


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _wait_for(host: str, port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _answers(host, port):
            return True
        time.sleep(0.2)
    return False


def redis_command(url: str) -> list[str] | None:
    """The redis-server to start for ``url``, or None when it answers or is not ours to start.

    Like production's Redis it keeps nothing on disk: everything that must survive lives in
    PostgreSQL, and the workers rebuild queues and schedules after Redis restarts empty.
    """
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    if parts.scheme != "redis" or host not in LOOPBACK or _answers(host, port):
        return None
    binary = shutil.which("redis-server")
    if binary is None:
        raise StackError(f"nothing answers at {host}:{port} and redis-server is not installed")
    return [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
            "--appendonly", "no"]  # fmt: skip


def ensure_postgresql(url: str) -> None:
    """Start a stopped local PostgreSQL cluster and create the stack's database if missing."""
    import psycopg

    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    if host in LOOPBACK and not _answers(host, port):
        clusters = Path("/etc/postgresql")
        if shutil.which("pg_ctlcluster") is None or not clusters.is_dir():
            raise StackError(f"PostgreSQL does not answer at {host}:{port}; start it first")
        for version in sorted(p.name for p in clusters.iterdir()):
            subprocess.run(  # noqa: S603 - fixed arguments
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],  # noqa: S607
                check=False,
            )
        if not _wait_for(host, port, 30):
            raise StackError(f"PostgreSQL did not start at {host}:{port}")
    name = parts.path.lstrip("/")
    server = parts._replace(path="/postgres", scheme="postgresql").geturl()
    with psycopg.connect(server, autocommit=True, connect_timeout=5) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if exists.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
            log.info("created database %s", name)


@dataclass
class Child:
    """One supervised process and what the supervisor knows of it."""

    name: str
    argv: Sequence[str]
    ready_port: int | None = None  # the children after this one wait until it listens
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    next_start: float = 0.0
    restart_backoff: RestartBackoff = field(default_factory=RestartBackoff)

    def start(self, env: Mapping[str, str]) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own commands
            list(self.argv), env=dict(env), start_new_session=True
        )
        self.started_at = time.monotonic()
        log.info("started %s (pid %d)", self.name, self.process.pid)

    @property
    def restarts(self) -> int:
        return self.restart_backoff.failures

    def backoff(self) -> float:
        """Seconds before a restart: quick for a one-off crash, slower for a crash loop."""
        return self.restart_backoff.after_run(time.monotonic() - self.started_at)


@dataclass
class Stack:
    """Children started in order and kept running until ``stop``."""

    children: list[Child]
    env: dict[str, str]
    stopping: bool = field(default=False, init=False)

    def start(self) -> None:
        for child in self.children:
            child.start(self.env)
            if child.ready_port and not _wait_for("127.0.0.1", child.ready_port, 30):
                raise StackError(f"{child.name} is not listening on port {child.ready_port}")

    def watch_once(self) -> None:
        """Start again any child that exited, after its backoff."""
        now = time.monotonic()
        for child in self.children:
            if child.process is None:
                if now >= child.next_start:
                    child.start(self.env)
                continue
            code = child.process.poll()
            if code is None:
                continue
            delay = child.backoff()
            log.warning("%s exited with %s; starting it again in %.0f s", child.name, code, delay)
            child.process = None
            child.next_start = now + delay

    def run(self, when_started: Callable[[], None] | None = None) -> None:
        """Start, call ``when_started``, supervise until SIGINT or SIGTERM, then stop all."""

        def request_stop(*_: object) -> None:
            self.stopping = True

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        try:
            self.start()
            if when_started is not None:
                when_started()
            while not self.stopping:
                self.watch_once()
                time.sleep(0.5)
        finally:
            self.stop()

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM in reverse order (web first, Redis last), SIGKILL what outlives ``timeout``."""
        running = [c.process for c in reversed(self.children) if c.process is not None]
        for process in running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def stack_children(
    *, web_workers: int, rq_workers: int, redis_server: list[str] | None, worker_nice: int = 0
) -> list[Child]:
    """Redis (when ours to run), the RQ workers, then gunicorn serving ``wsgi:app``.

    On one machine the web and the workers share the cores. ``worker_nice`` lowers the workers'
    CPU priority, so a burst of webhooks (which must answer within seconds) is served first and
    the replies and campaign batches (which may wait) catch up when the burst passes.
    """
    python = sys.executable
    children = []
    if redis_server:
        children.append(Child("redis", redis_server, ready_port=int(redis_server[4])))
    nice = ["nice", "-n", str(worker_nice)] if worker_nice else []
    children += [
        Child(f"worker-{n}", [*nice, python, "-m", "hotline.cli", "worker"])
        for n in range(1, rq_workers + 1)
    ]
    children.append(
        Child(
            "web",
            [
                python,
                "-m",
                "gunicorn",
                "-c",
                str(GUNICORN_CONFIG),
                "--workers",
                str(web_workers),
                "wsgi:app",
            ],
        )  # fmt: skip
    )
    return children
