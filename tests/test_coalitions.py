"""Coalition values of a scenario: checked against compare, hand reasoning on tiny, and Ray."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from winwin.cli import app
from winwin.data import Scenario
from winwin.optimizer.concepts import compare
from winwin.optimizer.games.coalitions import CoalitionValues, coalition_game, players_of
from winwin.optimizer.games.tu import banzhaf, shapley
from winwin.optimizer.parallel import RayExecutor


@pytest.fixture(scope="module")
def tiny_game(tiny: Scenario):  # type: ignore[no-untyped-def]
    return coalition_game(tiny, players_of(tiny, "partners"))


def test_values_against_compare(tiny: Scenario, tiny_game) -> None:  # type: ignore[no-untyped-def]
    g = tiny_game.game
    assert g.v[0] == 0.0
    # v(N) is the joint plan of compare (a different code path: the Negotiation workspace) measured from
    # the everyone-under-rules plan
    joint = compare(tiny, ["joint"]).outcomes["joint"].plan
    assert g.v[g.grand] == pytest.approx(joint.utilities().sum() - tiny_game.rules_value, rel=1e-7)
    assert g.v[g.grand] > 0
    # ... and the joint plan's total gain over the silo simulation is Δ + v(N)
    delta = tiny_game.rules_value - tiny_game.silo_value
    assert joint.partners()["gain"].sum() == pytest.approx(delta + g.v[g.grand], rel=1e-7)


def test_manufacturers_with_one_lane_are_dummies(tiny: Scenario, tiny_game) -> None:  # type: ignore[no-untyped-def]
    # each manufacturer of tiny ships on a single lane, so its split rule constrains nothing: adding it to
    # any coalition changes nothing, and it gets 0 by Shapley and Banzhaf (dummy axiom)
    g = tiny_game.game
    for name in ("m_alpha", "m_beta"):
        i = g.players.index(name)
        masks = np.arange(1 << g.n)
        without = masks[(masks >> i & 1) == 0]
        np.testing.assert_allclose(g.v[without | 1 << i], g.v[without], atol=1e-7 * max(1.0, abs(g.v).max()))
        assert shapley(g)[i] == pytest.approx(0.0, abs=1e-6)
        assert banzhaf(g)[i] == pytest.approx(0.0, abs=1e-6)
    # the payer has no split rule at all: also a dummy
    assert shapley(g)[g.players.index("gov")] == pytest.approx(0.0, abs=1e-6)


def test_rules_hold_in_the_baseline_plan(tiny: Scenario) -> None:
    """With nobody coordinating, the distributor ships to its three sites in the silo's proportions:
    the ratios of its shipments per product and period equal those of the rule-based silo plan whenever
    both ship."""
    from winwin.optimizer import build_allocation_model, silo_plan

    cv = CoalitionValues(tiny, players_of(tiny, "partners"))
    cv.utilities(0)
    sol = cv.ws.solve(np.zeros(cv.ws.n_cols))  # any feasible point of the all-rules program
    assert sol.x is not None
    model = cv.model
    ship = model.lp.var_blocks["ship"].dense(sol.x[: model.n_vars])
    silo = model.lp.var_blocks["ship"].dense(silo_plan(build_allocation_model(tiny)).x)  # type: ignore[arg-type]
    d = tiny.nodes.pos("dist")
    out = np.nonzero(tiny.lane_source == d)[0]
    for k in range(len(tiny.products)):
        for t in range(tiny.T):
            a, b = ship[out, k, t], silo[out, k, t]
            if a.sum() > 1e-6 and b.sum() > 1e-6:
                np.testing.assert_allclose(a / a.sum(), b / b.sum(), atol=1e-6)


@pytest.mark.parametrize("grouping", ["partners", "role"])
def test_a_plan_that_keeps_a_players_rules_values_the_coalition_without_it(tiny: Scenario, grouping: str) -> None:
    """Largest coalitions first, a plan settles the subsets whose missing players' rules it keeps: the values
    equal those of solving every coalition one by one (a second path: one program per coalition), while
    fewer programs are solved (on tiny the manufacturers' one-lane rules bind nothing, and a coalition's plan
    often keeps the other rules too)."""
    players = players_of(tiny, grouping)
    cg = coalition_game(tiny, players, full_model=True)
    n = len(players.names)
    cv = CoalitionValues(tiny, players)
    one_by_one = np.array([cv.monetised(m) for m in range(1 << n)])
    np.testing.assert_allclose(cg.game.v, one_by_one - one_by_one[0], rtol=1e-9, atol=1e-7)
    assert cg.solves < 1 << n


def test_ray_and_in_process_identical(tiny: Scenario, tiny_game, ray_cluster) -> None:  # type: ignore[no-untyped-def]
    on_ray = coalition_game(tiny, players_of(tiny, "partners"), RayExecutor())
    assert on_ray.executor == "ray"
    np.testing.assert_array_equal(on_ray.game.v, tiny_game.game.v)


def test_sampled_shapley_on_a_scenario(tiny: Scenario, tiny_game) -> None:  # type: ignore[no-untyped-def]
    exact = shapley(tiny_game.game)
    est = coalition_game(tiny, players_of(tiny, "partners"), samples=200, seed=3)
    assert est.sampled is not None and est.sampled.permutations == 200
    assert (np.abs(est.sampled.values - exact) <= 5 * est.sampled.standard_errors + 1e-6).all()


def test_players_by_role_and_by_file(tiny: Scenario, tmp_path: Path, runner: CliRunner) -> None:
    role = players_of(tiny, "role")
    assert role.names == ("manufacturer", "distributor", "site", "payer")
    mapping = {
        p: ("upstream" if tiny.role_of(p) in ("manufacturer", "distributor") else "care") for p in tiny.partners.ids
    }
    path = tmp_path / "players.yaml"
    path.write_text("\n".join(f"{k}: {v}" for k, v in mapping.items()))
    by_file = players_of(tiny, str(path))
    assert by_file.names == ("upstream", "care")
    result = runner.invoke(app, ["coalitions", "tiny", "--players", str(path), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    g = coalition_game(tiny, by_file).game
    assert payload["shapley"]["upstream"] + payload["shapley"]["care"] == pytest.approx(g.v[g.grand])
    assert {"winwin_in_core", "shapley_transfers", "joint_gains", "nucleolus", "core_nonempty"} <= set(payload)
    # the Shapley transfers turn the joint plan's gains into the Shapley split: they sum to zero
    assert sum(payload["shapley_transfers"].values()) == pytest.approx(0.0, abs=1e-6)
    path.write_text("m_alpha: upstream\n")
    bad = runner.invoke(app, ["coalitions", "tiny", "--players", str(path)])
    assert bad.exit_code == 2 and "partners without a player" in bad.stderr
    neither = runner.invoke(app, ["coalitions"])
    assert neither.exit_code == 2


def test_coalitions_cli_role_table(runner: CliRunner) -> None:
    result = runner.invoke(app, ["coalitions", "tiny", "--players", "role"])
    assert result.exit_code == 0, result.output
    assert "Shapley" in result.stdout and "core" in result.stdout and "win-win split" in result.stdout
