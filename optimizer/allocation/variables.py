"""The variable families of the allocation model, created only where they can be non-zero.

Dimensions: ``period`` t, ``lane`` e, ``product`` k, ``node`` n (manufacturers, then distributors, then
sites), ``site`` s, ``group`` g (policy order), ``region`` r, ``volunteer`` o.

- ``ship[lane, product, period]``: doses sent on lane e in period t, arriving at t + L_e; only where
  both ends handle k and the arrival falls inside the horizon.
- ``inv[node, product, period]``: stock at the end of period t at a node that can hold k.
- ``adm[pair, group, product, period]``: first doses (courses started) at the site of service pair
  p = (s, r) for people of group g living in region r; only where g is eligible at t and may receive k,
  the site can hold k and (g, r) has willing people. Indexing by service pair rather than by
  (site, region) keeps the index compact: a site serves one or two regions, not all of them.
  :func:`winwin.optimizer.allocation.constraints.adm_coords` gives the (site, group, region, product, period) view. A two-dose product's second dose is booked
  ``interval`` periods later at the same site (see :func:`winwin.optimizer.allocation.constraints.usage_terms`).
- ``waste[site, product, period]``: doses discarded at the end of period t (expired stock).
- ``vol[volunteer, site, period]``: volunteer hours an organisation gives a site that has a staffing limit.
- ``open[group, region, period]`` (binary, strict priority only): group g may be vaccinated in r at t.
"""

from __future__ import annotations

import numpy as np

from winwin.data import Scenario
from winwin.optimizer.lp.linear import LinearProgram


def dimension_sizes(sc: Scenario) -> dict[str, int]:
    return {
        "period": sc.T,
        "lane": len(sc.lanes),
        "product": len(sc.products),
        "node": len(sc.nodes),
        "site": len(sc.sites),
        "group": len(sc.groups),
        "region": len(sc.regions),
        "pair": len(sc.spec.service),
        "volunteer": len(sc.volunteers),
        "manufacturer": len(sc.manufacturers),
        "distributor": len(sc.distributors),
        "partner": len(sc.partners),
    }


def node_handles(sc: Scenario) -> np.ndarray:
    """handles[node, product]: the node makes k (manufacturer) or some lane can bring it k."""
    handles = np.zeros((len(sc.nodes), len(sc.products)), dtype=bool)
    for m, mid in enumerate(sc.manufacturers.ids):
        handles[m] = sc.stores(mid)
    if len(sc.lanes):
        np.logical_or.at(handles, sc.lane_target, sc.lane_carries)
    return handles


def site_nodes(sc: Scenario) -> np.ndarray:
    """Node position of every site."""
    return np.arange(len(sc.sites)) + len(sc.manufacturers) + len(sc.distributors)


def staffed_sites(sc: Scenario) -> np.ndarray:
    """staffed[site]: the site states staff hours and minutes per dose (a staffing row exists)."""
    return np.isfinite(sc.staff_hours).all(axis=1) & (sc.minutes_per_dose > 0)


def define_variables(sc: Scenario, lp: LinearProgram, strict_priority: bool) -> None:
    """Add every variable family (see the module docstring) to ``lp``."""
    T = sc.T
    t = np.arange(T)
    handles = node_handles(sc)
    ship_mask = sc.lane_carries[:, :, None] & ((t[None, :] + sc.lane_lead[:, None]) <= T - 1)[:, None, :]
    lp.add_vars("ship", ("lane", "product", "period"), ship_mask)
    lp.add_vars("inv", ("node", "product", "period"), np.repeat(handles[:, :, None], T, axis=2))
    site_handles = handles[site_nodes(sc)]
    adm_mask = (
        sc.eligible[None, :, None, :]
        & sc.allowed[None, :, :, None]
        & site_handles[sc.pair_site][:, None, :, None]
        & (sc.willing[:, sc.pair_region] > 0).T[:, :, None, None]
    )
    lp.add_vars("adm", ("pair", "group", "product", "period"), adm_mask)
    lp.add_vars("waste", ("site", "product", "period"), np.repeat(site_handles[:, :, None], T, axis=2))
    vol_mask = sc.volunteer_serves[:, :, None] & staffed_sites(sc)[None, :, None] & np.ones(T, dtype=bool)
    lp.add_vars("vol", ("volunteer", "site", "period"), vol_mask)
    if strict_priority:
        open_mask = sc.eligible[:, None, :] & (sc.willing > 0)[:, :, None]
        open_mask[0] = False  # the first group needs no gate
        lp.add_vars("open", ("group", "region", "period"), open_mask, lb=0.0, ub=1.0, integer=True)
