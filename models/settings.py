"""The parameters of one simulation run (everything but the scenario and the seed)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from winwin.data.errors import Problem
from winwin.optimizer.concepts import TRANSFER_MODES


class SimulationSettings(BaseModel):
    """How the ecosystem is simulated; defaults are what ``winwin simulate`` uses."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["silo", "central", "winwin", "nash", "egalitarian", "kalai_smorodinsky"] = "winwin"
    periods: int | None = Field(default=None, ge=1, description="periods to simulate; the horizon when absent")
    lookahead: int | None = Field(
        default=4, ge=1, description="periods the coordinator plans ahead (None or ≥ the horizon: all the rest)"
    )
    rounds: int = Field(default=3, ge=0, le=20, description="re-planning rounds after rejections")
    aspiration: dict[str, float] = Field(
        default_factory=dict, description="utility a partner asks above its silo utility (its reservation)"
    )
    sharing: Literal["learn", "all", "none"] = Field(
        default="learn", description="learn: partners decide each period; all / none: fixed"
    )
    sharing_cost: float = Field(default=0.0, ge=0, description="cost per period of sharing data")
    data_fee: float = Field(default=0.0, ge=0, description="fee per period the payer pays a partner sharing data")
    announce_noise: float = Field(
        default=0.1, ge=0, le=2, description="log-sd of the noise on announcements of partners not sharing data"
    )
    patience: float = Field(default=4.0, gt=0, description="periods of waiting patients take without complaint")
    transfers: str = Field(default="scenario", description="side payments: " + ", ".join(TRANSFER_MODES))
    epsilon: float = Field(default=0.01, ge=0, lt=1, description="PX a split may give up (split modes)")
    time_limit: float | None = Field(default=None, gt=0, description="seconds per solve")
    quantile: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        description="quantile of its delivery belief the coordinator plans on (default: the newsvendor's ratio)",
    )
    forecast: Literal["honest", "perfect"] = Field(
        default="honest",
        description="what a sharing manufacturer's data tells: honest (promise × reliability mean) or perfect "
        "(its actual deliveries: the most its data can be worth)",
    )
    clairvoyant: bool = Field(
        default=False,
        description="the coordinator knows every delivery in advance (the bound of perfect information)",
    )
    exact: bool = Field(
        default=False, description="plan on the full model (default: interchangeable sites merged where exact)"
    )
    planner: Literal["deterministic", "robust"] = Field(
        default="deterministic",
        description="deterministic: plan the coming weeks on the belief's quantile; robust: over sampled futures "
        "of the belief (central and winwin)",
    )
    futures: int = Field(default=10, ge=1, le=200, description="futures the robust planner samples each week")
    cvar: float = Field(
        default=0.95, ge=0, lt=1, description="CVaR level of each partner's shortfall (robust planner's win-win)"
    )
    keep: float = Field(
        default=0.99, gt=0, le=1, description="share of its bookings the robust plan keeps in expectation"
    )


ROBUST_PLANNED = ("silo", "central", "winwin")
"""Modes a robust run may have: the robust planner plans central and winwin; the silo follows its rules."""
ROBUST_MODE_NAMES = {"robust_central": "central", "robust_winwin": "winwin"}
"""Names a sweep gives a mode planned by the robust planner, beside the deterministic modes of the same points."""


def mode_settings(name: str) -> dict[str, str]:
    """The settings of a sweep's mode name: ``robust_winwin`` is winwin with the robust planner."""
    if name in ROBUST_MODE_NAMES:
        return {"mode": ROBUST_MODE_NAMES[name], "planner": "robust"}
    return {"mode": name}


def planner_problems(planner: object, modes: list[str] | tuple[str, ...]) -> list[Problem]:
    """The problem of a robust planner asked to plan a split mode (empty when there is none)."""
    from winwin.data.errors import problem

    bad = [m for m in modes if m not in ROBUST_PLANNED]
    if planner != "robust" or not bad:
        return []
    why = f"robust plans {', '.join(ROBUST_PLANNED[1:])} (and the silo runs its rules), not the split mode(s) "
    return [problem("planner", why + ", ".join(bad), planner)]


def check_planner(settings: SimulationSettings, modes: list[str] | tuple[str, ...]) -> None:
    """A robust planner with a split mode is an :class:`InputError` naming the planner and the modes."""
    from winwin.data.errors import InputError

    problems = planner_problems(settings.planner, modes)
    if problems:
        raise InputError(problems)


def settings_for(modes: list[str] | tuple[str, ...], **values: object) -> SimulationSettings:
    """:func:`settings_from` for runs of ``modes``: every problem of the values and of the planner at once."""
    from winwin.data.errors import InputError

    problems = planner_problems(values.get("planner"), modes)
    try:
        settings = settings_from(**values)
    except InputError as exc:
        raise InputError([*exc.problems, *problems]) from None
    if problems:
        raise InputError(problems)
    return settings


def settings_from(**values: object) -> SimulationSettings:
    """Settings from keyword values; a bad value is an :class:`InputError` naming the field."""
    from pydantic import ValidationError

    from winwin.data.errors import InputError, problem

    given = {k: v for k, v in values.items() if v is not None}
    try:
        return SimulationSettings.model_validate(given)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            name = str(e["loc"][0]) if e["loc"] else "settings"
            problems.append(problem(name, e["msg"], given.get(name, e.get("input"))))
        raise InputError(problems) from None
