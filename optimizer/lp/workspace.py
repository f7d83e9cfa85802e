"""A persistent linear program for sequences of related solves (concepts, bargaining, frontiers).

The solution concepts solve one model many times with a different objective, a few extra columns
(transfers, subsidies, a level ``t``) and a few extra rows (individual rationality, a PX floor, cuts).
:class:`Workspace` keeps the model loaded in one HiGHS instance: columns and rows are added, their
bounds changed, and later removed again with :meth:`Workspace.mark` / :meth:`Workspace.rollback`.

Columns can be *retired*: fixed for good at a value and taken out of the solver's copy of the program,
their terms moved into the row bounds (:meth:`Workspace.retire`). The rolling-horizon simulation retires
each period once reality has executed it, so that HiGHS presolves only the live part of the campaign. Row and
column indices callers see never change: retired columns report their value, rows left without any column
are dropped from the solver and report a dual of 0.

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

from winwin.optimizer.lp.solvers import (
    IPM_FROM_VARIABLES,
    Problem,
    SolveStatus,
    highs_lp,
    quiet_highs,
)

PRIMAL_SIMPLEX = 4
DEFAULT_SIMPLEX = 1
"""HiGHS ``simplex_strategy`` values: primal simplex, and HiGHS's default (dual)."""

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


