"""Sweep files (DESIGN §9): what varies, how it is sampled, which governance modes, how many replications.

A sweep file is YAML, loaded safely and validated like a scenario: every problem is reported at once with
its path in the file and the value found there. Example (``experiments/supply-sharing.yaml``)::

    name: supply-sharing
    scenario: tiny                      # a bundled scenario, or a path relative to this file
    simulation: {periods: 6, lookahead: 3}
    modes: [silo, central, winwin]     # robust_central, robust_winwin: the same modes, robust planner
    replications: 3
    seed: 2026
    sampling: {method: latin_hypercube, samples: 8}
    parameters:
      - path: partners.m_alpha.reliability.mean     # a dotted path into the scenario
        distribution: {kind: uniform, low: 0.6, high: 1.0}
      - path: settings.sharing                      # settings.* are simulation settings
        values: [none, all]

Grid parameters (``values``) are crossed with each other and with the samples of the distribution
parameters (``distribution``: uniform, normal, triangular, discrete), drawn by Latin hypercube or Monte
Carlo. Every combination is a *point*; every point runs every mode for every replication.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from winwin.data import Scenario, load
from winwin.data.errors import InputError, Problem, problem
from winwin.data.overrides import override
from winwin.models.settings import ROBUST_MODE_NAMES, SimulationSettings, mode_settings, planner_problems
from winwin.optimizer.rolling.planner import GOVERNANCE_MODES

SETTINGS_PREFIX = "settings."


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Uniform(_Strict):
    kind: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


class Normal(_Strict):
    kind: Literal["normal"]
    mean: float
    sd: float = Field(gt=0)
    low: float | None = Field(default=None, description="values below are clipped to it")
    high: float | None = Field(default=None, description="values above are clipped to it")


class Triangular(_Strict):
    kind: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(f"needs low ≤ mode ≤ high and low < high, got {self.low}, {self.mode}, {self.high}")
        return self


class Discrete(_Strict):
    kind: Literal["discrete"]
    values: list[Any] = Field(min_length=1)
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Discrete:
        w = self.weights
        if w is not None and (len(w) != len(self.values) or any(x < 0 for x in w) or sum(w) <= 0):
            raise ValueError("weights must be one non-negative number per value, not all zero")
        return self


Distribution = Annotated[Uniform | Normal | Triangular | Discrete, Field(discriminator="kind")]


class Parameter(_Strict):
    path: str = Field(min_length=1, description="dotted path into the scenario, or settings.<field>")
    values: list[Any] | None = Field(default=None, min_length=1, description="grid values")
    distribution: Distribution | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Parameter:
        if (self.values is None) == (self.distribution is None):
            raise ValueError("give either values (a grid) or a distribution")
        return self

    @property
    def column(self) -> str:
        return f"p:{self.path}"


class Sampling(_Strict):
    method: Literal["latin_hypercube", "monte_carlo"] = "latin_hypercube"
    samples: int = Field(default=10, ge=1, le=1_000_000)


class SweepSpec(_Strict):
    name: str = Field(min_length=1)
    scenario: str = Field(min_length=1, description="bundled scenario name or path (relative to the sweep file)")
    simulation: dict[str, Any] = Field(default_factory=dict, description="SimulationSettings other than mode")
    modes: list[str] = Field(default_factory=lambda: ["silo", "winwin"], min_length=1)
    replications: int = Field(default=1, ge=1, le=100_000)
    seed: int = Field(default=0, ge=0)
    sampling: Sampling = Field(default_factory=Sampling)
    parameters: list[Parameter] = Field(default_factory=list)
    batch: int | None = Field(default=None, ge=1, le=10_000, description="experiments per task; adaptive if absent")

    def digest(self) -> str:
        """A hash of what determines the experiments and their rows (for ``--resume``)."""
        text = json.dumps(self.model_dump(mode="json", exclude={"batch"}), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def grid(self) -> list[Parameter]:
        return [p for p in self.parameters if p.values is not None]

    @property
    def sampled(self) -> list[Parameter]:
        return [p for p in self.parameters if p.distribution is not None]

    def settings(self) -> SimulationSettings:
        return SimulationSettings.model_validate({**self.simulation, **mode_settings(self.modes[0])})


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("uniform", "normal", "triangular", "discrete") and out.endswith("distribution"):
            continue  # the union's tag adds nothing for the reader
        else:
            out += ("." if out else "") + str(part)
    return out


def parse_spec(doc: Any, source: str = "<sweep>") -> SweepSpec:
    """A validated sweep from a document (every problem at once, path and value)."""
    if not isinstance(doc, dict):
        raise InputError([problem("", "a sweep file is a mapping", doc)], source)
    problems = check_names(doc)
    try:
        spec = SweepSpec.model_validate(doc)
    except ValidationError as exc:
        problems = [problem(_loc(e["loc"]), e["msg"], e.get("input")) for e in exc.errors()] + problems
        raise InputError(problems, source) from None
    if problems:
        raise InputError(problems, source)
    return spec


def check_names(doc: dict[str, Any]) -> list[Problem]:
    """Problems with the names of modes, simulation settings and settings parameters (on the raw document,
    so they are reported together with the schema's problems)."""
    problems: list[Problem] = []
    modes = doc.get("modes")
    if isinstance(modes, list):
        names = (*GOVERNANCE_MODES, *ROBUST_MODE_NAMES)
        for i, m in enumerate(modes):
            if m not in names:
                problems.append(problem(f"modes[{i}]", f"modes are {', '.join(names)}", m))
        if len({str(m) for m in modes}) != len(modes):
            problems.append(problem("modes", "a mode is listed twice", modes))
    simulation = doc.get("simulation")
    if isinstance(simulation, dict) and isinstance(modes, list):
        plain = [str(m) for m in modes if m not in ROBUST_MODE_NAMES]
        problems += [
            replace(q, path=f"simulation.{q.path}") for q in planner_problems(simulation.get("planner"), plain)
        ]
    if isinstance(simulation, dict):
        if "mode" in simulation:
            problems.append(problem("simulation.mode", "governance modes are given by modes", simulation["mode"]))
        else:
            try:
                SimulationSettings.model_validate(simulation)
            except ValidationError as exc:
                for e in exc.errors():
                    problems.append(problem("simulation." + _loc(e["loc"]), e["msg"], e.get("input")))
    parameters = doc.get("parameters")
    seen: set[str] = set()
    for i, p in enumerate(parameters if isinstance(parameters, list) else []):
        path = p.get("path") if isinstance(p, dict) else None
        if not isinstance(path, str):
            continue
        if path in seen:
            problems.append(problem(f"parameters[{i}].path", "the same path is given twice", path))
        seen.add(path)
        if path.startswith(SETTINGS_PREFIX):
            name = path[len(SETTINGS_PREFIX) :]
            if name == "mode":
                problems.append(problem(f"parameters[{i}].path", "governance modes are given by modes", path))
            elif name not in SimulationSettings.model_fields:
                fields = ", ".join(f for f in SimulationSettings.model_fields if f != "mode")
                problems.append(problem(f"parameters[{i}].path", f"simulation settings are {fields}", path))
    return problems


def load_spec(path: str | Path) -> tuple[SweepSpec, Scenario]:
    """Read, validate and resolve a sweep file: the spec and its base scenario."""
    path = Path(path)
    if not path.is_file():
        raise InputError([problem("SPEC", "no such sweep file", str(path))])
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise InputError([problem("", f"not valid YAML: {exc}", str(path))], str(path)) from None
    spec = parse_spec(doc, str(path))
    return spec, base_scenario(spec, path.parent)


def base_scenario(spec: SweepSpec, folder: Path | None = None) -> Scenario:
    """The base scenario of a sweep, with each parameter tried at one of its values (a bad path or value
    is reported as the sweep file's ``parameters[i]``)."""
    candidate = Path(folder or ".") / spec.scenario
    try:
        scenario = load(str(candidate) if candidate.is_file() else spec.scenario)
    except InputError as exc:
        raise InputError([problem("scenario", str(p), spec.scenario) for p in exc.problems]) from None
    problems: list[Problem] = []
    for i, p in enumerate(spec.parameters):
        example = sample_value(p)
        try:
            if p.path.startswith(SETTINGS_PREFIX):
                name = p.path[len(SETTINGS_PREFIX) :]
                SimulationSettings.model_validate({**spec.simulation, **mode_settings(spec.modes[0]), name: example})
            else:
                override(scenario, {p.path: example})
        except InputError as exc:
            problems.extend(problem(f"parameters[{i}]", str(q), example) for q in exc.problems)
        except ValidationError as exc:
            problems.extend(problem(f"parameters[{i}]", e["msg"], example) for e in exc.errors())
    if problems:
        raise InputError(problems)
    return scenario


def sample_value(p: Parameter) -> Any:
    """One representative value of a parameter (its first grid value, or its distribution's centre)."""
    if p.values is not None:
        return p.values[0]
    d = p.distribution
    if isinstance(d, Uniform):
        return (d.low + d.high) / 2
    if isinstance(d, Normal):
        return d.mean
    if isinstance(d, Triangular):
        return d.mode
    assert isinstance(d, Discrete)
    return d.values[0]
