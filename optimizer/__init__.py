"""The mathematics: the allocation model, the silo baseline, solver backends and diagnosis (DESIGN §4–5).

Build, solve and write back are separate steps (:mod:`optimizer.model`, :mod:`optimizer.solvers`,
:mod:`optimizer.plan`) joined by the thin functions of :mod:`optimizer.planning`.
"""

from optimizer.model import AllocationModel, build_allocation_model
from optimizer.plan import Plan
from optimizer.planning import CONCEPTS, plan, silo_plan
from optimizer.solvers import SolveOptions, SolveResult, SolveStatus

__all__ = [
    "CONCEPTS",
    "AllocationModel",
    "Plan",
    "SolveOptions",
    "SolveResult",
    "SolveStatus",
    "build_allocation_model",
    "plan",
    "silo_plan",
]
