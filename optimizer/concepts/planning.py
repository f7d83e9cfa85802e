"""One plan under any concept: the thin function that joins build, solve and write-back (DESIGN §4–5)."""

from __future__ import annotations

from winwin.data import Scenario
from winwin.data.errors import InputError, problem
from winwin.optimizer.allocation.joint import joint_plan
from winwin.optimizer.allocation.model import AllocationModel, build_allocation_model
from winwin.optimizer.allocation.result import Plan
from winwin.optimizer.allocation.silo import silo_plan
from winwin.optimizer.concepts.compare import CONCEPTS, compare
from winwin.optimizer.concepts.negotiation import Negotiation
from winwin.optimizer.lp.solvers import SolveOptions

ANY_BACKEND = ("joint", "silo")
"""Concepts every backend runs; the others need the HiGHS workspace."""


def plan(
    scenario: Scenario,
    concept: str = "joint",
    *,
    options: SolveOptions | None = None,
    strict_priority: bool | None = None,
    threshold: float | None = None,
    tie_break: bool = True,
    model: AllocationModel | None = None,
    exact: bool = False,
) -> Plan:
    """Plan ``scenario`` under a concept and report it against the silo.

    ``joint`` and ``silo`` run on any backend; ``winwin`` and the splits (``utilitarian``, ``egalitarian``,
    ``kalai_smorodinsky``, ``nash``, ``shapley``) through the negotiation on HiGHS, with the scenario's
    transfers and ε = 0.01. ``joint`` solves the model with interchangeable sites merged and lifts the plan
    back to every site, checked on the full model (``exact=True`` solves the full model); the plan's
    ``reduction`` says which ran."""
    if concept not in CONCEPTS:
        raise InputError([problem("concept", f"must be one of {', '.join(CONCEPTS)}", concept)])
    options = options or SolveOptions()
    options.check()
    if threshold is not None and not 0 <= threshold <= 1:
        raise InputError([problem("threshold", "must lie in [0, 1]", threshold)])
    if concept not in ANY_BACKEND and options.backend != "ortools":
        raise InputError(
            [problem("backend", f"the {concept} concept runs on HiGHS (highspy); use the default", options.backend)]
        )
    model = model or build_allocation_model(scenario, strict_priority, threshold)
    if concept not in ANY_BACKEND:
        neg = Negotiation(scenario, model, time_limit=options.time_limit)
        return compare(scenario, [concept], negotiation=neg).outcomes[concept].plan
    silo = silo_plan(model)
    if concept == "silo":
        return silo
    return joint_plan(model, options, tie_break, silo, exact=exact)
