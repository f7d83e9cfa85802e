"""Solver backends for one formulation: ``max/min c·x s.t. row_lb ≤ A·x ≤ row_ub, lb ≤ x ≤ ub``.

- ``ortools`` (default): OR-Tools model_builder filled straight from the sparse arrays; solvers
  ``highs`` (default), ``glop``, ``pdlp`` for LPs, ``scip``, ``highs`` or ``sat`` (CP-SAT, pure integer
  models only) for MIPs.
- ``pyomo``: the same matrices as a Pyomo model (one ``LinearExpression`` per row), solved by any Pyomo
  solver (``appsi_highs`` by default; ``cbc``, ``glpk``, ``gurobi``, ``cplex`` … when installed).

Every solve returns a :class:`SolveResult` with status, objective, bound, gap and time. Only a solver's
proof makes a result ``OPTIMAL``; a time limit with a plan is ``TIME_LIMIT`` and carries its gap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import scipy.sparse as sp

from winwin.data.errors import InputError, problem

BACKENDS = ("ortools", "pyomo")
IPM_FROM_VARIABLES = 5_000
"""HiGHS solves LPs at least this large by interior point plus crossover: the allocation LPs are highly
degenerate (many interchangeable sites), where dual simplex needs ~15× longer (belgium-2021: 279 s vs 11 s)."""
ORTOOLS_SOLVERS = ("highs", "glop", "pdlp", "scip", "sat")


class SolveStatus(StrEnum):
    OPTIMAL = "optimal"
    RULE_BASED = "rule_based"
    """Not an optimisation: a plan made by the partners' own rules (the silo status quo)."""
    TIME_LIMIT = "time_limit"
    """Stopped by the time limit with a feasible plan that is not proven optimal (see the gap)."""
    NO_SOLUTION = "no_solution"
    """Stopped (time limit or solver failure) before any feasible plan was found."""
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ERROR = "error"

    @property
    def has_plan(self) -> bool:
        return self in (SolveStatus.OPTIMAL, SolveStatus.TIME_LIMIT, SolveStatus.RULE_BASED)


@dataclass(frozen=True)
class Problem:
    """A linear or mixed-integer program in standard array form."""

    c: np.ndarray
    A: sp.csr_matrix
    row_lb: np.ndarray
    row_ub: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    integrality: np.ndarray
    maximize: bool = True

    @property
    def is_mip(self) -> bool:
        return bool(self.integrality.any())


@dataclass(frozen=True)
class SolveOptions:
    backend: str = "ortools"
    solver: str | None = None
    time_limit: float | None = None
    mip_gap: float = 1e-4

    def check(self) -> None:
        problems = []
        if self.backend not in BACKENDS:
            problems.append(problem("backend", f"must be one of {', '.join(BACKENDS)}", self.backend))
        if self.backend == "ortools" and self.solver is not None and self.solver not in ORTOOLS_SOLVERS:
            problems.append(problem("solver", f"OR-Tools solvers are {', '.join(ORTOOLS_SOLVERS)}", self.solver))
        if self.time_limit is not None and not self.time_limit > 0:
            problems.append(problem("time_limit", "must be > 0 seconds", self.time_limit))
        if not 0 <= self.mip_gap < 1:
            problems.append(problem("mip_gap", "must lie in [0, 1)", self.mip_gap))
        if problems:
            raise InputError(problems)


@dataclass(frozen=True)
class SolveResult:
    status: SolveStatus
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    backend: str
    solver: str
    message: str = ""
    extra: dict[str, float] = field(default_factory=dict)


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    if objective is None or bound is None or not np.isfinite(bound):
        return None
    return abs(bound - objective) / max(1.0, abs(objective))


def solve(problem_: Problem, options: SolveOptions) -> SolveResult:
    """Solve with the chosen backend."""
    options.check()
    if options.backend == "pyomo":
        return _solve_pyomo(problem_, options)
    return _solve_ortools(problem_, options)


# --------------------------------------------------------------------------- highspy
def quiet_highs():  # type: ignore[no-untyped-def]  # -> highspy.Highs
    """A ``highspy.Highs`` that prints nothing: HiGHS writes its banner to file descriptor 1 when the first
    instance of a process is made (before any option can be set), which would spoil ``--json`` output."""
    import os
    import sys

    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    return h


