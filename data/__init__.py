"""The ecosystem as data: scenario schema, safe loading, cross-reference checks, bundled scenarios.

>>> from data import load
>>> load("tiny").counts()["sites"]
3
"""

from data.errors import InputError, Problem, ScenarioError
from data.loader import bundled_names, from_model, json_schema, load, parse, resolve
from data.scenario import Labels, Scenario
from data.schema import ScenarioModel
from data.synthetic import synthetic, synthetic_document

__all__ = [
    "InputError",
    "Labels",
    "Problem",
    "Scenario",
    "ScenarioError",
    "ScenarioModel",
    "bundled_names",
    "from_model",
    "json_schema",
    "load",
    "parse",
    "resolve",
    "synthetic",
    "synthetic_document",
]
