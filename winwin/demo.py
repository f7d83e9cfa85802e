"""``winwin demo``: a bundled scenario end to end — validate, compare the concepts, the frontier, the game
by role, simulate every governance mode, a small local Ray sweep, the report — into one folder.

The pipeline is a function of its :class:`DemoSettings`; it reports each step through a callback and
prints nothing (the command line shows the steps and the summary).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from winwin import experiments
from winwin.data import load
from winwin.data.errors import InputError, problem
from winwin.experiments.runner import scenario_document
from winwin.experiments.store import manifest_path, provenance
from winwin.experiments.sweep import Progress, run_sweep
from winwin.report import ReportInputs, deal_inputs, read_results_folders, simulation_inputs, write_report
from winwin.report.inputs import Step

DEMO_SWEEP = Path(experiments.__file__).resolve().parent / "belgium-demo.yaml"
"""The bundled demo sweep (24 short belgium-2021 simulations)."""


@dataclass(frozen=True)
class DemoSettings:
    out: Path = Path("winwin-demo")
    scenario: str = "belgium-2021"
    periods: int | None = None
    """Weeks simulated per governance mode (``None``: the whole horizon). Coordination pays later in the
    campaign: over belgium-2021's first 8 weeks the silo leads (PX 27.3 against winwin's 26.6, seed 0),
    over all 26 winwin leads (72.5 against 69.1)."""
    frontier_points: int = 5
    sweep: Path = DEMO_SWEEP
    samples: int | None = None
    """Overrides the sweep file's number of samples (a smaller sweep)."""
    in_process: bool = False
    """Run every parallel step (frontier, coalitions, simulations, sweep) in this process instead of on a local
    Ray cluster."""


@dataclass
class DemoResult:
    report: Path
    inputs: ReportInputs
    sweep_folder: Path
    sweep_seconds: float
    seconds: dict[str, float] = field(default_factory=dict)
    """Seconds per step."""


def _sweep_spec(settings: DemoSettings) -> tuple[Any, Any]:
    from winwin.experiments.spec import base_scenario, parse_spec

    if not settings.sweep.is_file():
        raise InputError([problem("sweep", "no such sweep file", str(settings.sweep))])
    doc = yaml.safe_load(settings.sweep.read_text())
    if settings.samples is not None:
        if settings.samples < 1:
            raise InputError([problem("samples", "at least 1", settings.samples)])
        doc.setdefault("sampling", {})["samples"] = settings.samples
    spec = parse_spec(doc, str(settings.sweep))
    return spec, base_scenario(spec, settings.sweep.parent)


def run_demo(settings: DemoSettings, step: Step, progress: Progress | None = None) -> DemoResult:
    """Every step of the demo, its files under ``settings.out``; returns where the report is. ``progress``
    is told ``(stored, failed, total)`` as the sweep's experiments finish."""
    from winwin.models.run import parse_modes
    from winwin.optimizer.parallel import choose_executor
    from winwin.simulate_view import write_results

    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = now - clock
        clock = now

    step(f"validating {settings.scenario}")
    scenario = load(settings.scenario)
    spec, sweep_base = _sweep_spec(settings)  # bad sweep input is reported before any long work
    if sweep_base.spec.name != scenario.spec.name:
        raise InputError(
            [problem("sweep", f"sweeps {sweep_base.spec.name}, not the demo's scenario {scenario.spec.name}",
                     str(settings.sweep))]
        )  # fmt: skip
    problems = []
    if settings.periods is not None and not 1 <= settings.periods <= scenario.T:
        problems.append(problem("periods", f"between 1 and the horizon ({scenario.T})", settings.periods))
    if settings.frontier_points < 2:
        problems.append(
            problem("frontier_points", "at least 2 (the two ends of the frontier)", settings.frontier_points)
        )
    if problems:
        raise InputError(problems)
    out = settings.out
    out.mkdir(parents=True, exist_ok=True)
    where = "in this process" if settings.in_process else "on a local Ray cluster"
    if not settings.in_process:
        step("starting a local Ray cluster (the frontier, the coalitions, the simulations and the sweep run on it)")
    ex = choose_executor(ray=not settings.in_process)
    lap("validate")
    inputs = deal_inputs(scenario, settings.frontier_points, step, ex)
    lap("deal sheet, frontier, coalitions")
    modes = parse_modes("all", None)
    inputs.simulations = simulation_inputs(scenario, modes, settings.periods, seed=0, step=step, executor=ex)
    write_results(inputs.simulations, out / "simulation")  # type: ignore[arg-type]
    lap("simulation")
    # rows are reused only for the same sweep file, scenario and code (a second run of the same demo)
    made_of = provenance(scenario_document(sweep_base)[1])
    folder = out / f"sweep-{spec.digest()[:8]}-{made_of['scenario'][:6]}{made_of['code'][:6]}"
    step(f"the sweep {spec.name} {where} ({folder})")
    report = run_sweep(spec, sweep_base, folder, ex, resume=manifest_path(folder).is_file(), progress=progress)
    _, inputs.sweep, _ = read_results_folders([folder])
    lap("sweep")
    weeks = settings.periods or scenario.T
    span = f"all {weeks} weeks" if weeks == scenario.T else f"the first {weeks} of {scenario.T} weeks"
    sweep_weeks = spec.simulation.get("periods") or sweep_base.T
    inputs.notes = [
        f"Simulation: {span} of every governance mode, seed 0, {where} "
        f"(winwin simulate {settings.scenario} --modes all --periods {weeks}).",
        f"Sweep: {settings.sweep.name}, {report.total} experiments of {sweep_weeks} weeks each "
        f"({report.skipped} reused from an earlier run), {report.seconds:.0f} s {where}.",
    ]
    step("writing the report")
    path = write_report(inputs, out / "report.html")
    lap("report")
    return DemoResult(path, inputs, folder, report.seconds, seconds)
