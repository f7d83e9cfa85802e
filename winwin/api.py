"""The Python API: what a notebook user calls. Later issues add plan, compare, simulate, sweep."""

from __future__ import annotations

from pathlib import Path

from data import Scenario
from data import load as _load


def load(name_or_path: str | Path | Scenario) -> Scenario:
    """A validated scenario from a bundled name (``"tiny"``, ``"belgium-2021"``) or a YAML/JSON path.

    Raises :class:`data.ScenarioError` listing every problem when the file is not valid.
    """
    if isinstance(name_or_path, Scenario):
        return name_or_path
    return _load(name_or_path)
