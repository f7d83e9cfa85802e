"""The world of one run: every random draw, made before the run from the seed (common random numbers).

A governance mode changes what partners decide, never what nature does: the same seed gives every mode —
and the clairvoyant bound, which is told the deliveries in advance — the same announcements' noise, the
same deliveries and the same disruptions. The draws are made in the order the ecosystem used to make them
week by week (per week: each manufacturer's announcement noise, each manufacturer's delivery shock, each
distributor's disruption), so a run with no persistence is the run it always was.

Deliveries: manufacturer m delivers ``promise × r_t`` with ``r_t = clip(x_t, 0, 1)`` and the latent ratio an
AR(1) process around the reliability's mean (:func:`~winwin.optimizer.robust.futures.ar1_next`, which the
plans' sampled futures draw too),

    x_0 = μ + σ ε_0,   x_t = μ + ρ (x_{t−1} − μ) + σ √(1 − ρ²) ε_t,   ε_t ~ N(0, 1),

so every week has mean μ and standard deviation σ (before clipping) whatever the persistence ρ, and a
shortfall lasts about 1 / (1 − ρ) weeks (ρ = 0: independent weeks). Real shortfalls persisted for months
(AstraZeneca's first half of 2021), which independent weekly draws cannot show.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from winwin.data import Scenario
from winwin.data.schema import Distributor, Manufacturer
from winwin.optimizer.robust.futures import ar1_next


@dataclass(frozen=True)
class World:
    """Every random draw of a run; ``[…, period]`` over the scenario's horizon."""

    announce: np.ndarray
    """``[period, manufacturer, period']``: multiplicative noise (mean one) on what a manufacturer not sharing
    its data announces at ``period`` for ``period'``."""
    ratio: np.ndarray
    """``[manufacturer, period]``: share of the promise delivered."""
    disrupted: np.ndarray
    """``[distributor, period]``: the distributor's dispatch is disrupted."""

    def delivered(self, promise: np.ndarray) -> np.ndarray:
        """``[manufacturer, product, period]`` doses delivered for ``promise`` of the same shape."""
        return promise * self.ratio[:, None, :]


def draw_world(scenario: Scenario, announce_noise: float, rng: np.random.Generator) -> World:
    """Draw the world of one run from ``rng`` (module docstring)."""
    sc, T = scenario, scenario.T
    makers = [p for p in sc.spec.partners if isinstance(p, Manufacturer)]
    hubs = [p for p in sc.spec.partners if isinstance(p, Distributor)]
    M, D = len(makers), len(hubs)
    announce = np.ones((T, M, T))
    ratio = np.zeros((M, T))
    disrupted = np.zeros((D, T), dtype=bool)
    latent = np.array([p.reliability.mean for p in makers])
    for t in range(T):
        for i in range(M):
            if announce_noise > 0:
                announce[t, i] = rng.lognormal(-0.5 * announce_noise**2, announce_noise, size=T)
        for i, p in enumerate(makers):
            mu, sd, rho = p.reliability.mean, p.reliability.sd, p.reliability.persistence
            if sd > 0:
                latent[i] = ar1_next(latent[i], mu, sd, rho, t == 0, rng.standard_normal())
            ratio[i, t] = float(np.clip(latent[i], 0.0, 1.0))
        for j, h in enumerate(hubs):
            disrupted[j, t] = bool(h.disruption_rate > 0 and rng.random() < h.disruption_rate)
    order = [sc.manufacturers.pos(p.id) for p in makers]
    hub_order = [sc.distributors.pos(p.id) for p in hubs]
    out_ratio, out_announce, out_disrupted = np.zeros_like(ratio), np.ones_like(announce), np.zeros_like(disrupted)
    out_ratio[order], out_announce[:, order], out_disrupted[hub_order] = ratio, announce, disrupted
    return World(out_announce, out_ratio, out_disrupted)
