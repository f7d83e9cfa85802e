"""The two-stage plan over sampled futures, in extensive form (issue 22, parts 2–3).

With first-stage columns x (:mod:`winwin.optimizer.robust.stages`), bookings b, and per future ξ = 1..K (equal
probabilities) the recourse y_ξ and missed second doses m_ξ, the program is

    max  px_F·x − c·Σ b + (1/K) Σ_ξ [ px_L·y_ξ + c·Σ_j adm_ξ[j] − (ℓ + c)·m_ξ ]                 (E[PX − costs])
    s.t. A_F x + A_L y_ξ + M m_ξ  within the model's row bounds, the supply rows at future ξ's deliveries
         adm_ξ[j] ≤ b[j]     (j booked: booked(ξ) rows)       m_ξ ≤ x_due     (missed(ξ) rows)

c the cancellation cost and ℓ a course's lost PX, both in PX points; model rows that hold first-stage
columns only are written once. ``K = 1`` with the forecast as the future is the deterministic plan (the
bookings are the plan's next-period administrations, nothing is cancelled or missed).

**Robust win-win** (``beta`` given): each partner's utility in future ξ, ``U_p(ξ) = U_p·(x, b, y_ξ, m_ξ)``,
against its disagreement ``d_p(ξ)``, the silo run on that future's deliveries. With free transfers
(``money.transfers: any``) the plan needs the total surplus ``S(ξ) = Σ_p (U_p(ξ) − d_p(ξ))`` and settles it
contingently, each partner receiving ``d_p(ξ) + w_p·S(ξ)`` (``w`` the normalised bargaining powers): every
partner is whole exactly when ``S(ξ) ≥ 0``. One CVaR row (Rockafellar and Uryasev, "Optimization of
conditional value-at-risk", J. Risk 2(3), 2000) keeps the shortfall's conditional value-at-risk at level β
non-positive:

    η + (1 / ((1 − β) K)) Σ_ξ s_ξ ≤ 0,     s_ξ ≥ −S(ξ) − η,  s_ξ ≥ 0,

which implies E[S] ≥ 0 (CVaR ≥ mean; the expectation row is written only without β). Without free
transfers the same rows are written for every partner's own ``U_p(ξ) − d_p(ξ)``. Money rows are divided by
the payer's value of a PX point, so that every row is in points.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from winwin.optimizer.allocation.model import AllocationModel
from winwin.optimizer.allocation.silo import silo_plan
from winwin.optimizer.lp.solvers import Problem, SolveStatus
from winwin.optimizer.lp.workspace import Workspace
from winwin.optimizer.robust.stages import Stages, split_stages


@dataclass(frozen=True)
class Disagreement:
    """The silo on each future's deliveries: ``utility[future, partner]`` and ``px[future]``."""

    utility: np.ndarray
    px: np.ndarray


def silo_futures(model: AllocationModel, supply: np.ndarray) -> Disagreement:
    """The silo run on every future's ``supply[future, manufacturer, product, period]`` (its accounting books
    missed second doses as the plan's missed doses are booked: :func:`~winwin.optimizer.allocation.silo.silo_plan`)."""
    plans = [silo_plan(model, s) for s in supply]
    return Disagreement(np.array([p.utilities() for p in plans]), np.array([p.px for p in plans]))


@dataclass
class Layout:
    """Where the extensive form keeps each stage's columns, and its row blocks."""

    stages: Stages
    futures: int
    n_first: int
    n_book: int
    n_copy: int
    n_risk: int = 0

    @property
    def book(self) -> np.ndarray:
        return self.n_first + np.arange(self.n_book)

    def copy(self, xi: int) -> np.ndarray:
        """Extensive columns of future ξ's recourse (``later``) followed by its missed second doses."""
        start = self.n_first + self.n_book + xi * self.n_copy
        return start + np.arange(self.n_copy)


