"""The ``winwin`` command line (typer + rich). Exit codes: 0 ok, 1 infeasible / no win-win, 2 bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from winwin import api
from winwin.console import EXIT_NO_SOLUTION, err, out, print_json, user_errors, with_flags
from winwin.data import Scenario, bundled_names, json_schema
from winwin.data.errors import InputError, problem
from winwin.deal_view import (
    bargaining_table,
    concept_table,
    frontier_table,
    game_lines,
    game_table,
    partner_gains,
    price_lines,
)
from winwin.optimizer import SolveStatus
from winwin.optimizer.concepts import CONCEPTS as ALL_CONCEPTS
from winwin.optimizer.scheduling import CampaignSchedule
from winwin.plan_view import kpi_table, partner_table, solve_line
from winwin.robust_view import robust_entry_table
from winwin.schedule_view import campaign_table, schedule_lines, schedule_table, write_schedules

app = typer.Typer(
    name="winwin",
    help="Win-win allocation among the partners of a healthcare ecosystem (COVID-19 vaccination).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ScenarioArg = Annotated[
    str, typer.Argument(help="A scenario file (YAML or JSON) or a bundled name (see `winwin list`).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]


def _summary(scenario: Scenario) -> dict[str, object]:
    return {"valid": True, "name": scenario.name, "source": scenario.source, "counts": scenario.counts()}


def _summary_table(scenario: Scenario) -> Table:
    table = Table(title=f"{scenario.name} — valid", title_justify="left")
    table.add_column("entity")
    table.add_column("count", justify="right")
    for key, value in scenario.counts().items():
        table.add_row(key, f"{value:,}")
    roles = scenario.partners_frame()["role"].value_counts()
    for role, n in roles.items():
        table.add_row(f"  {role}", f"{n:,}")
    table.add_row("population", f"{int(scenario.population.sum()):,}")
    table.add_row("willing population", f"{int(scenario.willing.sum()):,}")
    table.add_row("promised doses", f"{int(scenario.supply.sum()):,}")
    return table


@app.command("list")
def list_cmd(as_json: JsonOpt = False) -> None:
    """List the bundled scenarios."""
    rows = []
    for name in bundled_names():
        s = api.load(name)
        rows.append({"name": name, "description": " ".join(s.spec.description.split()), **s.counts()})
    if as_json:
        print_json({"scenarios": rows})
        return
    table = Table(title="bundled scenarios", title_justify="left")
    for col in ("name", "partners", "sites", "products", "groups", "regions", "periods"):
        table.add_column(col, justify="left" if col == "name" else "right")
    for row in rows:
        table.add_row(*(str(row[c]) for c in ("name", "partners", "sites", "products", "groups", "regions", "periods")))
    out.print(table)


@app.command()
def validate(scenario: ScenarioArg, as_json: JsonOpt = False) -> None:
    """Check a scenario: exit 0 with a summary, or exit 2 listing every problem as `path: message (got value)`."""
    with user_errors(as_json):
        s = api.load(scenario)
    if as_json:
        print_json(_summary(s))
    else:
        out.print(_summary_table(s))


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("--out", help="Write the schema to this file instead of stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of scenario files (for editors and validators)."""
    text = json.dumps(json_schema(), indent=2)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        out.print(f"wrote {output}")


Backend = Annotated[str, typer.Option("--backend", help="Solver backend: ortools (default) or pyomo.")]
Solver = Annotated[
    str | None,
    typer.Option(
        "--solver", help="ortools: highs, glop, pdlp, scip, sat; pyomo: appsi_highs (default) or any installed."
    ),
]
TimeLimit = Annotated[float | None, typer.Option("--time-limit", help="Seconds; the best plan found is returned.")]
MipGap = Annotated[float, typer.Option("--mip-gap", help="Relative MIP gap at which to stop.")]


RobustOptions = tuple[float, int, int, int, float | None, bool, str | None, float]
"""``plan --robust``'s options: β, seed, test futures, replications, time limit, Ray, address, risk weight."""


def _robust_plan(scenario: str, concept: str, futures: int, options: RobustOptions, as_json: bool) -> None:
    """``plan --robust K``: the robust win-win (or plain two-stage) plan and its out-of-sample report."""
    cvar, seed, test_futures, replications, time_limit, ray, address, risk_weight = options
    from winwin.robust_view import in_sample_table, out_of_sample_table, robust_line, yardstick_table

    with user_errors(as_json, aliases={"futures": "--robust", "cvar": "--cvar"}):
        report = api.robust_plan(
            scenario, futures, cvar=cvar, concept=concept, seed=seed, test_futures=test_futures,
            replications=replications, time_limit=time_limit, ray=ray, address=address, risk_weight=risk_weight,
        )  # fmt: skip
    payload = report.to_dict()
    if as_json:
        print_json(payload)
    else:
        out.print(robust_line(report))
        if report.in_sample:
            out.print(in_sample_table(report))
        if "out_of_sample" in payload:
            out.print(out_of_sample_table(payload["out_of_sample"]))
            out.print(yardstick_table(payload))
    if not report.status.has_plan:
        err.print(f"[bold red]no plan:[/] {report.status.value}" + (f" — {report.note}" if report.note else ""))
        raise typer.Exit(EXIT_NO_SOLUTION)


