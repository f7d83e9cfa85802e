"""Simulation benchmark (issue 7): belgium-2021, 26 weeks, every governance mode.

Per mode: seconds per simulated period and the share spent in the solver (the planner's solves: plans,
re-plans and the execution step). Two baselines beside ours, measured in the same run:

- *past kept*: the same run with retirement switched off — executed periods stay in the solver's
  program with their columns fixed instead of leaving it (``RollingPlanner._retire`` does nothing);
- *rebuilt each period*: building the optimisation model (allocation model, silo baseline, workspace,
  repair columns, rule rows) once per run against rebuilding it every period — the build is timed in
  the same run and the column adds it once per period.

With ``--seeds N`` a second table puts the modes side by side over N seeds (issue 19's targets): mean
realised PX, the share of seeds where a mode's PX is above the silo's, cancellations per 1,000 appointments,
second doses on time, the least partner gain over all seeds (side payments settled) and the gap to the
clairvoyant bound of seed 0 (each planned mode run again knowing every delivery over the whole horizon).

Run: ``python -m benchmarks.simulation [--periods 26] [--lookahead 4] [--modes all] [--seed 0] [--seeds 20]``.
"""

from __future__ import annotations

import argparse
import time
from unittest import mock

import numpy as np

from winwin.data import Scenario, load
from winwin.models import SimulationResult, SimulationSettings, simulate_run
from winwin.models.run import parse_modes, simulate_modes, worse_off
from winwin.optimizer.rolling.planner import RollingPlanner


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="belgium-2021")
    parser.add_argument("--periods", type=int, default=26)
    parser.add_argument("--lookahead", type=int, default=4)
    parser.add_argument("--modes", default="all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=0, help="also the seeds table over this many seeds")
    parser.add_argument("--skip-timing", action="store_true", help="only the seeds table")
    args = parser.parse_args(argv)
    sc = load(args.scenario)
    if not args.skip_timing:
        timing_table(sc, args)
    if args.seeds:
        seeds_table(sc, parse_modes(args.modes, None), args)


def timing_table(sc: Scenario, args: argparse.Namespace) -> None:
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


def seeds_table(sc: Scenario, modes: list[str], args: argparse.Namespace) -> None:
    modes = ["silo", *[m for m in modes if m != "silo"]]
    settings = SimulationSettings(periods=args.periods, lookahead=args.lookahead)
    runs = [simulate_modes(sc, modes, settings, seed, clairvoyant=seed == 0) for seed in range(args.seeds)]
    print()
    print(f"{args.scenario}: {args.seeds} seeds, {args.periods} periods, lookahead {args.lookahead}")
    print("| mode | mean PX | PX above silo | cancelled per 1,000 | 2nd doses on time | least partner gain "
          "| seeds every partner whole | clairvoyant gap (seed 0) | least coverage / central's |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for mode in modes:
        px = np.array([r[mode].kpis["px"].iloc[-1] for r in runs])
        silo = np.array([r["silo"].kpis["px"].iloc[-1] for r in runs])
        p = [r[mode].summary()["patients"] for r in runs]
        least = min(float(r[mode].final["gain"].min()) for r in runs)
        whole = sum(worse_off(r[mode].final).empty for r in runs)
        above = "–" if mode == "silo" else f"{int((px > silo).sum())}/{len(runs)}"
        gap = runs[0][mode].extra["clairvoyant"]["gap"]
        ratio = "–"
        if "central" in modes:
            ratio = f"{min(_coverage_ratio(r[mode], r['central']) for r in runs):.0%}"
        print(
            f"| {mode} | {px.mean():.2f} | {above} | {np.mean([q['cancellations_per_1000'] for q in p]):.1f} "
            f"| {np.mean([q['second_doses_on_time'] for q in p]):.1%} | {least:,.0f} | {whole}/{len(runs)} "
            f"| {gap:+.2f} | {ratio} |"
        )


def _coverage_ratio(run: SimulationResult, central: SimulationResult) -> float:
    """The least, over priority groups, of a run's coverage at the horizon over central's."""
    a, b = run.summary()["coverage"], central.summary()["coverage"]
    return min(a[g] / b[g] for g in a if b[g] > 0)


if __name__ == "__main__":
    main()