@dataclass
class TwoStageProgram:
    """The extensive form of one model over some futures (module docstring)."""

    model: AllocationModel
    layout: Layout
    problem: Problem
    """Its objective ``problem.c`` is E[PX − costs], or the risk-averse objective (:func:`_with_risk`)."""
    supply_rows: list[np.ndarray]
    """Extensive rows of each future's supply block."""
    utility: list[sp.csr_matrix]
    """``U_ξ[partner, extensive column]`` of each future (constants apart)."""
    cancellations: list[sp.csr_matrix]
    """``[1, extensive column]``: appointments cancelled or second doses missed in each future."""
    expected: np.ndarray
    """E[Z] = E[PX − costs] per extensive column (the objective, without a risk term)."""

    @property
    def objective(self) -> np.ndarray:
        return self.problem.c

    def model_x(self, v: np.ndarray, xi: int) -> np.ndarray:
        """Future ξ's plan in the model's layout."""
        st, lay = self.layout.stages, self.layout
        x = np.zeros(self.model.n_vars)
        x[st.first] = v[: lay.n_first]
        x[st.later] = v[lay.copy(xi)[: st.later.size]]
        return x


def build_two_stage(
    model: AllocationModel,
    supply: np.ndarray,
    stages: Stages | None = None,
    disagreement: Disagreement | None = None,
    beta: float | None = None,
    free_transfers: bool = True,
    risk_weight: float = 0.0,
) -> TwoStageProgram:
    """The extensive form over ``supply[future, manufacturer, product, period]`` (module docstring); win-win
    rows when ``disagreement`` is given (expected IR, and the CVaR rows at level ``beta`` when given); with
    ``risk_weight`` λ > 0 the objective is ``(1 − λ)·E[Z] − λ·CVaR_β(−Z)`` (β = ``beta``, 0.95 without)."""
    st = stages or split_stages(model)
    K = supply.shape[0]
    lay = Layout(st, K, st.first.size, st.booked.size, st.later.size + st.due.size)
    A = model.A.tocsc()
    A_first, A_later = A[:, st.first], A[:, st.later]
    only_first = np.asarray((abs(A_later) @ np.ones(st.later.size)) == 0).ravel()
    row_lb, row_ub = model.lp.row_lb, model.lp.row_ub
    later_pos = np.full(model.n_vars, -1, dtype=np.int64)
    later_pos[st.later] = np.arange(st.later.size)
    booked_later = later_pos[st.booked]
    if (booked_later < 0).any():
        raise AssertionError("a booking's administration is not a recourse column")
    U = model.utility.tocsc()
    U_first, U_later = U[:, st.first], U[:, st.later]
    P = U.shape[0]
    n_b, n_d = st.booked.size, st.due.size
    # the blocks every future repeats, over [first | bookings | its copy]
    model_band = [A_first, sp.csr_matrix((A.shape[0], n_b)), sp.hstack([A_later, st.miss], format="csr")]
    take = sp.csr_matrix((np.ones(n_b), (np.arange(n_b), booked_later)), shape=(n_b, lay.n_copy))
    booked_band = [sp.csr_matrix((n_b, lay.n_first)), -sp.identity(n_b, format="csr"), take]  # adm_ξ − b ≤ 0
    due = sp.csr_matrix((np.ones(n_d), (np.arange(n_d), np.searchsorted(st.first, st.due))), shape=(n_d, lay.n_first))
    miss = sp.csr_matrix((np.ones(n_d), (np.arange(n_d), st.later.size + np.arange(n_d))), shape=(n_d, lay.n_copy))
    missed_band = [-due, sp.csr_matrix((n_d, n_b)), miss]  # m_ξ − x_due ≤ 0
    cancel = sp.csr_matrix((np.full(n_b, st.cancel_cost), (st.booking_site, np.arange(n_b))), shape=(P, n_b))
    refund = sp.csr_matrix((np.full(n_b, st.cancel_cost), (st.booking_site, booked_later)), shape=(P, lay.n_copy))
    utility_band = [U_first, -cancel, sp.hstack([U_later, st.miss_utility], format="csr") + refund]
    given = -np.bincount(booked_later, minlength=st.later.size).astype(float)
    cancel_band = [sp.csr_matrix((1, lay.n_first)), sp.csr_matrix(np.ones((1, n_b))),
                   sp.csr_matrix(np.concatenate([given, np.ones(n_d)])[None, :])]  # b − adm_ξ + m_ξ  # fmt: skip
    blocks: list[list[Any]] = []  # sparse blocks of one row band
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    supply_rows: list[np.ndarray] = []
    n_row = 0
    s_node, s_k, s_t = st.supply_coords
    for xi in range(K):
        keep = np.ones(A.shape[0], dtype=bool) if xi == 0 else ~only_first  # first-stage-only rows once
        rows_lb, rows_ub = row_lb.copy(), row_ub.copy()
        rows_lb[st.supply_rows] = rows_ub[st.supply_rows] = supply[xi][s_node, s_k, s_t]
        supply_rows.append(n_row + (np.cumsum(keep) - 1)[st.supply_rows])
        bands = (([b[keep] for b in model_band], rows_lb[keep], rows_ub[keep]), (booked_band, -np.inf, 0.0),
                 (missed_band, -np.inf, 0.0))  # fmt: skip
        for part, low, high in bands:
            rows = part[0].shape[0]
            blocks.append(_row_of(part, xi, K))
            lo.append(np.broadcast_to(low, (rows,)).astype(float))
            hi.append(np.broadcast_to(high, (rows,)).astype(float))
            n_row += rows
    utility = [sp.hstack(_row_of(utility_band, xi, K), format="csr") for xi in range(K)]
    cancels = [sp.hstack(_row_of(cancel_band, xi, K), format="csr") for xi in range(K)]
    objective = np.zeros(lay.n_first + n_b + K * lay.n_copy)
    objective[: lay.n_first] = model.px[st.first]
    objective[lay.book] = -st.cancel_px
    per_copy = np.concatenate([model.px[st.later], -(st.miss_px + st.cancel_px)])
    per_copy[booked_later] += st.cancel_px
    for xi in range(K):
        objective[lay.copy(xi)] = per_copy / K
    col_lb = np.concatenate(
        [model.lp.lb[st.first], np.zeros(n_b)] + [np.concatenate([model.lp.lb[st.later], np.zeros(st.due.size)])] * K
    )
    col_ub = np.concatenate(
        [model.lp.ub[st.first], np.full(n_b, np.inf)]
        + [np.concatenate([model.lp.ub[st.later], np.full(st.due.size, np.inf)])] * K
    )
    A_ext = sp.vstack([sp.hstack(b, format="csr") for b in blocks], format="csr")
    row_lo, row_hi = np.concatenate(lo), np.concatenate(hi)
    problem = Problem(objective, A_ext, row_lo, row_hi, col_lb, col_ub, np.zeros(objective.size, dtype=bool))
    prog = TwoStageProgram(model, lay, problem, supply_rows, utility, cancels, objective)
    if risk_weight > 0:
        z_rows = [sp.hstack(_row_of([sp.csr_matrix(model.px[st.first][None, :]),
                                     sp.csr_matrix(np.full((1, n_b), -st.cancel_px)),
                                     sp.csr_matrix(per_copy[None, :])], xi, K), format="csr")
                  for xi in range(K)]  # fmt: skip
        prog = _with_risk(prog, z_rows, risk_weight, 0.95 if beta is None else beta)
    if disagreement is not None:
        prog = _with_win_win(prog, disagreement, beta, free_transfers)
    return prog


