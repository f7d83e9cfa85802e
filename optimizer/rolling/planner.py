"""Rolling-horizon planning for the ecosystem simulation (DESIGN §8).

One allocation model is built once per run and held in one HiGHS workspace (the
:class:`~winwin.optimizer.concepts.negotiation.Negotiation` of the solution concepts). Each period t the workspace is
updated, never rebuilt:

- the past is history: once reality has executed period t, every column of t (stocks and waste too) is
  *retired* from the workspace at the value reality gave it (:meth:`~winwin.optimizer.lp.workspace.Workspace.retire`):
  its terms move into the row bounds and rows with only past columns leave the solver's program, so HiGHS
  presolves the live part of the campaign only (rows wholly in the past, met by reality to within the
  solver's tolerance, cannot make a later program infeasible by rounding);
- supply rows of periods ≥ t hold what the manufacturers announced, those of the past what they delivered;
- with a lookahead H, first doses and volunteer hours after the window [t, t + H) are fixed at zero;
  shipments stay free there, so that the second doses of first doses given inside the window can be
  supplied later (the silo campaign counts on that too), but only as far as a dose can use them: a
  shipment of product k in a period ≥ t + H + interval_k arrives after the last dose the window allows
  (its second doses fall at most interval_k after the window), so it is fixed at zero
  (:meth:`RollingPlanner._ship_reach`). Without the cut a plan could count shipments no patient needs among its partners' gains
  (a manufacturer is paid per dose dispatched), and HiGHS would carry them through every solve (belgium-2021
  26 weeks, lookahead 4: solver 5.5 s → 4.1 s for winwin). The cut is not made where it could bind: a lane
  out of a node with finite storage (its stock may have to move on) or a partner with a minimum volume;
- the disagreement point becomes each partner's silo utility over the periods before t + H, so individual
  rationality reads "my campaign up to the window's end is at least as good as the silo campaign up to
  the same date" (with the whole horizon as window: the optimizer's win-win constraint itself). Both sides
  are counted on the same dates: the plan's utility after the window (the shipments and handling of the
  second doses its first doses need, which the silo's side does not count either) is the negotiation's
  ``tail`` ``z_p``, defined by rows switched by bounds as the window moves (:meth:`RollingPlanner._add_tail_rows`),
  and every concept compares ``U_p − z_p`` with ``d_p`` and breaks PX ties by ``Σ_p (U_p − z_p)``. The
  silo's side books the PX a missed second dose takes back at the course's first dose, as the plan's
  side reserves each course's second dose at its first.

Plans and reality are solved by cold primal simplex (:meth:`~winwin.optimizer.lp.workspace.Workspace.by_simplex`):
on these programs, most of whose columns are fixed or retired, it took about 0.6× the time of interior point
with crossover (belgium-2021).

Reality at t is one more solve of the same workspace: period-t supply rows at what was delivered,
disrupted distributors' throughput reduced, period-t shipments, first doses and volunteer hours at most
what the plan said (nobody does more than agreed). No dose waits for a plan made before it arrived: the
week is planned after its deliveries are known, and a booking is a floor, never a cap, so the week's plan
gives doses beyond the bookings (the standby list) by the mode's own objective. Undisturbed, the plan is
feasible and reality is the plan; a disruption forces a departure, and then reality takes the most PX the
window can still reach, then as many of the plan's units as it can. First doses planned but not given are
cancelled appointments.

First doses booked by the last plan for t are kept as far as the doses allow: one plain solve finds how
many can be (:meth:`RollingPlanner._keepable`), and the plan or reality is then solved with them as lower
bounds.

A second dose already booked can become impossible (a delivery shortfall, a worse announcement). The
workspace has one *repair* column per site, product and period: a dose that is not there, i.e. a
second-dose appointment cancelled. Repair columns are fixed at zero; only when a solve is infeasible are
they opened, their total minimised, and fixed at that minimum before solving again.

A partner that leaves the deal follows its silo rules: the rule rows of :func:`winwin.optimizer.games.coalitions.rule_rows`
are loaded once (free) and switched on for that partner inside the window; it gets no individual
rationality row.

**Over sampled futures** (the robust planner, ``begin(…, futures=…)``; modes ``central`` and ``winwin``):
the week is planned by :func:`~winwin.optimizer.rolling.futures_window.solve_futures` on the workspace's
live program, K copies of the window tied by this week's decisions and next week's bookings
(:class:`FuturePlan`: every future's columns, the bookings, each future's dated utilities and
reservations). Its utilities and disagreement point are expectations over the futures; when no plan over
the futures exists, the deterministic plan on the expected reservations stands (the note says so).
Reality then executes this week as usual, but with later repairs open: the plan weighed its courses'
second doses in every future, and reality does not judge them again on one forecast (before, belgium-2021
seed 0 week 10: 44,380 bookings cancelled by that second judgement on the belief's 5 % quantile).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import numpy as np
import scipy.sparse as sp

from winwin.data import Scenario
from winwin.data.errors import SolverError
from winwin.optimizer.allocation.model import AllocationModel
from winwin.optimizer.allocation.rules import rule_rows
from winwin.optimizer.allocation.silo import (
    DISRUPTED_THROUGHPUT,
    SiloArrays,
    cancellation_adjust,
    course_adjust,
    course_px_lost,
    missed_adjust,
    silo_arrays,
    silo_vector,
)
from winwin.optimizer.allocation.variables import site_nodes
from winwin.optimizer.concepts.bargaining import BargainingError
from winwin.optimizer.concepts.certificate import make_whole
from winwin.optimizer.concepts.negotiation import SPLITS, Negotiation, Outcome
from winwin.optimizer.lp.linear import LinearProgram
from winwin.optimizer.lp.solvers import SolveStatus
from winwin.optimizer.lp.workspace import LpSolution
from winwin.optimizer.robust.stages import CANCEL_FLOOR
from winwin.optimizer.rolling.futures_window import (
    FutureProgram,
    FutureSolution,
    WindowFutures,
    solve_futures,
)

GOVERNANCE_MODES = ("silo", "central", "winwin", "nash", "egalitarian", "kalai_smorodinsky")
PLANNED_MODES = GOVERNANCE_MODES[1:]
ROBUST_MODES = ("central", "winwin")
"""Modes the robust planner plans over sampled futures (the plain two-stage plan, and robust win-win)."""
DECISIONS = ("ship", "adm", "vol", "open")
"""Variable families a partner decides (and reality executes); stocks and waste follow from them."""
WINDOWED = ("adm", "vol", "open")
"""Decisions fixed at zero after the planning window."""

WASTE_WEIGHT = 1e-3
"""Penalty per wasted dose when reality is solved (a planned dose counts at least 1): the waste read as
reality's is the least the shelf lives force, not one of many equally good values."""

