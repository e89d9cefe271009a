"""Replay a campaign-announcement hour against ``hotline stack`` on loopback and time every route.

What it starts: a fresh PostgreSQL database, Redis db 7 (flushed), a fake Twilio REST API in
its own process, and ``hotline stack`` (gunicorn + RQ workers) on a free port. What it sends,
signed as Twilio signs, arriving as Poisson processes (open loop: a slow server does not slow
the arrivals down, so queueing shows up in the latencies as it would in production):

- IVR calls: each call rings ``/twilio/voice``, then presses keys on the menus it hears (4 to
  12 presses, a person's 0.2-0.8 s between them), following each ``<Gather action>``;
- inbound SMS: agency names and licence numbers from the registry, countries, keywords, some
  garbage, from Kyrgyz and Uzbek numbers; the RQ workers answer each through the fake Twilio;
- status callbacks: for replies the fake Twilio accepted, a ``delivered`` report posted to the
  message's StatusCallback URL, as Twilio does.

    .venv/bin/python benchmarks/load.py [--seconds 60] [--ivr-rate 200] [--sms-rate 200]
        [--status-rate 50] [--web-workers 6] [--workers 2] [--worker-nice 10]

Prints requests/s, p50/p99/max per route and errors, and how far the workers kept up.
Bounded: it stops after --seconds, talks only to 127.0.0.1 and removes what it created.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.services import fresh_database, provider_process  # noqa: E402
from tests.signing import twilio_signature  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/7"
ACCOUNT_SID = "AC" + "7" * 32
TOKEN = "load-token"  # noqa: S105 - a loopback-only test secret
HOTLINE_NUMBER = "+996312000000"
KEYS = "1234567890*#"


# --- what people send ----------------------------------------------------------------------


def sms_bodies() -> list[str]:
    """Texts as families send them: registry names and numbers, countries, keywords, noise."""
    from hotline.agencies.registry_file import demo_registry_csv, parse_registry_csv

    rows = parse_registry_csv(demo_registry_csv())
    names = [row.name for row in rows]
    licences = [row.licence_no for row in rows]
    bodies = names + [n.lower() for n in names] + licences + [f"CHECK {n}" for n in names[:20]]
    bodies += ["Россия", "Russia", "Korea", "Казахстан", "Turkiya", "RULES UK", "Германия"]
    bodies += ["HELP", "ПОМОЩЬ", "LANG UZ", "TIL KY", "REPORT Telegram recruiter took passport"]
    bodies += ["???", "", "ok", "Салам", "Ассалому алайкум, ишга кетмоқчиман", "12345"]
    return bodies


def sender(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"+99655{rng.randrange(1_000_000, 9_999_999)}"
    return f"+99890{rng.randrange(1_000_000, 9_999_999)}"


# --- the fake provider, in its own process -------------------------------------------------


def serve_provider(control: Connection) -> None:
    """Run the fake Twilio; on ``accepted`` send (and forget) what it accepted since last asked."""
    from tests.fakes.provider_api import FakeTwilioApi, RecordedRequest

    class Provider(FakeTwilioApi):
        def answer(self, request: RecordedRequest) -> tuple[int, dict[str, Any]]:
            status, body = super().answer(request)
            if status == 201 and request.path.endswith("/Messages.json"):
                body = {**body, "status_callback": request.value("StatusCallback")}
                with self._lock:
                    self.messages[-1] = body
            return status, body

    api = Provider(ACCOUNT_SID, TOKEN)
    api.start()
    control.send(api.url)
    handed = 0
    try:
        while control.poll(3600):
            command = control.recv()
            if command != "accepted":
                break
            with api._lock:
                new = api.messages[handed:]
                handed = len(api.messages)
            control.send([(m["sid"], m["to"], m.get("status_callback")) for m in new])
    finally:
        api.stop()


# --- the stack -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_stack(
    options: argparse.Namespace, database_url: str, provider_url: str, port: int, folder: str
) -> Iterator[subprocess.Popen[bytes]]:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {
        **os.environ,
        "INSTANCE_PATH": folder,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "HOTLINE_PROVIDER": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_FROM": HOTLINE_NUMBER,
        "TWILIO_API_URL": provider_url,
        "LOG_LEVEL": "WARNING",
        # The hourly reply budget is a spend cap sized to the busiest real hour (docs/security.md);
        # this run is that hour, so every text is answered and the answering is measured.
        "SMS_REPLIES_PER_COUNTRY_HOUR": "100000000",
    }
    stack = subprocess.Popen(
        [sys.executable, "-m", "hotline.cli", "stack", "--demo", "--bind", f"127.0.0.1:{port}",
         "--web-workers", str(options.web_workers), "--workers", str(options.workers),
         "--worker-nice", str(options.worker_nice)],
        env=env, cwd=ROOT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while not _healthy(port):
            if time.monotonic() > deadline or stack.poll() is not None:
                raise RuntimeError("the stack did not come up")
            time.sleep(0.3)
        yield stack
    finally:
        os.killpg(stack.pid, signal.SIGTERM)
        try:
            stack.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)
        redis.Redis.from_url(REDIS_URL).flushdb()


def _healthy(port: int) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:  # noqa: S310
            return bool(answer.status == 200)
    except OSError:
        return False


# --- the load ------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    statuses: dict[str, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    recording: bool = False
    on_recording: Any = None


class Client:
    """Signed Twilio webhooks over fresh loopback connections (gunicorn's sync workers close)."""

    def __init__(self, port: int, tally: Tally) -> None:
        self.port, self.base, self.tally = port, f"http://127.0.0.1:{port}", tally

    async def post(self, route: str, url: str, form: dict[str, str]) -> str | None:
        path = url.removeprefix(self.base)
        body = urlencode(form).encode()
        signature = twilio_signature(TOKEN, self.base + path, form)
        request = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"X-Twilio-Signature: {signature}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode() + body
        started = time.perf_counter()
        status = 0
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", self.port), 15
            )
            writer.write(request)
            answer = await asyncio.wait_for(reader.read(), 15)
            writer.close()
            head, _, payload = answer.partition(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1]) if head else 0
        except (OSError, TimeoutError, ValueError, IndexError):
            payload = b""
        if self.tally.recording:
            self.tally.latencies[route].append((time.perf_counter() - started) * 1000)
            self.tally.statuses[route][status] += 1
            if status != 200:
                self.tally.errors[route] += 1
        return payload.decode("utf-8", "replace") if status == 200 else None


