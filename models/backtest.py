"""Backtest: a simulated campaign against an observed coverage series (issue 21).

The observed file is CSV with columns ``date,measure,value``: ``first_dose_pct`` and ``full_pct`` are shares
of the whole population in % (``population_total``, children included), ``first_dose_pct:GROUP`` and
``full_pct:GROUP`` shares of one group's population. Every problem of the file (a missing column, an
unknown measure or group, a date that is not a date or lies outside the horizon, a value that is not a
number) is reported at once with its row (the file's line number) and column.

Time: day 0 is the horizon's start; the simulated coverage after period t is reached on day
``L·(t + 1)`` (L = 7 for weekly periods) and is linear within a period, from 0 on day 0. For each observed
point (day d, value v) and each seed:

- **error** = simulated(d) − v, in points;
- **lag** = the day the simulation first reaches v, minus d (positive: the simulation is late); ``None``
  when it never reaches v within the horizon;

and per measure the **RMSE** of the errors of the seeds' mean series. The seeds' spread is the least and
the largest simulated value and lag at each point.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from winwin.data import Scenario
from winwin.data.errors import InputError, Problem, problem
from winwin.models.patients import PERIOD_DAYS
from winwin.models.run import simulate_run
from winwin.models.settings import SimulationSettings

COLUMNS = ("date", "measure", "value")
MEASURES = ("first_dose_pct", "full_pct")


@dataclass(frozen=True)
class Observed:
    """The observed series: one row per point, ``date``, ``day`` (from the horizon's start), ``measure``,
    ``value``."""

    points: pd.DataFrame


def read_observed(path: str | Path, scenario: Scenario) -> Observed:
    """Read and check an observed file against ``scenario`` (module docstring); every problem at once."""
    path = Path(path)
    if not path.is_file():
        raise InputError([problem("--observed", "no such file", str(path))])
    start, days = _calendar(scenario)
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header = [c.strip() for c in (reader.fieldnames or [])]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise InputError(
                [problem(f"{path.name}: header", f"missing column {c!r}", ",".join(header)) for c in missing]
            )
        groups = set(scenario.groups.ids)
        problems: list[Problem] = []
        rows = []
        for line, raw in enumerate(reader, start=2):
            row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
            at = f"{path.name}: row {line}"
            measure, bad = row["measure"], False
            base, _, group = measure.partition(":")
            if base not in MEASURES:
                problems.append(
                    problem(f"{at}, column measure", f"unknown measure; known: {', '.join(MEASURES)}[:GROUP]", measure)
                )
                bad = True
            elif group and group not in groups:
                problems.append(
                    problem(
                        f"{at}, column measure", f"unknown group; the scenario's: {', '.join(sorted(groups))}", group
                    )
                )
                bad = True
            try:
                when = date.fromisoformat(row["date"])
                day = (when - start).days
                if not 0 <= day <= days:
                    end = start + timedelta(days=days)
                    problems.append(problem(f"{at}, column date", f"outside the horizon {start} – {end}", row["date"]))
                    bad = True
            except ValueError:
                problems.append(problem(f"{at}, column date", "not a date (YYYY-MM-DD)", row["date"]))
                bad = True
            try:
                value = float(row["value"])
                if not math.isfinite(value) or not 0 <= value <= 100:
                    problems.append(problem(f"{at}, column value", "must be a share in % (0–100)", row["value"]))
                    bad = True
            except ValueError:
                problems.append(problem(f"{at}, column value", "not a number", row["value"]))
                bad = True
            if not bad:
                rows.append({"date": when, "day": day, "measure": measure, "value": value})
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError([problem(f"{path.name}", "no observations", 0)])
    return Observed(pd.DataFrame(rows).sort_values(["measure", "day"], kind="stable").reset_index(drop=True))


def _calendar(scenario: Scenario) -> tuple[date, int]:
    start = scenario.spec.horizon.start
    if start is None:
        raise InputError([problem("horizon.start", "a backtest needs the calendar date of period 0", None)])
    return start, int(PERIOD_DAYS[scenario.spec.horizon.period_length] * scenario.T)


def value_at(days: np.ndarray, values: np.ndarray, day: float) -> float:
    """The piecewise-linear series through ``(days, values)`` at ``day``."""
    return float(np.interp(day, days, values))


def day_reached(days: np.ndarray, values: np.ndarray, target: float) -> float | None:
    """The first day the non-decreasing piecewise-linear series reaches ``target`` (None: never)."""
    above = np.nonzero(values >= target - 1e-12)[0]
    if above.size == 0:
        return None
    i = int(above[0])
    if i == 0:
        return float(days[0])
    d0, d1, v0, v1 = days[i - 1], days[i], values[i - 1], values[i]
    return float(d0 + (d1 - d0) * (target - v0) / (v1 - v0))


def series_days(scenario: Scenario, periods: int) -> np.ndarray:
    """Day 0 and the last day of each period (the simulated series' abscissae)."""
    return PERIOD_DAYS[scenario.spec.horizon.period_length] * np.arange(periods + 1, dtype=float)


@dataclass
class BacktestResult:
    """Simulated against observed, per measure and point; ``series[seed]`` the simulated coverage."""

    scenario: str
    mode: str
    seeds: list[int]
    points: pd.DataFrame
    """One row per observed point: date, measure, observed, simulated (seeds' mean, min, max), error, lag (mean,
    min, max; NaN when a seed never reaches the observed value)."""
    rmse: dict[str, float]
    series: dict[int, pd.DataFrame] = field(repr=False)
    start: date | None = None
    """The calendar date of period 0."""
    period_days: float = 7.0

    def to_dict(self) -> dict[str, Any]:
        measures: dict[str, Any] = {}
        for measure, rows in self.points.groupby("measure", sort=False):
            measures[str(measure)] = {
                "rmse": self.rmse[str(measure)],
                "points": [
                    {
                        "date": str(r["date"]),
                        "observed": r["observed"],
                        "simulated": r["simulated"],
                        "simulated_min": r["simulated_min"],
                        "simulated_max": r["simulated_max"],
                        "error": r["error"],
                        "lag_days": _none(r["lag_days"]),
                        "lag_min": _none(r["lag_min"]),
                        "lag_max": _none(r["lag_max"]),
                        "not_reached": int(r["not_reached"]),
                    }
                    for r in rows.to_dict("records")
                ],
            }
        return {
            "scenario": self.scenario,
            "mode": self.mode,
            "seeds": self.seeds,
            "start": str(self.start) if self.start else None,
            "period_days": self.period_days,
            "measures": measures,
        }


def _none(v: float) -> float | None:
    return None if not np.isfinite(v) else float(v)


def compare_series(
    observed: Observed, days: np.ndarray, series: dict[int, pd.DataFrame]
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Points and RMSE per measure of simulated ``series[seed]`` (coverage per period) against ``observed``."""
    rows = []
    for p in observed.points.to_dict("records"):
        sims, lags = [], []
        for frame in series.values():
            values = np.concatenate([[0.0], frame[p["measure"]].to_numpy()])
            sims.append(value_at(days, values, float(p["day"])))
            reached = day_reached(days, values, float(p["value"]))
            lags.append(np.nan if reached is None else reached - float(p["day"]))
        lag = np.array(lags)
        known = lag[np.isfinite(lag)]
        rows.append(
            {
                "date": p["date"],
                "measure": p["measure"],
                "observed": float(p["value"]),
                "simulated": float(np.mean(sims)),
                "simulated_min": float(np.min(sims)),
                "simulated_max": float(np.max(sims)),
                "error": float(np.mean(sims)) - float(p["value"]),
                "lag_days": float(known.mean()) if known.size == lag.size else np.nan,
                "lag_min": float(known.min()) if known.size else np.nan,
                "lag_max": float(known.max()) if known.size == lag.size else np.nan,
                "not_reached": int(lag.size - known.size),
            }
        )
    points = pd.DataFrame(rows)
    rmse = {str(m): float(np.sqrt((g["error"] ** 2).mean())) for m, g in points.groupby("measure", sort=False)}
    return points, rmse


def backtest(
    scenario: Scenario, observed: Observed, settings: SimulationSettings | None = None, seeds: int = 1
) -> BacktestResult:
    """Simulate ``seeds`` runs (seeds 0…n−1) and compare their coverage with ``observed``."""
    settings = settings or SimulationSettings(mode="silo")
    runs = {seed: simulate_run(scenario, settings, seed) for seed in range(seeds)}
    series = {seed: r.extra["coverage_series"] for seed, r in runs.items()}
    periods = len(next(iter(series.values())))
    points, rmse = compare_series(observed, series_days(scenario, periods), series)
    return BacktestResult(
        scenario.spec.name,
        settings.mode,
        list(range(seeds)),
        points,
        rmse,
        series,
        scenario.spec.horizon.start,
        PERIOD_DAYS[scenario.spec.horizon.period_length],
    )


def write_backtest(result: BacktestResult, out_dir: Path) -> list[Path]:
    """``backtest.json`` (the ``--json`` payload), ``points.csv`` and ``series.csv`` (every seed's simulated
    coverage per period, with its last day) under ``out_dir``; ``winwin report --results`` reads them."""
    import json

    out_dir.mkdir(parents=True, exist_ok=True)
    payload = out_dir / "backtest.json"
    payload.write_text(json.dumps(result.to_dict(), indent=2), encoding="utf-8")
    points = out_dir / "points.csv"
    result.points.to_csv(points, index=False)
    frames = []
    for seed, frame in result.series.items():
        f = frame.reset_index()
        f.insert(0, "seed", seed)
        frames.append(f)
    series = out_dir / "series.csv"
    pd.concat(frames).to_csv(series, index=False)
    return [payload, points, series]
