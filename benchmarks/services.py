"""What the benchmarks start around the platform: a fresh PostgreSQL database and a process
of their own for the fake provider (so its GIL is not shared with the benchmark's bookkeeping).
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
SPAWN = multiprocessing.get_context("spawn")


@contextmanager
def fresh_database(prefix: str, migrate: bool = False) -> Iterator[str]:
    """A new PostgreSQL database, dropped afterwards; ``migrate`` runs ``hotline db upgrade``
    first (``hotline stack`` migrates by itself)."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        if migrate:
            env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
            subprocess.run(
                [sys.executable, "-m", "hotline.cli", "db", "upgrade"],
                env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, timeout=120,
            )  # fmt: skip
        yield url
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def provider_process(serve: Callable[..., None], *args: Any) -> Iterator[tuple[str, Connection]]:
    """Run ``serve(control, *args)`` in a spawned process; it sends its URL first, then answers
    commands on ``control`` until it receives ``stop``. Yields the URL and the control pipe."""
    here, there = SPAWN.Pipe()
    process = SPAWN.Process(target=serve, args=(there, *args), daemon=True)
    process.start()
    try:
        if not here.poll(30):
            raise RuntimeError("the fake provider did not start")
        yield here.recv(), here
    finally:
        here.send("stop")
        process.join(10)
        if process.is_alive():
            process.kill()
