"""The Python API: what a notebook user calls (load, plan, compare, frontier, bargain, coalitions,
schedule, simulate, sweep, analyze)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from winwin.data import Scenario
from winwin.data import load as _load
from winwin.data.errors import InputError, problem
from winwin.optimizer import Plan, SolveOptions
from winwin.optimizer import plan as _plan
from winwin.optimizer.concepts import Comparison, check_deal, report
from winwin.optimizer.concepts import compare as _compare
from winwin.optimizer.concepts.bargaining import BargainingProblem, solve_bargaining
from winwin.optimizer.concepts.frontier import Frontier
from winwin.optimizer.concepts.frontier import frontier as _frontier
from winwin.optimizer.games import coalition_game, players_of
from winwin.optimizer.games.tu import Game, shapley, summary
from winwin.optimizer.parallel import executor
from winwin.optimizer.scheduling.campaign import CampaignSchedule, schedule_campaign, site_week, site_week_from_table
from winwin.optimizer.scheduling.site_week import Schedule, solve_site_week

if TYPE_CHECKING:
    from winwin.experiments.sweep import SweepReport
    from winwin.models.run import SimulationResult


def load(name_or_path: str | Path | Scenario) -> Scenario:
    """A validated scenario from a bundled name (``"tiny"``, ``"belgium-2021"``) or a YAML/JSON path.

    Raises :class:`winwin.data.ScenarioError` listing every problem when the file is not valid.
    """
    if isinstance(name_or_path, Scenario):
        return name_or_path
    return _load(name_or_path)


def plan(
    scenario: str | Path | Scenario,
    concept: str = "joint",
    *,
    backend: str = "ortools",
    solver: str | None = None,
    strict_priority: bool | None = None,
    threshold: float | None = None,
    time_limit: float | None = None,
    mip_gap: float = 1e-4,
) -> Plan:
    """Plan a scenario under ``concept`` (``joint``: best patient experience; ``silo``: the status quo).

    The returned :class:`winwin.optimizer.Plan` carries the solve status, PX and KPIs, tidy tables and every
    partner's utility, silo (disagreement) utility and gain. ``strict_priority`` turns on the MIP
    priority-group gates (default: the payer's policy in the scenario).
    """
    options = SolveOptions(backend=backend, solver=solver, time_limit=time_limit, mip_gap=mip_gap)
    return _plan(load(scenario), concept, options=options, strict_priority=strict_priority, threshold=threshold)


def compare(
    scenario: str | Path | Scenario,
    concepts: list[str] | None = None,
    *,
    epsilon: float = 0.01,
    transfers: str = "scenario",
    time_limit: float | None = None,
) -> Comparison:
    """The deal sheet: ``silo``, ``joint``, ``winwin`` and the splits ``utilitarian``, ``egalitarian``,
    ``kalai_smorodinsky``, ``nash`` on one built model. Each outcome carries its plan (transfers included),
    a checked win-win certificate and, for ``winwin`` without a win-win plan, the price of win-win.
    ``transfers``: ``scenario`` (the file's ``money.transfers``), ``none`` or ``any``."""
    return _compare(load(scenario), concepts, epsilon=epsilon, transfers=transfers, time_limit=time_limit)


def frontier(
    scenario: str | Path | Scenario,
    points: int = 10,
    partner: str | None = None,
    *,
    ray: bool = False,
    address: str | None = None,
) -> Frontier:
    """The exact Pareto frontier of PX against the partners' total gain (or ``partner``'s gain);
    ``ray=True`` (or an ``address``) solves the points on Ray."""
    ex = executor("ray" if ray or address else "in-process", address=address)
    return _frontier(load(scenario), points, partner, ex)


def bargain(problem: dict[str, Any]) -> dict[str, list[float]]:
    """Nash, Kalai–Smorodinsky, egalitarian and utilitarian points of ``{"players", "A", "b", "d", "weights"?}``."""
    bp = BargainingProblem.from_dict(problem)
    return {name: [float(v) for v in u] for name, u in solve_bargaining(bp).items()}


def coalitions(
    scenario: str | Path | Scenario | None = None,
    players: str = "partners",
    *,
    samples: int | None = None,
    seed: int = 0,
    game: dict[str, Any] | None = None,
    ray: bool = False,
    address: str | None = None,
) -> dict[str, Any]:
    """The cooperative game of a scenario (``players``: ``partners``, ``role``, ``organisation`` or a mapping
    file; exact up to 16 players, or ``samples`` permutations) or of any ``game`` dict — Shapley, Banzhaf,
    nucleolus, core and least core; for a scenario also the win-win split's core verdict and the Shapley
    transfers. The same payload as ``winwin coalitions --json``."""
    if game is not None:
        g = Game.from_dict(game)
        return summary(g) | {"players": list(g.players)}
    if scenario is None:
        raise InputError([problem("scenario", "give a scenario or a game")])
    sc = load(scenario)
    ex = executor("ray" if ray or address else "in-process", address=address)
    cg = coalition_game(sc, players_of(sc, players), ex, samples=samples, seed=seed)
    phi = cg.sampled.values if cg.sampled is not None else shapley(cg.game)
    return report(cg, check_deal(sc, cg, phi))


def schedule(
    scenario: str | Path | Scenario,
    site: str | None = None,
    week: int = 0,
    *,
    all_sites: bool = False,
    concept: str = "joint",
    allocation: pd.DataFrame | None = None,
    time_limit: float = 30.0,
    ray: bool = False,
    address: str | None = None,
) -> Schedule | CampaignSchedule:
    """Daily appointments, shifts, vials and second doses for one site's week (CP-SAT) of the ``concept``
    plan — or of any ``allocation`` table (group, product, dose, people) — or, with ``all_sites``, for
    every site with doses that week (in parallel on Ray with ``ray``)."""
    sc = load(scenario)
    if allocation is not None:
        return solve_site_week(site_week_from_table(sc, site or sc.sites.ids[0], week, allocation), time_limit)
    p = _plan(sc, concept)
    if all_sites:
        ex = executor("ray" if ray or address else "in-process", address=address)
        return schedule_campaign(sc, p, week, ex, time_limit)
    return solve_site_week(site_week(sc, p, site or sc.sites.ids[0], week), time_limit)


def simulate(
    scenario: str | Path | Scenario,
    mode: str = "winwin",
    *,
    modes: list[str] | str | None = None,
    seed: int = 0,
    overrides: dict[str, Any] | None = None,
    **settings: Any,
) -> SimulationResult | dict[str, SimulationResult]:
    """Simulate the ecosystem under one governance ``mode`` (a :class:`winwin.models.SimulationResult`: tidy KPIs,
    partners and cohorts per period, final gains), or under several ``modes`` (``"all"`` or a list: a dict
    by mode, same seed). ``overrides`` change the scenario (``{"partners.az.reliability.mean": 0.5}``);
    ``settings`` are the fields of :class:`winwin.models.SimulationSettings` (periods, lookahead, aspiration, …)."""
    from winwin.data.overrides import override
    from winwin.models.run import check_settings, parse_modes, simulate_modes, simulate_run
    from winwin.models.settings import settings_from

    sc = load(scenario)
    if overrides:
        sc = override(sc, overrides)
    base = settings_from(**settings)
    check_settings(sc, base)
    if modes is None:
        return simulate_run(sc, base.model_copy(update={"mode": parse_modes(None, mode)[0]}), seed)
    names = parse_modes(modes if isinstance(modes, str) else ",".join(modes), None)
    return simulate_modes(sc, names, base, seed)


def sweep(
    spec: str | Path,
    out: str | Path,
    *,
    address: str | None = None,
    workers: int | None = None,
    in_process: bool = False,
    resume: bool = False,
    progress: Any = None,
) -> SweepReport:
    """Run a sweep file's experiments (DESIGN §9) into the results folder ``out``: on an embedded local Ray
    cluster by default, on a running cluster with ``address`` (``"auto"`` or ``"HOST:PORT"``), or in this
    process with ``in_process``. ``resume`` runs only what ``out`` does not hold yet. ``progress`` is called
    with (stored, failed, total) after each task. Returns a :class:`winwin.experiments.sweep.SweepReport`."""
    from winwin.experiments.spec import load_spec
    from winwin.experiments.sweep import run_sweep

    spec_, scenario = load_spec(spec)
    if in_process and (address or workers):
        raise InputError([problem("in_process", "runs in this process: no address or workers", True)])
    if workers is not None and workers < 1:
        raise InputError([problem("workers", "at least 1", workers)])
    ex = executor("in-process" if in_process else "ray", address=address, workers=workers)
    return run_sweep(spec_, scenario, out, ex, resume=resume, progress=progress)


def analyze(results: str | Path) -> dict[str, Any]:
    """The analysis of a sweep's results folder: per mode PX, gains, win-win rate and regret; the drivers
    of lost win-win (the ``winwin analyze --json`` document)."""
    from winwin.experiments.analysis import analyze as _analyze
    from winwin.experiments.store import read_results

    return _analyze(read_results(results))
