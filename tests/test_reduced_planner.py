"""The rolling planner on the reduced model answers like the full model, and leaves it when it would not.

The oracle is the same run on the full model (``exact=True``, the planner of every earlier release): tiny
with a half-size clone of ``s_north`` and clones of ``s_pharma`` at 2× and 0.25× (three sites merged into
two classes) has the same realised PX, coverage and partner gains per mode, same seed. The cases the
reduced program cannot represent (a split without free transfers, reservations not proportional to the
members' sizes, a member leaving the deal, a plan that fails a full-resolution check) switch the run to
the full model.

Equal runs are not expected under noise: the execution step's LP has many optima with the same objective
(which of two interchangeable centres gets a shipment), the full model's solver picks a non-proportional
one, and the runs' states drift apart by ties, not by error (seen on this scenario at period 0: shipments
differ by 17.9 doses with the same objective value to 1e-13). The oracles are therefore what ties cannot
change: a window's PX and total utility, a split's utilities, and the campaign of a perfect world."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from support import perfect

from winwin.data import Scenario
from winwin.models import SimulationSettings, simulate_run
from winwin.models.ecosystem import EcosystemModel
from winwin.optimizer.rolling.planner import RollingPlanner
from winwin.optimizer.rolling.reduced import ReducedPlanner, rolling_planner


@pytest.fixture(scope="module")
def clones(tiny_clones: Scenario) -> Scenario:
    return tiny_clones


def run(sc: Scenario, seed: int = 3, **settings: Any) -> EcosystemModel:
    model = EcosystemModel(sc, SimulationSettings(**settings), seed)
    model.run()
    return model


def outcome(model: EcosystemModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    kpis = model.datacollector.get_model_vars_dataframe()
    coverage = kpis[[c for c in kpis.columns if c.startswith("coverage:")]].to_numpy()
    return kpis["px"].to_numpy(), coverage, model.utility.sum(axis=1) + model.transfers


def assert_same_run(a: EcosystemModel, b: EcosystemModel) -> None:
    for x, y in zip(outcome(a), outcome(b), strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-6)


def test_the_planner_is_reduced_only_when_sites_merge(clones: Scenario, tiny: Scenario) -> None:
    assert isinstance(rolling_planner(tiny), RollingPlanner)  # tiny's sites all differ
    assert isinstance(rolling_planner(clones, exact=True), RollingPlanner)
    reduced = rolling_planner(clones)
    assert isinstance(reduced, ReducedPlanner)
    info = reduced.model_info
    assert info["model"] == "reduced" and info["sites_merged"] == 3 and info["site_classes"] == 2
    assert info["columns"]["reduced"] < info["columns"]["full"]


MODES = ["central", "winwin", "nash", "egalitarian", "kalai_smorodinsky"]


@pytest.mark.parametrize("mode", MODES)
def test_a_window_plan_is_worth_what_the_full_model_plans(clones: Scenario, mode: str) -> None:
    """Period 0, same announcements: the same PX and the same total utility (the tie-break); a split with
    free transfers gives every partner the same utility (it depends on the surplus and the disagreement
    point only); the members of a class get their λ-shares (s_pharma_b twice s_pharma's first doses)."""
    plans = {}
    for exact in (False, True):
        model = EcosystemModel(clones, SimulationSettings(mode=mode, exact=exact), seed=3)
        assert model.planner is not None
        model.planner.begin(0, model.supply_view(0))
        plans[exact] = model.planner.plan(mode)
    m = model.allocation
    reduced, full = plans[False], plans[True]
    assert reduced.x is not None and full.x is not None
    assert m.px @ reduced.x == pytest.approx(m.px @ full.x, rel=1e-9)
    assert m.welfare() @ reduced.x == pytest.approx(m.welfare() @ full.x, rel=1e-7)
    assert reduced.utilities.sum() == pytest.approx(full.utilities.sum(), rel=1e-7)
    if mode not in ("central", "winwin"):
        np.testing.assert_allclose(reduced.utilities, full.utilities, rtol=1e-6, atol=1e-4)
    adm = m.lp.var_blocks["adm"]
    site = clones.pair_site[adm.coords()[0]]
    doses = {sid: reduced.x[adm.columns()[site == s]].sum() for s, sid in enumerate(clones.sites.ids)}
    assert doses["s_pharma"] > 0 and doses["s_north"] > 0
    assert doses["s_pharma_b"] == pytest.approx(2 * doses["s_pharma"], rel=1e-9)
    assert doses["s_north_b"] == pytest.approx(0.5 * doses["s_north"], rel=1e-9)


@pytest.mark.parametrize("mode", MODES)
def test_in_a_perfect_world_both_models_realise_the_same_campaign(clones: Scenario, mode: str) -> None:
    """Deliveries as promised, honest announcements, the whole horizon planned: reality follows the plan,
    so the realised PX is the plan's, the same on both models."""
    sc = perfect(clones)
    settings = {"mode": mode, "sharing": "all", "announce_noise": 0.0, "lookahead": sc.T}
    reduced, full = run(sc, **settings), run(sc, **settings, exact=True)
    assert isinstance(reduced.planner, ReducedPlanner) and reduced.planner.switched == ""
    np.testing.assert_allclose(outcome(reduced)[0], outcome(full)[0], rtol=1e-6)
    np.testing.assert_allclose(outcome(reduced)[1], outcome(full)[1], rtol=1e-6, atol=1e-9)


def test_the_json_record_says_which_model_planned(clones: Scenario) -> None:
    assert simulate_run(clones, SimulationSettings(mode="winwin"), 0).summary()["model"]["model"] == "reduced"
    assert simulate_run(clones, SimulationSettings(mode="winwin", exact=True), 0).summary()["model"]["model"] == "full"
    assert simulate_run(clones, SimulationSettings(mode="silo"), 0).summary()["model"]["model"].startswith("none")


def test_a_split_without_free_transfers_runs_on_the_full_model(clones: Scenario) -> None:
    reduced = run(clones, mode="nash", transfers="none")
    assert isinstance(reduced.planner, ReducedPlanner)
    assert "not invariant under merging" in reduced.planner.switched
    assert reduced.planner.model_info["model"] == "full"
    assert_same_run(reduced, run(clones, mode="nash", transfers="none", exact=True))


def test_without_transfers_proportional_reservations_stay_reduced(clones: Scenario) -> None:
    """The silo campaign of a class member is its λ-share of the class's: every member's row is the class's."""
    assert run(clones, mode="winwin", transfers="none").planner.switched == ""  # type: ignore[union-attr]
    sc = perfect(clones)
    settings = {"mode": "winwin", "transfers": "none", "sharing": "all", "announce_noise": 0.0, "lookahead": sc.T}
    reduced, full = run(sc, **settings), run(sc, **settings, exact=True)
    assert reduced.planner.switched == ""  # type: ignore[union-attr]
    np.testing.assert_allclose(outcome(reduced)[0], outcome(full)[0], rtol=1e-6)


def test_a_raise_for_one_member_without_transfers_switches(clones: Scenario) -> None:
    """s_north asks 30 above its silo utility: its class row would ask s_north_b for 15 more (its half), a
    restriction the full model does not have."""
    reduced = run(clones, mode="winwin", transfers="none", aspiration={"s_north": 30.0})
    assert isinstance(reduced.planner, ReducedPlanner)
    assert reduced.planner.switched == "the reservations of a class's members are not proportional to their sizes"
    assert_same_run(reduced, run(clones, mode="winwin", transfers="none", aspiration={"s_north": 30.0}, exact=True))


def test_with_free_transfers_a_raise_stays_reduced(clones: Scenario) -> None:
    """With free transfers individual rationality is one sum: the raise adds to the class's row exactly."""
    reduced = run(clones, mode="winwin", aspiration={"s_north": 30.0})
    assert isinstance(reduced.planner, ReducedPlanner) and reduced.planner.switched == ""
    assert "s_north" in ",".join(reduced.datacollector.get_model_vars_dataframe()["rejected"])
    sc = perfect(clones)
    settings = {"mode": "winwin", "aspiration": {"s_north": 30.0}, "sharing": "all", "announce_noise": 0.0}
    reduced, full = run(sc, **settings, lookahead=sc.T), run(sc, **settings, lookahead=sc.T, exact=True)
    np.testing.assert_allclose(outcome(reduced)[0], outcome(full)[0], rtol=1e-6)


def test_a_member_leaving_the_deal_hands_the_run_to_the_full_model(clones: Scenario) -> None:
    """s_north and s_pharma_b ask for more than any plan gives; after one round they fall back to their
    silo rules (period 5): the full model takes over the executed periods and plans from there."""
    settings = {"mode": "winwin", "aspiration": {"s_north": 400.0, "s_pharma_b": 400.0}, "rounds": 1}
    reduced = run(clones, **settings)
    planner = reduced.planner
    assert isinstance(planner, ReducedPlanner) and planner.full is not None
    assert planner.switched.startswith("s_north, s_pharma_b left the deal")
    assert planner.full.t == clones.T and planner.full.ws.retired > 0
    kpis = reduced.datacollector.get_model_vars_dataframe()
    assert kpis["fallback"].iloc[-1] == "s_north,s_pharma_b"
    # the periods before the hand-over were planned on the reduced model and executed as reality allowed:
    # every period's first doses are within the full model's bounds and the run is win-win where promised
    assert (kpis["first_doses"] >= 0).all() and kpis["win_win"].all()


def test_a_plan_that_fails_at_full_resolution_is_caught(clones: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """A class row asking too little (here: 1,000 below what its members need, as a wrong λ would) yields
    a plan the reduced program certifies and the full partners do not: the planner switches to the full
    model at once, and the run is the full model's."""
    original = ReducedPlanner._class_reservation

    def too_low(self: ReducedPlanner, d: np.ndarray) -> np.ndarray:
        out = original(self, d)
        out[self._partner[self.sc.partners.pos("s_north")]] -= 1_000.0
        return out

    monkeypatch.setattr(ReducedPlanner, "_class_reservation", too_low)
    reduced = run(clones, mode="winwin", transfers="none")
    assert isinstance(reduced.planner, ReducedPlanner)
    assert reduced.planner.switched == "period 0: win-win on the reduced model, not for s_north, s_north_b"
    assert_same_run(reduced, run(clones, mode="winwin", transfers="none", exact=True))  # full from period 0
