"""The robust win-win plan and its report, side by side with the deterministic win-win (issue 22, parts 1–4).

One thin function joins the steps: sample the futures (:mod:`~winwin.optimizer.robust.futures`), run the silo
on each (the disagreement), build and solve the two-stage program with the win-win rows
(:mod:`~winwin.optimizer.robust.two_stage`), plan the deterministic win-win on mean deliveries (the same
program with one future, the mean: its IR holds for that future only), then judge both decisions and the
clairvoyant on fresh futures (:mod:`~winwin.optimizer.robust.evaluate`). Interchangeable sites are merged
first (:mod:`winwin.optimizer.allocation.aggregate`) as for every plan; money figures are the whole
ecosystem's, the gains after the contingent settlement are per partner of the scenario.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from winwin.data import Scenario
from winwin.data.errors import InputError, problem
from winwin.optimizer.allocation.aggregate import reduce_sites
from winwin.optimizer.allocation.model import AllocationModel, build_allocation_model
from winwin.optimizer.lp.solvers import SolveStatus
from winwin.optimizer.parallel import Executor
from winwin.optimizer.robust.evaluate import (
    Decision,
    Estimate,
    Evaluation,
    Gap,
    Recourse,
    clairvoyant,
    evaluate,
    mrp_gap,
    recourses,
)
from winwin.optimizer.robust.futures import REPLICATIONS, TEST, Futures, sample_futures
from winwin.optimizer.robust.stages import Stages, split_stages
from winwin.optimizer.robust.two_stage import (
    Disagreement,
    TwoStageProgram,
    TwoStageSolution,
    build_two_stage,
    future_figures,
    silo_futures,
    solve_two_stage,
)

DEFAULT_BETA = 0.95


@dataclass(frozen=True)
class RobustSettings:
    """How the robust plan is made and judged."""

    futures: int = 20
    """K, the futures planned on."""
    beta: float | None = DEFAULT_BETA
    """CVaR level of the win-win rows; None: win-win in expectation only."""
    seed: int = 0
    test_futures: int = 50
    """Fresh futures the decisions are judged on (0: no out-of-sample report)."""
    replications: int = 0
    """Samples of the SAA gap (multiple replications; 0: not estimated)."""
    win_win: bool = True
    """False: the plain two-stage plan (E[PX − costs], no individual rationality)."""
    time_limit: float | None = None
    risk_weight: float = 0.0
    """λ of the risk-averse objective (1 − λ)·E[PX − costs] − λ·CVaR_β of its loss (0: risk-neutral)."""
    transfers: str = "scenario"
    """Side payments: ``scenario`` (the file's ``money.transfers``), ``none`` or ``any`` (free, settled
    contingently); anything but free transfers needs every partner's own CVaR row."""

    def check(self) -> None:
        problems = []
        if not 0 <= self.risk_weight <= 1:
            problems.append(problem("risk_weight", "must lie in [0, 1]", self.risk_weight))
        if self.risk_weight > 0 and self.replications:
            problems.append(problem("replications", "the SAA gap is for the risk-neutral objective (risk_weight 0)",
                                    self.replications))  # fmt: skip
        if self.transfers not in ("scenario", "none", "any"):
            problems.append(problem("transfers", "must be scenario, none or any", self.transfers))
        if self.futures < 1:
            problems.append(problem("futures", "must be at least 1", self.futures))
        if self.beta is not None and not 0 <= self.beta < 1:
            problems.append(problem("cvar", "must lie in [0, 1)", self.beta))
        if self.test_futures < 0 or self.test_futures == 1:
            problems.append(problem("test_futures", "must be 0 or at least 2", self.test_futures))
        if self.replications < 0 or self.replications == 1:
            problems.append(problem("replications", "must be 0 or at least 2", self.replications))
        if self.time_limit is not None and not self.time_limit > 0:
            problems.append(problem("time_limit", "must be > 0 seconds", self.time_limit))
        if problems:
            raise InputError(problems)


