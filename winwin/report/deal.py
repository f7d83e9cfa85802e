"""The deal sheet: every concept, each partner's gain and transfers, the frontier, Shapley and nucleolus."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from winwin.deal_view import concept_rows, gains_frame
from winwin.report.page import MODE_COLOURS, Figure, Section, Table, Text, colour, esc, styled


def concepts_table(comparison: Any, currency: str) -> Table:
    rows = []
    for r in concept_rows(comparison):
        rows.append(
            {
                "concept": r["concept"],
                "PX (points)": r["px"] if r["px"] is not None else "no plan",
                "ΔPX vs silo": r["delta_px"] if r["delta_px"] is not None else "—",
                f"total gain ({currency})": r["total_gain"] if r["px"] is not None else "—",
                f"least gain ({currency})": r["least_gain"] if r["px"] is not None else "—",
                "fairness (Jain)": r["fairness"] if r["px"] is not None else "—",
                f"transfers ({currency})": r["moved"] if r["px"] is not None else "—",
                "win-win": "yes" if r["win_win"] else f"no ({r['status']})" if r["px"] is None else "no",
            }
        )
    formats = {"PX (points)": ".2f", "ΔPX vs silo": "+.2f", "fairness (Jain)": ".3f"}
    formats |= {c: ",.0f" for c in rows[0] if currency in c} if rows else {}
    caption = (
        "gains are against the silo status quo; win-win: every partner at least as well off (certificate "
        "checked on the returned numbers); fairness 1 = equal gains"
    )
    return Table(pd.DataFrame(rows), caption, formats)


def robust_table(entry: dict[str, Any]) -> Table:
    """The robust win-win plan beside the deterministic win-win, judged on the same fresh futures."""
    rows = [
        {"measure": "E[PX] on fresh futures (points)", "robust winwin": entry["px_out_of_sample"],
         "deterministic winwin": entry["deterministic_px_out_of_sample"]},
        {"measure": "futures with every partner whole", "robust winwin": entry["win_win_probability"],
         "deterministic winwin": entry["deterministic_win_win_probability"]},
        {"measure": "appointments kept", "robust winwin": entry["appointments_kept"],
         "deterministic winwin": entry["deterministic_appointments_kept"]},
    ]  # fmt: skip
    caption = (
        f"robust win-win planned on {entry['futures']} sampled delivery futures (every partner whole in expectation, "
        f"CVaR {entry['cvar_beta']} of the shortfall ≤ 0); the deterministic win-win planned on mean deliveries; "
        f"both judged on the same {entry['test_futures']} fresh futures (winwin plan --robust)"
    )
    frame = pd.DataFrame(rows).astype({"robust winwin": object, "deterministic winwin": object})
    for col in ("robust winwin", "deterministic winwin"):
        frame.loc[0, col] = f"{rows[0][col]:.3f}"
        frame.loc[1, col] = f"{100 * rows[1][col]:.1f} %"
        frame.loc[2, col] = f"{100 * rows[2][col]:.2f} %"
    return Table(frame, caption)


def gains_figure(frame: pd.DataFrame, value: str, title: str, currency: str) -> go.Figure:
    """Grouped bars: one group per partner (or role), one bar per concept; losses outlined in red."""
    fig = go.Figure()
    for i, (concept, rows) in enumerate(frame.groupby("concept", sort=False)):
        fig.add_trace(
            go.Bar(
                x=[esc(k) for k in rows["key"]], y=rows[value], name=esc(concept),
                marker={"color": colour(str(concept), MODE_COLOURS, i),
                        "line": {"color": ["#D55E00" if lose else "rgba(0,0,0,0)" for lose in rows["loses"]],
                                 "width": 2}},
                hovertemplate="%{x}: %{y:,.0f} " + currency + "<extra>" + esc(concept) + "</extra>",
            )
        )  # fmt: skip
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=f"{value} ({currency})", zeroline=True, zerolinecolor="#888")
    return styled(fig, title, height=440)


def frontier_figure(frontier: Any, comparison: Any, currency: str) -> go.Figure:
    """The exact Pareto frontier (PX against the partners' total gain) with the concepts marked on it."""
    df = frontier.frame().sort_values("px")
    fig = go.Figure(
        go.Scatter(x=df["px"], y=df["gain"], mode="lines+markers", name="Pareto frontier",
                   line={"color": "#444", "width": 2}, marker={"size": 6},
                   hovertemplate="PX %{x:.3f}<br>total gain %{y:,.0f} " + currency + "<extra>frontier</extra>")
    )  # fmt: skip
    spots: dict[tuple[float, float], list[dict[str, Any]]] = {}
    for r in concept_rows(comparison):
        if r["px"] is not None:  # concepts at the same point share one marker
            spots.setdefault((round(r["px"], 6), round(r["total_gain"], 2)), []).append(r)
    for i, same in enumerate(spots.values()):
        r, label = same[0], " = ".join(s["concept"] for s in same)
        fig.add_trace(
            go.Scatter(
                x=[r["px"]], y=[r["total_gain"]], mode="markers+text", name=esc(label),
                text=[esc(label)], textposition="top left" if i % 2 else "bottom left",
                marker={"size": 13, "color": colour(r["concept"], MODE_COLOURS, i),
                        "symbol": "star" if r["win_win"] else "x", "line": {"width": 1, "color": "white"}},
                hovertemplate="PX %{x:.3f}<br>total gain %{y:,.0f} " + currency + "<extra>%{text}</extra>",
            )
        )  # fmt: skip
    fig.update_xaxes(title_text="patient experience PX (points, 0–100)")
    fig.update_yaxes(title_text=f"partners' total gain over the silo ({currency})")
    return styled(fig, "the Pareto frontier: patient experience against the partners' gain (★ win-win)", 480)


def game_figure(payload: dict[str, Any], currency: str) -> go.Figure:
    players = payload["players"]
    fig = go.Figure()
    shown = [("Shapley value", payload.get("shapley"), "#0072B2"), ("nucleolus", payload.get("nucleolus"), "#E69F00"),
             ("win-win split", payload.get("winwin_allocation"), "#009E73")]  # fmt: skip
    for name, values, c in shown:
        if values:
            fig.add_trace(go.Bar(x=[esc(p) for p in players], y=[values[p] for p in players], name=name,
                                 marker_color=c))  # fmt: skip
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=f"share of the value of coordination ({currency})")
    return styled(fig, f"who creates the value of coordination (players: {payload.get('grouping', 'partners')})")


