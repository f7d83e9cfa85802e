"""The parameters of one simulation run (everything but the scenario and the seed)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
