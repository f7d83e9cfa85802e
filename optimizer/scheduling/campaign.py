"""From a plan to site-weeks, and a whole campaign week scheduled in parallel (DESIGN §7).

:func:`site_week` reads one site's week off a plan: first doses by group and product (the plan's
administrations, rounded to whole people with the largest-remainder rule), second doses due from first
doses whose interval ends that week (spread over the open days), staff from the site's ``schedule`` section
or, when it has none, derived from its data: opening Monday–Saturday 8:00–20:00, nurses enough for its
own staff hours at 38 h a week, two doctors, and the plan's volunteer hours as volunteer nurses (in the
allocation model volunteer hours count towards vaccinating minutes, so they vaccinate here too).

:func:`schedule_campaign` schedules every site with doses that week through an executor (in-process or
Ray) and sums the KPIs.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from winwin.data import Scenario
from winwin.data.errors import InputError, problem
from winwin.data.schema import WEEKDAYS, Site, SiteSchedule, StaffPool
from winwin.optimizer.allocation.result import Plan
from winwin.optimizer.lp.solvers import SolveStatus
from winwin.optimizer.parallel import Executor, InProcessExecutor
from winwin.optimizer.scheduling.site_week import Need, Person, Schedule, SiteWeek, Vial, solve_site_week

DEFAULT_MINUTES_PER_DOSE = 5.0
NURSE_WEEK_HOURS = 38.0


def _whole(values: np.ndarray) -> np.ndarray:
    """Round to integers keeping the (rounded) total: largest remainders get the extra units."""
    total = round(float(values.sum()))
    base = np.floor(values).astype(int)
    rest = total - int(base.sum())
    if rest > 0:
        order = np.argsort(-(values - base), kind="stable")
        base[order[:rest]] += 1
    return base


def _staff(sc: Scenario, site: Site, week: int, volunteer_hours: float) -> tuple[SiteSchedule, list[Person]]:
    s = sc.sites.pos(site.id)
    sched = site.schedule or SiteSchedule()
    pools = list(sched.staff)
    if site.schedule is None or not pools:
        own = sc.staff_hours[s, week]
        m = site.minutes_per_dose or DEFAULT_MINUTES_PER_DOSE
        hours = own if np.isfinite(own) else sc.site_capacity[s, week] * m / 60
        opening = sum(hi - lo for lo, hi in sched.opening.values())
        nurses = max(1, math.ceil(max(hours, opening) / NURSE_WEEK_HOURS))
        pools = [
            StaffPool(role="doctor", count=2, max_hours_week=40.0, cost_per_hour=90.0),
            StaffPool(role="nurse", count=nurses, max_hours_week=NURSE_WEEK_HOURS, cost_per_hour=40.0),
        ]
    people: list[Person] = []
    for pool in pools:
        days = frozenset(WEEKDAYS.index(d) for d in pool.days) if pool.days else frozenset(range(7))
        for i in range(pool.count):
            people.append(
                Person(
                    f"{pool.role}-{i + 1}",
                    pool.role,
                    pool.max_hours_day,
                    pool.max_hours_week,
                    pool.min_rest_hours,
                    pool.cost_per_hour,
                    days,
                )
            )
    if volunteer_hours > 1e-9:  # volunteers: shifts of up to 8 h, as many people as 8-hour shifts
        count = math.ceil(volunteer_hours / 8.0)
        for i in range(count):
            people.append(
                Person(
                    f"volunteer-{i + 1}", "nurse", 8.0, volunteer_hours / count, 11.0, 0.0, frozenset(range(7)), True
                )
            )
    return sched, people


def _check_site_week(sc: Scenario, site_id: str, week: int) -> Site:
    problems = []
    if sc.spec.horizon.period_length != "week":
        problems.append(problem("horizon.period_length", "scheduling needs weekly periods", "day"))
    if site_id not in sc.sites.ids:
        problems.append(problem("site", "not a site of the scenario", site_id))
    if not 0 <= week < sc.T:
        problems.append(problem("week", f"must lie in 0..{sc.T - 1}", week))
    if problems:
        raise InputError(problems)
    site = sc.partner(site_id)
    assert isinstance(site, Site)
    return site


def site_week(sc: Scenario, plan: Plan, site_id: str, week: int) -> SiteWeek:
    """One site's week of ``plan`` as a scheduling problem (see the module docstring)."""
    site = _check_site_week(sc, site_id, week)
    s = sc.sites.pos(site_id)
    x = plan.solution()
    blocks = plan.model.lp.var_blocks
    adm = blocks["adm"].dense(x)  # [pair, g, k, t]
    pairs = np.nonzero(sc.pair_site == s)[0]
    by_gkt = adm[pairs].sum(axis=0)  # [g, k, t]
    vol = blocks["vol"].dense(x)[:, s, week].sum() if len(sc.volunteers) else 0.0
    first = _whole(by_gkt[:, :, week].ravel()).reshape(by_gkt.shape[:2])
    due = np.zeros_like(first)
    started = np.arange(week)
    for k in range(len(sc.products)):
        due_now = started[started + sc.interval[k, :week] == week]  # a one-dose start (interval 0) is never due
        if due_now.size:
            due[:, k] = _whole(by_gkt[:, k, due_now].sum(axis=1))
    return _site_week(sc, site, week, first, due, float(vol))


