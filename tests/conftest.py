"""Shared fixtures: the bundled scenarios as documents, and a CLI runner."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from data import load, resolve


@pytest.fixture(scope="session")
def tiny_doc() -> dict[str, Any]:
    """The bundled tiny scenario as a plain document (deep-copy before mutating)."""
    return yaml.safe_load(resolve("tiny").read_text())


@pytest.fixture()
def tiny_copy(tiny_doc: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(tiny_doc)


@pytest.fixture(scope="session")
def tiny():  # type: ignore[no-untyped-def]
    return load("tiny")


@pytest.fixture(scope="session")
def belgium():  # type: ignore[no-untyped-def]
    return load("belgium-2021")


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def write_yaml(tmp_path: Path, doc: Any, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


ALL_EVENTS: list[dict[str, Any]] = [
    {"kind": "supply_cut", "partner": "m_beta", "start": 1, "end": 2, "factor": 0.5},
    {"kind": "capacity_loss", "partner": "s_north", "start": 4, "factor": 0.25},
    {"kind": "variant_surge", "groups": ["adults"], "start": 3, "factor": 2},
    {"kind": "confidence_shock", "product": "alpha", "start": 5, "factor": 0.6},
    {"kind": "batch_destruction", "partner": "dist", "product": "beta", "start": 2, "fraction": 0.1},
]
"""One event of every kind, on tiny."""


@pytest.fixture(scope="session")
def ray_cluster():  # type: ignore[no-untyped-def]
    """One local Ray cluster for the whole test session (2 CPUs, no dashboard)."""
    import ray

    if not ray.is_initialized():
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()
