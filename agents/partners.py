"""Partner agents: one class per role, each with its incentive (its utility), beliefs and behaviour.

Every partner judges a plan by its own utility (:mod:`winwin.optimizer.allocation.model`): it accepts a plan that gives it at
least its reservation — its silo utility over the same dates plus its aspiration — and otherwise rejects
it. A partner learns whether sharing its data pays: it shares next period when the fee it is paid plus the
gain it made while sharing (compared with the gain while not sharing) beats the cost of sharing.

Role behaviour (the random draws are the run's :class:`winwin.models.world.World`, made from the model's
generator before the run, never from a global one):

- :class:`ManufacturerAgent`: promises ``supply`` per period and delivers ``promise × r``, ``r`` the
  world's delivery ratio (:mod:`winwin.models.world`: mean ``reliability.mean``, sd ``reliability.sd``,
  persistence ``reliability.persistence``, clipped to [0, 1]). Sharing its data means sharing the honest
  forecast, the expected delivery ``promise × reliability.mean`` (one quantity decides both what is shared
  and what arrives, so a sweep cannot pull them apart); without sharing the coordinator hears the promise
  with multiplicative noise: over-promising by ``1 / reliability.mean`` is the habit of a manufacturer
  that does not share.
- :class:`DistributorAgent`: the world disrupts its dispatch with probability ``disruption_rate`` per period
  (it keeps :data:`winwin.optimizer.allocation.silo.DISRUPTED_THROUGHPUT` of its throughput, in every mode).
- :class:`SiteAgent`, :class:`PayerAgent`, :class:`VolunteerAgent`: their capacities, budget and hours
  are rows of the plan; they negotiate like every partner.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Protocol

import mesa
import numpy as np

from winwin.data.schema import Manufacturer, Partner


class PartnerSettings(Protocol):
    """What a partner agent reads of the run's settings (:class:`winwin.models.SimulationSettings` has it)."""

    @property
    def aspiration(self) -> Mapping[str, float]: ...
    @property
    def sharing(self) -> str: ...
    @property
    def sharing_cost(self) -> float: ...


class PartnerAgent(mesa.Agent):
    """A partner of the ecosystem: its utility, its reservation, its data-sharing choice."""

    role: ClassVar[str] = "partner"

    def __init__(self, model: mesa.Model, spec: Partner, position: int, settings: PartnerSettings) -> None:
        super().__init__(model)
        self.pid = spec.id
        self.spec = spec
        self.position = position
        self.aspiration = settings.aspiration.get(spec.id, 0.0)
        """Utility above its silo utility the partner asks for (0: plain individual rationality)."""
        self.shares_data = {"learn": spec.shares_data, "all": True, "none": False}[settings.sharing]
        self._sharing_rule = settings.sharing
        self.sharing_cost = settings.sharing_cost
        self.utility = 0.0
        """Realised utility of the periods so far (transfers settled at the end are not included)."""
        self.gain = 0.0
        """Realised utility minus the silo campaign's over the same periods."""
        self.planned_gain = 0.0
        self.accepted = True
        self.fallback = False
        self._gains: dict[bool, list[float]] = {True: [], False: []}

    def reservation(self, disagreement: float) -> float:
        return disagreement + self.aspiration

    def accepts(self, planned_utility: float, disagreement: float, tolerance: float) -> bool:
        """Does the plan give this partner at least its reservation?"""
        return bool(planned_utility >= self.reservation(disagreement) - tolerance)

    def record(self, utility: float, gain: float, fee: float) -> None:
        """Book one period's realised utility and gain (``fee``: data-sharing fee received)."""
        self.utility += utility + fee
        self.gain += gain + fee
        self._gains[self.shares_data].append(gain + fee - (self.sharing_cost if self.shares_data else 0.0))

    def decide_sharing(self, fee: float) -> None:
        """Share next period when sharing paid: mean net gain while sharing ≥ mean gain while not (the fee is
        part of the former). Without experience of both, a partner paid at least its cost starts sharing."""
        if self._sharing_rule != "learn":
            return
        on, off = self._gains[True], self._gains[False]
        if on and off:
            self.shares_data = float(np.mean(on)) >= float(np.mean(off))
        elif not self.shares_data and fee >= self.sharing_cost and fee > 0:
            self.shares_data = True


class ManufacturerAgent(PartnerAgent):
    role = "manufacturer"

    def __init__(self, model: mesa.Model, spec: Partner, position: int, settings: PartnerSettings) -> None:
        super().__init__(model, spec, position, settings)
        assert isinstance(spec, Manufacturer)
        self.reliability = spec.reliability

    def announce(self, promise: np.ndarray, noise: np.ndarray) -> np.ndarray:
        """What the coordinator hears for ``promise[product, period]``: the expected delivery when sharing,
        else the promise times the world's ``noise[period]`` (mean one)."""
        if self.shares_data:
            return promise * self.reliability.mean
        return promise * noise[None, :]

    def deliver(self, promise: np.ndarray, ratio: float) -> np.ndarray:
        """Doses delivered this period for ``promise[product]``: the world's delivery ratio for all products."""
        return promise * ratio


class DistributorAgent(PartnerAgent):
    role = "distributor"


class SiteAgent(PartnerAgent):
    role = "site"


class PayerAgent(PartnerAgent):
    role = "payer"


class VolunteerAgent(PartnerAgent):
    role = "volunteer_org"


AGENT_CLASSES: dict[str, type[PartnerAgent]] = {
    cls.role: cls for cls in (ManufacturerAgent, DistributorAgent, SiteAgent, PayerAgent, VolunteerAgent)
}
