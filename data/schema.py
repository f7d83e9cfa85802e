"""The scenario schema: one pydantic v2 model per entity of DESIGN §3.

A scenario file is data. These models check each field on its own (types, signs, ranges);
relations between entities (unknown ids, cycles, periods outside the horizon, …) are checked
afterwards by :mod:`winwin.data.checks`, which collects every problem before failing.

Units: quantities are doses (or persons) per period unless a field says otherwise; money is in
``money.currency``; times in periods of ``horizon.period_length``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

Id = Annotated[
    str,
    Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$"),
]
"""An identifier: letters, digits, ``_``, ``.`` and ``-``; human-readable names go in ``name``."""

NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Period = Annotated[int, Field(ge=0)]
StorageLevel = Literal["ultra", "frozen", "fridge"]


def _all_levels() -> list[StorageLevel]:
    return ["ultra", "frozen", "fridge"]


def _scalar_to_list(value: Any) -> Any:
    """Accept ``5`` as shorthand for "5 in every period" (a one-element list)."""
    if isinstance(value, bool):
        return value  # let pydantic reject booleans as numbers
    if isinstance(value, int | float):
        return [value]
    return value


def _per_period_schema(item: dict[str, Any], description: str) -> WithJsonSchema:
    """The JSON Schema of a per-period field: one ``item`` or a non-empty list of them."""
    return WithJsonSchema(
        {"anyOf": [item, {"type": "array", "items": item, "minItems": 1}], "description": description}
    )


PerPeriod = Annotated[
    list[NonNeg],
    BeforeValidator(_scalar_to_list),
    Field(min_length=1),
    _per_period_schema(
        {"type": "number", "minimum": 0}, "one value for every period, or a list with one value per period"
    ),
]
"""A quantity per period: a scalar (same every period) or a list as long as the horizon."""

PeriodsPerPeriod = Annotated[
    list[Period],
    BeforeValidator(_scalar_to_list),
    Field(min_length=1),
    _per_period_schema(
        {"type": "integer", "minimum": 0}, "one number of periods for every period, or a list with one per period"
    ),
]
"""A number of periods that may change over the horizon: a scalar or a list as long as the horizon."""


class Strict(BaseModel):
    """Base of every schema model: unknown keys are errors, values are not coerced across types."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, strict=True)


class Horizon(Strict):
    periods: int = Field(ge=1, le=520, description="number of planning periods")
    period_length: Literal["week", "day"] = "week"
    start: date | None = Field(default=None, strict=False, description="calendar date of period 0 (YYYY-MM-DD)")


class Product(Strict):
    id: Id
    name: str = ""
    doses_per_course: Literal[1, 2] = 1
    interval: PeriodsPerPeriod = Field(
        default=[0],
        description="periods between first and second dose; a list gives the interval of the courses started in "
        "each period (a campaign that changes its interval)",
    )
    shelf_life: int = Field(default=52, ge=1, description="periods a dose stays usable once delivered to a site")
    doses_per_vial: int = Field(default=1, ge=1)
    open_vial_hours: float = Field(default=6.0, gt=0, le=48, description="hours an opened vial stays usable")
    storage: StorageLevel = "fridge"


class Group(Strict):
    id: Id
    name: str = ""
    rank: int = Field(ge=1, description="policy order: 1 is vaccinated first")
    risk_weight: float = Field(
        gt=0, allow_inf_nan=False, description="value of protecting one person one period earlier"
    )
    acceptance: Fraction = Field(description="share of the group willing to be vaccinated")
    eligible_from: Period = 0
    products: list[Id] | None = Field(default=None, description="products the group may receive; all when absent")


class Region(Strict):
    id: Id
    name: str = ""
    population: dict[Id, Annotated[int, Field(ge=0)]] = Field(description="persons per group")


class Reliability(Strict):
    mean: float = Field(default=1.0, gt=0, le=1, description="expected share of promised supply delivered")
    sd: float = Field(default=0.0, ge=0, le=1)
    persistence: float = Field(
        default=0.0, ge=0, lt=1, description="AR(1) coefficient of the weekly delivery ratio (0: independent weeks)"
    )


class PartnerBase(Strict):
    id: Id
    name: str = ""
    organisation: str | None = Field(default=None, description="owner, for grouping players in coalitions")
    shares_data: bool = False
    bargaining_power: float = Field(default=1.0, gt=0, allow_inf_nan=False)
    min_volume: NonNeg | None = Field(default=None, description="committed minimum volume over the horizon")
    max_volume: NonNeg | None = Field(default=None, description="committed maximum volume over the horizon")
    fixed_cost: NonNeg = Field(default=0.0, description="cost per period, whatever the plan")


