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
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from winwin.data import Scenario
from winwin.data.errors import InputError, SolverError, problem
from winwin.optimizer.allocation.joint import TIE_TOLERANCE
from winwin.optimizer.allocation.result import Plan
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
) -> Frontier:
    """The Pareto frontier of PX against the total gain (or ``partner``'s gain), ``points`` targets."""
    problems = []
    if points < 2:
        problems.append(problem("points", "must be at least 2 (the two ends)", points))
    if partner is not None and partner not in scenario.partners.ids:
        problems.append(problem("partner", "not a partner of the scenario", partner))
    if problems:
        raise InputError(problems)
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
    return Frontier(scenario, partner, kept, removed, time.perf_counter() - start, ex.name)


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
