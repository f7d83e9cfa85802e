"""The ecosystem as data: scenario schema, safe loading, cross-reference checks, bundled scenarios.

>>> from winwin.data import load
>>> load("tiny").counts()["sites"]
3
"""

from winwin.data.errors import GameError, InputError, Problem, ScenarioError, SolverError, WinwinError
from winwin.data.loader import bundled_names, from_model, json_schema, load, parse, resolve
from winwin.data.scenario import Labels, Scenario
from winwin.data.schema import ScenarioModel
from winwin.data.synthetic import synthetic, synthetic_document

__all__ = [
    "GameError",
    "InputError",
    "Labels",
    "Problem",
    "Scenario",
    "ScenarioError",
    "ScenarioModel",
    "SolverError",
    "WinwinError",
    "bundled_names",
    "from_model",
    "json_schema",
    "load",
    "parse",
    "resolve",
    "synthetic",
    "synthetic_document",
]
