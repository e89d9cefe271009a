"""Run the ``hotline`` command in a child process against the test's own services."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hotline.config import Settings
from tests.conftest import TWILIO_SID, TWILIO_TOKEN

HOTLINE = [sys.executable, "-m", "hotline.cli"]


def hotline_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment a child needs to reach this test's database, Redis and fake Twilio."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env |= {
        "INSTANCE_PATH": str(settings.instance_path),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "PUBLIC_BASE_URL": settings.public_base_url,
        "HOTLINE_PROVIDER": "twilio",
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_FROM": settings.twilio_from,
        "TWILIO_API_URL": settings.twilio_api_url,
    }
    return env | extra


def run_hotline(settings: Settings, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """``hotline ARGS...`` to completion, output captured as text."""
    return subprocess.run(
        [*HOTLINE, *args],
        env=hotline_env(settings, **extra),
        capture_output=True,
        text=True,
        timeout=180,
    )


def start_hotline(settings: Settings, log: Path, *args: str) -> subprocess.Popen[bytes]:
    """Start ``hotline ARGS...`` in its own process group (so SIGKILL takes its children too)."""
    with log.open("ab") as output:
        return subprocess.Popen(
            [*HOTLINE, *args],
            env=hotline_env(settings, LOG_LEVEL="WARNING"),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
