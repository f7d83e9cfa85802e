"""Rich tables for ``winwin simulate``: one column per governance mode."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from rich.table import Table

from winwin.console import number
from winwin.models.run import SimulationResult


def modes_table(results: Mapping[str, SimulationResult]) -> Table:
    first = next(iter(results.values()))
    table = Table(title=f"{first.scenario}: {len(first.kpis)} periods, seed {first.seed}", title_justify="left")
    table.add_column("")
    summaries = {m: r.summary() for m, r in results.items()}
    for mode, s in summaries.items():
        planner = s.get("planner")
        table.add_column(mode if planner is None else f"{mode} (robust, K = {planner['futures']})", justify="right")
    groups = list(next(iter(summaries.values()))["coverage"])
    rows: list[tuple[str, list[str]]] = [
        ("patient experience PX", [f"{s['px']:.2f}" for s in summaries.values()]),
        ("NPS", [f"{s['nps']:.1f}" for s in summaries.values()]),
    ]
    if all("clairvoyant" in s for s in summaries.values()):
        rows += [
            ("PX knowing deliveries", [f"{s['clairvoyant']['px']:.2f}" for s in summaries.values()]),
            ("gap to it (EVPI)", [f"{s['clairvoyant']['gap']:.2f}" for s in summaries.values()]),
        ]
    rows += [(f"coverage {g}", [f"{s['coverage'][g]:.1%}" for s in summaries.values()]) for g in groups]
    rows += [
        (
            f"days to first dose {g}",
            [_days(s["patients"]["groups"][g]["days_to_first_dose"]) for s in summaries.values()],
        )
        for g in groups
    ]
    rows += [
        ("doses wasted", [number(s["wasted"], ",.0f") for s in summaries.values()]),
        ("appointments", [number(s["patients"]["appointments"], ",.0f") for s in summaries.values()]),
        ("appointments cancelled", [number(s["cancellations"], ",.0f") for s in summaries.values()]),
        ("cancelled per 1,000", [f"{s['patients']['cancellations_per_1000']:.1f}" for s in summaries.values()]),
        ("second doses on time", [f"{s['patients']['second_doses_on_time']:.1%}" for s in summaries.values()]),
        ("travel minutes per dose", [f"{s['patients']['travel_minutes']:.1f}" for s in summaries.values()]),
        ("win-win periods", [f"{s['win_win_periods']}/{s['periods']}" for s in summaries.values()]),
        ("partners rejecting (periods)", [str(int((r.kpis["rejected"] != "").sum())) for r in results.values()]),
        (
            "least partner gain",
            [number(min(p["gain"] for p in s["partners"].values()), ",.0f") for s in summaries.values()],
        ),
        ("seconds (solver share)", [_time(r) for r in results.values()]),
    ]
    for label, cells in rows:
        table.add_row(label, *cells)
    return table


def _days(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _time(r: SimulationResult) -> str:
    share = r.solver_seconds / r.seconds if r.seconds > 0 else 0.0
    return f"{r.seconds:.1f} ({share:.0%})"


def gains_table(results: Mapping[str, SimulationResult]) -> Table:
    """Each partner's realised gain over its silo campaign (side payments settled), per mode."""
    table = Table(title="realised gain over the silo campaign, side payments settled", title_justify="left")
    table.add_column("partner")
    table.add_column("role")
    for mode in results:
        table.add_column(mode, justify="right")
    first = next(iter(results.values())).final
    for pid in first.index:
        table.add_row(
            str(pid), str(first.loc[pid, "role"]), *(number(r.final.loc[pid, "gain"], ",.0f") for r in results.values())
        )
    return table


def write_results(results: Mapping[str, SimulationResult], out_dir: Path) -> list[Path]:
    """Per mode: ``kpis``, ``partners``, ``cohorts`` and ``final`` as Parquet and CSV under ``out_dir/mode``,
    and the patient measures as ``patients.json``."""
    written: list[Path] = []
    for mode, r in results.items():
        d = out_dir / mode
        d.mkdir(parents=True, exist_ok=True)
        for name, df in (("kpis", r.kpis.reset_index()), ("partners", r.partners), ("cohorts", r.cohorts),
                         ("final", r.final.reset_index())):  # fmt: skip
            for path in (d / f"{name}.parquet", d / f"{name}.csv"):
                if path.suffix == ".csv":
                    df.to_csv(path, index=False)
                else:
                    df.to_parquet(path, index=False)
                written.append(path)
        path = d / "patients.json"
        path.write_text(json.dumps(r.patients, indent=2), encoding="utf-8")
        written.append(path)
    return written
