"""The robust planner in the simulation (issue 22, part 7: ``simulate --planner robust --futures K``).

Hand-worked oracle for the window's extensive form (:func:`solve_futures`), a newsvendor over two futures:
next week's first doses ``a_ξ`` need a booking ``b`` made now (``a_ξ ≤ b``) and doses (``a_ξ + w_ξ = S_ξ``,
``w`` idle), each dose is worth 1 PX point, each booking not kept costs ``c``; S = 10 or 2, equally likely.

- Without a service level: booking one more above 2 gains ½ (S = 10) and costs ½·c (S = 2): for c < 1,
  b* = 10, E[PX − c·(b − a)] = (10 + 2)/2 − c·(10 − 2)/2 = 6 − 4c (at c = 0.1: 5.6).
- Keeping ``keep`` of the bookings in expectation, ``keep·b ≤ E[a] = (min(b, 10) + min(b, 2))/2``: for
  b ∈ [2, 10] that is ``keep·b ≤ (b + 2)/2``, so b ≤ 2/(2·keep − 1); at keep = 0.9, b* = 2.5, E[a] = 2.25,
  objective 2.25 − c·(2.5 − 2)/2 = 2.25 − 0.25c (at c = 0.1: 2.225).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp

from winwin.cli import app
from winwin.data import load
from winwin.models import SimulationResult, SimulationSettings, simulate_run
from winwin.models.beliefs import DeliveryBelief
from winwin.optimizer.allocation.silo import silo_arrays
from winwin.optimizer.lp.solvers import Problem, SolveStatus
from winwin.optimizer.lp.workspace import Workspace
from winwin.optimizer.rolling.futures_window import FutureProgram, WindowFutures, solve_futures
from winwin.optimizer.rolling.planner import silo_period_utilities
from winwin.optimizer.rolling.reduced import rolling_planner


def newsvendor(keep: float | None, c: float = 0.1) -> tuple[float, float]:
    """(booking, objective) of the module docstring's two-future newsvendor."""
    # columns: a (next week's first doses), w (idle doses); one supply row of week 1: a + w = S
    base = Problem(np.zeros(2), sp.csr_matrix(np.array([[1.0, 1.0]])), np.array([10.0]), np.array([10.0]),
                   np.zeros(2), np.full(2, np.inf), np.zeros(2, dtype=bool))  # fmt: skip
    ws = Workspace(base)
    program = FutureProgram(
        live=ws.live(), objective=np.array([1.0, 0.0]), welfare=np.zeros(2), shared=np.zeros(0, dtype=np.int64),
        supply_rows=np.array([[[-1, 0]]]), period=0, ir_rows=np.zeros(0, dtype=np.int64), utility_const=np.zeros(0),
        now=np.zeros(0, dtype=np.int64), booked=np.zeros(0), booking=np.array([0]),
        repair_now=np.zeros(0, dtype=np.int64), repair=np.zeros(0, dtype=np.int64), miss_px=1.0, cancel_px=c,
    )  # fmt: skip
    supply = np.array([10.0, 2.0])[:, None, None, None] * np.ones((2, 1, 1, 2))
    futures = WindowFutures(supply, np.zeros((2, 0, 2)), keep=keep)
    sol = solve_futures(program, futures, np.zeros((2, 0)))
    assert sol.status == SolveStatus.OPTIMAL and sol.bookings is not None and sol.objective is not None
    return float(sol.bookings[0]), sol.objective


def test_the_window_newsvendor_books_by_hand() -> None:
    b, objective = newsvendor(None)
    assert b == pytest.approx(10.0, abs=1e-6) and objective == pytest.approx(5.6, abs=1e-6)
    b, objective = newsvendor(0.9)
    assert b == pytest.approx(2.5, abs=1e-6) and objective == pytest.approx(2.225, abs=1e-6)


def _planners(sc, K: int, supply: np.ndarray):  # type: ignore[no-untyped-def]
    """A deterministic and a robust planner at week 0 whose every future is ``supply``."""
    det = rolling_planner(sc, lookahead=4)
    silo = silo_period_utilities(det.model, det.col_period, silo_arrays(sc, supply))
    det.begin(0, supply, None, silo)
    rob = rolling_planner(sc, lookahead=4)
    rob.begin(0, supply, None, silo, WindowFutures(np.repeat(supply[None], K, 0), np.repeat(silo[None], K, 0)))
    return det, rob


