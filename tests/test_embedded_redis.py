"""With REDIS_URL unset, an instance's processes share one embedded Redis."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from hotline import create_app
from hotline.config import Settings
from hotline.redis_server import connect_redis, embedded_socket_path
from hotline.runtime import runtime


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "instance"
    yield folder
    socket = embedded_socket_path(folder)
    if socket.exists():
        try:
            redis.Redis(unix_socket_path=str(socket)).shutdown(nosave=True)
        except redis.RedisError:
            pass


def test_app_starts_an_embedded_redis_in_the_instance_folder(instance: Path) -> None:
    app = create_app(Settings(instance_path=instance))

    response = app.test_client().get("/healthz")

    assert response.status_code == 200
    assert embedded_socket_path(instance).exists()
    runtime(app).engine.dispose()


def test_a_second_process_shares_the_same_server(instance: Path) -> None:
    connection = connect_redis(Settings(instance_path=instance))
    connection.set("hotline:test", "from-parent")
    code = (
        "from pathlib import Path; from hotline.config import Settings;"
        "from hotline.redis_server import connect_redis;"
        f"r = connect_redis(Settings(instance_path=Path({str(instance)!r})));"
        "print(r.get('hotline:test').decode()); r.set('hotline:test', 'from-child')"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    assert output.stdout.strip() == "from-parent"
    assert connection.get("hotline:test") == b"from-child"
