"""Planning: build → solve → write back, as separate steps joined by thin functions."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from data import Scenario
from optimizer.diagnose import explain_infeasibility
from optimizer.model import AllocationModel, build_allocation_model, objective_scale
from optimizer.plan import Plan
from optimizer.silo import missed_adjust, silo_arrays, silo_vector
from optimizer.solvers import SolveOptions, SolveResult, SolveStatus, relative_gap, solve

CONCEPTS = ("joint", "silo")
TIE_BREAK_TOLERANCE = 1e-9
"""Relative PX the tie-break may give up: stage 2 keeps PX ≥ (1 − tol)·PX*."""


def silo_plan(model: AllocationModel) -> Plan:
    """The rule-based status quo in the model's layout (DESIGN §5)."""
    sc = model.scenario
    start = time.perf_counter()
    arrays = silo_arrays(sc)
    x = silo_vector(model, arrays)
    missed_s = arrays.missed_second.sum(axis=(1, 2))
    adjust = missed_adjust(sc, missed_s)
    seconds = time.perf_counter() - start
    result = SolveResult(
        SolveStatus.RULE_BASED,
        x,
        float(model.px @ x),
        None,
        None,
        seconds,
        "rules",
        "silo",
        message="rule-based status quo (not an optimisation)",
    )
    plan = Plan(
        sc,
        "silo",
        model,
        result,
        x,
        utility_adjust=adjust,
        extra_kpis={"second_doses_missed": float(missed_s.sum()), "violation_of_model": model.violation(x)},
    )
    plan.disagreement = plan.utilities()
    return plan


def solve_joint(model: AllocationModel, options: SolveOptions, tie_break: bool = True) -> SolveResult:
    """Maximise PX; then, keeping PX within a 1e-9 share of its optimum, maximise the partners' total
    utility (the cheapest way to the best patient experience) so that the plan is not arbitrary."""
    first = _rescale(solve(model.problem(model.px), options), model)
    if not (tie_break and first.status == SolveStatus.OPTIMAL and first.x is not None and first.objective is not None):
        return first
    scale = objective_scale(model.px)  # the row is scaled like the objective, coefficients ≤ 1
    row = sp.csr_matrix(model.px[None, :] / scale)
    floor = (first.objective - TIE_BREAK_TOLERANCE * max(1.0, abs(first.objective))) / scale
    second = solve(model.problem(model.welfare(), row, np.array([floor]), np.array([np.inf])), options)
    if second.status != SolveStatus.OPTIMAL or second.x is None:
        return first
    return replace(
        first,
        x=second.x,
        objective=float(model.px @ second.x),
        seconds=first.seconds + second.seconds,
        message=f"{first.message}; tie-break on total utility: {second.message}",
    )


def _rescale(result: SolveResult, model: AllocationModel) -> SolveResult:
    """Report objective, bound and gap in PX points (the solver saw a scaled objective)."""
    if result.x is None:
        return result
    bound = None if result.bound is None else result.bound * objective_scale(model.px)
    objective = float(model.px @ result.x)
    return replace(result, objective=objective, bound=bound, gap=relative_gap(objective, bound))


def plan(
    scenario: Scenario,
    concept: str = "joint",
    *,
    options: SolveOptions | None = None,
    strict_priority: bool | None = None,
    threshold: float | None = None,
    tie_break: bool = True,
    model: AllocationModel | None = None,
) -> Plan:
    """Plan ``scenario`` under a concept and report it against the silo.

    ``joint`` and ``silo`` run here on any backend; ``winwin`` and the splits (``utilitarian``,
    ``egalitarian``, ``kalai_smorodinsky``, ``nash``) through :mod:`optimizer.concepts` on HiGHS, with
    the scenario's transfers and ε = 0.01."""
    from data.errors import InputError, problem
    from optimizer.concepts import CONCEPTS as ALL_CONCEPTS
    from optimizer.concepts import Negotiation, compare

    if concept not in ALL_CONCEPTS:
        raise InputError([problem("--concept", f"must be one of {', '.join(ALL_CONCEPTS)}", concept)])
    options = options or SolveOptions()
    options.check()
    if concept not in CONCEPTS and options.backend != "ortools":
        raise InputError(
            [problem("--backend", f"the {concept} concept runs on HiGHS (highspy); use the default", options.backend)]
        )
    model = model or build_allocation_model(scenario, strict_priority, threshold)
    if concept not in CONCEPTS:
        neg = Negotiation(scenario, model, time_limit=options.time_limit)
        return compare(scenario, [concept], negotiation=neg).outcomes[concept].plan
    silo = silo_plan(model)
    if concept == "silo":
        return silo
    result = solve_joint(model, options, tie_break)
    out = Plan(
        scenario, concept, model, result, result.x if result.status.has_plan else None, disagreement=silo.utilities()
    )
    if result.status == SolveStatus.INFEASIBLE:
        out.diagnosis = explain_infeasibility(model, model.problem(model.px))
    return out