async def one_call(client: Client, rng: random.Random) -> None:
    form = {"CallSid": "CA" + uuid.uuid4().hex, "AccountSid": ACCOUNT_SID,
            "From": sender(rng), "To": HOTLINE_NUMBER, "CallStatus": "in-progress"}  # fmt: skip
    document = await client.post("ivr: call starts", client.base + "/twilio/voice", form)
    for _ in range(rng.randrange(4, 13)):
        if not document:
            return
        gather = ET.fromstring(document).find("Gather")  # noqa: S314 - the stack's own answer
        if gather is None or not gather.get("action"):
            return
        await asyncio.sleep(rng.uniform(0.2, 0.8))
        pressed = {**form, "Digits": rng.choice(KEYS)}
        document = await client.post("ivr: key pressed", gather.get("action", ""), pressed)


async def one_sms(client: Client, rng: random.Random, bodies: list[str]) -> None:
    form = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT_SID,
            "From": sender(rng), "To": HOTLINE_NUMBER, "Body": rng.choice(bodies),
            "NumMedia": "0"}  # fmt: skip
    await client.post("sms: inbound", client.base + "/twilio/sms", form)


async def one_status(client: Client, sid: str, to: str, url: str) -> None:
    form = {"MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT_SID, "From": HOTLINE_NUMBER,
            "To": to, "MessageStatus": "delivered", "SmsStatus": "delivered"}  # fmt: skip
    await client.post("sms: status callback", url, form)


