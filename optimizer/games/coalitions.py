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

Coalitions are solved largest first, and a plan settles the smaller coalitions whose missing players'
rules it keeps anyway: T ⊂ S has S's value when S's plan meets the rule rows of every player of S ∖ T,
because T's plans are S's plans that meet those rows, one of them is optimal for S, and no plan of T can do
better (PX, then M, the same at both optima). On belgium-2021 by role this solves 8 of the 32 coalitions.
Each size's coalitions are solved in chunks, each chunk by one worker re-using one built model (rule rows
switched on and off by their bounds; small programs warm-start from the previous coalition's basis),
in-process or on Ray, in the same order either way (identical values).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from winwin.data import Scenario
from winwin.data.errors import GameError, InputError, problem
from winwin.optimizer.allocation.aggregate import reduce_sites, relative_violation
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
        self.rules = sp.csr_matrix(R)
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
        return self.model.utilities(self.solution(mask))

    def solution(self, mask: int) -> np.ndarray:
        """The plan made when the players in ``mask`` coordinate (the model's columns)."""
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
        return sol.x[: self.model.n_vars]

    def implied(self, mask: int, x: np.ndarray, candidates: tuple[int, ...]) -> list[int]:
        """The coalitions among ``candidates`` (subsets of ``mask``) whose value is ``mask``'s: plan ``x`` of
        ``mask`` already keeps the rules of every player it has and they lack (within RULES_TOLERANCE of the
        plan's largest column; module docstring)."""
        broken = 0
        if self.rows.size:
            violated = np.abs(self.rules @ x) > RULES_TOLERANCE * max(1.0, float(np.abs(x).max(initial=0.0)))
            breaks = np.bincount(self.row_player[violated], minlength=len(self.players.names)) > 0
            broken = int(sum(1 << i for i in np.nonzero(breaks)[0]))
        return [c for c in candidates if c & ~mask == 0 and c != mask and (mask & ~c) & broken == 0]


@dataclass(frozen=True)
class _Chunk:
    scenario: Scenario
    players: Players
    masks: tuple[int, ...]
    candidates: tuple[int, ...] = ()
    """Smaller coalitions still to value: those a solved plan settles are returned with it."""


def _solve_chunk(chunk: _Chunk) -> list[tuple[float, list[int]]]:
    cv = CoalitionValues(chunk.scenario, chunk.players)
    out = []
    for m in chunk.masks:
        x = cv.solution(m)
        out.append((float(cv.model.utilities(x).sum()), cv.implied(m, x, chunk.candidates)))
    return out


