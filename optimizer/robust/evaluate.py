"""A decision judged out of sample, and the yardsticks of stochastic programming (issue 22, parts 3–4).

A :class:`Decision` is what is signed now: the first-stage columns and the bookings. :func:`evaluate` holds
it fixed and lets each future make its best recourse (the two-stage program with one future and the first
stage fixed by bounds, one HiGHS workspace re-used across futures), then reads per future its PX, its
objective (PX − costs), every partner's utility, cancellations and the silo's utilities on the same
deliveries. Every decision judged on the same futures lives in the same world: same deliveries, same
recourse, same accounting.

Yardsticks (Birge and Louveaux, *Introduction to Stochastic Programming*, 2nd ed., §4.1–4.2), for a
maximisation with z(d, ξ) the objective of decision d in future ξ:

- **VSS** = E[z(d_RP, ξ)] − E[z(d_EV, ξ)]: the two-stage decision against the one planned on mean
  deliveries. On the futures the plan was made on it is ≥ 0 (d_EV is feasible there); out of sample it is
  an estimate with a standard error.
- **EVPI** = E[max_d z(d, ξ)] − E[z(d_RP, ξ)]: the clairvoyant (each future planned knowing it) against the
  two-stage decision; ≥ 0 future by future.
- **SAA gap** by the multiple-replications procedure (Mak, Morton and Wood, "Monte Carlo bounding techniques
  for determining solution quality in stochastic programs", Oper. Res. Letters 24, 1999): R independent
  samples of K futures; in each, G_r = (SAA optimum on the sample) − (the candidate's mean objective on the
  same sample) ≥ 0 in expectation bounds the candidate's optimality gap; the one-sided 95 % upper bound is
  Ḡ + t_{R−1, 0.95}·s_G/√R.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from winwin.data import Scenario
from winwin.optimizer.allocation.model import AllocationModel, build_allocation_model
from winwin.optimizer.lp.workspace import Workspace
from winwin.optimizer.parallel import Executor
from winwin.optimizer.robust.stages import Stages, split_stages
from winwin.optimizer.robust.two_stage import (
    Disagreement,
    TwoStageProgram,
    build_two_stage,
    future_figures,
    interior_point,
    silo_futures,
)


@dataclass(frozen=True)
class Decision:
    """What is decided now: the first-stage columns' values and the bookings."""

    first: np.ndarray
    bookings: np.ndarray

    @classmethod
    def of_program(cls, prog: TwoStageProgram, v: np.ndarray) -> Decision:
        lay = prog.layout
        return cls(v[: lay.n_first].copy(), v[lay.book].copy())


@dataclass(frozen=True)
class Evaluation:
    """One decision over some futures (module docstring); arrays over futures."""

    objective: np.ndarray
    px: np.ndarray
    utility: np.ndarray
    """``[future, partner]``."""
    disagreement: Disagreement
    cancelled: np.ndarray
    appointments: float
    """Appointments the decision makes now (bookings and the second doses of its first doses)."""

    @property
    def surplus(self) -> np.ndarray:
        return self.utility.sum(axis=1) - self.disagreement.utility.sum(axis=1)

    def gains(self, free_transfers: bool, weights: np.ndarray) -> np.ndarray:
        """``[future, partner]`` gains over the silo after settlement: with free transfers the contingent
        rule (each partner its weight's share of the surplus), otherwise each partner's own."""
        if free_transfers:
            return self.surplus[:, None] * weights[None, :]
        return self.utility - self.disagreement.utility

    def whole(self, free_transfers: bool, weights: np.ndarray, tolerance: float = 1e-6) -> np.ndarray:
        """Per future: every partner ends at least whole (within ``tolerance`` euros)."""
        return np.asarray((self.gains(free_transfers, weights) >= -tolerance).all(axis=1))

    @property
    def kept(self) -> float:
        """Share of the appointments made now that were kept."""
        return 1.0 - float(self.cancelled.mean()) / self.appointments if self.appointments > 0 else 1.0


