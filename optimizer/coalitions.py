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

Silo split rules as rows ``x_j − w_j · Σ_l x_l = 0`` over the partner's own decisions (totals stay free):

- manufacturer: each lane's share of a product's dispatch in a period is its contract share;
- distributor: each lane's share is the eligible willing population served downstream (pro rata);
- site: within a priority group, doses go to the regions it serves in proportion to their willing people
  times the site's share of each region (first come, first served);
- volunteer organisation: hours over its sites pro rata to capacity;
- the payer has no split of its own to keep (its policy is the model's).

All coalitions are independent: they are solved in chunks, each chunk by one worker re-using one built
model (rule rows switched on and off by their bounds; small programs warm-start from the previous
coalition's basis), in-process or on Ray, in the same order either way (identical values).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from data import Scenario
from data.errors import InputError, problem
from data.schema import Distributor, Manufacturer, Site, VolunteerOrg
from optimizer.games import Game, SampledShapley, sampled_shapley
from optimizer.model import AllocationModel, build_allocation_model
from optimizer.parallel import Executor, InProcessExecutor
from optimizer.planning import silo_plan
from optimizer.silo import distributor_lane_weights, manufacturer_lane_shares, region_shares, volunteer_split
from optimizer.workspace import Workspace, lexicographic

if TYPE_CHECKING:
    from optimizer.concepts import Comparison

ROLE_ORDER = ("manufacturer", "distributor", "site", "payer", "volunteer")
MAX_EXACT = 16
MAX_CHUNKS = 64
"""Coalitions are solved in at most this many chunks (at least 8 coalitions each), one model per chunk;
the chunking depends only on the number of coalitions, so every executor solves the same sequences."""


class CoalitionError(RuntimeError):
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
        raise InputError([problem("--players", "partners, role, organisation or a mapping file", spec)])
    from data.documents import read_document

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


# --------------------------------------------------------------------------- silo rules as rows
def _proportion_rows(cols: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """COO of rows ``x_j − ŵ_j·Σ_l x_l = 0`` for each group (row of ``cols``; −1 = no variable), ŵ the
    weights normalised over the group's variables (all ŵ = 0 when they sum to 0: nothing moves)."""
    valid = cols >= 0
    w = np.where(valid, weights, 0.0)
    total = w.sum(axis=1, keepdims=True)
    w = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
    count = valid.sum(axis=1)
    keep = (count >= 2) | ((total.ravel() == 0) & (count >= 1))  # a lone member with weight: no rule
    cols, w, valid = cols[keep], w[keep], valid[keep]
    G, L = cols.shape
    row_id = np.cumsum(valid.ravel()).reshape(G, L) - 1  # one row per valid (group, member)
    r_rows, r_cols, r_vals = [], [], []
    # + x_j
    r_rows.append(row_id[valid])
    r_cols.append(cols[valid])
    r_vals.append(np.ones(int(valid.sum())))
    # − ŵ_j · x_l for every valid l of the same group
    gj, j = np.nonzero(valid)
    for l_ in range(L):
        ok = valid[gj, l_]
        r_rows.append(row_id[gj[ok], j[ok]])
        r_cols.append(cols[gj[ok], l_])
        r_vals.append(-w[gj[ok], j[ok]])
    return np.concatenate(r_rows), np.concatenate(r_cols), np.concatenate(r_vals)


def rule_rows(sc: Scenario, model: AllocationModel) -> tuple[sp.csr_matrix, np.ndarray]:
    """Every partner's silo split rules as rows (= 0) over the model's variables, and each row's partner."""
    blocks = model.lp.var_blocks
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, int]] = []  # rows, cols, vals, partner

    def add(cols: np.ndarray, weights: np.ndarray, partner: str) -> None:
        if cols.size == 0:
            return
        r, c, v = _proportion_rows(cols, weights)
        if r.size:
            parts.append((r, c, v, sc.partners.pos(partner)))

    ship = blocks["ship"].index  # [lane, k, t]
    shares = manufacturer_lane_shares(sc)
    weights = distributor_lane_weights(sc)
    for n, nid in enumerate(sc.nodes.ids):
        p = sc.partner(nid)
        out = np.nonzero(sc.lane_source == n)[0]
        if out.size == 0 or not isinstance(p, Manufacturer | Distributor):
            continue
        cols = ship[out].transpose(1, 2, 0).reshape(-1, out.size)  # groups (k, t), members lanes
        if isinstance(p, Manufacturer):
            w = np.broadcast_to(shares[out][:, :, None], (out.size, len(sc.products), sc.T))
        else:
            w = weights[out]
        add(cols, w.transpose(1, 2, 0).reshape(-1, out.size), nid)
    adm = blocks["adm"].index  # [pair, g, k, t]
    share = region_shares(sc)
    for s, sid in enumerate(sc.sites.ids):
        if not isinstance(sc.partner(sid), Site):
            continue
        pairs = np.nonzero(sc.pair_site == s)[0]
        if pairs.size < 2:
            continue
        regions = sc.pair_region[pairs]
        w = share[s, regions][None, :] * sc.willing[:, regions]  # [g, pair]
        cols = adm[pairs].transpose(1, 2, 3, 0)  # [g, k, t, pair]
        wb = np.broadcast_to(w[:, None, None, :], cols.shape)
        add(cols.reshape(-1, pairs.size), wb.reshape(-1, pairs.size), sid)
    vol = blocks["vol"].index  # [o, s, t]
    split = volunteer_split(sc)
    for o, oid in enumerate(sc.volunteers.ids):
        if not isinstance(sc.partner(oid), VolunteerOrg):
            continue
        cols = vol[o].T  # [t, s]
        add(cols, np.broadcast_to(split[o][None, :], cols.shape), oid)
    if not parts:
        return sp.csr_matrix((0, model.n_vars)), np.zeros(0, dtype=int)
    offset = 0
    rows, cols_, vals, owner = [], [], [], []
    for r, c, v, partner in parts:
        n_rows = int(r.max()) + 1
        rows.append(r + offset)
        cols_.append(c)
        vals.append(v)
        owner.append(np.full(n_rows, partner))
        offset += n_rows
    R = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols_))), shape=(offset, model.n_vars)
    )
    R.sum_duplicates()
    R.eliminate_zeros()
    return R, np.concatenate(owner)


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
            raise InputError([problem("--players", f"exact values need ≤ {MAX_EXACT} players; use --samples", n)])
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


