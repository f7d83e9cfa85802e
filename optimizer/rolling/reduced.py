"""Rolling planning on the model with interchangeable sites merged, answered at full resolution (issue 20).

:class:`ReducedPlanner` has the interface of :class:`~winwin.optimizer.rolling.planner.RollingPlanner`
(the ecosystem and the coordinator cannot tell them apart): its workspace holds the reduced model of
:func:`~winwin.optimizer.allocation.aggregate.reduce_sites`, and every array it takes or gives is over the full
model's columns, partners and sites. A class member's columns are its share ``λ_s/Λ`` of the class's
(:meth:`~winwin.optimizer.allocation.aggregate.Reduction.lift`); bookings handed in are summed per class.

Why the reduced window plan is the full model's. Every shared row and objective (PX, Σ utilities) reads
members' columns summed, so a proportional plan is worth the same in both models and any full plan,
summed per class, is a reduced plan (``aggregate``'s module docstring). What remains is individual
rationality, per *member* ``s`` of class ``C`` (``u`` its utility, ``c_s`` its constant, ``d_s`` its
disagreement utility plus raise, ``τ`` transfers):

- free transfers (``any``): the rows ``U_p + τ_p ≥ d_p`` with ``Σ τ_p = 0`` say only ``Σ_p U_p ≥ Σ_p d_p``;
  the class row gets ``d_C = Σ_{s∈C} d_s`` and the program is the full one. The side payments are then
  settled at full resolution, as the full negotiation settles them: the win-win plan by
  :func:`~winwin.optimizer.concepts.certificate.make_whole` on the members' gains, a split by the same
  concept on the full partners (:func:`~winwin.optimizer.concepts.negotiation.split_surplus`);
- otherwise a member's row reads ``λ_s/Λ · (U_C − c_C + τ_C) + c_s ≥ d_s``, so the class row needs
  ``d_C = c_C + max_s (d_s − c_s)·Λ/λ_s``. When the ratios differ (a raise for one member, a silo that is not
  proportional) the reduced program is a restriction of the full one, and split concepts are not
  invariant under merging players of different sizes: in those cases the planner hands the run over to
  the full model.

Checks at full resolution, every window: the lifted plan meets every row and bound of the full allocation
model (:data:`~winwin.optimizer.allocation.joint.LIFT_TOLERANCE`), its PX computed by the full model equals the
reduced one, and a plan the reduced program certifies win-win is win-win for every full partner. When a
check fails, or a member of a class leaves the deal (its silo rules break the class's symmetry), the
planner switches to the full model for the rest of the run: a
:class:`~winwin.optimizer.rolling.planner.RollingPlanner` on the full scenario takes over the executed
periods (:meth:`~winwin.optimizer.rolling.planner.RollingPlanner.replay`) and :attr:`ReducedPlanner.switched`
says why.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from winwin.data import Scenario
from winwin.optimizer.allocation.aggregate import Reduction, reduce_sites, relative_violation
from winwin.optimizer.allocation.joint import LIFT_TOLERANCE
from winwin.optimizer.allocation.model import AllocationModel, build_allocation_model
from winwin.optimizer.allocation.silo import silo_arrays
from winwin.optimizer.allocation.variables import site_nodes
from winwin.optimizer.concepts import certificate
from winwin.optimizer.concepts.bargaining import BargainingError
from winwin.optimizer.concepts.negotiation import SPLITS, free_transfers
from winwin.optimizer.rolling.futures_window import WindowFutures
from winwin.optimizer.rolling.planner import (
    Execution,
    FuturePlan,
    RollingPlanner,
    WindowPlan,
    column_periods,
    future_disagreements,
    row_index,
    silo_period_utilities,
    window_disagreement,
    window_utilities,
)


def plan_violation(model: AllocationModel, x: np.ndarray, supply: np.ndarray, repairs: np.ndarray) -> float:
    """Largest relative violation of plan ``x`` on ``model``'s rows with ``supply[manufacturer, product, period]``
    in the supply rows and ``repairs[site, product, period]`` second doses missed in the sites' stock rows."""
    lp, sc = model.lp, model.scenario
    activity = model.A @ x
    rows = row_index(lp, "conservation")[site_nodes(sc)]
    has = rows >= 0
    np.subtract.at(activity, rows[has], repairs[has])
    lo, hi = lp.row_lb.copy(), lp.row_ub.copy()
    supply_rows = row_index(lp, "supply")[: len(sc.manufacturers)]
    has = supply_rows >= 0
    lo[supply_rows[has]] = hi[supply_rows[has]] = supply[has]
    return relative_violation(model, x, activity, lo, hi)


