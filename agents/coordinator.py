"""The coordinator: plans each window under the governance mode and negotiates it with the partners.

Negotiation (DESIGN §8, step 3): every partner compares its planned utility up to the window's end with its
reservation (silo utility over the same dates plus its aspiration). Partners who reject have their
individual rationality raised to their reservation and the window is planned again, for at most ``rounds``
rounds. A re-plan that needs outside money beyond the scenario's subsidy cap cannot honour the raise:
those partners, and any still unhappy after the last round, fall back to their silo rules (they leave the
deal; the others plan around them). Under ``central`` the plan is imposed: nobody may reject.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from winwin.agents.partners import PartnerAgent
from winwin.optimizer.concepts import certificate
from winwin.optimizer.rolling.planner import RollingPlanner, WindowPlan
from winwin.optimizer.rolling.reduced import ReducedPlanner


@dataclass(frozen=True)
class Negotiated:
    """The plan every partner signed (or had imposed), and how the negotiation went."""

    plan: WindowPlan
    rounds: int
    rejected: tuple[str, ...]
    """Partners who rejected a plan in some round (under ``central``: who objected to the imposed plan)."""
    fallback: tuple[str, ...]
    """Partners who left the deal and follow their silo rules."""
    win_win: bool
    """Every partner's planned gain ≥ −tolerance, transfers balanced, outside money within the cap."""


class CoordinatorAgent(mesa.Agent):
    """Plans the coming window with the governance mode (the model is built once, in the planner)."""

    role = "coordinator"

    def __init__(self, model: mesa.Model, planner: RollingPlanner | ReducedPlanner, mode: str, rounds: int) -> None:
        super().__init__(model)
        self.pid = "coordinator"
        self.planner = planner
        self.mode = mode
        self.rounds = rounds

    def tolerance(self, plan: WindowPlan) -> float:
        return certificate.tolerance(plan.disagreement)

    def negotiate(self, partners: list[PartnerAgent]) -> Negotiated:
        P = len(partners)
        raised = np.zeros(P)
        fallback: set[int] = set()
        rejected: list[str] = []
        cap = self.planner.sc.spec.money.subsidy_cap
        plan = self.planner.plan(self.mode)
        rounds = 0
        while self.mode != "central" and plan.has_plan:
            tol = self.tolerance(plan)
            unhappy = [
                a
                for a in partners
                if a.position not in fallback
                and not a.accepts(float(plan.utilities[a.position]), float(plan.disagreement[a.position]), tol)
            ]
            if not unhappy:
                break
            rejected += [a.pid for a in unhappy if a.pid not in rejected]
            if rounds >= self.rounds:
                fallback |= {a.position for a in unhappy}
                raised[[a.position for a in unhappy]] = 0.0
                plan = self.planner.plan(self.mode, raised, frozenset(fallback))
                break
            rounds += 1
            for a in unhappy:
                raised[a.position] = a.aspiration
            plan = self.planner.plan(self.mode, raised, frozenset(fallback))
            if plan.has_plan and float(plan.subsidy.sum()) > cap + self.tolerance(plan):
                # the raise costs outside money beyond the cap: those partners leave the deal
                fallback |= {a.position for a in unhappy}
                raised[[a.position for a in unhappy]] = 0.0
                plan = self.planner.plan(self.mode, raised, frozenset(fallback))
        win_win = False
        if plan.has_plan:
            tol = self.tolerance(plan)
            for a in partners:
                a.fallback = a.position in fallback
                a.accepted = not a.fallback and a.accepts(
                    float(plan.utilities[a.position]), float(plan.disagreement[a.position]), tol
                )
                if self.mode == "central" and not a.accepted:
                    rejected.append(a.pid)  # imposed all the same
            win_win = certificate.check(
                plan.gains, plan.disagreement, float(plan.transfers.sum()), float(plan.subsidy.sum()), cap
            ).holds
        ids = [a.pid for a in partners]
        return Negotiated(plan, rounds, tuple(rejected), tuple(ids[p] for p in sorted(fallback)), win_win)