SAFETY = 1e-9
"""Relative shortfall applied to executed first doses before they are fixed: the solver meets a cap to within
its tolerance (a group's willing population exceeded by 1e-7), and a fixed past beyond a cap, however
slightly, makes every later program infeasible. Shipments are kept as solved (a shortfall there would leave
booked second doses a hair short)."""

_R = TypeVar("_R")


def column_periods(lp: LinearProgram) -> np.ndarray:
    """Period of every column (-1 for a column without one)."""
    out = np.full(lp.n_vars, -1, dtype=np.int64)
    for block in lp.var_blocks.values():
        if "period" in block.dims:
            out[block.columns()] = block.coords()[block.dims.index("period")]
    return out


def row_index(lp: LinearProgram, name: str) -> np.ndarray:
    """Dense ``[dims…]`` array of the row numbers of one row block (-1 where no row exists)."""
    block = lp.row_blocks[name]
    shape = tuple(lp.sizes[d] for d in block.dims)
    out = np.full(shape, -1, dtype=np.int64)
    out[block.coords] = np.arange(block.start, block.stop)
    return out


def window_disagreement(silo_utility: np.ndarray, utility_const: np.ndarray, end: int) -> np.ndarray:
    """Each partner's silo utility up to period ``end`` (``silo_utility[partner, period]``), in the model's
    full-horizon accounting: the fixed costs after the window are counted on both sides."""
    T = silo_utility.shape[1]
    return silo_utility[:, :end].sum(axis=1) + utility_const * (1.0 - end / T)


def silo_period_utilities(
    model: AllocationModel, col_period: np.ndarray, arrays: SiloArrays, by_start: bool = True
) -> np.ndarray:
    """``utility[partner, period]`` of a silo run: the linear utility of each period's columns, each
    partner's fixed cost, the fees of missed second doses (not earned by the site, not paid), the cost of every
    appointment cancelled (:func:`~winwin.optimizer.allocation.silo.cancellation_adjust`), and the payer's
    value of the PX those missed doses take back (:func:`~winwin.optimizer.allocation.silo.course_px_lost`).

    ``by_start`` books that value in the period each incomplete course started: the disagreement point of a
    window counts the first doses the silo gives inside it with the second doses it will miss after it, as
    the plan's window counts the second doses it reserves for its first doses (individual rationality on the
    same dates). A run accounted week by week (the simulation's counterfactual, read one period at a time
    as it happens) books it in the period of the miss instead, as the realised campaign does."""
    x = silo_vector(model, arrays)
    lost = course_px_lost(model, x, arrays.missed_second, by_start=by_start)
    return (
        period_utilities(model, col_period, x)
        + missed_adjust(model.scenario, arrays.missed_second.sum(axis=1))
        + cancellation_adjust(model.scenario, arrays.cancelled)
        + course_adjust(model, lost)
    )


def future_disagreements(futures: WindowFutures, utility_const: np.ndarray, end: int) -> np.ndarray:
    """``[future, partner]``: :func:`window_disagreement` of the silo campaign on each sampled future."""
    return np.array([window_disagreement(u, utility_const, end) for u in futures.silo_utility])


def window_utilities(model: AllocationModel, col_period: np.ndarray, x: np.ndarray, end: int) -> np.ndarray:
    """Each partner's utility of plan ``x`` on the dates of a window ending at ``end``: the linear utility of
    the columns of periods before ``end`` (and of columns without a period) plus the whole constant, as
    :func:`window_disagreement` counts the silo's."""
    T = model.scenario.T
    after = period_utilities(model, col_period, x)[:, end:].sum(axis=1) - model.utility_const * (T - end) / T
    return model.utilities(x) - after


