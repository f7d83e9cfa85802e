"""A window plan over sampled futures: the simulation's robust planner (issue 22, part 7).

The rolling planner sets its workspace up for the week as for any plan (this week's deliveries known,
partners who left the deal on their rules) and hands the program its solver holds
(:meth:`~winwin.optimizer.lp.workspace.Workspace.live`) to :func:`solve_futures` with K futures of the supply
after this week, drawn from the coordinator's belief. The extensive form:

- **decided now** (shared by every future): every model column of this week (shipments, stock,
  administrations, volunteer hours), the columns without a period, this week's repairs and cancellations,
  and the bookings ``b`` of next week, one per first-dose column of t + 1;
- **each future ξ** (its recourse): every other live column, its supply rows at the future's deliveries and
  its individual-rationality rows at its own disagreement point ``d_ξ`` (the silo campaign on that future),
  its own side payments (a contingent settlement) and window tail;
- **this week's bookings** (made last week) are kept unless the doses cannot serve them:
  ``adm_j + u_j ≥ booked_j`` with the unkept ``u_j`` priced like a missed second dose (below). (They are not
  hard floors as in the deterministic plan: a plan made by interior point is executed to within its
  tolerance, and a booking a hair out of reach must not make the week infeasible);
- **a booking caps next week's first doses**, ``adm_ξ ≤ b``: the plan does not count on standby patients
  (reality may still give doses beyond the bookings, as it does for every mode), and ``b − adm_ξ``
  appointments are cancelled at ``cancel_px`` each; the futures keep a share ``keep`` of the bookings in
  expectation, ``keep · Σ_j b_j ≤ (1/K) Σ_ξ Σ_j adm_ξj`` (a service level: at the scenario's cancellation cost
  alone a booking for the best future is nearly free, and the plan would book for it);
- **a second dose a future cannot give** is a repair column of the rolling planner, fixed at zero in the
  deterministic plan and open here at ``miss_px`` each (more than any course is worth), so every future has a
  recourse and no plan starts a course it means to leave incomplete;
- **robust win-win** (Rockafellar–Uryasev): for each partner p in the deal,
  ``η_p + 1/((1 − β)K) · Σ_ξ s_{ξp} ≤ 0`` with ``s_{ξp} ≥ d_{ξp} − (U_{ξp} − z_{ξp} + τ_{ξp}) − η_p``,
  ``s ≥ 0``: the CVaR at level β of its shortfall below its silo utility is ≤ 0, hence so is the expected
  shortfall. When ``(1 − β)K ≤ 1`` (K ≤ 20 at β = 0.95) this is every planned future whole;
- **objective**: max ``E_ξ[PX_ξ − miss_px·missed_ξ − cancel_px·(b − adm_ξ)] − miss_px·Σ u``, then, keeping it
  within the solver's tolerance (and no more promises broken), max the expected sum of utilities on the
  window's dates (the deterministic plan's tie-break).

Rows over shared columns only whose bounds are the same in every future are written once; fixed columns
are substituted into the row bounds; everything else is K copies of the live program (K times its size,
HiGHS's interior point to the two-stage tolerance, no crossover; simplex for small programs).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from winwin.optimizer.allocation.joint import TIE_TOLERANCE
from winwin.optimizer.lp.solvers import IPM_FROM_VARIABLES, Problem, SolveStatus
from winwin.optimizer.lp.workspace import LiveProgram, Workspace, lexicographic
from winwin.optimizer.robust.two_stage import IPM_TOLERANCE, interior_point


@dataclass(frozen=True)
class WindowFutures:
    """K futures of a simulation week as the coordinator samples them from its beliefs."""

    supply: np.ndarray
    """``[future, manufacturer, product, period]``: delivered before the week, this week's deliveries, then
    each future's sampled deliveries."""
    silo_utility: np.ndarray
    """``[future, partner, period]``: the silo campaign on each future (the disagreement point)."""
    beta: float = 0.95
    """CVaR level of each partner's shortfall below its silo utility."""
    keep: float | None = 0.99
    """Share of next week's bookings the plan keeps in expectation over its futures (None: no such row)."""

    def __post_init__(self) -> None:
        if self.supply.ndim != 4 or self.silo_utility.ndim != 3 or self.supply.shape[0] != self.silo_utility.shape[0]:
            raise ValueError(
                f"futures: supply {self.supply.shape} and silo utility {self.silo_utility.shape} disagree on K"
            )
        if not 0.0 <= self.beta < 1.0:
            raise ValueError(f"beta must be in [0, 1), got {self.beta}")
        if self.keep is not None and not 0.0 < self.keep <= 1.0:
            raise ValueError(f"keep must be in (0, 1], got {self.keep}")

    @property
    def count(self) -> int:
        return int(self.supply.shape[0])


