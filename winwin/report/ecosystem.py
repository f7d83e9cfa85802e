"""The ecosystem (partners by role, the supply network) and the plan (flows, coverage over time)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from winwin.data import Scenario
from winwin.report.page import ROLE_COLOURS, Block, Figure, Section, Table, Text, colour, esc, styled

ROLE_ORDER = ("manufacturer", "distributor", "site", "payer", "volunteer_org")


def _names(sc: Scenario) -> dict[str, str]:
    frame = sc.partners_frame()
    return {str(pid): (str(row["name"]) or str(pid)) for pid, row in frame.iterrows()}


def partners_table(sc: Scenario) -> Table:
    """One row per role: how many partners, who (the first few), their capacity per week."""
    frame = sc.partners_frame()
    rows = []
    for role in ROLE_ORDER:
        part = frame[frame["role"] == role]
        if part.empty:
            continue
        names = [str(n) or str(i) for i, n in part["name"].items()]
        who = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        cap = part["capacity_per_period"].sum(min_count=1)
        rows.append({"role": role, "partners": len(part), "who": who, "capacity per week": cap})
    caption = (
        "capacity per week: manufacturers' doses, distributors' throughput in doses, sites' first doses; "
        "payers and volunteer organisations have none"
    )
    return Table(pd.DataFrame(rows).fillna("—"), caption, {"capacity per week": ",.0f"})


def _layers(sc: Scenario) -> dict[str, int]:
    """Depth of every supply node along the lanes (manufacturers 0, then distributors, sites)."""
    lanes = sc.lanes_frame()
    depth = {m: 0 for m in sc.manufacturers.ids}
    for _ in range(len(sc.nodes.ids)):
        changed = False
        for a, b in zip(lanes["from"], lanes["to"], strict=True):
            if a in depth and depth.get(b, -1) < depth[a] + 1:
                depth[b] = depth[a] + 1
                changed = True
        if not changed:
            break
    return depth


def network_figure(sc: Scenario) -> go.Figure:
    """Manufacturers → distributors → sites → regions (lanes, then service pairs), coloured by role."""
    names = _names(sc)
    regions = sc.regions_frame().index.tolist()
    depth = _layers(sc)
    last = max(depth.values(), default=0) + 1
    columns: dict[int, list[str]] = defaultdict(list)
    for node, d in sorted(depth.items(), key=lambda kv: (kv[1], kv[0])):
        columns[d].append(node)
    columns[last] = [f"region:{r}" for r in regions]
    pos: dict[str, tuple[float, float]] = {}
    for x, nodes in columns.items():
        for i, node in enumerate(nodes):
            pos[node] = (float(x), 1.0 - (i + 0.5) / len(nodes))
    edge_x: list[float | None] = []
    edge_y: list[float | None] = []
    links = list(zip(sc.lanes_frame()["from"], sc.lanes_frame()["to"], strict=True))
    links += [(site, f"region:{region}") for site, region in sc.service_frame().index]
    for a, b in links:
        if a in pos and b in pos:
            edge_x += [pos[a][0], pos[b][0], None]
            edge_y += [pos[a][1], pos[b][1], None]
    fig = go.Figure(
        go.Scatter(x=edge_x, y=edge_y, mode="lines", line={"width": 0.5, "color": "#b8c2cc"}, hoverinfo="skip",
                   showlegend=False)
    )  # fmt: skip
    roles = {pid: sc.role_of(pid) for pid in sc.partners.ids}
    labelled = len(pos) <= 40  # small networks show every name; large ones on hover
    for role in (*ROLE_ORDER, "region"):
        nodes = [n for n in pos if (roles.get(n) == role if role != "region" else n.startswith("region:"))]
        if not nodes:
            continue
        labels = [esc(n.split(":", 1)[1]) if role == "region" else esc(names.get(n, n)) for n in nodes]
        fig.add_trace(
            go.Scatter(
                x=[pos[n][0] for n in nodes],
                y=[pos[n][1] for n in nodes],
                mode="markers+text" if labelled else "markers",
                textposition="top center",
                marker={"size": 9 if len(nodes) > 30 else 14, "color": colour(role, ROLE_COLOURS),
                        "line": {"width": 1, "color": "white"}},
                name=role.replace("_", " "),
                text=labels,
                hovertemplate="%{text}<extra>" + role + "</extra>",
            )
        )  # fmt: skip
    ticks = (
        {0: "manufacturers"} | {d: "distributors" for d in range(1, last - 1)} | {last - 1: "sites", last: "regions"}
    )
    fig.update_xaxes(tickvals=list(ticks), ticktext=list(ticks.values()), showgrid=False, zeroline=False)
    fig.update_yaxes(visible=False)
    return styled(fig, f"the supply network: {len(links)} lanes and service pairs", height=520)


def ecosystem_section(sc: Scenario) -> Section:
    counts = sc.partners_frame()["role"].value_counts()
    intro = (
        f"{sc.spec.description or sc.spec.name} {len(sc.partners.ids)} partners "
        f"({', '.join(f'{n} {r}' for r, n in counts.items())}), {len(sc.groups.ids)} priority groups, "
        f"{len(sc.regions.ids)} regions, {sc.T} {sc.spec.horizon.period_length}s."
    )
    network = Figure(network_figure(sc), "hover a node for its name; lines are lanes and site–region service pairs")
    return Section("ecosystem", "The ecosystem", [Text(intro), partners_table(sc), network])


def headline(comparison: Any) -> tuple[str, Any]:
    """The plan the report is about: the win-win plan when there is one, else the joint optimum."""
    for name in ("winwin", "joint"):
        o = comparison.outcomes.get(name)
        if o is not None and o.plan.has_plan:
            return name, o.plan
    raise ValueError("no plan among the concepts compared")


def flows_figure(sc: Scenario, plan: Any, concept: str) -> go.Figure:
    """Doses shipped over the horizon: manufacturers → distributors → the sites of each region."""
    names = _names(sc)
    region_of = sc.partners_frame()["region"].dropna().to_dict()
    region_names = sc.regions_frame().index

    def node(n: str) -> str:
        if n in region_of:
            return f"sites in {region_of[n]}"
        return names.get(n, n)

    ships = plan.shipments()
    ships = ships.assign(a=ships["from"].map(node), b=ships["to"].map(node))
    flows = ships[ships["a"] != ships["b"]].groupby(["a", "b"], sort=False)["doses"].sum()
    flows = flows[flows > 0.5]
    labels = list(dict.fromkeys([*flows.index.get_level_values(0), *flows.index.get_level_values(1)]))
    index = {n: i for i, n in enumerate(labels)}
    role_of_label = {names.get(p, p): sc.role_of(p) for p in sc.partners.ids}
    node_colours = [colour(role_of_label.get(n, "site"), ROLE_COLOURS) for n in labels]
    fig = go.Figure(
        go.Sankey(
            node={"label": [esc(n) for n in labels], "color": node_colours, "pad": 12, "thickness": 14},
            link={"source": [index[a] for a, _ in flows.index], "target": [index[b] for _, b in flows.index],
                  "value": flows.to_numpy().round(0), "color": "rgba(0,114,178,0.25)",
                  "hovertemplate": "%{source.label} → %{target.label}: %{value:,.0f} doses<extra></extra>"},
            valueformat=",.0f",
        )
    )  # fmt: skip
    title = f"doses shipped in the {concept} plan ({len(region_names)} regions' sites grouped)"
    return styled(fig, title, height=max(420, 22 * len(labels)))


def coverage_figure(sc: Scenario, plans: dict[str, Any]) -> go.Figure:
    """Share of each group's willing population that started a course, week by week, per plan."""
    fig = go.Figure()
    dashes = {"silo": "dot", "joint": "dash"}
    group_names = sc.groups_frame()["name"].to_dict()
    palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000", "#882255"]
    for concept, plan in plans.items():
        cov = plan.coverage()
        for i, (group, row) in enumerate(cov.iterrows()):
            label = group_names.get(group) or group
            fig.add_trace(
                go.Scatter(
                    x=list(cov.columns), y=100 * row.to_numpy(dtype=float), mode="lines",
                    name=esc(f"{label} — {concept}"), legendgroup=concept,
                    line={"color": palette[i % len(palette)], "dash": dashes.get(concept, "solid"), "width": 2},
                )
            )  # fmt: skip
    fig.update_xaxes(title_text=f"{sc.spec.horizon.period_length} of the campaign")
    fig.update_yaxes(title_text="coverage (% of willing people)", range=[0, 102])
    styles = ", ".join(f"{dashes.get(c, 'solid')}: {c}" for c in plans)
    return styled(fig, f"coverage by priority group over time ({styles})", height=480)