async def arrivals(rate: float, until: float, rng: random.Random, start: Any) -> None:
    """Start ``start()`` as a Poisson process of ``rate`` per second until ``until``."""
    tasks: set[asyncio.Task[None]] = set()
    if rate <= 0:
        return
    next_at = time.monotonic()
    while next_at < until:
        next_at += rng.expovariate(rate)
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        task = asyncio.create_task(start())
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks, timeout=30)


async def status_reports(
    client: Client, control: Connection, rate: float, until: float, rng: random.Random
) -> int:
    """Report ``delivered`` for replies the fake accepted, at up to ``rate`` per second."""
    loop = asyncio.get_running_loop()
    backlog: list[tuple[str, str, str]] = []
    sent = 0
    tasks: set[asyncio.Task[None]] = set()

    def fetch() -> list[tuple[str, str, str]]:
        control.send("accepted")
        return [m for m in control.recv() if m[2]]

    next_at = time.monotonic()
    while time.monotonic() < until:
        if not backlog:
            backlog = await loop.run_in_executor(None, fetch)
            rng.shuffle(backlog)
            if not backlog:
                await asyncio.sleep(0.5)
                next_at = time.monotonic()
                continue
        next_at += rng.expovariate(rate)
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        task = asyncio.create_task(one_status(client, *backlog.pop()))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        sent += 1
    if tasks:
        await asyncio.wait(tasks, timeout=30)
    return sent


async def replay(
    options: argparse.Namespace, port: int, control: Connection, tally: Tally
) -> float:
    client = Client(port, tally)
    rng = random.Random(options.seed)
    bodies = sms_bodies()
    # Requests per call, as measured: the first, then presses until a menu ends the call (a
    # caller who asks for a callback or hears a verdict hangs up early).
    steps_per_call = 7.0
    warm_until = time.monotonic() + options.warm_up
    await asyncio.gather(
        arrivals(options.ivr_rate / steps_per_call, warm_until, rng, lambda: one_call(client, rng)),
        arrivals(options.sms_rate, warm_until, rng, lambda: one_sms(client, rng, bodies)),
    )
    if tally.on_recording is not None:
        tally.on_recording()
    tally.recording = True
    started = time.monotonic()
    until = started + options.seconds
    await asyncio.gather(
        arrivals(options.ivr_rate / steps_per_call, until, rng, lambda: one_call(client, rng)),
        arrivals(options.sms_rate, until, rng, lambda: one_sms(client, rng, bodies)),
        status_reports(client, control, options.status_rate, until, rng),
    )
    return time.monotonic() - started


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, max(0, int(len(values) * share + 0.5) - 1))]


def report(tally: Tally, seconds: float) -> None:
    print(f"{'route':<22} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'max ms':>7} {'errors':>6}")  # fmt: skip
    for route in sorted(tally.latencies):
        values = sorted(tally.latencies[route])
        print(f"{route:<22} {len(values):>8} {len(values) / seconds:>7.1f} "
              f"{percentile(values, 0.5):>7.1f} {percentile(values, 0.99):>7.1f} "
              f"{values[-1]:>7.1f} {tally.errors[route]:>6}")  # fmt: skip
        odd = {s: n for s, n in tally.statuses[route].items() if s != 200}
        if odd:
            print(f"{'':<22} statuses other than 200: {odd}")


def cpu_by_role(stack_pid: int, database: str) -> dict[str, float]:
    """CPU seconds used so far by the web, the RQ workers, this database's backends (those that
    outlive the run; short-lived ones are missed) and the whole machine."""
    import psutil

    used: dict[str, float] = defaultdict(float)
    times = psutil.cpu_times()
    used["machine (both cores)"] = times.user + times.nice + times.system + times.softirq
    processes = psutil.Process(stack_pid).children(recursive=True) + [
        p for p in psutil.process_iter(["cmdline"]) if database in " ".join(p.info["cmdline"] or [])
    ]
    for process in processes:
        try:
            command = " ".join(process.cmdline())
            times = process.cpu_times()
        except psutil.Error:
            continue
        role = ("postgresql" if database in command else "web" if "gunicorn" in command
                else "workers" if "worker" in command or "rq" in command else "other")  # fmt: skip
        used[role] += times.user + times.system + times.children_user + times.children_system
    return used


