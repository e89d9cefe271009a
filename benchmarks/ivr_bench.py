"""Drive concurrent simulated calls through the voice menu under gunicorn and time each webhook.

Starts gunicorn (``wsgi:app``) on loopback with PostgreSQL and Redis when they run here (else
SQLite and the embedded Redis), then runs N simulated callers. Each caller starts a call,
chooses a language and presses keys on the menus it hears, signing every request as Twilio
does, with a think time between presses. Prints p50/p99 webhook latency and requests/s.

    .venv/bin/python benchmarks/ivr_bench.py [--calls 50] [--seconds 30] [--think 1.0]

Bounded: it stops after --seconds and only ever talks to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.signing import twilio_signature  # noqa: E402

TOKEN = "bench-token"  # noqa: S105 - a loopback-only test secret
ACCOUNT_SID = "AC" + "5" * 32  # Twilio names the account in every webhook; ours is checked
KEYS = "123456789*0"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def services(folder: Path, sqlite: bool) -> dict[str, str]:
    """PostgreSQL and Redis when they answer on loopback; else SQLite and embedded Redis."""
    env: dict[str, str] = {}
    try:
        if sqlite:
            raise RuntimeError("SQLite asked for")
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", connect_timeout=2) as c:
            c.autocommit = True
            name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
            c.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{name}"
    except Exception:  # noqa: BLE001 - fall back to SQLite
        env["DATABASE_URL"] = f"sqlite:///{folder}/bench.db"
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            env["REDIS_URL"] = "redis://127.0.0.1:6379/14"
    except OSError:
        pass
    return env


def drop_database(url: str) -> None:
    """Remove the benchmark's own PostgreSQL database (nothing to do for SQLite)."""
    if not url.startswith("postgresql://"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Caller(threading.Thread):
    def __init__(self, port: int, base: str, deadline: float, think: float, seed: int) -> None:
        super().__init__(daemon=True)
        self.port, self.base, self.deadline, self.think = port, base, deadline, think
        self.rng = random.Random(seed)
        self.latencies: list[float] = []
        self.errors = 0

    def post(self, connection: http.client.HTTPConnection, url: str, form: dict[str, str]) -> str:
        path = url.removeprefix(self.base)
        form = {"AccountSid": ACCOUNT_SID, **form}
        body = urlencode(form)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": twilio_signature(TOKEN, self.base + path, form),
        }
        started = time.perf_counter()
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        self.latencies.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            self.errors += 1
            return ""
        return data.decode()

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        caller = f"+99655{self.rng.randrange(1000000, 9999999)}"
        time.sleep(self.rng.uniform(0, 2 * self.think))  # calls arrive spread out, not at once
        while time.monotonic() < self.deadline:
            sid = "CA" + uuid.uuid4().hex
            form = {"CallSid": sid, "From": caller, "To": "+996312000000"}
            document = self.post(connection, self.base + "/twilio/voice", form)
            for _ in range(self.rng.randrange(4, 12)):
                if time.monotonic() >= self.deadline or not document:
                    break
                gather = ET.fromstring(document).find("Gather")  # noqa: S314 - our own XML
                if gather is None:
                    break
                time.sleep(self.rng.uniform(0, 2 * self.think))
                action = gather.get("action") or ""
                document = self.post(connection, action, {**form, "Digits": self.rng.choice(KEYS)})
        connection.close()


PROCESSES = 5


def run_callers(
    port: int, base: str, seconds: float, think: float, seeds: list[int]
) -> tuple[list[float], int]:
    deadline = time.monotonic() + seconds
    callers = [Caller(port, base, deadline, think, seed) for seed in seeds]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    return [x for c in callers for x in c.latencies], sum(c.errors for c in callers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between presses")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--sqlite", action="store_true", help="SQLite even if PostgreSQL runs")
    options = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "INSTANCE_PATH": folder,
            "PUBLIC_BASE_URL": base,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "RATELIMIT_ENABLED": "false",
            "LOG_LEVEL": "WARNING",
            **services(Path(folder), options.sqlite),
        }
        subprocess.run(
            [sys.executable, "-m", "hotline.cli", "db", "upgrade"], env=env, check=True, cwd=ROOT
        )
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--preload", "-w", str(options.workers), "-b",
             f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
            env=env,
            cwd=ROOT,
        )  # fmt: skip
        try:
            for _ in range(100):
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    time.sleep(0.2)
            warm_up = [Caller(port, base, time.monotonic() + 3, 0.0, -n) for n in range(8)]
            for caller in warm_up:  # each worker's first request loads menus and caches
                caller.start()
            for caller in warm_up:
                caller.join()
            # Callers run in several processes so the client's own GIL does not add latency.
            groups = [list(range(g, options.calls, PROCESSES)) for g in range(PROCESSES)]
            started = time.monotonic()
            with multiprocessing.Pool(PROCESSES) as pool:
                results = pool.starmap(
                    run_callers,
                    [(port, base, options.seconds, options.think, seeds) for seeds in groups],
                )
            elapsed = time.monotonic() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
            drop_database(env["DATABASE_URL"])
    latencies = sorted(x for found, _ in results for x in found)
    errors = sum(failed for _, failed in results)
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    database = urlsplit(env["DATABASE_URL"]).scheme
    print(
        f"calls={options.calls} think={options.think}s workers={options.workers} db={database} "
        f"requests={len(latencies)} errors={errors} req/s={len(latencies) / elapsed:.1f} "
        f"p50={statistics.median(latencies):.1f}ms "
        f"p90={latencies[int(len(latencies) * 0.9)]:.1f}ms p99={p99:.1f}ms "
        f"max={latencies[-1]:.1f}ms"
    )


if __name__ == "__main__":
    main()