@pytest.mark.parametrize("K", [1, 3])
def test_futures_that_are_all_the_forecast_give_the_deterministic_plan(K: int) -> None:
    """Every future equal to the forecast: the robust window plan is worth the deterministic one (its PX, the
    first doses it books for next week, the partners' total gain; the optimum is not unique column by
    column: which group gets next week's doses is a tie)."""
    sc = load("tiny")
    det, rob = _planners(sc, K, sc.supply.copy())
    d, r = det.plan("winwin"), rob.plan("winwin")
    assert r.futures is not None and r.futures.x.shape[0] == K
    assert float(rob.model.px @ r.x) == pytest.approx(float(det.model.px @ d.x), rel=1e-6)
    assert rob.bookings(r).sum() == pytest.approx(det.bookings(d).sum(), rel=1e-7)
    assert r.gains.sum() == pytest.approx(d.gains.sum(), rel=1e-7)
    assert r.gains.min() >= -1e-6 * max(1.0, float(np.abs(d.disagreement).max()))


def test_robust_winwin_holds_in_every_planned_future() -> None:
    """K = 6 ≤ 1/(1 − β) at β = 0.95: the CVaR row is the worst future, so with free side payments every
    future's surplus over its own silo campaign is ≥ 0, and every partner is whole in expectation."""
    sc = load("tiny")
    rng = np.random.default_rng(3)
    ratios = rng.uniform(0.6, 1.0, size=(6, len(sc.manufacturers), 1, sc.T))
    supply = sc.supply[None] * ratios
    supply[:, :, :, 0] = sc.supply[:, :, 0]  # this week's deliveries are known
    planner = rolling_planner(sc, lookahead=4)
    silo = np.array([silo_period_utilities(planner.model, planner.col_period, silo_arrays(sc, s)) for s in supply])
    planner.begin(0, sc.supply.copy(), None, silo[0], WindowFutures(supply, silo))
    plan = planner.plan("winwin")
    assert plan.futures is not None and plan.has_plan
    surplus = (plan.futures.dated - plan.futures.reservation).sum(axis=1)
    tol = 1e-6 * max(1.0, float(np.abs(plan.futures.reservation).max()))
    assert surplus.min() >= -tol
    assert plan.gains.min() >= -tol
    assert (plan.futures.x[:, planner.col_period == 0] == plan.futures.x[0, planner.col_period == 0]).all()


def test_a_robust_run_is_a_pure_function_of_its_seed() -> None:
    sc = load("tiny")
    settings = SimulationSettings(mode="winwin", planner="robust", futures=4)
    a, b = simulate_run(sc, settings, 2), simulate_run(sc, settings, 2)
    cols = ["px", "cancellations", "first_doses", "booked"]
    assert a.kpis[cols].equals(b.kpis[cols])
    assert a.extra["planner"]["futures"] == 4


def test_the_reduced_model_plans_robustly_as_the_full_one(tiny_clones) -> None:  # type: ignore[no-untyped-def]
    """Merged sites (the reduced model) against the full model: the same robust run, week by week."""
    settings = SimulationSettings(mode="winwin", planner="robust", futures=3)
    reduced = simulate_run(tiny_clones, settings, 1)
    full = simulate_run(tiny_clones, settings.model_copy(update={"exact": True}), 1)
    assert reduced.extra["model"]["model"] == "reduced"
    np.testing.assert_allclose(reduced.kpis["px"], full.kpis["px"], rtol=1e-6)
    np.testing.assert_allclose(reduced.kpis["first_doses"], full.kpis["first_doses"], rtol=1e-5, atol=1e-4)


def test_sampled_futures_invert_the_belief() -> None:
    """Futures are the belief's predictive quantiles of uniforms: u = ½ is the median, and the same
    uniforms give the same futures (common random numbers across modes)."""
    belief = DeliveryBelief.prior(2)
    belief.update(0, 0.8)
    u = np.full((3, 2, 5), 0.5)
    np.testing.assert_allclose(belief.sample(u), np.broadcast_to(belief.quantile(0.5)[:, None], (3, 2, 5)))
    u = np.random.default_rng(0).random((4, 2, 5))
    low = belief.sample(u)
    assert low.shape == (4, 2, 5) and np.array_equal(low, belief.sample(u))
    assert (belief.sample(np.full((1, 2, 1), 0.05)) < belief.sample(np.full((1, 2, 1), 0.95))).all()