class Recourse:
    """One future's recourse program in a HiGHS workspace, re-solved for each future and decision."""

    def __init__(self, model: AllocationModel, stages: Stages, supply: np.ndarray) -> None:
        self.prog = build_two_stage(model, supply[:1], stages)
        self.ws = interior_point(Workspace(self.prog.problem))
        self.stages = stages

    def solve(self, supply: np.ndarray, decision: Decision | None) -> dict[str, np.ndarray]:
        """The best recourse in future ``supply[manufacturer, product, period]`` after ``decision`` (free first
        stage when None: the clairvoyant); figures as :func:`~winwin.optimizer.robust.two_stage.future_figures`."""
        prog, lay, st = self.prog, self.prog.layout, self.stages
        s_node, s_k, s_t = st.supply_coords
        value = supply[s_node, s_k, s_t]
        self.ws.set_row_bounds(prog.supply_rows[0], value, value)
        first = np.arange(lay.n_first)
        lb, ub = prog.problem.lb, prog.problem.ub
        if decision is None:
            self.ws.set_col_bounds(first, lb[first], ub[first])
            self.ws.set_col_bounds(lay.book, lb[lay.book], ub[lay.book])
        else:
            self.ws.set_col_bounds(first, decision.first, decision.first)
            self.ws.set_col_bounds(lay.book, decision.bookings, decision.bookings)
        sol = self.ws.solve(prog.objective)
        if not sol.ok or sol.x is None:
            raise RuntimeError(f"the recourse program ended {sol.status.value}: {sol.message}")
        return {k: v[0] for k, v in future_figures(prog, sol.x).items()}


CHUNK = 10
"""Futures per task when recourses are solved on an executor (fixed: the tasks do not depend on the executor)."""


@dataclass(frozen=True)
class _Chunk:
    """Recourse solves of some futures: a task for an executor (the model is rebuilt where it runs)."""

    scenario: Scenario
    decision: Decision | None
    supply: np.ndarray


def _solve_chunk(chunk: _Chunk) -> list[dict[str, np.ndarray]]:
    model = build_allocation_model(chunk.scenario, strict_priority=False)
    recourse = Recourse(model, split_stages(model), chunk.supply)
    return [recourse.solve(s, chunk.decision) for s in chunk.supply]


def recourses(
    model: AllocationModel,
    stages: Stages,
    decision: Decision | None,
    supply: np.ndarray,
    recourse: Recourse | None = None,
    executor: Executor | None = None,
) -> list[dict[str, np.ndarray]]:
    """Each future's best recourse after ``decision`` (None: the clairvoyant's): in this process on one
    workspace, or on ``executor`` in chunks of :data:`CHUNK` futures (each solve starts cold either way, so
    both give the same figures)."""
    if executor is None:
        recourse = recourse or Recourse(model, stages, supply)
        return [recourse.solve(s, decision) for s in supply]
    if stages.periods != 1:
        raise ValueError("recourses on an executor rebuild the stages with one first period")
    chunks = [_Chunk(model.scenario, decision, supply[i : i + CHUNK]) for i in range(0, len(supply), CHUNK)]
    return [f for part in executor.map(_solve_chunk, chunks) for f in part]


def evaluate(
    model: AllocationModel,
    stages: Stages,
    decision: Decision,
    supply: np.ndarray,
    disagreement: Disagreement | None = None,
    recourse: Recourse | None = None,
    executor: Executor | None = None,
) -> Evaluation:
    """``decision`` over every future of ``supply[future, manufacturer, product, period]`` (module docstring)."""
    figures = recourses(model, stages, decision, supply, recourse, executor)
    d = disagreement or silo_futures(model, supply)
    appointments = float(decision.bookings.sum() + decision.first[np.searchsorted(stages.first, stages.due)].sum())
    return Evaluation(
        np.array([f["objective"] for f in figures]),
        np.array([f["px"] for f in figures]),
        np.array([f["utility"] for f in figures]),
        d,
        np.array([f["cancelled"] for f in figures]),
        appointments,
    )


def clairvoyant(
    model: AllocationModel,
    stages: Stages,
    supply: np.ndarray,
    recourse: Recourse | None = None,
    executor: Executor | None = None,
) -> np.ndarray:
    """The objective of each future planned knowing it (the wait-and-see values)."""
    return np.array([f["objective"] for f in recourses(model, stages, None, supply, recourse, executor)])


@dataclass(frozen=True)
class Estimate:
    """A mean over futures with its standard error."""

    mean: float
    stderr: float

    @classmethod
    def of(cls, values: np.ndarray) -> Estimate:
        n = values.size
        return cls(float(values.mean()), float(values.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan"))

    def as_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "stderr": self.stderr}


@dataclass(frozen=True)
class Gap:
    """The multiple-replications estimate of a candidate's optimality gap (module docstring)."""

    replications: np.ndarray
    mean: float
    upper: float
    """One-sided 95 % upper confidence bound."""

    def as_dict(self) -> dict[str, object]:
        return {"replications": self.replications.tolist(), "mean": self.mean, "upper_95": self.upper}


def mrp_gap(gaps: np.ndarray) -> Gap:
    """Ḡ and its one-sided 95 % upper bound from the replications' gaps G_r."""
    R = gaps.size
    mean = float(gaps.mean())
    half = float(stats.t.ppf(0.95, R - 1) * gaps.std(ddof=1) / np.sqrt(R)) if R > 1 else float("inf")
    return Gap(gaps, mean, mean + half)
