"""Deal sheet and coalition values on the reduced model, answered per partner at full resolution.

Oracle: the same concepts solved on the full model (``exact=True`` / ``full_model=True``) of tiny with
cloned sites (conftest ``tiny_clones``: three sites merge into two classes). With free transfers every
concept's PX and total gain are the full model's, and so is every partner's gain under a split (it depends
on the surplus and the disagreement point only); the joint and win-win plans may distribute doses among
interchangeable sites differently (ties), so their partner gains are compared in total, and every
certificate is checked per partner. Coalition values by role are equal coalition by coalition."""

from __future__ import annotations

import numpy as np
import pytest

from winwin.data import Scenario
from winwin.optimizer.concepts import deal_sheet

SPLITS = ["utilitarian", "egalitarian", "kalai_smorodinsky", "nash"]
NAMES = ["silo", "joint", "winwin", *SPLITS]


def test_the_deal_sheet_on_the_reduced_model_is_the_full_one(tiny_clones: Scenario) -> None:
    reduced, full = deal_sheet(tiny_clones, NAMES), deal_sheet(tiny_clones, NAMES, exact=True)
    model = reduced.extra["model"]
    assert model["model"] == "reduced" and model["sites_merged"] == 3 and model["violation"] < 1e-9
    assert full.extra["model"] == {"model": "full"}
    for name in NAMES:
        a, b = reduced.outcomes[name], full.outcomes[name]
        assert a.plan.px == pytest.approx(b.plan.px, rel=1e-9), name
        ga, gb = a.plan.partners()["gain"].to_numpy(), b.plan.partners()["gain"].to_numpy()
        assert ga.sum() == pytest.approx(gb.sum(), rel=1e-7, abs=1e-6), name
        if name in SPLITS or name == "silo":
            np.testing.assert_allclose(ga, gb, rtol=1e-6, atol=1e-4, err_msg=name)
        if b.certificate is not None:
            assert a.certificate is not None and a.certificate.holds == b.certificate.holds, name
    ww = reduced.outcomes["winwin"]
    assert ww.certificate is not None and ww.certificate.holds
    assert abs(float(ww.plan.partners()["transfer"].sum())) < 1e-6


def test_the_deal_sheet_says_why_it_solved_the_full_model(tiny_clones: Scenario, tiny: Scenario) -> None:
    assert deal_sheet(tiny, ["winwin"]).extra["model"] == {"model": "full"}  # nothing merges
    none = deal_sheet(tiny_clones, ["winwin"], transfers="none").extra["model"]
    assert none["model"] == "full" and "without free transfers" in none["fallback"]
    shapley = deal_sheet(tiny_clones).extra["model"]  # ≤ 16 partners: shapley is a default concept
    assert shapley["fallback"] == "the shapley split is a game of the full partners"


def test_reservations_add_to_the_class_row(tiny_clones: Scenario) -> None:
    """s_north asks 50 above its silo utility: the win-win plan gives it at least that on both models."""
    silo = deal_sheet(tiny_clones, ["silo"], exact=True).outcomes["silo"].plan.utilities()
    pinned = {"s_north": float(silo[tiny_clones.partners.pos("s_north")]) + 50.0}
    a = deal_sheet(tiny_clones, ["winwin"], reservations=pinned).outcomes["winwin"]
    b = deal_sheet(tiny_clones, ["winwin"], reservations=pinned, exact=True).outcomes["winwin"]
    assert a.plan.reduction["model"] == "reduced"
    assert a.plan.px == pytest.approx(b.plan.px, rel=1e-9)
    assert a.certificate is not None and a.certificate.holds
    assert a.plan.partners().loc["s_north", "gain"] >= -1e-6


def test_a_bad_reservation_is_named_as_on_the_full_model(tiny_clones: Scenario) -> None:
    from winwin.data.errors import InputError

    with pytest.raises(InputError, match=r"reservations\.nobody"):
        deal_sheet(tiny_clones, ["winwin"], reservations={"nobody": 1.0})


