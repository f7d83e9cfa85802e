"""The Python API: what a notebook user calls, and what the command line calls (load, plan, compare,
frontier, bargain, coalitions, schedule, simulate, sweep, analyze, report).

Errors are :class:`~winwin.data.errors.WinwinError`: bad input raises
:class:`~winwin.data.errors.InputError` naming these functions' parameters (``time_limit``), a computation
without an answer :class:`~winwin.data.errors.SolverError`. Work that can run on Ray takes ``ray`` and
``address`` (a cluster to join): it runs in this process otherwise (:func:`~winwin.optimizer.parallel.choose_executor`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from winwin.data import Scenario
from winwin.data import load as _load
from winwin.data.documents import read_document
from winwin.data.errors import InputError, SolverError, problem
from winwin.optimizer import Plan, SolveOptions
from winwin.optimizer import plan as _plan
from winwin.optimizer.concepts import (
    BargainingProblem,
    Comparison,
    Frontier,
    coalitions_report,
    parse_concepts,
    solve_bargaining,
)
from winwin.optimizer.concepts import deal_sheet as _compare
from winwin.optimizer.concepts import frontier as _frontier
from winwin.optimizer.games import Game, players_of, summary
from winwin.optimizer.parallel import choose_executor
from winwin.optimizer.scheduling import (
    CampaignSchedule,
    Schedule,
    read_table,
    schedule_campaign,
    site_week,
    site_week_from_table,
    solve_site_week,
)

if TYPE_CHECKING:
    from winwin.experiments.sweep import SweepReport
    from winwin.models.backtest import BacktestResult
    from winwin.models.data_value import DataValue
    from winwin.models.run import SimulationResult
    from winwin.models.settings import SimulationSettings
    from winwin.optimizer.robust.robust import RobustReport, RobustSettings
    from winwin.report import ReportInputs


def load(name_or_path: str | Path | Scenario) -> Scenario:
    """A validated scenario from a bundled name (``"tiny"``, ``"belgium-2021"``) or a YAML/JSON path.

    Raises :class:`~winwin.data.errors.ScenarioError` listing every problem when the file is not valid.
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
    exact: bool = False,
) -> Plan:
    """Plan a scenario under ``concept`` (``joint``: best patient experience; ``silo``: the status quo;
    ``winwin`` or a split).

    The returned :class:`~winwin.optimizer.Plan` carries the solve status, PX and KPIs, tidy tables and every
    partner's utility, silo (disagreement) utility and gain. ``strict_priority`` turns on the MIP
    priority-group gates (default: the payer's policy in the scenario). A plan without a solution says so in
    its status (and, infeasible, explains why in ``diagnosis``); it is not an error. ``joint`` merges
    interchangeable sites into one (an exact reduction, checked on the full model; ``plan.reduction`` says
    which model ran); ``exact=True`` solves the full model.
    """
    options = SolveOptions(backend=backend, solver=solver, time_limit=time_limit, mip_gap=mip_gap)
    sc = load(scenario)
    return _plan(sc, concept, options=options, strict_priority=strict_priority, threshold=threshold, exact=exact)


