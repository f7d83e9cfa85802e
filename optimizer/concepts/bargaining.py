"""Bargaining solutions over a set of feasible gains, by sequences of linear programs.

A :class:`GainProgram` is a :class:`~winwin.optimizer.lp.workspace.Workspace` whose feasible points ``y`` give the
players the gains ``g = G·y + g0`` (utility minus disagreement utility). The same routines serve an
abstract bargaining problem (``y = u``, the polytope ``A·u ≤ b``) and a whole allocation model
(``y`` = the plan, transfers and subsidies):

- ``utilitarian``: max Σ g_p; ties broken by leximin.
- ``leximin`` / ``egalitarian``: maximise the least gain, fix the players who cannot do better (those
  whose row has a non-zero dual: by complementary slackness they sit at that level in every optimum),
  repeat with the others.
- ``kalai_smorodinsky``: leximin on ``g_p / I_p`` where ``I_p`` is player p's ideal gain (its best
  gain while every other player keeps at least its disagreement utility); in two dimensions the point
  where the segment from ``d`` to the ideal point leaves the set.
- ``nash``: max Σ w_p·log g_p by outer approximation: the concave log is cut by its tangents at the LP
  point and at its midpoint with the best point so far, until the upper bound Σ w_p·z_p and the best
  value found differ by at most ``tolerance`` (relative). Players whose ideal gain is zero keep 0.

An abstract problem's set is ``{u : A·u ≤ b, u ≥ d}``: the disagreement point itself need not lie in
``A·u ≤ b`` (the core of a TU game, ``Σ u = v(N)``, with the stand-alone values as ``d``); a problem is
rejected only when no point of the set gives every player at least ``d``, or none gives each strictly more.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from winwin.data.errors import GameError, InputError, problem
from winwin.optimizer.lp.solvers import Problem, SolveStatus
from winwin.optimizer.lp.workspace import LpSolution, Workspace

NASH_TOLERANCE = 1e-9
"""Default relative gap between the outer approximation and the best Nash product found."""
DUAL_TOLERANCE = 1e-7
"""A leximin row whose dual carries at least this share of the objective fixes its player."""
LEVEL_SLACK = 1e-9
"""Relative slack when a leximin level or a PX floor is fixed, so tolerances never make a stage infeasible."""


class BargainingError(GameError):
    """A bargaining program failed (infeasible or not solved) where the theory says it cannot."""


@dataclass
class Split:
    """One bargaining solution: the players' gains, the point ``y`` reaching them, the work it took."""

    concept: str
    gains: np.ndarray
    y: np.ndarray
    solves: int = 0
    note: str = ""
    extra: dict[str, float] = field(default_factory=dict)


@dataclass
class GainProgram:
    """Gains ``g = G·y + g0`` of ``players`` over the feasible points of ``ws``."""

    ws: Workspace
    G: sp.csr_matrix
    g0: np.ndarray
    players: tuple[str, ...]
    weights: np.ndarray
    scale: float = 1.0
    """A typical gain magnitude, for absolute tolerances."""

    def gains(self, y: np.ndarray) -> np.ndarray:
        return np.asarray(self.G @ y[: self.G.shape[1]]).ravel() + self.g0

    def tol(self) -> float:
        return 1e-7 * max(1.0, self.scale)

    def _solve(self, objective: np.ndarray | sp.spmatrix) -> LpSolution:
        sol = self.ws.solve(objective)
        if not sol.ok:
            raise BargainingError(f"a bargaining program ended {sol.status.value}: {sol.message}")
        return sol


def utilitarian(gp: GainProgram) -> Split:
    """Max Σ_p g_p; among those maxima, the leximin point (so that the split is unique)."""
    total = sp.csr_matrix(gp.G.sum(axis=0))
    first = gp._solve(total)
    best = float(gp.gains(first.x).sum())  # type: ignore[arg-type]
    mark = gp.ws.mark()
    try:
        gp.ws.add_rows(total, best - LEVEL_SLACK * max(1.0, abs(best)) - gp.g0.sum(), np.inf)
        level = leximin(gp)
    finally:
        gp.ws.rollback(mark)
    return Split("utilitarian", level.gains, level.y, 1 + level.solves)