def site_week_from_table(sc: Scenario, site_id: str, week: int, table: pd.DataFrame) -> SiteWeek:
    """A site-week from any allocation: rows ``group, product, dose (1|2), people`` (second doses are
    spread over the open days); volunteers none."""
    site = _check_site_week(sc, site_id, week)
    problems = []
    missing = {"group", "product", "dose", "people"} - set(table.columns)
    if missing:
        raise InputError([problem("allocation", f"missing columns {sorted(missing)}", list(table.columns))])
    first = np.zeros((len(sc.groups), len(sc.products)), dtype=int)
    due = np.zeros_like(first)
    for i, row in table.reset_index(drop=True).iterrows():
        where = f"allocation row {i}"
        if row["group"] not in sc.groups.ids:
            problems.append(problem(f"{where}.group", "not a group of the scenario", row["group"]))
        if row["product"] not in sc.products.ids:
            problems.append(problem(f"{where}.product", "not a product of the scenario", row["product"]))
        if row["dose"] not in (1, 2):
            problems.append(problem(f"{where}.dose", "must be 1 or 2", row["dose"]))
        people = row["people"]
        if not isinstance(people, int | np.integer) or people < 0:
            problems.append(problem(f"{where}.people", "must be a whole number ≥ 0", people))
        if problems:
            continue
        target = first if row["dose"] == 1 else due
        target[sc.groups.pos(row["group"]), sc.products.pos(row["product"])] += int(people)
    if problems:
        raise InputError(problems)
    return _site_week(sc, site, week, first, due, 0.0)


def read_table(path: Path) -> pd.DataFrame:
    """An allocation table from CSV or Parquet (by suffix), with a clear error when unreadable."""
    try:
        return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise InputError([problem("allocation", f"cannot read the table: {exc}", str(path))]) from None


