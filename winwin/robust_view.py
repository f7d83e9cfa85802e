"""Rich rendering of the robust plan (``winwin plan --robust K``)."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from winwin.console import number
from winwin.optimizer.robust.robust import RobustReport


def plus_minus(estimate: dict[str, float], digits: int = 3) -> str:
    """``mean ± stderr`` of an estimate's ``as_dict()``."""
    return f"{estimate['mean']:.{digits}f} ± {estimate['stderr']:.{digits}f}"


def robust_line(report: RobustReport) -> str:
    m, s = report.model, report.seconds
    form = m.get("extensive_form", {})
    return (
        f"status [bold]{report.status.value}[/]  ·  HiGHS interior point (relative gap ≤ 1e-6)  ·  "
        f"{report.settings.futures} futures, CVaR β {report.settings.beta}  ·  extensive form "
        f"{form.get('columns', 0):,} columns × {form.get('rows', 0):,} rows ({m['sites_merged']} sites merged)  ·  "
        f"plan {s.get('plan', 0):.1f} s"
    )


def in_sample_table(report: RobustReport) -> Table:
    ins = report.in_sample
    table = Table(title="on the planned futures", title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("E[PX − costs] (points)", f"{report.objective:.4f}" if report.objective is not None else "—")
    table.add_row("E[PX], plan / silo", f"{ins['px']:.3f} / {ins['silo_px']:.3f}")
    table.add_row("futures with every partner whole", f"{100 * ins['whole_share']:.0f} %")
    table.add_row(
        "appointments booked now / cancelled on average", f"{ins['booked']:,.0f} / {ins['cancelled_mean']:,.1f}"
    )
    return table


def out_of_sample_table(oos: dict[str, Any]) -> Table:
    table = Table(
        title=f"out of sample: {oos['test_futures']} fresh futures, same deliveries for both", title_justify="left"
    )
    table.add_column("measure")
    for name in ("robust winwin", "deterministic winwin"):
        table.add_column(name, justify="right")
    r, d = oos["robust_winwin"], oos["deterministic_winwin"]
    table.add_row("E[PX] ± s.e.", plus_minus(r["px"]), plus_minus(d["px"]))
    table.add_row("E[PX − costs] ± s.e.", plus_minus(r["objective"]), plus_minus(d["objective"]))
    table.add_row(
        "futures with every partner whole", f"{100 * r['whole_share']:.1f} %", f"{100 * d['whole_share']:.1f} %"
    )
    table.add_row("appointments kept", f"{100 * r['appointments_kept']:.2f} %", f"{100 * d['appointments_kept']:.2f} %")
    table.add_row("least partner's 5 % worst gain", number(min(r["worst_5pct_gain"].values()), ",.0f"),
                  number(min(d["worst_5pct_gain"].values()), ",.0f"))  # fmt: skip
    table.add_row("total surplus, 5 % worst", number(r["surplus_5pct"], ",.0f"), number(d["surplus_5pct"], ",.0f"))
    return table


def yardstick_table(payload: dict[str, Any]) -> Table:
    table = Table(title="yardsticks (points of E[PX − costs])", title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    oos = payload.get("out_of_sample")
    if oos:
        table.add_row("clairvoyant E[PX − costs]", plus_minus(oos["clairvoyant_objective"]))
        table.add_row("VSS (robust − plan on mean deliveries)", plus_minus(oos["vss"], 6))
        table.add_row("EVPI (clairvoyant − robust)", plus_minus(oos["evpi"], 6))
    gap = payload.get("saa_gap")
    if gap:
        table.add_row(f"SAA gap, {len(gap['replications'])} replications (mean / 95 % upper)",
                      f"{gap['mean']:.6f} / {gap['upper_95']:.6f}")  # fmt: skip
    return table


def robust_entry_table(entry: dict[str, Any]) -> Table:
    """The deal sheet's robust_winwin line: out-of-sample win-win probability beside the deterministic one's."""
    table = Table(
        title=f"robust_winwin — {entry['futures']} futures, CVaR β {entry['cvar_beta']}, judged on "
        f"{entry.get('test_futures', 0)} fresh futures",
        title_justify="left",
    )
    table.add_column("measure")
    table.add_column("robust winwin", justify="right")
    table.add_column("deterministic winwin", justify="right")
    if "win_win_probability" not in entry:
        table.add_row("status", entry["status"], "—")
        return table
    table.add_row(
        "E[PX] out of sample", f"{entry['px_out_of_sample']:.3f}", f"{entry['deterministic_px_out_of_sample']:.3f}"
    )
    table.add_row("P(every partner whole)", f"{100 * entry['win_win_probability']:.1f} %",
                  f"{100 * entry['deterministic_win_win_probability']:.1f} %")  # fmt: skip
    table.add_row("appointments kept", f"{100 * entry['appointments_kept']:.2f} %",
                  f"{100 * entry['deterministic_appointments_kept']:.2f} %")  # fmt: skip
    return table