def compare(
    scenario: str | Path | Scenario,
    concepts: list[str] | str | None = None,
    *,
    epsilon: float = 0.01,
    transfers: str = "scenario",
    time_limit: float | None = None,
    reservations: dict[str, float] | None = None,
    exact: bool = False,
    futures: int = 20,
    cvar: float | None = 0.95,
    seed: int = 0,
    test_futures: int = 50,
) -> Comparison:
    """The deal sheet: ``silo``, ``joint``, ``winwin`` and the splits ``utilitarian``, ``egalitarian``,
    ``kalai_smorodinsky``, ``nash`` (and ``shapley`` up to 16 partners) on one built model. ``concepts``: a
    list, a comma-separated string, or ``"all"``. Each outcome carries its plan (transfers included), a
    checked win-win certificate and, for ``winwin`` without a win-win plan, the price of win-win.
    ``transfers``: ``scenario`` (the file's ``money.transfers``), ``none`` or ``any``. ``reservations``
    replaces partners' silo utilities by the least utility they accept. Unless ``exact``, the concepts are
    solved with interchangeable sites merged where that is exact and answered per partner (``extra["model"]``
    says which model ran). ``robust_winwin`` (named only) adds the robust win-win plan over ``futures`` sampled
    futures with its out-of-sample win-win probability beside the deterministic winwin's
    (:func:`robust_plan`; ``cvar``, ``seed``, ``test_futures`` as there)."""
    from winwin.optimizer.concepts.compare import ROBUST_WINWIN
    from winwin.optimizer.robust.robust import RobustSettings

    names = parse_concepts(concepts) if isinstance(concepts, str) or concepts is None else list(concepts)
    if time_limit is not None:
        SolveOptions(time_limit=time_limit).check()
    robust = None
    if names is not None and ROBUST_WINWIN in names:
        robust = RobustSettings(futures, cvar, seed, test_futures, time_limit=time_limit, transfers=transfers)
        robust.check()
        names = [n for n in names if n != ROBUST_WINWIN] or ["winwin"]  # judged beside the deterministic winwin
    sc = load(scenario)
    result = _compare(
        sc, names, epsilon=epsilon, transfers=transfers, time_limit=time_limit,
        reservations=reservations, exact=exact,
    )  # fmt: skip
    if robust is not None:
        _add_robust_winwin(result, sc, robust)
    return result


def _add_robust_winwin(comparison: Comparison, sc: Scenario, settings: RobustSettings) -> None:
    """The deal sheet's ``robust_winwin`` entry: the robust plan of ``settings`` judged out of sample."""
    from winwin.optimizer.concepts.compare import ROBUST_WINWIN, robust_entry
    from winwin.optimizer.robust.robust import robust_plan as run_robust

    comparison.extra[ROBUST_WINWIN] = robust_entry(run_robust(sc, settings).to_dict())


def frontier(
    scenario: str | Path | Scenario,
    points: int = 10,
    partner: str | None = None,
    *,
    ray: bool = False,
    address: str | None = None,
    exact: bool = False,
) -> Frontier:
    """The exact Pareto frontier of PX against the partners' total gain (or ``partner``'s gain);
    ``ray=True`` (or an ``address``) solves the points on Ray. Unless ``exact``, solved with interchangeable
    sites merged where that is exact (``model`` in the result says which model ran)."""
    return _frontier(load(scenario), points, partner, choose_executor(ray, address), exact=exact)


def bargaining_problem(problem_: dict[str, Any] | str | Path | BargainingProblem) -> BargainingProblem:
    """A bargaining problem from a document ``{"players", "A", "b", "d", "weights"?}`` or its JSON/YAML file."""
    if isinstance(problem_, BargainingProblem):
        return problem_
    return BargainingProblem.from_dict(problem_ if isinstance(problem_, dict) else read_document(Path(problem_)))


def bargain(problem_: dict[str, Any] | str | Path | BargainingProblem) -> dict[str, list[float]]:
    """The Nash (weighted), Kalai–Smorodinsky, egalitarian and utilitarian points of a bargaining problem
    (a document, its file, or a :class:`~winwin.optimizer.concepts.BargainingProblem`)."""
    bp = bargaining_problem(problem_)
    return {name: [float(v) for v in u] for name, u in solve_bargaining(bp).items()}