def _row_of(part: list[Any], xi: int, K: int) -> list[Any]:
    """``[first, bookings, copy_0 … copy_{K−1}]`` with ``part``'s copy block at future ξ, zeros elsewhere."""
    first, book, copy = part
    rows = first.shape[0]
    out: list[Any] = [first, book]
    for other in range(K):
        out.append(copy if other == xi else sp.csr_matrix((rows, copy.shape[1])))
    return out


def _with_columns(
    prog: TwoStageProgram,
    rows: sp.csr_matrix,
    lo: np.ndarray,
    hi: np.ndarray,
    c: np.ndarray,
    lb: np.ndarray,
    weight: float = 1.0,
) -> TwoStageProgram:
    """``prog`` with ``c.size`` new columns at the end (objective ``c``, bounds ``[lb, ∞)``), its objective
    times ``weight``, and the rows ``lo ≤ rows ≤ hi`` over all columns; every per-future form and E[Z] padded
    with zeros."""
    p, n = prog.problem, c.size
    problem = Problem(
        np.concatenate([weight * p.c, c]), sp.vstack([sp.hstack([p.A, sp.csr_matrix((p.A.shape[0], n))]), rows], format="csr"),
        np.concatenate([p.row_lb, lo]), np.concatenate([p.row_ub, hi]), np.concatenate([p.lb, lb]),
        np.concatenate([p.ub, np.full(n, np.inf)]), np.zeros(p.c.size + n, dtype=bool),
    )  # fmt: skip
    prog.layout.n_risk += n
    return TwoStageProgram(
        prog.model, prog.layout, problem, prog.supply_rows,
        [sp.hstack([u, sp.csr_matrix((u.shape[0], n))], format="csr") for u in prog.utility],
        [sp.hstack([x, sp.csr_matrix((1, n))], format="csr") for x in prog.cancellations],
        np.concatenate([prog.expected, np.zeros(n)]),
    )  # fmt: skip


