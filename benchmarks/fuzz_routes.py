"""Fuzz every route outside the console with N hostile requests each, and print what they got.

Runs ``tests/fuzz/test_routes.py`` (one hypothesis test per route, strategies from
``tests/fuzz/routes.py``) with ``FUZZ_CASES=N``: one pytest process per route, ``--jobs`` at
a time, each logging to ``--ledgers`` and recording every answer's status in the fuzz ledger.
Then prints one row per route: cases sent, 5xx answers, the other statuses, and the seconds
the route's test took.

    .venv/bin/python benchmarks/fuzz_routes.py [--cases 10000] [--jobs 2]
        [--databases sqlite] [--redis-url redis://127.0.0.1:6379/10]

The exit status is 1 when any route answered a 5xx or its test failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TEST = "tests/fuzz/test_routes.py::test_hostile_requests_never_cause_a_server_error"


def _child(out: Path, node_ids: list[str]) -> int:
    """Run the given fuzz tests here, writing the ledger to ``out`` after each one."""
    import pytest

    outcomes: dict[str, dict[str, Any]] = {}

    class Reporter:
        def pytest_runtest_logreport(self, report: Any) -> None:
            if report.when != "call":
                return
            from tests.fuzz.probes import LEDGER  # imported by the run: the same ledger

            case = report.nodeid.rsplit("[", 1)[1].rstrip("]")  # "sqlite-/twilio/sms"
            statuses = dict(LEDGER.statuses.get(case.split("-", 1)[1], Counter()))
            outcomes[case] = {
                "seconds": report.duration,
                "outcome": report.outcome,
                "statuses": statuses,
            }
            out.write_text(json.dumps(outcomes))  # a partial run still leaves its figures

    return int(pytest.main(["-q", "-p", "no:logging", *node_ids], plugins=[Reporter()]))


def _routes() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from tests.fuzz.routes import FUZZERS

    return sorted(FUZZERS)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="hostile requests per route")
    parser.add_argument("--jobs", type=int, default=2, help="pytest processes in parallel")
    parser.add_argument("--databases", default="sqlite", help="sqlite, postgresql or both")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    parser.add_argument("--ledgers", type=Path, help="keep the per-process ledgers here")
    parser.add_argument("--table-only", action="store_true", help="print --ledgers, run nothing")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.child:
        return _child(args.child, rest)

    with tempfile.TemporaryDirectory() as scratch:
        folder = args.ledgers or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        codes: list[int] = []
        started = time.perf_counter()
        if not args.table_only:
            codes = _run(args, folder)
        elapsed = time.perf_counter() - started
        results: dict[str, dict[str, Any]] = {}
        for out in sorted(folder.glob("ledger-*.json")):
            results.update(json.loads(out.read_text()))
    print(f"\n{args.cases:,} cases per route, databases {args.databases}, {elapsed:,.0f} s")
    return _table(results, args.databases.split(",")) or int(any(codes))


def _run(args: argparse.Namespace, folder: Path) -> list[int]:
    """One pytest process per route and database, ``--jobs`` at a time, each with its log."""
    databases = args.databases.split(",")
    ids = [f"{TEST}[{db}-{rule}]" for rule in _routes() for db in databases]
    env = {**os.environ, "FUZZ_CASES": str(args.cases), "FUZZ_DATABASES": args.databases}
    env["TEST_REDIS_URL"] = args.redis_url

    def run(numbered: tuple[int, str]) -> int:
        n, node_id = numbered
        with (folder / f"log-{n}.txt").open("w") as log:
            command = [sys.executable, __file__, "--child", str(folder / f"ledger-{n}.json")]
            done = subprocess.run([*command, node_id], cwd=ROOT, env=env, stdout=log, check=False)
        print(f"{node_id.rsplit('[', 1)[1][:-1]}: exit {done.returncode}", flush=True)
        return done.returncode

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        return list(pool.map(run, enumerate(ids)))


def _table(results: dict[str, dict[str, Any]], databases: list[str]) -> int:
    """Print one row per route and database; return 1 when any answered a 5xx or failed."""
    print("\n| route | database | cases | 5xx | other statuses | seconds | test |")
    print("|---|---|---:|---:|---|---:|---|")
    failures = 0
    for rule, db in ((rule, db) for rule in _routes() for db in databases):
        missing = {"statuses": {}, "seconds": 0.0, "outcome": "not run"}
        result = results.get(f"{db}-{rule}", missing)
        statuses = Counter({int(k): v for k, v in result["statuses"].items()})
        server_errors = sum(n for status, n in statuses.items() if status >= 500)
        others = ", ".join(f"{s}: {n:,}" for s, n in sorted(statuses.items()) if s < 500)
        failures += server_errors + (result["outcome"] != "passed")
        print(
            f"| `{rule}` | {db} | {sum(statuses.values()):,} | {server_errors} | {others} "
            f"| {result['seconds']:,.0f} | {result['outcome']} |"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
