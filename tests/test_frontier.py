"""The Pareto frontier: monotone, its ends are the joint and the gain-maximising plans, Ray = in-process."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from support import PX_JOINT
from typer.testing import CliRunner

from winwin.cli import app
from winwin.data import Scenario
from winwin.optimizer import SolveOptions, SolveStatus, build_allocation_model, silo_plan
from winwin.optimizer.allocation import joint_plan
from winwin.optimizer.allocation.aggregate import reduce_sites
from winwin.optimizer.concepts.frontier import frontier
from winwin.optimizer.lp.solvers import solve
from winwin.optimizer.parallel import RayExecutor


def _check(fr, joint_px: float, joint_gain: float, max_gain: float) -> None:  # type: ignore[no-untyped-def]
    px = np.array([p.px for p in fr.points])
    gain = np.array([p.gain for p in fr.points])
    assert (np.diff(px) < 0).all() and (np.diff(gain) > 0).all()  # strictly monotone: no dominated point
    assert px[0] == pytest.approx(joint_px, rel=1e-8)
    assert gain[0] == pytest.approx(joint_gain, rel=1e-6, abs=1e-3)
    assert gain[-1] == pytest.approx(max_gain, rel=1e-7)


def _max_total_gain(sc: Scenario, d: np.ndarray) -> float:
    """max Σ U_p − Σ d_p by OR-Tools through the generic solve path (a second implementation)."""
    m = build_allocation_model(sc)
    r = solve(m.problem(m.welfare()), SolveOptions())
    assert r.status == SolveStatus.OPTIMAL and r.x is not None
    return float(m.utilities(r.x).sum() - d.sum())


def test_tiny_frontier(tiny: Scenario) -> None:
    """The PX end is tiny's joint optimum worked out by hand (test_optimizer_tiny): PX = 100·9 280/15 560,
    with every utility fixed, Σ U = 100·PX − 4 350; gains are measured against the rule-based silo."""
    d = silo_plan(build_allocation_model(tiny)).utilities()
    fr = frontier(tiny, points=7)
    _check(fr, PX_JOINT, 100 * PX_JOINT - 4_350 - d.sum(), _max_total_gain(tiny, d))
    assert len(fr.points) + fr.removed == 7
    for p in fr.points:  # every point is a full, feasible plan
        assert p.plan.model.violation(p.plan.x) < 1e-6
        assert p.plan.px == pytest.approx(p.px)


def test_tiny_frontier_for_one_partner(tiny: Scenario) -> None:
    fr = frontier(tiny, points=5, partner="gov")
    gains = [p.gain for p in fr.points]
    assert gains == sorted(gains) and len(gains) >= 2
    # the payer's best plan: it gains from PX (value 100 per point) but pays fees; its gain is its own
    # utility minus its silo utility, read back from the plan
    last = fr.points[-1].plan.partners().loc["gov"]
    assert last["gain"] == pytest.approx(gains[-1], rel=1e-9)


def test_ray_and_in_process_agree(tiny: Scenario, ray_cluster) -> None:  # type: ignore[no-untyped-def]
    a = frontier(tiny, points=5)
    b = frontier(tiny, points=5, executor=RayExecutor())
    assert b.executor == "ray"
    np.testing.assert_allclose([p.px for p in a.points], [p.px for p in b.points], rtol=1e-9)
    np.testing.assert_allclose([p.gain for p in a.points], [p.gain for p in b.points], rtol=1e-7)


def test_frontier_cli(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["frontier", "tiny", "--points", "4", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["measure"] == "total gain of the partners" and len(payload["points"]) >= 2
    out = tmp_path / "fr"
    result = runner.invoke(app, ["frontier", "tiny", "--points", "3", "--partner", "gov", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "frontier.csv").exists() and (out / "point-00-administrations.parquet").exists()


@pytest.mark.slow
def test_belgium_frontier_ends(belgium: Scenario) -> None:
    """The PX end against the joint plan solved through OR-Tools' model builder (not the frontier's
    HiGHS workspace): a second implementation of max PX, then max Σ U with PX held. The oracles are solved
    on belgium with its interchangeable sites merged (PX, Σ U and the silo's total are the full model's:
    test_aggregate, benchmarks/reduction.py), a fifth of the program."""
    reduction = reduce_sites(belgium)
    assert reduction is not None
    small = reduction.reduced
    model = build_allocation_model(small)
    silo = silo_plan(model)
    assert silo.utilities().sum() == pytest.approx(silo_plan(build_allocation_model(belgium)).utilities().sum())
    joint = joint_plan(model, silo=silo)
    d = silo.utilities()
    fr = frontier(belgium, points=3)
    _check(fr, joint.px, float(joint.partners()["gain"].sum()), _max_total_gain(small, d))
