"""Priority-group scheduling of one site-week with OR-Tools CP-SAT (DESIGN §7).

A :class:`SiteWeek` says what a site must give in one week of its plan (first doses by group and product,
second doses due on given days), when it is open (a slot grid per day), who can work (staff pools of
doctors, nurses and support staff — volunteers join ``support`` — with availability, maximum hours per day
and week, minimum rest and cost) and how vials behave (doses per vial, hours an opened vial lasts).

Variables: shifts ``x[person, day, start, length]`` (one per person and day at most; starts on the
hour), appointments ``a[group, product, day, slot]`` for first doses and ``b[...]`` for second doses on
their due day, unbooked appointments ``u``, vials opened ``v[product, day, block]``. Rules:

- whenever open, at least ``min_on_duty`` of each role on duty, and support ≥ ``support_per_nurse`` ×
  nurses;
- expected attendance of a slot ≤ nurses on duty × appointments a nurse handles per slot; appointments
  are booked with a **no-show buffer**: ``ceil(doses / (1 − no_show_rate))`` people are booked so that the
  expected attendance gives the planned doses;
- vials: an opened vial lasts ``open_vial_hours``; each day is cut into blocks of that length from
  opening, and a block's expected doses of a product come from the vials opened in it — so every dose
  comes from a vial opened at most ``open_vial_hours`` earlier. Wasted doses = vial doses − doses given;
- each person works at most one shift a day, within ``max_hours_day``, ``max_hours_week``, and with at
  least ``min_rest_hours`` between the end of one shift and the start of the next day's.

Objective, lexicographic (each stage keeps the previous ones at their value):
1. priority-weighted lateness: Σ weight_g × slot index over the week (weight = lowest rank + 1 − rank),
   an unbooked appointment counting as the slot after the week;
2. wasted doses; 3. staff cost. Status OPTIMAL only when every stage is proven; a time limit returns the
best schedule found with its gap. An infeasible week is explained by day and role.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

from winwin.data.schema import WEEKDAYS
from winwin.optimizer.lp.solvers import SolveStatus

ROLES = ("doctor", "nurse", "support")
SCALE = 100
"""Attendance and vial doses are counted in hundredths (no-show rates are fractions)."""


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    max_hours_day: float
    max_hours_week: float
    min_rest_hours: float
    cost_per_hour: float
    days: frozenset[int]
    volunteer: bool = False


@dataclass(frozen=True)
class Need:
    """Appointments to book: ``count`` people of ``group`` for ``product`` dose ``dose`` (1 or 2); second
    doses are booked on ``day``."""

    group: str
    product: str
    dose: int
    count: int
    day: int | None = None


@dataclass(frozen=True)
class Vial:
    doses: int
    open_hours: float


@dataclass(frozen=True)
class SiteWeek:
    site: str
    week: int
    slot_minutes: int
    opening: tuple[tuple[int, int] | None, ...]
    """Per day: [first slot, end slot) counted from midnight, or None when closed."""
    shift_hours: tuple[float, ...]
    staff: tuple[Person, ...]
    min_on_duty: dict[str, int]
    support_per_nurse: float
    per_nurse_slot: float
    """Appointments one nurse handles in a slot (slot minutes / minutes per dose; may be fractional)."""
    no_show_rate: float
    needs: tuple[Need, ...]
    vials: dict[str, Vial]
    ranks: dict[str, int]

    @property
    def slots_per_day(self) -> int:
        return 24 * 60 // self.slot_minutes

    def hours(self, slots: int) -> float:
        return slots * self.slot_minutes / 60


@dataclass
class Schedule:
    """The solved week: status, objectives, and tidy tables."""

    week: SiteWeek
    status: SolveStatus
    objectives: dict[str, float] = field(default_factory=dict)
    bounds: dict[str, float] = field(default_factory=dict)
    gap: float | None = None
    seconds: float = 0.0
    """Wall-clock seconds (volatile: shown in tables, not in :meth:`to_dict`)."""
    work: float = 0.0
    """CP-SAT's deterministic time spent (its own seconds: the same on every run and machine)."""
    appointments: list[dict[str, Any]] = field(default_factory=list)
    shifts: list[dict[str, Any]] = field(default_factory=list)
    vials: list[dict[str, Any]] = field(default_factory=list)
    unmet: dict[str, int] = field(default_factory=dict)
    explanation: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def has_schedule(self) -> bool:
        return self.status.has_plan

    @property
    def wasted_doses(self) -> float:
        return float(sum(v["wasted"] for v in self.vials))

    @property
    def staff_hours(self) -> dict[str, float]:
        out = {r: 0.0 for r in ROLES}
        for s in self.shifts:
            out[s["role"]] += s["hours"]
        return out

    def booked_by_group(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for a in self.appointments:
            out[a["group"]] = out.get(a["group"], 0) + a["people"]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "site": self.week.site,
            "week": self.week.week,
            "status": self.status.value,
            "objective": self.objectives,
            "bound": self.bounds,
            "gap": self.gap,
            "work": round(self.work, 4),  # CP-SAT sums it in floating point: the last bits vary
            "appointments": self.appointments,
            "shifts": self.shifts,
            "vials": self.vials,
            "wasted_doses": self.wasted_doses,
            "staff_hours": self.staff_hours,
            "unmet": self.unmet,
            "explanation": self.explanation,
            "message": self.message,
        }


