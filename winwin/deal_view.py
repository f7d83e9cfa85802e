"""Rich rendering of deal sheets (``compare``), bargaining points and frontiers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from rich.table import Table

from winwin.console import number
from winwin.optimizer.concepts import Comparison
from winwin.optimizer.concepts.frontier import Frontier

PARTNER_ROWS = 30
"""Above this many partners the per-partner table is summed by role (``--json`` has every partner)."""


def _money(v: float) -> str:
    return number(v, ",.0f" if abs(v) >= 100 else ",.2f")


def concept_rows(cmp: Comparison) -> list[dict[str, Any]]:
    """One record per concept: PX, ΔPX against the silo, total and least gain, fairness, money moved by
    transfers, subsidy, win-win (numbers are ``None`` for a concept without a plan)."""
    silo = cmp.outcomes.get("silo")
    silo_px = silo.plan.px if silo is not None and silo.plan.has_plan else None
    rows = []
    for name, o in cmp.outcomes.items():
        d = o.to_dict()
        row: dict[str, Any] = {"concept": name, "status": d["status"], "win_win": bool(d["win_win"])}
        if d["px"] is None:
            rows.append(
                row | dict.fromkeys(("px", "delta_px", "total_gain", "least_gain", "fairness", "moved", "subsidy"))
            )
            continue
        moved = float(np.abs(o.plan.transfers).sum() / 2) if o.plan.transfers is not None else 0.0
        delta = None if silo_px is None else d["px"] - silo_px
        rows.append(
            row
            | {"px": d["px"], "delta_px": delta, "total_gain": d["total_gain"], "least_gain": d["least_gain"],
               "fairness": d["fairness"], "moved": moved, "subsidy": d["subsidy"]}
        )  # fmt: skip
    return rows


def concept_table(cmp: Comparison) -> Table:
    table = Table(
        title=f"{cmp.scenario.name} — deal sheet (transfers: {cmp.transfers}, splits keep PX ≥ (1 − {cmp.epsilon})·PX*)",
        title_justify="left",
    )
    for col in ("concept", "PX", "ΔPX vs silo", "total gain", "least gain", "fairness", "transfers", "subsidy",
                "win-win"):  # fmt: skip
        table.add_column(col, justify="left" if col == "concept" else "right")
    for r in concept_rows(cmp):
        if r["px"] is None:
            table.add_row(r["concept"], "—", "—", "—", "—", "—", "—", "—", f"[red]no plan ({r['status']})[/]")
            continue
        table.add_row(
            r["concept"],
            f"{r['px']:.3f}",
            "—" if r["delta_px"] is None else f"{r['delta_px']:+.3f}",
            _money(r["total_gain"]),
            _money(r["least_gain"]),
            f"{r['fairness']:.3f}",
            _money(r["moved"]),
            _money(r["subsidy"]),
            "[green]yes[/]" if r["win_win"] else "[red]no[/]",
        )
    table.caption = "gains in money against the silo status quo; fairness = Jain's index of the gains (1 = equal)"
    return table


def gains_frame(cmp: Comparison, by_role: bool | None = None) -> pd.DataFrame:
    """Gain and transfer received per partner (or per role, summed; by default above
    :data:`PARTNER_ROWS` partners) and concept: columns ``key, partners, concept, gain, transfer, loses``."""
    records = []
    for name, o in cmp.outcomes.items():
        if not o.plan.has_plan:
            continue
        df = o.plan.partners()
        role_level = len(df) > PARTNER_ROWS if by_role is None else by_role
        keys = sorted(df["role"].unique()) if role_level else list(df.index)
        for key in keys:
            rows = df[df["role"] == key] if role_level else df.loc[[key]]
            gain = float(rows["gain"].sum())
            tol = 1e-6 * max(1.0, float(rows["disagreement"].abs().max()))
            records.append({"key": key, "partners": len(rows), "concept": name, "gain": gain,
                            "transfer": float(rows["transfer"].sum()), "loses": gain < -tol})  # fmt: skip
    return pd.DataFrame(records, columns=["key", "partners", "concept", "gain", "transfer", "loses"])


def partner_gains(cmp: Comparison) -> Table:
    """Gain (and transfer received) per partner and concept; summed by role for large ecosystems."""
    frame = gains_frame(cmp)
    if frame.empty:
        return Table(title="no plans")
    concepts = list(dict.fromkeys(frame["concept"]))
    first = next(o.plan.partners() for o in cmp.outcomes.values() if o.plan.has_plan)
    by_role = len(first) > PARTNER_ROWS
    table = Table(
        title="gain per "
        + ("role (sum over its partners)" if by_role else "partner")
        + " — transfer received in brackets",
        title_justify="left",
    )
    table.add_column("role" if by_role else "partner")
    for name in concepts:
        table.add_column(name, justify="right")
    for key, rows in frame.groupby("key", sort=False):
        cells = []
        for _, r in rows.iterrows():
            text = _money(r["gain"]) + (f" ({_money(r['transfer'])})" if abs(r["transfer"]) > 1e-9 else "")
            cells.append(f"[red]{text}[/]" if r["loses"] else text)
        label = f"{key} ({int(rows['partners'].iloc[0])})" if by_role else f"{key}"
        table.add_row(label, *cells)
    if by_role:
        table.caption = f"{len(first)} partners; --json gives every partner's utility, gain and transfer"
    return table


def price_lines(cmp: Comparison) -> list[str]:
    ww = cmp.winwin
    if ww is None:
        return []
    lines = []
    if ww.note:
        lines.append(ww.note)
    if ww.price is not None:
        p = ww.price
        if p.recipients:
            lines.append(
                "subsidy needed by: " + ", ".join(f"{k} {_money(v)}" for k, v in list(p.recipients.items())[:10])
            )
        if p.blocking:
            lines.append(
                "reservations that bind (subsidy per unit of reservation): "
                + ", ".join(f"{k} {v:.3g}" for k, v in list(p.blocking.items())[:10])
            )
    if ww.certificate is not None:
        c = ww.certificate
        verdict = "[green]holds[/]" if c.holds else "[red]fails[/]"
        lines.append(
            f"win-win certificate {verdict}: least gain {_money(c.least_gain)} (tolerance {c.tolerance:.2g}), "
            f"transfers sum {c.transfers_sum:.2g}, outside money {_money(c.subsidy)}"
        )
    return lines


def bargaining_table(players: tuple[str, ...], d: np.ndarray, points: dict[str, np.ndarray]) -> Table:
    table = Table(title="bargaining solutions (utilities)", title_justify="left")
    table.add_column("player")
    table.add_column("d", justify="right")
    for name in points:
        table.add_column(name, justify="right")
    for i, p in enumerate(players):
        table.add_row(p, f"{d[i]:.6g}", *(f"{v[i]:.6g}" for v in points.values()))
    return table


def frontier_table(fr: Frontier) -> Table:
    df: pd.DataFrame = fr.frame()
    table = Table(title=f"{fr.scenario.name} — Pareto frontier: PX against the {fr.measure}", title_justify="left")
    for col in ("#", "PX", fr.measure, "target"):
        table.add_column(col, justify="right")
    for i, row in df.iterrows():
        table.add_row(str(i), f"{row['px']:.4f}", _money(row["gain"]), _money(row["target"]))
    table.caption = (
        f"{len(df)} Pareto-optimal plans ({fr.removed} duplicate or dominated removed); "
        f"{fr.seconds:.1f} s on {fr.executor}; first = joint plan, last = gain-maximising plan"
    )
    return table


def game_table(payload: dict[str, Any]) -> Table:
    """Players × solutions of a TU game (``coalitions``)."""
    table = Table(title="cooperative game: who creates the value of coordination", title_justify="left")
    table.add_column("player")
    columns = [
        ("Shapley", payload.get("shapley")),
        ("± s.e.", payload.get("shapley_standard_errors")),
        ("Banzhaf", payload.get("banzhaf")),
        ("nucleolus", payload.get("nucleolus")),
        ("least core", (payload.get("least_core") or {}).get("allocation")),
        ("joint plan gain", payload.get("joint_gains")),
        ("Shapley transfer", payload.get("shapley_transfers")),
        ("win-win split", payload.get("winwin_allocation")),
    ]
    shown: list[tuple[str, dict[str, float]]] = [(name, values) for name, values in columns if values]
    for name, _ in shown:
        table.add_column(name, justify="right")
    for player in payload["players"]:
        table.add_row(player, *(_money(values[player]) for _, values in shown))
    return table


def game_lines(payload: dict[str, Any]) -> list[str]:
    lines = []
    if payload.get("v"):
        shown = list(payload["v"].items())
        lines.append(
            "v: " + "; ".join(f"{{{k}}} {_money(v)}" for k, v in shown[:16]) + (" …" if len(shown) > 16 else "")
        )
    if payload.get("core_nonempty") is not None:
        lc = payload["least_core"]
        verdict = "[green]non-empty[/]" if payload["core_nonempty"] else "[red]empty[/]"
        lines.append(f"core {verdict} (least-core ε = {lc['epsilon']:.6g})")
    lines.append(f"nucleolus: {payload.get('nucleolus_note', '')}")
    if "winwin_in_core" in payload:
        ok = "[green]in the core[/]" if payload["winwin_in_core"] else "[red]not in the core[/]"
        lines.append(f"the win-win split of compare is {ok}")
        if payload.get("winwin_core_violations"):
            worst = sorted(payload["winwin_core_violations"].items(), key=lambda kv: -kv[1])[:5]
            lines.append(
                "coalitions that would do better alone: " + ", ".join(f"{{{k}}} +{_money(v)}" for k, v in worst)
            )
    if "rules_value" in payload:
        lines.append(
            f"v(S) is measured from every partner keeping its silo split rules (M = {_money(payload['rules_value'])}); "
            f"the rule-based silo simulation has M = {_money(payload['silo_value'])}; "
            f"{payload['coalitions_solved']} coalitions in {payload['seconds']:.1f} s on {payload['executor']}"
        )
    return lines
