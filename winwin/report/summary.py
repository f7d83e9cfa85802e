"""The plain-language summary at the top of the report: what a negotiator reads first."""

from __future__ import annotations

from typing import Any

import numpy as np

from winwin.experiments.analysis import win_win_rates
from winwin.models.run import worse_off
from winwin.optimizer.concepts.certificate import tolerance
from winwin.report.inputs import ReportInputs
from winwin.sweep_view import box_limits


def _money(v: float, currency: str) -> str:
    return f"{v:,.0f} {currency}" if abs(v) >= 10 else f"{v:,.2f} {currency}"


def deal_line(comparison: Any, currency: str) -> tuple[str, bool]:
    silo, ww, joint = (comparison.outcomes.get(n) for n in ("silo", "winwin", "joint"))
    if silo is None or not silo.plan.has_plan:
        return "The silo status quo could not be computed, so no gains are measured.", False
    base = silo.plan.px
    if ww is not None and ww.plan.has_plan and ww.certificate is not None and ww.certificate.holds:
        table = ww.plan.partners()
        transfers = table["transfer"].to_numpy()
        moved = float(np.abs(transfers).sum() / 2)
        line = (
            f"Win-win reached: PX {ww.plan.px:.2f} against {base:.2f} in the silo status quo "
            f"({ww.plan.px - base:+.2f} points); every partner gains (the least gain is "
            f"{_money(float(table['gain'].min()), currency)})"
        )
        if moved > 1e-6:
            payer, receiver = table["transfer"].idxmin(), table["transfer"].idxmax()
            line += (
                f"; transfers of {_money(moved, currency)} between partners ({payer} pays the most, "
                f"{receiver} receives the most)"
            )
        return line + ".", True
    if joint is None or not joint.plan.has_plan:
        return "No plan could be found for this scenario (see the deal sheet for the solver status).", False
    losers = joint.certificate.losers if joint.certificate is not None else ()
    price = ww.price if ww is not None else None
    need = f" Win-win would need {_money(price.subsidy, currency)} of outside money." if price is not None else ""
    return (
        f"No win-win plan: the joint optimum reaches PX {joint.plan.px:.2f} ({joint.plan.px - base:+.2f} points "
        f"over the silo) but {len(losers)} partner(s) would lose.{need}",
        False,
    )


def simulation_line(inputs: ReportInputs, currency: str) -> str:
    """PX per mode at the end of the simulated weeks, then under ``winwin``: how many weeks every partner
    accepted the plan, and who ended up worse off than in the silo campaign on the same deliveries."""
    runs = inputs.simulations
    weeks = max(len(r.kpis) for r in runs.values())
    px = {m: float(r.kpis["px"].iloc[-1]) for m, r in runs.items()}
    parts = ", ".join(f"{m} {v:.1f}" for m, v in sorted(px.items(), key=lambda kv: -kv[1]))
    line = f"Simulated {weeks} weeks with partners as agents: PX {parts}."
    if "winwin" in runs:
        k, final = runs["winwin"].kpis, runs["winwin"].final
        line += f" Under winwin every partner accepted the week's plan in {int(k['win_win'].sum())} of {len(k)} weeks"
        losers = worse_off(final)
        topped = final["top_up"][final["top_up"] > tolerance(final["silo_utility"].to_numpy())]
        settled = (
            f" (the final settlement moved {_money(float(topped.sum()), currency)} to {len(topped)} partner(s) "
            "still short of it, from the partners who gained)"
            if len(topped)
            else ""
        )
        if losers.empty:
            line += f"; in the end every partner was at least as well off as in the silo campaign{settled}."
        else:
            line += (
                f"; in the end {len(losers)} of {len(final)} partners were worse off than in the silo campaign on "
                f"the same deliveries ({losers.idxmin()} the most, {_money(float(losers.min()), currency)})."
            )
    return line


def sweep_line(inputs: ReportInputs) -> str:
    assert inputs.sweep is not None
    a = inputs.sweep.analysis
    rates = ", ".join(f"{m} {100 * r:.0f} %" for m, r in win_win_rates(a).items())
    scenarios = int(inputs.sweep.rows["point"].nunique()) if not inputs.sweep.rows.empty else 0
    line = f"Across {a['experiments']} experiments on {scenarios} scenarios"
    line += (
        f", the win-win rate (every partner at least as well off as in the silo run of the same scenario) is: {rates}."
        if rates
        else "."
    )
    if a.get("drivers"):
        d = max(a["drivers"], key=lambda d: d["cases"])
        limits = box_limits(d["box"])
        if limits:
            line += (
                f" Under {d['mode']}, win-win is lost mostly when {' and '.join(limits)} "
                f"({100 * d['density']:.0f} % of those runs lose it)."
            )
    return line


def summary_lines(inputs: ReportInputs) -> tuple[list[str], bool]:
    """The summary sentences and whether the headline is a win-win (colours the box)."""
    currency = inputs.scenario.spec.money.currency if inputs.scenario is not None else "EUR"
    lines: list[str] = []
    win = True
    if inputs.comparison is not None:
        line, win = deal_line(inputs.comparison, currency)
        lines.append(line)
    if inputs.simulations:
        lines.append(simulation_line(inputs, currency))
    if inputs.sweep is not None:
        lines.append(sweep_line(inputs))
    if not lines:
        lines.append("Nothing to report: give a scenario or results.")
    return lines, win