@app.command()
def plan(
    scenario: ScenarioArg,
    concept: Annotated[
        str | None,
        typer.Option(
            "--concept",
            help=f"One of: {', '.join(ALL_CONCEPTS)} (see `winwin compare` for all at once); default joint, "
            "with --robust winwin (robust win-win) or joint (the plain two-stage plan).",
        ),
    ] = None,
    robust: Annotated[
        int | None,
        typer.Option(
            "--robust",
            help="Plan before the deliveries are known, on K sampled futures (two-stage), and judge the plan "
            "beside the deterministic one on fresh futures.",
            metavar="K",
        ),
    ] = None,
    cvar: Annotated[
        float, typer.Option("--cvar", help="With --robust: CVaR level β of the win-win rows.", metavar="β")
    ] = 0.95,
    seed: Annotated[int, typer.Option("--seed", help="With --robust: seed of the sampled futures.")] = 0,
    test_futures: Annotated[
        int, typer.Option("--test-futures", help="With --robust: fresh futures to judge on (0: none).")
    ] = 50,
    replications: Annotated[
        int, typer.Option("--replications", help="With --robust: samples of the SAA gap (0: not estimated).")
    ] = 0,
    risk_weight: Annotated[
        float,
        typer.Option(
            "--risk-weight", help="With --robust: λ of the objective (1 − λ)·E[PX − costs] − λ·CVaR_β of its loss."
        ),
    ] = 0.0,
    ray: Annotated[
        bool, typer.Option("--ray", help="With --robust: solve the out-of-sample futures' recourses on Ray.")
    ] = False,
    address: Annotated[
        str | None, typer.Option("--address", help="With --robust: a running Ray cluster (HOST:PORT or auto).")
    ] = None,
    backend: Backend = "ortools",
    solver: Solver = None,
    strict_priority: Annotated[
        bool | None,
        typer.Option(
            "--strict-priority/--no-strict-priority",
            help="Open group g+1 in a region only once group g reached the coverage threshold (MIP).",
        ),
    ] = None,
    threshold: Annotated[
        float | None, typer.Option("--threshold", help="Coverage threshold for strict priority.")
    ] = None,
    time_limit: TimeLimit = None,
    mip_gap: MipGap = 1e-4,
    exact: Annotated[
        bool,
        typer.Option(
            "--exact",
            help="Solve the full model; by default interchangeable sites are solved as one and the plan lifted "
            "back to every site (checked on the full model; --json's model says which ran).",
        ),
    ] = False,
    as_json: JsonOpt = False,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write the plan tables (Parquet and CSV) here.")] = None,
) -> None:
    """Plan a scenario under one concept (joint optimum, silo status quo, win-win or a split): PX, coverage,
    every partner's utility, gain and transfer. With --robust K: the robust win-win plan over K sampled
    delivery futures, judged beside the deterministic win-win on fresh futures (win-win share, appointments
    kept, VSS, EVPI, SAA gap).

    Exit 1 when no plan exists, with an explanation of the conflicting constraints.
    """
    if robust is not None:
        options = (cvar, seed, test_futures, replications, time_limit, ray, address, risk_weight)
        _robust_plan(scenario, concept or "winwin", robust, options, as_json)
        return
    concept = concept or "joint"
    with user_errors(as_json):
        result = api.plan(
            scenario,
            concept,
            backend=backend,
            solver=solver,
            strict_priority=strict_priority,
            threshold=threshold,
            time_limit=time_limit,
            mip_gap=mip_gap,
            exact=exact,
        )
    if as_json:
        print_json(result.to_dict())
    elif result.has_plan:
        out.print(solve_line(result))
        if result.status == SolveStatus.TIME_LIMIT:
            out.print("[yellow]time limit reached: this plan is the best found, not proven optimal[/]")
        out.print(kpi_table(result))
        out.print(partner_table(result))
    else:
        out.print(solve_line(result))
    if not result.has_plan:
        err.print(f"[bold red]no plan:[/] {result.status.value}")
        for line in result.diagnosis:
            err.print(line, markup=False)
        raise typer.Exit(EXIT_NO_SOLUTION)
    if out_dir is not None:
        files = result.write(out_dir)
        if not as_json:
            out.print(f"wrote {len(files)} files to {out_dir}")


