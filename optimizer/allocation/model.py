"""Build the allocation model of DESIGN §4 from a scenario: variables, constraints, PX and utilities.

Patient experience. Waiting is counted in risk-weighted person-periods from eligibility to the end of
the horizon and beyond it. With ``ρ[g,t]`` the risk weight (variant surges applied), τ the scenario's
``experience.terminal_periods`` and ``R[g,t] = Σ_{u≥t} ρ[g,u] + τ·ρ[g,T−1]``, vaccinating one person of g in
t saves ``R[g,t]`` of waiting, so with ``W₀ = Σ_{g,r} willing[g,r]·R[g,e_g]`` (nobody vaccinated) and μ the
travel weight:

    PX = 100 · (Σ adm[s,g,r,k,t] · (R[g,t] − μ·travel[s,r])) / W₀  =  100 · (1 − W/W₀)  − travel term

Partner utilities are linear in the plan, ``U = U_mat·x + U_const``:
manufacturer (price − unit cost − lane cost) per dose dispatched; distributor (fee − unit cost − lane
cost) per dose dispatched; site (fee − unit cost) per dose used; volunteer organisation (value − cost)
per hour given; payer ``value_per_px_point · PX`` minus everything it pays; every partner minus its
fixed cost per period.

The tail τ·ρ[g,T−1] is a terminal value: protection does not end with the horizon, and without it a dose in
the last weeks saves almost nothing while it costs its full price, so a plan (and a bargaining split
trading PX for money) would abandon the last priority group for accounting reasons. Valuing the periods
after the horizon as the last one repeated is the stationary-tail correction of end effects in multistage
programs (Grinold, "Model building techniques for the correction of end effects in multistage convex
programs", Operations Research 31(3), 1983). τ = 0 keeps the horizon's own accounting.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from winwin.data import Scenario
from winwin.data.schema import Distributor, Manufacturer, VolunteerOrg
from winwin.optimizer.allocation.constraints import (
    CONSTRAINT_FAMILIES,
    Context,
    define_priority_constraints,
    payment_terms,
)
from winwin.optimizer.allocation.variables import define_variables, dimension_sizes
from winwin.optimizer.lp.linear import LinearProgram
from winwin.optimizer.lp.solvers import Problem


@dataclass
class AllocationModel:
    """The built model: the program, its matrix, and the linear forms of PX, utilities and payments."""

    scenario: Scenario
    lp: LinearProgram
    A: sp.csr_matrix
    px: np.ndarray
    """PX per unit of each variable (PX = px · x)."""
    W0: float
    strict_priority: bool
    threshold: float
    context: Context
    build_seconds: float = 0.0

    @cached_property
    def _utility_forms(self) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        # built on first use: a solve does not need them, the write-back and the concepts do
        return utility_matrix(self.context, self.px)

    @property
    def utility(self) -> sp.csr_matrix:
        """utility[partner, variable]."""
        return self._utility_forms[0]

    @property
    def utility_const(self) -> np.ndarray:
        return self._utility_forms[1]

    @property
    def payments(self) -> np.ndarray:
        """The payer's spend per unit of each variable."""
        return self._utility_forms[2]

    @property
    def n_vars(self) -> int:
        return self.lp.n_vars

    def utilities(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.utility @ x).ravel() + self.utility_const

    def welfare(self) -> np.ndarray:
        """Σ_p utility_p per unit: money value of PX minus real costs (payments cancel out)."""
        return np.asarray(self.utility.sum(axis=0)).ravel()

    def problem(
        self,
        objective: np.ndarray,
        rows: sp.csr_matrix | None = None,
        row_lb: np.ndarray | None = None,
        row_ub: np.ndarray | None = None,
        maximize: bool = True,
    ) -> Problem:
        """The model with ``objective`` (scaled to a largest coefficient of 1 for the solver's tolerances)
        and optional extra rows ``row_lb ≤ rows·x ≤ row_ub``."""
        scale = objective_scale(objective)
        A, lo, hi = self.A, self.lp.row_lb, self.lp.row_ub
        if rows is not None:
            assert row_lb is not None and row_ub is not None
            A = sp.vstack([A, rows], format="csr")
            lo, hi = np.concatenate([lo, row_lb]), np.concatenate([hi, row_ub])
        return Problem(objective / scale, A, lo, hi, self.lp.lb, self.lp.ub, self.lp.integrality, maximize)

    def violation(self, x: np.ndarray) -> float:
        """Largest violation of any row or bound by ``x`` (0 for a feasible point)."""
        ax = self.A @ x
        rows = np.maximum(self.lp.row_lb - ax, ax - self.lp.row_ub)
        cols = np.maximum(self.lp.lb - x, x - self.lp.ub)
        return float(max(rows.max(initial=0.0), cols.max(initial=0.0)))


