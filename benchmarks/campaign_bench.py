"""Time an SMS campaign end to end against the loopback Twilio, and enrolment of a million.

Throughput: a fresh PostgreSQL database, Redis db 12 and the fake Twilio REST API (a Python
``ThreadingHTTPServer``, run in its own process). First the fake's own maximum rate is measured
(client processes x threads POSTing Messages.json over keep-alive connections; the best of
the listed thread counts), then N contacts are inserted, a campaign is created, approved and
launched at 10,000 messages/s (the highest rate a definition allows, so pacing is not the
limit), and two ``hotline worker`` processes send it.
Prints messages/s from launch until every recipient is final, the provider's maximum, their
ratio, and how many numbers the fake texted more than once (must be 0).

Audience: a fresh database with 1,000,000 mixed contacts (``generate_series``), then times
``launch()`` (the enrolment ``INSERT ... SELECT``) and the first ``dispatch_campaign()`` (leasing
and enqueueing the first batches in Redis), in a child process whose peak RSS is reported.
PostgreSQL's own memory is not included: it is a separate server. ``--rounds`` also times that
many further dispatch rounds back to back, until every recipient has been leased.

    .venv/bin/python benchmarks/campaign_bench.py [--part both|throughput|audience]
        [--recipients 100000] [--contacts 1000000] [--rounds 0] [--timeout 1200]
        [--provider-latency 0.0] [--client-threads 8,32]

Bounded: every loop stops after a count or a deadline; it only talks to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.client
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.services import fresh_database, provider_process  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/12"
ACCOUNT_SID = "AC" + "b" * 32
TOKEN = "bench-token"  # noqa: S105 - a loopback-only test secret
SENDER = "+996312000000"
WORKERS = 2
CAMPAIGN = """
name: Benchmark campaign
messages:
  ky: "Улуу Британияга мезгилдик жумуш: агенттикке акча төлөбөңүз."
  ru: "Сезонная работа в Великобритании: не платите агентам."
  uz: "Buyuk Britaniyada mavsumiy ish: agentlarga pul to'lamang."
