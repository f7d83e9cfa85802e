"""Scheduling benchmark (issue 6).

1. A large vaccination centre week: open 24 h × 7 days in 96 quarter-hour slots, 5 priority groups ×
   3 products (6-, 10- and 5-dose vials), 40 staff (6 doctors, 28 nurses, 6 support), 9,000 people to
   book: time to proven optimum or to a 1 % gap per stage, with CP-SAT on 1, 2 and 8 threads.
2. Every site of belgium-2021 with doses in one week (default 8), in-process against Ray with 2
   workers (one CP-SAT thread per site).

Run: ``python -m benchmarks.scheduling [--week 8] [--time-limit 90] [--site-limit 10]``.
"""

from __future__ import annotations

import argparse
import time

from winwin.data import load
from winwin.optimizer import plan
from winwin.optimizer.parallel import InProcessExecutor, RayExecutor
from winwin.optimizer.scheduling.campaign import schedule_campaign
from winwin.optimizer.scheduling.site_week import Need, Person, SiteWeek, Vial, solve_site_week


def large_centre() -> SiteWeek:
    def people(role: str, count: int, cost: float) -> list[Person]:
        return [Person(f"{role}-{i}", role, 10.0, 40.0, 11.0, cost, frozenset(range(7))) for i in range(count)]

    groups = ["g1", "g2", "g3", "g4", "g5"]
    products = {"p6": Vial(6, 6.0), "p10": Vial(10, 6.0), "p5": Vial(5, 3.0)}
    needs = tuple(
        Need(g, p, 1, count) for g, count in zip(groups, (900, 800, 700, 600, 500), strict=True) for p in products
    )
    return SiteWeek(
        "large-centre",
        0,
        15,
        ((0, 96),) * 7,
        (4.0, 6.0, 8.0),
        tuple(people("doctor", 6, 90.0) + people("nurse", 28, 40.0) + people("support", 6, 20.0)),
        {"doctor": 1, "nurse": 2, "support": 1},
        0.0,
        3,
        0.05,
        needs,
        products,
        {g: i + 1 for i, g in enumerate(groups)},
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--week", type=int, default=8)
    parser.add_argument("--time-limit", type=float, default=90.0)
    parser.add_argument("--site-limit", type=float, default=10.0, help="seconds per belgium site")
    parser.add_argument("--skip-centre", action="store_true")
    args = parser.parse_args(argv)
    if not args.skip_centre:
        w = large_centre()
        print("large centre week: 7 × 96 slots, 5 groups × 3 products, 40 staff, 9,450 bookings (5 % no-shows)")
        print(
            "| CP-SAT threads | status | seconds | lateness (bound, gap) | wasted doses (bound) | staff cost (bound) |"
        )
        print("|---|---|---|---|---|---|")
        for threads in (1, 2, 8):
            s = solve_site_week(w, args.time_limit, threads, gap_limit=0.01)
            o, b = s.objectives, s.bounds
            nan = float("nan")
            lateness, bound = o.get("lateness", nan), b.get("lateness", nan)
            gap = abs(lateness - bound) / max(1.0, abs(lateness))
            print(
                f"| {threads} | {s.status.value} | {s.seconds:.1f} | {lateness:,.0f} ({bound:,.0f}, {gap:.2%}) "
                f"| {o.get('wasted_doses', nan):,.1f} ({b.get('wasted_doses', nan):,.1f}) "
                f"| {o.get('staff_cost', nan):,.0f} ({b.get('staff_cost', nan):,.0f}) |"
            )
    sc = load("belgium-2021")
    p = plan(sc, "joint")
    start = time.perf_counter()
    a = schedule_campaign(sc, p, args.week, InProcessExecutor(), time_limit=args.site_limit)
    t_local = time.perf_counter() - start
    ray = RayExecutor(workers=2)
    start = time.perf_counter()
    b = schedule_campaign(sc, p, args.week, ray, time_limit=args.site_limit)
    t_ray = time.perf_counter() - start
    ta, tb = a.totals(), b.totals()
    print(
        f"\nbelgium-2021 week {args.week}: {ta['sites']} sites with doses ({ta['skipped']} without), {args.site_limit:g} s limit per site"
    )
    print("| executor | seconds | statuses | people booked | wasted doses | Ray speed-up |")
    print("|---|---|---|---|---|---|")
    booked_a = sum(ta["appointments_by_group"].values())
    booked_b = sum(tb["appointments_by_group"].values())
    print(f"| in-process | {t_local:.1f} | {ta['status']} | {booked_a:,} | {ta['wasted_doses']:,.1f} | 1.00× |")
    print(
        f"| Ray, 2 workers | {t_ray:.1f} | {tb['status']} | {booked_b:,} | {tb['wasted_doses']:,.1f} | {t_local / t_ray:.2f}× |"
    )


if __name__ == "__main__":
    main()
