"""The floor under ``load.py``: what gunicorn and Flask alone cost on this machine.

Serves a Flask app whose one webhook parses the form and answers a constant TwiML document,
with no signature check, database, Redis or worker, under the stack's own gunicorn settings
(``deploy/gunicorn.conf.py``, 6 sync workers), and sends it ``load.py``'s open-loop arrivals
over fresh loopback connections. What it prints is the least any webhook can cost here, to
set against the full stack's figures (see ``benchmarks/RESULTS.md``).

    .venv/bin/python benchmarks/web_floor.py [--rate 450] [--seconds 30] [--web-workers 6]

Bounded: it stops after --seconds and talks only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

from flask import Flask, Response, request

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.load import (  # noqa: E402
    ACCOUNT_SID,
    HOTLINE_NUMBER,
    Client,
    Tally,
    arrivals,
    free_port,
    report,
)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'
app = Flask(__name__)


@app.post("/twilio/sms")
def sms() -> Response:
    request.form.to_dict(flat=False)  # the form is parsed, as every webhook's is
    return Response(EMPTY_TWIML, mimetype="text/xml")


def gunicorn_cpu(master: int) -> float:
    import psutil

    total = 0.0
    for process in [psutil.Process(master), *psutil.Process(master).children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


async def drive(port: int, rate: float, seconds: float, tally: Tally) -> float:
    client = Client(port, tally)
    rng = random.Random(1)
    form = {"MessageSid": "SM" + "0" * 32, "AccountSid": ACCOUNT_SID, "From": "+996555123456",
            "To": HOTLINE_NUMBER, "Body": "Ак-Жол Групп", "NumMedia": "0"}  # fmt: skip

    async def one() -> None:
        await client.post("floor: sms webhook", client.base + "/twilio/sms", form)

    await arrivals(rate, time.monotonic() + 2, rng, one)  # warm-up, not recorded
    tally.recording = True
    started = time.monotonic()
    await arrivals(rate, started + seconds, rng, one)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=450, help="requests per second")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--web-workers", type=int, default=6)
    options = parser.parse_args()
    if options.seconds > 600:
        parser.error("--seconds is bounded to ten minutes")
    port = free_port()
    env = {**os.environ, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(options.web_workers)}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "benchmarks.web_floor:app"],
        env=env, cwd=ROOT, start_new_session=True,
    )  # fmt: skip
    try:
        time.sleep(3)
        tally = Tally()
        server_before = gunicorn_cpu(server.pid)
        client_before = resource.getrusage(resource.RUSAGE_SELF)
        seconds = asyncio.run(drive(port, options.rate, options.seconds, tally))
        client_after = resource.getrusage(resource.RUSAGE_SELF)
        server_used = gunicorn_cpu(server.pid) - server_before
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    client_used = (client_after.ru_utime + client_after.ru_stime) - (
        client_before.ru_utime + client_before.ru_stime
    )
    requests = sum(len(v) for v in tally.latencies.values())
    print(f"floor: {options.rate:.0f}/s offered for {seconds:.0f} s, "
          f"{options.web_workers} sync gunicorn workers, constant TwiML, no database")  # fmt: skip
    report(tally, seconds)
    print(f"CPU, share of one core: web {server_used / seconds:.0%}, "
          f"load client {client_used / seconds:.0%}")  # fmt: skip
    if requests:
        print(f"CPU per request: web {server_used / requests * 1000:.2f} ms, "
              f"load client {client_used / requests * 1000:.2f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