send_window: "00:00-23:59"
rate_per_second: 10000
"""
SPAWN = multiprocessing.get_context("spawn")


# --- services ------------------------------------------------------------------------------


@contextmanager
def clean_redis() -> Iterator[None]:
    """Redis db 12, flushed before and after."""
    import redis

    connection = redis.Redis.from_url(REDIS_URL, socket_timeout=10)
    connection.flushdb()
    try:
        yield
    finally:
        connection.flushdb()
        connection.close()


def hotline_env(database_url: str, provider_url: str, folder: str) -> dict[str, str]:
    return {
        **os.environ,
        "INSTANCE_PATH": folder,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "HOTLINE_PROVIDER": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_FROM": SENDER,
        "TWILIO_API_URL": provider_url,
        "PUBLIC_BASE_URL": "http://127.0.0.1:9",  # only quoted as StatusCallback; never called
        "RATELIMIT_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
    }


def make_app(env: dict[str, str]) -> Any:
    from hotline import create_app
    from hotline.config import Settings

    return create_app(Settings.from_env(env))


# --- the fake provider, in its own process -------------------------------------------------


def serve_provider(control: Connection, latency: float) -> None:
    """Run ``FakeTwilioApi`` until told to stop; answer ``reset`` and ``stats`` on ``control``.

    Its own process, so the fake's GIL is not shared with the benchmark's bookkeeping.
    """
    from tests.fakes.provider_api import FakeTwilioApi

    api = FakeTwilioApi(ACCOUNT_SID, TOKEN)
    api.start()
    control.send(api.url)
    try:
        while control.poll(3600):
            command = control.recv()
            usage = resource.getrusage(resource.RUSAGE_SELF)
            cpu = usage.ru_utime + usage.ru_stime
            if command == "reset":
                api.reset()
                api.faults.delay_seconds = latency  # a real provider's round trip, if asked
                control.send(cpu)
            elif command == "stats":
                texted = Counter(m["to"] for m in list(api.messages))
                extra = sum(count - 1 for count in texted.values() if count > 1)
                control.send({"messages": sum(texted.values()), "numbers": len(texted),
                              "duplicates": extra, "cpu": cpu})  # fmt: skip
            else:
                break
    finally:
        api.stop()


def ask(control: Connection, command: str) -> Any:
    control.send(command)
    if not control.poll(60):
        raise RuntimeError(f"the fake provider did not answer {command!r}")
    return control.recv()


def post_messages(url: str, seconds: float, threads: int, offset: int) -> tuple[int, int]:
    """POST Messages.json from ``threads`` keep-alive clients for ``seconds``: (ok, errors)."""
    parts = urlsplit(url)
    path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{TOKEN}".encode()).decode()
    headers = {
        "Authorization": f"Basic {credentials}",
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
    }
    deadline = time.monotonic() + seconds
    tallies: list[tuple[int, int]] = []

    def client(number: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        ok = errors = 0
        for n in range(1_000_000):  # bounded; the deadline ends it long before
            if time.monotonic() >= deadline:
                break
            form = {"To": f"+7{offset + number * 1_000_000 + n}", "From": SENDER,
                    "Body": "Сезонная работа в Великобритании: не платите агентам.",
                    "StatusCallback": "http://127.0.0.1:9/twilio/status"}  # fmt: skip
            try:
                connection.request("POST", path, body=urlencode(form), headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1  # e.g. reset when the fake's listen backlog (5) overflows
                connection.close()  # http.client reconnects on the next request
                continue
            if response.status == 201:
                ok += 1
            else:
                errors += 1
        connection.close()
        tallies.append((ok, errors))

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(ok for ok, _ in tallies), sum(errors for _, errors in tallies)


def provider_maximum(url: str, seconds: float, processes: int, threads: int) -> tuple[float, int]:
    """Requests/s the fake answers with every client pushing as fast as it can."""
    started = time.monotonic()
    with SPAWN.Pool(processes) as pool:
        results = pool.starmap(
            post_messages, [(url, seconds, threads, p * 100_000_000) for p in range(processes)]
        )
    elapsed = time.monotonic() - started
    return sum(ok for ok, _ in results) / elapsed, sum(errors for _, errors in results)


# --- part 1: throughput --------------------------------------------------------------------


def insert_contacts(app: Any, count: int) -> None:
    """Bulk-insert contacts with consent, as the campaign tests do, in chunks."""
    from sqlalchemy import insert

    from hotline.db import utcnow
    from hotline.models import Contact
    from hotline.runtime import runtime

    languages = ["ky", "ru", "uz", "kaa"]
    regions = ["Bishkek", "Osh", "Naryn", None]
    consent = dt.date(2026, 1, 1)
    with runtime(app).sessions() as session:
        for start in range(0, count, 10_000):
            rows = [
                {"phone": f"+996{555_000_000 + n}", "country": "KG",
                 "language": languages[n % 4], "region": regions[n % 4],
                 "consent_date": consent, "opted_out": False, "created_at": utcnow()}
                for n in range(start, min(start + 10_000, count))
            ]  # fmt: skip
            session.execute(insert(Contact), rows)
            session.commit()


@contextmanager
def workers(env: dict[str, str], count: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", "worker"],
            env=env,
            cwd=ROOT,
            start_new_session=True,  # its work horses share the group, so all stop together
        )
        for _ in range(count)
    ]
    try:
        yield started
    finally:
        for process in started:
            process.terminate()  # RQ: warm shutdown after the current job
        for process in started:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def wait_for_workers(app: Any, count: int, limit: float = 60) -> None:
    from rq import Worker

    from hotline.runtime import runtime

    deadline = time.monotonic() + limit
    while Worker.count(connection=runtime(app).redis) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{count} workers did not register within {limit:.0f} s")
        time.sleep(0.2)


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def send_campaign(app: Any, options: argparse.Namespace) -> dict[str, Any]:
    """Launch a campaign to every contact and wait until each recipient is final."""
    from hotline.db import utcnow
    from hotline.runtime import runtime
    from sms_campaigns.definition import parse_campaign
    from sms_campaigns.lifecycle import approve, counts, create_campaign, launch
    from workers.campaigns import schedule_dispatch

    state = runtime(app)
    started = time.monotonic()
    with state.sessions() as session:
        campaign = create_campaign(session, parse_campaign(CAMPAIGN), "twilio", utcnow())
        approve(session, campaign, "second@hotline.example", utcnow())
        returned = launch(session, campaign, utcnow())
        session.commit()
        campaign_id, send_at = campaign.id, campaign.send_at
    enrolled_in = time.monotonic() - started
    with app.app_context():
        schedule_dispatch(campaign_id, max(send_at, utcnow()))
    found: dict[str, int] = {}
    for _ in range(int(options.timeout)):  # one poll a second, as an operator's status would
        time.sleep(1)
        with state.sessions() as session:
            found = counts(session, campaign_id)
        if found["pending"] + found["sending"] == 0:
            break
    elapsed = time.monotonic() - started
    batches = sum(1 for _ in state.redis.scan_iter(f"rq:job:campaign-{campaign_id}-batch-*"))
    return {"counts": found, "elapsed": elapsed, "enrolled_in": enrolled_in,
            "launch_returned": returned, "batch_jobs": batches}  # fmt: skip


def throughput(options: argparse.Namespace) -> None:
    from hotline.runtime import runtime
    from workers.campaigns import batch_size

    with (
        tempfile.TemporaryDirectory() as folder,
        fresh_database("hotline_bench", migrate=True) as database_url,
        clean_redis(),
        provider_process(serve_provider, options.provider_latency) as (provider_url, control),
    ):
        # The best of a few client shapes: the fake's maximum, not one client's.
        tries = {
            threads: provider_maximum(
                provider_url, options.max_seconds, options.client_processes, threads
            )
            for threads in options.client_threads
        }
        maximum = max(rate for rate, _ in tries.values())
        max_errors = sum(errors for _, errors in tries.values())
        shapes = ", ".join(
            f"{options.client_processes}x{threads}={rate:.0f}/s"
            for threads, (rate, _) in tries.items()
        )
        provider_cpu = ask(control, "reset")
        env = hotline_env(database_url, provider_url, folder)
        app = make_app(env)
        insert_contacts(app, options.recipients)
        cpu_before, workers_before = machine_cpu(), children_cpu()
        with workers(env, WORKERS):
            wait_for_workers(app, WORKERS)
            run = send_campaign(app, options)
            cpu_after = machine_cpu()
        workers_cpu = children_cpu() - workers_before  # the workers and their work horses
        stats = ask(control, "stats")
        runtime(app).engine.dispose()
    found = run["counts"]
    recipients = sum(found.values())
    sent = found["sent"]
    rate = sent / run["elapsed"]
    busy = (cpu_after[0] - cpu_before[0]) / max(cpu_after[1] - cpu_before[1], 1)
    others = {status: n for status, n in found.items() if n and status != "sent"}
    print(
        f"throughput: recipients={recipients} workers={WORKERS} rate_per_second=10000 "
        f"sent={sent} other={others} elapsed={run['elapsed']:.1f}s "
        f"(enrol {run['enrolled_in']:.1f}s) messages/s={rate:.1f} "
        f"provider_max={maximum:.1f}/s (best of {shapes}; errors={max_errors}) "
        f"latency={options.provider_latency}s "
        f"ratio={rate / maximum:.2f} provider_received={stats['messages']} "
        f"duplicates={stats['duplicates']} batch_jobs={run['batch_jobs']} "
        f"(minimum {-(-recipients // batch_size(10_000))}) "
        f"launch_returned={run['launch_returned']} "
        f"cpu: machine_busy={busy:.0%} workers={workers_cpu:.0f}s "
        f"provider={stats['cpu'] - provider_cpu:.0f}s",
        flush=True,
    )


# --- part 2: audience at scale ---------------------------------------------------------------

CONTACTS_SQL = """
INSERT INTO contacts (phone, country, language, region, destination, stage, gender,
                      consent_date, opted_out, opted_out_at, created_at)