class Manufacturer(PartnerBase):
    role: Literal["manufacturer"]
    products: list[Id] = Field(min_length=1)
    supply: dict[Id, PerPeriod] = Field(description="promised doses per period, per product")
    price: dict[Id, NonNeg] = Field(default_factory=dict, description="price per dose paid by the payer")
    unit_cost: NonNeg = 0.0
    reliability: Reliability = Reliability()
    over_promise: float | None = Field(
        default=None, description="no longer used: the honest forecast is promise × reliability.mean (a check says so)"
    )


class Distributor(PartnerBase):
    role: Literal["distributor"]
    throughput: PerPeriod = Field(description="doses dispatched per period")
    storage: NonNeg | None = Field(default=None, description="doses held at once; unlimited when absent")
    cold_chain: list[StorageLevel] = Field(default_factory=_all_levels)
    fee: NonNeg = Field(default=0.0, description="fee per dose dispatched, paid by the payer")
    unit_cost: NonNeg = 0.0
    disruption_rate: Fraction = Field(default=0.0, description="chance per period of a disrupted dispatch")


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
StaffRole = Literal["doctor", "nurse", "support"]


class StaffPool(Strict):
    """Interchangeable staff of one role at a site (volunteers join the ``support`` role)."""

    role: StaffRole
    count: int = Field(ge=0, le=500)
    max_hours_day: float = Field(default=10.0, gt=0, le=24)
    max_hours_week: float = Field(default=40.0, gt=0, le=168)
    min_rest_hours: float = Field(default=11.0, ge=0, le=48, description="rest between two shifts")
    cost_per_hour: NonNeg = 0.0
    days: list[Weekday] | None = Field(default=None, description="days they can work; every day when absent")


class SiteSchedule(Strict):
    """What daily scheduling needs beyond the weekly plan; derived from capacity when absent."""

    opening: dict[Weekday, Annotated[list[Annotated[float, Field(ge=0, le=24)]], Field(min_length=2, max_length=2)]] = (
        Field(
            default_factory=lambda: {d: [8.0, 20.0] for d in ("mon", "tue", "wed", "thu", "fri", "sat")},
            description="opening hours per day [open, close) in hours; a day left out is closed",
        )
    )
    slot_minutes: Literal[5, 10, 15, 20, 30, 60] = 15
    shift_hours: list[Annotated[float, Field(gt=0, le=24)]] = Field(default_factory=lambda: [4.0, 6.0, 8.0])
    staff: list[StaffPool] = Field(default_factory=list)
    min_on_duty: dict[StaffRole, Annotated[int, Field(ge=0)]] = Field(
        default_factory=lambda: {"doctor": 1, "nurse": 1},  # type: ignore[arg-type]
        description="staff of each role on duty whenever the site is open",
    )
    support_per_nurse: Fraction = Field(default=0.0, description="support staff needed per nurse on duty")


class Site(PartnerBase):
    role: Literal["site"]
    kind: Literal["vaccination_centre", "hospital", "pharmacy", "gp"]
    region: Id = Field(description="region where the site stands")
    capacity: PerPeriod = Field(description="doses administered per period")
    staff_hours: PerPeriod | None = Field(default=None, description="own staff hours per period")
    minutes_per_dose: NonNeg = Field(default=0.0, description="staff minutes per administered dose")
    storage: NonNeg | None = None
    cold_chain: list[StorageLevel] = Field(default_factory=_all_levels)
    fee: NonNeg = Field(default=0.0, description="fee per dose administered, paid by the payer")
    unit_cost: NonNeg = 0.0
    no_show_rate: Fraction = 0.0
    schedule: SiteSchedule | None = Field(default=None, description="daily scheduling data (derived when absent)")


class PayerPolicy(Strict):
    strict_priority: bool = False
    coverage_threshold: Fraction = Field(default=0.7, description="coverage of group g before g+1 opens")


class Payer(PartnerBase):
    role: Literal["payer"]
    budget: NonNeg | None = Field(default=None, description="total spend over the horizon; unlimited when absent")
    policy: PayerPolicy = PayerPolicy()


