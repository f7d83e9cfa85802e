"""The Python API: what a notebook user calls. Later issues add plan, compare, simulate, sweep."""

from __future__ import annotations

from pathlib import Path

from data import Scenario
from data import load as _load
from optimizer import Plan, SolveOptions
from optimizer import plan as _plan


def load(name_or_path: str | Path | Scenario) -> Scenario:
    """A validated scenario from a bundled name (``"tiny"``, ``"belgium-2021"``) or a YAML/JSON path.

    Raises :class:`data.ScenarioError` listing every problem when the file is not valid.
    """
    if isinstance(name_or_path, Scenario):
        return name_or_path
    return _load(name_or_path)


def plan(
    scenario: str | Path | Scenario,
    concept: str = "joint",
    *,
    backend: str = "ortools",
    solver: str | None = None,
    strict_priority: bool | None = None,
    threshold: float | None = None,
    time_limit: float | None = None,
    mip_gap: float = 1e-4,
) -> Plan:
    """Plan a scenario under ``concept`` (``joint``: best patient experience; ``silo``: the status quo).

    The returned :class:`optimizer.Plan` carries the solve status, PX and KPIs, tidy tables and every
    partner's utility, silo (disagreement) utility and gain. ``strict_priority`` turns on the MIP
    priority-group gates (default: the payer's policy in the scenario).
    """
    options = SolveOptions(backend=backend, solver=solver, time_limit=time_limit, mip_gap=mip_gap)
    return _plan(load(scenario), concept, options=options, strict_priority=strict_priority, threshold=threshold)
