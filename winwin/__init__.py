"""winwin — win-win allocation among the partners of a healthcare ecosystem.

>>> import winwin
>>> scenario = winwin.load("tiny")
"""

from data import InputError, Problem, Scenario, ScenarioError, synthetic
from winwin.api import load

__all__ = ["InputError", "Problem", "Scenario", "ScenarioError", "load", "synthetic"]
__version__ = "0.1.0"
