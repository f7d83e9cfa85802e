"""Properties of optimised plans on random small ecosystems, re-derived from the tidy plan tables.

The checks below do not use the model's matrix: they recompute stock balances, capacities, demand,
shelf life and second doses from the shipments / inventory / administrations / waste tables, so a wrong
row in the model shows up as a violated rule here.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from winwin.data import Scenario, synthetic
from winwin.optimizer import SolveStatus, build_allocation_model, plan, silo_plan

TOL = 1e-5


def _usage(sc: Scenario, adm: dict[tuple[str, str, int], float]) -> dict[tuple[str, str, int], float]:
    """Doses used per (site, product, period): first doses plus second doses interval periods later."""
    used: dict[tuple[str, str, int], float] = defaultdict(float)
    for (s, k, t), v in adm.items():
        used[(s, k, t)] += v
        product = sc.product(k)  # read off the file's spec, not the scenario's arrays
        interval = product.interval[t if len(product.interval) > 1 else 0] if product.doses_per_course == 2 else 0
        if interval and t + interval < sc.T:
            used[(s, k, t + interval)] += v
    return used


def check_plan_rules(sc: Scenario, p) -> None:  # type: ignore[no-untyped-def]
    ship = p.shipments()
    inv = {(r.node, r.product, r.period): r.doses for r in p.inventory().itertuples()}
    admf = p.administrations()
    adm = admf.groupby(["site", "product", "period"])["doses"].sum().to_dict()
    waste = {(r.site, r.product, r.period): r.doses for r in p.waste().itertuples()}
    used = _usage(sc, adm)
    out_flow: dict[tuple[str, str, int], float] = defaultdict(float)
    in_flow: dict[tuple[str, str, int], float] = defaultdict(float)
    for r in ship.itertuples():
        assert r.doses >= -TOL
        out_flow[(r._1, r.product, r.period)] += r.doses  # _1 is the "from" column
        in_flow[(r.to, r.product, r.arrival)] += r.doses
        assert r.arrival < sc.T
    # stock balance at every node, from the flows
    supply = {
        (m, k, t): sc.supply[i, j, t]
        for i, m in enumerate(sc.manufacturers.ids)
        for j, k in enumerate(sc.products.ids)
        for t in range(sc.T)
    }
    for n in sc.nodes.ids:
        for k in sc.products.ids:
            stock = 0.0
            for t in range(sc.T):
                stock += supply.get((n, k, t), 0.0) + in_flow[(n, k, t)] - out_flow[(n, k, t)]
                stock -= used.get((n, k, t), 0.0) + waste.get((n, k, t), 0.0)
                assert abs(stock - inv.get((n, k, t), 0.0)) <= TOL * max(1.0, abs(stock)), (n, k, t, stock)
                assert stock >= -TOL * max(1.0, abs(stock))
    # administration capacity per site and period
    for si, s in enumerate(sc.sites.ids):
        for t in range(sc.T):
            total = sum(used.get((s, k, t), 0.0) for k in sc.products.ids)
            assert total <= sc.site_capacity[si, t] * (1 + TOL) + TOL
    # lane capacity and distributor throughput
    per_lane = ship.groupby(["from", "to", "period"])["doses"].sum()
    for (a, b, t), v in per_lane.items():
        e = next(i for i, ln in enumerate(sc.lanes) if ln.source == a and ln.target == b)
        assert v <= sc.lane_capacity[e, t] * (1 + TOL) + TOL
    for d, did in enumerate(sc.distributors.ids):
        for t in range(sc.T):
            assert (
                sum(v for (a, _b, tt), v in per_lane.items() if a == did and tt == t)
                <= sc.throughput[d, t] * (1 + TOL) + TOL
            )
    # demand: no (group, region) gets more courses than its willing population
    by_gr = admf.groupby(["group", "region"])["doses"].sum()
    for (g, r), v in by_gr.items():
        assert v <= sc.willing[sc.groups.pos(g), sc.regions.pos(r)] * (1 + TOL) + TOL
    # eligibility and products allowed
    for row in admf.itertuples():
        gi = sc.groups.pos(row.group)
        assert row.period >= sc.eligible_from[gi]
        assert sc.allowed[gi, sc.products.pos(row.product)]
        assert sc.serves[sc.sites.pos(row.site), sc.regions.pos(row.region)]
    # shelf life at sites: stock at the end of t arrived within the last SL periods
    for s in sc.sites.ids:
        for k in sc.products.ids:
            sl = sc.product(k).shelf_life
            for t in range(sc.T):
                window = sum(in_flow[(s, k, u)] for u in range(max(0, t - sl + 1), t + 1))
                assert inv.get((s, k, t), 0.0) <= window + TOL * max(1.0, window)


sizes = st.tuples(
    st.integers(2, 7),  # sites
    st.integers(1, 3),  # regions
    st.integers(1, 4),  # groups
    st.integers(1, 3),  # products
    st.integers(3, 9),  # periods
    st.integers(0, 10_000),  # seed
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=sizes)
def test_joint_plan_obeys_every_rule_and_beats_a_feasible_silo(size: tuple[int, ...]) -> None:
    sc = synthetic(*size)
    model = build_allocation_model(sc)
    joint = plan(sc, model=model)
    assert joint.status == SolveStatus.OPTIMAL
    check_plan_rules(sc, joint)
    silo = silo_plan(model)
    if silo.kpis()["violation_of_model"] <= 1e-6:
        check_plan_rules(sc, silo)
        assert joint.px >= silo.px - 1e-6
    assert 0.0 <= joint.px <= 100.0


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=sizes)
def test_strict_priority_plans_obey_the_rules(size: tuple[int, ...]) -> None:
    sc = synthetic(*size)
    strict = plan(sc, strict_priority=True, threshold=0.5)
    free = plan(sc)
    assert strict.status == SolveStatus.OPTIMAL
    check_plan_rules(sc, strict)
    assert strict.px <= free.px + 1e-6 * max(1.0, free.px) + (strict.solve.gap or 0) * 100


def test_silo_on_belgium_respects_capacities(belgium: Scenario) -> None:
    silo = silo_plan(build_allocation_model(belgium))
    k = silo.kpis()
    adm = silo.model.lp.var_blocks["adm"].dense(silo.x)  # type: ignore[arg-type]  # [pair, g, k, t]
    used_cap = np.zeros_like(belgium.site_capacity)
    np.add.at(used_cap, belgium.pair_site, adm.sum(axis=(1, 2)))  # first doses per site and period
    assert (used_cap <= belgium.site_capacity + 1e-6).all()
    assert k["second_doses_missed"] >= 0 and 0 < k["px"] < 100