class ReducedPlanner:
    """A :class:`RollingPlanner` on the reduced model, with full-resolution inputs and answers (module
    docstring)."""

    def __init__(
        self,
        scenario: Scenario,
        reduction: Reduction,
        transfers: str = "scenario",
        lookahead: int | None = None,
        time_limit: float | None = None,
        epsilon: float = 0.01,
    ) -> None:
        self.sc = scenario
        self.reduction = reduction
        self._args = (transfers, lookahead, time_limit, epsilon)
        self.inner = RollingPlanner(reduction.reduced, transfers, lookahead, time_limit, epsilon)
        self.model: AllocationModel = build_allocation_model(scenario)
        self.col_period = column_periods(self.model.lp)
        self.T = scenario.T
        self._cols, self._share = reduction.column_map(self.model, self.inner.model)
        self._partner, self._partner_share = reduction.partner_map()
        adm = self.model.lp.var_blocks["adm"].columns()
        self._adm_by_period = [adm[self.col_period[adm] == t] for t in range(self.T)]
        self.booked = np.zeros(self._adm_by_period[0].size)
        self.silo_utility = np.zeros((len(scenario.partners), self.T))
        self.x = np.zeros(self.model.n_vars)
        self.full: RollingPlanner | None = None
        self.switched = ""
        """Why the run left the reduced model (empty while it has not)."""
        self._executed: list[tuple[np.ndarray, np.ndarray]] = []
        self._last: tuple[WindowPlan, WindowPlan] | None = None
        self._switch_seconds = 0.0
        member = np.zeros(len(scenario.partners), dtype=bool)
        sites = scenario.partners.positions(list(scenario.sites.ids))
        for c in reduction.classes:
            member[sites[list(c)]] = True
        self._member = member
        """Partners that share a reduced partner with other partners."""
        self._futures: WindowFutures | None = None

    # ------------------------------------------------------------------ the planner's interface
    @property
    def t(self) -> int:
        return self.full.t if self.full else self.inner.t

    @property
    def lookahead(self) -> int:
        return self.inner.lookahead

    @property
    def window_end(self) -> int:
        return min(self.T, self.t + self.lookahead)

    @property
    def transfer_mode(self) -> str:
        return self.inner.transfer_mode

    @property
    def solver_seconds(self) -> float:
        return self.inner.solver_seconds + self._switch_seconds + (self.full.solver_seconds if self.full else 0.0)

    @property
    def model_info(self) -> dict[str, Any]:
        """Which model plans (``reduced`` or ``full``), its size against the full model's, and why it switched."""
        info = self.reduction.report(self.model, self.inner.model)
        if self.switched:
            info |= {"model": "full", "fallback": self.switched}
        return info

    def adm_columns(self, t: int) -> np.ndarray:
        return self._adm_by_period[t] if t < self.T else np.zeros(0, dtype=np.int64)

    @property
    def adm_now(self) -> np.ndarray:
        return self.adm_columns(self.t)

    def disagreement(self) -> np.ndarray:
        if self._futures is not None:
            return self.future_disagreement().mean(axis=0)
        return window_disagreement(self.silo_utility, self.model.utility_const, self.window_end)

    def future_disagreement(self) -> np.ndarray:
        """``[future, partner]`` silo utility up to the window's end on each sampled future (full partners)."""
        assert self._futures is not None
        return future_disagreements(self._futures, self.model.utility_const, self.window_end)

    def begin(
        self,
        t: int,
        supply: np.ndarray,
        booked: np.ndarray | None = None,
        silo_utility: np.ndarray | None = None,
        futures: WindowFutures | None = None,
    ) -> None:
        """Open period t (see :meth:`RollingPlanner.begin`); ``booked`` over the full model's columns, ``futures``
        over the full partners."""
        self._futures = futures
        if self.full:
            self.full.begin(t, supply, booked, silo_utility, futures)
            self.booked = self.full.booked
            return
        self.silo_utility = (
            silo_period_utilities(self.model, self.col_period, silo_arrays(self.sc, supply))
            if silo_utility is None
            else silo_utility
        )
        self.booked = np.zeros(self.adm_columns(t).size) if booked is None else np.maximum(booked, 0.0)
        if self.booked.shape != self.adm_columns(t).shape:
            raise ValueError(f"booked has shape {self.booked.shape}, expected {self.adm_columns(t).shape}")
        self._supply = supply
        by_class = np.zeros((len(self.reduction.reduced.partners), self.T))
        np.add.at(by_class, self._partner, self.silo_utility)  # the inner planner's own is not used
        inner_futures = None
        if futures is not None:  # the inner planner's reservations come from :meth:`_class_reservation`
            futures_by_class = np.zeros((futures.count, *by_class.shape))
            for k in range(futures.count):
                np.add.at(futures_by_class[k], self._partner, futures.silo_utility[k])
            inner_futures = WindowFutures(futures.supply, futures_by_class, futures.beta, futures.keep)
        self.inner.begin(t, supply, self._reduce_adm(t, self.booked), by_class, inner_futures)

    def plan(self, mode: str, raised: np.ndarray | None = None, fallback: frozenset[int] = frozenset()) -> WindowPlan:
        """Plan the window under ``mode`` (see :meth:`RollingPlanner.plan`), on the reduced model while it is
        exact (module docstring)."""
        if not self.full:
            reason = self._inexact(mode, raised, fallback)
            if not reason:
                plan, reason = self._reduced_plan(mode, raised, fallback)
                if not reason:
                    return plan
            self._switch(reason)
        assert self.full is not None
        return self.full.plan(mode, raised, fallback)

    def bookings(self, plan: WindowPlan) -> np.ndarray:
        t = plan.period + 1
        if plan.x is None or t >= self.T:
            return np.zeros(0)
        if plan.futures is not None:
            return plan.futures.bookings
        return np.maximum(plan.x[self._adm_by_period[t]], 0.0)

    def execute(self, plan: WindowPlan, delivered: np.ndarray, disrupted: np.ndarray | None = None) -> Execution:
        """Reality in period t (see :meth:`RollingPlanner.execute`), answered over the full model."""
        if self.full:
            return self.full.execute(plan, delivered, disrupted)
        if self._last is None or self._last[0] is not plan:
            raise ValueError("execute the plan the reduced planner made last")
        done = self.inner.execute(self._last[1], delivered, disrupted)
        x = self._lift(done.x)
        site_map, shares = self.reduction.site_map, self.reduction.shares
        assert done.repair is not None
        repair = done.repair[site_map] * shares[:, None]
        self._executed.append((x, repair))
        self.x = x
        return replace(done, x=x, missed_by_site=repair.sum(axis=1), repair=repair)

    # ------------------------------------------------------------------ reduced ↔ full
    def _lift(self, y: np.ndarray) -> np.ndarray:
        return y[self._cols] * self._share

    def _reduce_adm(self, t: int, values: np.ndarray) -> np.ndarray:
        """Values over the full model's first-dose columns of period t, summed per reduced column."""
        inner = self.inner.adm_columns(t)
        at = np.searchsorted(inner, self._cols[self.adm_columns(t)])
        out = np.zeros(inner.size)
        np.add.at(out, at, values)
        return out

    def _lift_repairs(self, repairs: np.ndarray) -> np.ndarray:
        """``[site, product, period]`` repaired second doses of the reduced sites, shared out to their members."""
        return repairs[self.reduction.site_map] * self.reduction.shares[:, None, None]

    def _violation(self, x: np.ndarray, supply: np.ndarray | None = None, repairs: np.ndarray | None = None) -> float:
        """The lifted plan ``x`` on the full model's rows as the planner holds them: supply at what was
        delivered and announced (or ``supply``: a sampled future's), the repaired second doses (lifted like
        every site column; or ``repairs``, a future's) in the sites' conservation rows."""
        repairs = self._lift_repairs(self.inner.repairs()) if repairs is None else repairs
        return plan_violation(self.model, x, self._supply if supply is None else supply, repairs)

    def _inexact(self, mode: str, raised: np.ndarray | None, fallback: frozenset[int]) -> str:
        """Why the reduced program would not be the full one for this plan (empty when it is)."""
        left = [self.sc.partners.ids[p] for p in sorted(fallback) if self._member[p]]
        if left:
            return f"{', '.join(left)} left the deal: its silo rules break its class's symmetry"
        if self._futures is not None and self.transfer_mode != "any":
            return "planning over sampled futures on the reduced model needs free side payments"
        if self.transfer_mode != "any" and mode in SPLITS:
            return f"a {mode} split without free transfers is not invariant under merging sites"
        if self.transfer_mode != "any":
            ratio = self._ratios(self._reservation_full(raised))
            for c in self.reduction.classes:
                r = ratio[self._site_partners(c)]
                if np.ptp(r) > certificate.tolerance(r):
                    return "the reservations of a class's members are not proportional to their sizes"
        return ""

    def _site_partners(self, members: tuple[int, ...]) -> np.ndarray:
        return np.asarray(self.sc.partners.positions([self.sc.sites.ids[s] for s in members]))

    def _reservation_full(self, raised: np.ndarray | None) -> np.ndarray:
        d = self.disagreement()
        return d if raised is None else d + raised

    def _ratios(self, d: np.ndarray) -> np.ndarray:
        """``(d_p − c_p)·Λ/λ_p``: a partner's reservation on its class's scale."""
        return (d - self.model.utility_const) / self._partner_share

    def _class_reservation(self, d: np.ndarray) -> np.ndarray:
        """The reduced partners' individual-rationality right-hand sides (module docstring)."""
        P = len(self.reduction.reduced.partners)
        if self.transfer_mode == "any":
            out = np.zeros(P)
            np.add.at(out, self._partner, d)
            return out
        out = np.full(P, -np.inf)
        np.maximum.at(out, self._partner, self._ratios(d))
        return out + self.inner.model.utility_const

    def _reduced_plan(self, mode: str, raised: np.ndarray | None, fallback: frozenset[int]) -> tuple[WindowPlan, str]:
        d = self._reservation_full(raised)
        exempt = frozenset(int(self._partner[p]) for p in fallback)
        reservation = self._class_reservation(d)
        d_k = None
        if self._futures is not None:  # each future's reservations (plus raises), per class
            d_k = self.future_disagreement() + (0.0 if raised is None else raised)
            reservation = np.array([self._class_reservation(row) for row in d_k])
        small = self.inner.plan(mode, None, exempt, reservation)
        base = self.disagreement()
        P = base.size
        if not small.has_plan or small.x is None:
            nan = np.full(P, np.nan)
            plan = replace(small, x=None, utilities=nan, disagreement=base, transfers=nan, subsidy=nan)
            self._last = (plan, small)
            return plan, ""
        y = small.x
        x = self._lift(y)
        futures = None
        if small.futures is not None and d_k is not None and self._futures is not None:
            futures = self._lift_futures(small.futures, d_k)
            supply = self._futures.supply[0]  # the plan's x is the first future's
            violation = self._violation(x, supply, futures.repairs[0])
            # an interior point without crossover meets the rows to its own tolerance: the lift may add nothing
            tolerance = LIFT_TOLERANCE + plan_violation(self.inner.model, y, supply, small.futures.repairs[0])
        else:
            violation, tolerance = self._violation(x), LIFT_TOLERANCE
        px, px_small = float(self.model.px @ x), float(self.inner.model.px @ y)
        if violation > tolerance or abs(px - px_small) > 1e-9 * max(1.0, abs(px)):
            return small, f"period {self.t}: the lifted plan fails the full model (violation {violation:.2e})"
        subsidy = small.subsidy[self._partner] * self._partner_share
        if futures is not None:  # expected utility and reservation over the futures (RollingPlanner._future_plan)
            dated, d = futures.dated.mean(axis=0), futures.reservation.mean(axis=0)
        else:
            dated = window_utilities(self.model, self.col_period, x, self.window_end)  # as the silo's, on its dates
        h = dated - d + subsidy
        try:
            transfers = self._transfers(small, h)
        except BargainingError as exc:  # as the full planner does: the win-win plan and settlement stand
            small = replace(small, concept="winwin", note=f"{mode} split failed ({exc}); the win-win plan stands")
            transfers = self._transfers(small, h)
        utilities = dated + transfers + subsidy
        plan = replace(
            small, x=x, utilities=utilities, disagreement=base, transfers=transfers, subsidy=subsidy, futures=futures
        )
        if small.concept != "joint":
            cap = self.sc.spec.money.subsidy_cap
            if reservation.ndim == 2:  # over sampled futures: in expectation
                reservation = reservation.mean(axis=0)
            was = certificate.check(small.utilities - reservation, reservation,
                                    float(small.transfers.sum()), float(small.subsidy.sum()), cap)  # fmt: skip
            now = certificate.check(utilities - d, d, float(transfers.sum()), float(subsidy.sum()), cap,
                                    tuple(self.sc.partners.ids))  # fmt: skip
            if was.holds and not now.holds:
                return plan, f"period {self.t}: win-win on the reduced model, not for {', '.join(now.losers)}"
        self._last = (plan, small)
        return plan, ""

    def _lift_futures(self, small: FuturePlan, reservation: np.ndarray) -> FuturePlan:
        """A plan over sampled futures at full resolution: every future's columns, repairs and dated utilities,
        the bookings, and the full partners' reservations ``reservation[future, partner]``."""
        xs = np.array([self._lift(y) for y in small.x])
        end = self.window_end
        dated = np.array([window_utilities(self.model, self.col_period, x, end) for x in xs])
        booking = np.zeros(self.inner.model.n_vars)
        t = self.t + 1
        if t < self.T:
            booking[self.inner.adm_columns(t)] = small.bookings
        bookings = self._lift(booking)[self.adm_columns(t)] if t < self.T else np.zeros(0)
        repairs = np.array([self._lift_repairs(r) for r in small.repairs])
        return FuturePlan(xs, repairs, bookings, dated, reservation, small.objective, small.size)

    def _transfers(self, small: WindowPlan, h: np.ndarray) -> np.ndarray:
        """Side payments per full partner, settled on their gains before transfers ``h`` as the full
        negotiation settles them."""
        if self.transfer_mode != "any":
            return small.transfers[self._partner] * self._partner_share
        weights = np.array([p.bargaining_power for p in self.sc.spec.partners])
        out = free_transfers(small.concept, h, tuple(self.sc.partners.ids), weights)
        return np.zeros(h.size) if out is None else out

    def _switch(self, reason: str) -> None:
        """Hand the run over to a full-model planner that takes over the executed periods."""
        start = time.perf_counter()
        transfers, lookahead, time_limit, epsilon = self._args
        full = RollingPlanner(self.sc, transfers, lookahead, time_limit, epsilon, model=self.model)
        full.replay(self._executed)
        full.begin(self.t, self._supply, self.booked, futures=self._futures)
        self.full = full
        self.switched = reason
        self._switch_seconds = time.perf_counter() - start


def rolling_planner(
    scenario: Scenario,
    transfers: str = "scenario",
    lookahead: int | None = None,
    time_limit: float | None = None,
    epsilon: float = 0.01,
    exact: bool = False,
) -> RollingPlanner | ReducedPlanner:
    """The planner of a simulation run: on the reduced model when sites merge and ``exact`` is not asked."""
    reduction = None if exact else reduce_sites(scenario)
    if reduction is None:
        return RollingPlanner(scenario, transfers, lookahead, time_limit, epsilon)
    return ReducedPlanner(scenario, reduction, transfers, lookahead, time_limit, epsilon)
