"""``hotline stack``: the production layout on one machine, supervised."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from hotline.config import Settings
from hotline.stack import Child, Stack, redis_command
from tests.processes import hotline_env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _sleeper(seconds: float, *, ignore_term: bool = False) -> list[str]:
    code = "import signal, time\n"
    if ignore_term:
        code += "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    code += f"time.sleep({seconds})\n"
    return [sys.executable, "-c", code]


def test_a_child_that_dies_is_started_again_after_its_backoff() -> None:
    child = Child("worker-1", _sleeper(0))
    stack = Stack([child], dict(os.environ))
    stack.start()
    assert child.process is not None
    child.process.wait(timeout=10)

    stack.watch_once()  # noticed: waits one second before the first restart
    assert child.process is None
    stack.watch_once()
    assert child.process is None
    child.next_start = 0.0
    stack.watch_once()

    assert child.process is not None
    assert child.restarts == 1
    stack.stop()


def test_a_crash_loop_backs_off_up_to_thirty_seconds() -> None:
    child = Child("web", ["true"])
    child.started_at = time.monotonic()

    delays = [child.backoff() for _ in range(8)]

    assert delays == [1, 2, 4, 8, 16, 30, 30, 30]


def test_stop_kills_a_child_that_ignores_sigterm() -> None:
    stubborn = Child("stubborn", _sleeper(60, ignore_term=True))
    polite = Child("polite", _sleeper(60))
    stack = Stack([stubborn, polite], dict(os.environ))
    stack.start()
    time.sleep(0.5)  # let the stubborn one install its handler

    stack.stop(timeout=1)

    assert polite.process is not None
    assert polite.process.returncode == -signal.SIGTERM
    assert stubborn.process is not None
    assert stubborn.process.returncode == -signal.SIGKILL


def test_a_redis_that_answers_is_used_not_started(redis_url: str) -> None:
    if not redis_url.startswith("redis://"):
        pytest.skip("needs a Redis server on TCP")
    assert redis_command(redis_url) is None


def test_a_silent_loopback_redis_is_started_without_persistence() -> None:
    port = _free_port()
    argv = redis_command(f"redis://127.0.0.1:{port}/0")

    assert argv is not None
    assert argv[argv.index("--port") + 1] == str(port)
    assert argv[argv.index("--save") + 1] == ""
    assert redis_command(f"redis://redis.internal.example:{port}/0") is None


@pytest.fixture
def stack_settings(settings: Settings) -> Settings:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("the stack runs on PostgreSQL")
    if redis_command("redis://127.0.0.1:1/0") is None:
        pytest.skip("redis-server is not installed")
    return settings


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - loopback
            return int(answer.status)
    except OSError:
        return 0


def _workers(stack: subprocess.Popen[bytes]) -> list[psutil.Process]:
    found = []
    for child in psutil.Process(stack.pid).children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "worker" in child.cmdline():
                found.append(child)
        except psutil.NoSuchProcess:
            pass
    return found


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def test_the_stack_serves_restarts_a_killed_worker_and_stops_cleanly(
    stack_settings: Settings, tmp_path: Path
) -> None:
    web_port, redis_port = _free_port(), _free_port()
    env = hotline_env(stack_settings, REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
                      LOG_LEVEL="WARNING")  # fmt: skip
    log = (tmp_path / "stack.log").open("wb")
    stack = subprocess.Popen(
        [sys.executable, "-m", "hotline.cli", "stack", "--bind", f"127.0.0.1:{web_port}",
         "--web-workers", "2", "--workers", "2"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        assert _wait(lambda: _get(f"http://127.0.0.1:{web_port}/healthz") == 200, 60)
        assert _wait(lambda: len(_workers(stack)) == 2, 30)
        victim = _workers(stack)[0]

        victim.kill()

        replaced = lambda: victim.pid not in {p.pid for p in _workers(stack)}  # noqa: E731
        assert _wait(lambda: len(_workers(stack)) == 2 and replaced(), 30)
        assert _get(f"http://127.0.0.1:{web_port}/livez") == 200
        everything = psutil.Process(stack.pid).children(recursive=True)
    finally:
        stack.send_signal(signal.SIGTERM)
        code = stack.wait(timeout=40)
        log.close()

    assert code == 0, (tmp_path / "stack.log").read_text()[-3000:]
    assert not [p for p in everything if _alive(p)]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", redis_port), timeout=1).close()
