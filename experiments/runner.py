"""Run experiments: one task is a batch of experiments on one base scenario; one experiment is one row.

A row holds the experiment's id, point, replication, mode, seed and parameter values (``p:<path>``), then
either its KPIs (PX, NPS, coverage per group, wasted doses, cancellations, win-win periods, each
partner's utility and gain, ``win_win``: every partner at least as well off as in the silo) with status
``ok``, or status ``error`` with the error and its traceback. Runtime, host and process are recorded
beside (they differ between runs; nothing else does). An experiment's failure never reaches the batch.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from winwin.data import Scenario
from winwin.data.loader import parse
from winwin.data.overrides import override
from winwin.experiments.design import Experiment
from winwin.experiments.spec import SETTINGS_PREFIX
from winwin.models.run import simulate_run, worse_off
from winwin.models.settings import SimulationSettings

VOLATILE = ("runtime", "host", "pid")
"""Row fields that describe where and how fast an experiment ran, not what it found."""


@dataclass(frozen=True)
class Task:
    """Experiments sent together to one worker (the base scenario travels as a document)."""

    scenario_key: str
    scenario_doc: Mapping[str, Any]
    source: str
    simulation: Mapping[str, Any]
    experiments: tuple[Experiment, ...]


def scenario_document(scenario: Scenario) -> tuple[Mapping[str, Any], str]:
    """The scenario as a plain document and a short hash of it (the workers' cache key)."""
    doc = scenario.spec.model_dump(mode="json", by_alias=True, exclude_unset=False)
    key = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]
    return doc, key


_BASES: dict[str, Scenario] = {}


def _base(task: Task) -> Scenario:
    """The task's base scenario, parsed once per worker process."""
    if task.scenario_key not in _BASES:
        if len(_BASES) >= 8:
            _BASES.clear()
        _BASES[task.scenario_key] = Scenario(parse(dict(task.scenario_doc), task.source), task.source)
    return _BASES[task.scenario_key]


def run_task(task: Task) -> list[dict[str, Any]]:
    """Every experiment of a task, one row each (a failing experiment is an error row)."""
    base = _base(task)
    return [run_experiment(base, task.simulation, e) for e in task.experiments]


def run_experiment(base: Scenario, simulation: Mapping[str, Any], e: Experiment) -> dict[str, Any]:
    """One experiment's row (never raises for a failure of the experiment itself)."""
    start = time.perf_counter()
    row: dict[str, Any] = {
        "id": e.id,
        "point": e.point,
        "replication": e.replication,
        "mode": e.mode,
        "seed": e.seed,
        **{f"p:{path}": value for path, value in e.parameters},
    }
    try:
        row.update(evaluate(base, simulation, e))
        row.update(status="ok", error="", traceback="")
    except Exception as exc:  # the sweep records it and goes on
        row.update(status="error", error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
    row.update(runtime=time.perf_counter() - start, host=socket.gethostname(), pid=os.getpid())
    return row


def evaluate(base: Scenario, simulation: Mapping[str, Any], e: Experiment) -> dict[str, Any]:
    """The KPIs of one simulation run with the experiment's parameters, mode and seed."""
    settings_values = dict(simulation)
    changes = {}
    for path, value in e.parameters:
        if path.startswith(SETTINGS_PREFIX):
            settings_values[path[len(SETTINGS_PREFIX) :]] = value
        else:
            changes[path] = value
    scenario = override(base, changes) if changes else base
    settings = SimulationSettings.model_validate({**settings_values, "mode": e.mode})
    result = simulate_run(scenario, settings, e.seed)
    summary = result.summary()
    final = result.final
    out: dict[str, Any] = {
        "px": summary["px"],
        "nps": summary["nps"],
        "wasted": summary["wasted"],
        "cancellations": summary["cancellations"],
        "win_win_periods": summary["win_win_periods"],
        "periods": summary["periods"],
        "total_gain": float(final["gain"].sum()),
        "least_gain": float(final["gain"].min()),
        "win_win": worse_off(final).empty,
    }
    out.update({f"coverage:{g}": v for g, v in summary["coverage"].items()})
    out.update({f"gain:{pid}": float(v) for pid, v in final["gain"].items()})
    out.update({f"utility:{pid}": float(v) for pid, v in final["utility"].items()})
    return out
