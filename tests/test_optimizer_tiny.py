"""The allocation model on `tiny`, checked against values worked out by hand.

tiny (see data/scenarios/tiny.yaml): 6 weekly periods; alpha (1 dose, shelf life 2) 60 a week, beta
(2 doses, 2 weeks apart) 40 a week; the distributor ships to the sites with a lead time of 1 week, so
doses reach sites in weeks 1–5; site capacities 40 + 40 + 20 = 100 a week. Groups: elderly (risk 10,
willing 80 + 120 = 200, alpha only), carers (risk 4, willing 45 + 45 = 90), adults (risk 1, willing
200 + 150 = 350, eligible from week 2). No travel weight.

Waiting without a plan, W₀ = Σ willing · risk · (periods from eligibility to the end):
    elderly 200·10·6 = 12 000, carers 90·4·6 = 2 160, adults 350·1·4 = 1 400  →  W₀ = 15 560.
Vaccinating one person of g in week t saves risk_g · (6 − t).

Joint optimum, worked by hand. Alpha reaches sites at most 60 a week (supply 60 a week, lead 1), and
the elderly may only have alpha, so the fastest the elderly can go is 60, 60, 60, 20 in weeks 1–4:
    7 600 = 60·50 + 60·40 + 60·30 + 20·20.
Beta (40 a week) goes to carers in weeks 1 and 2 (40·20 + 40·16 = 1 440); their second doses take 40 of
the 100 places in weeks 3 and 4. Week 3 is then full (60 elderly + 40 second doses); in week 4 the 10
remaining carers (10·8 = 80) and 30 adults (30·2 = 60) fill it; week 5 gives 100 adults (100·1).
Saved waiting = 7 600 + 1 440 + 80 + 60 + 100 = 9 280, so PX = 100 · 9 280 / 15 560 = 59.6401….
Every site is full in weeks 1–5 and all shippable supply (alpha 300, beta 200) is used, so the
utilities are fixed too: m_alpha 300·(10 − 4) = 1 800, m_beta 200·(15 − 6) = 1 800, distributor
500·(1 − 0.5 − 0.2) = 150, sites (5 − 3)·200 = 400, (6 − 4)·200 = 400, (4 − 2)·100 = 200, and the payer
100·PX − (300·10 + 200·15 + 500·1 + 200·5 + 200·6 + 100·4) = 100·PX − 9 100.
"""

from __future__ import annotations

import numpy as np
import pytest
from support import PX_JOINT, W0

from winwin.data import Scenario
from winwin.optimizer import SolveOptions, SolveStatus, build_allocation_model, plan
from winwin.optimizer.allocation.silo import silo_arrays


@pytest.fixture(scope="module")
def joint(tiny: Scenario):  # type: ignore[no-untyped-def]
    return plan(tiny, "joint")


def test_waiting_without_plan(tiny: Scenario) -> None:
    assert pytest.approx(W0) == build_allocation_model(tiny).W0


def test_joint_px_by_hand(joint) -> None:  # type: ignore[no-untyped-def]
    assert joint.status == SolveStatus.OPTIMAL
    assert joint.px == pytest.approx(PX_JOINT, rel=1e-6)
    assert joint.kpis()["waiting"] == pytest.approx(W0 - 9_280, rel=1e-6)


def test_joint_schedule_by_hand(joint) -> None:  # type: ignore[no-untyped-def]
    cov = joint.coverage()  # cumulated share of willing
    np.testing.assert_allclose(cov.loc["elderly"].to_numpy(), [0, 60 / 200, 120 / 200, 180 / 200, 1, 1], atol=1e-6)
    np.testing.assert_allclose(cov.loc["carers"].to_numpy(), [0, 40 / 90, 80 / 90, 80 / 90, 1, 1], atol=1e-6)
    np.testing.assert_allclose(cov.loc["adults"].to_numpy() * 350, [0, 0, 0, 0, 30, 130], atol=1e-5)
    k = joint.kpis()
    assert k["first_doses"] == pytest.approx(420, abs=1e-5)
    assert k["second_doses"] == pytest.approx(80, abs=1e-5)
    assert k["doses_wasted"] == pytest.approx(0, abs=1e-6)


def test_joint_utilities_by_hand(joint) -> None:  # type: ignore[no-untyped-def]
    u = joint.partners()["utility"]
    expected = {"m_alpha": 1800, "m_beta": 1800, "dist": 150, "s_north": 400, "s_south": 400, "s_pharma": 200}
    for pid, value in expected.items():
        assert u[pid] == pytest.approx(value, abs=1e-4), pid
    assert u["gov"] == pytest.approx(100 * joint.px - 9_100, abs=1e-3)  # payments of 9 100 to solver tolerance


