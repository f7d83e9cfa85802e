"""The experiments of a sweep: points (parameter values) × replications × governance modes, each with a
stable id and a seed.

- Points: the grid parameters' values crossed with each other and with ``samples`` draws of the
  distribution parameters (Latin hypercube: each parameter's range cut into ``samples`` equally likely
  strata, one draw in each, strata paired at random; Monte Carlo: independent draws).
- Seeds: ``SeedSequence(seed)`` spawns one child for sampling and one per replication; replication r uses
  the same seed at every point and in every mode (common random numbers: modes and points are compared on
  the same deliveries and disruptions).
- Ids: a hash of (point number, parameter values, mode, replication seed): stable across runs, machines,
  executors and batch sizes (two draws of a discrete distribution may give equal values: the point number
  keeps their ids apart).

Experiments are generated lazily, so 100 000 of them cost the driver only their point table.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from winwin.experiments.spec import Discrete, Normal, Parameter, SweepSpec, Triangular, Uniform


@dataclass(frozen=True)
class Experiment:
    """One simulation to run: a point of the sweep under one mode with one replication's seed."""

    id: str
    point: int
    replication: int
    mode: str
    seed: int
    parameters: tuple[tuple[str, Any], ...]
    """``(path, value)`` per parameter, in the sweep file's order."""


def replication_seeds(spec: SweepSpec) -> list[int]:
    children = np.random.SeedSequence(spec.seed).spawn(2)[1].spawn(spec.replications)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def unit_samples(spec: SweepSpec) -> np.ndarray:
    """``u[sample, parameter]`` in (0, 1) for the distribution parameters."""
    k, n = len(spec.sampled), spec.sampling.samples
    if k == 0:
        return np.zeros((1, 0))
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed).spawn(2)[0])
    if spec.sampling.method == "monte_carlo":
        return rng.random((n, k))
    strata = np.column_stack([rng.permutation(n) for _ in range(k)])
    return (strata + rng.random((n, k))) / n


def quantile(p: Parameter, u: np.ndarray) -> list[Any]:
    """The values of a distribution parameter at probabilities ``u``."""
    d = p.distribution
    if isinstance(d, Uniform):
        return list(d.low + u * (d.high - d.low))
    if isinstance(d, Normal):
        x = d.mean + d.sd * stats.norm.ppf(u)
        return list(np.clip(x, d.low if d.low is not None else -np.inf, d.high if d.high is not None else np.inf))
    if isinstance(d, Triangular):
        c = (d.mode - d.low) / (d.high - d.low)
        return list(stats.triang.ppf(u, c, loc=d.low, scale=d.high - d.low))
    assert isinstance(d, Discrete)
    w = np.asarray(d.weights if d.weights is not None else np.ones(len(d.values)), dtype=float)
    edges = np.cumsum(w / w.sum())
    index = np.minimum(np.searchsorted(edges, u, side="right"), len(d.values) - 1)
    return [d.values[i] for i in index]


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def points(spec: SweepSpec) -> list[tuple[tuple[str, Any], ...]]:
    """Every point of the sweep: ``((path, value), …)`` in the sweep file's parameter order."""
    grid, sampled = spec.grid, spec.sampled
    u = unit_samples(spec)
    draws = [quantile(p, u[:, j]) for j, p in enumerate(sampled)]
    samples = list(zip(*draws, strict=True)) if sampled else [()]
    order = [p.path for p in spec.parameters]
    out = []
    for combo in itertools.product(*[p.values or [] for p in grid]):
        for sample in samples:
            values = {p.path: v for p, v in zip(grid, combo, strict=True)}
            values.update({p.path: v for p, v in zip(sampled, sample, strict=True)})
            out.append(tuple((path, _plain(values[path])) for path in order))
    return out


def experiment_id(point: int, parameters: tuple[tuple[str, Any], ...], mode: str, seed: int) -> str:
    text = json.dumps([point, [list(p) for p in parameters], mode, seed], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def count(spec: SweepSpec) -> int:
    n_grid = int(np.prod([len(p.values or []) for p in spec.grid])) if spec.grid else 1
    n_samples = spec.sampling.samples if spec.sampled else 1
    return n_grid * n_samples * spec.replications * len(spec.modes)


def experiments(spec: SweepSpec) -> Iterator[Experiment]:
    """Every experiment of the sweep, lazily, in a fixed order (point, replication, mode)."""
    seeds = replication_seeds(spec)
    for i, values in enumerate(points(spec)):
        for r, seed in enumerate(seeds):
            for mode in spec.modes:
                yield Experiment(experiment_id(i, values, mode, seed), i, r, mode, seed, values)