def _clock(slot: int, minutes: int) -> str:
    m = slot * minutes
    return f"{m // 60:02d}:{m % 60:02d}"


# --------------------------------------------------------------------------- model
@dataclass
class _Model:
    model: Any
    shifts: dict[tuple[int, int, int, int], Any]
    first: dict[tuple[int, int, int], Any]
    """(need index, day, slot) → appointments."""
    unbooked: dict[int, Any]
    vials: dict[tuple[str, int, int], tuple[Any, list[tuple[int, int]], list[Any]]]
    """(product, day, block) → (vials opened, [(first slot, end slot)], appointment cells of the block)."""
    lateness: Any
    waste: Any
    cost: Any


def _templates(w: SiteWeek, day: int, person: Person) -> list[tuple[int, int]]:
    """(start slot, length in slots) of the shifts ``person`` may work on ``day``: starts on the hour."""
    if w.opening[day] is None or day not in person.days:
        return []
    lo, hi = w.opening[day]  # type: ignore[misc]
    per_hour = 60 // w.slot_minutes if 60 % w.slot_minutes == 0 else 1
    out = []
    for hours in w.shift_hours:
        length = round(hours * 60 / w.slot_minutes)
        if hours > person.max_hours_day + 1e-9 or length > hi - lo:
            continue
        starts = list(range(lo, hi - length + 1, per_hour))
        if starts[-1] != hi - length:
            starts.append(hi - length)  # a shift that ends at closing time
        out += [(s, length) for s in starts]
    return out


def _terms(p: Person) -> tuple[Any, ...]:
    return (p.role, p.max_hours_day, p.max_hours_week, p.min_rest_hours, p.cost_per_hour, p.days, p.volunteer)