@dataclass
class OutOfSample:
    """Decisions judged on the same fresh futures."""

    robust: Evaluation
    deterministic: Evaluation
    clairvoyant: np.ndarray
    free_transfers: bool
    weights: np.ndarray
    partner_ids: list[str]

    def summary(self, ev: Evaluation) -> dict[str, Any]:
        gains = ev.gains(self.free_transfers, self.weights)
        return {
            "px": Estimate.of(ev.px).as_dict(),
            "objective": Estimate.of(ev.objective).as_dict(),
            "whole_share": float(ev.whole(self.free_transfers, self.weights).mean()),
            "appointments_kept": ev.kept,
            "cancelled_mean": float(ev.cancelled.mean()),
            "worst_5pct_gain": dict(zip(self.partner_ids, np.quantile(gains, 0.05, axis=0).tolist(), strict=True)),
            "surplus_5pct": float(np.quantile(ev.surplus, 0.05)),
        }

    @property
    def vss(self) -> Estimate:
        return Estimate.of(self.robust.objective - self.deterministic.objective)

    @property
    def evpi(self) -> Estimate:
        return Estimate.of(self.clairvoyant - self.robust.objective)


@dataclass
class RobustReport:
    """The robust plan, the deterministic one beside it, and the yardsticks."""

    settings: RobustSettings
    status: SolveStatus
    objective: float | None
    """E[PX − costs] over the planned futures (points)."""
    in_sample: dict[str, Any]
    out_of_sample: OutOfSample | None
    gap: Gap | None
    seconds: dict[str, float]
    model: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "futures": self.settings.futures,
            "cvar_beta": self.settings.beta,
            "risk_weight": self.settings.risk_weight,
            "seed": self.settings.seed,
            "status": self.status.value,
            "objective": self.objective,
            "in_sample": self.in_sample,
            "seconds": self.seconds,
            "model": self.model,
            **({"note": self.note} if self.note else {}),
        }
        oos = self.out_of_sample
        if oos is not None:
            out["out_of_sample"] = {
                "test_futures": int(oos.clairvoyant.size),
                "robust_winwin": oos.summary(oos.robust),
                "deterministic_winwin": oos.summary(oos.deterministic),
                "clairvoyant_objective": Estimate.of(oos.clairvoyant).as_dict(),
                "vss": oos.vss.as_dict(),
                "evpi": oos.evpi.as_dict(),
            }
        if self.gap is not None:
            out["saa_gap"] = self.gap.as_dict()
        return out


def _weights(sc: Scenario) -> np.ndarray:
    w = np.array([p.bargaining_power for p in sc.spec.partners])
    return w / w.sum()


def _program(model: AllocationModel, stages: Stages, futures: Futures, settings: RobustSettings, free: bool,
             d: Disagreement | None = None) -> tuple[TwoStageProgram, TwoStageSolution]:  # fmt: skip
    """The program of ``settings`` over ``futures`` and its solution; win-win against ``d`` (the silo on those
    futures, run here when not given)."""
    supply = futures.supply(model.scenario)
    if settings.win_win and d is None:
        d = silo_futures(model, supply)
    beta = settings.beta if len(futures) > 1 else None
    risk = settings.risk_weight if len(futures) > 1 else 0.0
    prog = build_two_stage(model, supply, stages, d if settings.win_win else None, beta, free, risk)
    return prog, solve_two_stage(prog, settings.time_limit)


