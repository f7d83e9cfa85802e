"""Patient cohorts (priority group × region): waiting, vaccination, cancellations, travel, satisfaction.

A cohort's people are willing (``population × acceptance``, moved by confidence shocks), vaccinated (first
dose given) or waiting (eligible, willing, not yet vaccinated). Satisfaction is NPS-style: every person
vaccinated answers once. After a wait of w periods from eligibility, a share ``max(0, 1 − w/patience)``
are promoters and ``clip(w/patience − 1, 0, 1)`` detractors, the rest passive (a mean journey over
``TRAVEL_LIMIT`` minutes makes the promoters passive); every cancelled appointment makes a detractor.
NPS = 100 · (promoters − detractors) / answers.
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
        self.detractors = 0.0
        self.answers = 0.0
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

    @property
    def nps(self) -> float:
        return 100.0 * (self.promoters - self.detractors) / self.answers if self.answers > 0 else 0.0

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
        self.detractors += given * detractor + cancelled
        self.answers += given + cancelled
