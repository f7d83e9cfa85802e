"""The persistent workspace: retiring columns keeps every answer while the solver's program shrinks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from support import perfect

from winwin.data import Scenario
from winwin.models import SimulationSettings
from winwin.models.ecosystem import EcosystemModel
from winwin.optimizer.concepts import Negotiation
from winwin.optimizer.lp.solvers import Problem
from winwin.optimizer.lp.workspace import Workspace

INF = np.inf


def three_columns() -> Workspace:
    """max 2·x1 + 4·x2 + 3·x3  s.t.  r0: x1 + x2 ≤ 4,  r1: x2 + x3 ≤ 5,  r2: x1 ≤ 3,  0 ≤ x ≤ 10."""
    A = sp.csr_matrix(np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [1.0, 0.0, 0.0]]))
    p = Problem(np.zeros(3), A, np.full(3, -INF), np.array([4.0, 5.0, 3.0]), np.zeros(3), np.full(3, 10.0),
                np.zeros(3, dtype=bool))  # fmt: skip
    return Workspace(p)


C = np.array([2.0, 4.0, 3.0])


def test_retired_columns_move_into_the_row_bounds() -> None:
    """Worked by hand: x1 = 3 is retired; r0 reads x2 ≤ 1, r2 has no column left and is dropped."""
    ws = three_columns()
    sol = ws.solve(C)
    assert sol.ok and sol.x is not None
    np.testing.assert_allclose(sol.x, [3.0, 1.0, 4.0], atol=1e-9)  # 6 + 4 + 12 = 22 (duals 1, 3, 1: unique)
    ws.retire(np.array([0]), np.array([3.0]))
    assert ws.retired == 1 and ws.h.getNumCol() == 2 and ws.h.getNumRow() == 2
    sol = ws.solve(C)
    assert sol.ok and sol.x is not None and sol.duals is not None
    np.testing.assert_allclose(sol.x, [3.0, 1.0, 4.0], atol=1e-9)
    assert sol.objective == pytest.approx(22.0)
    # r0's bound is given as before (over every column): x1 + x2 ≤ 6 leaves x2 ≤ 3
    ws.set_row_bounds(np.array([0]), -INF, 6.0)
    assert ws.row_bounds_key(np.array([0]))[1] == pytest.approx(6.0)
    sol = ws.solve(C)
    assert sol.x is not None and sol.duals is not None
    np.testing.assert_allclose(sol.x, [3.0, 3.0, 2.0], atol=1e-9)  # 6 + 12 + 6 = 24
    # duals of the objective as solved (scaled to a largest coefficient of 1: here C / 4); r2 dropped: 0
    np.testing.assert_allclose(sol.duals * 4.0, [1.0, 3.0, 0.0], atol=1e-9)
    ws.set_col_bounds(np.array([0]), 0.0, 0.0)  # a retired column keeps its value
    ws.set_row_bounds(np.array([2]), -INF, 0.0)  # a dropped row stays dropped
    assert ws.solve(C).objective == pytest.approx(24.0)


def test_rows_added_after_a_retirement_count_the_retired_value() -> None:
    ws = three_columns()
    ws.set_row_bounds(np.array([0]), -INF, 6.0)
    ws.retire(np.array([0]), np.array([3.0]))
    mark = ws.mark()
    ws.add_rows(sp.csr_matrix(np.array([[1.0, 0.0, 1.0]])), -INF, 4.0)  # x1 + x3 ≤ 4: x3 ≤ 1
    sol = ws.solve(C)
    assert sol.x is not None
    np.testing.assert_allclose(sol.x, [3.0, 3.0, 1.0], atol=1e-9)  # 6 + 12 + 3 = 21
    ws.rollback(mark)
    assert ws.solve(C).objective == pytest.approx(24.0)
    with pytest.raises(ValueError, match="dropped row"):
        ws.add_columns(np.zeros(1), np.ones(1), sp.csc_matrix(np.array([[0.0], [0.0], [1.0]])))


def test_retirement_matches_fixing_on_a_random_program() -> None:
    """Second backend: the same program with the columns only fixed by their bounds."""
    rng = np.random.default_rng(5)
    m, n = 30, 40
    A = sp.random(m, n, density=0.2, random_state=rng, format="csr") + sp.eye(m, n, format="csr")
    c = rng.uniform(-1, 2, n)
    p = Problem(np.zeros(n), A, np.full(m, -INF), rng.uniform(5, 10, m), np.zeros(n), np.full(n, 3.0),
                np.zeros(n, dtype=bool))  # fmt: skip
    retired, fixed = Workspace(p), Workspace(p)
    first = retired.solve(c)
    assert first.x is not None
    cols = np.arange(0, n, 3)
    retired.retire(cols, first.x[cols])
    fixed.set_col_bounds(cols, first.x[cols], first.x[cols])
    hi = rng.uniform(4, 12, m)
    for ws in (retired, fixed):
        ws.set_row_bounds(np.arange(m), -INF, hi)
    a, b = retired.solve(c), fixed.solve(c)
    assert a.ok and b.ok and a.objective == pytest.approx(b.objective, rel=1e-9)
    assert retired.h.getNumCol() == n - cols.size


def test_a_run_retires_its_past_and_still_realises_the_optimum(tiny: Scenario) -> None:
    """Perfect world, whole horizon planned: the central plan is followed, each executed period leaves the
    solver's program, and the realised PX is the optimizer's joint optimum (worked out without any
    retirement). The trajectory itself is not compared with a run that keeps its past: the programs
    differ, and on a degenerate program HiGHS may pick another optimal vertex."""
    sc = perfect(tiny)
    settings = SimulationSettings(mode="central", sharing="all", announce_noise=0.0, lookahead=sc.T)
    model = EcosystemModel(sc, settings, seed=2)
    try:
        planner = model.planner
        assert planner is not None
        columns = planner.ws.h.getNumCol()
        model.step()
        executed = int((planner.col_period == 0).sum())
        assert planner.ws.retired >= executed and planner.ws.h.getNumCol() <= columns - executed
        model.run()
        px = float(model.datacollector.get_model_vars_dataframe()["px"].iloc[-1])
    finally:
        model.release()
    assert px == pytest.approx(Negotiation(sc).joint().plan.px, rel=1e-7)
