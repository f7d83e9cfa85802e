"""Plans: the typed result of every concept, its KPIs, utilities and tidy tables (write-back step).

A :class:`Plan` holds the solution vector in the model's layout, so PX, KPIs and utilities are computed
by the same code for optimised and rule-based (silo) plans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from winwin.data import Scenario
from winwin.optimizer.allocation.model import AllocationModel, waiting_weights
from winwin.optimizer.lp.linear import VarBlock
from winwin.optimizer.lp.solvers import SolveResult, SolveStatus

_DIM_LABELS = {
    "lane": None,  # lanes are shown as from/to
    "product": "products",
    "node": "nodes",
    "site": "sites",
    "group": "groups",
    "region": "regions",
    "volunteer": "volunteers",
}


@dataclass
class Plan:
    """An allocation over the horizon with its solve report, KPIs and per-partner utilities."""

    scenario: Scenario
    concept: str
    model: AllocationModel
    solve: SolveResult
    x: np.ndarray | None
    disagreement: np.ndarray | None = None
    """Each partner's utility in the silo plan (its disagreement point), when known."""
    utility_adjust: np.ndarray | None = None
    """Corrections to the linear utilities (silo: fees of missed second doses)."""
    transfers: np.ndarray | None = None
    """Side payments received (negative: paid) between partners; they sum to zero."""
    subsidy: np.ndarray | None = None
    """Outside money received (the price of win-win, when a concept needed it)."""
    px_adjust: float = 0.0
    """PX taken back from the linear form (silo: the courses its missed second doses left incomplete)."""
    diagnosis: list[str] = field(default_factory=list)
    extra_kpis: dict[str, float] = field(default_factory=dict)
    reduction: dict[str, Any] = field(default_factory=dict)
    """Which model was solved: ``{"model": "full"}``, or the reduced model's size and its check at full
    resolution (:mod:`winwin.optimizer.allocation.aggregate`)."""

    # ------------------------------------------------------------------ status
    @property
    def status(self) -> SolveStatus:
        return self.solve.status

    @property
    def has_plan(self) -> bool:
        return self.x is not None and self.status.has_plan

    def solution(self) -> np.ndarray:
        """The solution vector in the model's layout; a plan without one raises :class:`ValueError`."""
        if self.x is None:
            raise ValueError(f"the {self.concept} plan has no solution (status {self.status.value})")
        return self.x

    # ------------------------------------------------------------------ headline numbers
    @property
    def px(self) -> float:
        return float(self.model.px @ self.solution()) + self.px_adjust

    def utilities(self) -> np.ndarray:
        u = self.model.utilities(self.solution())
        if self.utility_adjust is not None:
            u = u + self.utility_adjust
        if self.transfers is not None:
            u = u + self.transfers
        if self.subsidy is not None:
            u = u + self.subsidy
        return u

    def partners(self) -> pd.DataFrame:
        """One row per partner: role, utility, disagreement (silo) utility, gain, transfer received."""
        sc = self.scenario
        u = self.utilities()
        d = self.disagreement if self.disagreement is not None else np.full(len(u), np.nan)
        t = self.transfers if self.transfers is not None else np.zeros(len(u))
        return pd.DataFrame(
            {
                "role": [sc.role_of(p) for p in sc.partners.ids],
                "utility": u,
                "disagreement": d,
                "gain": u - d,
                "transfer": t,
            },
            index=pd.Index(sc.partners.ids, name="partner"),
        )

    # ------------------------------------------------------------------ tidy tables
    def _frame(self, name: str, value: str) -> pd.DataFrame:
        block: VarBlock = self.model.lp.var_blocks[name]
        coords = block.coords()
        vals = self.solution()[block.columns()]
        keep = np.abs(vals) > 1e-9
        sc = self.scenario
        cols: dict[str, Any] = {}
        for dim, c in zip(block.dims, coords, strict=True):
            c = c[keep]
            if dim == "period":
                cols[dim] = c
            elif dim == "pair":
                cols["site"] = np.asarray(sc.sites.ids, dtype=object)[sc.pair_site[c]]
                cols["region"] = np.asarray(sc.regions.ids, dtype=object)[sc.pair_region[c]]
            elif dim == "lane":
                cols["from"] = np.array([sc.lanes[i].source for i in c], dtype=object)
                cols["to"] = np.array([sc.lanes[i].target for i in c], dtype=object)
            else:
                labels = getattr(sc, str(_DIM_LABELS[dim]))
                cols[dim] = np.asarray(labels.ids, dtype=object)[c]
        cols[value] = vals[keep]
        return pd.DataFrame(cols)

    def shipments(self) -> pd.DataFrame:
        """Doses shipped: from, to, product, period (of departure), doses."""
        df = self._frame("ship", "doses")
        lead = {(ln.source, ln.target): ln.lead_time for ln in self.scenario.lanes}
        df["arrival"] = df["period"] + [lead[(a, b)] for a, b in zip(df["from"], df["to"], strict=True)]
        return df

    def inventory(self) -> pd.DataFrame:
        return self._frame("inv", "doses")

    def administrations(self) -> pd.DataFrame:
        """First doses (courses started): site × group × region × product × period."""
        return self._frame("adm", "doses")[["site", "group", "region", "product", "period", "doses"]]

    def waste(self) -> pd.DataFrame:
        return self._frame("waste", "doses")

    def volunteer_hours(self) -> pd.DataFrame:
        return self._frame("vol", "hours")

    def coverage(self) -> pd.DataFrame:
        """Share of each group's willing population that started a course, cumulated by period."""
        sc = self.scenario
        adm = self.model.lp.var_blocks["adm"].dense(self.solution())  # [pair, g, k, t]
        by_gt = adm.sum(axis=(0, 2)).cumsum(axis=1)
        willing = sc.willing.sum(axis=1)
        cov = np.divide(by_gt, willing[:, None], out=np.zeros_like(by_gt), where=willing[:, None] > 0)
        return pd.DataFrame(
            cov, index=pd.Index(sc.groups.ids, name="group"), columns=pd.Index(range(sc.T), name="period")
        )

    # ------------------------------------------------------------------ KPIs
    def kpis(self) -> dict[str, Any]:
        sc, x = self.scenario, self.solution()
        blocks = self.model.lp.var_blocks
        adm = blocks["adm"].dense(x)  # [pair, g, k, t]
        first = adm.sum()
        by_g = adm.sum(axis=(0, 2, 3))
        by_gt = adm.sum(axis=(0, 2))
        willing_g = sc.willing.sum(axis=1)
        # second doses inside the horizon (booked interval periods after the first)
        k_ax = adm.sum(axis=(0, 1))  # [k, t]
        t = np.arange(sc.T)
        second = float(k_ax[(sc.interval > 0) & (t[None, :] + sc.interval < sc.T)].sum())
        second -= float(self.extra_kpis.get("second_doses_missed", 0.0))
        e = sc.eligible_from
        waited = (by_gt * (t[None, :] - e[:, None])).sum()
        left = np.maximum(sc.willing.sum(axis=1) - by_g, 0.0)
        waited += (left * (sc.T - e)).sum()
        travel = float(adm.sum(axis=(1, 2, 3)) @ sc.pair_travel)
        inv = blocks["inv"].dense(x)
        destroyed = float((sc.destruction[:, :, 1:] * inv[:, :, :-1]).sum())
        R, W0 = waiting_weights(sc)
        saved = float((by_gt * R).sum())
        out: dict[str, Any] = {
            "px": self.px,
            "waiting": W0 - saved,
            "waiting_without_plan": W0,
            "first_doses": float(first),
            "second_doses": float(second),
            "doses_administered": float(first + second),
            "doses_wasted": float(blocks["waste"].dense(x).sum() + destroyed),
            "coverage": {
                g: float(by_g[i] / willing_g[i]) if willing_g[i] > 0 else 0.0 for i, g in enumerate(sc.groups.ids)
            },
            "coverage_total": float(first / willing_g.sum()) if willing_g.sum() > 0 else 0.0,
            "mean_wait_periods": float(waited / willing_g.sum()) if willing_g.sum() > 0 else 0.0,
            "travel_minutes": travel,
            "mean_travel_minutes": float(travel / first) if first > 0 else 0.0,
            "payer_spend": float(self.model.payments @ x),
        }
        out.update({k: v for k, v in self.extra_kpis.items()})
        return out

    # ------------------------------------------------------------------ output
    def to_dict(self) -> dict[str, Any]:
        """The ``winwin plan --json`` payload."""
        s = self.solve
        payload: dict[str, Any] = {
            "scenario": self.scenario.name,
            "concept": self.concept,
            "status": self.status.value,
            "objective": s.objective,
            "px": self.px if self.has_plan else None,
            "kpis": self.kpis() if self.has_plan else {},
            "partners": {},
            "solve": {
                "backend": s.backend,
                "solver": s.solver,
                "seconds": s.seconds,
                "gap": s.gap,
                "bound": s.bound,
                "build_seconds": self.model.build_seconds,
                "message": s.message,
            },
            "model": self.reduction or {"model": "full"},
        }
        if self.has_plan:
            for pid, row in self.partners().iterrows():
                payload["partners"][pid] = {
                    "role": row["role"],
                    "utility": float(row["utility"]),
                    "disagreement": None if np.isnan(row["disagreement"]) else float(row["disagreement"]),
                    "gain": None if np.isnan(row["gain"]) else float(row["gain"]),
                    "transfer": float(row["transfer"]),
                }
        if self.diagnosis:
            payload["diagnosis"] = self.diagnosis
        return payload

    def write(self, out_dir: Path) -> list[Path]:
        """Write the plan tables as Parquet and CSV into ``out_dir``; return the files written."""
        out_dir.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        tables = {
            "shipments": self.shipments(),
            "inventory": self.inventory(),
            "administrations": self.administrations(),
            "waste": self.waste(),
            "volunteer_hours": self.volunteer_hours(),
            "partners": self.partners().reset_index(),
            "coverage": self.coverage().reset_index(),
        }
        for name, df in tables.items():
            df.columns = [str(c) for c in df.columns]
            for suffix, writer in (("parquet", df.to_parquet), ("csv", df.to_csv)):
                path = out_dir / f"{self.concept}-{name}.{suffix}"
                writer(path, index=False)
                written.append(path)
        return written
