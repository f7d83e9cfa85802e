"""Cross-reference checks on a parsed scenario: each ``check_*`` returns every problem it finds.

:func:`check_scenario` runs them all, so a user sees every problem of a file in one go.
Field-level problems (types, signs, ranges) are found earlier by the pydantic schema.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from winwin.data.errors import Problem, problem
from winwin.data.schema import (
    BatchDestruction,
    CapacityLoss,
    ConfidenceShock,
    Distributor,
    Manufacturer,
    Payer,
    ScenarioModel,
    Site,
    SupplyCut,
    VariantSurge,
    VolunteerOrg,
)

Check = Callable[[ScenarioModel], list[Problem]]


def _duplicates(ids: Sequence[str], path: str) -> list[Problem]:
    counts = Counter(ids)
    return [
        problem(f"{path}[{i}].id", "duplicate id", pid)
        for i, pid in enumerate(ids)
        if counts[pid] > 1 and ids.index(pid) != i
    ]


def _unknown(refs: Iterable[tuple[str, str]], known: set[str], what: str) -> list[Problem]:
    return [problem(path, f"unknown {what}", ref) for path, ref in refs if ref not in known]


def check_unique_ids(s: ScenarioModel) -> list[Problem]:
    """Ids are unique within products, groups, regions and partners; group ranks are unique."""
    out = _duplicates([p.id for p in s.products], "products")
    out += _duplicates([g.id for g in s.groups], "groups")
    out += _duplicates([r.id for r in s.regions], "regions")
    out += _duplicates([p.id for p in s.partners], "partners")
    ranks = Counter(g.rank for g in s.groups)
    out += [
        problem(f"groups[{i}].rank", "two groups share this rank", g.rank)
        for i, g in enumerate(s.groups)
        if ranks[g.rank] > 1
    ]
    return out


def check_products(s: ScenarioModel) -> list[Problem]:
    """Two-dose products need an interval in every period (one value or one per period); every product may be
    given to some group."""
    out: list[Problem] = []
    allowed: set[str] = set()
    for g in s.groups:
        allowed.update(g.products if g.products is not None else [p.id for p in s.products])
    for i, p in enumerate(s.products):
        out += _per_period(p.interval, f"products[{i}].interval", s.horizon.periods)
        if p.doses_per_course == 2:
            out += [
                problem(f"products[{i}].interval[{j}]" if len(p.interval) > 1 else f"products[{i}].interval",
                        "a two-dose product needs an interval >= 1", v)
                for j, v in enumerate(p.interval)
                if v < 1
            ]  # fmt: skip
        if p.id not in allowed:
            out.append(problem(f"products[{i}].id", "no group may receive this product", p.id))
    return out


def check_groups_and_regions(s: ScenarioModel) -> list[Problem]:
    """Group product lists and region populations name known ids; every region counts every group."""
    products = {p.id for p in s.products}
    groups = {g.id for g in s.groups}
    out: list[Problem] = []
    for i, g in enumerate(s.groups):
        out += _unknown(
            ((f"groups[{i}].products[{j}]", k) for j, k in enumerate(g.products or [])), products, "product"
        )
        if g.eligible_from >= s.horizon.periods:
            out.append(
                problem(
                    f"groups[{i}].eligible_from", f"outside the horizon of {s.horizon.periods} periods", g.eligible_from
                )
            )
    for i, r in enumerate(s.regions):
        out += _unknown(((f"regions[{i}].population.{gid}", gid) for gid in r.population), groups, "group")
        out += [
            problem(f"regions[{i}].population", f"no population given for group '{g.id}'", sorted(r.population))
            for g in s.groups
            if g.id not in r.population
        ]
    in_groups = sum(sum(r.population.values()) for r in s.regions)
    if in_groups == 0:
        out.append(problem("regions", "the total population is zero", 0))
    if s.population_total is not None and s.population_total < in_groups:
        message = f"smaller than the groups' population ({in_groups:,.0f})"
        out.append(problem("population_total", message, s.population_total))
    return out


def _per_period(values: Sequence[float] | None, path: str, periods: int) -> list[Problem]:
    if values is None or len(values) in (1, periods):
        return []
    return [problem(path, f"needs 1 value or one per period ({periods})", f"{len(values)} values")]


def check_partners(s: ScenarioModel) -> list[Problem]:
    """Role-specific references, per-period lengths, commitments, and one payer at least."""
    T = s.horizon.periods
    products = {p.id for p in s.products}
    regions = {r.id for r in s.regions}
    sites = {p.id for p in s.partners if isinstance(p, Site)}
    out: list[Problem] = []
    for i, p in enumerate(s.partners):
        at = f"partners[{i}]"
        if p.min_volume is not None and p.max_volume is not None and p.min_volume > p.max_volume:
            out.append(problem(f"{at}.min_volume", f"larger than max_volume {p.max_volume}", p.min_volume))
        if isinstance(p, Manufacturer):
            if p.over_promise is not None:
                out.append(
                    problem(
                        f"{at}.over_promise",
                        "is no longer used: a manufacturer's honest forecast is promise × reliability.mean, and "
                        "without sharing it announces its promise; remove the field (fold it into reliability.mean)",
                        p.over_promise,
                    )
                )
            out += _unknown(((f"{at}.products[{j}]", k) for j, k in enumerate(p.products)), products, "product")
            made = set(p.products)
            out += [
                problem(f"{at}.supply.{k}", "supply of a product the manufacturer does not make", k)
                for k in p.supply
                if k not in made
            ]
            out += [
                problem(f"{at}.supply", f"no supply given for product '{k}'", sorted(p.supply))
                for k in p.products
                if k not in p.supply
            ]
            out += [
                problem(f"{at}.price.{k}", "price of a product the manufacturer does not make", k)
                for k in p.price
                if k not in made
            ]
            for k, v in p.supply.items():
                out += _per_period(v, f"{at}.supply.{k}", T)
        elif isinstance(p, Distributor):
            out += _per_period(p.throughput, f"{at}.throughput", T)
        elif isinstance(p, Site):
            if p.region not in regions:
                out.append(problem(f"{at}.region", "unknown region", p.region))
            out += _per_period(p.capacity, f"{at}.capacity", T)
            out += _per_period(p.staff_hours, f"{at}.staff_hours", T)
            if p.staff_hours is not None and p.minutes_per_dose == 0:
                out.append(problem(f"{at}.minutes_per_dose", "staff_hours given but minutes_per_dose is 0", 0))
        elif isinstance(p, VolunteerOrg):
            out += _per_period(p.hours, f"{at}.hours", T)
            out += _unknown(((f"{at}.sites[{j}]", x) for j, x in enumerate(p.sites or [])), sites, "site")
            out += _unknown(((f"{at}.regions[{j}]", x) for j, x in enumerate(p.regions or [])), regions, "region")
    if not any(isinstance(p, Payer) for p in s.partners):
        out.append(problem("partners", "needs a partner with role 'payer'", sorted({p.role for p in s.partners})))
    for role, cls in (("manufacturer", Manufacturer), ("site", Site)):
        if not any(isinstance(p, cls) for p in s.partners):
            out.append(
                problem(
                    "partners", f"needs at least one partner with role '{role}'", sorted({p.role for p in s.partners})
                )
            )
    return out


_SENDS = {"manufacturer": ("distributor", "site"), "distributor": ("distributor", "site")}


def _find_cycle(edges: dict[str, list[str]]) -> list[str] | None:
    """A directed cycle in ``edges`` as a list of nodes, or None (iterative depth-first search)."""
    colour: dict[str, int] = {}
    for root in edges:
        if colour.get(root):
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = []
        while stack:
            node, nxt = stack.pop()
            if nxt == 0:
                colour[node] = 1
                path.append(node)
            children = edges.get(node, [])
            if nxt < len(children):
                stack.append((node, nxt + 1))
                child = children[nxt]
                if colour.get(child) == 1:
                    return [*path[path.index(child) :], child]
                if not colour.get(child):
                    stack.append((child, 0))
            else:
                colour[node] = 2
                path.pop()
    return None


def check_lanes(s: ScenarioModel) -> list[Problem]:
    """Lanes join known partners in the direction supply flows, carry products both ends handle,
    form no cycle, and every site is reached; silo shares of one sender add up to at most 1."""
    T = s.horizon.periods
    roles = {p.id: p.role for p in s.partners}
    products = {p.id: p for p in s.products}
    by_id = {p.id: p for p in s.partners}
    out: list[Problem] = []
    edges: dict[str, list[str]] = {}
    shares: dict[str, float] = {}
    for i, lane in enumerate(s.lanes):
        at = f"lanes[{i}]"
        src, dst = roles.get(lane.source), roles.get(lane.target)
        if src is None:
            out.append(problem(f"{at}.from", "unknown partner", lane.source))
        if dst is None:
            out.append(problem(f"{at}.to", "unknown partner", lane.target))
        if src and dst and dst not in _SENDS.get(src, ()):
            out.append(problem(at, f"a {src} cannot ship to a {dst}", f"{lane.source} -> {lane.target}"))
        if lane.source == lane.target:
            out.append(problem(at, "a lane from a partner to itself", lane.source))
        out += _unknown(
            ((f"{at}.products[{j}]", k) for j, k in enumerate(lane.products or [])), set(products), "product"
        )
        out += _per_period(lane.capacity, f"{at}.capacity", T)
        if lane.lead_time >= T:
            out.append(problem(f"{at}.lead_time", f"not shorter than the horizon of {T} periods", lane.lead_time))
        if lane.silo_share is not None:
            shares[lane.source] = shares.get(lane.source, 0.0) + lane.silo_share
        edges.setdefault(lane.source, []).append(lane.target)
        target = by_id.get(lane.target)
        chain = getattr(target, "cold_chain", None)
        carried = lane.products or list(products)
        if chain is not None and not any(products[k].storage in chain for k in carried if k in products):
            out.append(problem(at, f"'{lane.target}' cannot store any product of this lane", sorted(chain)))
    out += [
        problem("lanes", f"silo shares of the lanes from '{src}' add up to more than 1", round(total, 6))
        for src, total in shares.items()
        if total > 1 + 1e-9
    ]
    cycle = _find_cycle(edges)
    if cycle:
        out.append(problem("lanes", "the lanes form a cycle", " -> ".join(cycle)))
    reached = {lane.target for lane in s.lanes}
    out += [
        problem(f"partners[{i}]", "no lane reaches this site", p.id)
        for i, p in enumerate(s.partners)
        if isinstance(p, Site) and p.id not in reached
    ]
    return out


def check_service(s: ScenarioModel) -> list[Problem]:
    """Service pairs name known sites and regions, once each; every site serves some region."""
    regions = {r.id for r in s.regions}
    sites = {p.id for p in s.partners if isinstance(p, Site)}
    out: list[Problem] = []
    pairs = Counter((x.site, x.region) for x in s.service)
    for i, x in enumerate(s.service):
        if x.site not in sites:
            out.append(problem(f"service[{i}].site", "unknown site", x.site))
        if x.region not in regions:
            out.append(problem(f"service[{i}].region", "unknown region (a site serving it cannot exist)", x.region))
        if pairs[(x.site, x.region)] > 1:
            out.append(problem(f"service[{i}]", "duplicate service pair", f"{x.site} -> {x.region}"))
    served = {x.site for x in s.service}
    out += [
        problem(f"partners[{i}]", "this site serves no region (add a service entry)", p.id)
        for i, p in enumerate(s.partners)
        if isinstance(p, Site) and p.id not in served
    ]
    return out


def check_events(s: ScenarioModel) -> list[Problem]:
    """Events fall inside the horizon and name partners of the right role, products and groups."""
    T = s.horizon.periods
    roles = {p.id: p.role for p in s.partners}
    products = {p.id for p in s.products}
    groups = {g.id for g in s.groups}
    out: list[Problem] = []
    for i, ev in enumerate(s.events):
        at = f"events[{i}]"
        if ev.start >= T:
            out.append(problem(f"{at}.start", f"outside the horizon of {T} periods", ev.start))
        if ev.end is not None and not ev.start <= ev.end < T:
            out.append(problem(f"{at}.end", f"must lie in [start, {T - 1}]", ev.end))
        if isinstance(ev, SupplyCut | BatchDestruction | CapacityLoss):
            want = {
                SupplyCut: ("manufacturer",),
                BatchDestruction: ("manufacturer", "distributor", "site"),
                CapacityLoss: ("distributor", "site"),
            }[type(ev)]
            role = roles.get(ev.partner)
            if role is None:
                out.append(problem(f"{at}.partner", "unknown partner", ev.partner))
            elif role not in want:
                out.append(
                    problem(f"{at}.partner", f"a {ev.kind} needs a {' or '.join(want)}, not a {role}", ev.partner)
                )
        if (
            isinstance(ev, SupplyCut | BatchDestruction | ConfidenceShock)
            and ev.product is not None
            and ev.product not in products
        ):
            out.append(problem(f"{at}.product", "unknown product", ev.product))
        if isinstance(ev, VariantSurge):
            out += _unknown(((f"{at}.groups[{j}]", g) for j, g in enumerate(ev.groups or [])), groups, "group")
    return out


def check_money(s: ScenarioModel) -> list[Problem]:
    """Transfer rules name known partners."""
    if isinstance(s.money.transfers, str):
        return []
    known = {p.id for p in s.partners}
    out: list[Problem] = []
    for i, rule in enumerate(s.money.transfers):
        out += _unknown(
            [(f"money.transfers[{i}].from", rule.payer), (f"money.transfers[{i}].to", rule.payee)], known, "partner"
        )
    return out


def check_schedules(s: ScenarioModel) -> list[Problem]:
    """Opening hours open before they close and fall on the slot grid; shifts fit in a day."""
    out: list[Problem] = []
    for i, p in enumerate(s.partners):
        if not isinstance(p, Site) or p.schedule is None:
            continue
        sch = p.schedule
        base = f"partners[{i}].schedule"
        for day, (start, end) in sch.opening.items():
            if not start < end:
                out.append(problem(f"{base}.opening.{day}", "must open before it closes", [start, end]))
            for h in (start, end):
                if abs(h * 60 / sch.slot_minutes - round(h * 60 / sch.slot_minutes)) > 1e-9:
                    out.append(
                        problem(f"{base}.opening.{day}", f"hours must fall on the {sch.slot_minutes}-minute grid", h)
                    )
        for j, hours in enumerate(sch.shift_hours):
            if abs(hours * 60 / sch.slot_minutes - round(hours * 60 / sch.slot_minutes)) > 1e-9:
                out.append(problem(f"{base}.shift_hours[{j}]", f"must be whole {sch.slot_minutes}-minute slots", hours))
    return out


CHECKS: tuple[Check, ...] = (
    check_unique_ids,
    check_products,
    check_groups_and_regions,
    check_partners,
    check_lanes,
    check_service,
    check_events,
    check_money,
    check_schedules,
)


def check_scenario(s: ScenarioModel) -> list[Problem]:
    """Every cross-reference problem of ``s``, in file order per check."""
    return [p for check in CHECKS for p in check(s)]