def coalitions(
    scenario: str | Path | Scenario | None = None,
    players: str = "partners",
    *,
    samples: int | None = None,
    exact: bool = False,
    seed: int = 0,
    game: dict[str, Any] | str | Path | None = None,
    ray: bool = False,
    address: str | None = None,
    full_model: bool = False,
) -> dict[str, Any]:
    """The cooperative game of a scenario (``players``: ``partners``, ``role``, ``organisation`` or a mapping
    file; exact up to 16 players, or ``samples`` permutations) or of any ``game`` (a document or its file) —
    Shapley, Banzhaf, nucleolus, core and least core; for a scenario also the win-win split's core verdict
    and the Shapley transfers. Unless ``full_model``, the values are solved with interchangeable sites merged
    when every class lies within one player (``model`` in the payload says which). The same payload as
    ``winwin coalitions --json``."""
    problems = []
    if (game is None) == (scenario is None):
        problems.append(problem("scenario", "give a scenario or a game, not both or neither"))
    if samples is not None and (exact or samples < 2):
        problems.append(problem("samples", "at least 2 permutations, and not with exact", samples))
    if problems:
        raise InputError(problems)
    if game is not None:
        g = Game.from_dict(game if isinstance(game, dict) else read_document(Path(game)))
        return summary(g) | {"players": list(g.players)}
    assert scenario is not None
    sc = load(scenario)
    ex = choose_executor(ray, address)
    return coalitions_report(sc, players_of(sc, players), ex, samples, seed, full_model=full_model)


def schedule(
    scenario: str | Path | Scenario,
    site: str | None = None,
    week: int = 0,
    *,
    all_sites: bool = False,
    concept: str = "joint",
    allocation: pd.DataFrame | str | Path | None = None,
    time_limit: float = 30.0,
    ray: bool = False,
    address: str | None = None,
) -> Schedule | CampaignSchedule:
    """Daily appointments, shifts, vials and second doses for one site's week (CP-SAT) of the ``concept``
    plan — or of any ``allocation`` table (group, product, dose, people; a frame or a CSV/Parquet file) — or,
    with ``all_sites``, for every site with doses that week (on Ray with ``ray``). ``time_limit`` is per
    site, in CP-SAT's deterministic seconds (the same schedule on every run). Raises
    :class:`~winwin.data.errors.SolverError` when the plan to schedule has no solution."""
    problems = []
    if time_limit <= 0:
        problems.append(problem("time_limit", "must be > 0 seconds", time_limit))
    if allocation is not None and all_sites:
        problems.append(problem("allocation", "schedules one site: give a site, not all sites", str(allocation)))
    if problems:
        raise InputError(problems)
    sc = load(scenario)
    if allocation is not None:
        table = allocation if isinstance(allocation, pd.DataFrame) else read_table(Path(allocation))
        return solve_site_week(site_week_from_table(sc, site or sc.sites.ids[0], week, table), time_limit)
    p = _plan(sc, concept)
    if not p.has_plan:
        raise SolverError(f"no {concept} plan to schedule: {p.status.value}")
    if all_sites:
        return schedule_campaign(sc, p, week, choose_executor(ray, address), time_limit)
    return solve_site_week(site_week(sc, p, site or sc.sites.ids[0], week), time_limit)