def leximin(gp: GainProgram, scale: np.ndarray | None = None, stages: int | None = None) -> Split:
    """Lexicographic maximin of ``g_p / scale_p`` over players with ``scale_p > 0`` (all by default)."""
    n = len(gp.players)
    s = np.ones(n) if scale is None else np.asarray(scale, dtype=float)
    # a scale below 1e-9 of the largest would be a coefficient HiGHS drops: such players are not levelled
    free = [p for p in range(n) if s[p] > 1e-9 * s.max(initial=0.0) and s[p] > 0]
    if free:  # the level column is measured in gain units (t·max s), so no coefficient becomes tiny
        s = s / s[free].max()
    mark = gp.ws.mark()
    solves = 0
    try:
        t = gp.ws.add_columns(np.array([-np.inf]), np.array([np.inf]))[0]
        # g_p − s_p·t ≥ 0  ⇔  G_p·y − s_p·t ≥ −g0_p
        rows = gp.ws.add_rows(_with_column(gp.G[free], t, -s[free], gp.ws.n_cols), -gp.g0[free], np.inf)
        level_rows = dict(zip(free, rows, strict=True))
        objective = np.zeros(gp.ws.n_cols)
        objective[t] = 1.0
        sol: LpSolution | None = None
        done = 0
        while free:
            sol = gp._solve(objective)
            solves += 1
            done += 1
            assert sol.x is not None and sol.duals is not None
            level = sol.x[t]
            weight = np.array([abs(sol.duals[level_rows[p]]) * s[p] for p in free])
            fixed = [p for p, w in zip(free, weight, strict=True) if w >= DUAL_TOLERANCE * max(weight.sum(), 1e-30)]
            if not fixed:  # numerically flat duals: fix the lowest ratio
                g = gp.gains(sol.x)
                fixed = [min(free, key=lambda p: g[p] / s[p])]
            for p in fixed:
                floor = s[p] * level
                floor -= LEVEL_SLACK * max(gp.scale, abs(floor))
                gp.ws.add_rows(gp.G[p], floor - gp.g0[p], np.inf)
                gp.ws.set_row_bounds(np.array([level_rows[p]]), -np.inf, np.inf)
            free = [p for p in free if p not in fixed]
            if stages is not None and done >= stages:
                break
        if sol is None:  # nobody to level: any feasible point
            sol = gp._solve(np.zeros(gp.ws.n_cols))
            solves += 1
        assert sol.x is not None
        y = sol.x[: mark.n_cols].copy()
    finally:
        gp.ws.rollback(mark)
    return Split("egalitarian", gp.gains(y), y, solves)


def egalitarian(gp: GainProgram) -> Split:
    return leximin(gp)


def ideal_gains(gp: GainProgram) -> np.ndarray:
    """Each player's largest gain over the program's feasible set (which keeps the others' IR rows)."""
    ideal = np.empty(len(gp.players))
    for p in range(len(gp.players)):
        sol = gp._solve(gp.G[p])
        ideal[p] = gp.gains(sol.x)[p]  # type: ignore[arg-type]
    return ideal


def kalai_smorodinsky(gp: GainProgram, ideal: np.ndarray | None = None) -> Split:
    """Gains in equal proportion of each player's ideal gain (lexicographic on the ratios)."""
    ideal = ideal_gains(gp) if ideal is None else ideal
    out = leximin(gp, scale=np.where(ideal > gp.tol(), ideal, 0.0))
    out.concept = "kalai_smorodinsky"
    out.extra = {f"ideal:{p}": float(v) for p, v in zip(gp.players, ideal, strict=True)}
    return out