def _risk_bounds(n: int, K: int) -> np.ndarray:
    """Lower bounds of :func:`win_win_rows`' risk columns: η free, s_ξ ≥ 0."""
    return np.concatenate([np.full(n, -np.inf), np.zeros(K * n)])


def _with_risk(prog: TwoStageProgram, z: list[sp.csr_matrix], lam: float, beta: float) -> TwoStageProgram:
    """The risk-averse objective ``(1 − λ)·E[Z] − λ·(η + Σ_ξ s_ξ / ((1 − β) K))`` with ``Z_ξ + η + s_ξ ≥ 0``,
    ``s ≥ 0``: at the optimum η + … is CVaR_β of the loss −Z (Rockafellar–Uryasev), the mean of the
    (1 − β) worst futures' losses. Columns η, s_ξ are appended."""
    K = len(z)
    rows, lo, hi, _ = win_win_rows(z, [np.zeros(1)] * K, beta)
    c = np.concatenate([[-lam], np.full(K, -lam / ((1.0 - beta) * K))])
    return _with_columns(prog, rows[:K], lo[:K], hi[:K], c, _risk_bounds(1, K), 1.0 - lam)  # not CVaR ≤ 0


def _with_win_win(prog: TwoStageProgram, d: Disagreement, beta: float | None, free: bool) -> TwoStageProgram:
    """Add the expected-IR and CVaR rows of the module docstring (risk columns η and s_ξ at the end)."""
    model, K = prog.model, prog.layout.futures
    const = model.utility_const
    value = model.scenario.spec.money.value_per_px_point or 1.0
    if free:
        gains = [sp.csr_matrix(u.sum(axis=0).A / value) for u in prog.utility]  # [1, columns] per future
        need = [np.array([(d.utility[xi] - const).sum() / value]) for xi in range(K)]
    else:
        gains = [sp.csr_matrix(u.toarray() / value) for u in prog.utility]
        need = [(d.utility[xi] - const) / value for xi in range(K)]
    rows, lo, hi, n_risk = win_win_rows(gains, need, beta)
    n = gains[0].shape[0]
    return _with_columns(prog, rows, lo, hi, np.zeros(n_risk), _risk_bounds(n, K) if n_risk else np.zeros(0))


