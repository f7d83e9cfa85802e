"""Patient experience as patients feel it, per run and per priority group (issue 19).

Every mode is measured by the same definitions on the same world:

- **appointments**: first-dose appointments booked (by the plan for planned modes, by each site on the doses
  in hand under the silo rules) plus second doses falling due (each was booked with its first dose);
- **cancellations per 1,000 appointments**: first-dose appointments not kept plus second doses missed, per
  1,000 appointments;
- **second doses on time**: the share of second doses falling due inside the run that were given on their
  date (a second dose is given at its interval or missed; the model has no late second dose); the second
  doses falling due after the run are reported beside it (no supply is reserved for them: a commitment
  the next campaign inherits);
- **days to first dose**: per group, the mean days from the group's eligibility to the first dose over the
  people vaccinated (None when nobody was), and the people still waiting at the end (willing, eligible,
  no dose);
- **travel**: mean minutes of a journey to a first dose.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from winwin.optimizer.allocation.constraints import adm_coords
from winwin.optimizer.allocation.silo import missed_courses

if TYPE_CHECKING:
    from winwin.models.ecosystem import EcosystemModel

PERIOD_DAYS = {"week": 7.0, "day": 1.0}


def second_doses(model: EcosystemModel) -> tuple[float, float]:
    """``(due inside the run, due after it)``: second doses of the first doses given (two-dose products)."""
    sc = model.sc
    _site, _g, _r, k, t = adm_coords(sc, model.allocation.lp)
    given = model.realised[model.allocation.lp.var_blocks["adm"].columns()]
    interval = sc.interval[k, t]
    inside = (interval > 0) & (t + interval < model.periods)
    after = (interval > 0) & (t + interval >= model.periods)
    return float(given[inside].sum()), float(given[after].sum())


def patient_metrics(model: EcosystemModel, kpis: pd.DataFrame) -> dict[str, Any]:
    """The module docstring's measures of one finished run (``kpis``: its per-period table)."""
    sc = model.sc
    days = PERIOD_DAYS[sc.spec.horizon.period_length]
    due, after = second_doses(model)
    missed = float(kpis["missed_second_doses"].sum())
    appointments = float(kpis["booked"].sum()) + due
    cancellations = float(kpis["cancellations"].sum())
    groups: dict[str, dict[str, float | None]] = {}
    vaccinated_all, travel_all = 0.0, 0.0
    for g, gid in enumerate(sc.groups.ids):
        cohorts = [c for (gg, _r), c in model.cohorts.items() if gg == g]
        vaccinated = sum(c.vaccinated for c in cohorts)
        willing = sum(c.willing for c in cohorts)
        vaccinated_all += vaccinated
        travel_all += sum(c.travel_minutes for c in cohorts)
        groups[gid] = {
            "willing": willing,
            "vaccinated": vaccinated,
            "coverage_of_willing": vaccinated / willing if willing > 0 else 0.0,
            "still_waiting": sum(c.waiting for c in cohorts),
            "days_to_first_dose": days * sum(c.wait_periods for c in cohorts) / vaccinated if vaccinated else None,
        }
    return {
        "appointments": appointments,
        "cancellations": cancellations,
        "cancellations_per_1000": 1000.0 * cancellations / appointments if appointments > 0 else 0.0,
        "second_doses_due": due,
        "second_doses_missed": missed,
        "second_doses_on_time": 1.0 - missed / due if due > 0 else 1.0,
        "second_doses_after_horizon": after,
        "travel_minutes": travel_all / vaccinated_all if vaccinated_all > 0 else 0.0,
        "groups": groups,
    }


def coverage_series(model: EcosystemModel) -> pd.DataFrame:
    """Coverage at the end of each period (index ``period``), in % : ``first_dose_pct`` and ``full_pct`` of the
    whole population (``population_total``, children included), and ``first_dose_pct:GROUP`` and
    ``full_pct:GROUP`` of each group's population.

    A one-dose course is full at its dose; a two-dose course when its second dose falls due, less the second
    doses missed (shared among the groups as the site's first doses of that product one interval earlier)."""
    sc = model.sc
    T, G = model.periods, len(sc.groups)
    _site, g, _r, k, t = adm_coords(sc, model.allocation.lp)
    x = model.realised[model.allocation.lp.var_blocks["adm"].columns()]
    ran = t < T
    first = np.zeros((G, T))
    np.add.at(first, (g[ran], t[ran]), x[ran])
    done_at = t + sc.interval[k, t]  # the period a course is complete
    full = np.zeros((G, T))
    ok = done_at < T
    np.add.at(full, (g[ok], done_at[ok]), x[ok])
    position, due, share = missed_courses(model.allocation, model.realised, model.missed_second[:, :, :T])
    np.add.at(full, (g[position], due), -np.maximum(x[position], 0.0) * share)
    pop = sc.population.sum(axis=1)
    out: dict[str, np.ndarray] = {
        "first_dose_pct": 100 * first.sum(axis=0).cumsum() / sc.whole_population,
        "full_pct": 100 * full.sum(axis=0).cumsum() / sc.whole_population,
    }
    for i, gid in enumerate(sc.groups.ids):
        out[f"first_dose_pct:{gid}"] = 100 * first[i].cumsum() / pop[i] if pop[i] > 0 else np.zeros(T)
        out[f"full_pct:{gid}"] = 100 * full[i].cumsum() / pop[i] if pop[i] > 0 else np.zeros(T)
    return pd.DataFrame(out, index=pd.RangeIndex(T, name="period"))
