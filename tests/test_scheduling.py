"""CP-SAT site-week scheduling: a hand-worked optimum, the rules re-checked on the returned schedule,
infeasible staffing explained, and the campaign level (in-process and Ray)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from winwin.cli import app
from winwin.data import Scenario
from winwin.optimizer import plan
from winwin.optimizer.lp.solvers import SolveStatus
from winwin.optimizer.parallel import RayExecutor
from winwin.optimizer.scheduling.campaign import schedule_campaign, site_week
from winwin.optimizer.scheduling.site_week import Need, Person, Schedule, SiteWeek, Vial, solve_site_week


def person(name: str, role: str, cost: float, days: range | tuple[int, ...] = range(7), **kw: float) -> Person:
    return Person(
        name,
        role,
        kw.get("max_hours_day", 10.0),
        kw.get("max_hours_week", 40.0),
        kw.get("min_rest_hours", 11.0),
        cost,
        frozenset(days),
        False,
    )


def monday_morning(staff: tuple[Person, ...], needs: tuple[Need, ...], no_show: float = 0.0) -> SiteWeek:
    """Open Monday 08:00–12:00 in 15-minute slots (slots 32..47), 3 people per nurse and slot, 4-hour shifts."""
    return SiteWeek(
        "s",
        0,
        15,
        ((32, 48), None, None, None, None, None, None),
        (4.0,),
        staff,
        {"doctor": 1, "nurse": 1},
        0.0,
        3,
        no_show,
        needs,
        {"pf": Vial(6, 4.0)},
        {"A": 1, "B": 2},
    )


def test_hand_worked_optimum() -> None:
    """10 people of group A (rank 1, weight 2) and 5 of B (weight 1); 1 doctor, 2 nurses, 3 per nurse and
    slot. Lateness is least with both nurses on duty: 6 A at 08:00 (slot 32), 4 A + 2 B at 08:15, 3 B at
    08:30 → 2·(6·32 + 4·33) + (2·33 + 3·34) = 816. 15 doses from 6-dose vials in one 4-hour block: 3 vials,
    3 doses wasted. Staff: doctor 4 h × 100 + 2 nurses × 4 h × 40 = 720."""
    w = monday_morning(
        (person("doc", "doctor", 100), person("n1", "nurse", 40), person("n2", "nurse", 40)),
        (Need("A", "pf", 1, 10), Need("B", "pf", 1, 5)),
    )
    s = solve_site_week(w, 20)
    assert s.status == SolveStatus.OPTIMAL and s.gap == 0
    assert s.objectives == {"lateness": 816, "wasted_doses": 3, "staff_cost": 720}
    assert s.wasted_doses == 3 and s.unmet == {}
    _check_rules(s)


def _check_rules(s: Schedule) -> None:
    """Re-derive every rule from the returned tables."""
    w = s.week
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    show = 1 - w.no_show_rate
    for d, day in enumerate(days):
        if w.opening[d] is None:
            assert not [a for a in s.appointments if a["day"] == day]
            continue
        lo, hi = w.opening[d]  # type: ignore[misc]
        for j in range(lo, hi):
            on = {
                r: sum(
                    1 for x in s.shifts if x["day"] == day and x["role"] == r and x["start_slot"] <= j < x["end_slot"]
                )
                for r in ("doctor", "nurse", "support")
            }
            for role, need in w.min_on_duty.items():
                assert on[role] >= need, (day, j, role)
            booked = sum(a["people"] for a in s.appointments if a["day"] == day and a["slot"] == j)
            assert booked * show <= on["nurse"] * w.per_nurse_slot + 1e-9  # no slot overbooked
        assert all(lo <= a["slot"] < hi for a in s.appointments if a["day"] == day)
    for p in w.staff:
        mine = [x for x in s.shifts if x["person"] == p.name]
        assert sum(x["hours"] for x in mine) <= p.max_hours_week + 1e-9
        assert len({x["day"] for x in mine}) == len(mine)  # one shift a day
        for x in mine:
            assert x["hours"] <= p.max_hours_day + 1e-9
            assert days.index(x["day"]) in p.days
            nxt = [y for y in mine if days.index(y["day"]) == days.index(x["day"]) + 1]
            for y in nxt:
                rest = (24 * 60 / w.slot_minutes - x["end_slot"] + y["start_slot"]) * w.slot_minutes / 60
                assert rest >= p.min_rest_hours - 1e-9
    # vials: every dose of a block comes from a vial opened in that block (≤ open_vial_hours earlier)
    for v in s.vials:
        assert v["expected_used"] <= v["doses"] + 1e-9
        span_hours = (int(v["to"][:2]) * 60 + int(v["to"][3:]) - int(v["from"][:2]) * 60 - int(v["from"][3:])) / 60
        assert span_hours <= w.vials[v["product"]].open_hours + 1e-9
    # second doses on their due day; everyone booked or reported
    for n in w.needs:
        got = sum(
            a["people"]
            for a in s.appointments
            if (a["group"], a["product"], a["dose"]) == (n.group, n.product, n.dose)
            and (n.day is None or a["day"] == days[n.day])
        )
        assert got + s.unmet.get(f"{n.group}/{n.product}/dose {n.dose}", 0) >= n.count


def test_no_show_buffer_and_second_doses() -> None:
    # 20 % no-shows: 16 people booked are expected to bring 12.8 → 3 six-dose vials, 5.2 doses wasted
    w = monday_morning(
        (person("doc", "doctor", 100), person("n1", "nurse", 40)),
        (Need("A", "pf", 1, 12), Need("B", "pf", 2, 4, day=0)),
        no_show=0.2,
    )
    s = solve_site_week(w, 20)
    assert s.status == SolveStatus.OPTIMAL
    assert sum(a["people"] for a in s.appointments if a["dose"] == 2 and a["day"] == "mon") == 4
    assert s.wasted_doses == pytest.approx(18 - 16 * 0.8)
    _check_rules(s)


def test_infeasible_staffing_is_explained() -> None:
    w = monday_morning((person("n1", "nurse", 40),), (Need("A", "pf", 1, 4),))
    s = solve_site_week(w, 10)
    assert s.status == SolveStatus.INFEASIBLE
    assert s.explanation == ["mon: doctor: 1 needed on duty 08:00–12:00 (4 h); 0 available that day"]
    # a doctor who does not work Mondays does not help
    w2 = monday_morning(
        (person("doc", "doctor", 100, days=(1, 2)), person("n1", "nurse", 40)), (Need("A", "pf", 1, 4),)
    )
    assert solve_site_week(w2, 10).explanation[0].startswith("mon: doctor: 1 needed")


def test_weekly_hours_explained() -> None:
    # open 12 h Mon–Sat with one doctor allowed 40 h a week: no single day fails, the week does
    w = SiteWeek(
        "s",
        0,
        60,
        ((8, 20),) * 6 + (None,),
        (12.0,),
        (
            person("doc", "doctor", 100, max_hours_day=12),
            person("n1", "nurse", 40, max_hours_week=100, max_hours_day=12, min_rest_hours=0),
        ),
        {"doctor": 1, "nurse": 1},
        0.0,
        10,
        0.0,
        (Need("A", "pf", 1, 4),),
        {"pf": Vial(1, 6.0)},
        {"A": 1},
    )
    s = solve_site_week(w, 10)
    assert s.status == SolveStatus.INFEASIBLE
    assert any(line.startswith("doctor: the week needs 72 h on duty") for line in s.explanation), s.explanation


def test_site_week_from_the_plan(tiny: Scenario) -> None:
    p = plan(tiny, "joint")
    w = site_week(tiny, p, "s_north", 3)
    adm = p.administrations()
    planned = adm[(adm["site"] == "s_north") & (adm["period"] == 3)]["doses"].sum()
    assert sum(n.count for n in w.needs if n.dose == 1) == round(planned)
    # second doses due in week 3 are the first doses of product beta (interval 2) given in week 1
    due = adm[(adm["site"] == "s_north") & (adm["period"] == 1) & (adm["product"] == "beta")]["doses"].sum()
    assert sum(n.count for n in w.needs if n.dose == 2) == round(due)
    s = solve_site_week(w, 20)
    assert s.status == SolveStatus.OPTIMAL
    _check_rules(s)


def test_campaign_in_process_and_on_ray(tiny: Scenario, ray_cluster) -> None:  # type: ignore[no-untyped-def]
    p = plan(tiny, "joint")
    a = schedule_campaign(tiny, p, 1, time_limit=20)
    b = schedule_campaign(tiny, p, 1, RayExecutor(), time_limit=20)
    assert set(a.schedules) == set(b.schedules) and a.schedules
    for site in a.schedules:
        assert a.schedules[site].objectives == b.schedules[site].objectives
    t = a.totals()
    assert t["status"] == {"optimal": len(a.schedules)}
    assert sum(t["appointments_by_group"].values()) >= 1


def test_schedule_cli(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["schedule", "tiny", "--site", "s_north", "--week", "1", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {"status", "objective", "gap", "appointments", "wasted_doses", "staff_hours", "unmet"} <= set(payload)
    assert payload["status"] == "optimal"
    result = runner.invoke(app, ["schedule", "tiny", "--all", "--week", "1", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "appointments.csv").exists() and "sites scheduled" in result.stdout
    bad = runner.invoke(app, ["schedule", "tiny", "--week", "99"])
    assert bad.exit_code == 2 and "--week" in bad.stderr


def test_any_allocation_table(tiny: Scenario, tmp_path: Path, runner: CliRunner) -> None:
    import pandas as pd

    import winwin

    table = pd.DataFrame(
        {"group": ["elderly", "adults"], "product": ["alpha", "beta"], "dose": [1, 2], "people": [12, 6]}
    )
    s = winwin.schedule(tiny, "s_north", 2, allocation=table, time_limit=20)
    assert isinstance(s, Schedule) and s.status == SolveStatus.OPTIMAL
    booked = s.booked_by_group()
    assert booked == {"elderly": 12, "adults": 6}
    # the six second doses are spread over the six open days, one a day
    assert sorted(a["day"] for a in s.appointments if a["dose"] == 2) == sorted(
        ["mon", "tue", "wed", "thu", "fri", "sat"]
    )
    _check_rules(s)
    path = tmp_path / "alloc.csv"
    table.to_csv(path, index=False)
    result = runner.invoke(
        app, ["schedule", "tiny", "--site", "s_north", "--week", "2", "--allocation", str(path), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "optimal"
    table.loc[0, "group"] = "martians"
    table.to_csv(path, index=False)
    bad = runner.invoke(app, ["schedule", "tiny", "--site", "s_north", "--allocation", str(path)])
    assert bad.exit_code == 2 and "allocation row 0.group: not a group of the scenario (got 'martians')" in bad.stderr


def test_schedules_are_reproducible_under_a_time_limit(runner: CliRunner) -> None:
    """The time limit is CP-SAT's deterministic time, so a run stopped by it stops at the same point every
    time: `schedule --all --json` twice gives the same bytes, and so does a hospital hub's week the limit cuts short."""
    import pandas as pd

    import winwin

    args = ["schedule", "tiny", "--all", "--week", "1", "--json", "--time-limit", "0.2"]
    first, second = runner.invoke(app, args), runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout
    table = pd.DataFrame(
        {"group": ["at_risk_18_64", "age_65_plus"], "product": ["comirnaty"] * 2, "dose": [1, 2], "people": [300, 100]}
    )
    sc = winwin.load("belgium-2021")
    runs = [winwin.schedule(sc, "hospital_antwerp", 10, allocation=table, time_limit=0.6) for _ in range(2)]
    assert all(isinstance(s, Schedule) and s.status == SolveStatus.TIME_LIMIT for s in runs)  # the limit binds
    assert runs[0].to_dict() == runs[1].to_dict()
