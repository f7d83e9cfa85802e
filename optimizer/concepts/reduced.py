"""The deal sheet on the model with interchangeable sites merged, answered at full resolution (issue 20).

With free transfers (``any``) every concept is exact on the reduced model
(:mod:`winwin.optimizer.allocation.aggregate`): PX, Σ utilities and the individual-rationality rows —
which with free transfers say only ``Σ_p U_p ≥ Σ_p d_p`` — read the members' columns summed, so the class
row gets the members' disagreement utilities summed and the reduced optimum is the full one. The side
payments are then settled on the full partners, as the full negotiation settles them
(:func:`~winwin.optimizer.concepts.negotiation.free_transfers`): the win-win plan makes every member whole,
a split divides the same surplus among the full partners by the same concept.

Every lifted plan is checked on the full model's rows and bounds, its PX recomputed there, and its
certificate computed per full partner. Without free transfers, or for the ``shapley`` split (a game of
the full partners), :func:`reduced_compare` returns None with the reason and the caller solves the full
model.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from winwin.data import Scenario
from winwin.optimizer.allocation.aggregate import Reduction, reduce_sites, relative_violation
from winwin.optimizer.allocation.joint import LIFT_TOLERANCE
from winwin.optimizer.allocation.model import AllocationModel, build_allocation_model
from winwin.optimizer.allocation.result import Plan
from winwin.optimizer.allocation.silo import silo_plan
from winwin.optimizer.concepts.certificate import certify
from winwin.optimizer.concepts.compare import Comparison, compare, default_concepts
from winwin.optimizer.concepts.negotiation import Negotiation, Outcome, PriceOfWinWin, TransferLayout, free_transfers


def reduced_compare(
    scenario: Scenario,
    names: list[str],
    *,
    epsilon: float = 0.01,
    transfers: str = "scenario",
    time_limit: float | None = None,
    reservations: dict[str, float] | None = None,
) -> tuple[Comparison | None, dict[str, Any]]:
    """The deal sheet solved on the reduced model and lifted to every partner, with the model's report;
    None (and the report's ``fallback``) when the reduced model would not be exact or a check fails."""
    start = time.perf_counter()
    reduction = reduce_sites(scenario)
    if reduction is None:
        return None, {"model": "full"}
    if TransferLayout.of(scenario, transfers).mode != "any":
        return None, {"model": "full", "fallback": "without free transfers a partner's row is not its class's"}
    if "shapley" in names:
        return None, {"model": "full", "fallback": "the shapley split is a game of the full partners"}
    if any(pid not in scenario.partners.ids or not np.isfinite(v) for pid, v in (reservations or {}).items()):
        return None, {"model": "full"}  # the full negotiation names the bad reservation
    full = build_allocation_model(scenario)
    silo = silo_plan(full)
    assert silo.disagreement is not None
    d = silo.disagreement.copy()
    for pid, value in (reservations or {}).items():
        d[scenario.partners.pos(pid)] = value
    pos, _share = reduction.partner_map()
    small_d = np.bincount(pos, weights=d, minlength=len(reduction.reduced.partners))
    small_sc = reduction.reduced
    neg = Negotiation(
        small_sc,
        transfers=transfers,
        time_limit=time_limit,
        reservations=dict(zip(small_sc.partners.ids, map(float, small_d), strict=True)),
    )
    small = compare(small_sc, names, epsilon=epsilon, transfers=transfers, negotiation=neg)
    info: dict[str, Any] = reduction.report(full, neg.model)
    lift = _Lift(scenario, reduction, full, neg.model, d)
    outcomes: dict[str, Outcome] = {}
    worst = 0.0
    for name, outcome in small.outcomes.items():
        if name == "silo":
            outcomes[name] = replace(outcome, plan=silo, certificate=certify(silo, neg.cap))
            continue
        lifted, violation = lift.outcome(outcome, neg.cap)
        worst = max(worst, violation)
        if lifted is None:
            return None, info | {"model": "full", "fallback": f"{name}: the lifted plan fails the full model"}
        outcomes[name] = lifted
    info["violation"] = worst
    for o in outcomes.values():
        o.plan.reduction = info
    seconds = time.perf_counter() - start
    return Comparison(scenario, outcomes, epsilon, small.transfers, small.setup_seconds, seconds, {"model": info}), info


class _Lift:
    """Reduced outcomes as full ones (module docstring)."""

    def __init__(
        self, sc: Scenario, reduction: Reduction, full: AllocationModel, small: AllocationModel, d: np.ndarray
    ) -> None:
        self.sc, self.reduction, self.full, self.small, self.d = sc, reduction, full, small, d
        self.cols, self.share = reduction.column_map(full, small)
        self.partner, self.partner_share = reduction.partner_map()
        self.weights = np.array([p.bargaining_power for p in sc.spec.partners])

    def outcome(self, outcome: Outcome, cap: float) -> tuple[Outcome | None, float]:
        """The full outcome and the lifted plan's violation of the full rows (None when a check fails)."""
        small = outcome.plan
        if not small.has_plan:
            plan = Plan(self.sc, small.concept, self.full, small.solve, None, disagreement=self.d)
            return replace(outcome, plan=plan, price=self._price(outcome.price)), 0.0
        y = small.solution()
        x = y[self.cols] * self.share
        violation = relative_violation(self.full, x)
        px, px_small = float(self.full.px @ x), float(self.small.px @ y)
        if violation > LIFT_TOLERANCE or abs(px - px_small) > 1e-9 * max(1.0, abs(px)):
            return None, violation
        subsidy = None if small.subsidy is None else small.subsidy[self.partner] * self.partner_share
        h = self.full.utilities(x) - self.d + (0.0 if subsidy is None else subsidy)
        solve = replace(small.solve, x=x, objective=px)
        plan = Plan(self.sc, small.concept, self.full, solve, x, disagreement=self.d, subsidy=subsidy)
        plan.transfers = free_transfers(small.concept, h, tuple(self.sc.partners.ids), self.weights)
        certificate = certify(plan, cap) if outcome.certificate is not None else None
        return replace(outcome, plan=plan, certificate=certificate, price=self._price(outcome.price)), violation

    def _price(self, price: PriceOfWinWin | None) -> PriceOfWinWin | None:
        """The price of win-win with a class's recipients shown as its members (by their shares)."""
        if price is None:
            return None
        ids, small_ids = self.sc.partners.ids, self.reduction.reduced.partners.ids
        recipients: dict[str, float] = {}
        blocking: dict[str, float] = {}
        for p, pid in enumerate(ids):
            head = small_ids[self.partner[p]]
            if head in price.recipients:
                recipients[pid] = price.recipients[head] * float(self.partner_share[p])
            if head in price.blocking:
                blocking[pid] = price.blocking[head]
        return replace(price, recipients=recipients, blocking=blocking)


def deal_sheet(
    scenario: Scenario,
    names: list[str] | None = None,
    *,
    epsilon: float = 0.01,
    transfers: str = "scenario",
    time_limit: float | None = None,
    reservations: dict[str, float] | None = None,
    exact: bool = False,
) -> Comparison:
    """:func:`~winwin.optimizer.concepts.compare.compare` on the reduced model where that is exact (unless
    ``exact``), else on the full one; ``extra["model"]`` says which ran and why."""
    info: dict[str, Any] = {"model": "full"}
    if not exact:
        chosen = names or default_concepts(scenario)
        if 0 <= epsilon < 1:  # else the full compare names the bad value
            comparison, info = reduced_compare(
                scenario, chosen, epsilon=epsilon, transfers=transfers, time_limit=time_limit,
                reservations=reservations,
            )  # fmt: skip
            if comparison is not None:
                return comparison
    comparison = compare(
        scenario, names, epsilon=epsilon, transfers=transfers, time_limit=time_limit, reservations=reservations
    )
    comparison.extra["model"] = info
    for o in comparison.outcomes.values():
        o.plan.reduction = info
    return comparison
