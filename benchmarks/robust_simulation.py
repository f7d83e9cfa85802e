"""Robust planner in the simulation (issue 22, part 7): belgium-2021, 26 weeks, N seeds, side by side.

Every column of a seed lives in the same world (the seed's deliveries, disruptions and noise):

- ``silo``: the partners' own rules;
- ``winwin``: the deterministic planner (the coming weeks on the belief's newsvendor quantile);
- ``robust winwin``: the robust planner (each week K futures sampled from the same belief, bookings made
  over them, every partner whole at CVaR level β, ``--keep`` of the bookings kept in expectation);
- ``clairvoyant winwin``: every delivery known in advance, the whole horizon as one window (the bound of
  perfect information; disruptions stay surprises).

Per column: mean realised PX (± s.e. over seeds), its share of the clairvoyant's, the seeds where it beats the
deterministic winwin (paired), cancellations per 1,000 appointments, seeds where every partner ends whole
(side payments settled), seconds per run. Runs go through the executor (``--ray``: a local Ray cluster), one
task per (seed, column).

Run: ``python -m benchmarks.robust_simulation [--seeds 20] [--futures 10] [--ray]``.
"""

from __future__ import annotations

import argparse

import numpy as np

from winwin.data import load
from winwin.models import SimulationResult, SimulationSettings
from winwin.models.run import ModeRun, run_mode, worse_off
from winwin.optimizer.parallel import Executor, InProcessExecutor, TaskFailure

COLUMNS = ("silo", "winwin", "robust winwin", "clairvoyant winwin")


def settings_of(column: str, futures: int, periods: int) -> SimulationSettings:
    base = SimulationSettings(periods=periods)
    if column == "silo":
        return base.model_copy(update={"mode": "silo"})
    if column == "winwin":
        return base
    if column == "robust winwin":
        return base.model_copy(update={"planner": "robust", "futures": futures})
    return base.model_copy(update={"clairvoyant": True, "lookahead": None})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="belgium-2021")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--futures", type=int, default=10)
    parser.add_argument("--periods", type=int, default=None, help="weeks simulated (default: the horizon)")
    parser.add_argument("--ray", action="store_true", help="run the tasks on a local Ray cluster")
    args = parser.parse_args(argv)
    sc = load(args.scenario)
    tasks = [ModeRun(sc, settings_of(c, args.futures, args.periods), s) for s in range(args.seeds) for c in COLUMNS]
    executor: Executor = InProcessExecutor()
    if args.ray:
        from winwin.optimizer.parallel import RayExecutor

        executor = RayExecutor()
    runs: dict[tuple[int, str], SimulationResult] = {}
    for i, result in executor.stream(run_mode, tasks):
        seed, column = divmod(i, len(COLUMNS))
        if isinstance(result, TaskFailure):
            raise SystemExit(f"seed {seed}, {COLUMNS[column]}: {result.error}\n{result.traceback}")
        runs[seed, COLUMNS[column]] = result
    table(runs, args)


def table(runs: dict[tuple[int, str], SimulationResult], args: argparse.Namespace) -> None:
    seeds = range(args.seeds)
    px = {c: np.array([float(runs[s, c].kpis["px"].iloc[-1]) for s in seeds]) for c in COLUMNS}
    bound = px["clairvoyant winwin"].mean()
    print(
        f"{args.scenario}: {args.periods or 'all'} weeks, {args.seeds} seeds, robust planner K = {args.futures} futures"
    )
    print("| column | mean PX ± s.e. | of clairvoyant | above det. winwin (paired) | cancelled per 1,000 "
          "| seeds every partner whole | s / run |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for c in COLUMNS:
        v = px[c]
        se = v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else 0.0
        above = int((v > px["winwin"] + 1e-9).sum())
        cancel = np.mean([runs[s, c].patients["cancellations_per_1000"] for s in seeds])
        whole = sum(worse_off(runs[s, c].final).empty for s in seeds)
        secs = np.mean([runs[s, c].seconds for s in seeds])
        print(f"| {c} | {v.mean():.3f} ± {se:.3f} | {v.mean() / bound:.2%} | {above}/{v.size} | {cancel:.1f} "
              f"| {whole}/{v.size} | {secs:.1f} |")  # fmt: skip
    diff = px["robust winwin"] - px["winwin"]
    se = diff.std(ddof=1) / np.sqrt(diff.size) if diff.size > 1 else 0.0
    print(f"\nrobust − deterministic winwin, paired: {diff.mean():+.3f} ± {se:.3f} PX points")
    fallbacks = [len(runs[s, "robust winwin"].extra.get("planner", {}).get("deterministic_weeks", [])) for s in seeds]
    print(f"weeks the robust planner fell back to the deterministic plan: {sum(fallbacks)} in {args.seeds} runs")


if __name__ == "__main__":
    main()