@dataclass(frozen=True)
class LiveProgram:
    """A workspace's program as its solver holds it (:meth:`Workspace.live`): ``row_lo ≤ A·v ≤ row_hi``,
    ``col_lo ≤ v ≤ col_hi`` over the live columns ``v``, rows scaled, retired columns' terms in the row bounds."""

    A: sp.csc_matrix
    col_lo: np.ndarray
    col_hi: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    col: np.ndarray
    """Live position of every workspace column (-1: retired)."""
    row: np.ndarray
    """Live position of every workspace row (-1: dropped)."""
    row_scale: np.ndarray
    offset: np.ndarray
    value: np.ndarray
    """Value of every retired column (NaN for live ones)."""

    def row_bounds(self, rows: np.ndarray, lo: Bounds, hi: Bounds) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Live positions of the live ``rows`` and their bounds ``lo``, ``hi`` (unscaled) as the solver reads them."""
        rows = np.atleast_1d(rows)
        lo_s = np.broadcast_to(lo, rows.shape) / self.row_scale[rows] - self.offset[rows]
        hi_s = np.broadcast_to(hi, rows.shape) / self.row_scale[rows] - self.offset[rows]
        keep = self.row[rows] >= 0
        return self.row[rows][keep], lo_s[keep], hi_s[keep]

    def point(self, v: np.ndarray) -> np.ndarray:
        """The workspace point of live values ``v`` (retired columns at their values)."""
        x = self.value.copy()
        live = self.col >= 0
        x[live] = v[self.col[live]]
        return x


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
        self._col = np.arange(self.n_cols)
        """Solver position of every column (-1: retired)."""
        self._row = np.arange(self.n_rows)
        """Solver position of every row (-1: dropped, every column of it retired)."""
        self._value = np.full(self.n_cols, np.nan)
        """Value of every retired column."""
        self._offset = np.zeros(self.n_rows)
        """Activity of every row's retired columns (scaled like the row)."""
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
            dropped = self._row[m.indices] < 0
            if dropped.any():
                raise ValueError(f"coefficients in dropped row(s) {np.unique(m.indices[dropped]).tolist()}")
            m = sp.csc_matrix((m.data, self._row[m.indices], m.indptr), shape=(self.h.getNumRow(), n))
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
        first = self.h.getNumCol() - n
        self._col = np.concatenate([self._col, np.arange(first, first + n)])
        self._value = np.concatenate([self._value, np.full(n, np.nan)])
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
        m = sp.csr_matrix(sp.diags(1.0 / scale) @ m)
        col = self._col[: m.shape[1]]
        retired = col < 0
        offset = np.zeros(m.shape[0])
        if retired.any():
            offset = m[:, np.nonzero(retired)[0]] @ self._value[: m.shape[1]][retired]
        live = np.nonzero(~retired)[0]
        m = sp.csr_matrix(m[:, live])
        m = sp.csr_matrix((m.data, col[live][m.indices], m.indptr), shape=(m.shape[0], self.h.getNumCol()))
        self.h.addRows(
            m.shape[0],
            self._finite(lo / scale - offset),
            self._finite(hi / scale - offset),
            m.nnz,
            m.indptr[:-1].astype(np.int32),
            m.indices.astype(np.int32),
            m.data,
        )
        idx = np.arange(self.n_rows, self.n_rows + m.shape[0])
        first = self.h.getNumRow() - m.shape[0]
        self._row = np.concatenate([self._row, np.arange(first, first + m.shape[0])])
        self._offset = np.concatenate([self._offset, offset])
        self.n_rows += m.shape[0]
        self._row_scale = np.concatenate([self._row_scale, scale])
        return idx

    def set_row_bounds(self, rows: np.ndarray, lo: Bounds, hi: Bounds) -> None:
        """Bounds of ``rows`` (unscaled); dropped rows are left alone (their columns are all retired)."""
        rows = np.atleast_1d(rows)
        s = self._row_scale[rows]
        lo_s = np.broadcast_to(lo, rows.size) / s - self._offset[rows]
        hi_s = np.broadcast_to(hi, rows.size) / s - self._offset[rows]
        at = self._row[rows]
        keep = at >= 0
        at = at[keep].astype(np.int32)
        self.h.changeRowsBounds(at.size, at, self._finite(lo_s[keep]), self._finite(hi_s[keep]))

    def row_bounds_key(self, rows: np.ndarray) -> tuple[float, ...]:
        """The current bounds of ``rows`` (unscaled), usable as a cache key."""
        out: list[float] = []
        for r in np.atleast_1d(rows):
            if self._row[r] < 0:
                out += [float("nan"), float("nan")]
                continue
            _status, lo, hi, _nnz = self.h.getRow(int(self._row[r]))
            off = self._offset[r]
            out += [(float(lo) + off) * self._row_scale[r], (float(hi) + off) * self._row_scale[r]]
        return tuple(out)

    def set_col_bounds(self, cols: np.ndarray, lo: Bounds, hi: Bounds) -> None:
        """Bounds of ``cols``; retired columns are left alone (they keep their value)."""
        cols = np.atleast_1d(cols)
        lo, hi = np.broadcast_to(lo, cols.size).astype(float), np.broadcast_to(hi, cols.size).astype(float)
        at = self._col[cols]
        keep = at >= 0
        at = at[keep].astype(np.int32)
        self.h.changeColsBounds(at.size, at, self._finite(lo[keep]), self._finite(hi[keep]))

    def fix_integers(self, values: np.ndarray | None) -> None:
        """Fix the integer columns at ``values`` (rounded) and solve as an LP — so that duals exist — or,
        with None, restore their bounds and integrality."""
        cols = self.integer_columns
        if cols.size == 0:
            return
        hs = self._highspy
        if values is None:
            self.set_col_bounds(cols, *self._integer_bounds)
            kind = hs.HighsVarType.kInteger
            self.is_mip = True
        else:
            v = np.round(values[cols])
            self.set_col_bounds(cols, v, v)
            kind = hs.HighsVarType.kContinuous
            self.is_mip = False
        at = self._col[cols]
        at = at[at >= 0].astype(np.int32)
        self.h.changeColsIntegrality(at.size, at, np.full(at.size, kind))

    def mark(self) -> Mark:
        """The current size, to :meth:`rollback` to."""
        return Mark(self.n_cols, self.n_rows)

    def rollback(self, mark: Mark) -> None:
        """Remove the rows and columns added since ``mark``."""
        if self.n_rows > mark.n_rows:
            rows = self._row[mark.n_rows :]
            rows = rows[rows >= 0].astype(np.int32)
            self.h.deleteRows(rows.size, rows)
            self.n_rows = mark.n_rows
            self._row_scale = self._row_scale[: mark.n_rows]
            self._row = self._row[: mark.n_rows]
            self._offset = self._offset[: mark.n_rows]
        if self.n_cols > mark.n_cols:
            cols = self._col[mark.n_cols :]
            if (cols < 0).any():
                raise ValueError("cannot roll back past a retirement: columns added after the mark were retired")
            self.h.deleteCols(cols.size, cols.astype(np.int32))
            self.n_cols = mark.n_cols
            self._col = self._col[: mark.n_cols]
            self._value = self._value[: mark.n_cols]

    def retire(self, cols: np.ndarray, values: np.ndarray) -> None:
        """Fix ``cols`` at ``values`` for good and take them out of the solver's program (module docstring).

        Their terms move into the row bounds; rows left with no column are dropped (they constrained
        retired columns only, whose values were feasible when they were solved). Already retired columns
        are skipped."""
        cols = np.atleast_1d(np.asarray(cols, dtype=np.int64))
        values = np.broadcast_to(np.asarray(values, dtype=float), cols.shape)
        keep = self._col[cols] >= 0
        cols, values = cols[keep], values[keep]
        if cols.size == 0:
            return
        order = np.argsort(self._col[cols])
        cols, values = cols[order], values[order]
        at = self._col[cols].astype(np.int32)
        _status, first, index, coefficient = self.h.getColsEntries(at.size, at)
        per_col = np.diff(np.append(first, index.size))
        activity = np.bincount(index, weights=coefficient * np.repeat(values, per_col), minlength=self.h.getNumRow())
        rows = np.unique(index).astype(np.int32)  # the rows the retired columns appear in
        _status, _n, lo, hi, _nnz = self.h.getRows(rows.size, rows)
        self.h.changeRowsBounds(rows.size, rows, lo - activity[rows], hi - activity[rows])
        live_rows = np.nonzero(self._row >= 0)[0]  # in solver order
        self._offset[live_rows[rows]] += activity[rows]
        _status, row_first, row_index, _values = self.h.getRowsEntries(rows.size, rows)
        row_count = np.diff(np.append(row_first, row_index.size))
        empty = rows[row_count == np.bincount(index, minlength=self.h.getNumRow())[rows]]
        self.h.deleteCols(at.size, at)
        self._value[cols] = values
        self._col[cols] = -1
        live_cols = self._col >= 0
        self._col[live_cols] = np.arange(int(live_cols.sum()))
        if empty.size:
            self.h.deleteRows(empty.size, empty)
            self._row[live_rows[empty]] = -1
            live = self._row >= 0
            self._row[live] = np.arange(int(live.sum()))

    def live(self) -> LiveProgram:
        """The program the solver holds now (live columns and rows, bounds as set, rows scaled), for callers that
        build a larger program around it (the rolling planner's sampled futures)."""
        lp = self.h.getLp()
        a = lp.a_matrix_
        n, m = lp.num_col_, lp.num_row_
        parts = (np.asarray(a.value_), np.asarray(a.index_), np.asarray(a.start_))
        rowwise = a.format_ == self._highspy.MatrixFormat.kRowwise
        A = sp.csc_matrix(sp.csr_matrix(parts, shape=(m, n)) if rowwise else sp.csc_matrix(parts, shape=(m, n)))
        return LiveProgram(
            A,
            np.asarray(lp.col_lower_, dtype=float),
            np.asarray(lp.col_upper_, dtype=float),
            np.asarray(lp.row_lower_, dtype=float),
            np.asarray(lp.row_upper_, dtype=float),
            self._col.copy(),
            self._row.copy(),
            self._row_scale.copy(),
            self._offset.copy(),
            self._value.copy(),
        )

    @property
    def retired(self) -> int:
        """Columns retired so far."""
        return int((self._col < 0).sum())

    # ------------------------------------------------------------------ solving
    @contextmanager
    def by_simplex(self) -> Iterator[None]:
        """Solves inside the block use a cold simplex whatever the size, primal for large programs: in the
        rolling simulation, where most columns are fixed or retired, interior point spent most of its time
        in crossover (belgium-2021 execution step: 0.48 s against 1.54 s a week), and primal simplex
        beat HiGHS's default dual simplex on the plans (0.20–0.31 s against 0.23–0.41 s a solve)."""
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
        live_cols = self._col >= 0
        n_live = int(live_cols.sum())
        self.h.changeColsCost(n_live, np.arange(n_live, dtype=np.int32), c[live_cols] / scale)
        self.h.changeObjectiveSense(hs.ObjSense.kMaximize if maximize else hs.ObjSense.kMinimize)
        large = self.n_cols > IPM_FROM_VARIABLES and not self.is_mip
        ipm = large and not self.simplex
        self.h.setOptionValue("solver", "ipm" if ipm else "choose")
        self.h.setOptionValue("simplex_strategy", PRIMAL_SIMPLEX if large and self.simplex else DEFAULT_SIMPLEX)
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
        x = self._value.copy()
        x[live_cols] = np.asarray(sol.col_value)
        duals = None
        if not self.is_mip and sol.dual_valid:
            live_rows = self._row >= 0
            duals = np.zeros(self.n_rows)
            duals[live_rows] = np.asarray(sol.row_dual) / self._row_scale[live_rows]
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
