"""Analysis of a sweep's results (DESIGN §9).

Per governance mode: PX and total gain (mean, p5, p50, p95), each partner's gain, the **win-win rate**
(share of its scenarios where every partner is at least as well off as in the silo), and the **regret**
against the best mode of each scenario (a scenario is a point × replication; regret = best PX − PX).

Drivers (scenario discovery): for each mode whose win-win rate lies strictly between 0 and 1, PRIM
(Friedman & Fisher's patient rule induction) peels the parameter space, 5 % of the remaining cases at a
time, towards the scenarios that lose win-win; the box reported is the densest one that still covers at
least half of those cases. Its restrictions are ranked by how much the density drops when each is
lifted. Categorical parameters are peeled a value at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

PEEL = 0.05
MIN_SUPPORT = 0.05
MIN_COVERAGE = 0.5
QUANTILES = {"mean": None, "p5": 0.05, "p50": 0.5, "p95": 0.95}


def describe(values: pd.Series) -> dict[str, float]:
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty:
        return {k: float("nan") for k in QUANTILES}
    return {k: float(v.mean()) if q is None else float(v.quantile(q)) for k, q in QUANTILES.items()}


def win_win_rates(analysis: dict[str, Any]) -> dict[str, float]:
    """The win-win rates of the modes measured against the silo, from :func:`analyze`'s document: silo
    itself (100 % by definition) and modes without a finished run are left out."""
    from winwin.optimizer.rolling.planner import PLANNED_MODES  # the analysis itself stays light to import

    return {m: v["win_win_rate"] for m, v in analysis["modes"].items() if m in PLANNED_MODES and "win_win_rate" in v}


def parameter_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if c.startswith("p:")]


def analyze(df: pd.DataFrame) -> dict[str, Any]:
    """The ``winwin analyze --json`` document of a results table."""
    ok = df[df["status"] == "ok"].copy()
    out: dict[str, Any] = {
        "experiments": len(df),
        "failed": int((df["status"] != "ok").sum()),
        "modes": {},
        "drivers": [],
    }
    if ok.empty:
        return out
    ok["win_win"] = ok["win_win"].astype(bool)
    best = ok.groupby(["point", "replication"])["px"].transform("max")
    ok["regret"] = best - ok["px"]
    gains = [c for c in ok.columns if c.startswith("gain:")]
    modes = list(dict.fromkeys(df["mode"]))
    for mode in modes:
        rows = ok[ok["mode"] == mode]
        failed = int(((df["mode"] == mode) & (df["status"] != "ok")).sum())
        if rows.empty:
            out["modes"][mode] = {"experiments": 0, "failed": failed}
            continue
        out["modes"][mode] = {
            "experiments": len(rows),
            "failed": failed,
            "px": describe(rows["px"]),
            "total_gain": describe(rows["total_gain"]),
            "gains": {c.split(":", 1)[1]: describe(rows[c]) for c in gains},
            "win_win_rate": float(rows["win_win"].mean()),
            "regret": {
                **describe(rows["regret"]),
                "max": float(rows["regret"].max()),
                "best_share": float((rows["regret"] <= 1e-9).mean()),
            },
            "cancellations": describe(rows["cancellations"]),
            **{
                k: describe(rows[k])
                for k in ("cancellations_per_1000", "second_doses_on_time")
                if k in rows  # results folders written before these columns existed
            },
            "nps": describe(rows["nps"]),
        }
    params = parameter_columns(ok)
    if params:
        for mode in modes:
            rows = ok[ok["mode"] == mode]
            lost = ~rows["win_win"].to_numpy()
            if 0 < lost.sum() < len(rows):
                box = prim(rows[params], lost)
                if box is not None:
                    out["drivers"].append({"mode": mode, **box.as_dict()})
    return out


@dataclass(frozen=True)
class Box:
    """A PRIM box: per parameter, an interval or a set of values."""

    limits: dict[str, Any]
    coverage: float
    """Share of the cases of interest inside the box."""
    density: float
    """Share of the box's scenarios that are cases of interest."""
    base_rate: float
    cases: int
    scenarios: int
    ranking: list[tuple[str, float]]
    """Restricted parameters by the density lost when their restriction is lifted."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "scenarios": self.scenarios,
            "base_rate": self.base_rate,
            "coverage": self.coverage,
            "density": self.density,
            "box": {k[2:] if k.startswith("p:") else k: v for k, v in self.limits.items()},
            "parameters": [
                {"parameter": k[2:] if k.startswith("p:") else k, "density_drop": d} for k, d in self.ranking
            ],
        }


def _numeric(s: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(s)) and not pd.api.types.is_bool_dtype(s)


def _inside(X: pd.DataFrame, limits: dict[str, Any]) -> np.ndarray:
    keep = np.ones(len(X), dtype=bool)
    for col, lim in limits.items():
        v = X[col]
        keep &= (v >= lim[0]).to_numpy() & (v <= lim[1]).to_numpy() if _numeric(v) else v.isin(lim).to_numpy()
    return keep


def prim(X: pd.DataFrame, y: np.ndarray) -> Box | None:
    """The PRIM box of ``y`` (cases of interest) over parameters ``X`` (see the module docstring)."""
    X = X.reset_index(drop=True)
    y = np.asarray(y, dtype=bool)
    n, cases = len(y), int(y.sum())
    if cases == 0 or cases == n:
        return None
    full: dict[str, Any] = {
        c: (float(X[c].min()), float(X[c].max())) if _numeric(X[c]) else sorted(X[c].astype(str).unique())
        for c in X.columns
    }
    Xs = X.copy()
    for c in X.columns:
        if not _numeric(X[c]):
            Xs[c] = X[c].astype(str)
    limits = dict(full)
    inside = np.ones(n, dtype=bool)
    trajectory = [(dict(limits), inside.copy())]
    while inside.sum() > max(MIN_SUPPORT * n, 1):
        best: tuple[float, dict[str, Any], np.ndarray] | None = None
        for c in X.columns:
            v = Xs[c][inside]
            candidates: list[Any] = []
            if _numeric(Xs[c]):
                lo, hi = v.quantile(PEEL), v.quantile(1 - PEEL)
                candidates = [(lo, limits[c][1]), (limits[c][0], hi)]
            else:
                values = list(limits[c])
                if len(values) > 1:
                    candidates = [[x for x in values if x != drop] for drop in values]
            for cand in candidates:
                trial = {**limits, c: cand}
                keep = _inside(Xs, trial)
                if keep.sum() == inside.sum() or keep.sum() < MIN_SUPPORT * n or keep.sum() == 0:
                    continue
                density = float(y[keep].mean())
                if best is None or density > best[0]:
                    best = (density, trial, keep)
        if best is None or best[0] <= float(y[inside].mean()):
            break
        limits, inside = best[1], best[2]
        trajectory.append((dict(limits), inside.copy()))
    eligible = [(lim, box) for lim, box in trajectory if y[box].sum() / cases >= MIN_COVERAGE]
    lim, box = max(eligible, key=lambda t: float(y[t[1]].mean()))
    density = float(y[box].mean())
    restricted = {c: lim[c] for c in X.columns if lim[c] != full[c]}
    ranking = []
    for c in restricted:
        lifted = _inside(Xs, {**restricted, c: full[c]})
        ranking.append((c, density - float(y[lifted].mean())))
    ranking.sort(key=lambda t: -t[1])
    return Box(restricted, float(y[box].sum() / cases), density, cases / n, cases, n, ranking)