def highs_lp(c: np.ndarray, A_csc: sp.csc_matrix, p: Problem):  # type: ignore[no-untyped-def]  # -> highspy.HighsLp
    """The problem's matrices as a ``highspy.HighsLp`` (minimisation of ``c``), infinities mapped."""
    import highspy

    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = A_csc.shape[1], A_csc.shape[0]
    lp.col_cost_ = c
    lp.col_lower_ = np.where(np.isfinite(p.lb), p.lb, -inf)
    lp.col_upper_ = np.where(np.isfinite(p.ub), p.ub, inf)
    lp.row_lower_ = np.where(np.isfinite(p.row_lb), p.row_lb, -inf)
    lp.row_upper_ = np.where(np.isfinite(p.row_ub), p.row_ub, inf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A_csc.indptr
    lp.a_matrix_.index_ = A_csc.indices
    lp.a_matrix_.value_ = A_csc.data
    return lp


# --------------------------------------------------------------------------- OR-Tools
def _ortools_parameters(p: Problem, solver_name: str, options: SolveOptions) -> str:
    """Solver-specific parameters in each solver's own syntax (HiGHS: one ``name=value`` per line)."""
    if solver_name == "highs":
        lines = ["output_flag=false"]  # HiGHS would print its banner on stdout and spoil --json
        if p.is_mip:
            lines.append(f"mip_rel_gap={options.mip_gap}")
        elif p.c.size > IPM_FROM_VARIABLES:
            lines.append("solver=ipm")
        return "\n".join(lines)
    if solver_name == "scip" and p.is_mip:
        return f"limits/gap = {options.mip_gap}"
    if solver_name == "sat" and p.is_mip:
        return f"relative_gap_limit:{options.mip_gap}"
    return ""


def _solve_ortools(p: Problem, options: SolveOptions) -> SolveResult:
    from ortools.linear_solver.python import model_builder_helper as mbh

    solver_name = options.solver or ("scip" if p.is_mip else "highs")
    start = time.perf_counter()
    model = mbh.ModelBuilderHelper()
    model.fill_model_from_sparse_data(p.lb, p.ub, p.c, p.row_lb, p.row_ub, p.A)  # type: ignore[arg-type]
    model.set_maximize(p.maximize)
    for j in np.nonzero(p.integrality)[0]:  # binaries only: a handful of columns
        model.set_var_integrality(int(j), True)
    solver = mbh.ModelSolverHelper(solver_name)
    if not solver.solver_is_supported():
        raise InputError([problem("solver", "not available in this OR-Tools build", solver_name)])
    if options.time_limit is not None:
        solver.set_time_limit_in_seconds(options.time_limit)
    params = _ortools_parameters(p, solver_name, options)
    if params:
        solver.set_solver_specific_parameters(params)
    solver.solve(model)
    seconds = time.perf_counter() - start
    raw = solver.status()
    S = mbh.SolveStatus
    has_solution = solver.has_solution()
    x = np.asarray(solver.variable_values()) if has_solution else None
    objective = solver.objective_value() if has_solution else None
    bound = solver.best_objective_bound() if has_solution else None
    if raw == S.OPTIMAL:
        status = SolveStatus.OPTIMAL
        # an LP optimum is its own bound; a MIP is proven within the requested gap, its bound beside it
        proven = p.is_mip and bound is not None and np.isfinite(bound)
        bound = bound if proven else objective
    elif raw == S.FEASIBLE and has_solution:
        status = SolveStatus.TIME_LIMIT
    elif raw == S.INFEASIBLE:
        status = SolveStatus.INFEASIBLE
    elif raw == S.UNBOUNDED:
        status = SolveStatus.UNBOUNDED
    elif options.time_limit is not None and seconds >= 0.95 * options.time_limit:
        # stopped by the clock (HiGHS's MIP then answers UNKNOWN_STATUS): the best plan found, if any
        status = SolveStatus.TIME_LIMIT if has_solution else SolveStatus.NO_SOLUTION
    elif raw == S.NOT_SOLVED:
        status = SolveStatus.NO_SOLUTION
    else:
        status = SolveStatus.ERROR
    return SolveResult(
        status,
        x,
        objective,
        bound,
        relative_gap(objective, bound),
        seconds,
        "ortools",
        solver_name,
        message=f"{raw.name}: {solver.status_string()}".strip(": "),
    )


# --------------------------------------------------------------------------- Pyomo
def pyomo_model(p: Problem):  # type: ignore[no-untyped-def]  # returns pyomo ConcreteModel
    """The problem as a Pyomo model: one variable list and one ``LinearExpression`` per row."""
    import pyomo.environ as pyo
    from pyomo.core.expr.numeric_expr import LinearExpression

    m = pyo.ConcreteModel()
    n = p.c.size
    m.I = pyo.RangeSet(0, n - 1)
    lb = [None if not np.isfinite(v) else float(v) for v in p.lb]
    ub = [None if not np.isfinite(v) else float(v) for v in p.ub]
    m.x = pyo.Var(
        m.I,
        bounds=lambda _m, i: (lb[i], ub[i]),
        domain=lambda _m, i: (
            pyo.Binary
            if p.integrality[i] and lb[i] == 0 and ub[i] == 1
            else (pyo.Integers if p.integrality[i] else pyo.Reals)
        ),
    )
    xs = [m.x[i] for i in range(n)]
    A = p.A.tocsr()
    m.rows = pyo.ConstraintList()
    for i in range(A.shape[0]):
        lo, hi = A.indptr[i], A.indptr[i + 1]
        expr = LinearExpression(
            constant=0.0, linear_coefs=A.data[lo:hi].tolist(), linear_vars=[xs[j] for j in A.indices[lo:hi]]
        )
        rlo = float(p.row_lb[i]) if np.isfinite(p.row_lb[i]) else None
        rhi = float(p.row_ub[i]) if np.isfinite(p.row_ub[i]) else None
        if rlo is None and rhi is None:
            continue
        m.rows.add((rlo, expr, rhi) if rlo != rhi else expr == rlo)
    nz = np.nonzero(p.c)[0]
    m.obj = pyo.Objective(
        expr=LinearExpression(constant=0.0, linear_coefs=p.c[nz].tolist(), linear_vars=[xs[j] for j in nz]),
        sense=pyo.maximize if p.maximize else pyo.minimize,
    )
    return m


def _solve_pyomo(p: Problem, options: SolveOptions) -> SolveResult:
    import pyomo.environ as pyo
    from pyomo.opt import TerminationCondition as TC

    solver_name = options.solver or "appsi_highs"
    start = time.perf_counter()
    m = pyomo_model(p)
    opt = pyo.SolverFactory(solver_name)
    if opt is None or not opt.available(exception_flag=False):
        raise InputError([problem("solver", "this Pyomo solver is not installed", solver_name)])
    kwargs: dict[str, object] = {"load_solutions": False}
    if solver_name.startswith("appsi_"):
        if options.time_limit is not None:
            opt.config.time_limit = options.time_limit
        opt.config.mip_gap = options.mip_gap
        if solver_name == "appsi_highs" and not p.is_mip and p.c.size > IPM_FROM_VARIABLES:
            opt.highs_options = {"solver": "ipm"}
    elif options.time_limit is not None:
        kwargs["timelimit"] = options.time_limit
    results = opt.solve(m, **kwargs)
    seconds = time.perf_counter() - start
    tc = results.solver.termination_condition
    has_solution = len(results.solution) > 0 if hasattr(results, "solution") else False
    x = None
    objective = None
    if has_solution and tc in (TC.optimal, TC.maxTimeLimit, TC.feasible, TC.maxIterations, TC.locallyOptimal):
        m.solutions.load_from(results)
        x = np.array([pyo.value(m.x[i], exception=False) or 0.0 for i in range(p.c.size)])
        objective = float(p.c @ x)
    bound = None
    problem_info = getattr(results, "problem", None)
    if problem_info is not None and x is not None:
        b = problem_info.upper_bound if p.maximize else problem_info.lower_bound
        bound = float(b) if b is not None and np.isfinite(float(b)) else None
    if tc == TC.optimal and x is not None:
        status = SolveStatus.OPTIMAL
        bound = objective if not p.is_mip or bound is None else bound
    elif tc in (TC.maxTimeLimit, TC.maxIterations, TC.feasible) and x is not None:
        status = SolveStatus.TIME_LIMIT
    elif tc in (TC.infeasible, TC.infeasibleOrUnbounded):
        status = SolveStatus.INFEASIBLE  # every variable of the allocation models is bounded by its rows
    elif tc == TC.unbounded:
        status = SolveStatus.UNBOUNDED
    elif tc in (TC.maxTimeLimit, TC.maxIterations):
        status = SolveStatus.NO_SOLUTION
    else:
        status = SolveStatus.ERROR
    return SolveResult(
        status, x, objective, bound, relative_gap(objective, bound), seconds, "pyomo", solver_name, message=str(tc)
    )