def _evaluate(sc: Scenario, players: Players, masks: list[int], ex: Executor) -> tuple[dict[int, float], int]:
    """The values of ``masks`` and the number of programs solved for them.

    Largest coalitions first, one size at a time: a coalition T ⊂ S whose missing players' rules S's plan
    keeps anyway has S's value (T's plans are S's plans that keep those rules, and S's optimum is one of
    them; lexicographically, max PX then max M, both optima are S's), so it is not solved. The sizes are
    done in order and each size's coalitions in the same chunks whatever the executor (at most MAX_CHUNKS,
    at least 8 coalitions each), so every executor solves the same sequences."""
    values: dict[int, float] = {}
    solved = 0
    by_size = sorted(set(masks), key=lambda m: (-m.bit_count(), m))
    for size in sorted({m.bit_count() for m in by_size}, reverse=True):
        level = [m for m in by_size if m.bit_count() == size and m not in values]
        if not level:
            continue
        smaller = tuple(m for m in by_size if m.bit_count() < size)
        step = max(8, -(-len(level) // MAX_CHUNKS))
        chunks = [tuple(level[i : i + step]) for i in range(0, len(level), step)]
        results = ex.map(_solve_chunk, [_Chunk(sc, players, c, smaller) for c in chunks])
        for c, out in zip(chunks, results, strict=True):
            for m, (value, implied) in zip(c, out, strict=True):
                values[m] = value
                solved += 1
                for t in implied:
                    values.setdefault(t, value)
    return values, solved


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
    model: dict[str, Any] = field(default_factory=lambda: {"model": "full"})
    """Which model the values were solved on (``reduced``: interchangeable sites merged) and why not."""
    solved_on: tuple[Scenario, Players] | None = None
    """The scenario and players the values were solved on (the reduced ones, or None: the game's own)."""

    def rules_utilities(self, sc: Scenario) -> np.ndarray:
        """Per player: its partners' utility in ``plan_∅`` (every partner under its rules), solved on the
        model the game was solved on (``sc`` when that was the full one)."""
        on, players = self.solved_on or (sc, self.players)
        base = CoalitionValues(on, players).utilities(0)
        return np.bincount(players.of_partner, weights=base, minlength=len(players.names))


def coalition_game(
    sc: Scenario,
    players: Players,
    executor: Executor | None = None,
    *,
    samples: int | None = None,
    seed: int = 0,
    target_se: float | None = None,
    full_model: bool = False,
) -> CoalitionGame:
    """Exact: every coalition (up to MAX_EXACT players), ``v[0]`` solved like the others. ``samples``:
    sampled Shapley instead (the game's table then holds NaN where a coalition was not evaluated).
    Unless ``full_model``, the values are solved with interchangeable sites merged when that is exact
    (:func:`reduced_game`)."""
    n = len(players.names)
    players_in = players
    ex = executor or InProcessExecutor()
    start = time.perf_counter()
    full = build_allocation_model(sc)
    silo_value = float(silo_plan(full).utilities().sum())
    info: dict[str, Any] = {"model": "full"}
    if not full_model:
        sc, players, info = reduced_game(sc, players, full)
    model_info = info
    solved_on = (sc, players) if info["model"] == "reduced" else None
    if samples is None:
        if n > MAX_EXACT:
            raise InputError(
                [problem("players", f"exact values need ≤ {MAX_EXACT} players; sample the Shapley value instead", n)]
            )
        values, solves = _evaluate(sc, players, list(range(1 << n)), ex)
        v = np.array([values[m] - values[0] for m in range(1 << n)])
        return CoalitionGame(
            Game(players.names, v), players_in, silo_value, values[0], time.perf_counter() - start, ex.name,
            solves, model=model_info, solved_on=solved_on,
        )  # fmt: skip
    cache: dict[int, float] = {}
    solved = 0

    def evaluate(masks: list[int]) -> None:
        nonlocal solved
        values, solves = _evaluate(sc, players, masks, ex)
        cache.update(values)
        solved += solves

    def value(masks: list[int]) -> list[float]:
        evaluate([m for m in masks if m not in cache])
        return [cache[m] - cache[0] for m in masks]

    evaluate([0])
    est = sampled_shapley(n, value, seed=seed, max_permutations=samples, target_se=target_se)
    v = np.full(1 << n, np.nan)
    for m, val in cache.items():
        v[m] = val - cache[0]
    return CoalitionGame(
        Game(players.names, v), players_in, silo_value, cache[0], time.perf_counter() - start, ex.name, solved,
        est, model_info, solved_on,
    )  # fmt: skip


RULES_TOLERANCE = 1e-7
"""Largest violation of a full-model rule row by a lifted plan, relative to the plan's largest column."""


def reduced_game(sc: Scenario, players: Players, full: AllocationModel) -> tuple[Scenario, Players, dict[str, Any]]:
    """The scenario and players to solve the coalition values on: the reduced ones
    (:func:`~winwin.optimizer.allocation.aggregate.reduce_sites`) when every class of interchangeable sites
    lies within one player, the silo campaign is the same total on both, and the plan with every partner
    under its rules (the coalition most bound by rules), lifted to every site, meets the full model's rows
    and rules; otherwise the full ones. With a class within one player, a coalition holds all of its
    members or none, and the rules (pro-rata splits by capacity, :mod:`~winwin.optimizer.allocation.rules`) of
    a class are its members' summed: ``v(S)`` is the full model's."""
    reduction = reduce_sites(sc)
    if reduction is None:
        return sc, players, {"model": "full"}
    pos, _share = reduction.partner_map()
    of = np.full(len(reduction.reduced.partners), -1, dtype=np.int64)
    for p, r in enumerate(pos):
        if of[r] >= 0 and of[r] != players.of_partner[p]:
            return sc, players, {"model": "full", "fallback": "a class of interchangeable sites spans two players"}
        of[r] = players.of_partner[p]
    small_players = Players(players.names, of, players.grouping)
    cv = CoalitionValues(reduction.reduced, small_players)
    info: dict[str, Any] = reduction.report(full, cv.model)
    silo_full = float(silo_plan(full).utilities().sum())
    if abs(cv.silo_value - silo_full) > 1e-9 * max(1.0, abs(silo_full)):
        return sc, players, info | {"model": "full", "fallback": "the silo campaign differs on the reduced model"}
    x = reduction.lift(full, cv.model, cv.solution(0))
    R, _owner = rule_rows(sc, full)
    rules = float(np.abs(R @ x).max(initial=0.0)) / max(1.0, float(np.abs(x).max(initial=0.0)))
    violation = max(relative_violation(full, x), rules)
    info["violation"] = violation
    if violation > RULES_TOLERANCE:
        return (
            sc,
            players,
            info | {"model": "full", "fallback": f"the lifted plan fails the full model ({violation:.2e})"},
        )
    return reduction.reduced, small_players, info


def shapley_transfers(shapley: np.ndarray, joint_gains: np.ndarray) -> np.ndarray:
    """Side payments per player that turn the joint plan's gains (over ``plan_∅``) into the Shapley values;
    they sum to ``v(N) − Σ gains = 0`` (efficiency)."""
    return shapley - joint_gains
