"""winwin — win-win allocation among the partners of a healthcare ecosystem.

>>> import winwin
>>> scenario = winwin.load("tiny")
"""

from winwin.api import (
    analyze,
    bargain,
    coalitions,
    compare,
    data_value,
    frontier,
    load,
    plan,
    report,
    schedule,
    simulate,
    sweep,
)
from winwin.data import GameError, InputError, Problem, Scenario, ScenarioError, SolverError, WinwinError, synthetic
from winwin.optimizer import Plan, SolveStatus

__all__ = [
    "GameError",
    "InputError",
    "Plan",
    "Problem",
    "Scenario",
    "ScenarioError",
    "SolveStatus",
    "SolverError",
    "WinwinError",
    "analyze",
    "bargain",
    "coalitions",
    "compare",
    "data_value",
    "frontier",
    "load",
    "plan",
    "report",
    "schedule",
    "simulate",
    "sweep",
    "synthetic",
]
__version__ = "0.1.0"
