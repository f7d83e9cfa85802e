"""Linear programs as named blocks, solver backends (OR-Tools, Pyomo), the HiGHS workspace.

The lowest room of the optimizer: it knows nothing of vaccines or partners.
"""

from winwin.optimizer.lp.linear import LinearProgram, RowBlock, VarBlock
from winwin.optimizer.lp.solvers import BACKENDS, Problem, SolveOptions, SolveResult, SolveStatus, solve
from winwin.optimizer.lp.workspace import LpSolution, Workspace, lexicographic

__all__ = [
    "BACKENDS",
    "LinearProgram",
    "LpSolution",
    "Problem",
    "RowBlock",
    "SolveOptions",
    "SolveResult",
    "SolveStatus",
    "VarBlock",
    "Workspace",
    "lexicographic",
    "solve",
]
