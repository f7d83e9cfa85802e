"""winwin — win-win allocation among the partners of a healthcare ecosystem.

>>> import winwin
>>> scenario = winwin.load("tiny")
"""

from data import InputError, Problem, Scenario, ScenarioError, synthetic
from optimizer import Plan, SolveStatus
from winwin.api import analyze, bargain, coalitions, compare, frontier, load, plan, schedule, simulate, sweep

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
