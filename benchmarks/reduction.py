"""The reduced planning model against the full one (issue 20), one run, belgium-2021 by default.

Each row runs one task twice in this process, on the full model (``exact``) and on the reduced one
(interchangeable sites merged, answers lifted to every site and checked at full resolution), and prints
seconds side by side with their ratio and the answers' difference:

- ``plan``: the joint plan (PX, columns and rows of both models);
- ``compare``: every concept of the deal sheet;
- ``frontier``: the Pareto frontier, 5 points, in process;
- ``coalitions``: the game by role, in process (``--skip-full-game`` leaves out its full side: ~7 min);
- ``simulate MODE``: a 26-week simulation, seed 0; realised PX of both runs. Runs on the two models
  agree to the solver's ties only: the execution step has many optima of equal value (which of two
  interchangeable centres gets a shipment), so the states drift apart by ties.

Run: ``python -m benchmarks.reduction [--scenario belgium-2021] [--modes central,winwin,nash] [--skip-full-game]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from winwin.data import load
from winwin.models import SimulationSettings, simulate_run
from winwin.optimizer.concepts import deal_sheet, frontier, plan
from winwin.optimizer.games.coalitions import coalition_game, players_of


def timed(task: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = task()
    return out, time.perf_counter() - start


def row(name: str, full_s: float | None, ours_s: float, full: str, ours: str, model: str) -> None:
    ratio = f"{full_s / ours_s:.1f}×" if full_s is not None and ours_s > 0 else "—"
    fs = f"{full_s:.1f}" if full_s is not None else "not run"
    print(f"| {name} | {fs} | {ours_s:.1f} | {ratio} | {full} | {ours} | {model} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="belgium-2021")
    parser.add_argument("--modes", default="central,winwin,nash")
    parser.add_argument("--periods", type=int, default=None)
    parser.add_argument("--skip-full-game", action="store_true")
    args = parser.parse_args(argv)
    sc = load(args.scenario)
    print(f"{args.scenario}: full model vs reduced (interchangeable sites merged), one run, in process\n")
    print("| task | full model s | reduced s | full / reduced | answer, full | answer, reduced | reduced model |")
    print("|---|---|---|---|---|---|---|")

    (pf, tf), (pr, tr) = timed(lambda: plan(sc, "joint", exact=True)), timed(lambda: plan(sc, "joint"))
    red = pr.reduction
    size = (
        f"{red['columns']['reduced']:,} of {red['columns']['full']:,} columns, {red['rows']['reduced']:,} of "
        f"{red['rows']['full']:,} rows, {red['sites_merged']} sites merged"
        if red.get("model") == "reduced"
        else red.get("fallback", "full")
    )
    row("plan (joint)", tf, tr, f"PX {pf.px:.9f}", f"PX {pr.px:.9f} (Δ {abs(pr.px - pf.px):.1e})", size)

    (cf, tf), (cr, tr) = timed(lambda: deal_sheet(sc, exact=True)), timed(lambda: deal_sheet(sc))
    delta = max(
        abs(cr.outcomes[k].plan.px - cf.outcomes[k].plan.px) for k in cf.outcomes if cf.outcomes[k].plan.has_plan
    )
    certified = sum(bool(o.certificate and o.certificate.holds) for o in cr.outcomes.values())
    row(
        f"compare ({len(cf.outcomes)} concepts)", tf, tr, f"PX winwin {cf.outcomes['winwin'].plan.px:.6f}",
        f"max Δ PX {delta:.1e}; {certified} certified", cr.extra["model"]["model"],
    )  # fmt: skip

    (ff, tf), (fr, tr) = timed(lambda: frontier(sc, 5, exact=True)), timed(lambda: frontier(sc, 5))
    gap = max(abs(a.px - b.px) for a, b in zip(fr.points, ff.points, strict=False))
    row("frontier (5 points)", tf, tr, f"{len(ff.points)} points", f"{len(fr.points)} points, max Δ PX {gap:.1e}",
        fr.model["model"])  # fmt: skip

    players = players_of(sc, "role")
    gr, tr = timed(lambda: coalition_game(sc, players))
    if args.skip_full_game:
        row("coalitions by role (32)", None, tr, "—", f"v(N) {gr.game.v[-1]:,.0f}", gr.model["model"])
    else:
        gf, tf = timed(lambda: coalition_game(sc, players, full_model=True))
        worst = float(abs(gr.game.v - gf.game.v).max())
        row("coalitions by role (32)", tf, tr, f"v(N) {gf.game.v[-1]:,.0f}", f"max |Δv| {worst:.2e}",
            gr.model["model"])  # fmt: skip

    for mode in args.modes.split(","):
        base = {"mode": mode, "periods": args.periods}
        rf = simulate_run(sc, SimulationSettings(**base, exact=True), 0)
        rr = simulate_run(sc, SimulationSettings(**base), 0)
        pf_, pr_ = rf.summary()["px"], rr.summary()["px"]
        model = rr.extra.get("model", {})
        row(
            f"simulate {mode} ({len(rr.kpis)} weeks)", rf.seconds, rr.seconds, f"PX {pf_:.4f}",
            f"PX {pr_:.4f} (Δ {pr_ - pf_:+.4f})", model.get("fallback") or model.get("model", "?"),
        )  # fmt: skip


if __name__ == "__main__":
    main()