def _site_week(sc: Scenario, site: Site, week: int, first: np.ndarray, due: np.ndarray, vol: float) -> SiteWeek:
    sched, staff = _staff(sc, site, week, vol)
    slot = sched.slot_minutes
    opening: list[tuple[int, int] | None] = []
    for day in WEEKDAYS:
        hours = sched.opening.get(day)  # type: ignore[call-overload]
        opening.append(None if hours is None else (round(hours[0] * 60 / slot), round(hours[1] * 60 / slot)))
    open_days = [d for d in range(7) if opening[d] is not None]
    needs: list[Need] = []
    for g, group in enumerate(sc.groups.ids):
        for k, product in enumerate(sc.products.ids):
            if first[g, k] > 0:
                needs.append(Need(group, product, 1, int(first[g, k])))
    for k, product in enumerate(sc.products.ids):
        for g, group in enumerate(sc.groups.ids):
            if due[g, k] <= 0 or not open_days:
                continue
            per_day = _whole(np.full(len(open_days), due[g, k] / len(open_days)))
            for d, n in zip(open_days, per_day, strict=True):
                if n > 0:
                    needs.append(Need(group, product, 2, int(n), d))
    shows = 1 - site.no_show_rate
    if shows <= 0:
        raise InputError([problem(f"partners.{site.id}.no_show_rate", "must be below 1 to book anyone", 1.0)])
    booked = tuple(Need(n.group, n.product, n.dose, math.ceil(n.count / shows - 1e-9), n.day) for n in needs)
    m = site.minutes_per_dose or DEFAULT_MINUTES_PER_DOSE
    vials = {p.id: Vial(p.doses_per_vial, p.open_vial_hours) for p in sc.spec.products}
    return SiteWeek(
        site.id,
        week,
        slot,
        tuple(opening),
        tuple(sched.shift_hours),
        tuple(staff),
        {str(k): v for k, v in sched.min_on_duty.items()},
        sched.support_per_nurse,
        slot / m,
        site.no_show_rate,
        booked,
        vials,
        {g.id: g.rank for g in sc.spec.groups},
    )


def _solve(args: tuple[SiteWeek, float, int]) -> Schedule:
    w, limit, workers = args
    return solve_site_week(w, limit, workers)


@dataclass
class CampaignSchedule:
    week: int
    schedules: dict[str, Schedule]
    seconds: float
    """Wall-clock seconds (volatile: not in :meth:`to_dict`; the schedules' deterministic ``work`` is)."""
    executor: str
    skipped: list[str] = field(default_factory=list)
    """Sites with nothing to give that week."""
    first_week_with_doses: int | None = None

    def totals(self) -> dict[str, Any]:
        by_group: dict[str, int] = {}
        unmet = 0
        wasted = 0.0
        hours = {"doctor": 0.0, "nurse": 0.0, "support": 0.0}
        status: dict[str, int] = {}
        for sch in self.schedules.values():
            status[sch.status.value] = status.get(sch.status.value, 0) + 1
            for g, n in sch.booked_by_group().items():
                by_group[g] = by_group.get(g, 0) + n
            unmet += sum(sch.unmet.values())
            wasted += sch.wasted_doses
            for r, h in sch.staff_hours.items():
                hours[r] += h
        return {
            "sites": len(self.schedules),
            "skipped": len(self.skipped),
            "status": status,
            "appointments_by_group": by_group,
            "wasted_doses": wasted,
            "staff_hours": hours,
            "unmet": unmet,
            "first_week_with_doses": self.first_week_with_doses,
            "work": round(sum(s.work for s in self.schedules.values()), 4),
            "executor": self.executor,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "week": self.week,
            "totals": self.totals(),
            "sites": {k: v.to_dict() for k, v in self.schedules.items()},
        }


def schedule_campaign(
    sc: Scenario,
    plan: Plan,
    week: int,
    executor: Executor | None = None,
    time_limit: float = 30.0,
    workers_per_site: int = 1,
) -> CampaignSchedule:
    """Every site with doses to give in ``week``, scheduled through ``executor``."""
    ex = executor or InProcessExecutor()
    start = time.perf_counter()
    weeks = [site_week(sc, plan, s, week) for s in sc.sites.ids]
    busy = [w for w in weeks if w.needs]
    results = ex.map(_solve, [(w, time_limit, workers_per_site) for w in busy])
    by_week = plan.model.lp.var_blocks["adm"].dense(plan.solution()).sum(axis=(0, 1, 2))
    first = int(np.argmax(by_week > 0.5)) if (by_week > 0.5).any() else None
    return CampaignSchedule(
        week,
        {w.site: r for w, r in zip(busy, results, strict=True)},
        time.perf_counter() - start,
        ex.name,
        [w.site for w in weeks if not w.needs],
        first,
    )


def any_infeasible(c: CampaignSchedule) -> bool:
    return any(s.status == SolveStatus.INFEASIBLE for s in c.schedules.values())
