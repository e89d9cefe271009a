"""``hotline worker`` children and a redis-server that a test may kill and start again.

RQ puts each work horse in a process group of its own, so killing a worker's group leaves its
horse running: ``WorkerProcesses.kill`` finds the horse (and the scheduler) by parentage.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import redis

from hotline.config import Settings
from tests.processes import HOTLINE, hotline_env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RestartableRedis:
    """A redis-server on a port of its own that keeps nothing on disk, so it restarts empty
    (on the same port, as a restarted production Redis does)."""

    def __init__(self, folder: Path) -> None:
        self.port = _free_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(  # noqa: S603 - the installed redis-server
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (read from /proc, as ``ps`` does)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        below = children.get(todo.pop(), [])
        found.extend(below)
        todo.extend(below)
    return found


class WorkerProcesses:
    """``hotline worker`` children, each in its own process group, all stopped at the end."""

    def __init__(self, settings: Settings, folder: Path) -> None:
        self.settings = settings
        self.folder = folder
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        env = hotline_env(
            self.settings,
            LOG_LEVEL="WARNING",
            HOTLINE_NUMBER=self.settings.hotline_number,
            STAFFED_HOURS=self.settings.staffed_hours,
            STAFFED_DAYS=self.settings.staffed_days,
        )
        log = self.folder / f"worker{len(self.processes)}.log"
        with log.open("ab") as output:
            process = subprocess.Popen(  # noqa: S603 - our own command
                [*HOTLINE, "worker"],
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker, its work horse and its scheduler: nothing runs a cleanup.

        RQ puts the work horse in a process group of its own, so it is found by parentage.
        """
        os.kill(process.pid, signal.SIGSTOP)  # forks no new horse while its tree is listed
        for pid in [process.pid, *descendants(process.pid)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.wait(timeout=30)

    def alive(self) -> list[bool]:
        return [process.poll() is None for process in self.processes]

    def logs(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}"
            for log in sorted(self.folder.glob("worker*.log"))
        )

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill(process)
