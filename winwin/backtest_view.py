"""Rich view of ``winwin backtest``: one table per measure, simulated against observed."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from winwin.models.backtest import BacktestResult


def _lag(value: float, low: float, high: float, missing: int) -> str:
    if missing:
        return f"not reached ({missing} seed{'s' if missing > 1 else ''})"
    text = f"{value:+.1f}"
    return text if low == high else f"{text} ({low:+.1f}…{high:+.1f})"


def backtest_tables(result: BacktestResult) -> list[Table]:
    """Per measure: each observed point with the simulated value (seeds' range), error and lag; RMSE in the title."""
    tables = []
    seeds = len(result.seeds)
    for measure, rows in result.points.groupby("measure", sort=False):
        title = (
            f"{escape(str(measure))} — {result.mode}, {seeds} seed{'s' if seeds > 1 else ''}: "
            f"RMSE {result.rmse[str(measure)]:.2f} points; lag > 0: the simulation is late"
        )
        t = Table(title=title, title_justify="left")
        for col in ("date", "observed %", "simulated %", "error (points)", "lag (days)"):
            t.add_column(col, justify="left" if col == "date" else "right")
        for r in rows.to_dict("records"):
            spread = "" if seeds == 1 else f" ({r['simulated_min']:.1f}–{r['simulated_max']:.1f})"
            t.add_row(
                str(r["date"]), f"{r['observed']:.1f}", f"{r['simulated']:.1f}{spread}", f"{r['error']:+.1f}",
                _lag(r["lag_days"], r["lag_min"], r["lag_max"], int(r["not_reached"])),
            )  # fmt: skip
        tables.append(t)
    return tables
