"""Coalition values from a scenario (DESIGN §6): who creates the value of coordination.

``v(S)`` is the monetised joint value ``M = Σ_p U_p`` (the payer's utility holds the money value of PX)
of the plan the members of S make when they coordinate — max PX, then max M, as the ``joint`` concept —
while every partner outside S keeps its **silo split rules, written as linear constraints**, minus the
same when nobody coordinates: ``v(S) = M(plan_S) − M(plan_∅)``, so ``v(∅) = 0`` (solved, not assumed)
and ``v(N) = M(joint) − M(plan_∅)``.

Why not ``M(silo)`` as the baseline: the rule-based silo simulation and ``plan_∅`` (everyone under the
rules, volumes and timing optimised) differ by Δ = ``M(plan_∅) − M(silo)``, the value of optimising
within the rules, which no coalition creates. Measured from the silo, every singleton would be credited
with Δ: on tiny Σ v({i}) = 4 × 494.8 > v(N) = 501.1, the imputation set would be empty and every player
would look pivotal. Δ is reported beside the game (``rules_value − silo_value``); the joint plan's
total gain of ``compare`` is ``Δ + v(N)``.

The silo split rules are linear rows over the partner's own decisions
(:mod:`winwin.optimizer.allocation.rules`).

All coalitions are independent: they are solved in chunks, each chunk by one worker re-using one built
model (rule rows switched on and off by their bounds; small programs warm-start from the previous
coalition's basis), in-process or on Ray, in the same order either way (identical values).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from winwin.data import Scenario
from winwin.data.errors import GameError, InputError, problem
from winwin.optimizer.allocation.model import AllocationModel, build_allocation_model
from winwin.optimizer.allocation.rules import rule_rows
from winwin.optimizer.allocation.silo import silo_plan
from winwin.optimizer.games.tu import Game, SampledShapley, sampled_shapley
from winwin.optimizer.lp.workspace import Workspace, lexicographic
from winwin.optimizer.parallel import Executor, InProcessExecutor

ROLE_ORDER = ("manufacturer", "distributor", "site", "payer", "volunteer")
MAX_EXACT = 16
MAX_CHUNKS = 64
"""Coalitions are solved in at most this many chunks (at least 8 coalitions each), one model per chunk;
the chunking depends only on the number of coalitions, so every executor solves the same sequences."""


class CoalitionError(GameError):
    """A coalition's program has no optimal plan (its rules conflict with the model's commitments)."""


@dataclass(frozen=True)
class Players:
    """Players of the coalition game and the player of each partner (by partner position)."""

    names: tuple[str, ...]
    of_partner: np.ndarray
    grouping: str

    def partners_of(self, sc: Scenario, player: int) -> list[str]:
        return [sc.partners.ids[p] for p in np.nonzero(self.of_partner == player)[0]]


def players_of(sc: Scenario, spec: str = "partners") -> Players:
    """``partners`` (each its own player), ``role``, ``organisation`` (the partner's ``organisation``,
    else itself), or a YAML/JSON file mapping every partner id to a player name."""
    ids = list(sc.partners.ids)
    if spec == "partners":
        return Players(tuple(ids), np.arange(len(ids)), "partners")
    if spec == "role":
        roles = [sc.role_of(p) for p in ids]
        names = tuple(r for r in ROLE_ORDER if r in roles) + tuple(sorted(set(roles) - set(ROLE_ORDER)))
        return Players(names, np.array([names.index(r) for r in roles]), "role")
    if spec == "organisation":
        owner = [sc.partner(p).organisation or p for p in ids]
        names = tuple(dict.fromkeys(owner))
        return Players(names, np.array([names.index(o) for o in owner]), "organisation")
    path = Path(spec)
    if not path.exists():
        raise InputError([problem("players", "partners, role, organisation or a mapping file", spec)])
    from winwin.data.documents import read_document

    doc = read_document(path)
    if not isinstance(doc, dict):
        raise InputError([problem(str(path), "must map partner ids to player names", type(doc).__name__)])
    problems = [problem(f"{path}: {k}", "not a partner of the scenario", k) for k in doc if k not in ids]
    problems += [
        problem(f"{path}: {k}", "player names must be non-empty strings", v)
        for k, v in doc.items()
        if not isinstance(v, str) or not v
    ]
    missing = [p for p in ids if p not in doc]
    if missing:
        problems.append(problem(str(path), f"partners without a player: {', '.join(missing[:10])}", len(missing)))
    if problems:
        raise InputError(problems)
    names = tuple(dict.fromkeys(str(doc[p]) for p in ids))
    return Players(names, np.array([names.index(str(doc[p])) for p in ids]), str(path))


# --------------------------------------------------------------------------- values
class CoalitionValues:
    """One built model with every partner's rule rows, switched per coalition."""

    def __init__(self, scenario: Scenario, players: Players, model: AllocationModel | None = None) -> None:
        self.scenario = scenario
        self.players = players
        self.model = m = model or build_allocation_model(scenario)
        self.silo_value = float(silo_plan(m).utilities().sum())
        R, owner = rule_rows(scenario, m)
        self.ws = Workspace(m.problem(np.zeros(m.n_vars)))
        self.ws.warm = True  # consecutive coalitions differ in a few row bounds (small programs only)
        self.rows = self.ws.add_rows(R, -np.inf, np.inf) if R.shape[0] else np.zeros(0, dtype=int)
        self.row_player = players.of_partner[owner] if owner.size else np.zeros(0, dtype=int)
        self.px = m.px
        self.welfare = m.welfare()

    def monetised(self, mask: int) -> float:
        """M of the plan made when the players in ``mask`` coordinate and the others keep their rules."""
        return float(self.utilities(mask).sum())

    def utilities(self, mask: int) -> np.ndarray:
        """Each partner's utility in the plan made when the players in ``mask`` coordinate."""
        if self.rows.size:
            follows = ((mask >> self.row_player) & 1) == 0
            self.ws.set_row_bounds(self.rows, np.where(follows, 0.0, -np.inf), np.where(follows, 0.0, np.inf))
        n = self.ws.n_cols
        first, second = np.zeros(n), np.zeros(n)
        first[: self.px.size], second[: self.welfare.size] = self.px, self.welfare
        sol = lexicographic(self.ws, first, second)
        if not sol.ok or sol.x is None:
            names = [self.players.names[i] for i in range(len(self.players.names)) if mask >> i & 1]
            raise CoalitionError(f"coalition {{{', '.join(names)}}}: {sol.status.value} ({sol.message})")
        return self.model.utilities(sol.x[: self.model.n_vars])