@app.command()
def compare(
    scenario: ScenarioArg,
    concepts: Annotated[
        str | None,
        typer.Option(
            "--concepts",
            help=f"Comma-separated, from: {', '.join(ALL_CONCEPTS)} (default all; shapley when ≤ 16 partners).",
        ),
    ] = None,
    epsilon: Annotated[
        float, typer.Option("--epsilon", help="Splits keep PX ≥ (1 − ε)·PX*, PX* the win-win optimum.")
    ] = 0.01,
    transfers: Annotated[
        str,
        typer.Option("--transfers", help="scenario (money.transfers of the file), none, or any (free side payments)."),
    ] = "scenario",
    reservation: Annotated[
        list[str] | None,
        typer.Option(
            "--reservation",
            help="PARTNER=UTILITY: the least utility a partner accepts instead of its silo utility (repeatable).",
        ),
    ] = None,
    time_limit: TimeLimit = None,
    exact: Annotated[
        bool,
        typer.Option(
            "--exact",
            help="Solve the full model (default: interchangeable sites merged when exact, every answer per partner; "
            "--json's model says which ran).",
        ),
    ] = False,
    futures: Annotated[
        int, typer.Option("--futures", help="robust_winwin: sampled futures planned on (K).", metavar="K")
    ] = 20,
    cvar: Annotated[float, typer.Option("--cvar", help="robust_winwin: CVaR level β.", metavar="β")] = 0.95,
    seed: Annotated[int, typer.Option("--seed", help="robust_winwin: seed of the futures.")] = 0,
    test_futures: Annotated[
        int, typer.Option("--test-futures", help="robust_winwin: fresh futures it is judged on.")
    ] = 50,
    as_json: JsonOpt = False,
) -> None:
    """The deal sheet: silo, joint, win-win and the bargaining splits of the gain, with PX, every partner's
    utility, gain and transfer, the least gain, a fairness index and a checked win-win certificate.
    `robust_winwin` (named in --concepts) adds the plan over sampled futures with its out-of-sample win-win
    probability beside the deterministic winwin's.

    When no plan is win-win, the price of win-win (the least outside money that makes one exist) and who
    needs it. Exit 1 when the win-win concept has no certified plan.
    """
    with user_errors(as_json, aliases={"reservations": "--reservation"}):
        pinned = _assignments(reservation or [], "reservation")
        with out.status("solving the concepts…") if not as_json else _quiet():
            result = api.compare(
                scenario, concepts, epsilon=epsilon, transfers=transfers, time_limit=time_limit, reservations=pinned,
                exact=exact, futures=futures, cvar=cvar, seed=seed, test_futures=test_futures,
            )  # fmt: skip
    if as_json:
        print_json(result.to_dict())
    else:
        out.print(concept_table(result))
        out.print(partner_gains(result))
        for line in price_lines(result):
            out.print(line)
        model = result.extra.get("model", {"model": "full"})
        where = "the full model" if model["model"] == "full" else (
            f"the reduced model ({model['columns']['reduced']:,} of {model['columns']['full']:,} columns, "
            f"{model['sites_merged']} sites merged into their classes)"
        )  # fmt: skip
        out.print(f"{result.seconds:.1f} s for {len(result.outcomes)} concepts on {where}")
        if "robust_winwin" in result.extra:
            out.print(robust_entry_table(result.extra["robust_winwin"]))
    ww = result.winwin
    if ww is not None and not (ww.certificate is not None and ww.certificate.holds):
        if not as_json:
            err.print("[bold red]no certified win-win plan[/]")
        raise typer.Exit(EXIT_NO_SOLUTION)


@app.command()
def bargain(
    problem_file: Annotated[
        Path,
        typer.Option(
            "--problem",
            help='JSON or YAML: {"players": [...], "A": [[...]], "b": [...], "d": [...], "weights": [...]} '
            "(feasible utilities A·u ≤ b, disagreement point d, optional bargaining weights).",
        ),
    ],
    as_json: JsonOpt = False,
) -> None:
    """The Nash (weighted), Kalai–Smorodinsky, egalitarian and utilitarian points of a bargaining problem.

    The concepts are solved on the points of the set above d (d itself need not be one of them: the core of a
    TU game with the stand-alone values as d). Exit 2 when no point gives every player at least d (naming who
    cannot be satisfied), when none improves on d for every player, or when the set is unbounded above d.
    """
    with user_errors(as_json):
        bp = api.bargaining_problem(problem_file)
        points = api.bargain(bp)
    if as_json:
        print_json(points | {"players": list(bp.players)})
    else:
        out.print(bargaining_table(bp.players, bp.d, {k: np.asarray(v) for k, v in points.items()}))


