"""Time agency verification on synthetic registries of 200, 10,000 and 100,000 agencies.

The hotline answers each SMS inside a request, so a lookup has to stay within a few
milliseconds even for a registry far larger than today's (about 300 agencies in KG and UZ).
Two lines per size: ``matcher`` is ``NameIndex.match`` alone; ``verify`` is the whole
``hotline.agencies.verify.verify`` call the SMS worker and the API make (registry version check
against the database, match, licence verdict), on a migrated SQLite database.
Run as ``.venv/bin/python benchmarks/verify_bench.py [--sizes 10000] [--registry synthetic]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import datetime as dt  # noqa: E402
import tempfile  # noqa: E402

from sqlalchemy import insert  # noqa: E402

from hotline.agencies.matching import Match, NameIndex, RegistryName  # noqa: E402
from hotline.agencies.verify import RegistryIndex, verify  # noqa: E402
from hotline.db import make_engine, make_session_factory  # noqa: E402
from hotline.migrations import upgrade_database  # noqa: E402
from hotline.models import Agency, RegistryImport  # noqa: E402
from tests.agencies.noisy_queries import generate_queries, generate_registry  # noqa: E402
from tests.agencies.synthetic import generate_registry as generate_synthetic_registry  # noqa: E402
from tests.agencies.synthetic_queries import synthetic_queries  # noqa: E402

SIZES = (200, 10_000, 100_000)
# Per-query clock: wall time by default; ``--clock cpu`` counts only this thread's CPU time,
# which a machine busy with other work does not inflate.
clock = time.perf_counter
QUERIES = 2_000


def mixed_queries(registry: list[RegistryName], count: int = QUERIES, seed: int = 3) -> list[str]:
    """Draw ``count`` queries: noisy registered names, decoys and licence numbers, shuffled."""
    rng = random.Random(seed)
    sample = rng.sample(registry, min(len(registry), count // 4))
    labelled = [q.query for q in generate_queries(sample, per_agency=3, decoys_per_agency=1)]
    licences = [f"№ {agency.licence_no}" for agency in rng.sample(sample, len(sample) // 8)]
    queries = (labelled + licences) * (1 + count // max(len(labelled) + len(licences), 1))
    rng.shuffle(queries)
    return queries[:count]


def time_lookups(match: Callable[[str], Match], queries: list[str]) -> list[float]:
    """Return the latency of each query in milliseconds."""
    latencies = []
    for query in queries:
        start = clock()
        match(query)
        latencies.append((clock() - start) * 1000)
    return latencies


def report(kind: str, size: int, build: float, latencies: list[float]) -> None:
    latencies = sorted(latencies)
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(
        f"{kind:<8} agencies={size:>7,}  build={build:6.2f}s  queries={len(latencies)}  "
        f"p50={p50:6.3f}ms  p99={p99:6.3f}ms  max={latencies[-1]:6.2f}ms"
    )


def verify_latencies(registry: list[RegistryName], queries: list[str]) -> tuple[float, list[float]]:
    """Load ``registry`` into a fresh SQLite database and time ``verify`` on each query."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade_database(url)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        today = dt.date(2026, 11, 25)
        with sessions() as session:
            record = RegistryImport(registry_code="KG", as_of=today, source_name="bench")
            session.add(record)
            session.flush()
            session.execute(
                insert(Agency),
                [
                    {
                        "id": agency.agency_id,
                        "registry_code": "KG",
                        "licence_no": agency.licence_no,
                        "name": agency.name,
                        "aliases": list(agency.aliases),
                        "status": "active",
                        "valid_until": dt.date(2027, 12, 31),
                        "destinations": ["RU", "KR"],
                        "status_since": today,
                        "import_id": record.id,
                    }
                    for agency in registry
                ],
            )
            session.commit()
        index = RegistryIndex()
        with sessions() as session:
            start = time.perf_counter()
            index.snapshot(session)
            build = time.perf_counter() - start
            latencies = []
            for query in queries:
                began = clock()
                verify(session, index, query, today)
                latencies.append((clock() - began) * 1000)
        engine.dispose()
    return build, latencies


def synthetic_case(size: int) -> tuple[list[RegistryName], list[str]]:
    """Issue 14's adversarial registry and its labelled queries (every class), shuffled."""
    registry = generate_synthetic_registry(size, seed=size)
    queries = [q.text for q in synthetic_queries(registry, seed=size, per_class=QUERIES // 7)]
    random.Random(size).shuffle(queries)
    return registry.names(), queries[:QUERIES]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="registry sizes")
    parser.add_argument(
        "--registry",
        choices=("noisy", "synthetic"),
        default="noisy",
        help="noisy: issue 3's generator; synthetic: issue 14's families, schemes and decoys",
    )
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    args = parser.parse_args()
    global clock
    clock = time.thread_time if args.clock == "cpu" else time.perf_counter
    for size in (int(s) for s in args.sizes.split(",")):
        if args.registry == "synthetic":
            registry, queries = synthetic_case(size)
        else:
            registry = generate_registry(size, seed=size)
            queries = mixed_queries(registry)
        start = time.perf_counter()
        index = NameIndex(registry)
        build = time.perf_counter() - start
        report("matcher", size, build, time_lookups(index.match, queries))
        report("verify", size, *verify_latencies(registry, queries))


if __name__ == "__main__":
    main()
