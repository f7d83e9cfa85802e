"""The rolling planner's window and the silo run it is measured against (issue 20, part 3).

Oracles:

- the silo rules at period t read the supply of periods ≤ t only, so a run stepped on delivered supply for
  t periods, copied and finished on an announced future equals one whole run on the spliced supply (the
  simulation's disagreement point each week), and finishing the copy leaves the original where it was;
- on tiny (T = 6, lead times 0 and 1, comirnaty-like ``p_mrna`` with a 2-period interval, the other
  product one dose), a shipment of product k in a period ≥ t + H + interval_k arrives after every dose the
  window can give; fixing those shipments at zero cannot change the window's joint optimum. The central
  plan's PX with and without the cut is therefore equal, and the cut plan ships nothing there;
- the cut is not made where it could bind: a distributor with finite storage (its stock may have to move
  on) or a partner with a minimum volume."""

from __future__ import annotations

import numpy as np
import pytest

from winwin.data import Scenario
from winwin.data.overrides import override
from winwin.optimizer.allocation.silo import SiloArrays, SiloRun, silo_arrays
from winwin.optimizer.rolling.planner import RollingPlanner, silo_period_utilities, window_utilities

FIELDS = ("ship", "inv", "adm", "waste", "vol", "missed_second")


def assert_same(a: SiloArrays, b: SiloArrays) -> None:
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@pytest.mark.parametrize("cut", [1, 3, 5])
def test_a_silo_run_branched_at_t_equals_the_whole_run_on_the_spliced_supply(tiny: Scenario, cut: int) -> None:
    rng = np.random.default_rng(cut)
    delivered = tiny.supply * rng.uniform(0.3, 1.4, tiny.supply.shape)
    run = SiloRun(tiny)
    for t in range(cut):
        run.step(delivered[:, :, t])
    spliced = tiny.supply.copy()
    spliced[:, :, :cut] = delivered[:, :, :cut]
    assert_same(run.copy().finish(tiny.supply), silo_arrays(tiny, spliced))
    assert run.t == cut  # the copy ran, the original did not
    assert_same(run.finish(delivered), silo_arrays(tiny, delivered))
    with pytest.raises(ValueError, match="period 6"):
        run.step(delivered[:, :, 0])


def central_window(sc: Scenario, lookahead: int, cut: bool) -> tuple[float, RollingPlanner]:
    planner = RollingPlanner(sc, lookahead=lookahead)
    if not cut:
        planner.ship_reach[:] = sc.T
    planner.begin(0, sc.supply)
    plan = planner.plan("central")
    assert plan.has_plan and plan.x is not None
    return float(planner.model.px @ plan.x), planner


@pytest.mark.parametrize("lookahead", [2, 3, 4])
def test_shipments_no_dose_of_the_window_can_use_are_cut_without_changing_its_optimum(
    tiny: Scenario, lookahead: int
) -> None:
    px_cut, planner = central_window(tiny, lookahead, cut=True)
    px_free, _ = central_window(tiny, lookahead, cut=False)
    assert px_cut == pytest.approx(px_free, rel=1e-9, abs=1e-9)
    assert px_cut > 0
    lp = planner.model.lp
    block = lp.var_blocks["ship"]
    product, period = (block.coords()[block.dims.index(d)] for d in ("product", "period"))
    beyond = period >= lookahead + tiny.interval.max(axis=1)[product]
    assert beyond.any()  # the cut has something to cut on tiny
    x = planner.ws.solve(planner.neg.objective(planner.model.px)).x
    assert x is not None
    np.testing.assert_array_equal(x[block.columns()[beyond]], 0.0)
    assert not (period[~beyond] >= lookahead + tiny.interval.max(axis=1)[product[~beyond]]).any()


@pytest.mark.parametrize(
    "change", [{"partners.dist.storage": 10_000.0}, {"partners.s_north.min_volume": 10.0}], ids=["storage", "volume"]
)
def test_the_cut_is_not_made_where_it_could_bind(tiny: Scenario, change: dict[str, float]) -> None:
    assert (RollingPlanner(tiny).ship_reach < tiny.T).any()
    planner = RollingPlanner(override(tiny, change))
    if "partners.dist.storage" in change:
        lp = planner.model.lp
        block = lp.var_blocks["ship"]
        lane = block.coords()[block.dims.index("lane")]
        from_dist = tiny.lane_source[lane] == tiny.nodes.pos("dist")
        assert (planner.ship_reach[block.columns()[from_dist]] == tiny.T).all()
        assert (planner.ship_reach[block.columns()[~from_dist]] < tiny.T).any()
    else:
        assert (planner.ship_reach == tiny.T).all()


