"""The deal measured on the coalition game: is the win-win split in the core, and which transfers turn the
joint plan into the Shapley split (DESIGN §6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from winwin.data import Scenario
from winwin.optimizer.concepts.compare import Comparison
from winwin.optimizer.concepts.reduced import deal_sheet
from winwin.optimizer.games.coalitions import (
    CoalitionGame,
    Players,
    coalition_game,
    shapley_transfers,
)
from winwin.optimizer.games.tu import in_core, shapley, summary
from winwin.optimizer.parallel import Executor


def report(cg: CoalitionGame, deal: DealCheck | None = None) -> dict[str, Any]:
    """The ``coalitions --json`` payload (see :func:`winwin.optimizer.games.tu.summary`)."""
    out = summary(cg.game, exact=cg.sampled is None)
    out["players"] = list(cg.players.names)
    out["grouping"] = cg.players.grouping
    out["silo_value"] = cg.silo_value
    out["rules_value"] = cg.rules_value
    out["seconds"] = cg.seconds
    out["executor"] = cg.executor
    out["coalitions_solved"] = cg.solves
    out["model"] = cg.model
    if cg.sampled is not None:
        s = cg.sampled
        out["shapley"] = dict(zip(cg.players.names, map(float, s.values), strict=True))
        out["shapley_standard_errors"] = dict(zip(cg.players.names, map(float, s.standard_errors), strict=True))
        out["permutations"] = s.permutations
    if deal is not None:
        names = cg.players.names

        def named(x: np.ndarray | None) -> dict[str, float] | None:
            return None if x is None else {p: float(v) for p, v in zip(names, x, strict=True)}

        out["winwin_allocation"] = named(deal.winwin_allocation)
        out["winwin_in_core"] = deal.winwin_in_core
        out["winwin_core_violations"] = deal.core_violations
        out["joint_gains"] = named(deal.joint_gains)
        out["shapley_transfers"] = named(deal.shapley_transfers)
    return out


@dataclass
class DealCheck:
    """The win-win split of ``compare`` and the joint plan, measured on the coalition game."""

    winwin_allocation: np.ndarray
    """Per player: Σ over its partners of utility + transfer in the win-win plan − utility in plan_∅."""
    winwin_in_core: bool
    core_violations: dict[str, float]
    joint_gains: np.ndarray
    shapley_transfers: np.ndarray | None


def check_deal(
    sc: Scenario, cg: CoalitionGame, shapley: np.ndarray | None, comparison: Comparison | None = None
) -> DealCheck:
    """Is the win-win split stable (in the core)? Which transfers turn the joint plan into the Shapley split?

    ``comparison``: a :func:`compare` of ``sc`` holding ``joint`` and ``winwin`` (computed when not given)."""
    base = cg.rules_utilities(sc)
    cmp = comparison if comparison is not None else deal_sheet(sc, ["joint", "winwin"])
    P = cg.players.of_partner
    n = len(cg.players.names)

    def per_player(values: np.ndarray) -> np.ndarray:
        return np.bincount(P, weights=values, minlength=n)

    ww = cmp.outcomes["winwin"].plan
    alloc = per_player(ww.utilities()) - base if ww.has_plan else np.full(n, np.nan)
    check = in_core(cg.game, alloc) if ww.has_plan and not np.isnan(cg.game.v).any() else None
    joint = per_player(cmp.outcomes["joint"].plan.utilities()) - base
    return DealCheck(
        alloc,
        bool(check.in_core) if check else False,
        check.violations if check else {},
        joint,
        None if shapley is None else shapley_transfers(shapley, joint),
    )


def coalitions_report(
    sc: Scenario,
    players: Players,
    executor: Executor | None = None,
    samples: int | None = None,
    seed: int = 0,
    comparison: Comparison | None = None,
    full_model: bool = False,
) -> dict[str, Any]:
    """The whole coalition analysis of a scenario (the ``coalitions --json`` payload): the game's values on
    ``executor``, its solutions, the Shapley value (exact, or sampled over ``samples`` permutations) and the
    deal measured on it (:func:`check_deal`)."""
    cg = coalition_game(sc, players, executor, samples=samples, seed=seed, full_model=full_model)
    phi = cg.sampled.values if cg.sampled is not None else shapley(cg.game)
    return report(cg, check_deal(sc, cg, phi, comparison))