@app.command()
def frontier(
    scenario: ScenarioArg,
    points: Annotated[int, typer.Option("--points", help="Number of targets (both ends included).")] = 10,
    partner: Annotated[
        str | None, typer.Option("--partner", help="Trade PX against this partner's gain instead of the total.")
    ] = None,
    ray: Annotated[bool, typer.Option("--ray", help="Solve the points in parallel on Ray.")] = False,
    address: Annotated[
        str | None, typer.Option("--address", help="Ray cluster to join (auto or HOST:PORT); implies --ray.")
    ] = None,
    exact: Annotated[
        bool,
        typer.Option(
            "--exact",
            help="Solve the full model (default: interchangeable sites merged when exact; --json's model says which "
            "ran).",
        ),
    ] = False,
    as_json: JsonOpt = False,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Write the frontier and every point's plan (Parquet, CSV).")
    ] = None,
) -> None:
    """The exact Pareto frontier of PX against the partners' total gain (or one partner's gain):
    ε-constraint with AUGMECON's slack, each point a full plan, dominated points removed."""
    with user_errors(as_json), out.status(f"solving {points} frontier points…") if not as_json else _quiet():
        result = api.frontier(scenario, points, partner, ray=ray, address=address, exact=exact)
    if as_json:
        print_json(result.to_dict())
    else:
        out.print(frontier_table(result))
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        df = result.frame()
        df.to_csv(out_dir / "frontier.csv", index=False)
        df.to_parquet(out_dir / "frontier.parquet", index=False)
        for i, point in enumerate(result.points):
            point.plan.concept = f"point-{i:02d}"
            point.plan.write(out_dir)
        if not as_json:
            out.print(f"wrote the frontier and {len(result.points)} plans to {out_dir}")


def _assignments(items: list[str], name: str) -> dict[str, float]:
    """``PARTNER=NUMBER`` items of a repeatable option (``name``: its API name) as a mapping."""
    values: dict[str, float] = {}
    problems = []
    for item in items:
        key, _, value = item.partition("=")
        try:
            values[key.strip()] = float(value)
        except ValueError:
            problems.append(problem(name, "expected PARTNER=NUMBER", item))
    if problems:
        raise InputError(problems)
    return values