def report(cg: CoalitionGame, deal: DealCheck | None = None) -> dict[str, Any]:
    """The ``coalitions --json`` payload (see :func:`optimizer.games.summary`)."""
    from optimizer.games import summary

    out = summary(cg.game, exact=cg.sampled is None)
    out["players"] = list(cg.players.names)
    out["grouping"] = cg.players.grouping
    out["silo_value"] = cg.silo_value
    out["rules_value"] = cg.rules_value
    out["seconds"] = cg.seconds
    out["executor"] = cg.executor
    out["coalitions_solved"] = cg.solves
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
    from optimizer.concepts import compare
    from optimizer.games import in_core

    base = CoalitionValues(sc, cg.players).utilities(0)
    cmp = comparison if comparison is not None else compare(sc, ["joint", "winwin"])
    P = cg.players.of_partner
    n = len(cg.players.names)

    def per_player(values: np.ndarray) -> np.ndarray:
        return np.bincount(P, weights=values, minlength=n)

    ww = cmp.outcomes["winwin"].plan
    alloc = per_player(ww.utilities() - base) if ww.has_plan else np.full(n, np.nan)
    check = in_core(cg.game, alloc) if ww.has_plan and not np.isnan(cg.game.v).any() else None
    joint = per_player(cmp.outcomes["joint"].plan.utilities() - base)
    return DealCheck(
        alloc,
        bool(check.in_core) if check else False,
        check.violations if check else {},
        joint,
        None if shapley is None else shapley_transfers(shapley, joint),
    )