# --------------------------------------------------------------------------- coalition values
def test_coalitions_by_role_are_solved_on_the_reduced_model_with_the_full_values(tiny_clones: Scenario) -> None:
    """By role, every class lies within the ``site`` player: each coalition has all members or none and
    its value is the full model's (solved on both, every one of the 2⁵ coalitions)."""
    from winwin.optimizer.games.coalitions import coalition_game, players_of

    players = players_of(tiny_clones, "role")
    reduced, full = coalition_game(tiny_clones, players), coalition_game(tiny_clones, players, full_model=True)
    assert reduced.model["model"] == "reduced" and reduced.model["violation"] < 1e-7
    assert full.model == {"model": "full"}
    np.testing.assert_allclose(reduced.game.v, full.game.v, rtol=1e-7, atol=1e-6)
    assert reduced.rules_value == pytest.approx(full.rules_value, rel=1e-9)
    np.testing.assert_allclose(
        reduced.rules_utilities(tiny_clones), full.rules_utilities(tiny_clones), rtol=1e-7, atol=1e-6
    )


def test_coalitions_of_partners_split_the_classes_and_use_the_full_model(tiny_clones: Scenario) -> None:
    from winwin.optimizer.allocation.model import build_allocation_model
    from winwin.optimizer.games.coalitions import players_of, reduced_game

    sc, _players, info = reduced_game(
        tiny_clones, players_of(tiny_clones, "partners"), build_allocation_model(tiny_clones)
    )
    assert sc is tiny_clones and info == {
        "model": "full",
        "fallback": "a class of interchangeable sites spans two players",
    }


def test_coalitions_whose_lifted_plan_fails_use_the_full_model(
    tiny_clones: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lift that put 1 % too much in every column (as a wrong share would) fails the full rows."""
    from winwin.optimizer.allocation.aggregate import Reduction
    from winwin.optimizer.allocation.model import build_allocation_model
    from winwin.optimizer.games.coalitions import players_of, reduced_game

    lift = Reduction.lift
    monkeypatch.setattr(Reduction, "lift", lambda self, full, small, y: 1.01 * lift(self, full, small, y))
    sc, _players, info = reduced_game(tiny_clones, players_of(tiny_clones, "role"), build_allocation_model(tiny_clones))
    assert sc is tiny_clones and info["model"] == "full" and info["fallback"].startswith("the lifted plan fails")


def test_coalitions_json_says_which_model_ran(tiny_clones: Scenario) -> None:
    from winwin import api

    assert api.coalitions(tiny_clones, "role")["model"]["model"] == "reduced"
    assert api.coalitions(tiny_clones, "role", full_model=True)["model"]["model"] == "full"


# --------------------------------------------------------------------------- the Pareto frontier
@pytest.mark.parametrize("partner", [None, "gov"])
def test_the_frontier_on_the_reduced_model_is_the_full_one(tiny_clones: Scenario, partner: str | None) -> None:
    """Both objectives are sums over columns: every point's PX and gain are the full model's."""
    from winwin.optimizer.concepts import frontier

    reduced, full = frontier(tiny_clones, 5, partner), frontier(tiny_clones, 5, partner, exact=True)
    assert reduced.model["model"] == "reduced" and full.model == {"model": "full"}
    assert len(reduced.points) == len(full.points)
    for a, b in zip(reduced.points, full.points, strict=True):
        assert a.px == pytest.approx(b.px, rel=1e-8)
        assert a.gain == pytest.approx(b.gain, rel=1e-7, abs=1e-5)
        assert a.plan.model.n_vars == b.plan.model.n_vars  # the plans are over every site


def test_a_class_members_frontier_is_solved_on_the_full_model(tiny_clones: Scenario) -> None:
    from winwin.optimizer.concepts import frontier

    front = frontier(tiny_clones, 3, "s_north")
    assert front.model == {"model": "full", "fallback": "s_north's gain is not its class's"}
