"""Exact aggregation of interchangeable sites: the reduced model's plan, lifted to every site, is the full
model's optimum, feasible row by row; sites that differ in one attribute are never merged.

The oracle is the full model solved on its own (exact=True), and tiny's joint PX worked out by hand
(test_optimizer_tiny): a clone of a site at any scale λ adds capacity the supply cannot fill, so tiny with
clones has the same joint PX, 100 · 9 280 / 15 560, whatever the clones."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import PX_JOINT, clone, scenario, write_yaml
from typer.testing import CliRunner

from winwin.cli import app
from winwin.data import Scenario, synthetic
from winwin.data.schema import Site
from winwin.optimizer import build_allocation_model, plan
from winwin.optimizer.allocation import aggregate
from winwin.optimizer.allocation.aggregate import FREE, SCALED, reduce_sites, relative_violation, site_classes


@pytest.fixture()
def clones(tiny_doc: dict[str, Any]) -> Scenario:
    doc = clone(tiny_doc, "s_north", "s_north_b", 0.5)
    doc = clone(doc, "s_pharma", "s_pharma_b", 2.0)
    return scenario(clone(doc, "s_pharma", "s_pharma_c", 0.25))


def test_clones_of_tiny_are_merged_and_the_lifted_plan_is_the_hand_worked_optimum(clones: Scenario) -> None:
    classes, lam = site_classes(clones)
    ids = clones.sites.ids
    assert sorted(sorted(ids[s] for s in c) for c in classes) == [
        ["s_north", "s_north_b"], ["s_pharma", "s_pharma_b", "s_pharma_c"], ["s_south"],
    ]  # fmt: skip
    reduced, full = plan(clones, "joint"), plan(clones, "joint", exact=True)
    assert reduced.reduction["model"] == "reduced" and full.reduction == {}
    assert reduced.reduction["columns"]["reduced"] < reduced.reduction["columns"]["full"]
    assert reduced.px == pytest.approx(PX_JOINT, rel=2e-9) and full.px == pytest.approx(PX_JOINT, rel=2e-9)
    assert reduced.model.violation(reduced.solution()) <= 1e-9
    # every member's utility is its λ-share of its class's (tiny's sites have no fixed cost)
    u = reduced.utilities()
    for c in classes:
        pids = [clones.partners.pos(ids[s]) for s in c]
        np.testing.assert_allclose(u[pids] / u[pids].sum(), lam[c] / lam[c].sum(), rtol=1e-9)


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("fee", {"fee": 6}),
        ("unit cost", {"unit_cost": 2.5}),
        ("minutes per dose", {"minutes_per_dose": 3}),
        ("cold chain", {"cold_chain": ["fridge"]}),
        ("region it stands in", {"region": "south"}),
        ("travel minutes", {"travel": 12}),
        ("lane cost", {"lane_cost": 0.3}),
        ("lane lead time", {"lane_lead_time": 2}),
        ("lane products", {"lane_products": ["alpha"]}),
        ("event", {"event": {"kind": "capacity_loss", "start": 2, "factor": 0.5}}),
        ("capacity not proportional over time", {"capacity": [20, 20, 20, 20, 20, 10]}),
        ("staff hours not proportional", {"staff_hours": 30, "minutes_per_dose": 5}),
        ("storage", {"storage": 500}),
        ("committed volume", {"min_volume": 10}),
    ],
)
def test_a_site_that_differs_in_one_attribute_stays_apart(tiny_doc: dict[str, Any], name: str, changes: Any) -> None:
    base = tiny_doc
    if "minutes_per_dose" in changes and "staff_hours" in changes:  # the original has staff at 40 h
        base = copy.deepcopy(tiny_doc)
        north = next(p for p in base["partners"] if p["id"] == "s_north")
        north.update(staff_hours=40, minutes_per_dose=5)
    sc = scenario(clone(base, "s_north", "s_north_b", 0.5, **changes))
    classes, _ = site_classes(sc)
    assert all(len(c) == 1 for c in classes), name
    assert reduce_sites(sc) is None


def test_every_site_attribute_is_compared_scaled_or_known_to_be_free() -> None:
    """The lists name real fields, so a renamed field cannot slip out of the comparison unnoticed; every
    other field of a site is compared as it is."""
    assert set(FREE) | set(SCALED) <= set(Site.model_fields)
    assert set(FREE).isdisjoint(SCALED)


def test_a_lifted_plan_that_fails_the_full_model_falls_back(clones: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    lift = aggregate.Reduction.lift

    def broken(self: aggregate.Reduction, full: Any, reduced: Any, y: np.ndarray) -> np.ndarray:
        x = lift(self, full, reduced, y)
        x[full.lp.var_blocks["adm"].index[full.lp.var_blocks["adm"].index >= 0][0]] += 50.0  # an extra dose
        return x

    monkeypatch.setattr(aggregate.Reduction, "lift", broken)
    p = plan(clones, "joint")
    assert p.reduction["model"] == "full" and "fails the full model" in p.reduction["fallback"]
    assert p.px == pytest.approx(PX_JOINT, rel=2e-9)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000),
    picks=st.lists(st.tuples(st.integers(0, 50), st.sampled_from([0.25, 0.5, 1.0, 2.0, 3.0])), min_size=1, max_size=4),
)
def test_random_ecosystems_with_random_clones(seed: int, picks: list[tuple[int, float]]) -> None:
    base = synthetic(n_sites=4, n_regions=2, n_groups=3, n_products=2, periods=6, seed=seed)
    doc = base.spec.model_dump(mode="json", by_alias=True)
    sites = list(base.sites.ids)
    for i, (pick, scale) in enumerate(picks):
        doc = clone(doc, sites[pick % len(sites)], f"clone_{i}", scale)
    sc = scenario(doc)
    full = plan(sc, "joint", exact=True)
    reduced = plan(sc, "joint")
    assert reduced.reduction.get("model") == "reduced"
    assert reduced.px == pytest.approx(full.px, rel=1e-9, abs=1e-9)
    assert relative_violation(build_allocation_model(sc), reduced.solution()) <= 1e-7


def test_plan_json_says_which_model_ran(clones: Scenario, tmp_path: Path, runner: CliRunner) -> None:
    path = write_yaml(tmp_path, clones.spec.model_dump(mode="json", by_alias=True))
    reduced = json.loads(runner.invoke(app, ["plan", str(path), "--json"]).stdout)["model"]
    assert reduced["model"] == "reduced" and reduced["sites_merged"] == 3
    assert reduced["columns"]["reduced"] < reduced["columns"]["full"]
    exact = json.loads(runner.invoke(app, ["plan", str(path), "--json", "--exact"]).stdout)["model"]
    assert exact == {"model": "full"}
