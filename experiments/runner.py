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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from winwin.data import Scenario
from winwin.data.loader import parse
from winwin.data.overrides import override
from winwin.experiments.design import Experiment
from winwin.experiments.spec import SETTINGS_PREFIX, Discrete, SweepSpec
from winwin.models.run import simulate_run, worse_off
from winwin.models.settings import SimulationSettings, mode_settings

KPIS: dict[str, pa.DataType] = {
    "px": pa.float64(),
    "nps": pa.float64(),
    "wasted": pa.float64(),
    "cancellations": pa.float64(),
    "appointments": pa.float64(),
    "cancellations_per_1000": pa.float64(),
    "second_doses_on_time": pa.float64(),
    "win_win_periods": pa.int64(),
    "periods": pa.int64(),
    "total_gain": pa.float64(),
    "least_gain": pa.float64(),
    "win_win": pa.bool_(),
}
"""The KPIs of every row, in order (then coverage per group, gain and utility per partner)."""
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


def _value_type(values: Sequence[Any]) -> pa.DataType:
    """The column type of a parameter's possible values (mixed kinds are stored as text)."""
    if all(isinstance(v, bool) for v in values):
        return pa.bool_()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.int64()
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pa.float64()
    return pa.string()


def row_schema(scenario: Scenario, spec: SweepSpec) -> pa.Schema:
    """The columns of every row of ``spec``'s sweep on ``scenario``, ok or error (see the module docstring)."""
    fields: list[tuple[str, pa.DataType]] = [
        ("id", pa.string()),
        ("point", pa.int64()),
        ("replication", pa.int64()),
        ("mode", pa.string()),
        ("seed", pa.int64()),
    ]
    for p in spec.parameters:
        d = p.distribution
        values = p.values if p.values is not None else d.values if isinstance(d, Discrete) else [0.0]
        fields.append((p.column, _value_type(values)))
    fields += list(KPIS.items())
    fields += [(f"coverage:{g}", pa.float64()) for g in scenario.groups.ids]
    fields += [(f"gain:{pid}", pa.float64()) for pid in scenario.partners.ids]
    fields += [(f"utility:{pid}", pa.float64()) for pid in scenario.partners.ids]
    fields += [(name, pa.string()) for name in ("status", "error", "traceback")]
    fields += [("runtime", pa.float64()), ("host", pa.string()), ("pid", pa.int64())]
    return pa.schema(fields)


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
    settings = SimulationSettings.model_validate({**settings_values, **mode_settings(e.mode)})
    result = simulate_run(scenario, settings, e.seed)
    summary = result.summary()
    final = result.final
    out: dict[str, Any] = {
        "px": summary["px"],
        "nps": summary["nps"],
        "wasted": summary["wasted"],
        "cancellations": summary["cancellations"],
        "appointments": summary["patients"]["appointments"],
        "cancellations_per_1000": summary["patients"]["cancellations_per_1000"],
        "second_doses_on_time": summary["patients"]["second_doses_on_time"],
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
