"""The joint optimum: maximise PX, then the partners' total utility with PX held (one solve for every caller).

Build → solve → write back are separate steps: the model is built by :mod:`winwin.optimizer.allocation.model`,
solved here on any backend, and written back as a :class:`~winwin.optimizer.allocation.result.Plan`.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from winwin.optimizer.allocation.aggregate import reduce_sites, relative_violation
from winwin.optimizer.allocation.diagnose import explain_infeasibility
from winwin.optimizer.allocation.model import AllocationModel, build_allocation_model, objective_scale
from winwin.optimizer.allocation.result import Plan
from winwin.optimizer.allocation.silo import silo_plan
from winwin.optimizer.lp.solvers import SolveOptions, SolveResult, SolveStatus, relative_gap, solve

TIE_TOLERANCE = 1e-9
"""Relative PX the tie-break may give up: stage 2 keeps PX ≥ (1 − tol)·PX*. The negotiation's joint
concept and the frontier hold PX with the same tolerance."""


def solve_joint(model: AllocationModel, options: SolveOptions, tie_break: bool = True) -> SolveResult:
    """Maximise PX; then, keeping PX within a 1e-9 share of its optimum, maximise the partners' total
    utility (the cheapest way to the best patient experience) so that the plan is not arbitrary."""
    first = _rescale(solve(model.problem(model.px), options), model)
    if not (tie_break and first.status == SolveStatus.OPTIMAL and first.x is not None and first.objective is not None):
        return first
    scale = objective_scale(model.px)  # the row is scaled like the objective, coefficients ≤ 1
    row = sp.csr_matrix(model.px[None, :] / scale)
    floor = (first.objective - TIE_TOLERANCE * max(1.0, abs(first.objective))) / scale
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


def joint_plan(
    model: AllocationModel,
    options: SolveOptions | None = None,
    tie_break: bool = True,
    silo: Plan | None = None,
    exact: bool = True,
) -> Plan:
    """The joint plan of ``model`` on ``options``' backend, with its gains measured against the silo plan;
    an infeasible model carries HiGHS's explanation in partner and period terms. Unless ``exact``, classes
    of interchangeable sites are solved as one site and the plan lifted back (see :func:`reduced_joint`)."""
    options = options or SolveOptions()
    silo = silo or silo_plan(model)
    if not exact:
        reduced = reduced_joint(model, options, tie_break, silo)
        if reduced is not None:
            return reduced
    result = solve_joint(model, options, tie_break)
    out = Plan(
        model.scenario,
        "joint",
        model,
        result,
        result.x if result.status.has_plan else None,
        disagreement=silo.utilities(),
    )
    if result.status == SolveStatus.INFEASIBLE:
        out.diagnosis = explain_infeasibility(model, model.problem(model.px))
    return out


LIFT_TOLERANCE = 1e-7
"""Largest violation (relative to the row's bound) a lifted plan may show on the full model's rows."""


def reduced_joint(model: AllocationModel, options: SolveOptions, tie_break: bool, silo: Plan) -> Plan | None:
    """The joint plan solved on the model with interchangeable sites merged, lifted to every site and
    checked on the full model: every row and bound (:data:`LIFT_TOLERANCE`), and PX computed by the full
    model equal to the reduced optimum. None when no site merges; the full model's plan when a check fails
    (its ``reduction`` says why)."""
    start = time.perf_counter()
    reduction = reduce_sites(model.scenario)
    if reduction is None:
        return None
    small = build_allocation_model(reduction.reduced, model.strict_priority, model.threshold)
    result = solve_joint(small, options, tie_break)
    info: dict[str, Any] = reduction.report(model, small)
    if not (result.status.has_plan and result.x is not None):
        info |= {"model": "full", "fallback": f"the reduced model ended {result.status.value}"}
        return _with_reduction(joint_plan(model, options, tie_break, silo), info)
    x = reduction.lift(model, small, result.x)
    violation = relative_violation(model, x)
    px = float(model.px @ x)
    info["violation"] = violation
    if violation > LIFT_TOLERANCE or abs(px - float(small.px @ result.x)) > 1e-9 * max(1.0, abs(px)):
        info |= {"model": "full", "fallback": f"the lifted plan fails the full model (violation {violation:.2e})"}
        return _with_reduction(joint_plan(model, options, tie_break, silo), info)
    lifted = replace(
        result,
        x=x,
        objective=px,
        seconds=time.perf_counter() - start,
        message=f"{result.message}; reduced model ({reduction.merged} sites merged into their classes), lifted",
    )
    out = Plan(model.scenario, "joint", model, lifted, x, disagreement=silo.utilities(), reduction=info)
    return out


def _with_reduction(plan: Plan, info: dict[str, Any]) -> Plan:
    plan.reduction = info
    return plan