def nash(
    gp: GainProgram,
    ideal: np.ndarray | None = None,
    tolerance: float = NASH_TOLERANCE,
    max_iterations: int = 500,
) -> Split:
    """Max Σ w_p log g_p by tangent cuts (see the module docstring); players with no possible gain keep 0."""
    ideal = ideal_gains(gp) if ideal is None else ideal
    active = [p for p in range(len(gp.players)) if ideal[p] > gp.tol()]
    if not active:
        split = leximin(gp)
        split.concept = "nash"
        split.note = "no player can gain: the disagreement point"
        return split
    w = gp.weights[active]
    mark = gp.ws.mark()
    solves = 0
    best_y: np.ndarray | None = None
    best_value = -np.inf
    upper = previous = np.inf
    try:
        z = gp.ws.add_columns(np.full(len(active), -np.inf), np.full(len(active), np.inf))

        G_active, g0_active, top = gp.G[active], gp.g0[active], ideal[active]

        def cut(points: np.ndarray) -> None:
            # z_p ≤ log ĝ + (g_p − ĝ)/ĝ with the column ζ_p = I_p·z_p (in gain units, like y, so that no
            # coefficient is negligible):  ζ_p − (I_p/ĝ)·G_p·y ≤ I_p·(log ĝ − 1 + g0_p/ĝ)
            gh = np.maximum(points, 1e-4 * top)
            rows = _with_column(sp.diags(-top / gh) @ G_active, z, np.ones(len(active)), gp.ws.n_cols)
            gp.ws.add_rows(rows, -np.inf, top * (np.log(gh) - 1.0 + g0_active / gh))

        cut(top)
        cut(top / max(len(active), 2))
        objective = np.zeros(gp.ws.n_cols)
        objective[z] = w / top
        for _ in range(max_iterations):
            sol = gp._solve(objective)
            solves += 1
            assert sol.x is not None
            upper = float(w @ (sol.x[z] / top))
            g = gp.gains(sol.x)[active]
            value = float(w @ np.log(g)) if (g > 0).all() else -np.inf
            if value > best_value:
                best_value, best_y = value, sol.x[: mark.n_cols].copy()
            if (np.isfinite(best_value) and upper - best_value <= tolerance * max(1.0, abs(best_value))) or (
                previous == upper and best_y is not None
            ):
                break  # converged, or the solver's tolerances allow no further progress
            previous = upper
            cut(g)
            if best_y is not None:
                cut(0.5 * (g + gp.gains(best_y)[active]))
    finally:
        gp.ws.rollback(mark)
    if best_y is None:
        raise BargainingError("the Nash program found no point where every player who can gain does")
    gap = upper - best_value
    return Split(
        "nash",
        gp.gains(best_y),
        best_y,
        solves,
        note=f"outer approximation: Σ w·log gain within {gap:.2e} of its maximum",
        extra={"nash_gap": gap, "nash_value": best_value},
    )


def _with_column(M: sp.spmatrix, cols: np.ndarray | int, values: np.ndarray, n_cols: int) -> sp.csr_matrix:
    """``M`` widened to ``n_cols`` columns with ``values[i]`` added at ``(i, cols[i])`` (or one column)."""
    M = sp.csr_matrix(M)  # type: ignore[call-overload]
    m = M.shape[0]
    extra = sp.csr_matrix((values, (np.arange(m), np.broadcast_to(cols, m))), shape=(m, n_cols))
    return sp.csr_matrix(sp.hstack([M, sp.csr_matrix((m, n_cols - M.shape[1]))])) + extra


CONCEPTS = {
    "utilitarian": utilitarian,
    "egalitarian": egalitarian,
    "kalai_smorodinsky": kalai_smorodinsky,
    "nash": nash,
}


