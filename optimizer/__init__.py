"""The mathematics (DESIGN §4–7), in rooms that import one way:
``lp → allocation → games → concepts → scheduling → rolling`` (and ``parallel``, the executors, below them all).

- :mod:`winwin.optimizer.lp`: linear programs, solver backends, the HiGHS workspace;
- :mod:`winwin.optimizer.allocation`: the allocation model, plans, the joint optimum, the silo baseline;
- :mod:`winwin.optimizer.games`: TU games and a scenario's coalition values;
- :mod:`winwin.optimizer.concepts`: bargaining, the negotiation, certificates, compare, the frontier, ``plan``;
- :mod:`winwin.optimizer.scheduling`: CP-SAT site weeks and campaigns;
- :mod:`winwin.optimizer.rolling`: the simulation's rolling-horizon planner.
"""

from winwin.optimizer.allocation import AllocationModel, Plan, build_allocation_model, silo_plan
from winwin.optimizer.concepts import CONCEPTS, plan
from winwin.optimizer.lp import SolveOptions, SolveResult, SolveStatus

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
