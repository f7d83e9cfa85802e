"""One self-contained HTML report (DESIGN §10) for plans, deals, simulations and sweeps.

``write_report(inputs, out)`` renders a :class:`ReportInputs` — gathered by :func:`deal_inputs`,
:func:`simulation_inputs` and :func:`read_results_folders` — into one file: a plain-language summary, then
the ecosystem, the plan, the deal sheet, the simulation and the sweep. A part that was not given is shown
as a missing section with the command that adds it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from winwin.report.backtest import backtest_section
from winwin.report.deal import deal_section
from winwin.report.ecosystem import ecosystem_section, headline, plan_section
from winwin.report.inputs import (
    ReportInputs,
    Run,
    StoredRun,
    SweepResults,
    deal_inputs,
    read_results_folders,
    simulation_inputs,
)
from winwin.report.page import Section, render
from winwin.report.runs import simulation_section, sweep_section
from winwin.report.summary import summary_lines

__all__ = [
    "ReportInputs",
    "Run",
    "StoredRun",
    "SweepResults",
    "build_html",
    "deal_inputs",
    "read_results_folders",
    "simulation_inputs",
    "write_report",
]


def _missing(key: str, title: str, hint: str) -> Section:
    return Section(key, title, [], f"Not in this report: {hint}")


def sections(inputs: ReportInputs) -> list[Section]:
    """The five sections, each filled or marked missing with the command that adds it, and the backtest when
    one was given."""
    sc, cmp = inputs.scenario, inputs.comparison
    currency = sc.spec.money.currency if sc is not None else "EUR"
    need_scenario = "add --scenario SCENARIO to winwin report."
    out = [
        ecosystem_section(sc) if sc is not None else _missing("ecosystem", "The ecosystem", need_scenario),
        plan_section(sc, cmp) if sc is not None and cmp is not None else _missing("plan", "The plan", need_scenario),
        deal_section(cmp, inputs.frontier, inputs.coalitions)
        if cmp is not None
        else _missing("deal", "The deal sheet", need_scenario),
    ]
    simulate_hint = (
        "winwin simulate SCENARIO --modes all --out DIR, then winwin report --results DIR (or --simulate all)."
    )
    out.append(
        simulation_section(inputs.simulations, currency)
        if inputs.simulations
        else _missing("simulation", "The simulation", simulate_hint)
    )
    out.append(
        sweep_section(inputs.sweep, currency)
        if inputs.sweep is not None
        else _missing("sweep", "The sweep", "winwin sweep SPEC --out DIR, then winwin report --results DIR.")
    )
    if inputs.backtest is not None:
        start = inputs.backtest.payload.get("start")
        out.append(backtest_section(inputs.backtest, date.fromisoformat(start) if start else None))
    return out


def build_html(inputs: ReportInputs) -> str:
    sc = inputs.scenario
    if sc is not None:
        title = f"winwin — {sc.spec.name}"
        start = sc.spec.horizon.start
        subtitle = f"{sc.T} {sc.spec.horizon.period_length}s" + (f" from {start}" if start else "")
    else:
        title = "winwin — results"
        subtitle = ""
    if inputs.comparison is not None:
        concept, _ = headline(inputs.comparison)
        subtitle += f"; the plan shown is the {concept} plan"
    lines, win = summary_lines(inputs)
    return render(title, subtitle.strip("; "), lines, win, inputs.notes, sections(inputs))


def write_report(inputs: ReportInputs, out: str | Path) -> Path:
    """Write the report to ``out`` (parents created) and return its path."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = build_html(inputs)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
