"""A simulation run as a pure function of (scenario, settings, seed), and its tidy results."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from winwin.data import Scenario
from winwin.data.errors import InputError, WinwinError, problem
from winwin.models.ecosystem import EcosystemModel
from winwin.models.patients import coverage_series, patient_metrics
from winwin.models.settings import SimulationSettings
from winwin.optimizer.concepts import certificate
from winwin.optimizer.parallel import Executor, InProcessExecutor, TaskFailure
from winwin.optimizer.rolling.planner import GOVERNANCE_MODES

PARTNER_FIELDS = ["utility", "gain", "planned_gain", "accepted", "fallback", "shares_data"]
COHORT_FIELDS = ["vaccinated", "waiting", "cancellations", "nps", "willing", "coverage"]


@dataclass
class SimulationResult:
    """What one run recorded: model KPIs per period, partners' and cohorts' state per period (tidy)."""

    scenario: str
    mode: str
    seed: int
    settings: SimulationSettings
    kpis: pd.DataFrame
    """One row per period: PX so far, coverage per group, waiting, cancellations, wasted, NPS, win-win, …"""
    partners: pd.DataFrame
    """One row per (period, partner): cumulative utility and gain, planned gain, accepted, fallback, sharing."""
    cohorts: pd.DataFrame
    """One row per (period, cohort): vaccinated, waiting, cancellations, NPS, willing, coverage."""
    final: pd.DataFrame
    """One row per partner: utility over the run (side payments settled), silo utility, gain, transfer."""
    seconds: float
    solver_seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def patients(self) -> dict[str, Any]:
        """Patient experience of the run (:func:`winwin.models.patients.patient_metrics`)."""
        return dict(self.extra.get("patients", {}))

    @property
    def win_win_periods(self) -> int:
        return int(self.kpis["win_win"].sum())

    def summary(self) -> dict[str, Any]:
        """The ``--json`` record of this mode."""
        last = self.kpis.iloc[-1]
        groups = [c.split(":", 1)[1] for c in self.kpis.columns if c.startswith("coverage:")]
        return {
            "px": float(last["px"]),
            "nps": float(last["nps"]),
            "coverage": {g: float(last[f"coverage:{g}"]) for g in groups},
            "wasted": float(self.kpis["wasted"].sum()),
            "cancellations": float(self.kpis["cancellations"].sum()),
            "win_win_periods": self.win_win_periods,
            "periods": len(self.kpis),
            "seed": self.seed,
            "seconds": self.seconds,
            "solver_seconds": self.solver_seconds,
            "model": self.extra.get("model", {"model": "none (silo rules)"}),
            "patients": self.extra.get("patients", {}),
            **({"clairvoyant": self.extra["clairvoyant"]} if "clairvoyant" in self.extra else {}),
            **({"planner": self.extra["planner"]} if "planner" in self.extra else {}),
            "partners": {
                str(pid): {"utility": float(row.utility), "gain": float(row.gain), "transfer": float(row.transfer)}
                for pid, row in self.final.iterrows()
            },
        }


def simulate_run(scenario: Scenario, settings: SimulationSettings | None = None, seed: int = 0) -> SimulationResult:
    """Run the ecosystem model to the end and collect its results (a pure function of its arguments)."""
    settings = settings or SimulationSettings()
    check_settings(scenario, settings)
    start = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):  # small matrices: BLAS threads only spin (measured)
        model = EcosystemModel(scenario, settings, seed)
        try:
            model.run()
            return _collect(model, time.perf_counter() - start, seed)
        finally:
            model.release()


def _collect(model: EcosystemModel, seconds: float, seed: int) -> SimulationResult:
    """The run's results as tidy frames."""
    sc, settings = model.sc, model.settings
    kpis = model.datacollector.get_model_vars_dataframe().set_index("period")
    agents = model.datacollector.get_agent_vars_dataframe().reset_index()
    agents["period"] = agents["Step"] - int(agents["Step"].min())
    partners = agents[agents["role"].isin(_PARTNER_ROLES)]
    partners = partners[["period", "pid", "role", *PARTNER_FIELDS]].rename(columns={"pid": "partner"})
    cohorts = agents[agents["role"] == "cohort"][["period", "pid", *COHORT_FIELDS]].rename(columns={"pid": "cohort"})
    T = model.periods
    realised = model.utility[:, :T].sum(axis=1) + model.transfers
    silo = model.silo_utility[:, :T].sum(axis=1)
    final = pd.DataFrame(
        {
            "role": [sc.role_of(p) for p in sc.partners.ids],
            "utility": realised,
            "silo_utility": silo,
            "gain": realised - silo,
            "transfer": model.transfers,
            "top_up": model.top_up,
        },
        index=pd.Index(sc.partners.ids, name="partner"),
    )
    solver = model.planner.solver_seconds if model.planner else 0.0
    patients = patient_metrics(model, kpis)
    series = coverage_series(model)
    return SimulationResult(
        sc.spec.name,
        settings.mode,
        seed,
        settings,
        kpis,
        partners.reset_index(drop=True),
        cohorts.reset_index(drop=True),
        final,
        seconds,
        solver,
        {"patients": patients, "coverage_series": series}
        | ({"model": model.planner.model_info} if model.planner else {})
        | ({"planner": model.robust_info} if model.robust else {}),
    )


_PARTNER_ROLES = ("manufacturer", "distributor", "site", "payer", "volunteer_org")


