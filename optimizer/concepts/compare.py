"""The deal sheet: every requested concept on one scenario and one built model (DESIGN §5)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from winwin.data import Scenario
from winwin.data.errors import InputError, problem
from winwin.optimizer.concepts.certificate import certify
from winwin.optimizer.concepts.negotiation import CONCEPTS, SHAPLEY_MAX_PARTNERS, Negotiation, Outcome


@dataclass
class Comparison:
    """The deal sheet: every requested concept on one scenario."""

    scenario: Scenario
    outcomes: dict[str, Outcome]
    epsilon: float
    transfers: str
    setup_seconds: float = 0.0
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def winwin(self) -> Outcome | None:
        return self.outcomes.get("winwin")

    def to_dict(self) -> dict[str, Any]:
        ww = self.winwin
        return {
            "scenario": self.scenario.name,
            "epsilon": self.epsilon,
            "transfers": self.transfers,
            "concepts": {name: o.to_dict() for name, o in self.outcomes.items()}
            | ({ROBUST_WINWIN: self.extra[ROBUST_WINWIN]} if ROBUST_WINWIN in self.extra else {}),
            "price_of_win_win": ww.price.as_dict() if ww is not None and ww.price is not None else None,
            "seconds": self.seconds,
            "model": self.extra.get("model", {"model": "full"}),
        }


ROBUST_WINWIN = "robust_winwin"
"""The robust win-win plan over sampled futures (:mod:`winwin.optimizer.robust`): asked by name only (it
solves K copies of the model and judges them out of sample), answered beside the deal sheet."""


def parse_concepts(text: str | None) -> list[str] | None:
    """``"nash,egalitarian"`` → the list (``None`` or ``"all"``: every concept the scenario allows;
    ``robust_winwin`` only when named)."""
    if text is None or text.strip() == "all":
        return None
    names = [c.strip() for c in text.split(",") if c.strip()]
    allowed = (*CONCEPTS, ROBUST_WINWIN)
    bad = [c for c in names if c not in allowed]
    if bad or not names:
        raise InputError([problem("concepts", f"choose from {', '.join(allowed)} (comma-separated)", text)])
    return names


def robust_entry(payload: dict[str, Any]) -> dict[str, Any]:
    """The deal sheet's ``robust_winwin`` entry from a robust report's ``to_dict()``."""
    entry: dict[str, Any] = {
        "status": payload["status"],
        "futures": payload["futures"],
        "cvar_beta": payload["cvar_beta"],
        "seed": payload["seed"],
        "objective": payload["objective"],
        "px": payload["in_sample"].get("px"),
        "win_win_in_sample": payload["in_sample"].get("whole_share"),
    }
    if payload.get("note"):
        entry["note"] = payload["note"]
    oos = payload.get("out_of_sample")
    if oos:
        r, d = oos["robust_winwin"], oos["deterministic_winwin"]
        entry |= {
            "test_futures": oos["test_futures"],
            "win_win_probability": r["whole_share"],
            "deterministic_win_win_probability": d["whole_share"],
            "appointments_kept": r["appointments_kept"],
            "deterministic_appointments_kept": d["appointments_kept"],
            "px_out_of_sample": r["px"]["mean"],
            "deterministic_px_out_of_sample": d["px"]["mean"],
        }
    return entry


def default_concepts(scenario: Scenario) -> list[str]:
    """Every concept; ``shapley`` only for ecosystems of at most SHAPLEY_MAX_PARTNERS partners."""
    small = len(scenario.partners) <= SHAPLEY_MAX_PARTNERS
    return [c for c in CONCEPTS if c != "shapley" or small]


def compare(
    scenario: Scenario,
    concepts: list[str] | None = None,
    *,
    epsilon: float = 0.01,
    transfers: str = "scenario",
    time_limit: float | None = None,
    reservations: dict[str, float] | None = None,
    negotiation: Negotiation | None = None,
) -> Comparison:
    """Every requested concept on one model (``silo`` and ``joint`` are always cheap; splits need winwin)."""
    if not 0 <= epsilon < 1:
        raise InputError([problem("epsilon", "must lie in [0, 1)", epsilon)])
    names = concepts or default_concepts(scenario)
    if "shapley" in names and len(scenario.partners) > SHAPLEY_MAX_PARTNERS:
        raise InputError(
            [
                problem(
                    "concepts",
                    f"the shapley split needs every coalition of partners (≤ {SHAPLEY_MAX_PARTNERS}); "
                    "group partners into players (the coalition game by role) instead",
                    len(scenario.partners),
                )
            ]
        )
    start = time.perf_counter()
    neg = negotiation or Negotiation(scenario, transfers=transfers, time_limit=time_limit, reservations=reservations)
    outcomes: dict[str, Outcome] = {}
    for name in names:
        if name == "silo":
            outcomes[name] = Outcome("silo", neg.silo, certify(neg.silo, neg.cap), note="the status quo (rule-based)")
        elif name == "joint":
            outcomes[name] = neg.joint()
        elif name == "winwin":
            outcomes[name] = neg.winwin_outcome()
        else:
            outcomes[name] = neg.split(name, epsilon)
    return Comparison(scenario, outcomes, epsilon, neg.layout.mode, neg.setup_seconds, time.perf_counter() - start)