SELECT '+996' || (500000000 + g)::text,
       (ARRAY['KG','KG','KG','UZ','RU','KZ'])[1 + g % 6],
       (ARRAY['ky','ru','uz','kaa',NULL])[1 + (g / 3) % 5],
       (ARRAY['Bishkek','Osh','Jalal-Abad','Naryn','Tashkent','Moscow','Novosibirsk',
              'Almaty','Istanbul','Seoul',NULL,NULL])[1 + (g / 7) % 12],
       (ARRAY['RU','KZ','TR','KR','GB','DE',NULL])[1 + (g / 11) % 7],
       (ARRAY['intending','departing','abroad','returned','family',NULL])[1 + (g / 13) % 6],
       (ARRAY['f','m',NULL])[1 + (g / 17) % 3],
       CASE WHEN g % 29 = 0 THEN NULL ELSE DATE '2025-01-01' + (g % 600) END,
       g % 50 = 7,
       CASE WHEN g % 50 = 7 THEN now() AT TIME ZONE 'UTC' END,
       now() AT TIME ZONE 'UTC'
FROM generate_series(1, {count}) AS g
"""


def timed_launch(app: Any) -> dict[str, Any]:
    """Create and approve a campaign, then time ``launch()`` and its commit."""
    from hotline.db import utcnow
    from hotline.runtime import runtime
    from sms_campaigns.definition import parse_campaign
    from sms_campaigns.lifecycle import approve, create_campaign, launch

    with runtime(app).sessions() as session:
        campaign = create_campaign(session, parse_campaign(CAMPAIGN), "twilio", utcnow())
        approve(session, campaign, "second@hotline.example", utcnow())
        session.commit()
        began = time.monotonic()
        returned = launch(session, campaign, utcnow())
        session.commit()
        return {"campaign_id": campaign.id, "enrol": time.monotonic() - began,
                "launch_returned": returned}  # fmt: skip


def audience_in_child(count: int, rounds: int) -> dict[str, Any]:
    """Insert ``count`` contacts, then time launch() and dispatching (in its own process)."""
    import psycopg
    from sqlalchemy import func, select
    from sqlalchemy.exc import DataError

    from hotline.models import Recipient
    from hotline.runtime import runtime
    from workers.campaigns import dispatch_campaign

    found: dict[str, Any] = {"contacts": count, "error": None}
    with (
        tempfile.TemporaryDirectory() as folder,
        fresh_database("hotline_bench", migrate=True) as database_url,
        clean_redis(),
    ):
        with psycopg.connect(database_url, autocommit=True) as connection:
            began = time.monotonic()
            connection.execute(CONTACTS_SQL.format(count=int(count)))
            connection.execute("ANALYZE contacts")
            found["loaded"] = time.monotonic() - began
            row = connection.execute(
                "SELECT count(*) FROM contacts WHERE NOT opted_out AND consent_date IS NOT NULL"
            ).fetchone()
            found["eligible"] = int(row[0]) if row else -1
        app = make_app(hotline_env(database_url, "http://127.0.0.1:9", folder))
        state = runtime(app)
        found["rss_before_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        try:
            found.update(timed_launch(app))
        except DataError as exc:
            found["error"] = str(exc.orig).strip()
            return found
        campaign_id = found["campaign_id"]
        with app.app_context():
            began = time.monotonic()
            first = dispatch_campaign(campaign_id)
            found["dispatch"] = time.monotonic() - began
            found["dispatched"] = first["dispatched"]
            found["jobs"] = state.queues.queue("default").count
            leased, slowest, started = first["dispatched"], found["dispatch"], time.monotonic()
            for _ in range(rounds):  # later rounds, back to back (normally 5 s apart)
                began = time.monotonic()
                leased += dispatch_campaign(campaign_id)["dispatched"]
                slowest = max(slowest, time.monotonic() - began)
            found.update(rounds_leased=leased, slowest_round=slowest,
                         rounds_time=time.monotonic() - started)  # fmt: skip
        with state.sessions() as session:
            found["stored"] = session.scalar(
                select(func.count()).where(Recipient.campaign_id == campaign_id)
            )
        state.engine.dispose()
    found["rss_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return found


def audience(options: argparse.Namespace) -> None:
    with SPAWN.Pool(1) as pool:
        found = pool.apply(audience_in_child, (options.contacts, options.rounds))
    if found["error"]:
        print(f"audience: launch() FAILED: {found['error']}", flush=True)
        return
    label = "audience"
    total = found["enrol"] + found["dispatch"]
    verdict = "ok" if found["stored"] == found["eligible"] else "MISMATCH"
    later = (
        f"; {options.rounds} more rounds in {found['rounds_time']:.1f}s leased "
        f"{found['rounds_leased']} in all, slowest round {found['slowest_round']:.2f}s"
        if options.rounds
        else ""
    )
    print(
        f"{label}: contacts={found['contacts']} (inserted in {found['loaded']:.1f}s) "
        f"eligible={found['eligible']} enrolled={found['stored']} [{verdict}] "
        f"launch_returned={found['launch_returned']} launch={found['enrol']:.1f}s "
        f"first_dispatch={found['dispatch']:.2f}s (leased {found['dispatched']}, "
        f"{found['jobs']} jobs queued{later}) total={total:.1f}s "
        f"peak_rss={found['rss_peak_mb']:.0f}MB (before launch {found['rss_before_mb']:.0f}MB; "
        f"PostgreSQL not included)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["both", "throughput", "audience"], default="both")
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument(
        "--rounds", type=int, default=0, help="audience: time this many more dispatch rounds"
    )
    parser.add_argument("--timeout", type=float, default=1200, help="seconds for the campaign")
    parser.add_argument("--max-seconds", type=float, default=10, help="provider maximum run")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument(
        "--client-threads",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[8, 32],
        help="threads per client process; each listed shape is measured, the best counts",
    )
    parser.add_argument(
        "--provider-latency", type=float, default=0.0, help="seconds the fake waits per request"
    )
    options = parser.parse_args()
    if options.part in ("both", "throughput"):
        throughput(options)
    if options.part in ("both", "audience"):
        audience(options)


if __name__ == "__main__":
    main()