def worse_off(final: pd.DataFrame) -> pd.Series:
    """The realised gains (``final``: a run's partner table) of the partners worse off than in the silo campaign
    on the same deliveries (by the win-win certificate's tolerance); empty when the run was win-win."""
    gains = final["gain"]
    return gains[gains < -certificate.tolerance(final["silo_utility"].to_numpy())]


def check_settings(scenario: Scenario, settings: SimulationSettings) -> None:
    """Every problem of settings against the scenario, at once (exit code 2 on the command line)."""
    problems = []
    for pid in settings.aspiration:
        if pid not in scenario.partners.ids:
            problems.append(problem(f"aspiration.{pid}", "not a partner of the scenario", pid))
    for pid, value in settings.aspiration.items():
        if not np.isfinite(value):
            problems.append(problem(f"aspiration.{pid}", "must be a finite utility", value))
    if settings.periods is not None and settings.periods > scenario.T:
        problems.append(problem("periods", f"the scenario has {scenario.T} periods", settings.periods))
    from winwin.optimizer.concepts import TRANSFER_MODES

    if settings.transfers not in TRANSFER_MODES:
        problems.append(problem("transfers", f"must be one of {', '.join(TRANSFER_MODES)}", settings.transfers))
    lead = longest_lead(scenario)
    if settings.lookahead is not None and settings.lookahead < scenario.T and settings.lookahead <= lead:
        problems.append(
            problem(
                "lookahead",
                f"must exceed the longest lead time on a path to a site ({lead} periods): doses shipped in a "
                "window this short could never be given inside it",
                settings.lookahead,
            )
        )
    if problems:
        raise InputError(problems)


def longest_lead(scenario: Scenario) -> int:
    """Periods on the slowest path from a manufacturer to a site (the sum of its lanes' lead times)."""
    reach = np.zeros(len(scenario.nodes), dtype=np.int64)
    for _ in range(len(scenario.nodes)):  # a longest path has fewer lanes than there are nodes
        new = reach.copy()
        np.maximum.at(new, scenario.lane_target, reach[scenario.lane_source] + scenario.lane_lead)
        if (new == reach).all():
            break
        reach = new
    first_site = len(scenario.nodes) - len(scenario.sites)
    return int(reach[first_site:].max(initial=0))


def parse_modes(text: str | None, mode: str | None) -> list[str]:
    """``modes``: ``"all"`` or a comma list; or one ``mode``; every unknown name reported."""
    if text is None:
        option, names = "mode", [mode or "winwin"]
    else:
        option = "modes"
        names = list(GOVERNANCE_MODES) if text.strip() == "all" else [m.strip() for m in text.split(",") if m.strip()]
    bad = [m for m in names if m not in GOVERNANCE_MODES]
    if bad or not names:
        known = ", ".join(GOVERNANCE_MODES)
        message = f"modes are all or {known}" if option == "modes" else f"must be one of {known}"
        raise InputError([problem(option, message, ",".join(bad))])
    return names


CLAIRVOYANT: dict[str, Any] = {"clairvoyant": True, "lookahead": None, "planner": "deterministic"}
"""A run's clairvoyant twin: every delivery known, the whole rest as its window, nothing left to sample."""


@dataclass(frozen=True)
class ModeRun:
    """One run, sent to an executor (a pure function of these three)."""

    scenario: Scenario
    settings: SimulationSettings
    seed: int


def run_mode(task: ModeRun) -> SimulationResult:
    return simulate_run(task.scenario, task.settings, task.seed)


def simulate_modes(
    scenario: Scenario,
    modes: Sequence[str],
    settings: SimulationSettings | None = None,
    seed: int = 0,
    executor: Executor | None = None,
    on_done: Callable[[str], None] | None = None,
    clairvoyant: bool = False,
) -> dict[str, SimulationResult]:
    """One run per governance mode, same seed (common random numbers: the same deliveries and disruptions),
    the modes side by side on ``executor`` (in this process, one after the other, by default); ``on_done``
    is told each mode as its run finishes. A run that fails raises, naming its mode.

    ``clairvoyant``: each planned mode runs a second time with every delivery known in advance and the whole
    horizon as its window (the same world; disruptions stay surprises), and its result carries
    ``extra["clairvoyant"]``: that run's PX and the gap to it, the value of perfect information for this
    seed. The silo rules read no forecast: their gap is 0 by definition. For ``central`` the twin is an
    upper bound (the realised campaign is one of the plans it chooses from, up to disruptions); for the
    modes with individual rationality it need not be: knowing the future also moves each partner's silo
    utility, hence the constraints."""
    base = settings or SimulationSettings()
    names = [(m, False) for m in modes]
    if clairvoyant:
        names += [(m, True) for m in modes if m != "silo"]
    tasks = [
        ModeRun(
            scenario,
            base.model_copy(update={"mode": m, **(CLAIRVOYANT if c else {})}),
            seed,
        )
        for m, c in names
    ]
    runs: dict[tuple[str, bool], SimulationResult] = {}
    for i, result in (executor or InProcessExecutor()).stream(run_mode, tasks):
        mode, knows = names[i]
        if isinstance(result, TaskFailure):
            label = f"{mode} (clairvoyant)" if knows else mode
            raise WinwinError(f"simulating {label}: {result.error}\n{result.traceback}")
        runs[mode, knows] = result
        if on_done is not None and not knows:
            on_done(mode)
    out = {m: runs[m, False] for m in modes}
    if clairvoyant:
        for m, r in out.items():
            px = float(r.kpis["px"].iloc[-1])
            bound = float(runs[m, True].kpis["px"].iloc[-1]) if m != "silo" else px
            r.extra["clairvoyant"] = {"px": bound, "gap": bound - px}
    return out
