"""The win-win certificate and its tolerance: one test for the concepts, the coordinator and the simulation.

A plan is win-win when every partner's gain (utility + transfer + subsidy − disagreement utility) is at
least −tol, the transfers sum to zero within tol and the outside money stays within the cap, with

    tol = CERTIFICATE_TOLERANCE · max(1, max_p |d_p|)

relative because solver tolerances are relative (belgium-2021's payer has d ≈ 1e9: tol ≈ 1,200 EUR).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from winwin.optimizer.allocation.result import Plan

CERTIFICATE_TOLERANCE = 1e-6
"""A gain counts as ≥ 0 when ≥ −1e-6 × the largest disagreement utility (solver tolerances are relative)."""


def tolerance(disagreement: np.ndarray) -> float:
    """The least loss that counts: :data:`CERTIFICATE_TOLERANCE` × max(1, max |d|) (round-off is no loss)."""
    return CERTIFICATE_TOLERANCE * max(1.0, float(np.abs(np.asarray(disagreement, dtype=float)).max(initial=0.0)))


@dataclass(frozen=True)
class Certificate:
    """The win-win certificate, checked on the returned numbers."""

    holds: bool
    least_gain: float
    transfers_sum: float
    subsidy: float
    tolerance: float
    losers: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "holds": self.holds,
            "least_gain": self.least_gain,
            "transfers_sum": self.transfers_sum,
            "subsidy": self.subsidy,
            "tolerance": self.tolerance,
            "losers": list(self.losers),
        }


def certify(plan: Plan, subsidy_cap: float = 0.0) -> Certificate:
    """Each partner's gain ≥ −tolerance, transfers sum to zero, outside money within the cap."""
    table = plan.partners()
    subsidy = float(plan.subsidy.sum()) if plan.subsidy is not None else 0.0
    return check(
        table["gain"].to_numpy(),
        table["disagreement"].to_numpy(),
        float(table["transfer"].sum()),
        subsidy,
        subsidy_cap,
        tuple(table.index),
    )


def check(
    gains: np.ndarray,
    disagreement: np.ndarray,
    transfers_sum: float = 0.0,
    subsidy: float = 0.0,
    subsidy_cap: float = 0.0,
    partners: tuple[str, ...] | None = None,
) -> Certificate:
    """The certificate of raw numbers: ``gains`` and ``disagreement`` per partner (same order as
    ``partners``, named by position when absent)."""
    gains = np.asarray(gains, dtype=float)
    if gains.shape != np.shape(disagreement):
        raise ValueError(f"gains {gains.shape} and disagreement {np.shape(disagreement)} differ in shape")
    tol = tolerance(disagreement)
    names = partners if partners is not None else tuple(str(p) for p in range(gains.size))
    losers = tuple(names[p] for p in np.flatnonzero(gains < -tol))
    holds = not losers and abs(transfers_sum) <= tol and subsidy <= subsidy_cap + tol
    least = float(gains.min()) if gains.size else 0.0
    return Certificate(holds, least, float(transfers_sum), subsidy, tol, losers)


def make_whole(gains: np.ndarray) -> np.ndarray:
    """Free side payments that bring every partner with a negative gain to zero, paid by the partners with a
    positive gain in proportion to it: ``τ = need − spare · Σneed / Σspare`` (Σ τ = 0; every partner ends
    at least whole when Σ gains ≥ 0)."""
    need = np.maximum(-gains, 0.0)
    spare = np.maximum(gains, 0.0)
    return need - spare * (need.sum() / spare.sum() if spare.sum() > 0 else 0.0)


def fairness(gains: np.ndarray) -> float:
    """Jain's index of the gains clipped at 0: 1 when equal, 1/n when one partner takes everything."""
    g = np.maximum(np.asarray(gains, dtype=float), 0.0)
    denom = g.size * float(g @ g)
    return float(g.sum() ** 2 / denom) if denom > 0 else 1.0
