"""The value of each manufacturer's delivery forecast to the ecosystem (issue 22, part 5).

A manufacturer that shares its data tells the coordinator its honest forecast (promise × reliability.mean;
with ``forecast = perfect``, its actual deliveries, the most its data can be worth);
one that does not is heard at its promise, blurred by ``announce_noise`` (:mod:`winwin.agents.partners`).
For every set S of sharing manufacturers the simulation is run on the same seeds (paired: the same
deliveries, events and noise in every set, :mod:`winwin.models.world`), the others keeping their promise,
and ``v(S)`` is the mean realised PX over the seeds minus that with nobody sharing. Each manufacturer's
**marginal value** is ``v(M) − v(M ∖ {m})`` and its **Shapley value** splits ``v(M)`` among the sharers (its
mean marginal value over the orders in which they could join); the **fair data fee** per period is the
Shapley value in money (``money.value_per_px_point``) over the periods simulated, and none when the forecast
is worth nothing or less (it can be: a coordinator that plans on an over-promise gives more first doses
early, which pays where a missed second dose costs nothing, as on tiny).

Nothing else changes between the sets: sharing choices are fixed for the run (``sharing = learn`` with no
fee and no cost keeps every partner's initial choice), and partners other than the manufacturers keep the
scenario's. A manufacturer whose forecast equals what it promises (reliability 1, no noise) is worth exactly 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from winwin.data import Scenario
from winwin.data.overrides import override
from winwin.models.run import simulate_run
from winwin.models.settings import SimulationSettings
from winwin.optimizer.games.tu import Game, shapley


@dataclass
class DataValue:
    """Per manufacturer: PX with and without its forecast, its marginal and Shapley values, a fair fee."""

    scenario: str
    mode: str
    seeds: int
    periods: int
    value_per_px_point: float
    currency: str
    manufacturers: tuple[str, ...]
    px: dict[frozenset[str], float] = field(default_factory=dict)
    """Mean realised PX over the seeds, per set of sharing manufacturers."""
    px_by_seed: dict[frozenset[str], list[float]] = field(default_factory=dict)

    def v(self, sharers: frozenset[str]) -> float:
        return self.px[sharers] - self.px[frozenset()]

    def marginal(self, m: str) -> float:
        every = frozenset(self.manufacturers)
        return self.px[every] - self.px[every - {m}]

    def game(self) -> Game:
        """The TU game of the sharers: ``v`` of every set of manufacturers (bit i: ``manufacturers[i]``)."""
        n = len(self.manufacturers)
        members = [frozenset(m for i, m in enumerate(self.manufacturers) if mask >> i & 1) for mask in range(1 << n)]
        return Game(self.manufacturers, np.array([self.v(s) for s in members]))

    def shapley(self, m: str) -> float:
        return float(shapley(self.game())[self.manufacturers.index(m)])

    def spread(self, m: str) -> tuple[float, float]:
        """The smallest and largest paired difference (with − without its forecast, everyone else sharing)."""
        every = frozenset(self.manufacturers)
        d = np.array(self.px_by_seed[every]) - np.array(self.px_by_seed[every - {m}])
        return float(d.min()), float(d.max())

    def rows(self) -> list[dict[str, Any]]:
        every = frozenset(self.manufacturers)
        split = shapley(self.game())
        out = []
        for m, phi in zip(self.manufacturers, split, strict=True):
            low, high = self.spread(m)
            out.append(
                {
                    "manufacturer": m,
                    "px_with": self.px[every],
                    "px_without": self.px[every - {m}],
                    "marginal_px": self.marginal(m),
                    "paired_min": low,
                    "paired_max": high,
                    "shapley_px": float(phi),
                    "fee_per_period": max(float(phi), 0.0) * self.value_per_px_point / self.periods,
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "mode": self.mode,
            "seeds": self.seeds,
            "periods": self.periods,
            "currency": self.currency,
            "value_per_px_point": self.value_per_px_point,
            "px_nobody_shares": self.px[frozenset()],
            "px_everyone_shares": self.px[frozenset(self.manufacturers)],
            "manufacturers": self.rows(),
        }


def data_value(scenario: Scenario, settings: SimulationSettings, seeds: int) -> DataValue:
    """Run every set of sharing manufacturers on seeds 0…``seeds``−1 (module docstring)."""
    sc = scenario
    fixed = settings.model_copy(update={"sharing": "learn", "data_fee": 0.0, "sharing_cost": 0.0})
    makers = tuple(sc.manufacturers.ids)
    periods = min(fixed.periods or sc.T, sc.T)
    result = DataValue(
        sc.name, fixed.mode, seeds, periods, sc.spec.money.value_per_px_point, sc.spec.money.currency, makers
    )
    for k in range(len(makers) + 1):
        for chosen in combinations(makers, k):
            sharers = frozenset(chosen)
            world = override(sc, {f"partners.{m}.shares_data": m in sharers for m in makers})
            px = [float(simulate_run(world, fixed, seed).kpis["px"].iloc[-1]) for seed in range(seeds)]
            result.px_by_seed[sharers] = px
            result.px[sharers] = float(np.mean(px))
    return result


__all__ = ["DataValue", "data_value"]
