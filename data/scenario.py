"""The validated scenario as the rest of winwin sees it: labels, tidy frames, per-period arrays.

Dimensions are named and ordered once here; every array documents its dimensions in its name
or docstring, e.g. ``supply[manufacturer, product, period]``. Groups are ordered by ``rank`` (policy
order), everything else in file order. Events are already applied to the arrays (what-if shocks
known to the planner); :mod:`winwin.models` draws the unknown part of reality on top.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from winwin.data.schema import (
    BatchDestruction,
    CapacityLoss,
    ConfidenceShock,
    Distributor,
    Group,
    Lane,
    Manufacturer,
    Partner,
    Payer,
    Product,
    ScenarioModel,
    Site,
    SupplyCut,
    VariantSurge,
    VolunteerOrg,
)

FloatArray = np.ndarray
BoolArray = np.ndarray
IntArray = np.ndarray


@dataclass(frozen=True)
class Labels:
    """An ordered set of ids along one named dimension."""

    dim: str
    ids: tuple[str, ...]
    _pos: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pos", {x: i for i, x in enumerate(self.ids)})

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, item: object) -> bool:
        return item in self._pos

    def pos(self, item: str) -> int:
        """Position of ``item``; a KeyError names the dimension."""
        try:
            return self._pos[item]
        except KeyError:
            raise KeyError(f"'{item}' is not a {self.dim} (known: {', '.join(self.ids[:8])}…)") from None

    def positions(self, items: Sequence[str]) -> np.ndarray:
        return np.fromiter((self.pos(x) for x in items), dtype=np.int64, count=len(items))


def _per_period(values: Sequence[float] | None, periods: int, default: float = np.inf) -> FloatArray:
    if values is None:
        return np.full(periods, default)
    arr = np.asarray(values, dtype=float)
    return np.full(periods, arr[0]) if arr.size == 1 else arr.copy()


def _event_span(start: int, end: int | None, periods: int) -> slice:
    return slice(start, periods if end is None else end + 1)


class Scenario:
    """A validated scenario. Build with :func:`winwin.data.load` (which runs every check)."""

    def __init__(self, spec: ScenarioModel, source: str = "") -> None:
        self.spec = spec
        self.source = source or spec.name
        self.name = spec.name
        self.T = spec.horizon.periods
        self.periods = Labels("period", tuple(str(t) for t in range(self.T)))
        self.products = Labels("product", tuple(p.id for p in spec.products))
        ranked = sorted(spec.groups, key=lambda g: g.rank)
        self.groups = Labels("group", tuple(g.id for g in ranked))
        self.regions = Labels("region", tuple(r.id for r in spec.regions))
        self.partners = Labels("partner", tuple(p.id for p in spec.partners))
        self.manufacturers = self._role("manufacturer", Manufacturer)
        self.distributors = self._role("distributor", Distributor)
        self.sites = self._role("site", Site)
        self.payers = self._role("payer", Payer)
        self.volunteers = self._role("volunteer_org", VolunteerOrg)
        self._product = {p.id: p for p in spec.products}
        self._group = {g.id: g for g in spec.groups}
        self._partner: dict[str, Partner] = {p.id: p for p in spec.partners}
        # Stocking nodes: manufacturers, distributors and sites, in that order.
        self.nodes = Labels("node", self.manufacturers.ids + self.distributors.ids + self.sites.ids)

    def _role(self, dim: str, cls: type) -> Labels:
        return Labels(dim, tuple(p.id for p in self.spec.partners if isinstance(p, cls)))

    # ------------------------------------------------------------------ entity access
    def partner(self, pid: str) -> Partner:
        return self._partner[pid]

    def product(self, kid: str) -> Product:
        return self._product[kid]

    def group(self, gid: str) -> Group:
        return self._group[gid]

    def role_of(self, pid: str) -> str:
        return self._partner[pid].role

    @property
    def payer(self) -> Payer:
        """The (first) payer: it pays fees and prices and values patient experience."""
        return self._partner[self.payers.ids[0]]  # type: ignore[return-value]

    def counts(self) -> dict[str, int]:
        return {
            "partners": len(self.partners),
            "sites": len(self.sites),
            "products": len(self.products),
            "groups": len(self.groups),
            "regions": len(self.regions),
            "periods": self.T,
            "lanes": len(self.spec.lanes),
        }

    # ------------------------------------------------------------------ tidy frames
    def partners_frame(self) -> pd.DataFrame:
        """One row per partner, indexed by id: role, name, kind, region and main quantities."""
        rows = []
        for p in self.spec.partners:
            row: dict[str, object] = {
                "id": p.id,
                "role": p.role,
                "name": p.name or p.id,
                "shares_data": p.shares_data,
                "bargaining_power": p.bargaining_power,
            }
            if isinstance(p, Site):
                row |= {
                    "kind": p.kind,
                    "region": p.region,
                    "capacity_per_period": float(np.mean(p.capacity)),
                    "fee": p.fee,
                    "unit_cost": p.unit_cost,
                }
            elif isinstance(p, Distributor):
                row |= {"capacity_per_period": float(np.mean(p.throughput)), "fee": p.fee, "unit_cost": p.unit_cost}
            elif isinstance(p, Manufacturer):
                row |= {
                    "capacity_per_period": float(sum(np.mean(v) for v in p.supply.values())),
                    "reliability": p.reliability.mean,
                }
            elif isinstance(p, VolunteerOrg):
                row |= {"capacity_per_period": float(np.mean(p.hours))}
            rows.append(row)
        return pd.DataFrame(rows).set_index("id")

    def products_frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.model_dump() for p in self.spec.products]).set_index("id")

    def groups_frame(self) -> pd.DataFrame:
        """Groups in policy order with population and willing population summed over regions."""
        df = pd.DataFrame([self._group[g].model_dump() for g in self.groups.ids]).set_index("id")
        df["population"] = self.population.sum(axis=1)
        df["willing"] = self.willing.sum(axis=1)
        return df

    def regions_frame(self) -> pd.DataFrame:
        """Population per region (rows) and group (columns)."""
        return pd.DataFrame(
            self.population.T,
            index=pd.Index(self.regions.ids, name="region"),
            columns=pd.Index(self.groups.ids, name="group"),
        )

    def lanes_frame(self) -> pd.DataFrame:
        rows = [
            {
                "lane": i,
                "from": ln.source,
                "to": ln.target,
                "lead_time": ln.lead_time,
                "cost": ln.cost,
                "capacity_per_period": float(np.mean(ln.capacity)) if ln.capacity else np.inf,
                "silo_share": ln.silo_share,
            }
            for i, ln in enumerate(self.spec.lanes)
        ]
        return pd.DataFrame(rows).set_index("lane")

    def service_frame(self) -> pd.DataFrame:
        return pd.DataFrame([x.model_dump() for x in self.spec.service]).set_index(["site", "region"])

    def events_frame(self) -> pd.DataFrame:
        cols = ["kind", "start", "end", "partner", "product", "factor", "note"]
        return pd.DataFrame([e.model_dump() for e in self.spec.events], columns=cols)

    # ------------------------------------------------------------------ arrays: people
    @cached_property
    def population(self) -> FloatArray:
        """population[group, region], persons."""
        out = np.zeros((len(self.groups), len(self.regions)))
        for r, reg in enumerate(self.spec.regions):
            for gid, n in reg.population.items():
                out[self.groups.pos(gid), r] = n
        return out

    @cached_property
    def acceptance(self) -> FloatArray:
        """acceptance[group], share willing."""
        return np.array([self._group[g].acceptance for g in self.groups.ids])

    @cached_property
    def whole_population(self) -> float:
        """Everybody, people outside the campaign's groups included (``population_total``, else the groups')."""
        total = self.spec.population_total
        return float(self.population.sum()) if total is None else float(total)

    @cached_property
    def willing(self) -> FloatArray:
        """willing[group, region] = population · acceptance."""
        return self.population * self.acceptance[:, None]

    @cached_property
    def risk(self) -> FloatArray:
        """risk[group, period]: risk weights with variant surges applied."""
        base = np.array([self._group[g].risk_weight for g in self.groups.ids])
        out = np.repeat(base[:, None], self.T, axis=1)
        for ev in self.spec.events:
            if isinstance(ev, VariantSurge):
                rows = self.groups.positions(ev.groups) if ev.groups else slice(None)
                out[rows, _event_span(ev.start, ev.end, self.T)] *= ev.factor
        return out

    @cached_property
    def eligible_from(self) -> np.ndarray:
        """eligible_from[group], first period the group may be vaccinated."""
        return np.array([self._group[g].eligible_from for g in self.groups.ids], dtype=np.int64)

    @cached_property
    def eligible(self) -> BoolArray:
        """eligible[group, period]."""
        return np.arange(self.T)[None, :] >= self.eligible_from[:, None]

    @cached_property
    def allowed(self) -> BoolArray:
        """allowed[group, product]: the group may receive the product."""
        out = np.zeros((len(self.groups), len(self.products)), dtype=bool)
        for g, gid in enumerate(self.groups.ids):
            allowed = self._group[gid].products
            out[g, self.products.positions(allowed) if allowed is not None else slice(None)] = True
        return out

    @cached_property
    def confidence(self) -> FloatArray:
        """confidence[product, period]: multiplier on acceptance after confidence shocks."""
        out = np.ones((len(self.products), self.T))
        for ev in self.spec.events:
            if isinstance(ev, ConfidenceShock):
                out[self.products.pos(ev.product), _event_span(ev.start, ev.end, self.T)] *= ev.factor
        return out

    # ------------------------------------------------------------------ arrays: products
    @cached_property
    def doses_per_course(self) -> np.ndarray:
        return np.array([self._product[k].doses_per_course for k in self.products.ids], dtype=np.int64)

    @cached_property
    def interval(self) -> IntArray:
        """interval[product, period]: periods from a first dose given in that period to its second dose (0 for
        one-dose products)."""
        rows = [
            _per_period(self._product[k].interval, self.T) * (self._product[k].doses_per_course == 2)
            for k in self.products.ids
        ]
        return np.array(rows, dtype=np.int64).reshape(len(self.products), self.T)

    @cached_property
    def max_interval(self) -> int:
        """The longest interval of any course (0 when every product is one dose)."""
        return int(self.interval.max(initial=0))

    @cached_property
    def shelf_life(self) -> np.ndarray:
        return np.array([self._product[k].shelf_life for k in self.products.ids], dtype=np.int64)

    def stores(self, pid: str) -> BoolArray:
        """stores[product]: the partner's cold chain can hold the product (manufacturers hold their own)."""
        p = self._partner[pid]
        if isinstance(p, Manufacturer):
            return np.isin(np.array(self.products.ids), p.products)
        chain = getattr(p, "cold_chain", [])
        return np.array([self._product[k].storage in chain for k in self.products.ids])

    # ------------------------------------------------------------------ arrays: supply side
    @cached_property
    def supply(self) -> FloatArray:
        """supply[manufacturer, product, period]: promised doses, supply cuts applied."""
        out = np.zeros((len(self.manufacturers), len(self.products), self.T))
        for m, mid in enumerate(self.manufacturers.ids):
            man = self._partner[mid]
            assert isinstance(man, Manufacturer)
            for kid, values in man.supply.items():
                out[m, self.products.pos(kid)] = _per_period(values, self.T)
        for ev in self.spec.events:
            if isinstance(ev, SupplyCut):
                cols = self.products.pos(ev.product) if ev.product else slice(None)
                out[self.manufacturers.pos(ev.partner), cols, _event_span(ev.start, ev.end, self.T)] *= ev.factor
        return out

    def _capacity_loss(self, labels: Labels, base: FloatArray) -> FloatArray:
        for ev in self.spec.events:
            if isinstance(ev, CapacityLoss) and ev.partner in labels:
                base[labels.pos(ev.partner), _event_span(ev.start, ev.end, self.T)] *= ev.factor
        return base

    @cached_property
    def site_capacity(self) -> FloatArray:
        """site_capacity[site, period]: doses administered at most, capacity losses applied."""
        base = np.array([_per_period(self.site(s).capacity, self.T) for s in self.sites.ids]).reshape(-1, self.T)
        return self._capacity_loss(self.sites, base)

    @cached_property
    def staff_hours(self) -> FloatArray:
        """staff_hours[site, period] (inf where the site states none), capacity losses applied."""
        base = np.array([_per_period(self.site(s).staff_hours, self.T) for s in self.sites.ids]).reshape(-1, self.T)
        return self._capacity_loss(self.sites, base)

    @cached_property
    def minutes_per_dose(self) -> FloatArray:
        return np.array([self.site(s).minutes_per_dose for s in self.sites.ids])

    @cached_property
    def throughput(self) -> FloatArray:
        """throughput[distributor, period], capacity losses applied."""
        base = np.array(
            [
                _per_period(self._partner[d].throughput, self.T)  # type: ignore[union-attr]
                for d in self.distributors.ids
            ]
        ).reshape(-1, self.T)
        return self._capacity_loss(self.distributors, base)

    @cached_property
    def node_storage(self) -> FloatArray:
        """node_storage[node]: doses held at once (inf for manufacturers and where unlimited)."""
        out = []
        for nid in self.nodes.ids:
            cap = getattr(self._partner[nid], "storage", None)
            out.append(np.inf if cap is None else cap)
        return np.array(out, dtype=float)

    @cached_property
    def destruction(self) -> FloatArray:
        """destruction[node, product, period]: share of opening stock destroyed (batch destructions)."""
        out = np.zeros((len(self.nodes), len(self.products), self.T))
        for ev in self.spec.events:
            if isinstance(ev, BatchDestruction):
                cols = self.products.pos(ev.product) if ev.product else slice(None)
                out[self.nodes.pos(ev.partner), cols, ev.start] = ev.fraction
        return out

    @cached_property
    def volunteer_hours(self) -> FloatArray:
        """volunteer_hours[volunteer_org, period]."""
        return np.array(
            [
                _per_period(self._partner[v].hours, self.T)  # type: ignore[union-attr]
                for v in self.volunteers.ids
            ]
        ).reshape(-1, self.T)

    @cached_property
    def volunteer_serves(self) -> BoolArray:
        """volunteer_serves[volunteer_org, site]: the organisation may staff the site."""
        out = np.zeros((len(self.volunteers), len(self.sites)), dtype=bool)
        for o, oid in enumerate(self.volunteers.ids):
            org = self._partner[oid]
            assert isinstance(org, VolunteerOrg)
            for s, sid in enumerate(self.sites.ids):
                site = self.site(sid)
                by_site = org.sites is None or sid in org.sites
                by_region = org.regions is None or site.region in org.regions
                out[o, s] = by_site and by_region
        return out

    # ------------------------------------------------------------------ arrays: network
    @property
    def lanes(self) -> list[Lane]:
        return self.spec.lanes

    @cached_property
    def lane_source(self) -> np.ndarray:
        """lane_source[lane]: node position of the sender."""
        return self.nodes.positions([ln.source for ln in self.spec.lanes])

    @cached_property
    def lane_target(self) -> np.ndarray:
        return self.nodes.positions([ln.target for ln in self.spec.lanes])

    @cached_property
    def lane_lead(self) -> np.ndarray:
        return np.array([ln.lead_time for ln in self.spec.lanes], dtype=np.int64)

    @cached_property
    def lane_cost(self) -> FloatArray:
        return np.array([ln.cost for ln in self.spec.lanes], dtype=float)

    @cached_property
    def lane_capacity(self) -> FloatArray:
        """lane_capacity[lane, period] (inf where unlimited)."""
        return np.array([_per_period(ln.capacity, self.T) for ln in self.spec.lanes]).reshape(-1, self.T)

    @cached_property
    def lane_carries(self) -> BoolArray:
        """lane_carries[lane, product]: listed on the lane, made or stored by both ends."""
        stores = np.array([self.stores(n) for n in self.nodes.ids]).reshape(len(self.nodes), -1)
        out = stores[self.lane_source] & stores[self.lane_target]
        for e, ln in enumerate(self.spec.lanes):
            if ln.products is not None:
                out[e] &= np.isin(np.array(self.products.ids), ln.products)
        return out

    @cached_property
    def silo_share(self) -> FloatArray:
        """silo_share[lane]: contract share of the sender's supply (NaN where not given)."""
        return np.array([np.nan if ln.silo_share is None else ln.silo_share for ln in self.spec.lanes])

    @cached_property
    def pair_site(self) -> np.ndarray:
        """pair_site[pair]: the site of each service pair (file order of ``service``)."""
        return self.sites.positions([x.site for x in self.spec.service])

    @cached_property
    def pair_region(self) -> np.ndarray:
        """pair_region[pair]: the region of each service pair."""
        return self.regions.positions([x.region for x in self.spec.service])

    @cached_property
    def pair_travel(self) -> FloatArray:
        """pair_travel[pair]: travel minutes."""
        return np.array([x.travel_minutes for x in self.spec.service], dtype=float)

    @cached_property
    def serves(self) -> BoolArray:
        """serves[site, region]."""
        out = np.zeros((len(self.sites), len(self.regions)), dtype=bool)
        for x in self.spec.service:
            out[self.sites.pos(x.site), self.regions.pos(x.region)] = True
        return out

    @cached_property
    def travel(self) -> FloatArray:
        """travel[site, region]: minutes (NaN where the site does not serve the region)."""
        out = np.full((len(self.sites), len(self.regions)), np.nan)
        for x in self.spec.service:
            out[self.sites.pos(x.site), self.regions.pos(x.region)] = x.travel_minutes
        return out

    # ------------------------------------------------------------------ arrays: money
    @cached_property
    def price(self) -> FloatArray:
        """price[manufacturer, product]: per dose delivered, paid by the payer."""
        out = np.zeros((len(self.manufacturers), len(self.products)))
        for m, mid in enumerate(self.manufacturers.ids):
            man = self._partner[mid]
            assert isinstance(man, Manufacturer)
            for kid, v in man.price.items():
                out[m, self.products.pos(kid)] = v
        return out

    def site(self, sid: str) -> Site:
        """The site of that id (typed)."""
        site = self._partner[sid]
        assert isinstance(site, Site)
        return site

    def distributor(self, did: str) -> Distributor:
        """The distributor of that id (typed)."""
        dist = self._partner[did]
        assert isinstance(dist, Distributor)
        return dist