def period_utilities(model: AllocationModel, col_period: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``utility[partner, period]`` of a plan (fixed costs per period; no transfers)."""
    sc = model.scenario
    T = sc.T
    coo = sp.coo_matrix(model.utility.multiply(x[None, :]))
    has = col_period >= 0
    out = np.zeros((len(sc.partners), T))
    keep = has[coo.col]
    np.add.at(out, (coo.row[keep], col_period[coo.col[keep]]), coo.data[keep])
    out += (model.utility_const / T)[:, None]
    return out


def future_costs(model: AllocationModel) -> tuple[float, float]:
    """PX points a future loses per second dose it misses and per booking it cancels.

    A miss costs more than any course is worth (the largest first dose's PX plus a cancellation): a plan
    never starts a course it means to leave incomplete, and a future misses a second dose only when its
    doses cannot serve it — the deterministic plan's rule, where repairs are opened only when nothing else
    is feasible. A cancellation costs ``money.cancellation_cost`` at the payer's value of a point, at least
    :data:`~winwin.optimizer.robust.stages.CANCEL_FLOOR` of the median course's PX: a booking that will not
    be kept is never free."""
    sc = model.scenario
    px = np.abs(model.px[model.lp.var_blocks["adm"].columns()])
    course = float(np.median(px[px > 0])) if (px > 0).any() else 0.0
    value = sc.spec.money.value_per_px_point
    cancel = max(sc.spec.money.cancellation_cost / value if value > 0 else 0.0, CANCEL_FLOOR * course)
    return float(px.max(initial=0.0)) + cancel, cancel


@dataclass(frozen=True)
class FuturePlan:
    """A window planned over K sampled futures (:mod:`winwin.optimizer.rolling.futures_window`)."""

    x: np.ndarray
    """``[future, model column]``: this week's columns are the same in every future."""
    repairs: np.ndarray
    """``[future, site, product, period]`` second doses each future misses (the repair columns)."""
    bookings: np.ndarray
    """First doses booked for next week (per first-dose column of t + 1)."""
    dated: np.ndarray
    """``[future, partner]`` utility on the window's dates, before side payments."""
    reservation: np.ndarray
    """``[future, partner]`` the disagreement point (plus raises) each future was planned against."""
    objective: float
    """``E[PX − costs]`` of the window's live columns (points)."""
    size: tuple[int, int]
    """Columns and rows of the extensive form."""


@dataclass(frozen=True)
class WindowPlan:
    """The coordinator's plan for the window starting at ``period`` under one governance mode."""

    mode: str
    period: int
    x: np.ndarray | None
    status: SolveStatus
    utilities: np.ndarray
    """Each partner's utility up to the window's end (transfers and outside money included)."""
    disagreement: np.ndarray
    """Each partner's silo utility up to the window's end."""
    transfers: np.ndarray
    subsidy: np.ndarray
    repaired: float
    """Second-dose appointments the plan cannot keep (repair doses it needed)."""
    seconds: float
    note: str = ""
    concept: str = ""
    """The concept whose plan this is (``joint``, ``winwin`` or a split; ``winwin`` when a split failed)."""
    futures: FuturePlan | None = None
    """The robust planner's plan over sampled futures (``x`` is the first future's)."""

    @property
    def has_plan(self) -> bool:
        return self.x is not None and self.status.has_plan

    @property
    def gains(self) -> np.ndarray:
        return self.utilities - self.disagreement


@dataclass(frozen=True)
class Execution:
    """What reality did in one period."""

    period: int
    x: np.ndarray
    """Every model column; those of the period are the executed values."""
    status: SolveStatus
    first_doses: float
    cancelled_first: float
    """First-dose appointments booked for this period that did not happen."""
    missed_second: float
    """Second-dose appointments cancelled: the doses were not there."""
    missed_by_site: np.ndarray
    seconds: float
    note: str = ""
    """How reality departed from the rules when the plan could not be followed as it was."""
    repair: np.ndarray | None = None
    """``[site, product]`` second-dose appointments cancelled this period (the repair columns' values)."""


class RollingPlanner:
    """The coordinator's optimisation model through a simulation run (see the module docstring)."""

    def __init__(
        self,
        scenario: Scenario,
        transfers: str = "scenario",
        lookahead: int | None = None,
        time_limit: float | None = None,
        epsilon: float = 0.01,
        model: AllocationModel | None = None,
    ) -> None:
        if lookahead is not None and lookahead < 1:
            raise ValueError(f"lookahead must be ≥ 1 period, got {lookahead}")
        self.sc = sc = scenario
        self.neg = Negotiation(scenario, model, transfers=transfers, time_limit=time_limit)
        self.model = m = self.neg.model
        self.ws = self.neg.ws
        self.T = sc.T
        self.lookahead = min(lookahead or sc.T, sc.T)
        self.epsilon = epsilon
        self.col_period = column_periods(m.lp)
        self.decision = np.zeros(m.n_vars, dtype=bool)
        for name in DECISIONS:
            if name in m.lp.var_blocks:
                self.decision[m.lp.var_blocks[name].columns()] = True
        self.windowed = np.zeros(m.n_vars, dtype=bool)
        for name in WINDOWED:
            if name in m.lp.var_blocks:
                self.windowed[m.lp.var_blocks[name].columns()] = True
        self.first_dose = np.zeros(m.n_vars, dtype=bool)
        self.first_dose[m.lp.var_blocks["adm"].columns()] = True
        self.lb, self.ub = m.lp.lb.copy(), m.lp.ub.copy()
        self.ship_reach = self._ship_reach()
        self.silo_utility = silo_period_utilities(m, self.col_period, silo_arrays(sc))
        """The disagreement point: ``utility[partner, period]`` of the silo campaign on the current view of
        supply (delivered in the past, announced ahead); refreshed by :meth:`begin`."""
        self.supply_rows = row_index(m.lp, "supply")[: len(sc.manufacturers)]  # [manufacturer, product, period]
        self.throughput_rows = row_index(m.lp, "throughput") if "throughput" in m.lp.row_blocks else None
        self._add_repair_columns()
        self._add_rule_rows()
        self._add_tail_rows()
        self.neg.base = self.ws.mark()  # repair columns, rule rows and tail rows belong to the base program
        self._waste = m.lp.var_blocks["waste"].columns()
        adm = m.lp.var_blocks["adm"].columns()
        self._adm_by_period = [adm[self.col_period[adm] == t] for t in range(sc.T)]
        self.booked = np.zeros(self._adm_by_period[0].size)
        self.x = np.zeros(m.n_vars)
        """The campaign so far: executed values of past periods, the latest plan's afterwards."""
        self.t = 0
        self.solver_seconds = 0.0
        self.futures: WindowFutures | None = None
        """This week's sampled futures (:meth:`begin`): plans of the robust modes are made over them."""
        self.miss_px, self.cancel_px = future_costs(self.model)

    def _ship_reach(self) -> np.ndarray:
        """Per column, the number of periods after a window's end in which it can still serve a dose the
        window allows (the product's dose interval for shipments; ``T`` — never cut — elsewhere)."""
        sc, lp = self.sc, self.model.lp
        reach = np.full(lp.n_vars, sc.T, dtype=np.int64)
        bounded = any((getattr(p, "min_volume", None) or 0.0) > 0 for p in sc.spec.partners)
        if bounded or "ship" not in lp.var_blocks:
            return reach
        block = lp.var_blocks["ship"]
        lane, product = (block.coords()[block.dims.index(d)] for d in ("lane", "product"))
        free = np.isinf(sc.node_storage[sc.lane_source[lane]])
        cols = block.columns()
        reach[cols[free]] = sc.interval.max(axis=1)[product[free]]  # the longest, so no dose it serves is cut
        return reach

    def waste_from(self, t: int) -> np.ndarray:
        """Columns of the doses wasted in periods ≥ t."""
        return self._waste[self.col_period[self._waste] >= t]

    # ------------------------------------------------------------------ structure added once
    def _add_repair_columns(self) -> None:
        sc, lp = self.sc, self.model.lp
        rows = row_index(lp, "conservation")[site_nodes(sc)]  # [site, product, period]
        s, k, t = np.nonzero(rows >= 0)
        r = rows[s, k, t]
        n = r.size
        coefficients = sp.csc_matrix((-np.ones(n), (r, np.arange(n))), shape=(self.ws.n_rows, n))
        self.repair = self.ws.add_columns(np.zeros(n), np.zeros(n), coefficients)
        self.repair_period = t
        self.repair_site = s
        self.repair_product = k
        self.repair_value = np.zeros(n)
        """What every repair column holds: retired at reality's value, fixed by :meth:`_repair`, else 0."""

    def _add_rule_rows(self) -> None:
        R, partner = rule_rows(self.sc, self.model)
        R = sp.csr_matrix(R)
        if R.shape[0] == 0:
            self.rule_rows, self.rule_partner, self.rule_period = np.zeros(0, dtype=np.int64), partner, partner
            return
        first_col = R.indices[R.indptr[:-1]]
        self.rule_rows = self.ws.add_rows(R, -np.inf, np.inf)
        self.rule_partner = partner
        self.rule_period = self.col_period[first_col]

    def _add_tail_rows(self) -> None:
        """Each partner's utility after the window, ``z_p = Σ_{τ ≥ end} U_p^τ·x`` (the negotiation's ``tail``
        columns, subtracted from its utility where it meets its disagreement point), through one column
        ``w_{p,τ}`` per partner and period: the rows ``U_p^τ·x − w_{p,τ} = 0`` hold for τ ≥ end and are free
        before it, where ``w_{p,τ}`` is fixed at 0, and ``z_p = Σ_τ w_{p,τ}``. Moving the window changes bounds
        only (:meth:`_date_window`)."""
        m, P, T = self.model, len(self.sc.partners), self.T
        U = sp.coo_matrix(m.utility)
        has = self.col_period[U.col] >= 0
        row = U.row[has] * T + self.col_period[U.col[has]]  # (partner, period) → p·T + τ
        self.tail_w = self.ws.add_columns(np.zeros(P * T), np.zeros(P * T))
        D = sp.csr_matrix(
            (
                np.concatenate([U.data[has], -np.ones(P * T)]),
                (np.concatenate([row, np.arange(P * T)]), np.concatenate([U.col[has], self.tail_w])),
            ),
            shape=(P * T, self.ws.n_cols),
        )
        self.tail_rows = self.ws.add_rows(D, -np.inf, np.inf)
        Z = sp.csr_matrix(
            (
                np.concatenate([np.ones(P * T), -np.ones(P)]),
                (
                    np.concatenate([np.repeat(np.arange(P), T), np.arange(P)]),
                    np.concatenate([self.tail_w, self.neg.tail]),
                ),
            ),
            shape=(P, self.ws.n_cols),
        )
        self.ws.add_rows(Z, 0.0, 0.0)
        self.ws.set_col_bounds(self.neg.tail, -np.inf, np.inf)
        self._tail_period = np.tile(np.arange(T), P)

    def _date_window(self) -> None:
        """Tail rows on from the window's end (:meth:`_add_tail_rows`)."""
        after = self._tail_period >= self.window_end
        self.ws.set_row_bounds(self.tail_rows, np.where(after, 0.0, -np.inf), np.where(after, 0.0, np.inf))
        self.ws.set_col_bounds(self.tail_w, np.where(after, -np.inf, 0.0), np.where(after, np.inf, 0.0))

    def _retire(self, t: int, x: np.ndarray, y: np.ndarray) -> None:
        """Period t is history: its columns leave the solver's program at the values reality gave them."""
        cols = np.nonzero(self.col_period == t)[0]
        repair = self.repair[self.repair_period == t]
        self.ws.retire(np.concatenate([cols, repair]), np.concatenate([x[cols], y[repair]]))
        self.repair_value[self.repair_period == t] = y[repair]

    # ------------------------------------------------------------------ each period
    @property
    def window_end(self) -> int:
        return min(self.T, self.t + self.lookahead)

    @property
    def model_info(self) -> dict[str, Any]:
        """The model that plans: the full one, its columns and rows."""
        lp = self.model.lp
        return {"model": "full", "columns": {"full": lp.n_vars}, "rows": {"full": lp.n_rows}}

    @property
    def transfer_mode(self) -> str:
        """Side payments of the run's deals: ``none``, ``any`` or ``rules``."""
        return self.neg.layout.mode

    def disagreement(self) -> np.ndarray:
        """Silo utility up to the window's end (:func:`window_disagreement`); over sampled futures, its mean."""
        if self.futures is not None:
            return self.future_disagreement().mean(axis=0)
        return window_disagreement(self.silo_utility, self.model.utility_const, self.window_end)

    def future_disagreement(self) -> np.ndarray:
        """``[future, partner]`` silo utility up to the window's end on each sampled future."""
        assert self.futures is not None
        return future_disagreements(self.futures, self.model.utility_const, self.window_end)

    def begin(
        self,
        t: int,
        supply: np.ndarray,
        booked: np.ndarray | None = None,
        silo_utility: np.ndarray | None = None,
        futures: WindowFutures | None = None,
    ) -> None:
        """Open period t with ``supply[manufacturer, product, period]``: delivered before t, announced from t.

        The disagreement point is the silo campaign on the same supply: what each partner would get had
        nobody collaborated, with the same deliveries. ``booked`` are the first-dose appointments an earlier
        plan booked for t (values of :attr:`adm_now`): the plan keeps them when the doses allow.
        ``silo_utility[partner, period]`` is that silo campaign when the caller has it already. With
        ``futures`` the robust modes plan over them (:mod:`winwin.optimizer.rolling.futures_window`)."""
        self.futures = futures
        if futures is not None and futures.supply.shape[1:] != self.supply_rows.shape:
            raise ValueError(f"futures' supply has shape {futures.supply.shape[1:]}, expected {self.supply_rows.shape}")
        if t != self.t:
            raise ValueError(f"period {t} opened, expected {self.t}")
        expected = self.supply_rows.shape
        if supply.shape != expected:
            raise ValueError(f"supply has shape {supply.shape}, expected {expected}")
        self.silo_utility = (
            silo_period_utilities(self.model, self.col_period, silo_arrays(self.sc, supply))
            if silo_utility is None
            else silo_utility
        )
        rows = self.supply_rows[:, :, t:]
        ok = rows >= 0
        values = supply[:, :, t:][ok]
        self.ws.set_row_bounds(rows[ok], values, values)
        end = self.window_end
        future = self.decision & (self.col_period >= t)
        inside = np.nonzero(future & (self.col_period < end))[0]
        outside = np.nonzero(
            future & (self.col_period >= end) & (self.windowed | (self.col_period >= end + self.ship_reach))
        )[0]
        self.ws.set_col_bounds(inside, self.lb[inside], self.ub[inside])
        if outside.size:
            self.ws.set_col_bounds(outside, 0.0, 0.0)
        self._date_window()
        later = self.repair_period >= t
        self.ws.set_col_bounds(self.repair[later], 0.0, 0.0)
        self.repair_value[later] = 0.0
        self.booked = np.zeros(self.adm_now.size) if booked is None else np.maximum(booked, 0.0)
        if self.booked.shape != self.adm_now.shape:
            raise ValueError(f"booked has shape {self.booked.shape}, expected {self.adm_now.shape}")

    @property
    def adm_now(self) -> np.ndarray:
        """Columns of the first doses of the current period (the appointments due now)."""
        return self.adm_columns(self.t)

    def adm_columns(self, t: int) -> np.ndarray:
        """Columns of the first doses of period ``t`` (none after the horizon)."""
        return self._adm_by_period[t] if t < self.T else np.zeros(0, dtype=np.int64)

    def bookings(self, plan: WindowPlan) -> np.ndarray:
        """First doses ``plan`` books for the next period (values of its ``adm`` columns; over sampled futures,
        the bookings it made for all of them)."""
        t = plan.period + 1
        if plan.x is None or t >= self.T:
            return np.zeros(0)
        if plan.futures is not None:
            return plan.futures.bookings
        return np.maximum(plan.x[self._adm_by_period[t]], 0.0)

    def plan(
        self,
        mode: str,
        raised: np.ndarray | None = None,
        fallback: frozenset[int] = frozenset(),
        reservation: np.ndarray | None = None,
    ) -> WindowPlan:
        """Plan the window under ``mode``: ``raised[partner]`` is added to a partner's reservation (it asked
        for more), partners in ``fallback`` follow their silo rules and have no individual rationality.
        ``reservation`` replaces the individual-rationality right-hand sides (disagreement plus raise)
        outright: the reduced planner's class rows (:mod:`winwin.optimizer.rolling.reduced`)."""
        with self.ws.by_simplex():
            return self._plan(mode, raised, fallback, reservation)

    def _plan(
        self, mode: str, raised: np.ndarray | None, fallback: frozenset[int], reservation: np.ndarray | None
    ) -> WindowPlan:
        if mode not in PLANNED_MODES:
            raise ValueError(f"mode must be one of {', '.join(PLANNED_MODES)}, got {mode!r}")
        if self.futures is not None:
            if mode not in ROBUST_MODES:
                raise ValueError(f"over sampled futures the modes are {', '.join(ROBUST_MODES)}, got {mode!r}")
            robust = self._future_plan(mode, raised, fallback, reservation)
            if robust.has_plan:
                return robust
            # no robust win-win over these futures: the deterministic plan on the expected reservations stands
            futures, self.futures = self.futures, None
            try:
                mean = robust.disagreement + (0.0 if raised is None else raised)
                expected = mean if reservation is None else np.atleast_2d(reservation).mean(axis=0)
                det = self._plan(mode, None, fallback, expected)
            finally:
                self.futures = futures
            why = f"no robust plan over the futures ({robust.note}); the deterministic plan stands"
            return replace(det, disagreement=robust.disagreement, note=f"{why}. {det.note}".strip())
        start = time.perf_counter()
        base = self.disagreement()
        d = base + (np.zeros(base.size) if raised is None else raised)
        if reservation is not None:
            d = reservation
        self.neg.set_disagreement(d, exempt=set(fallback))
        self._switch_rules(fallback)
        now = self.adm_now
        cap = self.ub[now]

        def attempt() -> Outcome:
            return self._concept(mode, fallback)

        def ok(outcome: Outcome) -> bool:
            return outcome.plan.has_plan

        outcome, repaired = self._keeping_bookings(attempt, ok, cap)
        self.ws.set_col_bounds(now, 0.0, self.ub[now])
        seconds = time.perf_counter() - start
        self.solver_seconds += seconds
        P = base.size
        plan = outcome.plan
        if not plan.has_plan:
            nan = np.full(P, np.nan)
            return WindowPlan(
                mode, self.t, None, plan.status, nan, base, nan, nan, max(repaired, 0.0), seconds, outcome.note,
                outcome.name,
            )  # fmt: skip
        x = plan.solution()
        transfers = plan.transfers if plan.transfers is not None else np.zeros(P)
        subsidy = plan.subsidy if plan.subsidy is not None else np.zeros(P)
        utilities = plan.utilities()  # on the window's dates (its utility_adjust is −z), transfers, outside money
        return WindowPlan(
            mode, self.t, x, plan.status, utilities, base, transfers, subsidy, max(repaired, 0.0), seconds, outcome.note,
            outcome.name,
        )  # fmt: skip

    def _future_plan(
        self, mode: str, raised: np.ndarray | None, fallback: frozenset[int], reservation: np.ndarray | None
    ) -> WindowPlan:
        """The window planned over this week's sampled futures (:mod:`~winwin.optimizer.rolling.futures_window`):
        ``reservation[future, partner]`` replaces each future's disagreement point plus raise (the reduced
        planner's class rows). The plan's utilities are each partner's expected utility on the window's dates,
        its disagreement point the expected silo utility; its side payments are settled ex ante on the
        expected gains (with free transfers the least that makes every partner whole in expectation;
        the simulation's final settlement tops up on the realised campaign)."""
        assert self.futures is not None
        start = time.perf_counter()
        base_k = self.future_disagreement()
        base = base_k.mean(axis=0)
        D = base_k + (0.0 if raised is None else raised)
        if reservation is not None:
            D = np.broadcast_to(reservation, base_k.shape).copy()
        if mode == "central":
            D[:] = -np.inf
        D[:, list(fallback)] = -np.inf
        self.neg.set_disagreement(base, exempt=set(fallback))
        self._switch_rules(fallback)
        sol = self._solve_futures(D)
        seconds = time.perf_counter() - start
        self.solver_seconds += seconds
        P = base.size
        concept = "joint" if mode == "central" else "winwin"
        note = f"{self.futures.count} futures, extensive form {sol.size[0]:,} × {sol.size[1]:,}"
        if not sol.ok or sol.points is None or sol.bookings is None:
            nan = np.full(P, np.nan)
            return WindowPlan(
                mode, self.t, None, sol.status, nan, base, nan, nan, 0.0, seconds, f"{note}: {sol.message}", concept
            )
        n, m = self.model.n_vars, self.model
        xs = sol.points[:, :n]
        dated = np.array([m.utilities(x) for x in xs]) - sol.points[:, self.neg.tail]
        layout = self.neg.layout
        if mode == "central" or layout.mode == "none":
            transfers = np.zeros(P)
        elif layout.mode == "any":
            transfers = make_whole((dated - D).mean(axis=0))
        else:
            transfers = np.asarray(layout.T @ sol.points[:, self.neg.f_cols].mean(axis=0)).ravel()
        repairs = np.zeros((sol.points.shape[0], len(self.sc.sites), len(self.sc.products), self.T))
        ahead = self.repair_period >= self.t
        repairs[:, self.repair_site[ahead], self.repair_product[ahead], self.repair_period[ahead]] = sol.points[
            :, self.repair[ahead]
        ]
        repaired = float(repairs[0, :, :, self.t].sum())
        future = FuturePlan(xs, repairs, sol.bookings, dated, D, float(sol.objective or 0.0), sol.size)
        utilities = dated.mean(axis=0) + transfers
        return WindowPlan(
            mode, self.t, xs[0].copy(), sol.status, utilities, base, transfers, np.zeros(P), repaired, seconds,
            note, concept, future,
        )  # fmt: skip

    def _solve_futures(self, reservation: np.ndarray) -> FutureSolution:
        """The extensive form over this week's futures on the workspace as it stands (bounds set for the week)."""
        assert self.futures is not None
        self.neg.reset()
        self.neg.set_ir(False)
        self.neg.set_px_floor(None)
        self.neg.set_subsidy(None)
        t, m = self.t, self.model
        shared = np.nonzero((self.col_period == t) | (self.col_period < 0))[0]
        program = FutureProgram(
            live=self.ws.live(),
            objective=self.neg.objective(m.px),
            welfare=self.neg.welfare(),
            shared=shared,
            supply_rows=self.supply_rows,
            period=t,
            ir_rows=self.neg.ir_rows,
            utility_const=m.utility_const,
            now=self.adm_now,
            booked=np.minimum(self.booked, self.ub[self.adm_now]),
            booking=self.adm_columns(t + 1) if t + 1 < self.window_end else np.zeros(0, dtype=np.int64),
            repair_now=self.repair[self.repair_period == t],
            repair=self.repair[self.repair_period > t],
            miss_px=self.miss_px,
            cancel_px=self.cancel_px,
        )
        return solve_futures(program, self.futures, reservation, self.neg.ws.time_limit)

    def _keepable(self, cap: np.ndarray) -> np.ndarray | None:
        """Most booked first doses of this period that can still be given (per column), at most ``cap``
        (the model's bounds, or what the plan says during execution); zeros without solving when nothing
        is booked; None when the program is infeasible however few are kept (second doses need repair)."""
        now = self.adm_now
        if not self.booked.any():
            return np.zeros(now.size)
        self.neg.plain()
        self.ws.set_col_bounds(now, 0.0, np.minimum(self.booked, cap))
        c = np.zeros(self.ws.n_cols)
        c[now] = 1.0
        sol = self.ws.solve(c)
        self.ws.set_col_bounds(now, 0.0, cap)
        if not sol.ok or sol.x is None:
            return None
        return np.clip(sol.x[now] * (1 - 1e-9), 0.0, self.booked)

    def _keeping_bookings(
        self, attempt: Callable[[], _R], ok: Callable[[_R], bool], cap: np.ndarray, keepable: np.ndarray | None = None
    ) -> tuple[_R, float]:
        """Run ``attempt`` with this period's first doses at most ``cap`` and at least the bookings that can
        still be kept (one plain solve finds them, unless the caller knows them: ``keepable``); failing that,
        with none. Second doses booked earlier
        that cannot all be given (the program is infeasible whatever is kept) are repaired first: the
        fewest are cancelled. Returns the result (bounds left at the last try) and the doses repaired
        (-1: not even a repair helps).

        Every booking is asked for first: with the week's deliveries known when the bookings were made, a
        booking is out of reach in few weeks (belgium-2021 seed 0: 3 of 25), and the solve that finds the
        keepable ones is saved in the others. (Before, with bookings made blind, a shortfall made some
        booking impossible in most weeks and asking first cost 104 infeasible solves, 14 s of 54 s.)"""
        adm = self.adm_now
        if keepable is None and self.booked.any():  # every booking kept: the usual week, no solve to find it
            self.ws.set_col_bounds(adm, np.minimum(self.booked, cap) * (1 - 1e-9), cap)
            result = attempt()
            if ok(result):
                return result, 0.0
        repaired, tried = 0.0, False
        lower = self._keepable(cap) if keepable is None else keepable
        if lower is None:
            repaired, tried = self._repair(), True
            lower = self._keepable(cap) if repaired >= 0 else None
        lower = np.zeros(adm.size) if lower is None else lower
        self.ws.set_col_bounds(adm, lower, cap)
        result = attempt()
        if not ok(result) and lower.any():
            self.ws.set_col_bounds(adm, 0.0, cap)
            result = attempt()
        if not ok(result) and not tried:  # nothing checked above (nothing booked): repair, try again
            repaired = self._repair()
            if repaired >= 0:
                result = attempt()
        return result, repaired

    def _concept(self, mode: str, fallback: frozenset[int]) -> Outcome:
        if mode == "central":
            return self.neg.joint()
        ww = self.neg.winwin()
        if mode == "winwin" or fallback or not ww.plan.has_plan:
            return ww
        assert mode in SPLITS
        try:
            return self.neg.split(mode, self.epsilon)
        except BargainingError as exc:  # e.g. no gain to split in this window: the win-win plan stands
            return replace(ww, note=f"{mode} split failed ({exc}); the win-win plan stands")

    def _switch_rules(self, fallback: frozenset[int]) -> None:
        if self.rule_rows.size == 0:
            return
        on = np.isin(self.rule_partner, list(fallback)) & (self.rule_period >= self.t)
        on &= self.rule_period < self.window_end
        lo = np.where(on, 0.0, -np.inf)
        hi = np.where(on, 0.0, np.inf)
        self.ws.set_row_bounds(self.rule_rows, lo, hi)

    def _repair(self) -> float:
        """Open the repair columns of periods ≥ t, minimise their total, fix them there; -1 if even that
        is infeasible."""
        self.neg.plain()
        cols = self.repair[self.repair_period >= self.t]
        self.ws.set_col_bounds(cols, 0.0, np.inf)
        c = np.zeros(self.ws.n_cols)
        c[cols] = 1.0
        sol = self.ws.solve(c, maximize=False)
        if not sol.ok or sol.x is None:
            self.ws.set_col_bounds(cols, 0.0, 0.0)
            self.repair_value[self.repair_period >= self.t] = 0.0
            return -1.0
        v = np.maximum(sol.x[cols], 0.0)
        self.ws.set_col_bounds(cols, v, v)
        self.repair_value[self.repair_period >= self.t] = v
        return float(v.sum())

    def execute(self, plan: WindowPlan, delivered: np.ndarray, disrupted: np.ndarray | None = None) -> Execution:
        """Reality in period t: ``delivered[manufacturer, product]`` doses, ``disrupted[distributor]`` flags;
        fix the period's executed flows and advance to t + 1."""
        if not plan.has_plan or plan.x is None:
            raise ValueError(f"period {self.t}: no plan to execute ({plan.status.value})")
        with self.ws.by_simplex():
            return self._execute(plan, delivered, disrupted)

    def _execute(self, plan: WindowPlan, delivered: np.ndarray, disrupted: np.ndarray | None) -> Execution:
        assert plan.x is not None
        start = time.perf_counter()
        t, m = self.t, self.model
        rows = self.supply_rows[:, :, t]
        ok = rows >= 0
        self.ws.set_row_bounds(rows[ok], delivered[ok], delivered[ok])
        disrupted_rows = np.zeros(0, dtype=np.int64)
        if disrupted is not None and self.throughput_rows is not None and disrupted.any():
            d = np.nonzero(disrupted)[0]
            r = self.throughput_rows[d, t]
            has = r >= 0
            disrupted_rows = r[has]
            cap = self.sc.throughput[d[has], t]
            self.ws.set_row_bounds(disrupted_rows, -np.inf, cap * DISRUPTED_THROUGHPUT)
        now = np.nonzero(self.decision & (self.col_period == t))[0]
        planned = np.maximum(plan.x[now], 0.0)
        self.ws.set_col_bounds(now, np.zeros(now.size), planned)
        if plan.futures is not None:
            # a plan over sampled futures weighed its courses' later second doses in every future: reality does
            # not judge them again on one forecast (they are kept or missed when they fall due; :meth:`begin`
            # closes these repairs again)
            self.ws.set_col_bounds(self.repair[self.repair_period > t], 0.0, np.inf)
        self.neg.plain()
        # do as much of what the plan says for this period as reality allows: booked appointments first,
        # then every planned unit, doses with more PX a little more. Undisturbed, the plan itself is
        # feasible (the week's deliveries were known when it was made) and reality is the plan. A disruption
        # forces a departure: then the patients come first (the most PX the window can still reach with
        # this period at most the plan), the plan's units second.
        weight = np.zeros(m.n_vars)
        weight[now] = 1.0 + m.px[now] / (float(np.abs(m.px).max(initial=0.0)) or 1.0)
        weight[self.waste_from(t)] = -WASTE_WEIGHT  # no dose is thrown away that need not be
        objective = self.neg.objective(weight)
        planned_adm = np.maximum(plan.x[self.adm_now], 0.0)
        px = self.neg.objective(m.px)

        def attempt() -> LpSolution:
            if disrupted_rows.size:
                return self.neg.lexicographic(px, objective)
            return self.ws.solve(objective)

        def solved(sol: LpSolution) -> bool:
            return sol.ok

        # without a disruption the plan itself is feasible here (the week's deliveries were known when it was
        # made): it keeps min(booked, planned) of the bookings, and no solve is needed to find them
        keepable = None if disrupted_rows.size else np.minimum(self.booked, planned_adm) * (1 - 1e-9)
        sol, repaired = self._keeping_bookings(attempt, solved, planned_adm, keepable)
        note = "second doses repaired" if repaired > 0 else ""
        if not sol.ok and disrupted_rows.size:  # a disrupted hub would overflow its storage: it dispatches
            self.ws.set_row_bounds(disrupted_rows, -np.inf, cap)
            sol = attempt()
            note = "disruption absorbed"
        limit = planned
        if not sol.ok:  # the plan cannot be followed at all this period: partners do what they can
            limit = self.ub[now]
            self.ws.set_col_bounds(now, np.zeros(now.size), limit)
            if self._repair() >= 0:
                sol = self.ws.solve(objective)
            note = "plan abandoned this period"
        if not sol.ok or sol.x is None:
            raise SolverError(f"period {t}: reality has no feasible execution ({sol.status.value}: {sol.message})")
        y = sol.x
        done = np.maximum(y[now], 0.0) * np.where(self.first_dose[now], 1.0 - SAFETY, 1.0)
        executed = np.where(np.abs(y[now]) < 1e-9, 0.0, np.minimum(done, limit))
        self.ws.set_col_bounds(now, executed, executed)
        x = y[: m.n_vars].copy()
        x[now] = executed
        self.x = x
        adm_now = self.adm_now
        first = float(x[adm_now].sum())
        cancelled = float(np.maximum(self.booked - x[adm_now], 0.0).sum())
        here = self.repair_period == t
        repair = np.zeros((len(self.sc.sites), len(self.sc.products)))
        np.add.at(repair, (self.repair_site[here], self.repair_product[here]), np.maximum(y[self.repair[here]], 0.0))
        missed_by_site = repair.sum(axis=1)
        missed = float(missed_by_site.sum())
        self._retire(t, x, y)
        seconds = time.perf_counter() - start
        self.solver_seconds += seconds
        self.t += 1
        return Execution(t, x, sol.status, first, cancelled, missed, missed_by_site, seconds, note, repair)

    def repairs(self) -> np.ndarray:
        """``[site, product, period]`` second-dose appointments cancelled, executed or planned (the repair
        columns' values)."""
        out = np.zeros((len(self.sc.sites), len(self.sc.products), self.T))
        out[self.repair_site, self.repair_product, self.repair_period] = self.repair_value
        return out

    def replay(self, executed: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Take over a run at period ``len(executed)``: each period's executed model columns and its
        ``[site, product]`` repaired second doses retire as if this planner had executed them."""
        if self.t != 0:
            raise ValueError(f"replay starts a fresh planner; this one is at period {self.t}")
        for t, (x, repair) in enumerate(executed):
            y = np.zeros(self.ws.n_cols)
            here = self.repair_period == t
            y[self.repair[here]] = repair[self.repair_site[here], self.repair_product[here]]
            self._retire(t, x, y)
            self.x = x
            self.t = t + 1
