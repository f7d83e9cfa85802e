"""The robust win-win plan over sampled futures (issue 22): its time against the deterministic plan's, the
two decisions judged on the same fresh futures, and the SAA gap that chooses K. One run.

- **time**: the extensive form with K futures (ours) against the deterministic plan on mean deliveries
  (K = 1, the baseline), both on the reduced model with the win-win rows;
- **out of sample** (K = ``--futures``): robust win-win and the deterministic win-win (planned on mean
  deliveries) on the same ``--test-futures`` fresh futures: E[PX], the share of futures where every partner
  ends whole (contingent settlement of the surplus), appointments kept, the least partner's 5 % worst gain;
  VSS and EVPI with standard errors;
- **scenario subproblems**: the out-of-sample recourses in this process against the Ray executor (K =
  ``--ray-futures``);
- **SAA gap** (multiple replications, Mak–Morton–Wood) for each K of ``--gap-futures``.

Run: ``python -m benchmarks.robust [--scenario belgium-2021] [--futures 20] [--test-futures 50]
[--gap-futures 5,10,20] [--replications 3]``.
"""

from __future__ import annotations

import argparse
from typing import Any

from winwin.data import load
from winwin.optimizer.robust.robust import RobustSettings, robust_plan
from winwin.robust_view import plus_minus


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="belgium-2021")
    parser.add_argument("--futures", type=int, default=20)
    parser.add_argument("--test-futures", type=int, default=50)
    parser.add_argument("--gap-futures", default="5,10,20")
    parser.add_argument("--replications", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ray-futures", type=int, default=5, help="K of the in-process vs Ray comparison (0: skip)")
    args = parser.parse_args(argv)
    sc = load(args.scenario)
    base = robust_plan(sc, RobustSettings(futures=1, seed=args.seed, test_futures=0))
    runs: dict[int, Any] = {}
    for k in sorted({args.futures, *(int(v) for v in args.gap_futures.split(",") if v)}):
        settings = RobustSettings(
            futures=k, seed=args.seed, test_futures=args.test_futures if k == args.futures else 0,
            replications=args.replications if str(k) in args.gap_futures.split(",") else 0,
        )  # fmt: skip
        runs[k] = robust_plan(sc, settings)
    print(f"{args.scenario}: robust win-win (CVaR β 0.95), seed {args.seed}, one run\n")
    print(
        "| K | extensive form (columns × rows) | status | plan s | baseline K = 1 s | ratio | E[PX − costs] in sample |"
    )
    print("|---|---|---|---|---|---|---|")
    b = base.seconds["plan"]
    for k, r in runs.items():
        f = r.model["extensive_form"]
        print(f"| {k} | {f['columns']:,} × {f['rows']:,} | {r.status.value} | {r.seconds['plan']:.1f} | {b:.1f} | "
              f"{r.seconds['plan'] / b:.1f}× | {r.objective:.4f} |")  # fmt: skip
    payload = runs[args.futures].to_dict()
    oos = payload.get("out_of_sample")
    if oos:
        print(
            f"\nout of sample: {oos['test_futures']} fresh futures, the same for both decisions and the clairvoyant\n"
        )
        print(
            "| decision | E[PX] ± s.e. | E[PX − costs] ± s.e. | every partner whole | appointments kept | least 5 % worst gain | surplus 5 % worst |"
        )
        print("|---|---|---|---|---|---|---|")
        for name in ("deterministic_winwin", "robust_winwin"):
            e = oos[name]
            print(f"| {name} | {plus_minus(e['px'])} | {plus_minus(e['objective'])} | {100 * e['whole_share']:.1f} % | "
                  f"{100 * e['appointments_kept']:.2f} % | {min(e['worst_5pct_gain'].values()):,.0f} | "
                  f"{e['surplus_5pct']:,.0f} |")  # fmt: skip
        print(f"| clairvoyant | — | {plus_minus(oos['clairvoyant_objective'])} | — | 100 % | — | — |")
        print(f"\nVSS {plus_minus(oos['vss'], 6)} points; EVPI {plus_minus(oos['evpi'], 6)} points; "
              f"out-of-sample evaluation {runs[args.futures].seconds['out_of_sample']:.0f} s")  # fmt: skip
    if args.ray_futures:
        from winwin.optimizer.parallel import RayExecutor

        k = args.ray_futures
        settings = RobustSettings(futures=k, seed=args.seed, test_futures=args.test_futures)
        here = robust_plan(sc, settings)
        there = robust_plan(sc, settings, RayExecutor())
        same = here.to_dict()["out_of_sample"] == there.to_dict()["out_of_sample"]
        a, b = here.seconds["out_of_sample"], there.seconds["out_of_sample"]
        print(f"\nthe out-of-sample recourses (3 × {args.test_futures} scenario subproblems, K = {k}), one run\n")
        print("| executor | seconds | in-process / this | same figures |")
        print("|---|---|---|---|")
        print(f"| in process, one workspace (baseline) | {a:.1f} | 1.00× | — |")
        print(f"| Ray, chunks of 10 futures (Ray started inside) | {b:.1f} | {a / b:.2f}× | {same} |")
    gaps = [(k, r.gap) for k, r in runs.items() if r.gap is not None]
    if gaps:
        print(f"\nSAA gap, {args.replications} replications each (points of E[PX − costs])\n")
        print("| K | gap per replication | mean | 95 % upper bound | seconds |")
        print("|---|---|---|---|---|")
        for k, g in gaps:
            reps = ", ".join(f"{v:.2e}" for v in g.replications)
            print(f"| {k} | {reps} | {g.mean:.2e} | {g.upper:.2e} | {runs[k].seconds['saa_gap']:.0f} |")


if __name__ == "__main__":
    main()