def plan_section(sc: Scenario, comparison: Any) -> Section:
    concept, plan = headline(comparison)
    plans = {"silo": comparison.outcomes["silo"].plan} if "silo" in comparison.outcomes else {}
    plans[concept] = plan
    k = plan.kpis()
    currency = sc.spec.money.currency
    kpis = pd.DataFrame(
        [
            {"plan": name, "PX (points)": p.px, "courses started": p.kpis()["first_doses"],
             "doses wasted": p.kpis()["doses_wasted"], "mean wait (weeks)": p.kpis()["mean_wait_periods"],
             f"payer spend ({currency})": p.kpis()["payer_spend"]}
            for name, p in plans.items()
        ]
    )  # fmt: skip
    coverage = np.asarray(list(k["coverage"].values()), dtype=float)
    text = (
        f"The {concept} plan starts {k['first_doses']:,.0f} courses and reaches {100 * coverage.min():.0f}–"
        f"{100 * coverage.max():.0f} % of the willing people of each group by the end of the horizon; "
        "dotted lines are the silo status quo."
    )
    blocks: list[Block] = [
        Text(text),
        Table(kpis, "", {c: ",.2f" if "PX" in c or "wait" in c else ",.0f" for c in kpis.columns[1:]}),
        Figure(
            coverage_figure(sc, plans),
            "coverage: share of a group's willing people who started a course; "
            "PX rises as groups at higher risk are covered sooner",
        ),
        Figure(flows_figure(sc, plan, concept), "width of a band: doses over the whole horizon"),
    ]
    return Section("plan", f"The plan ({concept})", blocks)
