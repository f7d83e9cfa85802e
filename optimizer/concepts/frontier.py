"""The exact Pareto frontier of patient experience against the partners' gain (DESIGN §5).

Two objectives: ``PX`` and ``f`` = the partners' total gain over the silo (or one partner's gain), with
no transfers and no individual rationality (the frontier shows the trade-off itself; transfers do not
change the total). By the ε-constraint method with AUGMECON's slack:

1. payoff table, lexicographically: ``A`` = max PX then max f (the joint plan), ``B`` = max f then max PX
   (the gain-maximising plan);
2. for targets ``e_i`` spread evenly over ``[f(A), f(B)]``: max PX subject to ``f − s = e_i``, ``s ≥ 0``,
   then max the slack ``s`` with PX held. AUGMECON adds ``δ·s/r`` to the objective; the lexicographic
   form used here is its exact limit (no δ to tune), and every point it returns is Pareto-optimal;
3. duplicates and dominated points are removed.

Each point is a full plan. Points are independent: they run through an
:class:`~winwin.optimizer.parallel.Executor` (in-process re-using one workspace, or on Ray).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from winwin.data import Scenario
from winwin.data.errors import InputError, SolverError, problem
from winwin.optimizer.allocation.aggregate import reduce_sites, relative_violation
from winwin.optimizer.allocation.joint import LIFT_TOLERANCE, TIE_TOLERANCE
from winwin.optimizer.allocation.model import build_allocation_model
from winwin.optimizer.allocation.result import Plan
from winwin.optimizer.allocation.silo import silo_plan
from winwin.optimizer.concepts.negotiation import Negotiation
from winwin.optimizer.lp.solvers import SolveStatus
from winwin.optimizer.parallel import Executor, InProcessExecutor


@dataclass
class FrontierPoint:
    target: float
    px: float
    gain: float
    plan: Plan

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "px": self.px, "gain": self.gain}


@dataclass
class Frontier:
    scenario: Scenario
    partner: str | None
    points: list[FrontierPoint]
    removed: int
    """Points dropped as duplicates or dominated."""
    seconds: float
    executor: str
    model: dict[str, Any] = field(default_factory=lambda: {"model": "full"})
    """Which model the points were solved on (:func:`reduced_frontier`)."""

    @property
    def measure(self) -> str:
        return f"gain of {self.partner}" if self.partner else "total gain of the partners"

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.as_dict() for p in self.points])

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "partner": self.partner,
            "measure": self.measure,
            "points": [p.as_dict() for p in self.points],
            "removed": self.removed,
            "seconds": self.seconds,
            "executor": self.executor,
            "model": self.model,
        }


def _gain_form(neg: Negotiation, partner: str | None) -> tuple[np.ndarray, float]:
    """``f(y) = c·y + c0``: the total gain or one partner's gain (transfers are held at zero)."""
    G, g0 = neg.gp.G, neg.gp.g0
    if partner is None:
        return np.asarray(G.sum(axis=0)).ravel(), float(g0.sum())
    p = neg.scenario.partners.pos(partner)
    return G[p].toarray().ravel(), float(g0[p])


def frontier_point(neg: Negotiation, partner: str | None, target: float | None, first: str = "px") -> FrontierPoint:
    """Max PX with ``f ≥ target`` then max f with PX held (``first="px"``), or max f then max PX."""
    neg.reset()
    neg.set_ir(False)
    neg.set_px_floor(None)
    neg.set_subsidy(None)
    c, c0 = _gain_form(neg, partner)
    px = neg.objective(neg.model.px)
    f = neg.objective(c)
    mark = neg.ws.mark()
    try:
        if target is not None:
            neg.ws.add_rows(sp.csr_matrix(c[None, :]), target - c0, np.inf)  # f − s = e, s ≥ 0
        sol = neg.lexicographic(px, f) if first == "px" else neg.lexicographic(f, px)
    finally:
        neg.ws.rollback(mark)
    if not sol.ok or sol.x is None:
        raise SolverError(f"a frontier point (target {target}) ended {sol.status.value}")
    plan = neg.plan_of("frontier", sol.x, SolveStatus.OPTIMAL, sol.seconds, f"frontier point, target {target}", sol.gap)
    plan.transfers = None
    gain = float(c @ sol.x[: c.size] + c0)
    return FrontierPoint(float("nan") if target is None else target, plan.px, gain, plan)


@dataclass(frozen=True)
class _Task:
    """One frontier point for a worker: it builds its own model (a Ray task cannot share a workspace)."""

    scenario: Scenario
    partner: str | None
    target: float

    def __call__(self) -> tuple[float, float, np.ndarray]:
        neg = Negotiation(self.scenario, transfers="none")
        point = frontier_point(neg, self.partner, self.target)
        assert point.plan.x is not None
        return point.px, point.gain, point.plan.x


def _run_task(task: _Task) -> tuple[float, float, np.ndarray]:
    return task()