@dataclass(frozen=True)
class _Chunk:
    scenario: Scenario
    players: Players
    masks: tuple[int, ...]


def _solve_chunk(chunk: _Chunk) -> list[float]:
    cv = CoalitionValues(chunk.scenario, chunk.players)
    return [cv.monetised(m) for m in chunk.masks]


def _evaluate(sc: Scenario, players: Players, masks: list[int], ex: Executor) -> dict[int, float]:
    size = max(8, -(-len(masks) // MAX_CHUNKS))
    chunks = [tuple(masks[i : i + size]) for i in range(0, len(masks), size)]
    results = ex.map(_solve_chunk, [_Chunk(sc, players, c) for c in chunks])
    return {m: v for c, vals in zip(chunks, results, strict=True) for m, v in zip(c, vals, strict=True)}


@dataclass
class CoalitionGame:
    """The coalition game of a scenario with what it took to compute."""

    game: Game
    players: Players
    silo_value: float
    rules_value: float
    """M(plan_∅): every partner under its silo rules, volumes and timing optimised (the game's baseline)."""
    seconds: float
    executor: str
    solves: int
    sampled: SampledShapley | None = None


def coalition_game(
    sc: Scenario,
    players: Players,
    executor: Executor | None = None,
    *,
    samples: int | None = None,
    seed: int = 0,
    target_se: float | None = None,
) -> CoalitionGame:
    """Exact: every coalition (up to MAX_EXACT players), ``v[0]`` solved like the others. ``samples``:
    sampled Shapley instead (the game's table then holds NaN where a coalition was not evaluated)."""
    n = len(players.names)
    ex = executor or InProcessExecutor()
    start = time.perf_counter()
    silo_value = float(silo_plan(build_allocation_model(sc)).utilities().sum())
    if samples is None:
        if n > MAX_EXACT:
            raise InputError(
                [problem("players", f"exact values need ≤ {MAX_EXACT} players; sample the Shapley value instead", n)]
            )
        values = _evaluate(sc, players, list(range(1 << n)), ex)
        v = np.array([values[m] - values[0] for m in range(1 << n)])
        return CoalitionGame(
            Game(players.names, v), players, silo_value, values[0], time.perf_counter() - start, ex.name, len(values)
        )
    cache: dict[int, float] = {}

    def value(masks: list[int]) -> list[float]:
        new = [m for m in masks if m not in cache]
        cache.update(_evaluate(sc, players, new, ex))
        return [cache[m] - cache[0] for m in masks]

    cache.update(_evaluate(sc, players, [0], ex))
    est = sampled_shapley(n, value, seed=seed, max_permutations=samples, target_se=target_se)
    v = np.full(1 << n, np.nan)
    for m, val in cache.items():
        v[m] = val - cache[0]
    return CoalitionGame(
        Game(players.names, v), players, silo_value, cache[0], time.perf_counter() - start, ex.name, len(cache), est
    )


def shapley_transfers(shapley: np.ndarray, joint_gains: np.ndarray) -> np.ndarray:
    """Side payments per player that turn the joint plan's gains (over ``plan_∅``) into the Shapley values;
    they sum to ``v(N) − Σ gains = 0`` (efficiency)."""
    return shapley - joint_gains