def objective_scale(objective: np.ndarray) -> float:
    """Largest coefficient of an objective (1 for an all-zero one): solvers see ``objective / scale``."""
    return float(np.abs(objective).max(initial=0.0)) or 1.0


def waiting_weights(sc: Scenario) -> tuple[np.ndarray, float]:
    """``(R[group, period], W₀)``: remaining risk-weighted periods and the waiting of vaccinating nobody."""
    R = np.cumsum(sc.risk[:, ::-1], axis=1)[:, ::-1] + sc.spec.experience.terminal_periods * sc.risk[:, -1:]
    W0 = float((sc.willing * R[np.arange(len(sc.groups)), sc.eligible_from][:, None]).sum())
    return R, W0


def px_coefficients(sc: Scenario, lp: LinearProgram) -> tuple[np.ndarray, float]:
    """PX per first dose, ``(vector over variables, W₀)`` (see the module docstring)."""
    R, W0 = waiting_weights(sc)
    c = np.zeros(lp.n_vars)
    adm = lp.var_blocks["adm"]
    pair, g, _k, t = adm.coords()
    mu = sc.spec.experience.travel_weight
    travel = sc.pair_travel[pair]
    if W0 > 0:
        c[adm.columns()] = 100.0 * (R[g, t] - mu * travel) / W0
    return c, W0


def utility_matrix(ctx: Context, px: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """``(utility[partner, variable], constant[partner], payments[variable])``."""
    sc, lp = ctx.sc, ctx.lp
    P = len(sc.partners)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []

    def add(partner: np.ndarray, col: np.ndarray, val: np.ndarray | float) -> None:
        rows.append(np.asarray(partner))
        cols.append(np.asarray(col))
        vals.append(np.broadcast_to(np.asarray(val, dtype=float), np.shape(col)).copy())

    node_partner = sc.partners.positions(list(sc.nodes.ids))
    unit_cost = np.array([getattr(sc.partner(n), "unit_cost", 0.0) for n in sc.nodes.ids])
    margin = np.zeros((len(sc.nodes), len(sc.products)))
    for n, nid in enumerate(sc.nodes.ids):
        p = sc.partner(nid)
        if isinstance(p, Manufacturer):
            margin[n] = sc.price[sc.manufacturers.pos(nid)]
        elif isinstance(p, Distributor):
            margin[n] = p.fee
    e, k, _t, c = ctx.ship
    src = sc.lane_source[e]
    add(node_partner[src], c, margin[src, k] - unit_cost[src] - sc.lane_cost[e])
    s, _k, _t2, uc = ctx.usage
    site_margin = np.array([sc.site(x).fee - sc.site(x).unit_cost for x in sc.sites.ids])
    add(sc.partners.positions(list(sc.sites.ids))[s], uc, site_margin[s])
    vol = lp.var_blocks["vol"]
    o, _s, _t3 = vol.coords()
    orgs = [sc.partner(v) for v in sc.volunteers.ids]
    vol_margin = np.array([v.value_per_hour - v.cost_per_hour for v in orgs if isinstance(v, VolunteerOrg)])
    add(sc.partners.positions(list(sc.volunteers.ids))[o], vol.columns(), vol_margin[o] if o.size else 0.0)
    pay_cols, pay_vals = payment_terms(ctx)
    payer = sc.partners.pos(sc.payers.ids[0])
    add(np.full(pay_cols.size, payer), pay_cols, -pay_vals)
    nz = np.nonzero(px)[0]
    add(np.full(nz.size, payer), nz, sc.spec.money.value_per_px_point * px[nz])
    utility = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(P, lp.n_vars))
    utility.sum_duplicates()
    const = -np.array([p.fixed_cost for p in sc.spec.partners]) * sc.T
    payments = np.zeros(lp.n_vars)
    np.add.at(payments, pay_cols, pay_vals)
    return utility, const, payments


def build_allocation_model(
    sc: Scenario, strict_priority: bool | None = None, threshold: float | None = None
) -> AllocationModel:
    """Build the whole model; ``strict_priority``/``threshold`` default to the payer's policy."""
    import time

    start = time.perf_counter()
    policy = sc.payer.policy
    strict = policy.strict_priority if strict_priority is None else strict_priority
    theta = policy.coverage_threshold if threshold is None else threshold
    lp = LinearProgram(dimension_sizes(sc))
    define_variables(sc, lp, strict)
    ctx = Context(sc, lp)
    for family in CONSTRAINT_FAMILIES:
        family(ctx)
    if strict:
        define_priority_constraints(ctx, theta)
    px, W0 = px_coefficients(sc, lp)
    A = lp.matrix()
    return AllocationModel(sc, lp, A, px, W0, strict, theta, ctx, build_seconds=time.perf_counter() - start)