def frontier(
    scenario: Scenario,
    points: int = 10,
    partner: str | None = None,
    executor: Executor | None = None,
    negotiation: Negotiation | None = None,
    exact: bool = False,
) -> Frontier:
    """The Pareto frontier of PX against the total gain (or ``partner``'s gain), ``points`` targets; unless
    ``exact`` (or a ``negotiation`` is given), solved with interchangeable sites merged where that is exact
    (:func:`reduced_frontier`)."""
    problems = []
    if points < 2:
        problems.append(problem("points", "must be at least 2 (the two ends)", points))
    if partner is not None and partner not in scenario.partners.ids:
        problems.append(problem("partner", "not a partner of the scenario", partner))
    if problems:
        raise InputError(problems)
    info: dict[str, Any] = {"model": "full"}
    if not exact and negotiation is None:
        reduced, info = reduced_frontier(scenario, points, partner, executor)
        if reduced is not None:
            return reduced
    start = time.perf_counter()
    ex = executor or InProcessExecutor()
    neg = negotiation or Negotiation(scenario, transfers="none")
    if neg.layout.mode != "none":
        raise ValueError("the frontier needs a negotiation without transfers")
    a = frontier_point(neg, partner, None, first="px")  # the joint plan
    b = frontier_point(neg, partner, None, first="gain")  # the gain-maximising plan
    targets = np.linspace(a.gain, b.gain, points)[1:-1]
    inner: list[FrontierPoint] = []
    if targets.size:
        if isinstance(ex, InProcessExecutor):
            inner = [frontier_point(neg, partner, float(e)) for e in targets]
        else:
            results = ex.map(_run_task, [_Task(scenario, partner, float(e)) for e in targets])
            for e, (px, gain, x) in zip(targets, results, strict=True):
                plan = neg.plan_of(
                    "frontier", np.concatenate([x, np.zeros(neg.ws.n_cols - x.size)]), SolveStatus.OPTIMAL, 0.0, ""
                )
                plan.transfers = None
                inner.append(FrontierPoint(float(e), px, gain, plan))
    a.target, b.target = a.gain, b.gain
    kept, removed = _pareto([a, *inner, b], 1e-6 * neg.gp.scale)
    return Frontier(scenario, partner, kept, removed, time.perf_counter() - start, ex.name, info)


def reduced_frontier(
    scenario: Scenario, points: int, partner: str | None, executor: Executor | None
) -> tuple[Frontier | None, dict[str, Any]]:
    """The frontier solved on the reduced model (:mod:`winwin.optimizer.allocation.aggregate`) and its points
    lifted to every site; None (and why) when that is not exact or a check fails.

    Without transfers or individual rationality both objectives are sums over columns — PX, and the total
    gain ``Σ_p U_p − Σ_p d_p`` or an unmerged partner's gain — so each point's program is the full one.
    Each lifted plan is checked on the full model's rows, and its PX and gain recomputed there."""
    start = time.perf_counter()
    reduction = reduce_sites(scenario)
    if reduction is None:
        return None, {"model": "full"}
    members = {scenario.sites.ids[s] for c in reduction.classes for s in c}
    if partner in members:
        return None, {"model": "full", "fallback": f"{partner}'s gain is not its class's"}
    small = frontier(reduction.reduced, points, partner, executor, exact=True)
    full = build_allocation_model(scenario)
    d = silo_plan(full).disagreement
    assert d is not None
    cols, share = reduction.column_map(full, small.points[0].plan.model)
    info: dict[str, Any] = reduction.report(full, small.points[0].plan.model)
    lifted: list[FrontierPoint] = []
    worst = 0.0
    for point in small.points:
        y = point.plan.solution()
        x = y[cols] * share
        u = full.utilities(x) - d
        gain = float(u.sum() if partner is None else u[scenario.partners.pos(partner)])
        px = float(full.px @ x)
        violation = relative_violation(full, x)
        worst = max(worst, violation)
        scale = max(1.0, float(np.abs(d).max(initial=0.0)))
        if (
            violation > LIFT_TOLERANCE
            or abs(px - point.px) > 1e-9 * max(1.0, abs(px))
            or abs(gain - point.gain) > 1e-6 * scale
        ):
            return None, info | {"model": "full", "fallback": f"a lifted point fails the full model ({violation:.2e})"}
        plan = Plan(scenario, "frontier", full, replace(point.plan.solve, x=x, objective=px), x, disagreement=d)
        lifted.append(
            FrontierPoint(
                point.target,
                px,
                gain,
                plan,
            )
        )
    info["violation"] = worst
    return Frontier(scenario, partner, lifted, small.removed, time.perf_counter() - start, small.executor, info), info


def _pareto(points: list[FrontierPoint], tol_gain: float) -> tuple[list[FrontierPoint], int]:
    """Drop duplicates and dominated points (both objectives maximised, within the solver's tolerances:
    ``tol_gain`` in euros, 1e-8 relative in PX); keep PX descending."""
    pts = sorted(points, key=lambda p: (-p.px, -p.gain))
    kept: list[FrontierPoint] = []
    for p in pts:
        tol_px = TIE_TOLERANCE * 10 * max(1.0, abs(p.px))
        if any(q.px >= p.px - tol_px and q.gain >= p.gain - tol_gain for q in kept):
            continue
        kept.append(p)
    return kept, len(points) - len(kept)