@dataclass(frozen=True)
class FutureProgram:
    """What :func:`solve_futures` needs of the rolling planner's workspace, in its column and row numbers."""

    live: LiveProgram
    objective: np.ndarray
    """PX per workspace column."""
    welfare: np.ndarray
    """The tie-break per workspace column: Σ_p of each partner's utility on the window's dates."""
    shared: np.ndarray
    """Workspace columns decided now."""
    supply_rows: np.ndarray
    """``[manufacturer, product, period]`` workspace rows of supply (-1 where none); rows of the periods after
    the week take each future's deliveries."""
    period: int
    ir_rows: np.ndarray
    """Individual-rationality row of each partner: ``U_p − z_p + τ_p ≥ d_p − utility_const_p``."""
    utility_const: np.ndarray
    now: np.ndarray
    """First-dose columns of this week."""
    booked: np.ndarray
    """Their bookings (made last week): kept unless the doses cannot serve them."""
    booking: np.ndarray
    """First-dose columns of next week (the bookings), empty in the last week."""
    repair_now: np.ndarray
    """Repair columns of this week's second doses (decided now)."""
    repair: np.ndarray
    """Repair columns (second doses missed) of later weeks, each future's."""
    miss_px: float
    cancel_px: float


@dataclass(frozen=True)
class FutureSolution:
    """The extensive form solved: every future's workspace point and the bookings made now."""

    status: SolveStatus
    points: np.ndarray | None
    """``[future, workspace column]``; the shared columns are equal in every future."""
    bookings: np.ndarray | None
    objective: float | None
    """``E[PX − costs]`` of the window (points)."""
    seconds: float
    message: str = ""
    size: tuple[int, int] = (0, 0)
    """Columns and rows of the extensive form."""

    @property
    def ok(self) -> bool:
        return self.status == SolveStatus.OPTIMAL and self.points is not None


