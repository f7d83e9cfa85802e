"""winwin — win-win allocation among the partners of a healthcare ecosystem.

>>> import winwin
>>> scenario = winwin.load("tiny")
"""

from winwin.api import analyze, bargain, coalitions, compare, frontier, load, plan, schedule, simulate, sweep
from winwin.data import InputError, Problem, Scenario, ScenarioError, synthetic
from winwin.optimizer import Plan, SolveStatus

__all__ = [
    "InputError",
    "Plan",
    "Problem",
    "Scenario",
    "ScenarioError",
    "SolveStatus",
    "analyze",
    "bargain",
    "coalitions",
    "compare",
    "frontier",
    "load",
    "plan",
    "schedule",
    "simulate",
    "sweep",
    "synthetic",
]
__version__ = "0.1.0"
