"""Win-win concepts benchmark (issue 4), on one scenario (default ``belgium-2021``):

1. ``compare`` with every concept, re-using one built model and one HiGHS workspace (ours) beside
   rebuilding per concept — a fresh model, silo plan and workspace for each concept, and the win-win
   optimum a split needs solved again (the baseline a script calling ``plan`` per concept would pay).
2. A frontier of N points (default 20) in-process (one workspace) beside Ray with 2 workers (each task
   builds its own model).

Every row is measured in this run; ratios are baseline / ours. Run:
``python -m benchmarks.concepts [--scenario belgium-2021] [--points 20]``.
"""

from __future__ import annotations

import argparse
import time

from winwin.data import load
from winwin.optimizer.concepts import Negotiation, compare, default_concepts
from winwin.optimizer.concepts.frontier import frontier
from winwin.optimizer.parallel import InProcessExecutor, RayExecutor


def _compare_rows(name: str) -> list[tuple[str, float, float]]:
    sc = load(name)
    start = time.perf_counter()
    names = default_concepts(sc)
    ours = compare(sc, names)
    reuse = time.perf_counter() - start
    rows = []
    rebuild_total = 0.0
    for concept in names:
        start = time.perf_counter()
        fresh = compare(load(name), [concept])
        seconds = time.perf_counter() - start
        rebuild_total += seconds
        assert abs(fresh.outcomes[concept].plan.px - ours.outcomes[concept].plan.px) <= 1e-6 * abs(
            ours.outcomes[concept].plan.px
        ), concept
        rows.append((f"compare: {concept}", ours.outcomes[concept].seconds, seconds))
    rows.append((f"compare: all {len(names)} concepts (total)", reuse, rebuild_total))
    return rows


def _frontier_rows(name: str, points: int) -> list[tuple[str, float, float]]:
    sc = load(name)
    start = time.perf_counter()
    a = frontier(sc, points, executor=InProcessExecutor(), negotiation=Negotiation(sc, transfers="none"))
    serial = time.perf_counter() - start
    ray = RayExecutor(workers=2)
    start = time.perf_counter()
    b = frontier(sc, points, executor=ray)
    parallel = time.perf_counter() - start
    assert len(a.points) == len(b.points)
    return [(f"frontier: {points} points, in-process (baseline) vs Ray 2 workers (ours)", parallel, serial)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="belgium-2021")
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--skip-frontier", action="store_true")
    args = parser.parse_args(argv)
    rows = _compare_rows(args.scenario)
    if not args.skip_frontier:
        rows += _frontier_rows(args.scenario, args.points)
    print(f"scenario {args.scenario}; seconds, measured in one run")
    print(f"| {'measurement':<72} | {'ours s':>8} | {'baseline s':>10} | {'baseline/ours':>13} |")
    print(f"|{'-' * 74}|{'-' * 10}|{'-' * 12}|{'-' * 15}|")
    for label, ours, base in rows:
        ratio = f"{base / ours:12.2f}×" if ours >= 1e-3 else f"{'—':>13}"
        print(f"| {label:<72} | {ours:8.2f} | {base:10.2f} | {ratio} |")


if __name__ == "__main__":
    main()