def _build(w: SiteWeek, roles_only: set[tuple[int, str]] | None = None) -> _Model:
    """The CP-SAT model. ``roles_only``: keep only the coverage rules of these (day, role) pairs and no
    appointments (used to explain infeasible staffing)."""
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    S = w.slots_per_day
    shifts: dict[tuple[int, int, int, int], Any] = {}
    on: dict[tuple[str, int, int], list[Any]] = {}
    by_day: dict[tuple[int, int], list[tuple[int, int, Any]]] = {}  # (person, day) → [(start, length, x)]
    for p, person in enumerate(w.staff):
        week_terms = []
        for d in range(7):
            day_vars = []
            for start, length in _templates(w, d, person):
                x = m.new_bool_var(f"x_{p}_{d}_{start}_{length}")
                shifts[(p, d, start, length)] = x
                by_day.setdefault((p, d), []).append((start, length, x))
                day_vars.append(x)
                week_terms.append(length * x)
                for j in range(start, start + length):
                    on.setdefault((person.role, d, j), []).append(x)
            if len(day_vars) > 1:
                m.add_at_most_one(day_vars)
        if week_terms:
            m.add(sum(week_terms) <= math.floor(person.max_hours_week * 60 / w.slot_minutes + 1e-9))
        # rest: a shift ending at e on day d and one starting at s on day d+1 need (S − e) + s ≥ rest
        rest = person.min_rest_hours * 60 / w.slot_minutes
        for d in range(6):
            for s1, l1, x1 in by_day.get((p, d), []):
                for s2, _l2, x2 in by_day.get((p, d + 1), []):
                    if (S - (s1 + l1)) + s2 < rest - 1e-9:
                        m.add_bool_or([x1.Not(), x2.Not()])
    # symmetry: people of a pool with identical terms work weakly decreasing hours
    for p in range(len(w.staff) - 1):
        one, two = w.staff[p], w.staff[p + 1]
        if _terms(one) == _terms(two):
            ha = sum(length * x for d in range(7) for _s, length, x in by_day.get((p, d), []))
            hb = sum(length * x for d in range(7) for _s, length, x in by_day.get((p + 1, d), []))
            m.add(ha >= hb)

    def duty(role: str, d: int, j: int) -> Any:
        return sum(on.get((role, d, j), []))

    for d in range(7):
        if w.opening[d] is None:
            continue
        lo, hi = w.opening[d]  # type: ignore[misc]
        for role, wanted in w.min_on_duty.items():
            if wanted <= 0 or (roles_only is not None and (d, role) not in roles_only):
                continue
            for j in range(lo, hi):
                m.add(duty(role, d, j) >= wanted)
        if roles_only is None and w.support_per_nurse > 0:
            ratio = round(w.support_per_nurse * SCALE)
            for j in range(lo, hi):
                m.add(SCALE * duty("support", d, j) >= ratio * duty("nurse", d, j))
    first: dict[tuple[int, int, int], Any] = {}
    unbooked: dict[int, Any] = {}
    vials: dict[tuple[str, int, int], tuple[Any, list[tuple[int, int]], list[Any]]] = {}
    show = round((1 - w.no_show_rate) * SCALE)
    lowest = max(w.ranks.values(), default=1)
    lateness_terms: list[Any] = []
    waste_terms: list[Any] = []
    if roles_only is None:
        for n, need in enumerate(w.needs):
            days = [need.day] if need.day is not None else range(7)
            booked = []
            for d in days:
                if w.opening[d] is None:
                    continue
                lo, hi = w.opening[d]  # type: ignore[misc]
                for j in range(lo, hi):
                    a = m.new_int_var(0, need.count, f"a_{n}_{d}_{j}")
                    first[(n, d, j)] = a
                    booked.append(a)
                    if need.dose == 1:
                        lateness_terms.append((lowest + 1 - w.ranks[need.group]) * (d * S + j) * a)
            u = m.new_int_var(0, need.count, f"u_{n}")
            unbooked[n] = u
            m.add(sum(booked) + u == need.count)
            # an unbooked person counts as booked after the week (first doses: weighted by priority)
            weight = lowest + 1 - w.ranks[need.group] if need.dose == 1 else lowest + 1
            lateness_terms.append(weight * 7 * S * u)
        # capacity: expected attendance ≤ nurses × appointments per nurse and slot
        for d in range(7):
            if w.opening[d] is None:
                continue
            lo, hi = w.opening[d]  # type: ignore[misc]
            for j in range(lo, hi):
                slot = [first[(n, d, j)] for n in range(len(w.needs)) if (n, d, j) in first]
                if slot:
                    m.add(show * sum(slot) <= round(SCALE * w.per_nurse_slot) * duty("nurse", d, j))
        # vials: blocks of open_vial_hours from opening
        for product, vial in w.vials.items():
            if vial.doses <= 1:
                continue
            block = max(1, math.floor(vial.open_hours * 60 / w.slot_minutes))
            for d in range(7):
                if w.opening[d] is None:
                    continue
                lo, hi = w.opening[d]  # type: ignore[misc]
                for blk, start in enumerate(range(lo, hi, block)):
                    cells = [
                        first[(n, d, j)]
                        for n, need in enumerate(w.needs)
                        if need.product == product
                        for j in range(start, min(hi, start + block))
                        if (n, d, j) in first
                    ]
                    if not cells:
                        continue
                    top = sum(nd.count for nd in w.needs if nd.product == product)
                    v = m.new_int_var(0, math.ceil(top / vial.doses) + 1, f"v_{product}_{d}_{blk}")
                    m.add(SCALE * vial.doses * v >= show * sum(cells))
                    vials[(product, d, blk)] = (v, [(start, min(hi, start + block))], cells)
                    waste_terms.append(SCALE * vial.doses * v - show * sum(cells))
    lateness = sum(lateness_terms) if lateness_terms else 0
    waste = sum(waste_terms) if waste_terms else 0
    cost = sum(round(w.staff[p].cost_per_hour * w.hours(length) * 100) * x for (p, _d, _s, length), x in shifts.items())
    return _Model(m, shifts, first, unbooked, vials, lateness, waste, cost)


