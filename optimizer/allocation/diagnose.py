"""Explaining infeasibility: HiGHS's irreducible infeasible subset (IIS), in partner and period terms.

The IIS is a smallest set of rows and bounds that cannot hold together; every row of it is translated
through its block's named dimensions (``administration[site=s_north, period=3]``) into a sentence, and
rows of one family and one partner are merged over their periods ("weeks 3–5").
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from winwin.optimizer.allocation.model import AllocationModel
from winwin.optimizer.lp.solvers import Problem, highs_lp, quiet_highs

_FAMILY_TEXT = {
    "supply": "{node}'s supply of {product} (stock balance)",
    "conservation": "stock balance of {product} at {node}",
    "lane_capacity": "capacity of lane {lane}",
    "throughput": "{distributor}'s throughput",
    "storage": "{node}'s storage",
    "administration": "{site}'s administration capacity",
    "staffing": "{site}'s staff and volunteer hours",
    "volunteer_hours": "{volunteer}'s volunteer hours",
    "freshness": "shelf life of {product} at {site}",
    "demand": "willing population of {group} in {region}",
    "confidence": "confidence in {product} among {group} in {region}",
    "commitments": "{partner}'s committed volume",
    "budget": "{partner}'s budget",
    "priority_gate": "priority gate of {group} in {region}",
    "priority_coverage": "coverage of the group before {group} in {region}",
    "individual_rationality": "{partner}'s individual rationality (its silo utility)",
}


def _labels(model: AllocationModel, dim: str, pos: int) -> str:
    sc = model.scenario
    if dim == "lane":
        lane = sc.lanes[pos]
        return f"{lane.source} → {lane.target}"
    labels = {
        "node": sc.nodes,
        "site": sc.sites,
        "distributor": sc.distributors,
        "volunteer": sc.volunteers,
        "partner": sc.partners,
        "product": sc.products,
        "group": sc.groups,
        "region": sc.regions,
        "manufacturer": sc.manufacturers,
    }[dim]
    return labels.ids[pos]


def _periods(ts: list[int], unit: str) -> str:
    ts = sorted(set(ts))
    runs: list[str] = []
    start = prev = ts[0]
    for t in [*ts[1:], None]:
        if t is not None and t == prev + 1:
            prev = t
            continue
        runs.append(f"{start}" if start == prev else f"{start}–{prev}")
        if t is not None:
            start = prev = t
    plural = unit + "s" if len(ts) > 1 else unit
    return f"{plural} {', '.join(runs)}"


def describe_rows(model: AllocationModel, rows: list[int], unit: str = "period") -> list[str]:
    """Sentences for model rows, merged over periods per family and partner."""
    grouped: dict[tuple[str, tuple[tuple[str, str], ...]], list[int]] = defaultdict(list)
    extra: list[str] = []
    for row in rows:
        if row >= model.lp.n_rows:
            extra.append("an added row of the solution concept")
            continue
        block = model.lp.row_block_of(row)
        coord = block.coord_of(row)
        period = coord.pop("period", None)
        key = (block.name, tuple((d, _labels(model, d, p)) for d, p in coord.items()))
        grouped[key].append(-1 if period is None else period)
    out = []
    for (family, named), periods in grouped.items():
        text = _FAMILY_TEXT.get(family, family).format(**dict(named))
        when = [p for p in periods if p >= 0]
        out.append(f"{text} in {_periods(when, unit)}" if when else text)
    return out + sorted(set(extra))


def explain_infeasibility(model: AllocationModel, problem: Problem, max_seconds: float = 60.0) -> list[str]:
    """Why ``problem`` has no feasible point, as sentences; integrality is relaxed first."""
    import highspy

    h = quiet_highs()
    h.setOptionValue("time_limit", max_seconds)
    h.setOptionValue("iis_strategy", 2)
    h.passModel(highs_lp(np.zeros(problem.A.shape[1]), problem.A.tocsc(), problem))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kInfeasible:
        return ["the linear relaxation is feasible: the integer priority rules cannot all hold together"]
    _status, iis = h.getIis()
    rows = list(iis.row_index_) if iis.valid_ else []
    if not rows:
        return ["HiGHS found the model infeasible but could not isolate a conflicting subset"]
    unit = model.scenario.spec.horizon.period_length
    lines = describe_rows(model, rows, unit)
    bounds = [int(c) for c in iis.col_index_]
    if bounds:
        names = sorted({model.lp.var_block_of(c).name for c in bounds})
        lines.append(f"with the bounds of {', '.join(names)} variables")
    return ["these constraints cannot all hold together:", *[f"  - {line}" for line in lines]]
