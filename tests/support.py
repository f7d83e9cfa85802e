"""Helpers shared by the tests (on sys.path through pytest's ``pythonpath``): files, scenarios, oracles."""

from __future__ import annotations

import copy
import importlib.util
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from winwin.data import Scenario, parse
from winwin.data.overrides import override
from winwin.optimizer.allocation.aggregate import SCALED

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
"""Screenshots and pages the browser tests leave behind."""
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""No background traffic of Chromium's own, so any request seen comes from the page."""


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's headless Chromium under Playwright (``make test`` installs it when missing)."""
    from playwright.sync_api import sync_playwright

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "Debian's chromium is needed for the browser tests: `make test` installs it"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


W0 = 15_560.0
"""tiny's weighted waiting without a plan, worked out by hand in test_optimizer_tiny's docstring."""
PX_JOINT = 100 * 9_280 / W0
"""tiny's joint PX, worked out by hand in test_optimizer_tiny's docstring."""


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


SMALL: dict[str, Any] = {
    "name": "small",
    "scenario": "tiny",
    "simulation": {"periods": 3, "lookahead": 2},
    "modes": ["silo", "winwin"],
    "replications": 2,
    "seed": 7,
    "sampling": {"method": "latin_hypercube", "samples": 2},
    "parameters": [
        {"path": "partners.m_beta.reliability.mean", "values": [0.6, 0.9]},
        {"path": "groups.adults.acceptance", "distribution": {"kind": "uniform", "low": 0.3, "high": 0.7}},
    ],
}
"""2 grid values × 2 samples × 2 replications × 2 modes = 16 experiments of about 0.05 s."""


def write_spec(tmp_path: Path, doc: dict[str, Any], name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def perfect(sc: Scenario) -> Scenario:
    """Every manufacturer delivers its promise exactly, no disruption, no event."""
    changes: dict[str, Any] = {"events": []}
    for p in sc.spec.partners:
        if p.role == "manufacturer":
            changes[f"partners.{p.id}.reliability"] = {"mean": 1.0, "sd": 0.0}
        if p.role == "distributor":
            changes[f"partners.{p.id}.disruption_rate"] = 0.0
    return override(sc, changes)


def benchmark_module(name: str) -> ModuleType:
    """A module of ``benchmarks/`` (not an installed package), loaded from its file."""
    spec = importlib.util.spec_from_file_location(f"benchmarks.{name}", ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def clone(doc: dict[str, Any], sid: str, new: str, scale: float, **changes: Any) -> dict[str, Any]:
    """``doc`` with a copy of site ``sid`` as ``new``: quantities × ``scale``, its lanes, service and events
    copied; ``changes`` set attributes of the copy (``lane_<key>``, ``travel`` and ``event`` are the copy's
    lane, service and event)."""
    doc = copy.deepcopy(doc)
    site = copy.deepcopy(next(p for p in doc["partners"] if p["id"] == sid))
    site["id"] = new
    for key in SCALED:
        if site.get(key) is not None:
            value = site[key]
            site[key] = [v * scale for v in value] if isinstance(value, list) else value * scale
    for key, value in changes.items():
        if not key.startswith(("lane_", "travel", "event")):
            site[key] = value
    doc["partners"].append(site)
    for lane in [lane for lane in doc["lanes"] if lane["to"] == sid]:
        copied = {**lane, "to": new}
        if lane.get("capacity") is not None:
            copied["capacity"] = lane["capacity"] * scale
        copied.update({k[5:]: v for k, v in changes.items() if k.startswith("lane_")})
        doc["lanes"].append(copied)
    for row in [r for r in doc["service"] if r["site"] == sid]:
        doc["service"].append({**row, "site": new, "travel_minutes": changes.get("travel", row["travel_minutes"])})
    for event in [e for e in doc.get("events", []) if e.get("partner") == sid]:
        doc["events"].append({**event, "partner": new})
    if "event" in changes:
        doc.setdefault("events", []).append({**changes["event"], "partner": new})
    return doc


def scenario(doc: dict[str, Any]) -> Scenario:
    return Scenario(parse(copy.deepcopy(doc)), "test")
