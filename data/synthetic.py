"""Large, realistic synthetic ecosystems for scale tests, deterministic by seed.

The shape follows ``belgium-2021``: manufacturers (one product each) → a national hub → regional
distributors → sites; each site serves its own region and, one time in three, a neighbouring one.
Supply is sized to about 70 % of the willing population's doses over the horizon and site capacity
to about 1.3 × the weekly supply, so that plans are neither trivial nor infeasible.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from winwin.data.loader import from_model, parse
from winwin.data.scenario import Scenario

_STORAGE = ("ultra", "frozen", "fridge")
_KINDS = ("vaccination_centre", "hospital", "pharmacy", "gp")


def synthetic_document(
    n_sites: int, n_regions: int, n_groups: int, n_products: int, periods: int, seed: int
) -> dict[str, Any]:
    """The scenario document (a plain dict, as a YAML file would give) of :func:`synthetic`."""
    for name, value, low in (
        ("n_sites", n_sites, 1),
        ("n_regions", n_regions, 1),
        ("n_groups", n_groups, 1),
        ("n_products", n_products, 1),
        ("periods", periods, 2),
    ):
        if value < low:
            raise ValueError(f"{name}: must be >= {low}, got {value}")
    rng = np.random.default_rng(seed)
    T = periods
    products = [
        {
            "id": f"p{k}",
            "doses_per_course": 2 if k % 2 == 0 else 1,
            "interval": _interval(k, int(rng.integers(1, max(2, min(5, T // 2)))), T) if k % 2 == 0 else 0,
            "shelf_life": int(rng.integers(2, 13)),
            "doses_per_vial": int(rng.choice([5, 6, 10])),
            "storage": _STORAGE[k % 3],
        }
        for k in range(n_products)
    ]
    risk = np.geomspace(30.0, 1.0, n_groups)
    groups = [
        {
            "id": f"g{g}",
            "rank": g + 1,
            "risk_weight": float(round(risk[g], 3)),
            "acceptance": float(round(rng.uniform(0.6, 0.95), 3)),
            "eligible_from": round(g * (T // 2) / max(1, n_groups - 1)) if n_groups > 1 else 0,
            "products": None
            if g % 3 != 1
            else [products[0]["id"]] + [p["id"] for p in products[1:] if rng.random() < 0.5],
        }
        for g in range(n_groups)
    ]
    shares = rng.dirichlet(np.ones(n_groups) * 3)
    regions: list[dict[str, Any]] = []
    total_population = 0
    for r in range(n_regions):
        pop = int(rng.lognormal(np.log(100_000), 0.5))
        population = {f"g{g}": int(pop * shares[g]) for g in range(n_groups)}
        total_population += sum(population.values())
        regions.append({"id": f"r{r}", "population": population})
    willing_doses = total_population * 0.8 * 1.5
    weekly_supply = 0.7 * willing_doses / T
    partners: list[dict[str, Any]] = []
    product_share = rng.dirichlet(np.ones(n_products))
    for k, prod in enumerate(products):
        share = product_share[k]
        profile = (weekly_supply * share * np.clip(rng.normal(1, 0.2, T), 0.3, None)).round().tolist()
        partners.append(
            {
                "id": f"m{k}",
                "role": "manufacturer",
                "products": [prod["id"]],
                "supply": {prod["id"]: profile},
                "price": {prod["id"]: float(round(rng.uniform(2, 20), 2))},
                "unit_cost": float(round(rng.uniform(1, 5), 2)),
                "reliability": {"mean": float(round(rng.uniform(0.6, 1.0), 2)), "sd": 0.05},
            }
        )
    n_dist = max(1, n_regions // 5)
    partners.append(
        {
            "id": "hub",
            "role": "distributor",
            "throughput": float(round(weekly_supply * 2)),
            "fee": 0.3,
            "unit_cost": 0.2,
        }
    )
    partners += [
        {
            "id": f"d{d}",
            "role": "distributor",
            "throughput": float(round(weekly_supply * 2 / n_dist)),
            "fee": 0.5,
            "unit_cost": 0.3,
        }
        for d in range(n_dist)
    ]
    site_region = np.sort(rng.integers(0, n_regions, n_sites))
    site_region[:n_regions] = np.arange(min(n_regions, n_sites))  # every region gets a site when possible
    capacity = 1.3 * weekly_supply / n_sites
    sites = []
    for s in range(n_sites):
        kind = _KINDS[int(rng.integers(0, 4))]
        has_fridge_product = any(p["storage"] == "fridge" for p in products)
        chain = ["fridge"] if kind == "pharmacy" and has_fridge_product else list(_STORAGE)
        sites.append(
            {
                "id": f"s{s}",
                "role": "site",
                "kind": kind,
                "region": f"r{site_region[s]}",
                "capacity": float(round(capacity * rng.uniform(0.5, 1.5))),
                "cold_chain": chain,
                "fee": float(round(rng.uniform(5, 12), 2)),
                "unit_cost": float(round(rng.uniform(3, 8), 2)),
            }
        )
    partners += sites
    partners.append({"id": "payer", "role": "payer"})
    lanes = [{"from": f"m{k}", "to": "hub", "lead_time": 0, "silo_share": 1.0} for k in range(n_products)]
    lanes += [{"from": "hub", "to": f"d{d}", "lead_time": 0, "cost": 0.05} for d in range(n_dist)]
    lanes += [
        {"from": f"d{site_region[s] % n_dist}", "to": f"s{s}", "lead_time": int(rng.integers(0, 2)), "cost": 0.1}
        for s in range(n_sites)
    ]
    service = []
    for s in range(n_sites):
        r = int(site_region[s])
        service.append({"site": f"s{s}", "region": f"r{r}", "travel_minutes": float(round(rng.uniform(5, 30), 1))})
        if n_regions > 1 and rng.random() < 1 / 3:
            service.append(
                {
                    "site": f"s{s}",
                    "region": f"r{(r + 1) % n_regions}",
                    "travel_minutes": float(round(rng.uniform(20, 60), 1)),
                }
            )
    # A group may receive no product that any site stocks only if products are all ultra: keep pharmacy-only
    # regions served by also allowing fridge products; the checks reject anything inconsistent.
    return {
        "name": f"synthetic-{n_sites}s-{n_regions}r-{n_groups}g-{n_products}p-{T}t-{seed}",
        "description": "synthetic ecosystem generated by data.synthetic",
        "horizon": {"periods": T},
        "products": products,
        "groups": [{k: v for k, v in g.items() if v is not None} for g in groups],
        "regions": regions,
        "partners": partners,
        "lanes": lanes,
        "service": service,
        "money": {"value_per_px_point": float(round(weekly_supply * 0.5)), "transfers": "any"},
    }


def synthetic(n_sites: int, n_regions: int, n_groups: int, n_products: int, periods: int, seed: int) -> Scenario:
    """A validated synthetic :class:`~winwin.data.scenario.Scenario`; the same arguments give the same scenario."""
    doc = synthetic_document(n_sites, n_regions, n_groups, n_products, periods, seed)
    return from_model(parse(doc, doc["name"]), doc["name"])


def _interval(k: int, drawn: int, periods: int) -> int | list[int]:
    """The drawn interval; the third product's lengthens by one period half-way (a campaign that changes its
    interval, as Belgium did in March 2021)."""
    if k != 2:
        return drawn
    return [drawn] * (periods // 2) + [drawn + 1] * (periods - periods // 2)