@pytest.mark.parametrize("mode", ["central", "winwin", "nash"])
def test_the_window_compares_both_sides_on_the_same_dates(tiny: Scenario, mode: str) -> None:
    """A window's plan is measured on the dates its disagreement point is: the utility of its columns before
    the window's end (second doses' shipments after it not credited), against the silo's up to the same
    end. The program's after-window columns ``z_p`` (tail rows) equal that utility recomputed from the plan
    column by column (a second path), every partner meets its disagreement point on those dates under the
    modes that promise it, and with the whole horizon as window ``z = 0``."""
    sc = override(tiny, {"money.transfers": "any"})
    after = 0.0
    for lookahead in (2, sc.T):
        planner = RollingPlanner(sc, lookahead=lookahead)
        for t in range(2):
            planner.begin(t, sc.supply)
            plan = planner.plan(mode)
            assert plan.x is not None
            dated = window_utilities(planner.model, planner.col_period, plan.x, planner.window_end)
            np.testing.assert_allclose(plan.utilities - plan.transfers - plan.subsidy, dated, atol=1e-6)
            tail = planner.model.utilities(plan.x) - dated
            if lookahead == sc.T:
                np.testing.assert_allclose(tail, 0.0, atol=1e-6)
            after += float(np.abs(tail).sum())
            if mode != "central":
                assert (plan.gains >= -1e-6).all()
            planner.execute(plan, sc.supply[:, :, t])
    assert after > 1.0  # something of the plans falls after a 2-period window


def test_the_disagreement_point_needs_the_silo_only_one_interval_past_the_window(tiny: Scenario) -> None:
    """The window's disagreement point reads the silo's periods before its end and the second doses missed
    by courses started before it, at most one dose interval later: a silo copy finished only that far gives
    the same window utilities as one finished to the horizon."""
    rng = np.random.default_rng(7)
    view = tiny.supply * rng.uniform(0.3, 1.1, tiny.supply.shape)
    planner = RollingPlanner(tiny, lookahead=2)
    run = SiloRun(tiny)
    run.step(view[:, :, 0])
    end = 1 + 2
    until = end + tiny.max_interval
    whole = silo_period_utilities(planner.model, planner.col_period, run.copy().finish(view))
    short = silo_period_utilities(planner.model, planner.col_period, run.copy().finish(view, until=until))
    np.testing.assert_allclose(short[:, :end], whole[:, :end], rtol=1e-12)


def test_a_disruption_costs_the_patients_the_least_it_can(tiny: Scenario) -> None:
    """Tiny, central, week 1: the distributor (throughput 120) is disrupted to 60 of the 100 doses it was to
    dispatch. Reality departs from the plan as little as patients can feel: the window's PX after the
    execution is the most any execution capped by the plan reaches (solved here as a second program: PX
    alone over the same bounds), the bottleneck is used to the full (60 doses), and undisturbed weeks are
    the plan itself."""
    planner = RollingPlanner(tiny, lookahead=3)
    planner.begin(0, tiny.supply)
    plan = planner.plan("central")
    done = planner.execute(plan, tiny.supply[:, :, 0], np.array([False]))
    now = planner.decision & (planner.col_period == 0)
    np.testing.assert_allclose(done.x[now], np.maximum(plan.x[now], 0.0), atol=1e-6)  # undisturbed: the plan
    planner.begin(1, tiny.supply)
    plan = planner.plan("central")
    ship = planner.model.lp.var_blocks["ship"]
    lane = ship.coords()[ship.dims.index("lane")]
    out = ship.columns()[
        (tiny.lane_source[lane] == len(tiny.manufacturers)) & (planner.col_period[ship.columns()] == 1)
    ]
    assert plan.x[out].sum() == pytest.approx(100.0, rel=1e-6)
    best = _best_px_capped_by(planner, plan, tiny)
    done = planner.execute(plan, tiny.supply[:, :, 1], np.array([True]))
    assert done.x[out].sum() == pytest.approx(60.0, rel=1e-6)
    assert float(planner.model.px @ done.x) == pytest.approx(best, rel=1e-7)


def _best_px_capped_by(planner: RollingPlanner, plan, sc: Scenario) -> float:  # type: ignore[no-untyped-def]
    """Most window PX with period 1's decisions at most the plan's and the distributor at half throughput."""
    ws = planner.ws
    mark = ws.mark()
    now = np.nonzero(planner.decision & (planner.col_period == 1))[0]
    rows = planner.throughput_rows
    assert rows is not None
    ws.set_row_bounds(rows[[0], 1], -np.inf, sc.throughput[0, 1] * 0.5)
    ws.set_col_bounds(now, 0.0, np.maximum(plan.x[now], 0.0))
    planner.neg.plain()
    sol = ws.solve(planner.neg.objective(planner.model.px))
    ws.set_row_bounds(rows[[0], 1], -np.inf, sc.throughput[0, 1])
    ws.set_col_bounds(now, planner.lb[now], planner.ub[now])
    ws.rollback(mark)
    assert sol.ok and sol.objective is not None
    return float(sol.objective)
