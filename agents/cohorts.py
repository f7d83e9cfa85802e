"""Patient cohorts (priority group × region): waiting, vaccination, cancellations, travel, satisfaction.

A cohort's people are willing (``population × acceptance``, moved by confidence shocks), vaccinated (first
dose given) or waiting (eligible, willing, not yet vaccinated). Satisfaction is NPS-style and every willing
eligible person answers, once (issue 19: before, only the vaccinated answered, so a campaign that left
people waiting scored as well as one that did not, and a cancellation was a second answer):

- a person vaccinated after a wait of w periods from eligibility is a promoter with share
  ``max(0, 1 − w/patience)`` and a detractor with share ``clip(w/patience − 1, 0, 1)``, the rest passive (a
  mean journey over ``TRAVEL_LIMIT`` minutes makes the promoters passive);
- a person still waiting after w periods answers by the same rule with no promoter share;
- a person whose appointment was cancelled is a detractor (at most once: ``cancelled`` people move from
  promoter or passive to detractor, never beyond the cohort's answers).

NPS = 100 · (promoters − detractors) / answers. ``patience`` (4 weeks by default) is an assumption.
"""

from __future__ import annotations

import mesa
import numpy as np

TRAVEL_LIMIT = 30.0
"""Minutes of travel above which a vaccinated person is no promoter."""


class PatientCohort(mesa.Agent):
    """The people of one priority group living in one region."""

    role = "cohort"

    def __init__(
        self,
        model: mesa.Model,
        group: str,
        region: str,
        population: float,
        willing: float,
        eligible_from: int,
        patience: float,
    ) -> None:
        super().__init__(model)
        self.pid = f"{group}@{region}"
        self.group, self.region = group, region
        self.population = population
        self.base_willing = willing
        self.willing = willing
        self.eligible_from = eligible_from
        self.patience = patience
        self.vaccinated = 0.0
        self.cancellations = 0.0
        self.promoters = 0.0
        """Promoters among the vaccinated (as they answered when vaccinated)."""
        self.detractors = 0.0
        """Detractors among the vaccinated."""
        self.travel_minutes = 0.0
        """Total minutes travelled by the people vaccinated."""
        self.wait_periods = 0.0
        """Total periods waited from eligibility to the first dose by the people vaccinated."""

    @property
    def waiting(self) -> float:
        return max(self.willing - self.vaccinated, 0.0) if self.model.period >= self.eligible_from else 0.0

    @property
    def coverage(self) -> float:
        return self.vaccinated / self.population if self.population > 0 else 0.0

    def score(self) -> tuple[float, float, float]:
        """``(promoters, detractors, answers)`` now: the vaccinated as they answered, the people still
        waiting by their wait so far, cancellations as detractors (never more than the answers)."""
        waiting = self.waiting
        wait = max(self.model.period - self.eligible_from, 0) if waiting > 0 else 0
        answers = self.vaccinated + waiting
        detractors = self.detractors + waiting * float(np.clip(wait / self.patience - 1.0, 0.0, 1.0))
        moved = min(self.cancellations, max(answers - detractors, 0.0))
        promoters = max(self.promoters - moved, 0.0)
        return promoters, detractors + moved, answers

    @property
    def nps(self) -> float:
        promoters, detractors, answers = self.score()
        return 100.0 * (promoters - detractors) / answers if answers > 0 else 0.0

    def update(self, period: int, given: float, cancelled: float, travel: float, confidence: float) -> None:
        """One period: ``given`` first doses, ``cancelled`` appointments, ``travel`` mean minutes of the doses
        given, ``confidence`` the multiplier on acceptance after shocks."""
        self.willing = max(self.base_willing * confidence, self.vaccinated + given)
        wait = max(period - self.eligible_from, 0)
        promoter = float(np.clip(1.0 - wait / self.patience, 0.0, 1.0)) if travel <= TRAVEL_LIMIT else 0.0
        detractor = float(np.clip(wait / self.patience - 1.0, 0.0, 1.0))
        self.vaccinated += given
        self.travel_minutes += given * travel
        self.wait_periods += given * wait
        self.cancellations += cancelled
        self.promoters += given * promoter
        self.detractors += given * detractor
