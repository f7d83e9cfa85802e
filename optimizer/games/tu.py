"""Transferable-utility games: Shapley (exact and sampled), Banzhaf, core, least core, nucleolus (DESIGN §6).

A :class:`Game` holds ``v`` over every coalition, indexed by bitmask (bit i = player i), with
``v[0] = 0``. Profit games (``v`` is what a coalition can earn) and cost games (``c`` is what it must
pay) are both accepted; the LP-based solutions of a cost game are those of the profit game ``−c``,
negated, so allocations always read in the game's own units.

- Shapley: ``φ_i = Σ_{S∌i} |S|!(n−|S|−1)!/n! · (v(S∪i) − v(S))``, vectorised over all ``2ⁿ`` masks.
- sampled Shapley: marginal contributions along random permutations (a seeded generator), with the
  standard error of each player's mean; stops when every standard error is at most the target.
- Banzhaf: ``β_i = Σ_{S∌i} (v(S∪i) − v(S)) / 2ⁿ⁻¹`` (raw, not normalised).
- core: ``x(N) = v(N)`` and ``x(S) ≥ v(S)`` for every S (cost: ``≤``); least core: min ε with
  ``x(S) ≥ v(S) − ε``; the core is non-empty iff that ε ≤ 0.
- nucleolus (Schmeidler): over imputations (``x_i ≥ v(i)``), by sequential LPs: minimise the largest
  excess, fix the coalitions whose row has a non-zero dual (tight in every optimum), drop the coalitions
  whose excess is then determined (in the span of the fixed ones), repeat until the point is unique.
  Undefined — reported with its reason, never a made-up vector — when the imputation set is empty.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from winwin.data.errors import InputError, problem
from winwin.optimizer.lp.solvers import Problem
from winwin.optimizer.lp.workspace import Workspace

GAME_TYPES = ("profit", "cost")
MAX_EXACT_PLAYERS = 20
TOLERANCE = 1e-9


def popcount(masks: np.ndarray) -> np.ndarray:
    """Number of players in each coalition mask."""
    m = masks.astype(np.int64)
    count = np.zeros_like(m)
    while m.any():
        count += m & 1
        m >>= 1
    return count


def members(mask: int, n: int) -> list[int]:
    return [i for i in range(n) if mask >> i & 1]


@dataclass(frozen=True)
class Game:
    """A TU game: ``v[mask]`` for every coalition of ``players`` (``v[0] = 0``)."""

    players: tuple[str, ...]
    v: np.ndarray
    game_type: str = "profit"

    @property
    def n(self) -> int:
        return len(self.players)

    @property
    def grand(self) -> int:
        return (1 << self.n) - 1

    def profit(self) -> np.ndarray:
        """The values as a profit game (a cost game negated)."""
        return self.v if self.game_type == "profit" else -self.v

    def coalition(self, mask: int) -> list[str]:
        return [self.players[i] for i in members(mask, self.n)]

    def table(self) -> dict[str, float]:
        """``{"A,B": v}`` for every non-empty coalition (the ``--game`` file format)."""
        return {",".join(self.coalition(m)): float(self.v[m]) for m in range(1, self.grand + 1)}

    @classmethod
    def from_function(cls, players: tuple[str, ...], value: Callable[[int], float], game_type: str = "profit") -> Game:
        n = len(players)
        v = np.array([0.0] + [float(value(m)) for m in range(1, 1 << n)])
        return cls(players, v, game_type)

    @classmethod
    def from_dict(cls, doc: Any) -> Game:
        """Validate ``{"players": [...], "v": {"A,B": 3.0, ...}, "game_type": "profit"|"cost"}``: every
        non-empty coalition exactly once (ids comma-separated, any order), finite values."""
        if not isinstance(doc, dict):
            raise InputError([problem("", "a game must be a JSON object", type(doc).__name__)])
        problems = []
        for key in doc:
            if key not in ("players", "v", "game_type"):
                problems.append(problem(str(key), "unknown field (expected players, v, game_type)", key))
        players = doc.get("players")
        if not isinstance(players, list) or not players or not all(isinstance(p, str) and p for p in players):
            raise InputError([*problems, problem("players", "must be a non-empty list of names", players)])
        if len(set(players)) != len(players):
            problems.append(problem("players", "names must be unique", players))
        if len(players) > MAX_EXACT_PLAYERS:
            problems.append(problem("players", f"at most {MAX_EXACT_PLAYERS} players in a game file", len(players)))
        game_type = doc.get("game_type", "profit")
        if game_type not in GAME_TYPES:
            problems.append(problem("game_type", "must be profit or cost", game_type))
        raw = doc.get("v")
        if not isinstance(raw, dict):
            raise InputError([*problems, problem("v", "must map coalitions to values", raw)])
        if problems:
            raise InputError(problems)
        index = {p: i for i, p in enumerate(players)}
        n = len(players)
        v = np.full(1 << n, np.nan)
        v[0] = 0.0
        for key, value in raw.items():
            names = [s.strip() for s in str(key).split(",") if s.strip()]
            unknown = [s for s in names if s not in index]
            if not names or unknown:
                problems.append(problem(f"v.{key}", f"unknown player(s) {unknown}" if unknown else "empty coalition"))
                continue
            if len(set(names)) != len(names):
                problems.append(problem(f"v.{key}", "a player appears twice"))
                continue
            if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
                problems.append(problem(f"v.{key}", "must be a finite number", value))
                continue
            mask = sum(1 << index[s] for s in names)
            if not np.isnan(v[mask]):
                problems.append(problem(f"v.{key}", "this coalition is given twice"))
                continue
            v[mask] = float(value)
        missing = [m for m in range(1, 1 << n) if np.isnan(v[m])]
        if missing:
            shown = ", ".join('"' + ",".join(players[i] for i in members(m, n)) + '"' for m in missing[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            problems.append(problem("v", f"missing coalitions: {shown}{more}"))
        if problems:
            raise InputError(problems)
        return cls(tuple(players), v, game_type)


# --------------------------------------------------------------------------- values
def _marginals(v: np.ndarray, n: int, i: int) -> tuple[np.ndarray, np.ndarray]:
    """(masks S without i, v(S ∪ i) − v(S))."""
    masks = np.arange(1 << n)
    without = masks[(masks >> i & 1) == 0]
    return without, v[without | (1 << i)] - v[without]


def shapley(game: Game) -> np.ndarray:
    n = game.n
    size = popcount(np.arange(1 << n))
    weight = np.array([math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)])
    out = np.empty(n)
    for i in range(n):
        without, marg = _marginals(game.v, n, i)
        out[i] = float(weight[size[without]] @ marg)
    return out


def banzhaf(game: Game) -> np.ndarray:
    n = game.n
    return np.array([_marginals(game.v, n, i)[1].sum() / 2 ** (n - 1) for i in range(n)])


@dataclass
class SampledShapley:
    values: np.ndarray
    standard_errors: np.ndarray
    permutations: int
    coalitions_evaluated: int
    converged: bool


def sampled_shapley(
    n: int,
    value: Callable[[list[int]], list[float]],
    *,
    seed: int = 0,
    max_permutations: int = 1000,
    target_se: float | None = None,
    batch: int = 50,
) -> SampledShapley:
    """Shapley by random permutations. ``value`` evaluates a list of coalition masks (a batch, so that a
    caller can solve them in parallel); results are cached. Stops when every standard error ≤ ``target_se``
    (checked after each batch, from 2 batches on) or after ``max_permutations``."""
    rng = np.random.default_rng(seed)
    cache: dict[int, float] = {0: 0.0}
    samples: list[np.ndarray] = []
    converged = False
    while len(samples) < max_permutations:
        perms = [rng.permutation(n) for _ in range(min(batch, max_permutations - len(samples)))]
        prefixes = [np.concatenate([[0], np.cumsum(1 << p.astype(np.int64))]) for p in perms]
        needed = sorted({int(m) for pre in prefixes for m in pre} - cache.keys())
        if needed:
            cache.update(zip(needed, value(needed), strict=True))
        for p, pre in zip(perms, prefixes, strict=True):
            vals = np.array([cache[int(m)] for m in pre])
            contrib = np.empty(n)
            contrib[p] = np.diff(vals)
            samples.append(contrib)
        m = np.array(samples)
        se = m.std(axis=0, ddof=1) / np.sqrt(len(m)) if len(m) > 1 else np.full(n, np.inf)
        if target_se is not None and len(samples) >= 2 * batch and se.max() <= target_se:
            converged = True
            break
    m = np.array(samples)
    se = m.std(axis=0, ddof=1) / np.sqrt(len(m)) if len(m) > 1 else np.full(n, np.inf)
    return SampledShapley(m.mean(axis=0), se, len(m), len(cache) - 1, converged)


# --------------------------------------------------------------------------- core and nucleolus
@dataclass
class CoreCheck:
    in_core: bool
    efficiency_gap: float
    """x(N) − v(N)."""
    violations: dict[str, float] = field(default_factory=dict)
    """Coalitions that would do better alone: how much better (profit) or cheaper (cost)."""


def in_core(game: Game, x: np.ndarray, tol: float = 1e-7) -> CoreCheck:
    """Is ``x`` (in the game's own units) in the core? With every blocking coalition and its excess."""
    v = game.profit()
    y = x if game.game_type == "profit" else -np.asarray(x)
    masks = np.arange(1, game.grand + 1)
    incidence = ((masks[:, None] >> np.arange(game.n)) & 1).astype(float)
    excess = v[masks] - incidence @ y
    scale = tol * max(1.0, float(np.abs(v).max()))
    gap = float(np.sum(x) - game.v[game.grand])
    bad = {",".join(game.coalition(int(m))): float(e) for m, e in zip(masks, excess, strict=True) if e > scale}
    return CoreCheck(not bad and abs(gap) <= scale, gap, bad)


def _coalition_rows(n: int, masks: np.ndarray) -> sp.csr_matrix:
    incidence = ((masks[:, None] >> np.arange(n)) & 1).astype(float)
    return sp.csr_matrix(incidence)


@dataclass
class LeastCore:
    epsilon: float
    """Least ε with x(S) ≥ v(S) − ε (profit) / x(S) ≤ c(S) + ε (cost) for every proper coalition."""
    x: np.ndarray

    @property
    def core_nonempty(self) -> bool:
        return self.epsilon <= TOLERANCE * 10


def _lp(n: int, v: np.ndarray, masks: np.ndarray, imputations: bool) -> tuple[Workspace, np.ndarray, int]:
    """Variables (x_1..x_n, ε): rows x(S) + ε ≥ v(S) for ``masks``, x(N) = v(N)."""
    grand = (1 << n) - 1
    lb = np.concatenate([v[1 << np.arange(n)] if imputations else np.full(n, -np.inf), [-np.inf]])
    base = Problem(
        np.zeros(n + 1),
        sp.csr_matrix(np.concatenate([np.ones(n), [0.0]])[None, :]),
        np.array([v[grand]]),
        np.array([v[grand]]),
        lb,
        np.full(n + 1, np.inf),
        np.zeros(n + 1, dtype=bool),
    )
    ws = Workspace(base)
    rows = ws.add_rows(
        sp.csr_matrix(sp.hstack([_coalition_rows(n, masks), sp.csr_matrix(np.ones((masks.size, 1)))])), v[masks], np.inf
    )
    return ws, rows, n


def least_core(game: Game) -> LeastCore:
    n, v = game.n, game.profit()
    if n == 1:
        return LeastCore(0.0, np.array([game.v[1]]))
    masks = np.arange(1, game.grand)
    ws, _rows, _ = _lp(n, v, masks, imputations=False)
    c = np.zeros(n + 1)
    c[n] = 1.0
    sol = ws.solve(c, maximize=False)
    assert sol.ok and sol.x is not None, sol.status
    x = sol.x[:n] if game.game_type == "profit" else -sol.x[:n]
    return LeastCore(float(sol.x[n]), x)


@dataclass
class Nucleolus:
    x: np.ndarray | None
    note: str
    stages: int = 0


def nucleolus(game: Game) -> Nucleolus:
    """The nucleolus by sequential LPs (module docstring), or None with the reason it is undefined."""
    n, v = game.n, game.profit()
    singles = v[1 << np.arange(n)]
    if singles.sum() > v[game.grand] + TOLERANCE * max(1.0, abs(v[game.grand])):
        what = "Σ c({i}) < c(N)" if game.game_type == "cost" else "Σ v({i}) > v(N)"
        return Nucleolus(
            None, f"undefined: the imputation set is empty ({what}: no split gives everyone its stand-alone value)"
        )
    if n == 1:
        return Nucleolus(np.array([game.v[1]]), "one player", 0)
    free = np.arange(1, game.grand)
    fixed_rows: list[np.ndarray] = [np.ones(n)]  # the grand coalition's equation
    fixed_rhs: list[float] = [float(v[game.grand])]
    ws, rows, _ = _lp(n, v, free, imputations=True)
    row_of = dict(zip(free.tolist(), rows.tolist(), strict=True))
    c = np.zeros(n + 1)
    c[n] = 1.0
    stages = 0
    x = None
    while free.size:
        sol = ws.solve(c, maximize=False)
        stages += 1
        assert sol.ok and sol.x is not None and sol.duals is not None, sol.status
        eps = float(sol.x[n])
        x = sol.x[:n]
        duals = np.abs(sol.duals[[row_of[int(m)] for m in free]])
        tight = free[duals > 1e-9 * max(1.0, duals.max(initial=0.0))]
        if tight.size == 0:  # numerically flat duals: fix the coalition with the largest excess
            excess = v[free] - _coalition_rows(n, free) @ x
            tight = free[[int(np.argmax(excess))]]
        for m in tight:  # x(S) = v(S) − ε*: drop the ε column from the row, fix its level
            r = row_of[int(m)]
            ws.set_row_bounds(np.array([r]), -np.inf, np.inf)
            ws.add_rows(_coalition_rows(n, np.array([m])), v[m] - eps, v[m] - eps)
            fixed_rows.append(_coalition_rows(n, np.array([m])).toarray().ravel())
            fixed_rhs.append(float(v[m] - eps))
        basis = np.array(fixed_rows)
        rank = np.linalg.matrix_rank(basis, tol=1e-9)
        if rank == n:
            break
        # coalitions whose excess is now determined by the fixed ones leave the problem
        keep = []
        for m in free:
            if m in set(tight.tolist()):
                continue
            row = _coalition_rows(n, np.array([m])).toarray().ravel()
            if np.linalg.matrix_rank(np.vstack([basis, row]), tol=1e-9) > rank:
                keep.append(m)
            else:
                ws.set_row_bounds(np.array([row_of[int(m)]]), -np.inf, np.inf)
        free = np.array(keep, dtype=np.int64)
    assert x is not None
    basis = np.array(fixed_rows)
    if np.linalg.matrix_rank(basis, tol=1e-9) == n:  # the fixed equations pin x down: solve them exactly
        x = np.linalg.lstsq(basis, np.array(fixed_rhs), rcond=None)[0]
    if game.game_type == "cost":
        x = -x
    return Nucleolus(x, "exact (sequential LPs)", stages)


def summary(game: Game, exact: bool = True) -> dict[str, Any]:
    """Every solution of ``game`` as plain data (the ``coalitions --json`` payload)."""
    names = game.players

    def named(x: np.ndarray) -> dict[str, float]:
        return {p: float(v) for p, v in zip(names, x, strict=True)}

    if not exact or np.isnan(game.v).any():
        return {
            "shapley": None,
            "banzhaf": None,
            "nucleolus": None,
            "nucleolus_note": "needs every coalition's value (sampled game)",
            "core_nonempty": None,
            "least_core": None,
            "game_type": game.game_type,
        }
    nu = nucleolus(game)
    lc = least_core(game)
    return {
        "shapley": named(shapley(game)),
        "banzhaf": named(banzhaf(game)),
        "nucleolus": None if nu.x is None else named(nu.x),
        "nucleolus_note": nu.note,
        "core_nonempty": lc.core_nonempty,
        "least_core": {"epsilon": lc.epsilon, "allocation": named(lc.x)},
        "game_type": game.game_type,
        "v": game.table() if game.n <= 10 else None,
    }
