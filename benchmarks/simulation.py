"""Simulation benchmark (issue 7): belgium-2021, 26 weeks, every governance mode.

Per mode: seconds per simulated period and the share spent in the solver (the planner's solves: plans,
re-plans and the execution step). Two baselines beside ours, measured in the same run:

- *past kept*: the same run with retirement switched off — executed periods stay in the solver's
  program with their columns fixed instead of leaving it (``RollingPlanner._retire`` does nothing);
- *rebuilt each period*: building the optimisation model (allocation model, silo baseline, workspace,
  repair columns, rule rows) once per run against rebuilding it every period — the build is timed in
  the same run and the column adds it once per period.

Run: ``python -m benchmarks.simulation [--periods 26] [--lookahead 4] [--modes all] [--seed 0]``.
"""

from __future__ import annotations

import argparse
import time
from unittest import mock

from winwin.data import load
from winwin.models import SimulationSettings, simulate_run
from winwin.models.run import parse_modes
from winwin.optimizer.rolling.planner import RollingPlanner


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="belgium-2021")
    parser.add_argument("--periods", type=int, default=26)
    parser.add_argument("--lookahead", type=int, default=4)
    parser.add_argument("--modes", default="all")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    sc = load(args.scenario)
    start = time.perf_counter()
    RollingPlanner(sc, lookahead=args.lookahead)
    build = time.perf_counter() - start
    print(f"{args.scenario}: {args.periods} periods, lookahead {args.lookahead}, seed {args.seed}; "
          f"model build {build:.2f} s")  # fmt: skip
    print("| mode | seconds | s / period | solver share | PX | cancellations | win-win periods "
          "| past kept (s) | past kept / ours | rebuilt each period (s) | rebuilt / ours |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for mode in parse_modes(args.modes, None):
        settings = SimulationSettings(mode=mode, periods=args.periods, lookahead=args.lookahead)
        r = simulate_run(sc, settings, args.seed)
        with mock.patch.object(RollingPlanner, "_retire", lambda *_: None):
            kept = simulate_run(sc, settings, args.seed).seconds
        n = len(r.kpis)
        share = r.solver_seconds / r.seconds if r.seconds else 0.0
        rebuilt = r.seconds + (n - 1) * build if mode != "silo" else r.seconds
        s = r.summary()
        print(
            f"| {mode} | {r.seconds:.1f} | {r.seconds / n:.2f} | {share:.0%} | {s['px']:.2f} "
            f"| {s['cancellations']:,.0f} | {s['win_win_periods']}/{n} | {kept:.1f} | {kept / r.seconds:.2f}× "
            f"| {rebuilt:.1f} | {rebuilt / r.seconds:.2f}× |"
        )


if __name__ == "__main__":
    main()
