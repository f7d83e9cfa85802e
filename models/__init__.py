"""Mesa models: the ecosystem world stepping agents through time (rolling-horizon re-optimisation, shocks, KPIs)."""

from winwin.models.ecosystem import EcosystemModel
from winwin.models.run import SimulationResult, simulate_modes, simulate_run
from winwin.models.settings import SimulationSettings

__all__ = ["EcosystemModel", "SimulationResult", "SimulationSettings", "simulate_modes", "simulate_run"]
