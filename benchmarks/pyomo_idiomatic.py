"""The allocation LP written the idiomatic Pyomo way: indexed sets, one rule function per constraint.

This is the benchmark's baseline (b) and, being written independently of :mod:`winwin.optimizer.allocation.constraints`,
a cross-check of the formulation: its optimum must equal ours (tests/test_pyomo_idiomatic.py).
Strict priority, commitments and the budget are left out (the benchmark scenarios have none).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pyomo.environ as pyo

from winwin.data import Scenario
from winwin.optimizer.allocation.constraints import confidence_cut
from winwin.optimizer.allocation.model import waiting_weights
from winwin.optimizer.allocation.variables import node_handles, staffed_sites


def build_idiomatic(sc: Scenario) -> pyo.ConcreteModel:
    T = sc.T
    M, D = len(sc.manufacturers), len(sc.distributors)
    first_site = M + D
    handles = node_handles(sc)
    periods = list(range(T))
    m = pyo.ConcreteModel()

    ship_idx = [
        (e, k, t)
        for e in range(len(sc.lanes))
        for k in range(len(sc.products))
        for t in periods
        if sc.lane_carries[e, k] and t + sc.lane_lead[e] <= T - 1
    ]
    inv_idx = [
        (n, k, t) for n in range(len(sc.nodes)) for k in range(len(sc.products)) for t in periods if handles[n, k]
    ]
    adm_idx = [
        (s, g, r, k, t)
        for s in range(len(sc.sites))
        for g in range(len(sc.groups))
        for r in range(len(sc.regions))
        for k in range(len(sc.products))
        for t in periods
        if sc.serves[s, r]
        and sc.eligible[g, t]
        and sc.allowed[g, k]
        and handles[first_site + s, k]
        and sc.willing[g, r] > 0
    ]
    waste_idx = [
        (s, k, t)
        for s in range(len(sc.sites))
        for k in range(len(sc.products))
        for t in periods
        if handles[first_site + s, k]
    ]
    staffed = staffed_sites(sc)
    vol_idx = [
        (o, s, t)
        for o in range(len(sc.volunteers))
        for s in range(len(sc.sites))
        for t in periods
        if sc.volunteer_serves[o, s] and staffed[s]
    ]

    m.ship = pyo.Var(ship_idx, within=pyo.NonNegativeReals)
    m.inv = pyo.Var(inv_idx, within=pyo.NonNegativeReals)
    m.adm = pyo.Var(adm_idx, within=pyo.NonNegativeReals)
    m.waste = pyo.Var(waste_idx, within=pyo.NonNegativeReals)
    m.vol = pyo.Var(vol_idx, within=pyo.NonNegativeReals)

    # lookups a Pyomo modeller would precompute
    out_of: dict[tuple[int, int, int], list[Any]] = defaultdict(list)
    into: dict[tuple[int, int, int], list[Any]] = defaultdict(list)
    for e, k, t in ship_idx:
        out_of[(int(sc.lane_source[e]), k, t)].append((e, k, t))
        into[(int(sc.lane_target[e]), k, t + int(sc.lane_lead[e]))].append((e, k, t))
    used: dict[tuple[int, int, int], list[Any]] = defaultdict(list)  # (site, product, period) -> adm indices
    by_gr: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for idx in adm_idx:
        s, g, r, k, t = idx
        used[(s, k, t)].append(idx)
        gap = int(sc.interval[k, t])
        if gap > 0 and t + gap < T:
            used[(s, k, t + gap)].append(idx)
        by_gr[(g, r)].append(idx)
    inv_set = set(inv_idx)
    waste_set = set(waste_idx)

    def balance(mdl: pyo.ConcreteModel, n: int, k: int, t: int) -> Any:
        prev = mdl.inv[n, k, t - 1] * (1 - sc.destruction[n, k, t]) if t > 0 and (n, k, t - 1) in inv_set else 0
        supply = sc.supply[n, k, t] if n < M else 0.0
        inflow = sum(mdl.ship[i] for i in into[(n, k, t)])
        outflow = sum(mdl.ship[i] for i in out_of[(n, k, t)])
        site_use = 0
        if n >= first_site:
            site_use = sum(mdl.adm[i] for i in used[(n - first_site, k, t)])
            if (n - first_site, k, t) in waste_set:
                site_use = site_use + mdl.waste[n - first_site, k, t]
        return mdl.inv[n, k, t] == prev + supply + inflow - outflow - site_use

    m.balance = pyo.Constraint(inv_idx, rule=balance)

    lane_rows = [(e, t) for e in range(len(sc.lanes)) for t in periods if np.isfinite(sc.lane_capacity[e, t])]

    def lane_capacity(mdl: pyo.ConcreteModel, e: int, t: int) -> Any:
        terms = [mdl.ship[e, k, t] for k in range(len(sc.products)) if (e, k, t) in mdl.ship]
        return sum(terms) <= sc.lane_capacity[e, t] if terms else pyo.Constraint.Skip

    m.lane_capacity = pyo.Constraint(lane_rows, rule=lane_capacity)

    def throughput(mdl: pyo.ConcreteModel, d: int, t: int) -> Any:
        terms = [mdl.ship[i] for k in range(len(sc.products)) for i in out_of[(M + d, k, t)]]
        return sum(terms) <= sc.throughput[d, t] if terms else pyo.Constraint.Skip

    m.throughput = pyo.Constraint([(d, t) for d in range(D) for t in periods], rule=throughput)

    def administration(mdl: pyo.ConcreteModel, s: int, t: int) -> Any:
        terms = [mdl.adm[i] for k in range(len(sc.products)) for i in used[(s, k, t)]]
        return sum(terms) <= sc.site_capacity[s, t] if terms else pyo.Constraint.Skip

    m.administration = pyo.Constraint([(s, t) for s in range(len(sc.sites)) for t in periods], rule=administration)

    def staffing(mdl: pyo.ConcreteModel, s: int, t: int) -> Any:
        doses = sum(mdl.adm[i] for k in range(len(sc.products)) for i in used[(s, k, t)])
        hours = sum(mdl.vol[o, s, t] for o in range(len(sc.volunteers)) if (o, s, t) in mdl.vol)
        return sc.minutes_per_dose[s] * doses <= 60 * (sc.staff_hours[s, t] + hours)

    m.staffing = pyo.Constraint([(s, t) for s in range(len(sc.sites)) if staffed[s] for t in periods], rule=staffing)
    m.volunteer_hours = pyo.Constraint(
        [(o, t) for o in range(len(sc.volunteers)) for t in periods],
        rule=lambda mdl, o, t: (
            sum(mdl.vol[o, s, t] for s in range(len(sc.sites)) if (o, s, t) in mdl.vol) <= sc.volunteer_hours[o, t]
        ),
    )

    def freshness(mdl: pyo.ConcreteModel, s: int, k: int, t: int) -> Any:
        window = [
            mdl.ship[i] for u in range(t - int(sc.shelf_life[k]) + 1, t + 1) for i in into[(first_site + s, k, u)]
        ]
        return mdl.inv[first_site + s, k, t] <= sum(window)

    fresh_rows = [
        (s, k, t) for (n, k, t) in inv_idx if n >= first_site and t >= sc.shelf_life[k] for s in [n - first_site]
    ]
    m.freshness = pyo.Constraint(fresh_rows, rule=freshness)
    m.demand = pyo.Constraint(
        list(by_gr), rule=lambda mdl, g, r: sum(mdl.adm[i] for i in by_gr[(g, r)]) <= sc.willing[g, r]
    )
    start, factor = confidence_cut(sc)
    conf_rows = [(g, r, k) for (g, r) in by_gr for k in range(len(sc.products)) if start[k] < T]
    m.confidence = pyo.Constraint(
        conf_rows,
        rule=lambda mdl, g, r, k: (
            sum(mdl.adm[i] for i in by_gr[(g, r)] if i[3] == k and i[4] >= start[k]) <= factor[k] * sc.willing[g, r]
        ),
    )

    R, W0 = waiting_weights(sc)
    mu = sc.spec.experience.travel_weight
    m.px = pyo.Objective(
        expr=sum(
            100.0 * (R[g, t] - mu * np.nan_to_num(sc.travel[s, r])) / W0 * m.adm[s, g, r, k, t]
            for (s, g, r, k, t) in adm_idx
        ),
        sense=pyo.maximize,
    )
    return m


def solve_idiomatic(m: pyo.ConcreteModel, solver: str = "appsi_highs") -> float:
    """Solve and return the optimal PX."""
    opt = pyo.SolverFactory(solver)
    result = opt.solve(m)
    if str(result.solver.termination_condition) != "optimal":
        raise RuntimeError(f"idiomatic Pyomo model: {result.solver.termination_condition}")
    return float(pyo.value(m.px))
