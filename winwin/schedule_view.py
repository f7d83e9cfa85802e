"""Rich rendering and files for schedules (``winwin schedule``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.table import Table

from winwin.data.schema import WEEKDAYS
from winwin.optimizer.scheduling.campaign import CampaignSchedule
from winwin.optimizer.scheduling.site_week import Schedule


def schedule_table(s: Schedule) -> Table:
    """One row per open day: hours, appointments by group, staff on duty, vials and waste."""
    w = s.week
    groups = sorted(w.ranks, key=lambda g: w.ranks[g])
    table = Table(title=f"{w.site} — week {w.week}: {s.status.value}", title_justify="left")
    for col in ("day", "open", *groups, "2nd doses", "doctor h", "nurse h", "volunteer h", "vials", "wasted"):
        table.add_column(col, justify="left" if col in ("day", "open") else "right")
    for d, day in enumerate(WEEKDAYS):
        if w.opening[d] is None:
            continue
        lo, hi = w.opening[d]  # type: ignore[misc]
        appts = [a for a in s.appointments if a["day"] == day]
        shifts = [x for x in s.shifts if x["day"] == day]
        vials = [v for v in s.vials if v["day"] == day]
        by_group = [sum(a["people"] for a in appts if a["group"] == g and a["dose"] == 1) for g in groups]
        table.add_row(
            day,
            f"{lo * w.slot_minutes // 60:02d}–{hi * w.slot_minutes // 60:02d}",
            *(f"{n:,}" for n in by_group),
            f"{sum(a['people'] for a in appts if a['dose'] == 2):,}",
            f"{sum(x['hours'] for x in shifts if x['role'] == 'doctor'):g}",
            f"{sum(x['hours'] for x in shifts if x['role'] == 'nurse' and not x['volunteer']):g}",
            f"{sum(x['hours'] for x in shifts if x['volunteer']):g}",
            f"{sum(v['vials'] for v in vials):,}",
            f"{sum(v['wasted'] for v in vials):,.1f}",
        )
    return table


def schedule_lines(s: Schedule) -> list[str]:
    lines = [f"{s.message}; {s.seconds:.1f} s; gap {s.gap if s.gap is not None else '—'}"]
    if s.objectives:
        lines.append(
            "objectives: "
            + ", ".join(f"{k} {v:,.1f} (bound {s.bounds.get(k, v):,.1f})" for k, v in s.objectives.items())
        )
    if s.unmet:
        lines.append("[red]not booked:[/] " + ", ".join(f"{k}: {v}" for k, v in s.unmet.items()))
    lines += s.explanation
    return lines


def campaign_table(c: CampaignSchedule) -> Table:
    t = c.totals()
    table = Table(
        title=f"week {c.week}: {t['sites']} sites scheduled on {c.executor} in {c.seconds:.1f} s", title_justify="left"
    )
    table.add_column("KPI")
    table.add_column("value", justify="right")
    for status, n in t["status"].items():
        table.add_row(f"sites {status}", f"{n}")
    table.add_row("sites with nothing to give", f"{t['skipped']}")
    for g, n in t["appointments_by_group"].items():
        table.add_row(f"appointments {g}", f"{n:,}")
    table.add_row("wasted doses (expected)", f"{t['wasted_doses']:,.1f}")
    for r, h in t["staff_hours"].items():
        table.add_row(f"{r} hours", f"{h:,.0f}")
    table.add_row("people not booked", f"{t['unmet']:,}")
    if not c.schedules and c.first_week_with_doses is not None:
        table.caption = f"no site has doses to give in week {c.week}; the plan's first doses reach sites in week {c.first_week_with_doses}"
    return table


def write_schedules(schedules: list[Schedule], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in ("appointments", "shifts", "vials"):
        rows = [dict(r, site=s.week.site, week=s.week.week) for s in schedules for r in getattr(s, name)]
        df = pd.DataFrame(rows)
        df.to_csv(out_dir / f"{name}.csv", index=False)
        df.to_parquet(out_dir / f"{name}.parquet", index=False)
