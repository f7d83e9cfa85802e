"""The backtest section: the simulated coverage band over seeds against the observed points (issue 21)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go

from winwin.report.inputs import Backtest
from winwin.report.page import EXTRA, MODE_COLOURS, Figure, Section, Table, Text, colour, esc, styled


def backtest_figure(bt: Backtest, start: date) -> go.Figure:
    """Per measure: the seeds' least and largest simulated coverage (a band), their mean, the observed points."""
    fig = go.Figure()
    mode = str(bt.payload.get("mode", "silo"))
    s = bt.series
    length = float(bt.payload.get("period_days", 7.0))
    for i, measure in enumerate(bt.payload["measures"]):
        c = EXTRA[i % len(EXTRA)] if i else colour(mode, MODE_COLOURS)
        per = s.groupby("period")[measure]
        days = [start + timedelta(days=length * (p + 1)) for p in per.mean().index]
        x = [start, *days]
        low, high, mean = ([0.0, *v.to_list()] for v in (per.min(), per.max(), per.mean()))
        fig.add_trace(go.Scatter(x=x, y=high, mode="lines", line={"width": 0, "color": c}, showlegend=False,
                                 hoverinfo="skip", legendgroup=measure))  # fmt: skip
        fig.add_trace(go.Scatter(x=x, y=low, mode="lines", line={"width": 0, "color": c}, fill="tonexty",
                                 opacity=0.3, name=esc(f"{measure}: simulated, seeds' range"), legendgroup=measure))  # fmt: skip
        fig.add_trace(go.Scatter(x=x, y=mean, mode="lines", line={"color": c, "width": 2},
                                 name=esc(f"{measure}: simulated, mean"), legendgroup=measure))  # fmt: skip
        points = bt.payload["measures"][measure]["points"]
        fig.add_trace(go.Scatter(x=[p["date"] for p in points], y=[p["observed"] for p in points], mode="markers",
                                 marker={"color": c, "size": 9, "symbol": "diamond"},
                                 name=esc(f"{measure}: observed"), legendgroup=measure))  # fmt: skip
    fig.update_yaxes(title_text="coverage (%)")
    fig.update_xaxes(title_text="date")
    return styled(fig, f"backtest: simulated {mode} campaign against the observed series", height=520)


def backtest_table(bt: Backtest) -> Table:
    rows = []
    for measure, body in bt.payload["measures"].items():
        for p in body["points"]:
            rows.append(
                {
                    "measure": measure,
                    "date": p["date"],
                    "observed %": p["observed"],
                    "simulated %": p["simulated"],
                    "error (points)": p["error"],
                    "lag (days)": "not reached" if p["lag_days"] is None else f"{p['lag_days']:+.1f}",
                    "RMSE": body["rmse"],
                }
            )
    formats = {"observed %": ".1f", "simulated %": ".1f", "error (points)": "+.1f", "RMSE": ".2f"}
    caption = "each observed point against the simulation (seeds' mean); lag > 0: the simulation is late"
    return Table(pd.DataFrame(rows), caption, formats)


def backtest_section(bt: Backtest, start: date | None) -> Section:
    seeds = len(bt.payload.get("seeds", [])) or 1
    text = (
        f"The {bt.payload.get('mode', 'silo')} simulation of {bt.payload.get('scenario', '')} over {seeds} "
        f"seed{'s' if seeds > 1 else ''} against an observed coverage series: the band is the seeds' range."
    )
    blocks: list[Text | Table | Figure] = [Text(text), backtest_table(bt)]
    if start is not None:
        blocks.append(Figure(backtest_figure(bt, start)))
    return Section("backtest", "The backtest", list(blocks))
