"""The two-stage plan over sampled futures (issue 22), against values worked out by hand.

**Newsvendor.** One manufacturer ships 10 doses a period straight to one site (lead 0) for one group of
1,000 willing people (risk weight 1, no terminal value, no travel), a one-dose product, three periods. Then
R = (3, 2, 1), W₀ = 3,000 and a dose given in period t is worth px_t = 100·R_t/3,000 points: (1/10, 1/15,
1/30). Period 0's ten doses are in hand and given at once. Period 1 delivers 2 or 10 doses (two futures,
probability ½ each), period 2 delivers 10. Bookings b for period 1 are made now; a booking not given costs
c (PX points) and a dose not given in period 1 waits for period 2. Booking one dose beyond 2 gains
½·(px₁ − px₂) = 1/60 in the good future and costs ½·c in the bad one, so b* = 10 when c < 1/30 and b* = 2
when c > 1/30, and the expected objective is

    10·px₀ + ½·[px₁·min(b, 2) + px₂·(12 − min(b, 2)) − c·(b − 2)⁺] + ½·[px₁·min(b, 10) + px₂·(20 − min(b, 10))].

With value_per_px_point = 100 and cancellation_cost 2 € (c = 0.02): b* = 10 and the objective is
1 + ½(2/15 + 10/30 − 0.16) + ½(10/15 + 10/30) = 1.65333…; with 5 € (c = 0.05): b* = 2 and
1 + ½(2/15 + 10/30) + ½(2/15 + 18/30) = 1.6.

**CVaR.** Losses (−5, 1, 3, 10), equally likely: the worst half averages (3 + 10)/2 = 6.5 = CVaR₀.₅, so the
least cushion t with CVaR₀.₅(L − t) ≤ 0 is 6.5 (Rockafellar–Uryasev at η = VaR = 3: 3 + 7/2).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import scenario
from typer.testing import CliRunner

from winwin import api
from winwin.cli import app
from winwin.data import load, synthetic
from winwin.optimizer import build_allocation_model
from winwin.optimizer.allocation.joint import solve_joint
from winwin.optimizer.lp.solvers import Problem, SolveOptions, SolveStatus
from winwin.optimizer.lp.workspace import Workspace
from winwin.optimizer.robust.evaluate import Decision, Recourse, clairvoyant, evaluate
from winwin.optimizer.robust.futures import Futures, sample_futures
from winwin.optimizer.robust.stages import split_stages
from winwin.optimizer.robust.two_stage import (
    build_two_stage,
    future_figures,
    silo_futures,
    solve_two_stage,
    win_win_rows,
)

NEWSVENDOR = {
    "name": "newsvendor",
    "horizon": {"periods": 3, "period_length": "week", "start": "2021-01-04"},
    "products": [{"id": "a", "doses_per_course": 1, "shelf_life": 3, "doses_per_vial": 1, "storage": "fridge"}],
    "groups": [{"id": "g", "rank": 1, "risk_weight": 1, "acceptance": 1.0, "eligible_from": 0}],
    "regions": [{"id": "r", "population": {"g": 1000}}],
    "partners": [
        {"id": "m", "role": "manufacturer", "products": ["a"], "supply": {"a": 10}, "price": {"a": 0}},
        {"id": "s", "role": "site", "kind": "vaccination_centre", "region": "r", "capacity": 1000, "fee": 0},
        {"id": "gov", "role": "payer"},
    ],
    "lanes": [{"from": "m", "to": "s", "lead_time": 0, "silo_share": 1.0}],
    "service": [{"site": "s", "region": "r", "travel_minutes": 0}],
    "money": {"value_per_px_point": 100, "transfers": "any", "cancellation_cost": 2.0},
    "experience": {"terminal_periods": 0, "travel_weight": 0},
}


def newsvendor(cost: float):  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(NEWSVENDOR)
    doc["money"]["cancellation_cost"] = cost
    sc = scenario(doc)
    return build_allocation_model(sc, strict_priority=False)


@pytest.mark.parametrize(("cost", "booked", "objective"), [(2.0, 10.0, 1 + (2 / 15 + 1 / 3 - 0.16 + 2 / 3 + 1 / 3) / 2),
                                                            (5.0, 2.0, 1.6)])  # fmt: skip
def test_two_futures_newsvendor_has_its_closed_form(cost: float, booked: float, objective: float) -> None:
    model = newsvendor(cost)
    ratio = np.ones((2, 1, 3))
    ratio[0, 0, 1] = 0.2  # the bad future delivers 2 of the 10 promised in period 1
    prog = build_two_stage(model, Futures(ratio).supply(model.scenario))
    sol = solve_two_stage(prog)
    assert sol.ok and sol.v is not None
    fig = future_figures(prog, sol.v)
    assert fig["booked"][0] == pytest.approx(booked, abs=1e-6)
    assert sol.objective == pytest.approx(objective, abs=1e-7)
    assert fig["objective"].mean() == pytest.approx(objective, abs=1e-7)
    assert fig["cancelled"] == pytest.approx([booked - 2.0, 0.0], abs=1e-6)


def test_weight_on_cvar_books_for_the_bad_future() -> None:
    """λ = 0.9, β = ½, two futures: the CVaR is the worse future's loss. Booking beyond 2 gains
    0.1·½·(1/30 − 0.02) in expectation and loses 0.9·0.02 in the worse future, so b* = 2 even where the
    risk-neutral plan books 10 (module docstring: c = 0.02). With b = 2, E[Z] = 1.6 and the worse future's
    Z = 1 + 2/15 + 10/30, so the objective is 0.1·1.6 + 0.9·(1 + 2/15 + 1/3)."""
    model = newsvendor(2.0)
    ratio = np.ones((2, 1, 3))
    ratio[0, 0, 1] = 0.2
    prog = build_two_stage(model, Futures(ratio).supply(model.scenario), beta=0.5, risk_weight=0.9)
    sol = solve_two_stage(prog)
    assert sol.ok and sol.v is not None
    fig = future_figures(prog, sol.v)
    assert fig["booked"][0] == pytest.approx(2.0, abs=1e-6)
    assert sol.objective == pytest.approx(1.6, abs=1e-7)  # E[PX − costs], reported without the risk term
    assert float(prog.objective @ sol.v) == pytest.approx(0.1 * 1.6 + 0.9 * (1 + 2 / 15 + 1 / 3), abs=1e-7)


def test_one_future_equal_to_the_forecast_is_the_deterministic_plan() -> None:
    sc = load("tiny")
    model = build_allocation_model(sc, strict_priority=False)
    joint = solve_joint(model, SolveOptions())
    prog = build_two_stage(model, Futures(np.ones((1, len(sc.manufacturers), sc.T))).supply(sc))
    sol = solve_two_stage(prog)
    assert sol.ok and sol.v is not None and joint.objective is not None
    fig = future_figures(prog, sol.v)
    assert sol.objective == pytest.approx(joint.objective, abs=1e-6)
    assert fig["cancelled"] == pytest.approx([0.0], abs=1e-7)
    # the bookings are the plan's next-period first doses
    x = prog.model_x(sol.v, 0)
    stages = split_stages(model)
    assert Decision.of_program(prog, sol.v).bookings == pytest.approx(x[stages.booked], abs=1e-6)


def test_cvar_rows_need_the_hand_computed_cushion() -> None:
    losses = np.array([-5.0, 1.0, 3.0, 10.0])
    gains = [sp.csr_matrix([[1.0]]) for _ in losses]  # one column: the cushion t
    rows, lo, hi, n_risk = win_win_rows(gains, [np.array([v]) for v in losses], beta=0.5)
    n = 1 + n_risk
    c = np.zeros(n)
    c[0] = 1.0
    lb = np.concatenate([[-np.inf, -np.inf], np.zeros(n_risk - 1)])
    problem = Problem(c, rows, lo, hi, lb, np.full(n, np.inf), np.zeros(n, dtype=bool), maximize=False)
    sol = Workspace(problem).solve(c, maximize=False)
    assert sol.ok and sol.x is not None
    assert sol.x[0] == pytest.approx(6.5, abs=1e-7)
    # expectation only: the cushion is the mean loss
    rows, lo, hi, _ = win_win_rows(gains, [np.array([v]) for v in losses], beta=None)
    mean = Workspace(Problem(c[:1], rows, lo, hi, np.array([-np.inf]), np.array([np.inf]), np.zeros(1, dtype=bool),
                             maximize=False)).solve(c[:1], maximize=False)  # fmt: skip
    assert mean.x is not None and mean.x[0] == pytest.approx(losses.mean(), abs=1e-7)


def test_robust_win_win_holds_on_every_planned_future_and_costs_at_most_the_plain_plan() -> None:
    sc = load("tiny")
    model = build_allocation_model(sc, strict_priority=False)
    supply = sample_futures(sc, 8, seed=3).supply(sc)
    d = silo_futures(model, supply)
    plain = solve_two_stage(build_two_stage(model, supply))
    prog = build_two_stage(model, supply, disagreement=d, beta=0.9)  # (1 − β)K < 1: every future whole
    robust = solve_two_stage(prog)
    assert robust.ok and robust.v is not None and plain.objective is not None and robust.objective is not None
    assert robust.objective <= plain.objective + 1e-9
    surplus = future_figures(prog, robust.v)["utility"].sum(axis=1) - d.utility.sum(axis=1)
    assert surplus.min() >= -1e-6


def _small(seed: int):  # type: ignore[no-untyped-def]
    sc = synthetic(n_sites=3, n_regions=2, n_groups=2, n_products=2, periods=5, seed=seed)
    return build_allocation_model(sc, strict_priority=False)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), futures_seed=st.integers(0, 10_000))
def test_vss_and_evpi_are_not_negative_on_the_planned_futures(seed: int, futures_seed: int) -> None:
    """In sample (the futures the plans were made on) VSS ≥ 0 and EVPI ≥ 0 are theorems."""
    model = _small(seed)
    sc = model.scenario
    futures = sample_futures(sc, 4, futures_seed)
    supply = futures.supply(sc)
    stages = split_stages(model)
    rp_prog = build_two_stage(model, supply, stages)
    rp = solve_two_stage(rp_prog)
    ev_prog = build_two_stage(model, futures.mean().supply(sc), stages)
    ev = solve_two_stage(ev_prog)
    assert rp.ok and ev.ok and rp.v is not None and ev.v is not None and rp.objective is not None
    recourse = Recourse(model, stages, supply)
    rp_value = evaluate(model, stages, Decision.of_program(rp_prog, rp.v), supply, recourse=recourse).objective
    ev_value = evaluate(model, stages, Decision.of_program(ev_prog, ev.v), supply, recourse=recourse).objective
    ws = clairvoyant(model, stages, supply, recourse)
    assert rp_value.mean() == pytest.approx(rp.objective, rel=1e-5, abs=1e-6)
    assert rp_value.mean() - ev_value.mean() >= -1e-6  # VSS
    assert (ws - rp_value >= -1e-6).all()  # EVPI, future by future


def test_plan_robust_cli_reports_both_decisions_on_the_same_futures(runner: CliRunner) -> None:
    result = runner.invoke(app, ["plan", "tiny", "--robust", "6", "--test-futures", "8", "--replications", "2",
                                 "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["futures"] == 6 and payload["cvar_beta"] == 0.95 and payload["status"] == "optimal"
    oos = payload["out_of_sample"]
    assert oos["test_futures"] == 8
    assert oos["robust_winwin"]["whole_share"] == 1.0  # tiny's coordination surplus dwarfs the delivery risk
    # EVPI ≥ 0 future by future, so its mean is too; the clairvoyant bounds both decisions
    assert oos["evpi"]["mean"] >= -1e-6
    assert oos["clairvoyant_objective"]["mean"] >= oos["deterministic_winwin"]["objective"]["mean"] - 1e-6
    assert len(payload["saa_gap"]["replications"]) == 2
    # the same seed gives the same plan
    again = json.loads(runner.invoke(app, ["plan", "tiny", "--robust", "6", "--test-futures", "8", "--replications",
                                           "2", "--json"]).stdout)  # fmt: skip
    assert again["out_of_sample"] == oos and again["objective"] == payload["objective"]


def test_plan_robust_bad_input_names_every_field(runner: CliRunner) -> None:
    result = runner.invoke(app, ["plan", "tiny", "--robust", "0", "--cvar", "1.5", "--concept", "nash",
                                 "--test-futures", "1"])  # fmt: skip
    assert result.exit_code == 2
    for text in ("--robust", "--cvar", "--concept", "--test-futures", "1.5", "nash", "(got 0)"):
        assert text in result.output


def test_compare_answers_robust_winwin_beside_winwin(runner: CliRunner) -> None:
    result = runner.invoke(app, ["compare", "tiny", "--concepts", "robust_winwin", "--futures", "4",
                                 "--test-futures", "4", "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    concepts = json.loads(result.stdout)["concepts"]
    assert list(concepts) == ["winwin", "robust_winwin"]
    entry = concepts["robust_winwin"]
    assert entry["futures"] == 4 and entry["test_futures"] == 4
    assert 0.0 <= entry["win_win_probability"] <= 1.0 and 0.0 <= entry["deterministic_win_win_probability"] <= 1.0


def test_the_report_shows_robust_winwin_beside_the_deal_sheet(tmp_path: Path) -> None:
    path = api.report(tmp_path / "r.html", scenario="tiny", points=2, robust=4)
    html = path.read_text()
    assert "robust win-win planned on 4 sampled delivery futures" in html
    assert "futures with every partner whole" in html


def test_out_of_sample_on_ray_equals_in_process(ray_cluster) -> None:  # type: ignore[no-untyped-def]
    from winwin.optimizer.parallel import RayExecutor
    from winwin.optimizer.robust.robust import RobustSettings, robust_plan

    settings = RobustSettings(futures=4, test_futures=12, seed=5)  # two chunks of futures
    here = robust_plan(load("tiny"), settings).to_dict()
    there = robust_plan(load("tiny"), settings, RayExecutor()).to_dict()
    assert there["out_of_sample"] == here["out_of_sample"]


def test_without_side_payments_each_partner_has_its_own_rows() -> None:
    """CVaR at β = 0 is the mean: the same plan as win-win in expectation. On tiny without transfers a partner's
    own CVaR₀.₅ ≤ 0 cannot be met on these futures, and the report says why instead of a bare status."""
    from winwin.optimizer.robust.robust import RobustSettings, robust_plan

    sc = load("tiny")
    mean = robust_plan(sc, RobustSettings(futures=6, test_futures=0, beta=None, transfers="none"))
    zero = robust_plan(sc, RobustSettings(futures=6, test_futures=0, beta=0.0, transfers="none"))
    assert mean.status == zero.status == SolveStatus.OPTIMAL
    assert zero.objective == pytest.approx(mean.objective, abs=1e-7)
    strict = robust_plan(sc, RobustSettings(futures=6, test_futures=0, beta=0.5, transfers="none"))
    assert strict.status == SolveStatus.INFEASIBLE and "each partner's own" in strict.note
    free = robust_plan(sc, RobustSettings(futures=6, test_futures=0, beta=0.5, transfers="any"))
    assert free.status == SolveStatus.OPTIMAL  # one row on the surplus: feasible