def test_silo_first_week_by_hand(tiny: Scenario) -> None:
    """Week 0: the manufacturers send everything to the distributor (contract share 1); it dispatches
    all 100 doses pro rata to the eligible willing population its sites serve. A region's people are
    shared among its sites by capacity: north → s_north 2/3, s_pharma 1/3; south → s_south 2/3, s_pharma 1/3.
    Eligible in week 0 for alpha: elderly and carers; for beta: carers (and not at the pharmacy, fridge only).
        alpha weights: s_north 80·2/3 + 45·2/3 = 83.33, s_south 120·2/3 + 45·2/3 = 110,
                       s_pharma (80 + 120)/3 + (45 + 45)/3 = 96.67; total 290.
        beta weights:  s_north 30, s_south 30.
    Week 1 at s_north: 60·83.33/290 = 17.24 alpha and 20 beta arrive; the elderly (first in line, alpha
    only) take all 17.24 alpha, then the carers take the 20 beta (capacity 40 is not reached)."""
    a = silo_arrays(tiny)
    ship0 = a.ship[:, :, 0]  # lanes: m_alpha→dist, m_beta→dist, dist→s_north, dist→s_south, dist→s_pharma
    np.testing.assert_allclose(ship0[0], [60, 0])
    np.testing.assert_allclose(ship0[1], [0, 40])
    np.testing.assert_allclose(ship0[2], [60 * (250 / 3) / 290, 20])
    np.testing.assert_allclose(ship0[3], [60 * 110 / 290, 20])
    np.testing.assert_allclose(ship0[4], [60 * (290 / 3) / 290, 0])
    pair = 0  # service[0]: s_north serves north
    assert (tiny.sites.ids[tiny.pair_site[pair]], tiny.regions.ids[tiny.pair_region[pair]]) == ("s_north", "north")
    g_e, g_c = tiny.groups.pos("elderly"), tiny.groups.pos("carers")
    assert a.adm[pair, g_e, 0, 1] == pytest.approx(60 * (250 / 3) / 290)
    assert a.adm[pair, g_c, 1, 1] == pytest.approx(20)
    assert a.adm[:, :, :, 0].sum() == 0  # nothing has reached a site in week 0


def test_silo_is_feasible_for_the_model_and_worse(tiny: Scenario, joint) -> None:  # type: ignore[no-untyped-def]
    silo = plan(tiny, "silo")
    assert silo.status == SolveStatus.RULE_BASED
    assert silo.kpis()["violation_of_model"] < 1e-9
    assert silo.px <= joint.px + 1e-9
    np.testing.assert_allclose(silo.partners()["gain"], 0, atol=1e-9)
    # the joint plan's gains are measured against these silo utilities
    np.testing.assert_allclose(joint.partners()["disagreement"], silo.partners()["utility"])


def test_strict_priority_respects_the_order(tiny: Scenario) -> None:
    theta = 0.9
    p = plan(tiny, strict_priority=True, threshold=theta)
    assert p.status == SolveStatus.OPTIMAL and p.model.strict_priority
    adm = p.administrations().groupby(["group", "region", "period"])["doses"].sum()
    willing = dict(zip(tiny.regions.ids, range(2), strict=True))
    for gi in range(1, len(tiny.groups)):
        g, before = tiny.groups.ids[gi], tiny.groups.ids[gi - 1]
        for region, r in willing.items():
            for t in range(tiny.T):
                if adm.get((g, region, t), 0.0) > 1e-6:
                    done = sum(adm.get((before, region, u), 0.0) for u in range(t))
                    assert done >= theta * tiny.willing[gi - 1, r] - 1e-6, (g, region, t)
    # the gates cost patient experience: the free optimum is higher
    assert p.px < PX_JOINT - 1


def test_backends_agree_on_tiny(tiny: Scenario) -> None:
    a = plan(tiny, options=SolveOptions(backend="ortools"))
    b = plan(tiny, options=SolveOptions(backend="pyomo"))
    assert b.solve.backend == "pyomo" and b.solve.solver == "appsi_highs"
    assert a.px == pytest.approx(b.px, rel=1e-6)
    for solver in ("glop", "pdlp"):
        c = plan(tiny, options=SolveOptions(backend="ortools", solver=solver))
        assert c.px == pytest.approx(PX_JOINT, rel=1e-5), solver
    mip_a = plan(tiny, strict_priority=True, threshold=0.9, options=SolveOptions(backend="ortools"))
    mip_b = plan(tiny, strict_priority=True, threshold=0.9, options=SolveOptions(backend="pyomo"))
    assert mip_a.px == pytest.approx(mip_b.px, rel=1e-6)


def test_infeasible_commitment_is_explained(tiny_copy: dict) -> None:  # type: ignore[type-arg]
    from winwin.data import from_model, parse

    tiny_copy["partners"][3]["min_volume"] = 300  # s_north: 40 a week for weeks 1–5 is at most 200
    p = plan(from_model(parse(tiny_copy)))
    assert p.status == SolveStatus.INFEASIBLE and not p.has_plan
    text = "\n".join(p.diagnosis)
    assert "s_north's administration capacity in weeks 1–5" in text
    assert "s_north's committed volume" in text