def win_win_rows(
    gains: list[sp.csr_matrix], need: list[np.ndarray], beta: float | None
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, int]:
    """Rows ``(A, lo, hi)`` over the columns of ``gains`` followed by ``n_risk`` new risk columns, saying that
    ``G_ξ·v − need_ξ`` (one row or one per partner: ``gains[ξ]`` is ``n × columns``) is ≥ 0 in expectation
    (without ``beta``: one row per n) or, with ``beta``, has a non-positive CVaR of its shortfall, which implies
    it (module docstring): K·n rows ``G_ξ v + η + s_ξ ≥ need_ξ`` then n rows ``η + Σ s_ξ / ((1 − β) K) ≤ 0``.
    Risk columns: η (n), then s_ξ (n per future); η free, s ≥ 0."""
    K = len(gains)
    n, cols = gains[0].shape
    n_risk = (1 + K) * n if beta is not None else 0
    rows: list[Any] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    if beta is None:  # with β the CVaR row implies it (CVaR ≥ mean), and it would be dense over every future
        rows.append(sp.hstack([sum(gains, sp.csr_matrix((n, cols))) / K, sp.csr_matrix((n, n_risk))]))
        lo.append(np.asarray(sum(need) / K, dtype=float))
        hi.append(np.full(n, np.inf))
    else:
        eye = sp.identity(n, format="csr")
        for xi in range(K):
            s_xi = sp.hstack([sp.csr_matrix((n, xi * n)), eye, sp.csr_matrix((n, (K - 1 - xi) * n))])
            rows.append(sp.hstack([gains[xi], eye, s_xi]))  # G_ξ v + η + s_ξ ≥ need_ξ
            lo.append(need[xi])
            hi.append(np.full(n, np.inf))
        weight = sp.hstack([eye] * K) / ((1.0 - beta) * K)
        rows.append(sp.hstack([sp.csr_matrix((n, cols)), eye, weight]))  # η + Σ s_ξ / ((1 − β) K) ≤ 0
        lo.append(np.full(n, -np.inf))
        hi.append(np.zeros(n))
    return sp.vstack(rows, format="csr"), np.concatenate(lo), np.concatenate(hi), n_risk


@dataclass(frozen=True)
class TwoStageSolution:
    """A solved extensive form: the decision made now and what each future does after it."""

    status: SolveStatus
    objective: float | None
    """E[PX − costs] in points (the program's objective without its risk term, when it has one)."""
    v: np.ndarray | None
    seconds: float
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == SolveStatus.OPTIMAL and self.v is not None


IPM_TOLERANCE = 1e-6
"""Relative duality gap at which HiGHS's interior point stops on a two-stage program, without crossover: the
programs are K times the model and a vertex is not needed (belgium-2021, K = 20: 99 s with HiGHS's defaults,
75 s without crossover, 61 s at this tolerance too)."""


def interior_point(ws: Workspace) -> Workspace:
    """Solve large programs of ``ws`` by interior point to :data:`IPM_TOLERANCE`, without crossover."""
    ws.h.setOptionValue("run_crossover", "off")
    ws.h.setOptionValue("ipm_optimality_tolerance", IPM_TOLERANCE)
    return ws


def solve_two_stage(prog: TwoStageProgram, time_limit: float | None = None) -> TwoStageSolution:
    """Solve the extensive form on HiGHS (interior point to :data:`IPM_TOLERANCE`, no crossover, for large
    programs; simplex for small ones)."""
    start = time.perf_counter()
    ws = interior_point(Workspace(prog.problem, time_limit=time_limit))
    sol = ws.solve(prog.objective)
    obj = None if sol.x is None else float(prog.expected @ sol.x)
    return TwoStageSolution(sol.status, obj, sol.x, time.perf_counter() - start, sol.message)


def future_figures(prog: TwoStageProgram, v: np.ndarray) -> dict[str, np.ndarray]:
    """Per future: ``px`` (after missed courses), ``objective`` (PX − costs), ``utility[future, partner]``
    and ``cancelled`` (bookings not kept plus second doses missed), ``booked`` (appointments made now)."""
    lay, st, model = prog.layout, prog.layout.stages, prog.model
    px, obj, util, cancelled = [], [], [], []
    for xi in range(lay.futures):
        x = prog.model_x(v, xi)
        m = v[lay.copy(xi)[st.later.size : st.later.size + st.due.size]]
        lost = float(np.sum(st.miss_px * m))  # not BLAS: the same sum in every process, whatever its threads
        c = float((prog.cancellations[xi] @ v)[0])
        px.append(float(np.sum(model.px * x)) - lost)
        obj.append(px[-1] - st.cancel_px * c)
        util.append(np.asarray(prog.utility[xi] @ v).ravel() + model.utility_const)
        cancelled.append(c)
    booked = float(v[lay.book].sum())
    return {"px": np.array(px), "objective": np.array(obj), "utility": np.array(util),
            "cancelled": np.array(cancelled), "booked": np.full(lay.futures, booked)}  # fmt: skip
