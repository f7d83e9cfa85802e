"""The coordinator's beliefs about deliveries, and the quantile it plans on (issue 19).

For each manufacturer the coordinator learns the ratio ``delivered / announced`` of the weeks so far with a
Normal–Inverse-Gamma conjugate model (unknown mean and variance; Murphy, "Conjugate Bayesian analysis of the
Gaussian distribution", 2007, §6): prior mean 1 (announcements are taken at their word), κ₀ = 2 weeks' worth
of confidence in it, α₀ = 3 and β₀ = (α₀ − 1)·0.1² (a prior sd of the ratio of 0.1; assumptions). The
predictive ratio of a coming week is Student-t with 2αₙ degrees of freedom, location μₙ and scale
√(βₙ(κₙ + 1)/(αₙκₙ)).

The planner sees each coming week's announcement times the predictive **q-quantile** of the ratio (this
week's doses are in hand and seen as they are). q is the newsvendor's critical ratio of planning on one
dose too many against one too few:

    q = c_idle / (c_idle + c_miss),

c_idle the PX of a dose left idle one week (a first dose delayed a week: the mean risk weight of a week,
100·ρ̄/W₀) and c_miss the PX of a planned dose that does not come (a second dose missed: (1 − one-dose
share) of a course's mean PX, plus ``money.cancellation_cost`` in PX at ``value_per_px_point``). Planning on
a low quantile holds doses back for the second doses already promised: the safety stock, sized the same
way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from winwin.data import Scenario
from winwin.optimizer.allocation.model import waiting_weights

PRIOR_MEAN, PRIOR_KAPPA, PRIOR_ALPHA, PRIOR_SD = 1.0, 2.0, 3.0, 0.1


@dataclass
class DeliveryBelief:
    """Normal–Inverse-Gamma posterior of each manufacturer's delivery ratio (module docstring)."""

    mu: np.ndarray
    kappa: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray

    @classmethod
    def prior(cls, manufacturers: int) -> DeliveryBelief:
        ones = np.ones(manufacturers)
        beta = (PRIOR_ALPHA - 1.0) * PRIOR_SD**2
        return cls(PRIOR_MEAN * ones, PRIOR_KAPPA * ones, PRIOR_ALPHA * ones, beta * ones)

    def update(self, m: int, ratio: float) -> None:
        """One week's observed ``delivered / announced`` of manufacturer ``m``."""
        mu, kappa = self.mu[m], self.kappa[m]
        self.beta[m] += kappa * (ratio - mu) ** 2 / (2.0 * (kappa + 1.0))
        self.mu[m] = (kappa * mu + ratio) / (kappa + 1.0)
        self.kappa[m] = kappa + 1.0
        self.alpha[m] += 0.5

    def quantile(self, q: float | np.ndarray) -> np.ndarray:
        """The predictive q-quantile of each manufacturer's ratio (never below 0); ``q[…, manufacturer, …]``
        of any shape whose second-to-last axis is the manufacturer's gives one quantile per entry."""
        scale = np.sqrt(self.beta * (self.kappa + 1.0) / (self.alpha * self.kappa))
        if np.ndim(q) == 0:
            return np.maximum(0.0, self.mu + scale * stats.t.ppf(q, 2.0 * self.alpha))
        q = np.asarray(q)
        at = (slice(None), None)  # manufacturers on the second-to-last axis
        return np.maximum(0.0, self.mu[at] + scale[at] * stats.t.ppf(q, 2.0 * self.alpha[at]))

    def sample(self, uniforms: np.ndarray) -> np.ndarray:
        """Ratios drawn from the predictive distribution, week by week independently, by inversion of
        ``uniforms[future, manufacturer, week]``: the same uniforms give every mode of a seed the same
        futures wherever their beliefs agree (common random numbers)."""
        return self.quantile(uniforms)


def critical_ratio(scenario: Scenario) -> float:
    """The newsvendor's q of the module docstring."""
    sc = scenario
    R, W0 = waiting_weights(sc)
    if W0 <= 0:
        return 0.5
    eligible = sc.eligible & (sc.willing.sum(axis=1) > 0)[:, None]
    idle = 100.0 * float(sc.risk[eligible].mean()) / W0 if eligible.any() else 0.0
    course = 100.0 * float(R[eligible].mean()) / W0 if eligible.any() else 0.0
    value = sc.spec.money.value_per_px_point
    miss = (1.0 - sc.spec.experience.one_dose_share) * course
    miss += sc.spec.money.cancellation_cost / value if value > 0 else 0.0
    if idle + miss <= 0:
        return 0.5
    return float(np.clip(idle / (idle + miss), 0.01, 0.5))