def solve_futures(
    program: FutureProgram,
    futures: WindowFutures,
    reservation: np.ndarray,
    time_limit: float | None = None,
) -> FutureSolution:
    """Build and solve the extensive form of the module docstring; ``reservation[future, partner]`` is each
    partner's disagreement utility plus raise (−inf: no individual rationality, a partner out of the deal or
    the ``central`` mode)."""
    start = time.perf_counter()
    p, live = program, program.live
    K = futures.count
    P = p.ir_rows.size
    if reservation.shape != (K, P):
        raise ValueError(f"reservation has shape {reservation.shape}, expected {(K, P)}")
    A = live.A
    m, n = A.shape

    # columns: fixed ones substituted; repairs open; shared (decided now) or each future's
    lo, hi = live.col_lo.copy(), live.col_hi.copy()
    repair_now, repair_later = _live(live, p.repair_now), _live(live, p.repair)
    lo[repair_now] = 0.0
    hi[np.concatenate([repair_now, repair_later])] = np.inf
    fixed = lo == hi
    shared = np.zeros(n, dtype=bool)
    shared[_live(live, p.shared)] = True
    shared[repair_now] = True
    S = np.nonzero(~fixed & shared)[0]
    R = np.nonzero(~fixed & ~shared)[0]
    S_pos, R_pos = np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    S_pos[S], R_pos[R] = np.arange(S.size), np.arange(R.size)
    activity = A[:, np.nonzero(fixed)[0]] @ lo[fixed]
    row_lo = np.broadcast_to(live.row_lo - activity, (K, m)).copy()
    row_hi = np.broadcast_to(live.row_hi - activity, (K, m)).copy()

    # each future's supply after the week, and its individual-rationality bounds
    rows = p.supply_rows[:, :, p.period + 1 :]
    has = rows >= 0
    for k in range(K):
        values = futures.supply[k][:, :, p.period + 1 :][has]
        r, a, b = live.row_bounds(rows[has], values, values)
        row_lo[k, r], row_hi[k, r] = a - activity[r], b - activity[r]
    in_deal = np.isfinite(reservation).all(axis=0)
    ir_at, _a, _b = live.row_bounds(p.ir_rows, 0.0, 0.0)
    if ir_at.size != P:
        raise ValueError("an individual-rationality row is not in the solver's program")
    scale = live.row_scale[p.ir_rows]
    for k in range(K):
        _r, ir_lo, _h = live.row_bounds(p.ir_rows, np.where(in_deal, reservation[k] - p.utility_const, 0.0), 0.0)
        row_lo[k, ir_at] = np.where(in_deal, ir_lo - activity[ir_at], -np.inf)
        row_hi[k, ir_at] = np.inf
    varies = np.zeros(m, dtype=bool)
    varies[live.row_bounds(rows[has], 0.0, 0.0)[0]] = True
    varies[ir_at] = True
    A_S, A_R = sp.csr_matrix(A[:, S]), sp.csr_matrix(A[:, R])
    touches_R = np.diff(A_R.indptr) > 0
    touches_S = np.diff(A_S.indptr) > 0
    once = np.nonzero(touches_S & ~touches_R & ~varies)[0]
    each = np.nonzero(touches_R | (varies & touches_S))[0]

    # this week's bookings: adm_j + u_j ≥ booked_j, u_j unkept (a cancellation now)
    now_at = live.col[p.now] if p.now.size else np.zeros(0, dtype=np.int64)
    if (now_at < 0).any():
        raise ValueError("this week's first doses must be live when the week is planned")
    nu = now_at.size
    now_fixed = fixed[now_at]
    now_value = np.where(now_fixed, lo[now_at], 0.0)
    if (~now_fixed & ~shared[now_at]).any():
        raise ValueError("this week's first doses must be decided now")
    # next week's bookings: adm_ξj − b_j ≤ 0 for its live first-dose columns
    book_at = live.col[p.booking] if p.booking.size else np.zeros(0, dtype=np.int64)
    bookable = np.nonzero((book_at >= 0) & ~fixed[np.maximum(book_at, 0)])[0] if book_at.size else book_at
    if bookable.size and shared[book_at[bookable]].any():
        raise ValueError("next week's first doses must be decided by each future, not now")
    nb = bookable.size
    b_cols = R_pos[book_at[bookable]] if nb else np.zeros(0, dtype=np.int64)
    deal = np.nonzero(in_deal)[0]
    nd = deal.size

    # columns: [S | u | b | η | R_0 … R_{K−1} | s_0 … s_{K−1}]
    nS, nR = S.size, R.size
    off_u = nS
    off_b = off_u + nu
    off_eta = off_b + nb
    off_R = off_eta + nd
    off_s = off_R + K * nR
    N = off_s + K * nd

    def future_cols(k: int, local: np.ndarray) -> np.ndarray:
        return off_R + k * nR + local

    blocks = [sp.hstack([A_S[once], sp.csr_matrix((once.size, N - nS))])]
    ir_local = np.searchsorted(each, ir_at[deal])  # each in-deal partner's IR row among the per-future rows
    S_part, R_part = A_S[each], A_R[each]
    # η_p and s_ξp enter partner p's individual-rationality row scaled like the row
    ir_terms = sp.csr_matrix((1.0 / scale[deal], (ir_local, np.arange(nd))), shape=(each.size, nd))

    def zeros(width: int) -> sp.csr_matrix:
        return sp.csr_matrix((each.size, width))

    for k in range(K):
        R_k = [zeros(k * nR), R_part, zeros((K - 1 - k) * nR)]
        s_k = [zeros(k * nd), ir_terms, zeros((K - 1 - k) * nd)]
        blocks.append(sp.hstack([S_part, zeros(nu + nb), ir_terms, *R_k, *s_k]))
    live_now = np.nonzero(~now_fixed)[0]
    cols = np.concatenate([S_pos[now_at[live_now]], off_u + np.arange(nu)])
    rows_u = np.concatenate([live_now, np.arange(nu)])
    blocks.append(sp.csr_matrix((np.ones(cols.size), (rows_u, cols)), shape=(nu, N)))
    for k in range(K):
        cols = np.concatenate([future_cols(k, b_cols), off_b + np.arange(nb)])
        vals = np.concatenate([np.ones(nb), -np.ones(nb)])
        blocks.append(sp.csr_matrix((vals, (np.tile(np.arange(nb), 2), cols)), shape=(nb, N)))
    n_keep = int(bool(nb and futures.keep is not None))
    if n_keep:  # service level: keep · Σ b ≤ E[Σ adm]
        assert futures.keep is not None
        cols = np.concatenate([off_b + np.arange(nb), np.concatenate([future_cols(k, b_cols) for k in range(K)])])
        vals = np.concatenate([np.full(nb, futures.keep), np.full(K * nb, -1.0 / K)])
        blocks.append(sp.csr_matrix((vals, (np.zeros(cols.size, dtype=np.int64), cols)), shape=(1, N)))
    cvar = 1.0 / ((1.0 - futures.beta) * K)
    cols = np.concatenate([off_eta + np.arange(nd), off_s + np.arange(K * nd)])
    vals = np.concatenate([np.ones(nd), np.full(K * nd, cvar)])
    blocks.append(
        sp.csr_matrix((vals, (np.concatenate([np.arange(nd), np.tile(np.arange(nd), K)]), cols)), shape=(nd, N))
    )
    matrix = sp.vstack(blocks, format="csr")
    r_lo = np.concatenate([row_lo[0, once], row_lo[:, each].ravel(), p.booked - now_value,
                           np.full(K * nb + n_keep + nd, -np.inf)])  # fmt: skip
    r_hi = np.concatenate([row_hi[0, once], row_hi[:, each].ravel(), np.full(nu, np.inf),
                           np.zeros(K * nb + n_keep + nd)])  # fmt: skip
    book_hi = hi[book_at[bookable]] if nb else np.zeros(0)
    c_lo = np.concatenate([lo[S], np.zeros(nu + nb), np.full(nd, -np.inf), np.tile(lo[R], K), np.zeros(K * nd)])
    c_hi = np.concatenate([hi[S], np.full(nu, np.inf), book_hi, np.full(nd, np.inf), np.tile(hi[R], K),
                           np.full(K * nd, np.inf)])  # fmt: skip

    # objective: E[PX − missed second doses − cancelled bookings], then E[Σ utilities]
    ws_live = np.nonzero(live.col >= 0)[0]

    def expected(per_column: np.ndarray, penalties: bool) -> tuple[np.ndarray, float]:
        on_live = np.zeros(n)
        on_live[live.col[ws_live]] = per_column[ws_live]
        if penalties:
            on_live[repair_now] -= p.miss_px
            on_live[repair_later] -= p.miss_px
        later = on_live[R].copy()
        if penalties:
            later[b_cols] += p.cancel_px
        vector = np.concatenate([
            on_live[S], np.full(nu, -p.miss_px if penalties else 0.0), np.full(nb, -p.cancel_px if penalties else 0.0),
            np.zeros(nd), np.tile(later / K, K), np.zeros(K * nd),
        ])  # fmt: skip
        return vector, float(on_live[fixed] @ lo[fixed])

    c, constant = expected(program.objective, True)
    tie, _ = expected(program.welfare, False)
    problem = Problem(c, matrix, r_lo, r_hi, c_lo, c_hi, np.zeros(N, dtype=bool), maximize=True)
    ws = interior_point(Workspace(problem, time_limit=time_limit))
    first = ws.solve(c)
    if first.ok and first.x is not None:  # the tie-break may not buy welfare with broken promises
        promises = np.concatenate([
            S_pos[repair_now], off_u + np.arange(nu),
            np.concatenate([future_cols(k, R_pos[repair_later]) for k in range(K)]),
        ])  # fmt: skip
        ws.set_col_bounds(promises, 0.0, np.maximum(first.x[promises], 0.0))
    # within what the solver proves: the interior point's gap on large programs, simplex's on small ones
    tolerance = IPM_TOLERANCE if N > IPM_FROM_VARIABLES else TIE_TOLERANCE
    sol = lexicographic(ws, c, tie, tolerance, first) if tie.any() else first
    size = (N, matrix.shape[0])
    if not sol.ok or sol.x is None:
        return FutureSolution(sol.status, None, None, None, time.perf_counter() - start, sol.message, size)
    v = sol.x
    points = np.empty((K, live.col.size))
    for k in range(K):
        x = np.where(fixed, lo, 0.0)
        x[S] = v[:nS]
        x[R] = v[off_R + k * nR : off_R + (k + 1) * nR]
        points[k] = live.point(x)
    bookings = np.zeros(p.booking.size)
    bookings[bookable] = np.maximum(v[off_b : off_b + nb], 0.0)
    objective = float(sol.objective or 0.0) + constant
    return FutureSolution(sol.status, points, bookings, objective, time.perf_counter() - start, sol.message, size)


def _live(live: LiveProgram, cols: np.ndarray) -> np.ndarray:
    """Live positions of the live ones of workspace columns ``cols``."""
    at = live.col[cols]
    return at[at >= 0]