def workers_kept_up(database_url: str) -> str:
    """How many inbound SMS were answered and replies sent, and how many still waited, when the
    load stopped (a reply withheld says why: ``no_reply:...``)."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT direction, status, coalesce(error_code, ''), count(*) FROM messages"
            " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        ).fetchall()
    return ", ".join(
        f"{direction} {status}{f' ({why})' if why else ''}: {count}"
        for direction, status, why, count in rows
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warm-up", type=float, default=5)
    parser.add_argument("--ivr-rate", type=float, default=200, help="IVR requests per second")
    parser.add_argument("--sms-rate", type=float, default=200, help="inbound SMS per second")
    parser.add_argument("--status-rate", type=float, default=50, help="status callbacks/s")
    parser.add_argument("--web-workers", type=int, default=6)
    parser.add_argument("--worker-nice", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="RQ worker processes")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    if options.seconds > 3600:
        parser.error("--seconds is bounded to an hour")

    port = free_port()
    tally = Tally()
    with (
        tempfile.TemporaryDirectory() as folder,
        fresh_database("hotline_load") as database_url,
        provider_process(serve_provider) as (provider_url, control),
        running_stack(options, database_url, provider_url, port, folder) as stack,
    ):
        database = database_url.rsplit("/", 1)[1]
        tally.on_recording = lambda: roles_before.update(cpu_by_role(stack.pid, database))
        roles_before: dict[str, float] = {}
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        seconds = asyncio.run(replay(options, port, control, tally))
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        roles_after = cpu_by_role(stack.pid, database)
        answered = workers_kept_up(database_url)
    client_cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (
        cpu_before.ru_utime + cpu_before.ru_stime
    )
    print(
        f"load: {seconds:.0f} s, target ivr={options.ivr_rate}/s sms={options.sms_rate}/s "
        f"status={options.status_rate}/s; web workers={options.web_workers}, "
        f"RQ workers={options.workers}; load client CPU {client_cpu / seconds:.0%} of a core"
    )
    report(tally, seconds)
    print("CPU, share of one core: " + ", ".join(
        f"{role} {(roles_after[role] - roles_before.get(role, 0.0)) / seconds:.0%}"
        for role in sorted(roles_after)))  # fmt: skip
    ivr = sum(len(v) for k, v in tally.latencies.items() if k.startswith("ivr"))
    print(f"IVR steps/s: {ivr / seconds:.1f}; texts when the load stopped: {answered}")
    used = {role: roles_after[role] - roles_before.get(role, 0.0) for role in roles_after}
    print_capacity(tally, used, client_cpu)


# What the acceptance of issue 8 asks this machine for, per second.
TARGET = {"ivr": 200.0, "sms": 200.0, "status": 50.0}


def print_capacity(tally: Tally, used: dict[str, float], client_cpu: float) -> None:
    """CPU per request by role, and the cores the target rates would take at that cost."""
    webhooks = sum(len(values) for values in tally.latencies.values())
    texts = len(tally.latencies.get("sms: inbound", []))
    if not webhooks or not texts:
        return
    per_webhook = {role: used.get(role, 0.0) / webhooks for role in ("web", "postgresql")}
    per_webhook["load client"] = client_cpu / webhooks
    per_text = used.get("workers", 0.0) / texts  # answering and sending one reply
    print("CPU per request: " + ", ".join(
        f"{role} {seconds * 1000:.2f} ms" for role, seconds in per_webhook.items())
        + f"; workers {per_text * 1000:.2f} ms per text answered")  # fmt: skip
    target_webhooks = sum(TARGET.values())
    cores = sum(per_webhook.values()) * target_webhooks + per_text * TARGET["sms"]
    print(
        f"at that cost, {TARGET['ivr']:.0f} IVR steps/s + {TARGET['sms']:.0f} SMS/s + "
        f"{TARGET['status']:.0f} status/s would take {cores:.2f} cores busy (the machine has "
        f"{os.cpu_count()}; p99 under 100 ms wants headroom beyond that)"
    )


if __name__ == "__main__":
    main()
