"""Rich rendering of plans for the command line."""

from __future__ import annotations

from rich.table import Table

from winwin.console import number
from winwin.optimizer import Plan


def _money(v: float) -> str:
    return number(v, ",.0f")


def solve_line(plan: Plan) -> str:
    s = plan.solve
    gap = "—" if s.gap is None else f"{s.gap:.2e}"
    r = plan.reduction
    model = (
        f"  ·  reduced model: {r['columns']['reduced']:,} of {r['columns']['full']:,} columns "
        f"({r['sites_merged']} sites merged), checked on the full model"
        if r.get("model") == "reduced"
        else f"  ·  full model ({r['fallback']})"
        if r.get("fallback")
        else ""
    )
    return (
        f"status [bold]{plan.status.value}[/]  ·  {s.backend}/{s.solver}  ·  build {plan.model.build_seconds:.2f} s"
        f"  ·  solve {s.seconds:.2f} s  ·  gap {gap}{model}"
    )


def kpi_table(plan: Plan) -> Table:
    k = plan.kpis()
    table = Table(title=f"{plan.scenario.name} — {plan.concept} plan", title_justify="left")
    table.add_column("KPI")
    table.add_column("value", justify="right")
    table.add_row("patient experience PX (0–100)", f"{k['px']:.3f}")
    table.add_row("courses started", f"{k['first_doses']:,.0f}")
    table.add_row("doses administered", f"{k['doses_administered']:,.0f}")
    table.add_row("doses wasted", f"{k['doses_wasted']:,.0f}")
    if "second_doses_missed" in k:
        table.add_row("second doses missed", f"{k['second_doses_missed']:,.0f}")
    table.add_row("mean wait after eligibility (periods)", f"{k['mean_wait_periods']:.2f}")
    table.add_row("mean travel (minutes)", f"{k['mean_travel_minutes']:.1f}")
    table.add_row("payer spend", _money(k["payer_spend"]))
    for group, cov in k["coverage"].items():
        table.add_row(f"coverage {group}", f"{cov:.1%}")
    return table


def partner_table(plan: Plan, limit: int = 25) -> Table:
    df = plan.partners()
    table = Table(title="partners (utility against the silo status quo)", title_justify="left")
    with_transfers = plan.transfers is not None or plan.subsidy is not None
    columns = ("partner", "role", "utility", "silo utility", "gain") + (("transfer",) if with_transfers else ())
    for col in columns:
        table.add_column(col, justify="left" if col in ("partner", "role") else "right")
    shown = df.reindex(df["gain"].abs().sort_values(ascending=False).index) if len(df) > limit else df
    for pid, row in shown.head(limit).iterrows():
        gain = row["gain"]
        style = "red" if gain < -1e-6 * max(1.0, abs(row["utility"])) else ""
        cells = [
            str(pid),
            str(row["role"]),
            _money(row["utility"]),
            _money(row["disagreement"]),
            f"[{style}]{_money(gain)}[/]" if style else _money(gain),
        ]
        if with_transfers:
            cells.append(_money(row["transfer"]))
        table.add_row(*cells)
    if len(df) > limit:
        table.caption = f"{limit} of {len(df)} partners shown (largest gains or losses); --json or --out for all"
    return table
