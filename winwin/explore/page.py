"""The explore page: levers, play / step / reset, and the campaign week by week (issue 23).

A Solara page over an :class:`~winwin.explore.session.Exploration`. The state of a browser tab lives in
Solara reactive variables (scoped to that tab): the run, a tick bumped after every step, whether it plays,
and the message shown when a lever resets the run. Steps run in a background thread
(:func:`solara.lab.task`), one week at a time, so the page redraws after each week and stays responsive.
Figures and colours are the report's (:mod:`winwin.report.runs`, :mod:`winwin.report.ecosystem`); every name
from the scenario is escaped there or shown as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import solara
import solara.lab

from winwin.data import Scenario
from winwin.explore.session import SHARING, TRANSFERS, Exploration, Levers, defaults
from winwin.models.run import longest_lead
from winwin.optimizer.rolling.planner import GOVERNANCE_MODES
from winwin.report.ecosystem import flows_figure
from winwin.report.inputs import StoredRun
from winwin.report.page import ROLE_COLOURS, Table, colour, esc, styled, table_html
from winwin.report.runs import coverage_groups_figure, patients_table, simulation_figure

run_state: solara.Reactive[Exploration | None] = solara.reactive(None)
tick = solara.reactive(0)
playing = solara.reactive(False)
message = solara.reactive("")


@dataclass(frozen=True)
class WeekFlows:
    """One week's shipments, as the report's flows figure reads a plan."""

    flows: pd.DataFrame

    def shipments(self) -> pd.DataFrame:
        return self.flows


def reset(scenario: Scenario, levers: Levers, why: str = "") -> None:
    """A fresh run at week 0 with ``levers`` (a bad combination is a message, never a traceback)."""
    playing.set(False)
    try:
        run_state.set(Exploration(scenario, levers))
        message.set(why)
    except Exception as exc:
        message.set(f"not applied: {exc}")
    tick.set(tick.value + 1)


@solara.lab.task(prefer_threaded=True)
def advance(run: Exploration, weeks: int) -> int:
    """Step ``weeks`` weeks (or, while playing, until paused or the horizon), redrawing after each."""
    done = 0
    while (done < weeks or playing.value) and run is run_state.value and run.step():
        done += 1
        tick.set(tick.value + 1)
    playing.set(False)
    return run.week


def _final(run: Exploration) -> pd.DataFrame:
    g = run.gains()
    return pd.DataFrame({"gain": g["gain"].to_numpy()})


def gains_figure(run: Exploration) -> go.Figure:
    g = run.gains()
    fig = go.Figure()
    fig.add_trace(go.Bar(x=[esc(r) for r in g.index], y=g["gain"], name="gain over the silo",
                         marker_color=[colour(str(r), ROLE_COLOURS) for r in g.index]))  # fmt: skip
    fig.add_trace(go.Bar(x=[esc(r) for r in g.index], y=g["transfers"], name="side payments (latest deal)",
                         marker_color="#999999"))  # fmt: skip
    currency = run.sc.spec.money.currency
    fig.update_yaxes(title_text=currency)
    return styled(fig, f"each role's gain against the silo so far, and side payments ({currency})", height=380)


def decisions_table(run: Exploration) -> Table:
    week = run.weeks[-1] if run.weeks else None
    rows = [
        {"partner": run.sc.partner(p).name or p, "role": run.sc.role_of(p), "this week": d}
        for p, d in (week.decisions.items() if week else [])
        if d != "accepted"
    ]
    accepted = sum(d == "accepted" for d in (week.decisions.values() if week else []))
    caption = f"{accepted} partners accepted this week's plan" if week else "no week run yet"
    return Table(pd.DataFrame(rows or [{"partner": "—", "role": "—", "this week": "everyone accepted"}]), caption)


@solara.component
def Levers_(scenario: Scenario, run: Exploration) -> None:
    """The levers; any change resets the run (with a message)."""
    lv = run.levers
    sc = scenario

    def set_(**values: Any) -> None:
        new = lv.changed(**values)
        if new != lv:
            changed = ", ".join(f"{k} = {v}" for k, v in values.items())
            reset(sc, new, f"{changed}: the run was reset to week 0")

    solara.Select(label="governance mode", value=lv.mode, values=list(GOVERNANCE_MODES),
                  on_value=lambda v: set_(mode=v))  # fmt: skip
    solara.InputInt("seed", value=lv.seed, on_value=lambda v: set_(seed=int(v)))
    solara.SliderInt("lookahead (weeks)", value=lv.lookahead, min=longest_lead(sc) + 1, max=sc.T,
                     thumb_label="always", on_value=lambda v: set_(lookahead=int(v)))  # fmt: skip
    solara.Select(label="side payments", value=lv.transfers, values=list(TRANSFERS),
                  on_value=lambda v: set_(transfers=v))  # fmt: skip
    solara.Select(label="data sharing", value=lv.sharing, values=list(SHARING), on_value=lambda v: set_(sharing=v))
    solara.InputFloat("data fee per week", value=lv.data_fee, on_value=lambda v: set_(data_fee=max(0.0, float(v))))
    persistence = lv.persistence if lv.persistence is not None else 0.0
    solara.SliderFloat("delivery persistence (AR(1))", value=persistence, min=0.0, max=0.95, step=0.05,
                       thumb_label="always", on_value=lambda v: set_(persistence=float(v)))  # fmt: skip
    reliability = dict(lv.reliability)
    for m in sc.manufacturers.ids:

        def on_reliability(v: float, m: str = m) -> None:
            set_(reliability=tuple({**reliability, m: float(v)}.items()))

        solara.Text(f"{sc.partner(m).name or m}: share of its promise delivered")
        solara.SliderFloat("", value=reliability.get(m, 1.0), min=0.1, max=1.0, step=0.05, thumb_label="always",
                           on_value=on_reliability)  # fmt: skip
    aspiration = dict(lv.aspiration)
    for role in dict.fromkeys(sc.role_of(p) for p in sc.partners.ids):

        def on_aspiration(v: float, role: str = role) -> None:
            set_(aspiration=tuple({**aspiration, role: float(v)}.items()))

        solara.InputFloat(f"aspiration of each {role} ({sc.spec.money.currency})", value=aspiration.get(role, 0.0),
                          on_value=on_aspiration)  # fmt: skip


@solara.component
def ExplorePage(scenario: Scenario) -> None:
    """The whole page for one scenario."""
    if run_state.value is None:
        reset(scenario, defaults(scenario))
    run = run_state.value
    _ = tick.value  # redraw after every step
    if run is None:
        solara.Text(message.value or "the scenario could not be run", style={"color": "#D55E00"})
        return
    sc = run.sc
    with solara.Columns([1, 3]):
        with solara.Card(f"winwin explore — {sc.spec.name}"):
            Levers_(scenario, run)
        Campaign(scenario, run)


@solara.component
def Campaign(scenario: Scenario, run: Exploration) -> None:
    """The buttons and what the run shows so far."""
    sc = run.sc
    with solara.Column():
        with solara.Row():
            busy = advance.pending or playing.value
            solara.Button("step", on_click=lambda: advance(run, 1), disabled=busy or run.done)
            solara.Button(
                "pause" if playing.value else "play",
                on_click=lambda: playing.set(False) if playing.value else (playing.set(True), advance(run, 0)),
                disabled=run.done and not playing.value,
            )
            solara.Button("reset", on_click=lambda: reset(scenario, run.levers, "reset to week 0"), disabled=False)
        last = f"; the last week took {run.seconds[-1]:.2f} s" if run.seconds else ""
        solara.Text(f"week {run.week} of {run.model.periods} — {run.levers.mode} beside the silo, seed "
                    f"{run.levers.seed}{last}")  # fmt: skip
        # every element is rendered in every state, so that none moves: a Plotly widget that moves is rebuilt, and
        # one closed under the browser's feet logs "no comm channel defined"
        solara.Text(message.value, style={"color": "#0b3d5c", "font-weight": "600"})
        started = run.week > 0
        hint = "press step or play: each week the partners plan, accept or reject, and reality follows"
        solara.Text("" if started else hint)
        runs = {"silo": StoredRun(run.kpis(silo=True), pd.DataFrame({"gain": [0.0]}), {})}
        runs[run.levers.mode] = StoredRun(run.kpis(), _final(run), run.patients() if started else {})
        groups = {str(k): str(v) for k, v in sc.groups_frame()["name"].items()}
        solara.FigurePlotly(simulation_figure(runs) if started else _empty("the simulated campaign, week by week"))
        solara.FigurePlotly(coverage_groups_figure(runs, groups) if started else _empty("coverage by priority group"))
        solara.FigurePlotly(gains_figure(run))
        solara.HTML(tag="div", unsafe_innerHTML=table_html(decisions_table(run)))
        flows = run.weeks[-1].flows if run.weeks else pd.DataFrame()
        solara.FigurePlotly(
            flows_figure(sc, WeekFlows(flows), f"week {run.week - 1}") if len(flows) else _empty("this week's flows")
        )
        mode_only = {run.levers.mode: runs[run.levers.mode]}
        patients = table_html(patients_table(mode_only)) if started else ""
        solara.HTML(tag="div", unsafe_innerHTML=patients)


def _empty(title: str) -> go.Figure:
    return styled(go.Figure(), f"{title}: no week run yet", height=300)


__all__ = ["ExplorePage", "advance", "reset"]
