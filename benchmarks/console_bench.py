"""Time the staff console's pages with 100,000 contacts and 1,000 campaigns (PostgreSQL).

A fresh database gets the demo agency registry, 100,000 contacts, 1,000 campaigns with 100
recipients each, and a month of SMS and agency checks (``generate_series``); then an admin
logs in through the Flask test client and each main page is requested ``--rounds`` times
after two warm-ups. Prints the table rows each page shows (so an empty page is noticed),
median and worst time per page; the target is every page under 200 ms.

    .venv/bin/python benchmarks/console_bench.py [--rounds 20]

Bounded: fixed counts, loopback PostgreSQL and Redis db 12 only.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.campaign_bench import (  # noqa: E402
    CONTACTS_SQL,
    REDIS_URL,
    clean_redis,
    fresh_database,
)

PASSWORD = "benchmark password"  # noqa: S105 - a loopback-only account
FILL_SQL = [
    CONTACTS_SQL.format(count=100_000),
    """INSERT INTO campaigns (name, messages, fallback_order, audience, send_at, send_until,
        window_start, window_end, rate_per_second, holdout, state, created_by, approved_by,
        provider, created_at, launched_at)
       SELECT 'Campaign ' || g, '{"ru": "Не платите агентам.", "uz": "Pul to''lamang."}',
        '["ru"]', '{}', now() - interval '2 days', now() + interval '5 days', '09:00', '20:00',
        20, 0.1, (ARRAY['draft','sending','done','paused'])[1 + g % 4], 'a@h.example',
        'b@h.example', 'twilio', now() - g * interval '1 hour', now() - interval '1 day'
       FROM generate_series(1, 1000) AS g""",
    """INSERT INTO recipients (campaign_id, contact_id, phone, language, timezone, status,
        attempts, segments, updated_at)
       SELECT c.id, k.id, k.phone, 'ru', 'Asia/Bishkek',
        (ARRAY['pending','sent','delivered','failed','skipped'])[1 + (k.id + c.id) % 5],
        1, 1, now()
       FROM campaigns c JOIN contacts k ON k.id % 1000 = c.id % 1000 AND k.id <= 100000""",
    """INSERT INTO messages (direction, provider, provider_id, phone, contact_id, body, status,
        segments, encoding, created_at, updated_at)
       SELECT (ARRAY['inbound','outbound'])[1 + g % 2], 'twilio', 'SM' || md5(g::text),
        '+996' || (500000000 + g % 100000)::text, 1 + g % 100000, 'CHECK agency', 'processed',
        1, 'GSM-7', now() - (g % 30) * interval '1 day', now()
       FROM generate_series(1, 30000) AS g""",
    """INSERT INTO verifications (channel, contact_id, query, verdict, created_at)
       SELECT 'sms', 1 + g % 100000, 'agency ' || g,
        (ARRAY['licensed','not_found','revoked','ambiguous'])[1 + g % 4],
        now() - (g % 30) * interval '1 day'
       FROM generate_series(1, 20000) AS g""",
    "ANALYZE",
]
PAGES = [
    "/console/dashboard",
    "/console/campaigns",
    "/console/campaigns?page=10",
    "/console/campaigns/{campaign}",
    "/console/contacts",
    "/console/contacts?number=%2B996500050000",
    "/console/contacts?language=ky&region=Osh",
    "/console/contacts/{contact}",
    "/console/registry?q=Ak+Zhol+Travel",
    "/console/registry/checks",
    "/console/prompts",
    "/console/prompts/menu",
    "/console/callbacks",
    "/console/users",
    "/console/users/audit",
]


def fill(database_url: str) -> dict[str, float]:
    import psycopg

    began = time.monotonic()
    with psycopg.connect(database_url, autocommit=True) as connection:
        for statement in FILL_SQL:
            connection.execute(statement)  # type: ignore[arg-type]
    return {"fill_seconds": time.monotonic() - began}


def measure(database_url: str, rounds: int) -> list[tuple[str, int, int, float, float]]:
    from hotline import create_app
    from hotline.config import Settings
    from hotline.demo import load_demo_data
    from hotline.runtime import runtime
    from hotline.staff import add_user

    with tempfile.TemporaryDirectory() as folder:
        env = {"INSTANCE_PATH": folder, "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL,
               "LOG_LEVEL": "WARNING", "RATELIMIT_ENABLED": "false"}  # fmt: skip
        app = create_app(Settings.from_env(env))
        state = runtime(app)
        load_demo_data(app)  # a registry to search (the fictional demo one)
        with state.sessions() as session:
            add_user(session, "admin@hotline.example", "admin", PASSWORD)
            session.commit()
            campaign = session.execute(_sql("SELECT max(id) FROM campaigns")).scalar()
            contact = session.execute(_sql("SELECT 50000")).scalar()
        client = app.test_client()
        page = client.get("/console/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        login = {"email": "admin@hotline.example", "password": PASSWORD, "csrf_token": token[1]}
        client.post("/console/login", data=login)
        results = []
        for template in PAGES:
            path = template.format(campaign=campaign, contact=contact)
            status = 0
            for _ in range(2):
                status = client.get(path).status_code
            times = []
            for _ in range(rounds):
                began = time.perf_counter()
                status = client.get(path).status_code
                times.append((time.perf_counter() - began) * 1000)
            rows = client.get(path).get_data(as_text=True).count("<tr")
            results.append((path, status, rows, statistics.median(times), max(times)))
        state.engine.dispose()
    return results


def _sql(text: str) -> Any:
    from sqlalchemy import text as sql_text

    return sql_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    options = parser.parse_args()
    with fresh_database() as database_url, clean_redis():
        filled = fill(database_url)
        print(f"filled in {filled['fill_seconds']:.1f}s", flush=True)
        results = measure(database_url, options.rounds)
    worst = 0.0
    for path, status, rows, median, slowest in results:
        worst = max(worst, slowest)
        print(f"{path:<45} {status} {rows:>4} table rows  median {median:7.1f} ms  "
              f"worst {slowest:7.1f} ms")  # fmt: skip
    print(f"slowest page: {worst:.1f} ms (target: under 200 ms)")


if __name__ == "__main__":
    main()
