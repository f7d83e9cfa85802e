"""What a report is made of, gathered once: the scenario and its deal sheet (computed), simulation runs and
sweep results (computed, or read back from the folders ``winwin simulate --out`` and ``winwin sweep --out``
write). Every part is optional; the page says which sections are missing and how to add them."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from winwin.data import Scenario
from winwin.data.errors import InputError, Problem, problem
from winwin.experiments.store import MANIFEST, manifest_path
from winwin.optimizer.parallel import Executor

Step = Callable[[str], None]
"""Told what is being computed next (a progress line); may be a no-op."""


class Run(Protocol):
    """What the report needs of one simulation run (a :class:`winwin.models.SimulationResult` is one)."""

    @property
    def kpis(self) -> pd.DataFrame: ...

    @property
    def final(self) -> pd.DataFrame: ...

    @property
    def patients(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class StoredRun:
    """A simulation run's tables: read back from ``winwin simulate --out DIR`` (``DIR/<mode>/kpis.parquet``, …),
    or a run so far on the explore page."""

    kpis: pd.DataFrame
    final: pd.DataFrame
    patients: dict[str, Any]


@dataclass(frozen=True)
class Backtest:
    """A backtest read back from ``winwin backtest --out DIR``: its ``--json`` payload and every seed's series."""

    payload: dict[str, Any]
    series: pd.DataFrame
    """One row per seed and period: ``seed``, ``period`` and the coverage measures (%)."""


def read_backtest(folder: Path) -> Backtest:
    payload = json.loads((folder / "backtest.json").read_text(encoding="utf-8"))
    return Backtest(payload, pd.read_csv(folder / "series.csv"))


@dataclass(frozen=True)
class SweepResults:
    folder: Path
    manifest: dict[str, Any]
    rows: pd.DataFrame
    analysis: dict[str, Any]


@dataclass
class ReportInputs:
    scenario: Scenario | None = None
    comparison: Any = None
    """An :class:`winwin.optimizer.concepts.negotiation.Comparison` (the deal sheet)."""
    frontier: Any = None
    """An :class:`winwin.optimizer.concepts.frontier.Frontier`."""
    coalitions: dict[str, Any] | None = None
    """The ``winwin coalitions --json`` payload (players by role)."""
    simulations: dict[str, Run] = field(default_factory=dict)
    sweep: SweepResults | None = None
    backtest: Backtest | None = None
    notes: list[str] = field(default_factory=list)
    """How the figures were computed, shown under the summary (e.g. a shortened simulation)."""


def _quiet(_: str) -> None:
    return None


def deal_inputs(
    scenario: Scenario, frontier_points: int = 8, step: Step = _quiet, executor: Executor | None = None
) -> ReportInputs:
    """The ecosystem, plan and deal-sheet parts: every concept, the frontier, the game by role (the frontier's
    points and the coalitions' values on ``executor``, in this process by default)."""
    from winwin.optimizer.concepts import coalitions_report, deal_sheet, frontier
    from winwin.optimizer.games import players_of
    from winwin.optimizer.parallel import InProcessExecutor

    step("comparing the solution concepts (silo, joint, win-win, Nash, Kalai–Smorodinsky, egalitarian, …)")
    comparison = deal_sheet(scenario)
    step(f"the Pareto frontier of PX against the partners' total gain ({frontier_points} points)")
    ex = executor or InProcessExecutor()
    front = frontier(scenario, frontier_points, executor=ex)
    step("the coalition game by role (Shapley, nucleolus, core)")
    coalitions = coalitions_report(scenario, players_of(scenario, "role"), ex, comparison=comparison)
    return ReportInputs(scenario, comparison, front, coalitions)


def simulation_inputs(
    scenario: Scenario,
    modes: Sequence[str],
    periods: int | None = None,
    seed: int = 0,
    step: Step = _quiet,
    executor: Executor | None = None,
    futures: int | None = None,
) -> dict[str, Run]:
    """One simulation run per governance mode, all with the same seed, the modes side by side on
    ``executor`` (in this process, one after the other, by default); ``step`` is told as each finishes.
    With ``futures``, central and winwin run a second time with the robust planner over that many sampled
    futures a week (``robust central``, ``robust winwin``: the same world)."""
    from winwin.models.run import check_settings, simulate_modes
    from winwin.models.settings import ROBUST_PLANNED, SimulationSettings

    settings = SimulationSettings(periods=periods)
    check_settings(scenario, settings)
    step(f"simulating {', '.join(modes)} ({periods or scenario.T} weeks each)")
    finished: list[str] = []

    def done(mode: str) -> None:
        finished.append(mode)
        step(f"simulated {mode} ({len(finished)} of {len(modes)})")

    runs: dict[str, Run] = dict(simulate_modes(scenario, modes, settings, seed, executor, done))
    planned = [m for m in modes if m in ROBUST_PLANNED[1:]]
    if futures is not None and planned:
        step(f"simulating {', '.join(planned)} with the robust planner ({futures} futures a week)")
        robust = settings.model_copy(update={"planner": "robust", "futures": futures})
        runs |= {f"robust {m}": r for m, r in simulate_modes(scenario, planned, robust, seed, executor).items()}
    return runs


def read_sweep(folder: Path) -> SweepResults:
    from winwin.experiments.analysis import analyze
    from winwin.experiments.store import read_manifest, read_results

    rows = read_results(folder)
    return SweepResults(folder, read_manifest(folder), rows, analyze(rows))


def read_simulations(folder: Path) -> dict[str, Run]:
    runs: dict[str, Run] = {}
    for kpis in sorted(folder.glob("*/kpis.parquet")):
        final = kpis.with_name("final.parquet")
        if final.is_file():
            patients = kpis.with_name("patients.json")
            runs[kpis.parent.name] = StoredRun(
                pd.read_parquet(kpis).set_index("period"),
                pd.read_parquet(final).set_index("partner"),
                json.loads(patients.read_text(encoding="utf-8")) if patients.is_file() else {},
            )
    return runs


def read_results_folders(folders: Sequence[Path]) -> tuple[dict[str, Run], SweepResults | None, Backtest | None]:
    """Simulation runs, sweep results and a backtest from ``--results`` folders; every unusable folder
    reported at once."""
    problems: list[Problem] = []
    runs: dict[str, Run] = {}
    sweep: SweepResults | None = None
    backtest: Backtest | None = None
    for i, folder in enumerate(folders):
        where = f"results[{i}]" if len(folders) > 1 else "results"
        if not folder.is_dir():
            problems.append(problem(where, "no such folder", str(folder)))
        elif (folder / "backtest.json").is_file():
            try:
                backtest = read_backtest(folder)
            except (OSError, ValueError, KeyError) as exc:
                problems.append(problem(where, f"unreadable backtest ({exc})", str(folder)))
        elif manifest_path(folder).is_file():
            if sweep is not None:
                problems.append(problem(where, "a second sweep: give one sweep results folder", str(folder)))
                continue
            try:
                sweep = read_sweep(folder)
            except (InputError, OSError, ValueError) as exc:
                problems.append(problem(where, f"unreadable sweep results ({exc})", str(folder)))
        elif found := read_simulations(folder):
            runs.update(found)
        else:
            problems.append(
                problem(where, f"neither sweep results ({MANIFEST}), simulate --out tables nor a backtest", str(folder))
            )
    if problems:
        raise InputError(problems)
    return runs, sweep, backtest
