"""One what-if run stepped week by week beside the silo run of the same seed (issue 23).

The explore page (:mod:`winwin.explore.page`) is a view of an :class:`Exploration`: the levers a strategy
team moves (:class:`Levers`) make a scenario and simulation settings, the governance mode's ecosystem
model and a silo twin on the same seed step together (every mode of a seed lives in the same world:
:mod:`winwin.models.world`), and each step's state is read as the report reads a finished run
(:class:`winwin.report.inputs.Run`), so the page reuses the report's figures and colours. A run stepped
here to week n is the first n weeks of ``winwin simulate`` with the same levers and seed (a test).

Stepping holds a lock: the page steps in a background thread and reads between steps.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, get_args

import numpy as np
import pandas as pd

from winwin.data import Scenario
from winwin.data.overrides import override
from winwin.data.schema import Manufacturer
from winwin.models import SimulationSettings
from winwin.models.ecosystem import EcosystemModel
from winwin.models.run import check_settings
from winwin.optimizer.concepts import TRANSFER_MODES
from winwin.optimizer.rolling.planner import GOVERNANCE_MODES

SHARING: tuple[str, ...] = get_args(SimulationSettings.model_fields["sharing"].annotation)
TRANSFERS = TRANSFER_MODES


@dataclass(frozen=True)
class Levers:
    """What the page lets a strategy team change; every field has the CLI's default."""

    mode: str = "winwin"
    seed: int = 0
    lookahead: int = 4
    transfers: str = "scenario"
    sharing: str = "learn"
    data_fee: float = 0.0
    persistence: float | None = None
    """Week-to-week persistence of every manufacturer's delivery ratio (None: the scenario's)."""
    reliability: tuple[tuple[str, float], ...] = ()
    """Per manufacturer id, the expected share of its promise delivered (absent: the scenario's)."""
    aspiration: tuple[tuple[str, float], ...] = ()
    """Per role, the utility each of its partners asks above its silo utility."""
    exact: bool = False
    """Plan on the full model (the default merges interchangeable sites where exact)."""

    def changed(self, **values: Any) -> Levers:
        return replace(self, **values)


def defaults(sc: Scenario) -> Levers:
    """The levers at the scenario's own values."""
    means = []
    for m in sc.manufacturers.ids:
        partner = sc.partner(m)
        assert isinstance(partner, Manufacturer)
        means.append((m, float(partner.reliability.mean)))
    return Levers(reliability=tuple(means))


def scenario_for(sc: Scenario, levers: Levers) -> Scenario:
    """The scenario with the levers' reliability and persistence."""
    changes: dict[str, Any] = {}
    for m, mean in levers.reliability:
        changes[f"partners.{m}.reliability.mean"] = float(mean)
    if levers.persistence is not None:
        for m in sc.manufacturers.ids:
            changes[f"partners.{m}.reliability.persistence"] = float(levers.persistence)
    return override(sc, changes) if changes else sc


def settings_for(sc: Scenario, levers: Levers, mode: str | None = None) -> SimulationSettings:
    aspiration = {p: float(v) for role, v in levers.aspiration for p in sc.partners.ids if sc.role_of(p) == role}
    return SimulationSettings(
        mode=mode or levers.mode,
        lookahead=levers.lookahead,
        transfers=levers.transfers,
        sharing=levers.sharing,
        data_fee=levers.data_fee,
        aspiration=aspiration,
        exact=levers.exact,
    )


@dataclass
class Week:
    """What one step left behind, for the page."""

    period: int
    flows: pd.DataFrame
    """Doses shipped this week: from, to, product, doses (the network view)."""
    decisions: dict[str, str] = field(default_factory=dict)
    """Partner id → accepted, rejected or fell back."""


class Exploration:
    """The mode's run and its silo twin, stepped together (module docstring)."""

    def __init__(self, scenario: Scenario, levers: Levers | None = None) -> None:
        self.base = scenario
        self.levers = levers or defaults(scenario)
        if self.levers.mode not in GOVERNANCE_MODES:
            raise ValueError(f"mode must be one of {', '.join(GOVERNANCE_MODES)}, got {self.levers.mode!r}")
        self.sc = sc = scenario_for(scenario, self.levers)
        settings = settings_for(sc, self.levers)
        check_settings(sc, settings)
        self.lock = threading.Lock()
        self.model = EcosystemModel(sc, settings, self.levers.seed)
        self.silo = (
            self.model
            if settings.mode == "silo"
            else EcosystemModel(sc, settings_for(sc, self.levers, "silo"), self.levers.seed)
        )
        self.weeks: list[Week] = []
        self.seconds: list[float] = []

    @property
    def week(self) -> int:
        """Weeks run so far (0 before the first step)."""
        return self.model.period

    @property
    def done(self) -> bool:
        return self.model.period >= self.model.periods

    def step(self) -> bool:
        """Run one week of both runs; False when the horizon is reached."""
        with self.lock:
            if self.done:
                return False
            start = time.perf_counter()
            t = self.model.period
            if self.silo is not self.model:
                self.silo.step()
            self.model.step()
            self.weeks.append(Week(t, self._flows(t), self._decisions()))
            self.seconds.append(time.perf_counter() - start)
            return True

    # ------------------------------------------------------------------ reading
    def kpis(self, silo: bool = False) -> pd.DataFrame:
        """The run's per-week table so far (the report's ``Run.kpis``)."""
        with self.lock:
            model = self.silo if silo else self.model
            df = model.datacollector.get_model_vars_dataframe()
        return df.set_index("period") if len(df) else df

    def gains(self) -> pd.DataFrame:
        """Per role: realised utility minus the silo's on the same deliveries so far, and side payments."""
        with self.lock:
            m, T = self.model, self.model.period
            sc = self.sc
            gain = m.utility[:, :T].sum(axis=1) - m.silo_utility[:, :T].sum(axis=1)
            transfers = m.transfers if T else np.zeros(len(sc.partners))
        roles = [sc.role_of(p) for p in sc.partners.ids]
        df = pd.DataFrame({"role": roles, "gain": gain, "transfers": transfers})
        return df.groupby("role", sort=False)[["gain", "transfers"]].sum()

    def patients(self) -> dict[str, Any]:
        """The patient metrics of the weeks run (:func:`winwin.models.patients.patient_metrics`)."""
        from winwin.models.patients import patient_metrics

        kpis = self.kpis()
        if not len(kpis):
            return {}
        with self.lock:
            return patient_metrics(self.model, kpis)

    def _flows(self, t: int) -> pd.DataFrame:
        m = self.model.allocation
        block = m.lp.var_blocks["ship"]
        lane, product, period = (block.coords()[block.dims.index(d)] for d in ("lane", "product", "period"))
        cols = block.columns()
        now = (period == t) & (self.model.realised[cols] > 0.5)
        sc = self.sc
        return pd.DataFrame(
            {
                "from": [sc.lanes[i].source for i in lane[now]],
                "to": [sc.lanes[i].target for i in lane[now]],
                "product": [sc.products.ids[k] for k in product[now]],
                "doses": self.model.realised[cols[now]],
            }
        )

    def _decisions(self) -> dict[str, str]:
        n = self.model.negotiated
        if n is None:
            return {}
        out = {p: "accepted" for p in self.sc.partners.ids}
        out.update({p: "rejected" for p in n.rejected})
        out.update({p: "fell back" for p in n.fallback})
        return out


__all__ = ["SHARING", "TRANSFERS", "Exploration", "Levers", "Week", "defaults", "scenario_for", "settings_for"]
