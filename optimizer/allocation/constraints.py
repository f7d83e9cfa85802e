"""The constraint families of the allocation model, one ``define_<family>_constraints`` each.

Every function adds one named row block to the model with array operations only (no loop per row or
variable). Notation as in :mod:`winwin.optimizer.allocation.variables`; ``usage[s,k,t]`` is the doses a site uses in t:

    usage[s,k,t] = Σ_{g,r} adm[s,g,r,k,t] + Σ_{g,r} adm[s,g,r,k,t − I_k]      (second doses, I_k > 0)

so the second-dose linkage is substituted into every row that counts doses (see
:func:`define_second_dose_linkage`). Stable row-block names: ``supply``, ``conservation``,
``lane_capacity``, ``throughput``, ``storage``, ``administration``, ``staffing``, ``volunteer_hours``,
``freshness``, ``demand``, ``confidence``, ``commitments``, ``budget``, ``priority_gate``,
``priority_coverage``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from winwin.data import Scenario
from winwin.data.schema import Distributor, Manufacturer, Site, VolunteerOrg
from winwin.optimizer.allocation.variables import node_handles, site_nodes, staffed_sites
from winwin.optimizer.lp.linear import LinearProgram

Coords = tuple[np.ndarray, ...]
Term = tuple[Coords, np.ndarray, np.ndarray | float]


def adm_coords(sc: Scenario, lp: LinearProgram) -> tuple[np.ndarray, ...]:
    """``(site, group, region, product, period)`` of every ``adm`` variable, in column order."""
    p, g, k, t = lp.var_blocks["adm"].coords()
    return sc.pair_site[p], g, sc.pair_region[p], k, t


@dataclass
class Context:
    """What every constraint family reads: the scenario, the program, and shared term arrays."""

    sc: Scenario
    lp: LinearProgram

    @cached_property
    def adm(self) -> tuple[np.ndarray, ...]:
        return adm_coords(self.sc, self.lp)

    @cached_property
    def usage(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(site, product, period, column)`` of every nonzero of ``usage[s,k,t]`` (coefficient 1)."""
        s, _g, _r, k, t = self.adm
        cols = self.lp.var_blocks["adm"].columns()
        gap = self.sc.interval[k, t]
        t2 = t + gap
        second = (gap > 0) & (t2 < self.sc.T)
        return (
            np.concatenate([s, s[second]]),
            np.concatenate([k, k[second]]),
            np.concatenate([t, t2[second]]),
            np.concatenate([cols, cols[second]]),
        )

    @cached_property
    def ship(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(lane, product, period, column)`` of every ``ship`` variable."""
        e, k, t = self.lp.var_blocks["ship"].coords()
        return e, k, t, self.lp.var_blocks["ship"].columns()

    @cached_property
    def balance_terms(self) -> list[Term]:
        """Nonzeros of the stock balance rows over ``(node, product, period)``."""
        sc, lp = self.sc, self.lp
        terms: list[Term] = []
        n, k, t = lp.var_blocks["inv"].coords()
        cols = lp.var_blocks["inv"].columns()
        terms.append(((n, k, t), cols, 1.0))
        carry = t < sc.T - 1
        kept = 1.0 - sc.destruction[n[carry], k[carry], t[carry] + 1]
        terms.append(((n[carry], k[carry], t[carry] + 1), cols[carry], -kept))
        e, k, t, cols = self.ship
        terms.append(((sc.lane_source[e], k, t), cols, 1.0))
        terms.append(((sc.lane_target[e], k, t + sc.lane_lead[e]), cols, -1.0))
        s, k, t, cols = self.usage
        terms.append(((site_nodes(sc)[s], k, t), cols, 1.0))
        s, k, t = lp.var_blocks["waste"].coords()
        terms.append(((site_nodes(sc)[s], k, t), lp.var_blocks["waste"].columns(), 1.0))
        return terms

    @cached_property
    def handles(self) -> np.ndarray:
        return node_handles(self.sc)


def _node_rows(ctx: Context, first: int, stop: int) -> np.ndarray:
    mask = np.zeros((*ctx.handles.shape, ctx.sc.T), dtype=bool)
    mask[first:stop] = ctx.handles[first:stop, :, None]
    return mask


def define_supply_constraints(ctx: Context) -> None:
    """Stock balance at manufacturers, production as inflow (rows ``supply[node, product, period]``):

        inv[m,k,t] = (1 − δ[m,k,t])·inv[m,k,t−1] + S[m,k,t] − Σ_{e out of m} ship[e,k,t]

    S is the promised supply (supply cuts applied), δ the share destroyed by a batch destruction.
    """
    sc = ctx.sc
    M = len(sc.manufacturers)
    rhs = np.zeros((len(sc.nodes), len(sc.products), sc.T))
    rhs[:M] = sc.supply
    ctx.lp.add_rows("supply", ("node", "product", "period"), _node_rows(ctx, 0, M), ctx.balance_terms, rhs, rhs)


def define_conservation_constraints(ctx: Context) -> None:
    """Flow conservation with lead times at distributors and sites (rows ``conservation[node, product, period]``):

        inv[n,k,t] = (1 − δ[n,k,t])·inv[n,k,t−1] + Σ_{e into n} ship[e,k,t − L_e]
                     − Σ_{e out of n} ship[e,k,t] − usage[n,k,t] − waste[n,k,t]

    (usage and waste exist at sites only; stock starts at zero).
    """
    sc = ctx.sc
    M = len(sc.manufacturers)
    ctx.lp.add_rows(
        "conservation", ("node", "product", "period"), _node_rows(ctx, M, len(sc.nodes)), ctx.balance_terms, 0.0, 0.0
    )


def define_lane_capacity_constraints(ctx: Context) -> None:
    """Lane capacity (rows ``lane_capacity[lane, period]``, finite capacities only):

    Σ_k ship[e,k,t] ≤ C_e,t."""
    e, _k, t, cols = ctx.ship
    cap = ctx.sc.lane_capacity
    ctx.lp.add_rows("lane_capacity", ("lane", "period"), np.isfinite(cap), [((e, t), cols, 1.0)], ub=cap)


def define_throughput_constraints(ctx: Context) -> None:
    """Distributor throughput (rows ``throughput[distributor, period]``):

    Σ_{e out of d, k} ship[e,k,t] ≤ H_d,t."""
    sc = ctx.sc
    e, _k, t, cols = ctx.ship
    d = sc.lane_source[e] - len(sc.manufacturers)
    is_d = (d >= 0) & (d < len(sc.distributors))
    cap = sc.throughput
    ctx.lp.add_rows(
        "throughput", ("distributor", "period"), np.isfinite(cap), [((d[is_d], t[is_d]), cols[is_d], 1.0)], ub=cap
    )


def define_storage_constraints(ctx: Context) -> None:
    """Storage capacity (rows ``storage[node, period]``, where a node states one):

    Σ_k inv[n,k,t] ≤ V_n."""
    sc, lp = ctx.sc, ctx.lp
    n, _k, t = lp.var_blocks["inv"].coords()
    cap = np.repeat(sc.node_storage[:, None], sc.T, axis=1)
    lp.add_rows(
        "storage", ("node", "period"), np.isfinite(cap), [((n, t), lp.var_blocks["inv"].columns(), 1.0)], ub=cap
    )


def define_administration_constraints(ctx: Context) -> None:
    """Administration capacity (rows ``administration[site, period]``):

    Σ_k usage[s,k,t] ≤ A_s,t   (first and second doses; capacity losses applied)."""
    s, _k, t, cols = ctx.usage
    cap = ctx.sc.site_capacity
    ctx.lp.add_rows("administration", ("site", "period"), np.isfinite(cap), [((s, t), cols, 1.0)], ub=cap)


def define_staffing_constraints(ctx: Context) -> None:
    """Staff and volunteer hours (rows ``staffing[site, period]``, sites stating staff hours):

    m_s · Σ_k usage[s,k,t] ≤ 60 · (h_s,t + Σ_o vol[o,s,t])   (m_s staff minutes per dose)."""
    sc, lp = ctx.sc, ctx.lp
    s, _k, t, cols = ctx.usage
    _o, o_site, o_t = lp.var_blocks["vol"].coords()
    mask = staffed_sites(sc)[:, None] & np.ones(sc.T, dtype=bool)
    terms: list[Term] = [
        ((s, t), cols, sc.minutes_per_dose[s]),
        ((o_site, o_t), lp.var_blocks["vol"].columns(), -60.0),
    ]
    ub = np.where(mask, 60.0 * np.where(np.isfinite(sc.staff_hours), sc.staff_hours, 0.0), np.inf)
    lp.add_rows("staffing", ("site", "period"), mask, terms, ub=ub)


def define_volunteer_hours_constraints(ctx: Context) -> None:
    """Volunteer hours (rows ``volunteer_hours[volunteer, period]``):

    Σ_s vol[o,s,t] ≤ W_o,t."""
    lp, sc = ctx.lp, ctx.sc
    o, _s, t = lp.var_blocks["vol"].coords()
    mask = np.ones((len(sc.volunteers), sc.T), dtype=bool)
    lp.add_rows(
        "volunteer_hours",
        ("volunteer", "period"),
        mask,
        [((o, t), lp.var_blocks["vol"].columns(), 1.0)],
        ub=sc.volunteer_hours,
    )


def define_freshness_constraints(ctx: Context) -> None:
    """Shelf life at sites (rows ``freshness[site, product, period]`` for t ≥ SL_k):

        inv[s,k,t] ≤ Σ_{u = t−SL_k+1 .. t} inflow[s,k,u],   inflow[s,k,u] = Σ_{e into s} ship[e,k,u − L_e]

    stock held at the end of t must have arrived within the last SL_k periods (first in, first out);
    older doses leave through ``waste``. For t < SL_k the row is implied by conservation.
    """
    sc, lp = ctx.sc, ctx.lp
    T, S = sc.T, len(sc.sites)
    first_site = len(sc.manufacturers) + len(sc.distributors)
    mask = ctx.handles[first_site:, :, None] & (np.arange(T)[None, None, :] >= sc.shelf_life[None, :, None])
    n_s, k_s, t_s = lp.var_blocks["inv"].coords()
    at_site = n_s >= first_site
    terms: list[Term] = [
        ((n_s[at_site] - first_site, k_s[at_site], t_s[at_site]), lp.var_blocks["inv"].columns()[at_site], 1.0)
    ]
    e, k, t, cols = ctx.ship
    into_site = sc.lane_target[e] >= first_site
    e, k, t, cols = e[into_site], k[into_site], t[into_site], cols[into_site]
    arrival = t + sc.lane_lead[e]
    window = np.minimum(sc.shelf_life[k], T - arrival)  # rows arrival .. arrival+SL-1 inside the horizon
    reps = np.repeat(np.arange(len(arrival)), window)
    offset = np.arange(reps.size) - np.repeat(np.cumsum(window) - window, window)
    terms.append(((sc.lane_target[e][reps] - first_site, k[reps], arrival[reps] + offset), cols[reps], -1.0))
    assert mask.shape == (S, len(sc.products), T)
    lp.add_rows("freshness", ("site", "product", "period"), mask, terms, ub=0.0)


def define_demand_constraints(ctx: Context) -> None:
    """Willing population (rows ``demand[group, region]``):

    Σ_{s,k,t} adm[s,g,r,k,t] ≤ pop[g,r] · acceptance_g."""
    lp, sc = ctx.lp, ctx.sc
    _s, g, r, _k, _t = ctx.adm
    lp.add_rows(
        "demand", ("group", "region"), sc.willing > 0, [((g, r), lp.var_blocks["adm"].columns(), 1.0)], ub=sc.willing
    )


def confidence_cut(sc: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """``(first period, factor)`` per product of its confidence shock (period T and 1 where none)."""
    shocked = sc.confidence < 1.0
    start = np.where(shocked.any(axis=1), shocked.argmax(axis=1), sc.T)
    factor = sc.confidence.min(axis=1)
    return start, factor


def define_confidence_constraints(ctx: Context) -> None:
    """Confidence shocks (rows ``confidence[group, region, product]`` for shocked products):

    Σ_{s, t ≥ t0_k} adm[s,g,r,k,t] ≤ c_k · pop[g,r] · acceptance_g

    with t0_k the first shocked period and c_k the lowest confidence factor of product k."""
    lp, sc = ctx.lp, ctx.sc
    start, factor = confidence_cut(sc)
    _s, g, r, k, t = ctx.adm
    after = t >= start[k]
    mask = (sc.willing > 0)[:, :, None] & (start < sc.T)[None, None, :]
    ub = sc.willing[:, :, None] * factor[None, None, :]
    lp.add_rows(
        "confidence",
        ("group", "region", "product"),
        mask,
        [((g[after], r[after], k[after]), lp.var_blocks["adm"].columns()[after], 1.0)],
        ub=ub,
    )


def define_second_dose_linkage(ctx: Context) -> None:
    """Second doses: a course of a two-dose product started at (s, g, r, k, t) books its second dose at
    the same site in t + I_k. The equality ``dose2[s,g,r,k,t+I_k] = adm[s,g,r,k,t]`` is substituted
    into ``usage`` (see the module docstring), so it adds no rows: every stock, capacity and staffing
    row counts second doses where they fall. Second doses falling after the horizon are not counted
    (the plan's horizon ends; the rolling simulation sees them in later windows)."""
    del ctx


def volume_terms(ctx: Context) -> list[tuple[np.ndarray, np.ndarray, np.ndarray | float]]:
    """Nonzeros of each partner's volume ``(partner, column, coefficient)``: doses dispatched for a
    manufacturer or distributor, doses used for a site, hours given for a volunteer organisation."""
    sc, lp = ctx.sc, ctx.lp
    node_partner = sc.partners.positions(list(sc.nodes.ids))
    site_partner = sc.partners.positions(list(sc.sites.ids))
    vol_partner = sc.partners.positions(list(sc.volunteers.ids))
    e, _k, _t, cols = ctx.ship
    s, _k2, _t2, ucols = ctx.usage
    o, _s, _t3 = lp.var_blocks["vol"].coords()
    return [
        (node_partner[sc.lane_source[e]], cols, 1.0),
        (site_partner[s], ucols, 1.0),
        (vol_partner[o], lp.var_blocks["vol"].columns(), 1.0),
    ]


def define_commitment_constraints(ctx: Context) -> None:
    """Min/max volume commitments over the horizon (rows ``commitments[partner]``):

    lo_p ≤ volume_p ≤ hi_p   (volume as in :func:`volume_terms`)."""
    sc = ctx.sc
    lo = np.array([p.min_volume if p.min_volume is not None else -np.inf for p in sc.spec.partners])
    hi = np.array([p.max_volume if p.max_volume is not None else np.inf for p in sc.spec.partners])
    roles = (Manufacturer, Distributor, Site, VolunteerOrg)
    mask = (np.isfinite(lo) | np.isfinite(hi)) & np.array([isinstance(p, roles) for p in sc.spec.partners])
    terms: list[Term] = [((p,), cols, vals) for p, cols, vals in volume_terms(ctx)]
    ctx.lp.add_rows("commitments", ("partner",), mask, terms, lb=lo, ub=hi)


def payment_terms(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """``(column, coefficient)`` of the payer's spend: prices to manufacturers for doses dispatched,
    fees to distributors for doses dispatched, fees to sites for doses used."""
    sc = ctx.sc
    M, D = len(sc.manufacturers), len(sc.distributors)
    e, k, _t, cols = ctx.ship
    src = sc.lane_source[e]
    fee_d = np.array([sc.distributor(d).fee for d in sc.distributors.ids] or [0.0])
    price = np.where(src < M, sc.price[np.minimum(src, M - 1), k], 0.0)
    dist_fee = np.where((src >= M) & (src < M + D), fee_d[np.clip(src - M, 0, max(D - 1, 0))], 0.0)
    s, _k, _t2, ucols = ctx.usage
    fee_s = np.array([sc.site(x).fee for x in sc.sites.ids])
    return np.concatenate([cols, ucols]), np.concatenate([price + dist_fee, fee_s[s]])


def define_budget_constraints(ctx: Context) -> None:
    """Payer budget (rows ``budget[partner]`` for the paying payer when it states a budget):

    Σ prices·dispatched + Σ fees·dispatched + Σ fees·used ≤ B."""
    sc = ctx.sc
    payer = sc.partners.pos(sc.payers.ids[0])
    budget = sc.payer.budget
    mask = np.zeros(len(sc.partners), dtype=bool)
    mask[payer] = budget is not None
    cols, vals = payment_terms(ctx)
    ub = np.full(len(sc.partners), np.inf)
    ub[payer] = np.inf if budget is None else budget
    ctx.lp.add_rows("budget", ("partner",), mask, [((np.full(cols.size, payer),), cols, vals)], ub=ub)


def define_priority_constraints(ctx: Context, threshold: float) -> None:
    """Strict priority (MIP; rows ``priority_gate`` and ``priority_coverage`` over ``[group, region, period]``):

        Σ_{s,k} adm[s,g,r,k,t] ≤ willing[g,r] · open[g,r,t]
        θ · willing[g−1,r] · open[g,r,t] ≤ Σ_{s,k,u<t} adm[s,g−1,r,k,u]

    group g (policy order) opens in region r only once group g−1 there reached coverage θ of its willing
    population in the periods before t."""
    sc, lp = ctx.sc, ctx.lp
    op = lp.var_blocks["open"]
    mask = op.index >= 0
    g_o, r_o, t_o = op.coords()
    ocols = op.columns()
    _s, g, r, _k, t = ctx.adm
    acols = lp.var_blocks["adm"].columns()
    gate: list[Term] = [((g, r, t), acols, 1.0), ((g_o, r_o, t_o), ocols, -sc.willing[g_o, r_o])]
    lp.add_rows("priority_gate", ("group", "region", "period"), mask, gate, ub=0.0)
    # an administration of group g−1 at u counts for the gate of group g at every t > u
    nxt = g + 1 < len(sc.groups)
    g1, r1, t1, c1 = g[nxt] + 1, r[nxt], t[nxt], acols[nxt]
    reps_n = sc.T - 1 - t1
    reps = np.repeat(np.arange(g1.size), reps_n)
    offset = np.arange(reps.size) - np.repeat(np.cumsum(reps_n) - reps_n, reps_n)
    cov: list[Term] = [
        ((g_o, r_o, t_o), ocols, threshold * sc.willing[g_o - 1, r_o]),
        ((g1[reps], r1[reps], t1[reps] + 1 + offset), c1[reps], -1.0),
    ]
    lp.add_rows("priority_coverage", ("group", "region", "period"), mask, cov, ub=0.0)


CONSTRAINT_FAMILIES = (
    define_supply_constraints,
    define_conservation_constraints,
    define_lane_capacity_constraints,
    define_throughput_constraints,
    define_storage_constraints,
    define_administration_constraints,
    define_staffing_constraints,
    define_volunteer_hours_constraints,
    define_freshness_constraints,
    define_demand_constraints,
    define_confidence_constraints,
    define_second_dose_linkage,
    define_commitment_constraints,
    define_budget_constraints,
)