def test_simulate_robust_on_the_command_line(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(
        app, ["simulate", "tiny", "--modes", "silo,winwin", "--planner", "robust", "--futures", "3", "--json"]
    )
    assert result.exit_code == 0, result.output
    modes = json.loads(result.output)["modes"]
    assert modes["winwin"]["planner"] == {"name": "robust", "futures": 3, "cvar": 0.95, "keep": 0.99,
                                          "deterministic_weeks": []}  # fmt: skip
    assert "planner" not in modes["silo"]
    table = runner.invoke(app, ["simulate", "tiny", "--modes", "silo,winwin", "--planner", "robust", "--futures", "3"],
                          env={"COLUMNS": "200"})  # fmt: skip
    assert table.exit_code == 0 and "winwin (robust, K = 3)" in table.stdout
    bad = runner.invoke(app, ["simulate", "tiny", "--mode", "nash", "--planner", "robust", "--futures", "0"])
    assert bad.exit_code == 2
    assert "--planner" in bad.output and "nash" in bad.output and "--futures" in bad.output


def test_the_clairvoyant_twin_of_a_robust_run_knows_the_future(tiny) -> None:  # type: ignore[no-untyped-def]
    from winwin import api

    r = api.simulate("tiny", "winwin", planner="robust", futures=3, clairvoyant=True)
    assert not isinstance(r, dict)
    bound = r.extra["clairvoyant"]["px"]
    twin = simulate_run(tiny, SimulationSettings(mode="winwin", clairvoyant=True, lookahead=None), 0)
    assert bound == pytest.approx(float(twin.kpis["px"].iloc[-1]), rel=1e-12)


def test_the_report_simulates_the_robust_planner_beside_the_modes(tiny) -> None:  # type: ignore[no-untyped-def]
    from winwin.report.inputs import simulation_inputs

    runs = simulation_inputs(tiny, ["silo", "winwin"], futures=2)
    assert list(runs) == ["silo", "winwin", "robust winwin"]
    robust = runs["robust winwin"]
    assert isinstance(robust, SimulationResult)
    assert robust.settings.planner == "robust" and robust.settings.futures == 2
    assert runs["winwin"].settings.planner == "deterministic"


def test_a_sweep_runs_robust_winwin_beside_winwin_on_the_same_points(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from winwin import api
    from winwin.data.errors import InputError
    from winwin.experiments.spec import parse_spec

    spec = tmp_path / "sweep.yaml"
    spec.write_text(
        "name: robust\nscenario: tiny\nsimulation: {futures: 2}\nmodes: [winwin, robust_winwin]\nreplications: 1\n"
        "seed: 3\nsampling: {method: latin_hypercube, samples: 2}\nparameters:\n"
        "  - path: partners.m_alpha.reliability.mean\n    distribution: {kind: uniform, low: 0.7, high: 1.0}\n"
    )
    report = api.sweep(spec, tmp_path / "out", in_process=True)
    assert report.failed == 0
    modes = api.analyze(tmp_path / "out")["modes"]
    assert modes["robust_winwin"]["experiments"] == modes["winwin"]["experiments"] == 2
    with pytest.raises(InputError) as bad:
        parse_spec({"name": "x", "scenario": "tiny", "simulation": {"planner": "robust"}, "modes": ["winwin", "nash"]})
    assert any(p.path == "simulation.planner" and "nash" in p.message for p in bad.value.problems)


def test_a_robust_run_on_ray_equals_in_process(ray_cluster, tiny) -> None:  # type: ignore[no-untyped-def]
    from winwin.models.run import simulate_modes
    from winwin.optimizer.parallel import RayExecutor

    settings = SimulationSettings(planner="robust", futures=3)
    here = simulate_modes(tiny, ["central", "winwin"], settings, seed=4)
    there = simulate_modes(tiny, ["central", "winwin"], settings, seed=4, executor=RayExecutor())
    for mode in ("central", "winwin"):
        assert (
            here[mode]
            .kpis.drop(columns=["seconds", "solver_seconds"])
            .equals(there[mode].kpis.drop(columns=["seconds", "solver_seconds"]))
        )
        assert here[mode].final.equals(there[mode].final)