# --------------------------------------------------------------------------- abstract problems
@dataclass(frozen=True)
class BargainingProblem:
    """Players, a polytope of feasible utilities ``A·u ≤ b``, a disagreement point and bargaining weights."""

    players: tuple[str, ...]
    A: np.ndarray
    b: np.ndarray
    d: np.ndarray
    weights: np.ndarray

    @classmethod
    def from_dict(cls, doc: object) -> BargainingProblem:
        """Validate a ``{"players", "A", "b", "d", "weights"?}`` document, collecting every problem."""
        problems = []
        if not isinstance(doc, dict):
            raise InputError([problem("", "a bargaining problem must be a JSON object", type(doc).__name__)])
        for key in doc:
            if key not in ("players", "A", "b", "d", "weights"):
                problems.append(problem(str(key), "unknown field (expected players, A, b, d, weights)", key))
        players = doc.get("players")
        if not isinstance(players, list) or not players or not all(isinstance(p, str) and p for p in players):
            problems.append(problem("players", "must be a non-empty list of names", players))
            players = []
        elif len(set(players)) != len(players):
            problems.append(problem("players", "names must be unique", players))
        n = len(players)

        def numbers(key: str, value: object, length: int | None) -> np.ndarray | None:
            ok = isinstance(value, list) and all(
                isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v) for v in value
            )
            if not ok:
                problems.append(problem(key, "must be a list of finite numbers", value))
                return None
            if length is not None and len(value) != length:  # type: ignore[arg-type]
                problems.append(problem(key, f"must have {length} values (one per player)", value))
                return None
            return np.asarray(value, dtype=float)

        A_raw = doc.get("A")
        rows: list[np.ndarray] = []
        if not isinstance(A_raw, list) or not A_raw:
            problems.append(problem("A", "must be a non-empty list of rows", A_raw))
        else:
            for i, r in enumerate(A_raw):
                v = numbers(f"A[{i}]", r, n or None)
                if v is not None:
                    rows.append(v)
        b = numbers("b", doc.get("b"), len(A_raw) if isinstance(A_raw, list) else None)
        d = numbers("d", doc.get("d"), n or None)
        weights = numbers("weights", doc.get("weights", [1.0] * n), n or None)
        if weights is not None and (weights <= 0).any():
            problems.append(problem("weights", "bargaining weights must be > 0", doc.get("weights")))
        if problems:
            raise InputError(problems)
        assert b is not None and d is not None and weights is not None
        return cls(tuple(players), np.vstack(rows), b, d, weights)

    def check_solvable(self) -> None:
        """Reject a problem where no point of the set gives every player at least ``d``, naming who cannot be
        satisfied: the players who cannot reach their ``d`` even alone, else those short in the point that
        misses the demands by the least in total. ``d`` itself need not lie in the set (the core of a TU game
        with the stand-alone values as ``d``): the concepts are solved on the points above it."""
        n = len(self.players)
        reach = []
        ws = Workspace(_polytope(self, np.full(n, -np.inf)))
        for p in range(n):  # max u_p over the set
            c = np.zeros(n)
            c[p] = 1.0
            sol = ws.solve(c)
            reach.append(np.inf if sol.status == SolveStatus.UNBOUNDED else (sol.objective if sol.ok else -np.inf))
        short = [p for p in range(n) if reach[p] < self.d[p] - _slack(self.d[p])]
        if short:
            who = ", ".join(f"{self.players[p]} (at most {reach[p]:.6g} < {self.d[p]:.6g})" for p in short)
            raise InputError(
                [problem("d", f"no point of the set gives every player at least d: {who}", self.d.tolist())]
            )
        # min Σ s with A·u ≤ b, u + s ≥ d, s ≥ 0: zero exactly when a point above d exists
        A = sp.hstack([sp.csr_matrix(self.A), sp.csr_matrix(self.A.shape)], format="csr")
        lift = sp.hstack([sp.identity(n), sp.identity(n)], format="csr")
        relaxed = Problem(
            np.concatenate([np.zeros(n), np.ones(n)]), sp.csr_matrix(sp.vstack([A, lift])),
            np.concatenate([np.full(self.A.shape[0], -np.inf), self.d]), np.concatenate([self.b, np.full(n, np.inf)]),
            np.concatenate([np.full(n, -np.inf), np.zeros(n)]), np.full(2 * n, np.inf), np.zeros(2 * n, dtype=bool),
            maximize=False,
        )  # fmt: skip
        sol = Workspace(relaxed).solve(relaxed.c, maximize=False)
        if sol.ok and sol.x is not None and sol.x[n:].sum() > _slack(float(np.abs(self.d).max(initial=0.0))):
            gap = sol.x[n:]
            who = ", ".join(f"{self.players[p]} short by {gap[p]:.6g}" for p in range(n) if gap[p] > 1e-9)
            raise InputError(
                [problem("d", f"no point of the set gives every player at least d together: {who}", self.d.tolist())]
            )


def _slack(value: float) -> float:
    return 1e-9 * max(1.0, abs(value))


def _polytope(bp: BargainingProblem, lower: np.ndarray) -> Problem:
    """``{u : A·u ≤ b, u ≥ lower}``."""
    n = len(bp.players)
    return Problem(
        np.zeros(n), sp.csr_matrix(bp.A), np.full(bp.A.shape[0], -np.inf), bp.b.astype(float),
        lower.astype(float), np.full(n, np.inf), np.zeros(n, dtype=bool),
    )  # fmt: skip


