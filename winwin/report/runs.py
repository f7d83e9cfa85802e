"""The simulation (KPIs week by week per governance mode) and the sweep (distributions, win-win rates,
regret, the drivers of lost win-win)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from winwin.experiments.analysis import win_win_rates
from winwin.report.inputs import Run, SweepResults
from winwin.report.page import MODE_COLOURS, Block, Figure, Section, Table, Text, colour, esc, styled
from winwin.sweep_view import box_limits

PANELS = (
    ("px", "patient experience PX (points)"),
    ("coverage", "coverage, mean over groups (%)"),
    ("cancellations", "cancelled appointments per week"),
    ("nps", "patients' NPS (−100 to 100)"),
)


def _series(run: Run, key: str) -> pd.Series:
    k = run.kpis
    if key == "coverage":
        return 100 * k[[c for c in k.columns if str(c).startswith("coverage:")]].mean(axis=1)
    return k[key].astype(float)


def simulation_figure(runs: Mapping[str, Run]) -> go.Figure:
    fig = make_subplots(rows=2, cols=2, subplot_titles=[t for _, t in PANELS], horizontal_spacing=0.1,
                        vertical_spacing=0.16)  # fmt: skip
    for i, (mode, run) in enumerate(runs.items()):
        for j, (key, _) in enumerate(PANELS):
            s = _series(run, key)
            fig.add_trace(
                go.Scatter(x=list(s.index), y=s.to_numpy(), mode="lines+markers", name=esc(mode), legendgroup=mode,
                           showlegend=j == 0, line={"color": colour(mode, MODE_COLOURS, i), "width": 2,
                                                    "dash": "dot" if mode == "silo" else "solid"},
                           marker={"size": 4}),
                row=j // 2 + 1, col=j % 2 + 1,
            )  # fmt: skip
    for j in range(4):
        fig.update_xaxes(title_text="week", row=j // 2 + 1, col=j % 2 + 1)
    return styled(fig, "the simulated campaign, week by week, per governance mode", height=720)


def coverage_groups_figure(runs: Mapping[str, Run], names: Mapping[str, str] | None = None) -> go.Figure:
    """Coverage of each priority group, week by week, per mode (one colour per group; the silo dotted)."""
    fig = go.Figure()
    palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000", "#882255"]
    for mode, run in runs.items():
        k = run.kpis
        groups = [str(c).split(":", 1)[1] for c in k.columns if str(c).startswith("coverage:")]
        for i, g in enumerate(groups):
            label = (names or {}).get(g) or g
            fig.add_trace(
                go.Scatter(x=list(k.index), y=100 * k[f"coverage:{g}"].to_numpy(dtype=float), mode="lines",
                           name=esc(f"{label} — {mode}"), legendgroup=mode,
                           line={"color": palette[i % len(palette)], "width": 2,
                                 "dash": "dot" if mode == "silo" else "solid"})
            )  # fmt: skip
    fig.update_xaxes(title_text="week")
    fig.update_yaxes(title_text="coverage (% of the group)", range=[0, 102])
    return styled(fig, f"coverage by priority group ({' vs '.join(runs)}; the silo dotted)", height=460)


def simulation_table(runs: Mapping[str, Run], currency: str) -> Table:
    rows = []
    for mode, run in runs.items():
        k, final = run.kpis, run.final
        rows.append(
            {
                "mode": mode,
                "PX (points)": float(k["px"].iloc[-1]),
                "NPS": float(k["nps"].iloc[-1]),
                "cancellations": float(k["cancellations"].sum()),
                "doses wasted": float(k["wasted"].sum()),
                "win-win weeks": f"{int(k['win_win'].sum())} / {len(k)}",
                f"least partner gain ({currency})": float(final["gain"].min()),
                f"total gain ({currency})": float(final["gain"].sum()),
            }
        )
    formats = {"PX (points)": ".2f", "NPS": ".1f", "cancellations": ",.0f", "doses wasted": ",.0f"}
    formats |= {c: ",.0f" for c in rows[0] if currency in c}
    caption = "realised over the simulated weeks, same seed (same deliveries and events) for every mode"
    return Table(pd.DataFrame(rows), caption, formats)


def patients_table(runs: Mapping[str, Run]) -> Table:
    """Patient experience per mode, measured the same way for every mode (:mod:`winwin.models.patients`)."""
    rows = []
    for mode, run in runs.items():
        p = run.patients
        row: dict[str, Any] = {
            "mode": mode,
            "appointments": p["appointments"],
            "cancelled per 1,000": p["cancellations_per_1000"],
            "second doses on time": p["second_doses_on_time"],
            "travel (min)": p["travel_minutes"],
        }
        for g, values in p["groups"].items():
            row[f"days to 1st dose: {g}"] = values["days_to_first_dose"]
        rows.append(row)
    formats = {
        "appointments": ",.0f",
        "cancelled per 1,000": ".1f",
        "second doses on time": ".1%",
        "travel (min)": ".1f",
    }
    formats |= {c: ".1f" for c in rows[0] if c.startswith("days")}
    caption = (
        "patients' experience: appointments (first doses booked and second doses due) and how many were "
        "cancelled, second doses given on their date, mean days from a group's eligibility to a first dose"
    )
    return Table(pd.DataFrame(rows), caption, formats)


def simulation_section(runs: Mapping[str, Run], currency: str) -> Section:
    weeks = max(len(r.kpis) for r in runs.values())
    best = max(runs, key=lambda m: float(runs[m].kpis["px"].iloc[-1]))
    text = (
        f"{len(runs)} governance modes simulated over {weeks} weeks with partners as agents who accept or reject "
        f"each week's plan; {best} gives patients the best experience."
    )
    blocks: list[Block] = [Text(text), simulation_table(runs, currency)]
    if all(r.patients for r in runs.values()):
        blocks.append(patients_table(runs))
    blocks.append(Figure(simulation_figure(runs)))
    return Section("simulation", "The simulation", blocks)


def _box(rows: pd.DataFrame, value: str, title: str, axis: str) -> go.Figure:
    fig = go.Figure()
    for i, (mode, part) in enumerate(rows.groupby("mode", sort=False)):
        fig.add_trace(go.Box(y=part[value], name=esc(mode), marker_color=colour(str(mode), MODE_COLOURS, i),
                             boxmean=True))  # fmt: skip
    fig.update_yaxes(title_text=axis)
    fig.update_layout(showlegend=False)
    return styled(fig, title, height=420)


def win_rate_figure(analysis: dict[str, Any]) -> go.Figure:
    by_mode = win_win_rates(analysis)
    modes, rates = list(by_mode), [100 * r for r in by_mode.values()]
    fig = go.Figure(
        go.Bar(x=[esc(m) for m in modes], y=rates, marker_color=[colour(m, MODE_COLOURS, i) for i, m in enumerate(modes)],
               text=[f"{r:.0f} %" for r in rates], textposition="outside")
    )  # fmt: skip
    fig.update_yaxes(title_text="win-win rate (%)", range=[0, 110])
    return styled(fig, "win-win rate: share of scenarios where every partner gains, per mode", height=400)


def regret_table(analysis: dict[str, Any]) -> Table:
    """Per mode: finished and failed runs, win-win rate, PX and regret; a mode whose runs all failed keeps
    its row, with its failures and no statistics."""
    rows = []
    for m, v in analysis["modes"].items():
        row: dict[str, Any] = {"mode": m, "runs": v["experiments"], "failed": v["failed"]}
        if v["experiments"]:
            row |= {"win-win rate": v["win_win_rate"], "PX mean": v["px"]["mean"], "PX p5": v["px"]["p5"],
                    "PX p95": v["px"]["p95"], "regret mean (PX points)": v["regret"]["mean"],
                    "regret p95": v["regret"]["p95"], "best in": v["regret"]["best_share"]}  # fmt: skip
        rows.append(row)
    frame = pd.DataFrame(rows)
    formats = {"win-win rate": ".0%", "best in": ".0%"} | {
        c: ".2f" for c in frame.columns if "PX" in c or "regret" in c
    }
    return Table(frame, "regret: PX points below the best mode of the same scenario and seed", formats)


def drivers_table(analysis: dict[str, Any]) -> Table | Text:
    rows = []
    for d in analysis.get("drivers", []):
        box = " and ".join(box_limits(d["box"]))
        rows.append({"mode": d["mode"], "scenarios without win-win": f"{d['cases']} / {d['scenarios']}",
                     "where they concentrate (PRIM box)": box or "—", "coverage": d["coverage"],
                     "density": d["density"]})  # fmt: skip
    if not rows:
        text = "No mode kept win-win in some scenarios and lost it in others: there are no drivers to look for"
        always = [m for m, r in win_win_rates(analysis).items() if r == 0]
        return Text(text + (f" ({', '.join(always)} lost it in every scenario)." if always else "."))
    caption = (
        "coverage: share of the scenarios without win-win that fall in the box; density: share of the box's "
        "scenarios without win-win (base rate in the second column)"
    )
    return Table(pd.DataFrame(rows), caption, {"coverage": ".0%", "density": ".0%"})


def sweep_section(sweep: SweepResults, currency: str) -> Section:
    ok = sweep.rows[sweep.rows["status"] == "ok"]
    a = sweep.analysis
    parameters = [c[2:] for c in sweep.rows.columns if str(c).startswith("p:")]
    text = (
        f"{a['experiments']} experiments ({a['failed']} failed) over {ok['point'].nunique()} scenarios"
        f" varying {', '.join(parameters) or 'nothing'}; from {sweep.folder.name}."
    )
    regret = regret_table(a)
    blocks: list[Any] = [
        Text(text),
        regret,
        Figure(win_rate_figure(a)),
        Figure(_box(ok, "px", "patient experience across scenarios", "PX (points)")),
        Figure(
            _box(ok, "total_gain", "partners' total gain across scenarios", f"total gain over the silo ({currency})")
        ),
        drivers_table(a),
    ]
    return Section("sweep", "The sweep", blocks)
