"""Sampled delivery futures (issue 22, part 1): K draws of every manufacturer's delivery ratio, with a seed.

A future is ``ratio[manufacturer, period]``, the share of the promise delivered; its supply is the promise
times the ratio. The ratio follows the scenario's reliability model, the AR(1) process the simulation's
world draws (:mod:`winwin.models.world`):

    x_t = μ + ρ (x_{t−1} − μ) + σ √(1 − ρ²) ε_t,   first uncertain period x = μ + σ ε,   r_t = clip(x_t, 0, 1).

Periods before ``known`` are known: every future delivers the honest forecast μ there (this week's doses are
in hand when the plan is made). Futures are drawn from ``numpy.random.default_rng([seed, stream])``: stream
0 plans, stream 1 is the out-of-sample test set, streams 2, 3, … are the replications of the SAA gap, so a
plan is never judged on the futures it was made on, and every concept and mode given the same seed sees
the same futures (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from winwin.data import Scenario
from winwin.data.errors import InputError, problem
from winwin.data.schema import Manufacturer

PLAN, TEST, REPLICATIONS = 0, 1, 2
"""The random streams of :func:`sample_futures`."""


def ar1_next(latent: np.ndarray | float, mu: np.ndarray | float, sd: np.ndarray | float, rho: np.ndarray | float,
             first: bool, eps: np.ndarray | float) -> np.ndarray:  # fmt: skip
    """One step of the latent AR(1) delivery ratio (module docstring); ``first`` draws the unconditional one."""
    step = np.asarray(sd, dtype=float) * (1.0 if first else np.sqrt(1.0 - np.asarray(rho, dtype=float) ** 2))
    return np.asarray(mu + (0.0 if first else rho * (np.asarray(latent) - mu)) + step * eps, dtype=float)


@dataclass(frozen=True)
class Futures:
    """``ratio[future, manufacturer, period]`` with equal probabilities."""

    ratio: np.ndarray
    seed: int | None = None
    stream: int | None = None

    def __len__(self) -> int:
        return int(self.ratio.shape[0])

    def supply(self, scenario: Scenario) -> np.ndarray:
        """``supply[future, manufacturer, product, period]``: the promise times each future's ratio."""
        if self.ratio.shape[1:] != (len(scenario.manufacturers), scenario.T):
            raise ValueError(f"futures of shape {self.ratio.shape[1:]} for a scenario of shape "
                             f"{(len(scenario.manufacturers), scenario.T)}")  # fmt: skip
        return scenario.supply[None] * self.ratio[:, :, None, :]

    def mean(self) -> Futures:
        """The one future of mean deliveries (the expected-value problem's)."""
        return Futures(self.ratio.mean(axis=0, keepdims=True), self.seed, self.stream)

    def take(self, index: np.ndarray | list[int]) -> Futures:
        return Futures(self.ratio[np.asarray(index)], self.seed, self.stream)


def reliability(scenario: Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(μ, σ, ρ)`` per manufacturer in the scenario's order."""
    makers = [scenario.partner(m) for m in scenario.manufacturers.ids]
    rel = [m.reliability for m in makers if isinstance(m, Manufacturer)]
    return (np.array([r.mean for r in rel]), np.array([r.sd for r in rel]), np.array([r.persistence for r in rel]))


def sample_futures(scenario: Scenario, count: int, seed: int, stream: int = PLAN, known: int = 1) -> Futures:
    """``count`` futures of the scenario's reliability model (module docstring)."""
    if count < 1:
        raise InputError([problem("futures", "must be at least 1", count)])
    if not 0 <= known <= scenario.T:
        raise InputError([problem("known", f"must lie in [0, {scenario.T}]", known)])
    mu, sd, rho = reliability(scenario)
    rng = np.random.default_rng([seed, stream])
    M, T = mu.size, scenario.T
    ratio = np.repeat(np.repeat(mu[None, :, None], count, axis=0), T, axis=2)
    latent = np.repeat(mu[None, :], count, axis=0)
    for t in range(known, T):
        latent = ar1_next(latent, mu, sd, rho, t == known, rng.standard_normal((count, M)))
        ratio[:, :, t] = np.clip(latent, 0.0, 1.0)
    return Futures(ratio, seed, stream)