def bargaining_program(bp: BargainingProblem) -> GainProgram:
    """The polytope ``{u : A·u ≤ b, u ≥ d}`` as a gain program (gains ``u − d``)."""
    n = len(bp.players)
    p = _polytope(bp, bp.d)
    scale = float(max(1.0, np.abs(bp.b).max(initial=0.0), np.abs(bp.d).max(initial=0.0)))
    return GainProgram(Workspace(p), sp.identity(n, format="csr"), -bp.d.astype(float), bp.players, bp.weights, scale)


def solve_bargaining(bp: BargainingProblem, tolerance: float = 1e-12) -> dict[str, np.ndarray]:
    """The ``nash``, ``kalai_smorodinsky``, ``egalitarian`` and ``utilitarian`` points (utilities, not gains)."""
    bp.check_solvable()
    gp = bargaining_program(bp)
    for p, name in enumerate(bp.players):
        sol = gp.ws.solve(gp.G[p])
        if sol.status == SolveStatus.UNBOUNDED:
            raise InputError([problem("A", f"the set is unbounded above d: {name}'s utility can grow without limit")])
        if not sol.ok:
            raise BargainingError(f"the utility set could not be explored ({sol.status.value})")
    ideal = ideal_gains(gp)
    level = leximin(gp, stages=1)
    if level.gains.min() <= gp.tol():
        stuck = [bp.players[p] for p in range(len(bp.players)) if ideal[p] <= gp.tol()]
        who = f" ({', '.join(stuck)} cannot gain at all)" if stuck else ""
        raise InputError([problem("d", f"no point of the set improves on d for every player{who}", bp.d.tolist())])
    nash_point = nash(gp, ideal, tolerance)
    nash_point.gains = polish_nash(bp, nash_point.gains + bp.d) - bp.d
    points = {
        "nash": nash_point,
        "kalai_smorodinsky": kalai_smorodinsky(gp, ideal),
        "egalitarian": egalitarian(gp),
        "utilitarian": utilitarian(gp),
    }
    return {name: split.gains + bp.d for name, split in points.items()}


def polish_nash(bp: BargainingProblem, u: np.ndarray, iterations: int = 50) -> np.ndarray:
    """Newton's method on the face of ``A·u ≤ b`` where the approximate Nash point ``u`` lies: quadratic
    convergence to the exact point. Returned only when its KKT conditions check out (feasible, multipliers
    ≥ 0, gains > 0); otherwise ``u`` is returned unchanged."""
    w, d = bp.weights, bp.d
    slack = bp.b - bp.A @ u
    face = np.abs(slack) <= 1e-6 * np.maximum(1.0, np.abs(bp.b))
    A_F, b_F, free = _face(bp.A[face], bp.b[face])
    n, m = u.size, A_F.shape[0]
    v = u.copy()
    for _ in range(iterations):
        g = v - d
        if (g <= 0).any():
            return u
        grad = w / g
        K = np.block([[np.diag(-w / g**2), A_F.T], [A_F, np.zeros((m, m))]])
        rhs = np.concatenate([-grad, b_F - A_F @ v])
        step = np.linalg.lstsq(K, rhs, rcond=None)[0]
        v = v + step[:n]
        if np.abs(step[:n]).max() <= 1e-15 * max(1.0, np.abs(v).max()):
            break
    g = v - d
    if (g <= 0).any() or (bp.A @ v > bp.b + 1e-9 * np.maximum(1.0, np.abs(bp.b))).any():
        return u
    lam = np.linalg.lstsq(A_F.T, w / g, rcond=None)[0] if m else np.zeros(0)
    stationary = np.allclose(A_F.T @ lam, w / g, rtol=1e-8, atol=1e-10) if m else np.allclose(w / g, 0)
    if not stationary or (lam[~free] < -1e-9 * max(1.0, np.abs(lam).max(initial=0.0))).any():
        return u
    return v


def _face(A: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows of a face with each equality written once: a row and its negation (``a·u ≤ β`` and
    ``−a·u ≤ −β``, an equality given as two inequalities) become one row whose multiplier may have either
    sign (the third array flags them)."""
    keep: list[int] = []
    free: list[bool] = []
    for i in range(A.shape[0]):
        twin = next((j for j in keep if np.allclose(A[j], -A[i]) and np.isclose(b[j], -b[i])), None)
        if twin is not None:
            free[keep.index(twin)] = True
            continue
        keep.append(i)
        free.append(False)
    return A[keep], b[keep], np.array(free, dtype=bool)