def simulate(
    scenario: str | Path | Scenario,
    mode: str = "winwin",
    *,
    modes: list[str] | str | None = None,
    seed: int = 0,
    overrides: dict[str, Any] | None = None,
    on_done: Callable[[str], None] | None = None,
    clairvoyant: bool = False,
    **settings: Any,
) -> SimulationResult | dict[str, SimulationResult]:
    """Simulate the ecosystem under one governance ``mode`` (a :class:`~winwin.models.SimulationResult`:
    tidy KPIs, partners and cohorts per period, final gains), or under several ``modes`` (``"all"``, a comma
    list or a list: a dict by mode, same seed; ``on_done`` is told each mode as it finishes). ``overrides``
    change the scenario (``{"partners.az.reliability.mean": 0.5}``); ``settings`` are the fields of
    :class:`~winwin.models.SimulationSettings` (periods, lookahead, aspiration, …). ``clairvoyant`` runs each
    planned mode again knowing every delivery in advance and reports its PX and the gap to it
    (``extra["clairvoyant"]``, the expected value of perfect information for this seed)."""
    from winwin.data.overrides import override
    from winwin.models.run import check_settings, parse_modes, simulate_modes, simulate_run
    from winwin.models.settings import settings_for

    sc = load(scenario)
    if overrides:
        sc = override(sc, overrides)
    names = (
        parse_modes(None, mode)
        if modes is None
        else parse_modes(modes if isinstance(modes, str) else ",".join(modes), None)
    )
    base = settings_for(names, **settings)
    check_settings(sc, base)
    if modes is None:
        if clairvoyant:
            return simulate_modes(sc, names, base, seed, clairvoyant=True)[names[0]]
        return simulate_run(sc, base.model_copy(update={"mode": names[0]}), seed)
    return simulate_modes(sc, names, base, seed, on_done=on_done, clairvoyant=clairvoyant)


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
    with (stored, failed, total) after each task. Returns a :class:`~winwin.experiments.sweep.SweepReport`."""
    from winwin.experiments.spec import load_spec
    from winwin.experiments.sweep import run_sweep

    spec_, scenario = load_spec(spec)
    if in_process and (address or workers):
        raise InputError([problem("in_process", "runs in this process: no address or workers", True)])
    ex = choose_executor(ray=not in_process, address=address, workers=workers)
    return run_sweep(spec_, scenario, out, ex, resume=resume, progress=progress)


def analyze(results: str | Path) -> dict[str, Any]:
    """The analysis of a sweep's results folder: per mode PX, gains, win-win rate and regret; the drivers
    of lost win-win (the ``winwin analyze --json`` document)."""
    from winwin.experiments.analysis import analyze as _analyze
    from winwin.experiments.store import read_results

    return _analyze(read_results(results))


def report(
    out: str | Path = "report.html",
    *,
    scenario: str | Path | Scenario | None = None,
    results: list[str | Path] | None = None,
    simulate: list[str] | str | None = None,
    periods: int | None = None,
    points: int = 8,
    robust: int | None = None,
    step: Callable[[str], None] | None = None,
) -> Path:
    """Write one self-contained HTML report to ``out`` and return its path: the ecosystem, plan and deal
    sheet of ``scenario`` (with the robust win-win over ``robust`` sampled futures beside it, when given); the
    simulations of ``simulate`` modes (over ``periods``; with ``robust``, central and winwin again with the
    robust planner over that many futures a week); and the simulation runs and sweep of the ``results``
    folders. ``step`` is told what is being computed."""
    from winwin.models.run import parse_modes
    from winwin.report import ReportInputs, deal_inputs, read_results_folders, simulation_inputs, write_report

    problems = []
    if scenario is None and not results:
        problems.append(problem("scenario", "give a scenario, results folders, or both", None))
    if simulate is not None and scenario is None:
        problems.append(problem("simulate", "needs a scenario", simulate))
    if points < 2:
        problems.append(problem("points", "at least 2", points))
    if robust is not None and scenario is None:
        problems.append(problem("robust", "needs a scenario", robust))
    if robust is not None and robust < 1:
        problems.append(problem("robust", "must be at least 1", robust))
    if problems:
        raise InputError(problems)
    runs, sweep_results, backtest_results = read_results_folders([Path(r) for r in results or []])
    modes = [] if simulate is None else parse_modes(simulate if isinstance(simulate, str) else ",".join(simulate), None)
    inputs: ReportInputs = ReportInputs()
    if scenario is not None:
        sc = load(scenario)
        inputs = deal_inputs(sc, points, step or _silent)
        if robust is not None and inputs.comparison is not None:
            from winwin.optimizer.robust.robust import RobustSettings

            (step or _silent)(f"robust win-win over {robust} futures")
            _add_robust_winwin(inputs.comparison, sc, RobustSettings(robust))
        runs |= simulation_inputs(sc, modes, periods, step=step or _silent, futures=robust) if modes else {}
    inputs.simulations, inputs.sweep, inputs.backtest = runs, sweep_results, backtest_results
    return write_report(inputs, Path(out))


def backtest(
    scenario: str | Path | Scenario,
    observed: str | Path,
    mode: str = "silo",
    *,
    seeds: int = 1,
    overrides: dict[str, Any] | None = None,
    **settings: Any,
) -> BacktestResult:
    """Simulate ``scenario`` under ``mode`` with seeds 0…``seeds``−1 and compare its coverage with the
    ``observed`` CSV (``date,measure,value``; :mod:`winwin.models.backtest`): error in points and lag in days at
    every observed point, RMSE per measure, the seeds' spread. A bad file raises :class:`InputError` naming
    its rows and columns before anything is simulated."""
    from winwin.models.backtest import backtest as run_backtest
    from winwin.models.backtest import read_observed

    sc, base = _seeded(scenario, mode, seeds, overrides, settings)
    return run_backtest(sc, read_observed(observed, sc), base, seeds)


def data_value(
    scenario: str | Path | Scenario,
    mode: str = "winwin",
    *,
    seeds: int = 5,
    overrides: dict[str, Any] | None = None,
    **settings: Any,
) -> DataValue:
    """The value of each manufacturer's forecast (:mod:`winwin.models.data_value`): every set of sharing
    manufacturers simulated under ``mode`` on seeds 0…``seeds``−1 (paired), marginal and Shapley values in PX
    and a fair data fee per period."""
    from winwin.models.data_value import data_value as run_data_value

    sc, base = _seeded(scenario, mode, seeds, overrides, settings)
    return run_data_value(sc, base, seeds)


def robust_plan(
    scenario: str | Path | Scenario,
    futures: int = 20,
    *,
    cvar: float | None = 0.95,
    concept: str = "winwin",
    seed: int = 0,
    test_futures: int = 50,
    replications: int = 0,
    time_limit: float | None = None,
    ray: bool = False,
    address: str | None = None,
    risk_weight: float = 0.0,
) -> RobustReport:
    """The two-stage plan over ``futures`` sampled delivery futures (:mod:`winwin.optimizer.robust`): robust
    win-win (every partner whole in expectation and the CVaR at level ``cvar`` of the shortfall ≤ 0; ``None``:
    expectation only) or, ``concept="joint"``, the plain plan maximising E[PX − costs]; ``risk_weight`` λ makes
    the objective (1 − λ)·E[PX − costs] − λ·CVaR_β of its loss. Judged beside the
    deterministic win-win planned on mean deliveries and the clairvoyant on ``test_futures`` fresh futures
    (VSS, EVPI), and with the multiple-replications SAA gap when ``replications`` ≥ 2. ``ray`` (or an
    ``address``) solves the out-of-sample recourses on Ray; the extensive form is one program here."""
    from winwin.optimizer.robust.robust import RobustSettings
    from winwin.optimizer.robust.robust import robust_plan as run_robust

    problems = [] if concept in ("winwin", "joint") else [problem("concept", "with --robust, winwin or joint", concept)]
    settings = RobustSettings(
        futures, cvar, seed, test_futures, replications, concept == "winwin", time_limit, risk_weight
    )
    try:
        settings.check()
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    executor = choose_executor(ray, address) if ray or address else None
    return run_robust(load(scenario), settings, executor)


def _seeded(
    scenario: str | Path | Scenario,
    mode: str,
    seeds: int,
    overrides: dict[str, Any] | None,
    settings: dict[str, Any],
) -> tuple[Scenario, SimulationSettings]:
    """The scenario (with ``overrides``) and the settings of runs of one ``mode`` over ``seeds`` seeds, every
    problem of the seeds, the settings and the scenario raised as an :class:`InputError`."""
    from winwin.data.overrides import override
    from winwin.models.run import check_settings, parse_modes
    from winwin.models.settings import settings_from

    sc = load(scenario)
    if overrides:
        sc = override(sc, overrides)
    if seeds < 1:
        raise InputError([problem("seeds", "at least 1", seeds)])
    base = settings_from(**settings).model_copy(update={"mode": parse_modes(None, mode)[0]})
    check_settings(sc, base)
    return sc, base


def _silent(_: str) -> None:
    return None
