"""Judge the agency check on registries it has never seen, per class of query (issue 14).

Each seed builds a new fictional registry (``tests/agencies/synthetic.py``: invented names in
Kyrgyz, Uzbek, Russian and English styles, families sharing head words, a dozen licence schemes
two of them invented for the seed), imports it as a CSV file and asks ``verify()`` the labelled
queries of ``tests/agencies/synthetic_queries.py``. ``right`` is the share answered as a careful
person would; ``licensed!`` is the share wrongly answered "licensed" for an agency the query
does not name. Run as ``.venv/bin/python benchmarks/agency_check.py`` (``--show N`` prints N
failures per class).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.agencies.synthetic import generate_registry  # noqa: E402
from tests.agencies.synthetic_check import answering  # noqa: E402
from tests.agencies.synthetic_queries import ClassFigures, score, synthetic_queries  # noqa: E402

# What the acceptance asks of each class: (least share right, most share "licensed" wrongly).
TARGETS = {
    "registered": (0.97, 1.0),
    "sibling": (0.97, 1.0),
    "licence": (1.0, 0.0),
    "unknown_licence": (1.0, 0.0),
    "shared_head": (0.90, 1.0),
    "shared_head/risky": (0.90, 0.0),
    "decoy": (0.0, 0.005),
    "decoy/distinctive": (0.0, 0.0),
    "decoy/trade": (0.0, 0.005),
    "unregistered": (0.0, 0.005),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="registries to build (default 10)")
    parser.add_argument("--first-seed", type=int, default=1_000)
    parser.add_argument("--size", type=int, default=2_000, help="agencies per registry")
    parser.add_argument("--per-class", type=int, default=400, help="queries per class")
    parser.add_argument("--show", type=int, default=0, help="failures to print per class")
    args = parser.parse_args()
    totals: dict[str, ClassFigures] = {}
    started = time.perf_counter()
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        registry = generate_registry(args.size, seed)
        queries = synthetic_queries(registry, seed, args.per_class)
        with answering(registry) as answer:
            figures = score(queries, answer)
        for name, figure in figures.items():
            total = totals.setdefault(name, ClassFigures())
            total.total += figure.total
            total.right += figure.right
            total.dangerous += figure.dangerous
            total.failures += figure.failures
    print(
        f"{args.seeds} registries of {args.size} agencies (seeds {args.first_seed}..."
        f"{args.first_seed + args.seeds - 1}), {time.perf_counter() - started:.0f} s"
    )
    print(f"{'class':<20}{'queries':>8}{'right':>9}{'licensed!':>11}  target")
    missed = 0
    for name, (least_right, most_dangerous) in TARGETS.items():
        figure = totals.get(name, ClassFigures())
        ok = figure.right_share >= least_right and figure.dangerous_share <= most_dangerous
        missed += not ok
        target = []
        if least_right:
            target.append(f"right >= {least_right:.0%}")
        if most_dangerous < 1:
            target.append(f"licensed! <= {most_dangerous:.1%}")
        print(
            f"{name:<20}{figure.total:>8}{figure.right_share:>9.1%}{figure.dangerous_share:>11.2%}"
            f"  {', '.join(target):<38}{'ok' if ok else 'MISSED'}"
        )
    if args.show:
        for name, figure in totals.items():
            for query, reply in figure.failures[: args.show]:
                wanted = query.agency_id or sorted(query.family)
                print(
                    f"  {name}: {query.how}: {query.text!r} -> {reply.answer}"
                    f" licensed={reply.licensed} agency={reply.agency_id}"
                    f" want={wanted} got={sorted(reply.candidates)[:6]}"
                )
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