def test_budget_and_storage_bind(tiny_copy: dict) -> None:  # type: ignore[type-arg]
    """A payer budget of 5 000 cannot buy the joint plan (9 100); a 10-dose store at s_north caps its stock."""
    from winwin.data import from_model, parse

    tiny_copy["partners"][6]["budget"] = 5000
    tiny_copy["partners"][3]["storage"] = 10
    tiny_copy["partners"][3]["min_volume"] = 20
    p = plan(from_model(parse(tiny_copy)))
    assert p.status == SolveStatus.OPTIMAL
    assert p.kpis()["payer_spend"] <= 5000 + 1e-6
    assert p.px < PX_JOINT - 1
    inv = p.inventory()
    assert inv.loc[inv["node"] == "s_north", "doses"].to_numpy().max(initial=0.0) <= 10 + 1e-6
    used = p.administrations().query("site == 's_north'")["doses"].sum()
    assert used >= 20 - 1e-6  # its committed minimum (first doses alone reach it here)


def test_plan_and_the_negotiation_solve_the_same_joint_program(tiny: Scenario) -> None:
    """`plan` (OR-Tools' model builder) and `compare` (the HiGHS workspace) solve one joint program with one
    tie tolerance: the hand-worked PX and the same utilities, which the optimum fixes on tiny."""
    from winwin.optimizer.concepts import compare

    ours = plan(tiny, "joint")
    theirs = compare(tiny, ["joint"]).outcomes["joint"].plan
    # the tie-break may give up TIE_TOLERANCE (1e-9) of PX
    assert ours.px == pytest.approx(PX_JOINT, rel=2e-9) and theirs.px == pytest.approx(PX_JOINT, rel=2e-9)
    np.testing.assert_allclose(ours.utilities(), theirs.utilities(), rtol=1e-7, atol=1e-6)


def test_joint_px_by_hand_when_the_interval_lengthens(tiny_copy: dict) -> None:  # type: ignore[type-arg]
    """Beta's interval lengthens from 2 to 3 weeks for the courses started from week 2 on (as Belgium's Comirnaty
    interval did in March 2021). Weeks 1–3 are as in the module docstring (week 3: 60 elderly and the 40 second
    doses of week 1's carers). Week 2's carers now come back in week 5, so week 4 has all 100 places for first
    doses — 20 elderly, the 10 remaining carers and 70 adults — and week 5 gives the 40 second doses and 60
    adults: saved 7 600 + 1 440 + 10·8 + 70·2 + 60·1 = 9 320, PX = 100 · 9 320 / 15 560 = 59.8972…; the second
    doses fall in weeks 3 and 5, none in week 4."""
    from winwin.data import from_model, parse

    tiny_copy["products"][1]["interval"] = [2, 2, 3, 3, 3, 3]
    sc = from_model(parse(tiny_copy))
    np.testing.assert_array_equal(sc.interval[1], [2, 2, 3, 3, 3, 3])
    p = plan(sc, "joint")
    assert p.status == SolveStatus.OPTIMAL
    assert p.px == pytest.approx(100 * 9320 / W0, abs=1e-6)
    adm = p.administrations().groupby(["product", "period"])["doses"].sum()
    assert adm[("beta", 1)] == pytest.approx(40) and adm[("beta", 2)] == pytest.approx(40)
    assert p.kpis()["second_doses"] == pytest.approx(80)  # both courses complete inside the horizon


def test_silo_books_second_doses_at_the_interval_of_their_course_start(tiny_copy: dict) -> None:  # type: ignore[type-arg]
    """Week 1 of the silo (test_silo_first_week_by_hand): s_north's carers take its 20 beta; at s_south the
    elderly first take the 60·110/290 = 22.76 alpha, leaving 40 − 22.76 = 17.24 places for its 20 beta, so
    the carers start 37.24 courses. With beta's interval [2, 2, 3, 3, 3, 3] their second doses fall due in
    week 3 and week 2's in week 5, so nothing falls due in week 4."""
    from winwin.data import from_model, parse
    from winwin.optimizer.allocation.silo import SiloRun

    tiny_copy["products"][1]["interval"] = [2, 2, 3, 3, 3, 3]
    sc = from_model(parse(tiny_copy))
    run = SiloRun(sc)
    run.finish(sc.supply)
    beta = sc.products.pos("beta")
    first = run.adm[:, :, beta, :].sum(axis=(0, 1))
    assert first[1] == pytest.approx(20 + 40 - 60 * 110 / 290)
    assert run.due[:, beta, 3].sum() == pytest.approx(first[1])
    assert run.due[:, beta, 4].sum() == pytest.approx(0)
    assert run.due[:, beta, 5].sum() == pytest.approx(first[2]) and first[2] > 0
