"""`winwin plan` end to end, and both backends on every bundled scenario."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import winwin
from winwin.cli import app
from winwin.data import bundled_names, load
from winwin.optimizer import SolveOptions, SolveStatus, build_allocation_model, plan


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n == "belgium-2021" else n for n in bundled_names()]
)
def test_backends_agree_on_every_bundled_scenario(name: str) -> None:
    sc = load(name)
    model = build_allocation_model(sc)
    a = plan(sc, model=model, tie_break=False, options=SolveOptions(backend="ortools"))
    b = plan(sc, model=model, tie_break=False, options=SolveOptions(backend="pyomo"))
    assert a.status == b.status == SolveStatus.OPTIMAL
    assert a.px == pytest.approx(b.px, rel=1e-6)
    assert a.solve.objective == pytest.approx(b.solve.objective, rel=1e-6)


@pytest.mark.slow
def test_belgium_joint_beats_silo(belgium) -> None:  # type: ignore[no-untyped-def]
    model = build_allocation_model(belgium)
    joint = plan(belgium, model=model, tie_break=False)
    silo = plan(belgium, "silo", model=model)
    assert silo.px < joint.px <= 100
    assert joint.kpis()["doses_administered"] <= belgium.site_capacity.sum()


def test_plan_json_contract(runner: CliRunner) -> None:
    result = runner.invoke(app, ["plan", "tiny", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {"status", "objective", "px", "kpis", "partners", "solve"} <= set(payload)
    assert payload["status"] == "optimal"
    assert payload["px"] == pytest.approx(100 * 9280 / 15560, rel=1e-6)
    assert set(payload["solve"]) >= {"backend", "solver", "seconds", "gap"}
    gov = payload["partners"]["gov"]
    assert set(gov) == {"role", "utility", "disagreement", "gain", "transfer"} and gov["role"] == "payer"
    assert gov["transfer"] == 0.0  # the joint plan has no side payments
    assert gov["gain"] == pytest.approx(gov["utility"] - gov["disagreement"])


def test_plan_silo_is_not_called_optimal(runner: CliRunner) -> None:
    payload = json.loads(runner.invoke(app, ["plan", "tiny", "--concept", "silo", "--json"]).stdout)
    assert payload["status"] == "rule_based"
    assert all(p["gain"] == pytest.approx(0) for p in payload["partners"].values())


def test_plan_out_writes_tables(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", "tiny", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    adm = pd.read_parquet(tmp_path / "joint-administrations.parquet")
    assert list(adm.columns) == ["site", "group", "region", "product", "period", "doses"]
    assert adm["doses"].sum() == pytest.approx(420, abs=1e-4)
    assert (tmp_path / "joint-shipments.csv").exists() and (tmp_path / "joint-partners.csv").exists()
    assert "patient experience PX" in result.stdout


def test_plan_infeasible_exits_1_with_explanation(runner: CliRunner, tmp_path: Path, tiny_copy: dict) -> None:  # type: ignore[type-arg]
    from support import write_yaml

    tiny_copy["partners"][3]["min_volume"] = 300
    result = runner.invoke(app, ["plan", str(write_yaml(tmp_path, tiny_copy))])
    assert result.exit_code == 1
    assert "s_north's committed volume" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--backend", "gurobi9"], "--backend: must be one of ortools, pyomo (got 'gurobi9')"),
        (["--solver", "cplexx"], "--solver: OR-Tools solvers are highs, glop, pdlp, scip, sat (got 'cplexx')"),
        (
            ["--concept", "best"],
            "--concept: must be one of silo, joint, winwin, utilitarian, egalitarian, kalai_smorodinsky, nash, "
            "shapley (got 'best')",
        ),
        (
            ["--concept", "nash", "--backend", "pyomo"],
            "--backend: the nash concept runs on HiGHS (highspy); use the default (got 'pyomo')",
        ),
        (["--time-limit", "0"], "--time-limit: must be > 0 seconds (got 0.0)"),
        (["--threshold", "1.5"], "--threshold: must lie in [0, 1] (got 1.5)"),
        (
            ["--backend", "pyomo", "--solver", "no_such_solver"],
            "--solver: this Pyomo solver is not installed (got 'no_such_solver')",
        ),
    ],
)
def test_plan_bad_options_exit_2(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["plan", "tiny", *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_python_api() -> None:
    p = winwin.plan("tiny", strict_priority=True, threshold=0.9)
    assert p.status == winwin.SolveStatus.OPTIMAL and p.model.strict_priority
    assert p.px == pytest.approx(winwin.plan("tiny", backend="pyomo", strict_priority=True, threshold=0.9).px, rel=1e-6)


def test_time_limit_never_claims_optimal(belgium) -> None:  # type: ignore[no-untyped-def]
    """Strict priority on belgium-2021 is a MIP SCIP cannot prove in 2 s: the best plan found (if any)
    comes back as time_limit with its gap, never as optimal."""
    p = plan(belgium, strict_priority=True, options=SolveOptions(time_limit=2))
    assert p.status in (SolveStatus.TIME_LIMIT, SolveStatus.NO_SOLUTION)
    if p.status == SolveStatus.TIME_LIMIT:
        assert p.has_plan and p.solve.gap is not None
    else:
        assert not p.has_plan


def test_api_errors_name_api_parameters_and_the_cli_its_flags(runner: CliRunner) -> None:
    """The library names its own parameters (`time_limit`), the command line its flags (`--time-limit`);
    every winwin error is a WinwinError, and a failed computation exits 1 with a message, no traceback."""
    with pytest.raises(winwin.InputError) as caught:
        winwin.plan("tiny", time_limit=-1, mip_gap=2)
    assert [str(p) for p in caught.value.problems] == [
        "time_limit: must be > 0 seconds (got -1)",
        "mip_gap: must lie in [0, 1) (got 2)",
    ]
    assert isinstance(caught.value, winwin.WinwinError)
    result = runner.invoke(app, ["plan", "tiny", "--time-limit", "-1", "--mip-gap", "2"])
    assert result.exit_code == 2
    assert "--time-limit: must be > 0 seconds (got -1.0)" in result.stderr
    assert "--mip-gap: must lie in [0, 1) (got 2.0)" in result.stderr
    with pytest.raises(winwin.InputError, match=r"reservations\.nobody: not a partner"):
        winwin.compare("tiny", ["winwin"], reservations={"nobody": 1.0})
    result = runner.invoke(app, ["compare", "tiny", "--reservation", "nobody=1"])
    assert result.exit_code == 2 and "--reservation nobody: not a partner of the scenario" in result.stderr
    from winwin.optimizer.concepts import BargainingError
    from winwin.optimizer.games import CoalitionError

    assert issubclass(BargainingError, winwin.GameError) and issubclass(CoalitionError, winwin.GameError)
    assert issubclass(winwin.GameError, winwin.SolverError) and issubclass(winwin.SolverError, winwin.WinwinError)
