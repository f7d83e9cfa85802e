"""Cooperative games (DESIGN §6): generic TU-game routines (Shapley, Banzhaf, core, least core, nucleolus)
and the coalition values of a scenario."""

from winwin.optimizer.games.coalitions import (
    CoalitionError,
    CoalitionGame,
    CoalitionValues,
    Players,
    coalition_game,
    players_of,
)
from winwin.optimizer.games.tu import (
    Game,
    banzhaf,
    in_core,
    least_core,
    nucleolus,
    sampled_shapley,
    shapley,
    summary,
)

__all__ = [
    "CoalitionError",
    "CoalitionGame",
    "CoalitionValues",
    "Game",
    "Players",
    "banzhaf",
    "coalition_game",
    "in_core",
    "least_core",
    "nucleolus",
    "players_of",
    "sampled_shapley",
    "shapley",
    "summary",
]