@app.command()
def coalitions(
    scenario: Annotated[str | None, typer.Argument(help="A scenario (file or bundled name); omit with --game.")] = None,
    players: Annotated[
        str,
        typer.Option("--players", help="partners, role, organisation, or a YAML/JSON file mapping partner → player."),
    ] = "partners",
    samples: Annotated[
        int | None,
        typer.Option("--samples", help="Sampled Shapley over this many random permutations (instead of --exact)."),
    ] = None,
    exact: Annotated[bool, typer.Option("--exact", help="Every coalition (the default; ≤ 16 players).")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the permutation sampler.")] = 0,
    game_file: Annotated[
        Path | None,
        typer.Option(
            "--game",
            help='Any TU game: {"players": [...], "v": {"A,B": 3.0, ...}, "game_type": "profit"|"cost"}.',
        ),
    ] = None,
    ray: Annotated[bool, typer.Option("--ray", help="Solve the coalitions on Ray.")] = False,
    address: Annotated[
        str | None, typer.Option("--address", help="Ray cluster to join (auto or HOST:PORT); implies --ray.")
    ] = None,
    full_model: Annotated[
        bool,
        typer.Option(
            "--full-model",
            help="Solve the values on the full model (default: interchangeable sites merged when each class lies "
            "within one player; --json's model says which ran).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Cooperative game: Shapley (exact or sampled), Banzhaf, core, least core and nucleolus — of a scenario's
    coalition values (v(S): what S's coordination is worth while the others keep their silo split rules) or
    of any game file. For a scenario, also whether the win-win split of `compare` is in the core and the
    transfers that turn the joint plan into the Shapley split."""
    working = out.status("solving the coalition game…") if not as_json and game_file is None else _quiet()
    with user_errors(as_json), working:
        payload = api.coalitions(
            scenario, players, samples=samples, exact=exact, seed=seed, game=game_file, ray=ray, address=address,
            full_model=full_model,
        )  # fmt: skip
    if as_json:
        print_json(payload)
    else:
        out.print(game_table(payload))
        for line in game_lines(payload):
            out.print(line)


@app.command()
def schedule(
    scenario: ScenarioArg,
    site: Annotated[str | None, typer.Option("--site", help="One site's week (default: the first site).")] = None,
    all_sites: Annotated[bool, typer.Option("--all", help="Every site with doses that week.")] = False,
    week: Annotated[int, typer.Option("--week", help="Week (period) of the plan to schedule.")] = 0,
    concept: Annotated[str, typer.Option("--concept", help=f"Plan to schedule: {', '.join(ALL_CONCEPTS)}.")] = "joint",
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Seconds per site; the best schedule found is returned.")
    ] = 30.0,
    ray: Annotated[bool, typer.Option("--ray", help="With --all: schedule the sites on Ray.")] = False,
    address: Annotated[
        str | None, typer.Option("--address", help="Ray cluster to join (auto or HOST:PORT); implies --ray.")
    ] = None,
    allocation: Annotated[
        Path | None,
        typer.Option(
            "--allocation",
            help="Schedule this allocation (CSV or Parquet: group, product, dose, people) instead of the plan's.",
        ),
    ] = None,
    as_json: JsonOpt = False,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Write appointments, shifts and vials (CSV, Parquet).")
    ] = None,
) -> None:
    """Daily appointments by priority group, staff and volunteer shifts, vials and second doses for a site's
    week of the plan (CP-SAT): lateness by priority first, then wasted doses, then staff cost.

    Exit 1 when a site's staffing is infeasible, with the day and role that lack staff.
    """
    with user_errors(as_json):
        what = f"every site, week {week}" if all_sites else f"{site or 'the first site'}, week {week}"
        with out.status(f"planning ({concept}) and scheduling {what}…") if not as_json else _quiet():
            result = api.schedule(
                scenario,
                site,
                week,
                all_sites=all_sites,
                concept=concept,
                allocation=allocation,
                time_limit=time_limit,
                ray=ray,
                address=address,
            )
    schedules = list(result.schedules.values()) if isinstance(result, CampaignSchedule) else [result]
    if as_json:
        print_json(result.to_dict())
    elif isinstance(result, CampaignSchedule):
        out.print(campaign_table(result))
    else:
        out.print(schedule_table(result))
        for line in schedule_lines(result):
            out.print(line)
    if out_dir is not None:
        write_schedules(schedules, out_dir)
    failed = [x for x in schedules if x.status == SolveStatus.INFEASIBLE]
    for x in failed:
        err.print(f"[bold red]{x.week.site}: staffing infeasible[/]")
        for line in x.explanation:
            err.print(f"  {line}", markup=False)
    if failed or any(x.status == SolveStatus.NO_SOLUTION for x in schedules):
        raise typer.Exit(EXIT_NO_SOLUTION)


@app.command()
def simulate(
    scenario: ScenarioArg,
    mode: Annotated[
        str | None,
        typer.Option("--mode", help="Governance mode: silo, central, winwin, nash, egalitarian, kalai_smorodinsky."),
    ] = None,
    modes: Annotated[str | None, typer.Option("--modes", help="all, or a comma-separated list of modes.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the run's random generator.")] = 0,
    periods: Annotated[
        int | None, typer.Option("--periods", help="Periods to simulate (default: the horizon).")
    ] = None,
    lookahead: Annotated[
        int, typer.Option("--lookahead", help="Periods the coordinator plans ahead (≥ the horizon: all the rest).")
    ] = 4,
    aspiration: Annotated[
        list[str] | None,
        typer.Option(
            "--aspiration", help="PARTNER=AMOUNT: utility a partner asks above its silo utility (repeatable)."
        ),
    ] = None,
    sharing: Annotated[str, typer.Option("--sharing", help="Data sharing: learn, all or none.")] = "learn",
    data_fee: Annotated[
        float, typer.Option("--data-fee", help="Fee per period the payer pays a partner sharing data.")
    ] = 0.0,
    set_values: Annotated[
        list[str] | None,
        typer.Option("--set", help="PATH=VALUE scenario override, e.g. partners.az.reliability.mean=0.5 (repeatable)."),
    ] = None,
    transfers: Annotated[str, typer.Option("--transfers", help="scenario, none or any.")] = "scenario",
    time_limit: TimeLimit = None,
    exact: Annotated[
        bool,
        typer.Option(
            "--exact",
            help="Plan on the full model (default: interchangeable sites merged while that is exact; --json says "
            "which model planned).",
        ),
    ] = False,
    clairvoyant: Annotated[
        bool,
        typer.Option(
            "--clairvoyant",
            help="Run each planned mode again knowing every delivery in advance; report its PX and the gap "
            "(the value of perfect information).",
        ),
    ] = False,
    planner: Annotated[
        str,
        typer.Option(
            "--planner",
            help="deterministic (plan the coming weeks on the belief's quantile) or robust (plan central and "
            "winwin over --futures futures sampled from the belief each week; robust win-win by CVaR).",
        ),
    ] = "deterministic",
    futures: Annotated[int, typer.Option("--futures", help="Futures the robust planner samples each week.")] = 10,
    cvar: Annotated[
        float, typer.Option("--cvar", help="CVaR level β of each partner's shortfall (robust planner).")
    ] = 0.95,
    keep: Annotated[
        float,
        typer.Option("--keep", help="Share of its bookings the robust plan keeps in expectation over its futures."),
    ] = 0.99,
    as_json: JsonOpt = False,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Write each mode's tables (Parquet and CSV) here.")
    ] = None,
) -> None:
    """Simulate the ecosystem week by week with partners as Mesa agents: announcements, rolling-horizon
    planning under the governance mode, negotiation (rejections, re-plans, fallback to silo rules), random
    deliveries and disruptions, cancellations, patient cohorts and their NPS, data-sharing decisions.

    Every mode runs in the same world (the seed's deliveries, disruptions and noise, drawn before the run).
    With --planner robust, central and winwin plan each week over futures sampled from the coordinator's
    belief (bookings for next week made now, every future's recourse, each partner whole at CVaR level --cvar).
    Prints one column per mode: PX, coverage and days to a first dose per group, appointments and
    cancellations per 1,000, second doses on time, travel, partners' gains.
    """
    from winwin.models.run import parse_modes
    from winwin.simulate_view import gains_table, modes_table, write_results

    with user_errors(as_json):
        names = parse_modes(modes, mode)
        done: list[str] = []
        with out.status(f"simulating {', '.join(names)}…") if not as_json else _quiet() as status:

            def finished(name: str) -> None:
                done.append(name)
                if status is not None and len(done) < len(names):
                    status.update(f"simulated {', '.join(done)}; simulating {', '.join(names[len(done) :])}…")

            results = api.simulate(
                scenario,
                modes=names,
                seed=seed,
                overrides=_overrides(set_values or []),
                on_done=finished,
                periods=periods,
                lookahead=lookahead,
                aspiration=_assignments(aspiration or [], "aspiration"),
                sharing=sharing,
                data_fee=data_fee,
                transfers=transfers,
                time_limit=time_limit,
                exact=exact,
                clairvoyant=clairvoyant,
                planner=planner,
                futures=futures,
                cvar=cvar,
                keep=keep,
            )
        assert isinstance(results, dict)
        name = next(iter(results.values())).scenario  # each run carries its scenario's name
    if as_json:
        print_json({"scenario": name, "seed": seed, "modes": {m: r.summary() for m, r in results.items()}})
    else:
        out.print(modes_table(results))
        out.print(gains_table(results))
    if out_dir is not None:
        written = write_results(results, out_dir)
        if not as_json:
            out.print(f"wrote {len(written)} files to {out_dir}")


@app.command("data-value")
def data_value_command(
    scenario: ScenarioArg,
    mode: Annotated[str, typer.Option("--mode", help="Governance mode simulated.")] = "winwin",
    seeds: Annotated[int, typer.Option("--seeds", help="Seeds 0…N−1, the same for every set of sharers.")] = 5,
    forecast: Annotated[
        str,
        typer.Option(
            "--forecast",
            help="honest (promise × reliability mean) or perfect (the manufacturer's actual deliveries: the most "
            "its data can be worth).",
        ),
    ] = "honest",
    set_values: Annotated[
        list[str] | None,
        typer.Option("--set", help="PATH=VALUE scenario override (repeatable)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The value of each manufacturer's delivery forecast: every set of sharing manufacturers simulated on the
    same seeds (the others heard at their promise), the realised PX with and without each one's forecast, its
    marginal and Shapley values, and a fair data fee per week (the Shapley value in money; none when the
    forecast is worth nothing or less). 2^M × N runs for M manufacturers."""
    with user_errors(as_json), out.status("simulating every set of sharers…") if not as_json else _quiet():
        result = api.data_value(scenario, mode, seeds=seeds, overrides=_overrides(set_values or []), forecast=forecast)
    if as_json:
        print_json(result.to_dict())
        return
    table = Table(title=f"{result.scenario} — value of each manufacturer's forecast ({result.mode}, "
                        f"{result.seeds} paired seeds, {result.periods} weeks)")  # fmt: skip
    for column in ("manufacturer", "PX with", "PX without", "marginal PX", "paired range", "Shapley PX",
                   f"fee per week ({result.currency})"):  # fmt: skip
        table.add_column(column, justify="left" if column == "manufacturer" else "right")
    for r in result.rows():
        table.add_row(
            r["manufacturer"], f"{r['px_with']:.3f}", f"{r['px_without']:.3f}", f"{r['marginal_px']:+.3f}",
            f"{r['paired_min']:+.3f} … {r['paired_max']:+.3f}", f"{r['shapley_px']:+.3f}",
            f"{r['fee_per_period']:,.0f}",
        )  # fmt: skip
    out.print(table)


@app.command()
def explore(
    scenario: Annotated[
        str, typer.Argument(help="Bundled scenario name or path to a YAML/JSON scenario file.")
    ] = "belgium-2021",
    port: Annotated[int, typer.Option("--port", help="Port to serve the page on.", min=1, max=65535)] = 8765,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on (localhost by default).")] = "127.0.0.1",
) -> None:
    """Serve the interactive what-if page (Solara): move the levers and watch the campaign week by week beside
    the silo run of the same seed. Needs the `explore` extra (`make install` installs it)."""
    import importlib.util
    import os
    import subprocess
    import sys

    with user_errors(False):
        api.load(scenario)  # a bad scenario exits 2 here, before a server starts
    if importlib.util.find_spec("solara") is None:
        out.print("winwin explore needs Solara: pip install 'winwin-engine[explore]' (make install does)")
        raise typer.Exit(2)
    from winwin.explore.app import SCENARIO_VARIABLE

    out.print(f"winwin explore: {scenario} at http://{host}:{port}/ (Ctrl-C stops)")
    # nothing leaves the machine: no version check against PyPI, no usage telemetry
    env = {**os.environ, SCENARIO_VARIABLE: scenario, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"}
    command = [sys.executable, "-m", "solara", "run", "winwin.explore.app", "--host", host, "--port", str(port),
               "--production", "--no-open", "--no-check-version"]  # fmt: skip
    try:
        raise typer.Exit(subprocess.call(command, env=env))
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


@app.command()
def backtest(
    scenario: ScenarioArg,
    observed: Annotated[
        Path,
        typer.Option(
            "--observed",
            help="CSV date,measure,value: first_dose_pct, full_pct (% of the whole "
            "population) or first_dose_pct:GROUP, full_pct:GROUP (% of the group).",
        ),
    ],
    mode: Annotated[
        str, typer.Option("--mode", help="Governance mode simulated (default: silo, what happened).")
    ] = "silo",
    seeds: Annotated[int, typer.Option("--seeds", help="Seeds 0…N−1; the table shows their spread.")] = 1,
    set_values: Annotated[
        list[str] | None,
        typer.Option("--set", help="PATH=VALUE scenario override (repeatable)."),
    ] = None,
    as_json: JsonOpt = False,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write backtest.json, points.csv and series.csv here (winwin report --results DIR)."
        ),
    ] = None,
) -> None:
    """Simulate the scenario and compare its coverage with an observed series: per measure, the error in
    points at each observed date, the lag in days at which the simulation reaches each observed value
    (interpolated within a week), the RMSE and the seeds' spread. A bad file exits 2 naming its rows and
    columns, and nothing is written."""
    from winwin.backtest_view import backtest_tables
    from winwin.models.backtest import write_backtest

    with user_errors(as_json), out.status("simulating and comparing…") if not as_json else _quiet():
        result = api.backtest(scenario, observed, mode, seeds=seeds, overrides=_overrides(set_values or []))
    if as_json:
        print_json(result.to_dict())
    else:
        for table in backtest_tables(result):
            out.print(table)
    if out_dir is not None:
        written = write_backtest(result, out_dir)
        if not as_json:
            out.print(f"wrote {len(written)} files to {out_dir}")


def _overrides(items: list[str]) -> dict[str, object]:
    """``--set PATH=VALUE`` items as scenario overrides (values read as YAML scalars)."""
    import yaml

    changes: dict[str, object] = {}
    problems = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            problems.append(problem("--set", "expected PATH=VALUE", item))
            continue
        try:
            changes[key.strip()] = yaml.safe_load(value)
        except yaml.YAMLError:
            problems.append(problem(f"--set {key.strip()}", "not a YAML value", value))
    if problems:
        raise InputError(problems)
    return changes


@app.command()
def sweep(
    spec: Annotated[Path, typer.Argument(help="A sweep file (YAML), e.g. experiments/supply-sharing.yaml.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Results folder (Parquet parts and a manifest).")],
    address: Annotated[
        str | None,
        typer.Option("--address", help="Join a running Ray cluster: auto or HOST:PORT (default: a local cluster)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="CPUs of the local Ray cluster (default: all).")
    ] = None,
    in_process: Annotated[bool, typer.Option("--in-process", help="Run in this process, without Ray.")] = False,
    resume: Annotated[bool, typer.Option("--resume", help="Run only the experiments --out does not hold.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Run a sweep: every point of the sweep file × governance mode × replication is one simulation,
    streamed into a Parquet results folder as it finishes. A failing experiment becomes an error row and the
    sweep goes on; Ctrl-C writes what is done (exit 130) and --resume carries on."""
    from winwin.sweep_view import report_lines, sweep_progress

    with user_errors(), sweep_progress(not quiet) as progress:
        report = api.sweep(spec, out_dir, address=address, workers=workers, in_process=in_process, resume=resume,
                           progress=progress)  # fmt: skip
    for line in report_lines(report):
        out.print(line, markup=False)
    if report.interrupted:
        raise typer.Exit(130)


@app.command()
def analyze(
    results: Annotated[Path, typer.Argument(help="A sweep's results folder (see winwin sweep --out).")],
    as_json: JsonOpt = False,
) -> None:
    """Analyse a sweep: per mode PX and gains (mean, p5, p50, p95), the win-win rate, regret against the
    best mode of each scenario, and the parameters that drive loss of win-win (a PRIM box)."""
    from winwin.sweep_view import drivers_lines, modes_table

    with user_errors(as_json):
        analysis = api.analyze(results)
    if as_json:
        print_json(analysis)
        return
    out.print(f"{analysis['experiments']} experiments, {analysis['failed']} failed")
    out.print(modes_table(analysis))
    for line in drivers_lines(analysis):
        out.print(line, markup=False)


@contextmanager
def _quiet() -> Iterator[None]:
    yield


@app.command()
def report(
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="Scenario for the ecosystem, plan and deal-sheet sections.")
    ] = None,
    results: Annotated[
        list[Path] | None,
        typer.Option("--results", help="A sweep results folder or a simulate --out folder (repeatable)."),
    ] = None,
    out_file: Annotated[Path, typer.Option("--out", help="The HTML file to write.")] = Path("report.html"),
    simulate_modes: Annotated[
        str | None, typer.Option("--simulate", help="Also simulate these modes (all, or a comma list).")
    ] = None,
    periods: Annotated[int | None, typer.Option("--periods", help="Weeks to simulate with --simulate.")] = None,
    points: Annotated[int, typer.Option("--points", help="Points of the Pareto frontier.")] = 8,
    robust: Annotated[
        int | None,
        typer.Option(
            "--robust",
            help="Also plan robust win-win over K sampled futures (deal sheet), and simulate central and winwin with the robust planner (K futures a week) beside --simulate.",
            metavar="K",
        ),
    ] = None,
) -> None:
    """Write one self-contained HTML report (opens offline): a plain-language summary, the ecosystem, the
    plan, the deal sheet (concepts, gains and transfers, frontier, Shapley and nucleolus), the simulation
    and the sweep. --scenario computes the first three; --results adds simulation runs and sweep results."""
    with user_errors(), out.status("computing the report…") as status:
        path = api.report(
            out_file,
            scenario=scenario,
            results=list(results or []),
            simulate=simulate_modes,
            periods=periods,
            points=points,
            robust=robust,
            step=status.update,
        )
    out.print(f"report: {path} ({path.stat().st_size / 1e6:.1f} MB, opens offline)")


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the report and every result.")] = Path(
        "winwin-demo"
    ),
    periods: Annotated[
        int | None, typer.Option("--periods", help="Weeks simulated per governance mode (default: the whole horizon).")
    ] = None,
    samples: Annotated[
        int | None, typer.Option("--samples", help="Fewer samples in the demo sweep (a smaller sweep).")
    ] = None,
    in_process: Annotated[
        bool,
        typer.Option("--in-process", help="No Ray: the frontier, coalitions, simulations and sweep in this process."),
    ] = False,
    scenario: Annotated[
        str, typer.Option("--scenario", help="Another scenario (give a --sweep of it too).")
    ] = "belgium-2021",
    sweep_file: Annotated[
        Path | None, typer.Option("--sweep", help="Another sweep file (default: experiments/belgium-demo.yaml).")
    ] = None,
    points: Annotated[int, typer.Option("--points", help="Points of the Pareto frontier.")] = 5,
) -> None:
    """The bundled belgium-2021 scenario end to end: validate it, compare the solution concepts, the Pareto
    frontier, the coalition game by role, simulate every governance mode over the whole horizon, a small
    sweep (all on a local Ray cluster), then one HTML report; prints a short summary and where the report
    is. A second run reuses the finished sweep. About 3 minutes on 2 cores."""
    import time

    from winwin.demo import DEMO_SWEEP, DemoSettings, run_demo
    from winwin.report.summary import summary_lines

    settings = DemoSettings(
        out=out_dir, scenario=scenario, periods=periods, frontier_points=points, sweep=sweep_file or DEMO_SWEEP,
        samples=samples, in_process=in_process,
    )  # fmt: skip
    start = time.perf_counter()
    with user_errors(aliases={"frontier_points": "--points"}), out.status("starting…") as status:

        def step(message: str) -> None:
            out.print(f"[dim]{time.perf_counter() - start:6.0f} s[/]  {message}")
            status.update(message + "…")

        def progress(done: int, failed: int, total: int) -> None:
            status.update(f"the sweep: {done} of {total} experiments stored ({failed} failed)…")

        result = run_demo(settings, step, progress)
    s = result.inputs.scenario
    assert s is not None
    out.print(_summary_table(s))
    if result.inputs.comparison is not None:
        out.print(concept_table(result.inputs.comparison))
    lines, _ = summary_lines(result.inputs)
    for line in lines:
        out.print(line, markup=False)
    for note in result.inputs.notes:
        out.print(note, style="dim", markup=False)
    took = ", ".join(f"{k} {v:.0f} s" for k, v in result.seconds.items())
    out.print(f"[dim]{took}[/]")
    out.print(f"report: [bold]{result.report}[/]  (results in {out_dir})")


for _info in app.registered_commands:  # errors name each command's own flags (console.user_errors)
    if _info.callback is not None:
        _info.callback = with_flags(_info.callback)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
