"""The ecosystem world: partners, patient cohorts and the coordinator stepped through the horizon (DESIGN §8).

Each period t:

1. **Announce** — manufacturers announce their supply for the periods ahead (:meth:`ManufacturerAgent.announce`);
   a supply cut becomes known when it starts. This week's deliveries are drawn from each manufacturer's
   reliability and are in hand when the week is planned: the plan ships what arrived, and the first doses
   it books for next week (one lead time later) are made knowing them, as the silo rules act on what
   arrived. Distributors' disruptions are drawn too (the random numbers in the same order in every mode)
   but stay a surprise until reality.
2. **Plan** — the coordinator plans the window under the governance mode on the one model built for the run
   (:class:`winwin.optimizer.rolling.planner.RollingPlanner`); under ``silo`` nobody plans, every partner follows its rules.
   With ``planner = "robust"`` it plans over ``futures`` futures of the weeks ahead sampled from its belief
   (:meth:`EcosystemModel.sampled_futures`; :mod:`winwin.optimizer.rolling.futures_window`).
3. **Negotiate** — partners accept or reject; re-plans raise a rejecting partner's individual rationality;
   a partner still unhappy falls back to its silo rules (:class:`winwin.agents.coordinator.CoordinatorAgent`).
4. **Reality** — distributors' disruptions strike; shipments, first and second doses and expiry follow
   (the planner's execution step, or the silo rules on the delivered supply); booked appointments without
   doses are cancelled.
5. **Cohorts** — vaccinated, waiting, cancellations, travel, satisfaction.
6. **Learn** — partners decide whether to share data next period.

The counterfactual of every period is the silo campaign on the same deliveries: each partner's gain is its
realised utility minus its utility there. Side payments agreed in the latest deal are settled at the end
of the run, against the realised campaign: a partner still below its silo utility then gets the shortfall
from the partners who gained, in proportion to their gains (:meth:`EcosystemModel.settle`). The model
owns its random generator (``self.rng``, seeded): a run is a pure function of the scenario, the settings
and the seed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import mesa
import numpy as np

from winwin.agents.cohorts import PatientCohort
from winwin.agents.coordinator import CoordinatorAgent, Negotiated
from winwin.agents.partners import AGENT_CLASSES, DistributorAgent, ManufacturerAgent, PartnerAgent
from winwin.data import Scenario
from winwin.data.errors import SolverError
from winwin.data.schema import SupplyCut
from winwin.models.beliefs import DeliveryBelief, critical_ratio
from winwin.models.settings import SimulationSettings, check_planner
from winwin.models.world import draw_world
from winwin.optimizer.allocation.constraints import adm_coords
from winwin.optimizer.allocation.model import AllocationModel, build_allocation_model
from winwin.optimizer.allocation.silo import (
    SiloRun,
    cancellation_adjust,
    course_adjust,
    course_px_lost,
    missed_adjust,
    silo_vector,
)
from winwin.optimizer.concepts import make_whole
from winwin.optimizer.rolling.futures_window import WindowFutures
from winwin.optimizer.rolling.planner import (
    RollingPlanner,
    column_periods,
    period_utilities,
    silo_period_utilities,
)
from winwin.optimizer.rolling.reduced import ReducedPlanner, rolling_planner

FUTURES_STREAM = 22
"""The robust planner's futures are drawn from ``(seed, FUTURES_STREAM, week)``: apart from the world's draws."""


class EcosystemModel(mesa.Model):
    """One simulation run of one scenario under one governance mode."""

    def __init__(self, scenario: Scenario, settings: SimulationSettings | None = None, seed: int = 0) -> None:
        super().__init__(seed=seed)
        self.sc = sc = scenario
        self.settings = s = settings or SimulationSettings()
        self.seed = seed
        self.periods = min(s.periods or sc.T, sc.T)
        self.period = 0
        self.world = draw_world(sc, s.announce_noise, self.rng)
        """Every random draw of the run, made before it (:mod:`winwin.models.world`)."""
        self.belief = DeliveryBelief.prior(len(sc.manufacturers))
        """What the coordinator has learned of each manufacturer's delivery / announcement (models/beliefs.py)."""
        self.quantile = s.quantile if s.quantile is not None else critical_ratio(sc)
        """The quantile of that belief it plans the coming weeks on."""
        self.partners: list[PartnerAgent] = [
            AGENT_CLASSES[p.role](self, p, i, s) for i, p in enumerate(sc.spec.partners)
        ]
        self.manufacturers = [a for a in self.partners if isinstance(a, ManufacturerAgent)]
        self.distributors = [a for a in self.partners if isinstance(a, DistributorAgent)]
        self.cohorts: dict[tuple[int, int], PatientCohort] = {}
        for g, gid in enumerate(sc.groups.ids):
            for r, rid in enumerate(sc.regions.ids):
                if sc.population[g, r] > 0:
                    self.cohorts[g, r] = PatientCohort(
                        self, gid, rid, float(sc.population[g, r]), float(sc.willing[g, r]),
                        int(sc.eligible_from[g]), s.patience,
                    )  # fmt: skip
        self.planner: RollingPlanner | ReducedPlanner | None = None
        self.coordinator: CoordinatorAgent | None = None
        check_planner(s, [s.mode])
        self.robust = s.planner == "robust" and s.mode != "silo" and not s.clairvoyant
        """The coordinator plans over sampled futures (:meth:`sampled_futures`)."""
        self.deterministic_weeks: list[int] = []
        """Weeks the robust planner found no plan over its futures and the deterministic plan stood."""
        if s.mode != "silo":
            self.planner = rolling_planner(sc, s.transfers, s.lookahead, s.time_limit, s.epsilon, s.exact)
            self.coordinator = CoordinatorAgent(self, self.planner, s.mode, s.rounds)
        self.allocation: AllocationModel = self.planner.model if self.planner else build_allocation_model(sc)
        self.col_period = self.planner.col_period if self.planner else column_periods(self.allocation.lp)
        _site, self._adm_group, self._adm_region, _k, _t = adm_coords(sc, self.allocation.lp)
        self.missed_second = np.zeros((len(sc.sites), len(sc.products), sc.T))
        """Second doses missed, ``[site, product, period]``."""
        self.px_lost = 0.0
        """PX taken back for second doses missed (``experience.one_dose_share``)."""
        self._adm_site = _site
        self._adm_cols = self.allocation.lp.var_blocks["adm"].columns()
        self._adm_travel = sc.pair_travel[self.allocation.lp.var_blocks["adm"].coords()[0]]
        self._known: dict[tuple[int, ...], np.ndarray] = {}
        self.delivered = np.zeros_like(sc.supply)
        self.realised = np.zeros(self.allocation.n_vars)
        self.silo_utility = np.zeros((len(sc.partners), sc.T))
        """The counterfactual: each partner's utility per period in the silo campaign on the same deliveries."""
        self.silo_run = SiloRun(sc)
        """That campaign so far, one period at a time; each week's disagreement point finishes a copy of it on
        the announced future."""
        self.utility = np.zeros((len(sc.partners), sc.T))
        """Realised utility per partner and period (data fees included, transfers not)."""
        self.transfers = np.zeros(len(sc.partners))
        """Side payments per partner: the latest deal's, and after the last period the final settlement's."""
        self.top_up = np.zeros(len(sc.partners))
        """The final settlement's top-up, included in :attr:`transfers` (see :meth:`settle`)."""
        self.booked: np.ndarray | None = None
        self.negotiated: Negotiated | None = None
        self.kpis: dict[str, Any] = {}
        self._reality = ""
        """How reality departed from the plan's rules this period (see :class:`winwin.optimizer.rolling.planner.Execution`)."""
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _kpi(name) for name in self.kpi_names()},
            agent_reporters={name: _attribute(name) for name in AGENT_FIELDS},
        )

    # ------------------------------------------------------------------ information
    def kpi_names(self) -> list[str]:
        groups = [f"coverage:{g}" for g in self.sc.groups.ids]
        return ["period", "px", "px_lost_second_doses", *groups, "waiting", "first_doses", "booked", "cancellations", "missed_second_doses",
                "wasted", "nps", "win_win", "rejected", "fallback", "shared", "subsidy", "rounds", "reality",
                "seconds", "solver_seconds"]  # fmt: skip

    def known_supply(self, t: int) -> np.ndarray:
        """Promised supply with the supply cuts that have started by period t (later cuts are surprises)."""
        events = self.sc.spec.events
        known = tuple(i for i, e in enumerate(events) if not isinstance(e, SupplyCut) or e.start <= t)
        if known not in self._known:
            spec = self.sc.spec.model_copy(update={"events": [events[i] for i in known]})
            self._known[known] = Scenario(spec, self.sc.source).supply
        return self._known[known]

    def supply_view(self, t: int) -> np.ndarray:
        """What the coordinator knows of supply at t: delivered before t, announced from t (every delivery,
        when clairvoyant; a sharing manufacturer's own, with a perfect forecast), the weeks after t times the
        belief's quantile."""
        if self.settings.clairvoyant:
            return self.world.delivered(self.sc.supply)
        view, known = self._announced(t)
        unknown = ~known
        view[unknown, :, t + 1 :] *= self.belief.quantile(self.quantile)[unknown, None, None]
        return view

    def _announced(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Delivered before t, announced from t; and which manufacturers' weeks after t are known (a perfect
        forecast shared), so that no belief scales them."""
        view = self.delivered.copy()
        known = np.zeros(len(self.sc.manufacturers), dtype=bool)
        promise = self.known_supply(t)
        actual = self.world.delivered(self.sc.supply) if self.settings.forecast == "perfect" else None
        for a in self.manufacturers:
            m = self.sc.manufacturers.pos(a.pid)
            if a.shares_data and actual is not None:  # a perfect forecast: its data is what it will deliver
                view[m, :, t:] = actual[m, :, t:]
                known[m] = True
                continue
            view[m, :, t:] = a.announce(promise[m], self.world.announce[t, m])[:, t:]
        return view, known

    def sampled_futures(self, t: int, until: int) -> WindowFutures:
        """``settings.futures`` futures of the weeks after t for the robust planner: the announcements times
        each manufacturer's ratio drawn week by week from the coordinator's belief
        (:meth:`DeliveryBelief.sample`) by uniforms of the seed's own stream for week t, and the silo campaign
        on each (up to ``until``), its disagreement point. This week's deliveries are in hand in every future."""
        s, sc = self.settings, self.sc
        rng = np.random.default_rng((self.seed, FUTURES_STREAM, t))
        ratios = self.belief.sample(rng.random((s.futures, len(sc.manufacturers), sc.T)))
        announced, known = self._announced(t)
        announced[:, :, t] = self.delivered[:, :, t]
        unknown = ~known
        supply = np.repeat(announced[None], s.futures, axis=0)
        silo = np.empty((s.futures, len(sc.partners), sc.T))
        for k in range(s.futures):
            supply[k][unknown, :, t + 1 :] *= ratios[k][unknown, None, t + 1 :]
            run = self.silo_run.copy().finish(supply[k], until=until)
            silo[k] = silo_period_utilities(self.allocation, self.col_period, run)
        return WindowFutures(supply, silo, s.cvar, s.keep)

    # ------------------------------------------------------------------ one period
    def step(self) -> None:
        if self.period >= self.periods:
            raise RuntimeError(f"the run has {self.periods} periods; period {self.period} asked")
        start = time.perf_counter()
        t, sc = self.period, self.sc
        solver_before = self.planner.solver_seconds if self.planner else 0.0
        view = self.supply_view(t)  # 1. announce
        true_supply = sc.supply[:, :, t]
        for a in self.manufacturers:  # this week's deliveries are in hand when the week is planned
            m = sc.manufacturers.pos(a.pid)
            self.delivered[m, :, t] = a.deliver(true_supply[m], float(self.world.ratio[m, t]))
            announced = float(view[m, :, t].sum())
            if announced > 0 and not self.settings.clairvoyant:
                self.belief.update(m, float(self.delivered[m, :, t].sum()) / announced)
        view[:, :, t] = self.delivered[:, :, t]
        disrupted = self.world.disrupted[:, t]  # a surprise until reality
        plan = None
        if self.planner and self.coordinator:  # 2.–3. plan and negotiate
            # the window's disagreement reads the silo's periods before the window's end, and the second doses
            # its courses miss up to one dose interval later (booked at the course's start)
            until = t + self.planner.lookahead + sc.max_interval
            silo = self.silo_run.copy().finish(view, until=until)
            disagreement = silo_period_utilities(self.allocation, self.col_period, silo)
            futures = self.sampled_futures(t, until) if self.robust else None
            self.planner.begin(t, view, self.booked, disagreement, futures)
            self.negotiated = self.coordinator.negotiate(self.partners)
            plan = self.negotiated.plan
            if self.robust and plan.futures is None:
                self.deterministic_weeks.append(t)
            if not plan.has_plan:
                raise SolverError(f"period {t}: no plan ({plan.status.value}) {plan.note}")
        # 4. reality
        self.silo_run.step(self.delivered[:, :, t], disrupted)  # the silo rules at ≤ t never look ahead
        arrays = self.silo_run.arrays()
        # booked when they happen: a course's later missed second dose must not be lost to the accounts
        self.silo_utility[:, t] = silo_period_utilities(self.allocation, self.col_period, arrays, by_start=False)[:, t]
        now = self.col_period == t
        booked_total = 0.0
        if self.planner and plan is not None:
            booked = self.planner.booked.copy()
            booked_total = float(booked.sum())
            execution = self.planner.execute(plan, self.delivered[:, :, t], disrupted)
            self.realised[now] = execution.x[now]
            adm_now = self.planner.adm_columns(t)
            cancelled_cols = np.maximum(booked - execution.x[adm_now], 0.0)
            missed_by_site = execution.missed_by_site
            lost = 0.0
            if execution.repair is not None:
                lost = self._px_of_missed(t, execution.repair)
                self.missed_second[:, :, t] = execution.repair
            self.px_lost += lost
            self._reality = execution.note
            self.utility[:, t] = period_utilities(self.allocation, self.col_period, self.realised)[:, t]
            cancelled_by_site = np.zeros(len(sc.sites))
            np.add.at(cancelled_by_site, self._adm_site[np.searchsorted(self._adm_cols, adm_now)], cancelled_cols)
            self.utility[:, t] += (
                missed_adjust(sc, missed_by_site)
                + cancellation_adjust(sc, cancelled_by_site)
                + course_adjust(self.allocation, np.array([lost]))[:, 0]
            )
            self.transfers = plan.transfers
            self.booked = self.planner.bookings(plan)
        else:  # silo: every partner follows its rules on what was delivered
            x = silo_vector(self.allocation, arrays)
            self.realised[now] = x[now]
            adm_now = self._adm_cols[self.col_period[self._adm_cols] == t]
            cancelled_cols = self._spread_over_columns(adm_now, self.silo_run.cancelled[:, t])
            booked_total = float(self.silo_run.booked[:, t].sum())
            missed_by_site = arrays.missed_second[:, :, t].sum(axis=1)
            self.px_lost += self._px_of_missed(t, arrays.missed_second[:, :, t])
            self.missed_second[:, :, t] = arrays.missed_second[:, :, t]
            self.utility[:, t] = self.silo_utility[:, t]
        fee = self._pay_data_fees(t)
        gains = self.utility[:, t] - self.silo_utility[:, t]
        for a in self.partners:
            a.record(
                float(self.utility[a.position, t] - fee[a.position]),
                float(gains[a.position] - fee[a.position]),
                float(fee[a.position]),
            )
            if plan is not None:
                a.planned_gain = float(plan.gains[a.position])
        # 5. cohorts
        self._update_cohorts(t, adm_now, cancelled_cols, missed_by_site)
        # 6. learn
        for a in self.partners:
            a.decide_sharing(self.settings.data_fee)
        self.kpis = self._period_kpis(t, adm_now, cancelled_cols, missed_by_site, booked_total)
        self.kpis["seconds"] = time.perf_counter() - start
        self.kpis["solver_seconds"] = (self.planner.solver_seconds if self.planner else 0.0) - solver_before
        self.datacollector.collect(self)
        self.period += 1
        if self.period == self.periods:
            self.settle()

    def _px_of_missed(self, t: int, missed: np.ndarray) -> float:
        """PX taken back for ``missed[site, product]`` second doses due in period t (the courses left incomplete,
        :func:`~winwin.optimizer.allocation.silo.course_px_lost`; the payer's utility loses its value)."""
        at_t = np.zeros((*missed.shape, self.sc.T))
        at_t[:, :, t] = missed
        return float(course_px_lost(self.allocation, self.realised, at_t)[t])

    def _spread_over_columns(self, cols: np.ndarray, per_site: np.ndarray) -> np.ndarray:
        """``per_site[site]`` appointments spread over a site's first-dose columns ``cols`` in proportion to
        the doses given there (evenly when it gave none): the silo books per site, the cohorts count per
        group and region."""
        site = self._adm_site[np.searchsorted(self._adm_cols, cols)]
        weight = self.realised[cols] + 1e-12
        total = np.zeros(len(self.sc.sites))
        np.add.at(total, site, weight)
        return per_site[site] * weight / total[site]

    def settle(self) -> None:
        """The final settlement: the latest deal's side payments, topped up so that every partner ends at
        least at its silo utility on the same deliveries (:func:`winwin.optimizer.concepts.negotiation.make_whole` on the
        realised gains), when side payments are free (``any``), the mode promises win-win (not ``central``,
        which imposes its plan) and the partners' total gain can pay for it. Weekly deals are win-win over
        their window; deliveries short of announcements can leave a partner below its silo utility at the
        end, and the top-up keeps the deal's promise on the realised campaign."""
        self.top_up = np.zeros(len(self.partners))
        if self.planner is None or self.settings.mode == "central" or self.planner.transfer_mode != "any":
            return
        T = self.periods
        silo = self.silo_utility[:, :T].sum(axis=1)
        gains = self.utility[:, :T].sum(axis=1) + self.transfers - silo
        if gains.min() >= 0 or gains.sum() < 0:
            return
        self.top_up = make_whole(gains)
        self.transfers = self.transfers + self.top_up

    def _pay_data_fees(self, t: int) -> np.ndarray:
        """The payer pays ``data_fee`` to every manufacturer sharing its data this period."""
        fee = np.zeros(len(self.partners))
        f = self.settings.data_fee
        if f > 0:
            payer = self.sc.partners.pos(self.sc.payers.ids[0])
            for a in self.manufacturers:
                if a.shares_data:
                    fee[a.position] += f
                    fee[payer] -= f
        self.utility[:, t] += fee
        return fee

    def _update_cohorts(self, t: int, adm_now: np.ndarray, cancelled: np.ndarray, missed_by_site: np.ndarray) -> None:
        sc = self.sc
        pos = np.searchsorted(self._adm_cols, adm_now)
        g, r = self._adm_group[pos], self._adm_region[pos]
        G, R = len(sc.groups), len(sc.regions)
        given = np.zeros((G, R))
        np.add.at(given, (g, r), self.realised[adm_now])
        travel = np.zeros((G, R))
        np.add.at(travel, (g, r), self.realised[adm_now] * self._adm_travel[pos])
        lost = np.zeros((G, R))
        np.add.at(lost, (g, r), cancelled)
        # a missed second dose is a cancellation for the people of the site's region, by vaccinated share
        site_region = sc.regions.positions([sc.site(s).region for s in sc.sites.ids])
        missed_r = np.zeros(R)
        np.add.at(missed_r, site_region, missed_by_site)
        vaccinated = np.array(
            [[c.vaccinated if (c := self.cohorts.get((gg, rr))) else 0.0 for rr in range(R)] for gg in range(G)]
        )
        share = np.divide(vaccinated, vaccinated.sum(axis=0), out=np.zeros((G, R)), where=vaccinated.sum(axis=0) > 0)
        lost += share * missed_r[None, :]
        confidence = np.where(sc.allowed, sc.confidence[:, t][None, :], 0.0).max(axis=1)
        for (gg, rr), cohort in self.cohorts.items():
            mean_travel = travel[gg, rr] / given[gg, rr] if given[gg, rr] > 0 else 0.0
            cohort.update(t, float(given[gg, rr]), float(lost[gg, rr]), float(mean_travel), float(confidence[gg]))

    def _period_kpis(
        self, t: int, adm_now: np.ndarray, cancelled: np.ndarray, missed_by_site: np.ndarray, booked: float
    ) -> dict[str, Any]:
        sc, m = self.sc, self.allocation
        cohorts = list(self.cohorts.values())
        scores = np.array([c.score() for c in cohorts]).reshape(-1, 3).sum(axis=0)
        nps = 100.0 * (scores[0] - scores[1]) / scores[2] if scores[2] > 0 else 0.0
        waste = m.lp.var_blocks["waste"].columns()
        kpis: dict[str, Any] = {
            "period": t,
            "px": float(m.px @ self.realised) - self.px_lost,
            "px_lost_second_doses": self.px_lost,
            "waiting": sum(c.waiting for c in cohorts),
            "first_doses": float(self.realised[adm_now].sum()),
            "cancellations": float(cancelled.sum() + missed_by_site.sum()),
            "missed_second_doses": float(missed_by_site.sum()),
            "wasted": float(self.realised[waste[self.col_period[waste] == t]].sum()),
            "nps": nps,
            "booked": booked,
        }
        for g, gid in enumerate(sc.groups.ids):
            pop = float(sc.population[g].sum())
            done = sum(c.vaccinated for (gg, _r), c in self.cohorts.items() if gg == g)
            kpis[f"coverage:{gid}"] = done / pop if pop > 0 else 0.0
        n = self.negotiated
        kpis["win_win"] = True if n is None else n.win_win
        kpis["rejected"] = "" if n is None else ",".join(n.rejected)
        kpis["fallback"] = "" if n is None else ",".join(n.fallback)
        kpis["rounds"] = 0 if n is None else n.rounds
        kpis["subsidy"] = 0.0 if n is None else float(n.plan.subsidy.sum())
        kpis["shared"] = ",".join(a.pid for a in self.partners if a.shares_data)
        kpis["reality"] = self._reality
        self._reality = ""
        return kpis

    @property
    def robust_info(self) -> dict[str, Any]:
        """The robust planner's settings and the weeks its deterministic fallback planned."""
        s = self.settings
        return {"name": "robust", "futures": s.futures, "cvar": s.cvar, "keep": s.keep,
                "deterministic_weeks": list(self.deterministic_weeks)}  # fmt: skip

    def run(self) -> None:
        while self.period < self.periods:
            self.step()

    def release(self) -> None:
        """Let the model be garbage-collected once its results are read.

        Mesa 3.3 keeps every model in a class-level ``Agent._ids`` map (mesa#3179, fixed upstream by
        mesa#3180), so without this each run kept its agents and its optimisation workspace alive for the
        life of the process: about 16 MB per belgium-2021 run, 24 GB after 1 500 runs of a sweep.
        """
        ids = getattr(mesa.Agent, "_ids", None)
        if isinstance(ids, dict):
            ids.pop(self, None)
        self.remove_all_agents()


AGENT_FIELDS = ("pid", "role", "utility", "gain", "planned_gain", "accepted", "fallback", "shares_data",
                "vaccinated", "waiting", "cancellations", "nps", "willing", "coverage")  # fmt: skip


def _kpi(name: str) -> Callable[[EcosystemModel], Any]:
    return lambda model: model.kpis.get(name)


def _attribute(name: str) -> Callable[[mesa.Agent], Any]:
    return lambda agent: getattr(agent, name, None)


__all__ = ["AGENT_FIELDS", "EcosystemModel"]
