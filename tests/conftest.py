"""Shared fixtures: the bundled scenarios as documents, a CLI runner, one Ray cluster (helpers: support.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from winwin.data import load, resolve


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
def tiny_clones(tiny_doc: dict[str, Any]):  # type: ignore[no-untyped-def]
    """tiny with a half-size clone of s_north and clones of s_pharma at 2× and 0.25×: three sites merge into
    two classes (support.clone)."""
    from support import clone, scenario

    doc = clone(tiny_doc, "s_north", "s_north_b", 0.5)
    doc = clone(doc, "s_pharma", "s_pharma_b", 2.0)
    return scenario(clone(doc, "s_pharma", "s_pharma_c", 0.25))


@pytest.fixture(scope="session")
def belgium():  # type: ignore[no-untyped-def]
    return load("belgium-2021")


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def ray_cluster():  # type: ignore[no-untyped-def]
    """One local Ray cluster for the whole test session (2 CPUs, no dashboard)."""
    import ray

    if not ray.is_initialized():
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()