def game_text(payload: dict[str, Any]) -> str:
    core = "non-empty" if payload.get("core_nonempty") else "empty"
    parts = [f"The core of the game is {core} (least-core ε = {payload['least_core']['epsilon']:.3g})."]
    if "winwin_in_core" in payload:
        parts.append(
            "The win-win split is in the core: no group of partners would do better alone."
            if payload["winwin_in_core"]
            else "The win-win split is not in the core: some coalitions would do better on their own "
            "(their shortfall is listed by winwin coalitions)."
        )
    return " ".join(parts)


def deal_section(comparison: Any, frontier: Any, coalitions: dict[str, Any] | None) -> Section:
    currency = comparison.scenario.spec.money.currency
    frame = gains_frame(comparison)
    by_role = frame["partners"].max() > 1 if not frame.empty else False
    unit = "role (summed over its partners)" if by_role else "partner"
    blocks: list[Any] = [
        concepts_table(comparison, currency),
        Figure(
            gains_figure(frame, "gain", f"gain over the silo per {unit} and concept", currency),
            "a bar outlined in red is a loss: that concept is not win-win for this partner",
        ),
        Figure(
            gains_figure(frame, "transfer", f"side payments received per {unit} (negative: paid)", currency),
            "transfers sum to zero across partners unless outside money (a subsidy) is allowed",
        ),
    ]
    if frontier is not None:
        blocks.append(
            Figure(
                frontier_figure(frontier, comparison, currency),
                "every point of the line is a plan no other plan beats on both axes; the concepts sit on or "
                "below it (splits keep PX within 1 % of the best)",
            )
        )
    robust = comparison.extra.get("robust_winwin")
    if robust is not None and "win_win_probability" in robust:
        blocks.append(robust_table(robust))
    if coalitions is not None:
        blocks += [Figure(game_figure(coalitions, currency)), Text(game_text(coalitions))]
    return Section("deal", "The deal sheet", blocks)