def robust_plan(
    scenario: Scenario, settings: RobustSettings | None = None, executor: Executor | None = None
) -> RobustReport:
    """Plan ``scenario`` on sampled futures and judge it out of sample (module docstring); the out-of-sample
    recourses (scenario subproblems) run on ``executor`` when given, in this process otherwise."""
    settings = settings or RobustSettings()
    settings.check()
    timings: dict[str, float] = {}
    start = time.perf_counter()
    reduction = reduce_sites(scenario)
    sc = reduction.reduced if reduction is not None else scenario
    model = build_allocation_model(sc, strict_priority=False)
    stages = split_stages(model)
    free = (scenario.spec.money.transfers if settings.transfers == "scenario" else settings.transfers) == "any"
    info: dict[str, Any] = {"columns": model.n_vars, "sites_merged": reduction.merged if reduction else 0}
    timings["build"] = time.perf_counter() - start
    futures = sample_futures(sc, settings.futures, settings.seed)
    d_in = silo_futures(model, futures.supply(sc))  # the disagreement, and the silo reported beside the plan
    prog, sol = _program(model, stages, futures, settings, free, d_in)
    timings["plan"] = sol.seconds
    info["extensive_form"] = {"columns": int(prog.problem.c.size), "rows": int(prog.problem.A.shape[0])}
    report = RobustReport(settings, sol.status, sol.objective, {}, None, None, timings, info)
    if not sol.ok or sol.v is None:
        if sol.status == SolveStatus.INFEASIBLE and settings.win_win:
            report.note = (
                f"no plan keeps every partner whole in expectation with the CVaR {settings.beta} of the shortfall "
                f"≤ 0 on these {settings.futures} futures "
                + ("(the surplus's)" if free else "(each partner's own: without free side payments nobody is "
                   "compensated future by future; money.transfers: any needs one row on the surplus only, or "
                   "lower the CVaR level)")
            )  # fmt: skip
        return report
    fig = future_figures(prog, sol.v)
    surplus = fig["utility"].sum(axis=1) - d_in.utility.sum(axis=1)
    report.in_sample = {
        "px": float(fig["px"].mean()),
        "silo_px": float(d_in.px.mean()),
        "whole_share": float((surplus >= -1e-6).mean()),
        "cancelled_mean": float(fig["cancelled"].mean()),
        "booked": float(fig["booked"][0]),
    }
    robust = Decision.of_program(prog, sol.v)
    if settings.test_futures:
        t0 = time.perf_counter()
        ev_prog, ev_sol = _program(model, stages, futures.mean(), settings, free)
        if not ev_sol.ok or ev_sol.v is None:
            raise RuntimeError(f"the plan on mean deliveries ended {ev_sol.status.value}")
        deterministic = Decision.of_program(ev_prog, ev_sol.v)
        test = sample_futures(sc, settings.test_futures, settings.seed, stream=TEST).supply(sc)
        recourse = Recourse(model, stages, test) if executor is None else None
        d = silo_futures(model, test)
        report.out_of_sample = OutOfSample(
            evaluate(model, stages, robust, test, d, recourse, executor),
            evaluate(model, stages, deterministic, test, d, recourse, executor),
            clairvoyant(model, stages, test, recourse, executor),
            free,
            _weights(scenario) if free else np.ones(len(sc.partners)),
            list(scenario.partners.ids) if free else list(sc.partners.ids),
        )
        timings["out_of_sample"] = time.perf_counter() - t0
    if settings.replications:
        t0 = time.perf_counter()
        report.gap = saa_gap(model, stages, robust, settings, free)
        timings["saa_gap"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - start
    return report


def saa_gap(model: AllocationModel, stages: Stages, candidate: Decision, settings: RobustSettings,
            free: bool) -> Gap:  # fmt: skip
    """The multiple-replications gap of ``candidate`` (:mod:`~winwin.optimizer.robust.evaluate`)."""
    sc = model.scenario
    gaps = []
    recourse: Recourse | None = None
    for r in range(settings.replications):
        sample = sample_futures(sc, settings.futures, settings.seed, stream=REPLICATIONS + r)
        _prog, sol = _program(model, stages, sample, settings, free)
        if not sol.ok or sol.objective is None:
            raise RuntimeError(f"replication {r} of the SAA gap ended {sol.status.value}")
        supply = sample.supply(sc)
        recourse = recourse or Recourse(model, stages, supply)
        value = np.mean([f["objective"] for f in recourses(model, stages, candidate, supply, recourse)])
        gaps.append(sol.objective - value)
    return mrp_gap(np.array(gaps))