class VolunteerOrg(PartnerBase):
    role: Literal["volunteer_org"]
    hours: PerPeriod = Field(description="volunteer hours available per period")
    sites: list[Id] | None = Field(default=None, description="sites it may staff; all sites of its regions when absent")
    regions: list[Id] | None = None
    value_per_hour: NonNeg = Field(default=0.0, description="mission value the organisation puts on an hour served")
    cost_per_hour: NonNeg = 0.0


Partner = Annotated[
    Manufacturer | Distributor | Site | Payer | VolunteerOrg,
    Field(discriminator="role"),
]
ROLES: tuple[str, ...] = ("manufacturer", "distributor", "site", "payer", "volunteer_org")


class Lane(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)

    source: Id = Field(alias="from")
    target: Id = Field(alias="to")
    products: list[Id] | None = None
    capacity: PerPeriod | None = Field(default=None, description="doses per period; unlimited when absent")
    cost: NonNeg = Field(default=0.0, description="cost per dose, borne by the sender")
    lead_time: Period = 0
    silo_share: Fraction | None = Field(default=None, description="contract share of the sender's supply")


class Service(Strict):
    site: Id
    region: Id
    travel_minutes: NonNeg = 0.0


class EventBase(Strict):
    start: Period
    end: Period | None = Field(default=None, description="last period affected; the horizon's end when absent")
    note: str = ""


class SupplyCut(EventBase):
    kind: Literal["supply_cut"]
    partner: Id
    product: Id | None = None
    factor: Fraction = Field(description="share of promised supply still delivered")


class BatchDestruction(EventBase):
    kind: Literal["batch_destruction"]
    partner: Id
    product: Id | None = None
    fraction: Fraction = Field(description="share of the stock held at the start of the period destroyed")


class CapacityLoss(EventBase):
    kind: Literal["capacity_loss"]
    partner: Id
    factor: Fraction = Field(description="share of capacity left")


class VariantSurge(EventBase):
    kind: Literal["variant_surge"]
    groups: list[Id] | None = None
    factor: float = Field(gt=0, le=100, description="multiplier on risk weights")


class ConfidenceShock(EventBase):
    kind: Literal["confidence_shock"]
    product: Id
    factor: Fraction = Field(description="multiplier on acceptance of the product")


Event = Annotated[
    SupplyCut | BatchDestruction | CapacityLoss | VariantSurge | ConfidenceShock,
    Field(discriminator="kind"),
]


class TransferRule(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)

    payer: Id = Field(alias="from")
    payee: Id = Field(alias="to")
    cap: NonNeg | None = None


class Money(Strict):
    currency: str = "EUR"
    value_per_px_point: NonNeg = Field(default=0.0, description="money value of one point of patient experience")
    transfers: Literal["none", "any"] | list[TransferRule] = "none"
    subsidy_cap: NonNeg = 0.0
    cancellation_cost: NonNeg = Field(
        default=0.0,
        description="cost of a cancelled appointment (rebooking it), paid by the site that cancels, in every mode "
        "(first-dose bookings not kept and second doses missed), and a term of the coordinator's booking quantile "
        "(models/beliefs.py)",
    )


class Experience(Strict):
    travel_weight: NonNeg = Field(
        default=0.0,
        description="risk-weighted person-periods of waiting equivalent to one person-minute of travel",
    )
    one_dose_share: Fraction = Field(
        default=1.0,
        description="protection of a two-dose course's first dose alone, as a share of the course's: a second "
        "dose missed in a simulation takes (1 − share) of its course's PX back (1: it takes nothing)",
    )
    terminal_periods: NonNeg = Field(
        default=0.0,
        description="periods of protection after the horizon that a dose is credited with, at the last period's "
        "risk weight (0: protection ends with the horizon)",
    )


class Source(Strict):
    id: Id
    title: str
    url: str = ""


class ScenarioModel(Strict):
    """One ecosystem: what a YAML scenario file holds."""

    name: Id
    description: str = ""
    sources: list[Source] = Field(default_factory=list)
    horizon: Horizon
    products: list[Product] = Field(min_length=1)
    groups: list[Group] = Field(min_length=1)
    regions: list[Region] = Field(min_length=1)
    partners: list[Partner] = Field(min_length=1)
    lanes: list[Lane] = Field(default_factory=list)
    service: list[Service] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    money: Money = Money()
    experience: Experience = Experience()
    population_total: NonNeg | None = Field(
        default=None,
        description="the whole population, people outside every group (children) included: the basis of "
        "coverage as a share of the population (default: the groups' population)",
    )
