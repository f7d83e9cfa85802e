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
from winwin.optimizer.rolling.planner import RollingPlanner

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
    beyond = period >= lookahead + tiny.interval[product]
    assert beyond.any()  # the cut has something to cut on tiny
    x = planner.ws.solve(planner.neg.objective(planner.model.px)).x
    assert x is not None
    np.testing.assert_array_equal(x[block.columns()[beyond]], 0.0)
    assert not (period[~beyond] >= lookahead + tiny.interval[product[~beyond]]).any()


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
