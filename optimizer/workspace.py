"""A persistent linear program for sequences of related solves (concepts, bargaining, frontiers).

The solution concepts solve one model many times with a different objective, a few extra columns
(transfers, subsidies, a level ``t``) and a few extra rows (individual rationality, a PX floor, cuts).
:class:`Workspace` keeps the model loaded in one HiGHS instance: columns and rows are added, their
bounds changed, and later removed again with :meth:`Workspace.mark` / :meth:`Workspace.rollback`.

Rows added here are scaled to a largest coefficient of 1 and objectives likewise, so that the solver's
absolute tolerances mean the same thing for a row in euros and a row in PX points; values, row
activities and duals are reported unscaled. Large LPs are solved by interior point with crossover
(a vertex, hence duals that leximin relies on): on the allocation LPs a warm-started simplex after
an objective change took 10–17× longer than a cold interior-point solve (measured on belgium-2021).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from optimizer.solvers import (
    IPM_FROM_VARIABLES,
    Problem,
    SolveStatus,
    highs_lp,
    quiet_highs,
)

Bounds = np.ndarray | float
"""Row or column bounds: one value for all, or one per row/column."""


@dataclass(frozen=True)
class LpSolution:
    """One solve of a :class:`Workspace`: status, values of every column, objective (unscaled), duals."""

    status: SolveStatus
    x: np.ndarray | None
    objective: float | None
    duals: np.ndarray | None
    """Row duals (unscaled; for a maximisation ≥ 0 on binding lower bounds), None for a MIP."""
    seconds: float
    message: str = ""
    gap: float = 0.0
    """Relative gap proven by the solver (0 for an LP optimum; a MIP stops within ``mip_rel_gap``)."""

    @property
    def ok(self) -> bool:
        return self.status == SolveStatus.OPTIMAL and self.x is not None


@dataclass(frozen=True)
class Mark:
    n_cols: int
    n_rows: int


class Workspace:
    """One linear (or mixed-integer) program held by HiGHS across many solves."""

    def __init__(self, problem: Problem, time_limit: float | None = None) -> None:
        import highspy

        self._highspy = highspy
        self.h = quiet_highs()
        self.inf = highspy.kHighsInf
        self.h.passModel(highs_lp(np.zeros(problem.c.size), problem.A.tocsc(), problem))
        if problem.c.size <= IPM_FROM_VARIABLES:  # small programs: as exact as HiGHS allows
            for option in ("primal_feasibility_tolerance", "dual_feasibility_tolerance"):
                self.h.setOptionValue(option, 1e-10)
        if problem.is_mip:
            cols = np.nonzero(problem.integrality)[0].astype(np.int32)
            kinds = np.full(cols.size, highspy.HighsVarType.kInteger)
            self.h.changeColsIntegrality(cols.size, cols, kinds)
        self.is_mip = problem.is_mip
        self.integer_columns = np.nonzero(problem.integrality)[0]
        self._integer_bounds = (problem.lb[self.integer_columns], problem.ub[self.integer_columns])
        self.n_cols = problem.c.size
        self.n_rows = problem.A.shape[0]
        self._row_scale = np.ones(self.n_rows)
        self.time_limit = time_limit
        self.solves = 0
        self.solve_seconds = 0.0
        self.warm = False
        """Start each solve of a small program from the previous basis (sequences of bound changes)."""
        self.simplex = False
        """Solve large programs by (cold) simplex too, while set (see :meth:`by_simplex`)."""

    # ------------------------------------------------------------------ structure
    def _finite(self, v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=float)
        return np.where(np.isposinf(v), self.inf, np.where(np.isneginf(v), -self.inf, v))

    def add_columns(self, lb: Bounds, ub: Bounds, coefficients: sp.spmatrix | None = None) -> np.ndarray:
        """Add columns with bounds and, optionally, their ``coefficients[row, new column]`` in existing
        rows (unscaled, like the rows were given); return their indices."""
        lb, ub = np.atleast_1d(lb).astype(float), np.atleast_1d(ub).astype(float)
        n = lb.size
        if coefficients is None:
            self.h.addCols(n, np.zeros(n), self._finite(lb), self._finite(ub), 0, np.zeros(n, np.int32), [], [])
        else:
            m = sp.csc_matrix(coefficients, dtype=float)
            if m.shape != (self.n_rows, n):
                raise ValueError(f"coefficients have shape {m.shape}, expected {(self.n_rows, n)}")
            m = sp.csc_matrix(sp.diags(1.0 / self._row_scale) @ m)
            self.h.addCols(
                n,
                np.zeros(n),
                self._finite(lb),
                self._finite(ub),
                m.nnz,
                m.indptr[:-1].astype(np.int32),
                m.indices.astype(np.int32),
                m.data,
            )
        idx = np.arange(self.n_cols, self.n_cols + n)
        self.n_cols += n
        return idx

    def add_rows(self, rows: sp.spmatrix, lo: Bounds, hi: Bounds) -> np.ndarray:
        """Add ``lo ≤ rows·x ≤ hi`` (``rows`` may have fewer columns than the workspace); return row indices.

        Each row is scaled to a largest coefficient of 1; empty rows are rejected (they are bugs)."""
        m = sp.csr_matrix(rows).astype(float)  # type: ignore[call-overload]
        if m.shape[1] > self.n_cols:
            raise ValueError(f"rows have {m.shape[1]} columns, the workspace {self.n_cols}")
        lo, hi = np.broadcast_to(lo, m.shape[0]).astype(float), np.broadcast_to(hi, m.shape[0]).astype(float)
        scale = np.asarray(abs(m).max(axis=1).todense()).ravel()
        if (scale == 0).any():
            raise ValueError(f"empty row(s) {np.nonzero(scale == 0)[0].tolist()}")
        m = sp.diags(1.0 / scale) @ m
        m = sp.csr_matrix(m)
        self.h.addRows(
            m.shape[0],
            self._finite(lo / scale),
            self._finite(hi / scale),
            m.nnz,
            m.indptr[:-1].astype(np.int32),
            m.indices.astype(np.int32),
            m.data,
        )
        idx = np.arange(self.n_rows, self.n_rows + m.shape[0])
        self.n_rows += m.shape[0]
        self._row_scale = np.concatenate([self._row_scale, scale])
        return idx

    def set_row_bounds(self, rows: np.ndarray, lo: Bounds, hi: Bounds) -> None:
        rows = np.atleast_1d(rows)
        s = self._row_scale[rows]
        lo_s = np.broadcast_to(lo, rows.size) / s
        hi_s = np.broadcast_to(hi, rows.size) / s
        self.h.changeRowsBounds(rows.size, rows.astype(np.int32), self._finite(lo_s), self._finite(hi_s))

    def row_bounds_key(self, rows: np.ndarray) -> tuple[float, ...]:
        """The current bounds of ``rows`` (unscaled), usable as a cache key."""
        out: list[float] = []
        for r in np.atleast_1d(rows):
            _status, lo, hi, _nnz = self.h.getRow(int(r))
            out += [float(lo) * self._row_scale[r], float(hi) * self._row_scale[r]]
        return tuple(out)

    def set_col_bounds(self, cols: np.ndarray, lo: Bounds, hi: Bounds) -> None:
        cols = np.atleast_1d(cols)
        lo, hi = np.broadcast_to(lo, cols.size).astype(float), np.broadcast_to(hi, cols.size).astype(float)
        self.h.changeColsBounds(cols.size, cols.astype(np.int32), self._finite(lo), self._finite(hi))

    def fix_integers(self, values: np.ndarray | None) -> None:
        """Fix the integer columns at ``values`` (rounded) and solve as an LP — so that duals exist — or,
        with None, restore their bounds and integrality."""
        cols = self.integer_columns
        if cols.size == 0:
            return
        hs = self._highspy
        if values is None:
            self.set_col_bounds(cols, *self._integer_bounds)
            kinds = np.full(cols.size, hs.HighsVarType.kInteger)
            self.is_mip = True
        else:
            v = np.round(values[cols])
            self.set_col_bounds(cols, v, v)
            kinds = np.full(cols.size, hs.HighsVarType.kContinuous)
            self.is_mip = False
        self.h.changeColsIntegrality(cols.size, cols.astype(np.int32), kinds)

    def mark(self) -> Mark:
        """The current size, to :meth:`rollback` to."""
        return Mark(self.n_cols, self.n_rows)

    def rollback(self, mark: Mark) -> None:
        """Remove the rows and columns added since ``mark``."""
        if self.n_rows > mark.n_rows:
            rows = np.arange(mark.n_rows, self.n_rows, dtype=np.int32)
            self.h.deleteRows(rows.size, rows)
            self.n_rows = mark.n_rows
            self._row_scale = self._row_scale[: mark.n_rows]
        if self.n_cols > mark.n_cols:
            cols = np.arange(mark.n_cols, self.n_cols, dtype=np.int32)
            self.h.deleteCols(cols.size, cols)
            self.n_cols = mark.n_cols

    # ------------------------------------------------------------------ solving
    @contextmanager
    def by_simplex(self) -> Iterator[None]:
        """Solves inside the block use a cold simplex whatever the size: on objectives that weigh a few
        columns (the simulation's execution step) it was 3× faster than interior point with crossover,
        which spent most of its time in crossover (belgium-2021: 0.48 s against 1.54 s a week)."""
        before, self.simplex = self.simplex, True
        try:
            yield
        finally:
            self.simplex = before

    def solve(self, objective: np.ndarray | sp.spmatrix, maximize: bool = True) -> LpSolution:
        """Optimise ``objective`` (dense or a 1-row sparse matrix over the first columns)."""
        hs = self._highspy
        c = np.zeros(self.n_cols)
        if sp.issparse(objective):
            o = sp.csr_matrix(objective)  # type: ignore[arg-type]
            c[o.indices] = o.data
        else:
            obj = np.asarray(objective, dtype=float).ravel()
            c[: obj.size] = obj
        scale = float(np.abs(c).max(initial=0.0)) or 1.0
        self.h.changeColsCost(self.n_cols, np.arange(self.n_cols, dtype=np.int32), c / scale)
        self.h.changeObjectiveSense(hs.ObjSense.kMaximize if maximize else hs.ObjSense.kMinimize)
        large = self.n_cols > IPM_FROM_VARIABLES and not self.is_mip
        ipm = large and not self.simplex
        self.h.setOptionValue("solver", "ipm" if ipm else "choose")
        self.h.setOptionValue("time_limit", float(self.time_limit) if self.time_limit else self.inf)
        start = time.perf_counter()
        if not (self.warm and not large):
            self.h.clearSolver()  # a cold start: see the module docstring
        self.h.run()
        status = self._status()
        if status == SolveStatus.INFEASIBLE and ipm:
            # interior point can declare a badly scaled feasible program infeasible: simplex decides
            self.h.setOptionValue("solver", "simplex")
            self.h.clearSolver()
            self.h.run()
            status = self._status()
        if status == SolveStatus.INFEASIBLE and self.h.getModelStatus() == hs.HighsModelStatus.kUnboundedOrInfeasible:
            self.h.setOptionValue("presolve", "off")  # tell the two apart
            self.h.run()
            self.h.setOptionValue("presolve", "choose")
            status = self._status()
        seconds = time.perf_counter() - start
        self.solves += 1
        self.solve_seconds += seconds
        message = self.h.modelStatusToString(self.h.getModelStatus())
        if not status.has_plan:
            return LpSolution(status, None, None, None, seconds, message)
        sol = self.h.getSolution()
        x = np.asarray(sol.col_value)
        duals = None
        if not self.is_mip and sol.dual_valid:
            duals = np.asarray(sol.row_dual) / self._row_scale
        gap = 0.0
        if self.is_mip:
            info = self.h.getInfo()
            gap = float(info.mip_gap) if np.isfinite(info.mip_gap) else float("inf")
        return LpSolution(status, x, float(c @ x), duals, seconds, message, gap)

    def _status(self) -> SolveStatus:
        M = self._highspy.HighsModelStatus
        raw = self.h.getModelStatus()
        if raw == M.kOptimal:  # for a MIP: within mip_rel_gap, reported beside it
            return SolveStatus.OPTIMAL
        if raw in (M.kInfeasible, M.kUnboundedOrInfeasible):
            return SolveStatus.INFEASIBLE
        if raw == M.kUnbounded:
            return SolveStatus.UNBOUNDED
        if raw in (M.kTimeLimit, M.kIterationLimit, M.kInterrupt):
            has = self.h.getInfo().primal_solution_status == 2  # feasible
            return SolveStatus.TIME_LIMIT if has else SolveStatus.NO_SOLUTION
        return SolveStatus.ERROR


def lexicographic(
    ws: Workspace, first: np.ndarray, second: np.ndarray, tolerance: float = 1e-9, solved: LpSolution | None = None
) -> LpSolution:
    """Max ``first``, then max ``second`` keeping ``first`` within ``tolerance`` (relative) of its optimum.

    ``solved`` is the first stage when the caller has just solved it on the same program. The reported
    objective is the first one's; the point is the second stage's (the first stage's when the second fails)."""
    sol = ws.solve(first) if solved is None else solved
    if not sol.ok or sol.objective is None:
        return sol
    mark = ws.mark()
    try:
        floor = sol.objective - tolerance * max(1.0, abs(sol.objective))
        ws.add_rows(sp.csr_matrix(first[None, :]), floor, np.inf)
        second_sol = ws.solve(second)
    finally:
        ws.rollback(mark)
    if not second_sol.ok:
        return sol
    return LpSolution(
        SolveStatus.OPTIMAL,
        second_sol.x,
        sol.objective,
        second_sol.duals,
        sol.seconds + second_sol.seconds,
        gap=max(sol.gap, second_sol.gap),
    )