# --------------------------------------------------------------------------- a first schedule
def _greedy(w: SiteWeek, built: _Model) -> dict[Any, int] | None:
    """A feasible first schedule to start CP-SAT from (None when the greedy roster cannot cover the rules):
    cover each open day's minimum staffing with the longest shifts of whoever has most hours left, add the
    remaining nurses' shifts as early in the week as their limits allow, then book people earliest-first,
    highest priority first, within nurse capacity. Identical people are reordered by hours worked to
    respect the symmetry rule."""
    S = w.slots_per_day
    left = [p.max_hours_week for p in w.staff]
    taken: dict[tuple[int, int], tuple[int, int]] = {}  # (person, day) → (start, length)

    def can(p: int, d: int, start: int, length: int) -> bool:
        person = w.staff[p]
        if (p, d) in taken or left[p] < w.hours(length) - 1e-9:
            return False
        prev = taken.get((p, d - 1))
        return prev is None or (S - sum(prev)) + start >= person.min_rest_hours * 60 / w.slot_minutes - 1e-9

    def assign(p: int, d: int, start: int, length: int) -> None:
        taken[(p, d)] = (start, length)
        left[p] -= w.hours(length)

    for d in range(7):
        if w.opening[d] is None:
            continue
        lo, hi = w.opening[d]  # type: ignore[misc]
        for role, wanted in w.min_on_duty.items():
            for _ in range(wanted):
                t = lo
                while t < hi:
                    best = None
                    for p, person in enumerate(w.staff):
                        if person.role != role:
                            continue
                        for start, length in _templates(w, d, person):
                            if start <= t < start + length and can(p, d, start, length):
                                key = (start + length, left[p])
                                if best is None or key > best[0]:
                                    best = (key, p, start, length)
                    if best is None:
                        return None
                    _, p, start, length = best
                    assign(p, d, start, length)
                    t = start + length
    for d in range(7):  # every other nurse works as early in the week as the rules allow
        for p, person in enumerate(w.staff):
            if person.role != "nurse":
                continue
            options = [(st, ln) for st, ln in _templates(w, d, person) if can(p, d, st, ln)]
            if options:
                st, ln = min(options, key=lambda o: (o[0], -o[1]))
                assign(p, d, st, ln)
    if w.support_per_nurse > 0:
        return None  # the greedy roster does not size support staff to nurses
    # symmetry: within runs of identical people, the one with more hours first
    order = list(range(len(w.staff)))
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and _terms(w.staff[j + 1]) == _terms(w.staff[i]):
            j += 1
        hours = {p: sum(ln for (q, _d), (_st, ln) in taken.items() if q == p) for p in range(i, j + 1)}
        order[i : j + 1] = sorted(range(i, j + 1), key=lambda p: -hours[p])
        i = j + 1
    renamed = {(order.index(p), d): v for (p, d), v in taken.items()}
    hint: dict[Any, int] = {x: 0 for x in built.shifts.values()}
    for (p, d), (st, ln) in renamed.items():
        hint[built.shifts[(p, d, st, ln)]] = 1
    nurses = {(d, j): 0 for d in range(7) for j in range(S)}
    for (p, d), (st, ln) in renamed.items():
        if w.staff[p].role == "nurse":
            for j in range(st, st + ln):
                nurses[(d, j)] += 1
    show = round((1 - w.no_show_rate) * SCALE)
    room = {k: (round(SCALE * w.per_nurse_slot) * n) // max(show, 1) for k, n in nurses.items()}
    for var in built.first.values():
        hint[var] = 0
    order_needs = sorted(range(len(w.needs)), key=lambda n: (w.needs[n].day is None, w.ranks[w.needs[n].group]))
    for n in order_needs:
        need = w.needs[n]
        rest = need.count
        for d in [need.day] if need.day is not None else range(7):
            if w.opening[d] is None:
                continue
            lo, hi = w.opening[d]  # type: ignore[misc]
            for j in range(lo, hi):
                if rest <= 0:
                    break
                k = min(rest, room[(d, j)])
                if k > 0 and (n, d, j) in built.first:
                    hint[built.first[(n, d, j)]] += k
                    room[(d, j)] -= k
                    rest -= k
        hint[built.unbooked[n]] = rest
    return hint


# --------------------------------------------------------------------------- solve
def solve_site_week(
    w: SiteWeek, time_limit: float = 30.0, workers: int = 1, seed: int = 0, gap_limit: float = 0.0
) -> Schedule:
    """Lexicographic CP-SAT solve (module docstring) within ``time_limit`` seconds of CP-SAT's *deterministic*
    time (about a second of one core; the first stage may use 60 % of it, the second half of what is left):
    with one worker and a fixed seed the same week gives the same schedule on every run, whatever the load. Each stage stops at a relative gap of ``gap_limit``
    (0: proven; a stage stopped by the gap is reported with its gap, never as optimal). ``workers``: CP-SAT
    threads; 1 by default, sites run in parallel instead. With the full LP relaxation one thread proved a
    1,300-person centre week in 11 s where 8 threads on 2 cores stopped at a 92 % gap after 17 s, and the
    2-thread portfolio lacks the LP worker (a 4-person site stayed at 67 % for 20 s, 0.5 s on 1 thread)."""
    from ortools.sat.python import cp_model

    start = time.perf_counter()
    built = _build(w)
    m = built.model
    stages = [("lateness", built.lateness), ("wasted_doses", built.waste), ("staff_cost", built.cost)]
    objectives: dict[str, float] = {}
    bounds: dict[str, float] = {}
    gaps: list[float] = []
    proven = True
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.interleave_search = workers > 1  # several workers stay reproducible only interleaved
    # the full LP relaxation proves the staffing-cost bounds (coverage by shift templates) at once;
    # at level 1 the cost stage of a 4-person site stayed at a 70 % gap after 10 s
    solver.parameters.linearization_level = 2
    solver.parameters.relative_gap_limit = gap_limit
    snapshot: dict[Any, int] | None = None  # the last solution: every variable the write-back reads
    values: dict[str, float] = {}
    variables = [*built.shifts.values(), *built.first.values(), *built.unbooked.values()]
    variables += [v for v, _span, _cells in built.vials.values()]
    show = round((1 - w.no_show_rate) * SCALE)

    def fewest_vials(snap: dict[Any, int]) -> None:
        """Given the appointments, the fewest vials are ceil(expected doses / vial size) per block: set them,
        so that the waste reported (and hinted) is that of the schedule, whatever stage stopped."""
        for (product, _d, _b), (v, _span, cells) in built.vials.items():
            need = show * sum(snap[c] for c in cells)
            snap[v] = -(-need // (SCALE * w.vials[product].doses))

    first_guess = _greedy(w, built)
    if first_guess is not None:
        fewest_vials(first_guess)
        for var, val in first_guess.items():
            m.add_hint(var, val)
    work = 0.0
    for i, (name, expr) in enumerate(stages):
        solver.parameters.max_deterministic_time = max(0.1, (time_limit - work) * (0.6, 0.5, 1.0)[i])
        if isinstance(expr, int):
            objectives[name] = bounds[name] = float(expr)
            continue
        m.minimize(expr)
        status = solver.solve(m)
        work += solver.deterministic_time
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            value, bound = solver.objective_value, solver.best_objective_bound
            objectives[name], bounds[name] = value, bound
            gap = abs(value - bound) / max(1.0, abs(value))
            gaps.append(gap)
            proven = proven and status == cp_model.OPTIMAL and gap <= 1e-9
            snapshot = {var: solver.value(var) for var in variables}
            fewest_vials(snapshot)
            values = {n: float(solver.value(e)) for n, e in stages if not isinstance(e, int)}
            values["wasted_doses"] = float(_waste_value(w, built, snapshot, show))
            m.clear_hints()
            for var in variables:
                m.add_hint(var, snapshot[var])
            m.add(expr <= round(value))  # keep this stage's value in the next stages
        elif status == cp_model.INFEASIBLE and snapshot is None:
            return Schedule(
                w,
                SolveStatus.INFEASIBLE,
                seconds=time.perf_counter() - start,
                work=work,
                explanation=explain_staffing(w),
            )
        elif snapshot is None:
            return Schedule(
                w,
                SolveStatus.NO_SOLUTION,
                seconds=time.perf_counter() - start,
                work=work,
                message=solver.status_name(status),
            )
        else:  # out of time in a later stage: keep the last schedule, its value of this stage, no bound
            proven = False
            objectives[name] = values[name]
            gaps.append(float("inf"))
    assert snapshot is not None
    units = {"lateness": 1, "wasted_doses": SCALE, "staff_cost": 100}
    out = Schedule(
        w,
        SolveStatus.OPTIMAL if proven else SolveStatus.TIME_LIMIT,
        {k: v / units[k] for k, v in objectives.items()},
        {k: v / units[k] for k, v in bounds.items()},
        worst if math.isfinite(worst := max(gaps, default=0.0)) else None,
        time.perf_counter() - start,
        work,
        message="every stage proven optimal" if proven else "time limit: best schedule found, not proven optimal",
    )
    _write_back(w, built, snapshot, out)
    return out


def _waste_value(w: SiteWeek, built: _Model, snap: dict[Any, int], show: int) -> int:
    """Wasted doses (in hundredths) of a solution."""
    return sum(
        SCALE * w.vials[product].doses * snap[v] - show * sum(snap[c] for c in cells)
        for (product, _d, _b), (v, _span, cells) in built.vials.items()
    )


def _write_back(w: SiteWeek, built: _Model, value: dict[Any, int], out: Schedule) -> None:
    show = 1 - w.no_show_rate
    for (n, d, j), a in built.first.items():
        k = value[a]
        if k:
            need = w.needs[n]
            out.appointments.append(
                {
                    "day": WEEKDAYS[d],
                    "time": _clock(j, w.slot_minutes),
                    "slot": j,
                    "group": need.group,
                    "product": need.product,
                    "dose": need.dose,
                    "people": int(k),
                }
            )
    for (p, d, s, length), x in built.shifts.items():
        if value[x]:
            person = w.staff[p]
            out.shifts.append(
                {
                    "person": person.name,
                    "role": person.role,
                    "volunteer": person.volunteer,
                    "day": WEEKDAYS[d],
                    "start": _clock(s, w.slot_minutes),
                    "end": _clock(s + length, w.slot_minutes),
                    "start_slot": s,
                    "end_slot": s + length,
                    "hours": w.hours(length),
                }
            )
    for (product, d, b), (v, span, _cells) in built.vials.items():
        opened = value[v]
        if opened:
            used = sum(
                a["people"] * show
                for a in out.appointments
                if a["product"] == product and a["day"] == WEEKDAYS[d] and span[0][0] <= a["slot"] < span[0][1]
            )
            out.vials.append(
                {
                    "product": product,
                    "day": WEEKDAYS[d],
                    "block": b,
                    "from": _clock(span[0][0], w.slot_minutes),
                    "to": _clock(span[0][1], w.slot_minutes),
                    "vials": int(opened),
                    "doses": int(opened) * w.vials[product].doses,
                    "expected_used": used,
                    "wasted": int(opened) * w.vials[product].doses - used,
                }
            )
    for n, u in built.unbooked.items():
        k = value[u]
        if k:
            need = w.needs[n]
            key = f"{need.group}/{need.product}/dose {need.dose}"
            out.unmet[key] = out.unmet.get(key, 0) + int(k)


def explain_staffing(w: SiteWeek) -> list[str]:
    """Which day and role lacks whom: each (day, role) rule tested alone, then each role over the week."""
    from ortools.sat.python import cp_model

    lines = []

    def feasible(pairs: set[tuple[int, str]]) -> bool:
        solver = cp_model.CpSolver()
        solver.parameters.max_deterministic_time = 10.0
        return solver.solve(_build(w, roles_only=pairs).model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)

    for d in range(7):
        if w.opening[d] is None:
            continue
        lo, hi = w.opening[d]  # type: ignore[misc]
        for role, need in w.min_on_duty.items():
            if need > 0 and not feasible({(d, role)}):
                people = [p for p in w.staff if p.role == role and d in p.days]
                most = max((p.max_hours_day for p in people), default=0.0)
                lines.append(
                    f"{WEEKDAYS[d]}: {role}: {need} needed on duty {_clock(lo, w.slot_minutes)}–"
                    f"{_clock(hi, w.slot_minutes)} ({w.hours(hi - lo):g} h); {len(people)} available that day"
                    + (f", at most {most:g} h each" if people else "")
                )
    if lines:
        return lines
    for role, need in w.min_on_duty.items():
        pairs = {(d, role) for d in range(7) if w.opening[d] is not None}
        if need > 0 and not feasible(pairs):
            people = [p for p in w.staff if p.role == role]
            total = sum(w.hours(hi - lo) for o in w.opening if o is not None for lo, hi in [o]) * need
            lines.append(
                f"{role}: the week needs {total:g} h on duty; {len(people)} {role}(s) give at most "
                f"{sum(p.max_hours_week for p in people):g} h within their daily, weekly and rest limits"
            )
    if not lines:
        lines.append("each role can be covered alone; the support-per-nurse rule cannot hold together with them")
    return lines
