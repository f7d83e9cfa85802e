"""Which decisions are made now and what a future can still change (issue 22, part 2).

The first stage is what cannot wait for the deliveries: every column of the first ``first_periods`` periods
(this week's shipments, stock, administrations, volunteer hours) and the **bookings** of the next period,
one per administration column of period ``first_periods`` (appointments are made a week ahead). A future
then decides everything else (its recourse), with two ways out of a promise it cannot keep:

- a **cancellation**: next period's administrations are capped by the bookings, ``adm_ξ[j] ≤ b[j]``, and
  every booking not given, ``b[j] − adm_ξ[j]``, costs its site ``money.cancellation_cost``;
- a **missed second dose** ``m_ξ[j] ≤ x[j]`` of a course started in the first stage: it undoes the second
  dose's terms (the stock, capacity, staffing, volume and budget it used in period t + I), costs the site its
  fee less its unit cost plus the cancellation cost, saves the payer the fee, and takes back
  ``(1 − experience.one_dose_share)`` of the course's PX, as the simulation's accounting does
  (:func:`winwin.optimizer.allocation.silo.missed_adjust`, :func:`~winwin.optimizer.allocation.silo.course_px_lost`).

Courses started in the recourse never miss their second dose: a two-stage program lets a future's later
decisions know that future (the standard two-stage approximation of a multistage problem; the rolling
simulation re-plans every week).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from winwin.optimizer.allocation.model import AllocationModel

SECOND_DOSE_BLOCKS = ("conservation", "administration", "staffing")
"""Row blocks over a period where a course's second dose has its own nonzeros."""
HALF_BLOCKS = ("commitments", "budget")
"""Row blocks without a period where both doses count alike (a second dose's share is half the coefficient)."""
CANCEL_FLOOR = 1e-3
"""A cancellation costs the objective at least this share of a typical first dose's PX: a booking that will
not be kept is never free, even in a scenario without a cancellation cost (else bookings are arbitrary)."""


@dataclass(frozen=True)
class Stages:
    """The split of a model's columns into the first stage and a future's recourse (module docstring)."""

    first: np.ndarray
    """Model columns decided now."""
    later: np.ndarray
    """Model columns each future decides."""
    booked: np.ndarray
    """Model ``adm`` columns of the booking period (their bookings are first-stage columns)."""
    due: np.ndarray
    """First-stage ``adm`` columns whose second dose falls inside the horizon."""
    miss: sp.csc_matrix
    """``[model row, due]``: the terms a missed second dose removes (negated second-dose terms)."""
    miss_utility: sp.csr_matrix
    """``[partner, due]``: each partner's utility per missed second dose."""
    miss_px: np.ndarray
    """PX lost per missed second dose (the course's share), without the cancellation cost."""
    booking_site: np.ndarray
    """Partner position of the site of every booking."""
    cancel_cost: float
    """``money.cancellation_cost`` per booking not kept or second dose missed (euros)."""
    cancel_px: float
    """The same in PX points (at the payer's value of a point), at least :data:`CANCEL_FLOOR` of a first dose's."""
    supply_rows: np.ndarray
    """Model rows of the ``supply`` block."""
    supply_coords: tuple[np.ndarray, ...]
    """``(manufacturer node, product, period)`` of each supply row."""
    periods: int


def split_stages(model: AllocationModel, first_periods: int = 1) -> Stages:
    """The stages of ``model`` (module docstring); ``first_periods`` ≥ 1 periods are decided now."""
    sc, lp = model.scenario, model.lp
    if model.strict_priority:
        raise ValueError("the two-stage plan is a linear program: strict priority (a MIP) is not supported")
    period = np.empty(lp.n_vars, dtype=np.int64)
    for block in lp.var_blocks.values():
        period[block.columns()] = block.coords()[-1]
    first = np.nonzero(period < first_periods)[0]
    later = np.nonzero(period >= first_periods)[0]
    adm = lp.var_blocks["adm"]
    pair, _g, k, t = adm.coords()
    booked = adm.columns()[t == first_periods]
    site_partner = sc.partners.positions(list(sc.sites.ids))
    booking_site = site_partner[sc.pair_site[pair[t == first_periods]]]
    gap = sc.interval[k, t]
    due_mask = (t < first_periods) & (gap > 0) & (t + gap < sc.T)
    due = adm.columns()[due_mask]
    due_period = (t + gap)[due_mask]
    miss = _second_dose_terms(model, due, due_period)
    value = sc.spec.money.value_per_px_point
    cost = sc.spec.money.cancellation_cost
    fee = np.array([sc.site(s).fee for s in sc.sites.ids])
    unit = np.array([sc.site(s).unit_cost for s in sc.sites.ids])
    s_due = sc.pair_site[pair[due_mask]]
    lost = (1.0 - sc.spec.experience.one_dose_share) * model.px[due]
    payer = sc.partners.pos(sc.payers.ids[0])
    cols = np.arange(due.size)
    miss_utility = sp.csr_matrix(
        (
            np.concatenate([-(fee[s_due] - unit[s_due]) - cost, fee[s_due] - value * lost]),
            (np.concatenate([site_partner[s_due], np.full(due.size, payer)]), np.concatenate([cols, cols])),
        ),
        shape=(len(sc.partners), due.size),
    )
    supply = lp.row_blocks["supply"]
    return Stages(
        first=first,
        later=later,
        booked=booked,
        due=due,
        miss=miss,
        miss_utility=miss_utility,
        miss_px=lost,
        booking_site=booking_site,
        cancel_cost=cost,
        cancel_px=max(cost / value if value > 0 else 0.0, CANCEL_FLOOR * _typical_px(model)),
        supply_rows=np.arange(supply.start, supply.stop),
        supply_coords=supply.coords,
        periods=first_periods,
    )


def _typical_px(model: AllocationModel) -> float:
    """The median PX of a first dose (the scale of the objective's coefficients)."""
    px = np.abs(model.px[model.lp.var_blocks["adm"].columns()])
    return float(np.median(px[px > 0])) if (px > 0).any() else 0.0


def _second_dose_terms(model: AllocationModel, due: np.ndarray, due_period: np.ndarray) -> sp.csc_matrix:
    """``[model row, due]``: minus the terms of each due column's second dose (module docstring)."""
    lp = model.lp
    row_period = np.full(lp.n_rows, -1, dtype=np.int64)
    row_kind = np.zeros(lp.n_rows, dtype=np.int8)  # 1: a period row of a second dose, 2: half
    for name, block in lp.row_blocks.items():
        block_rows = np.arange(block.start, block.stop)
        if name in SECOND_DOSE_BLOCKS:
            row_period[block_rows] = block.coords[block.dims.index("period")]
            row_kind[block_rows] = 1
        elif name in HALF_BLOCKS:
            row_kind[block_rows] = 2
    column = model.A.tocsc()[:, due].tocoo()
    rows, j, vals = np.asarray(column.row, dtype=np.int64), np.asarray(column.col, dtype=np.int64), column.data
    keep = ((row_kind[rows] == 1) & (row_period[rows] == due_period[j])) | (row_kind[rows] == 2)
    vals = np.where(row_kind[rows] == 2, 0.5 * vals, vals)
    out = sp.csc_matrix((-vals[keep], (rows[keep], j[keep])), shape=(lp.n_rows, due.size))
    _check_second_doses(model, due, out)
    return out


def _check_second_doses(model: AllocationModel, due: np.ndarray, miss: sp.csc_matrix) -> None:
    """Every due column's second dose must leave its site's stock once: one −1 in a conservation row."""
    block = model.lp.row_blocks["conservation"]
    coo = miss.tocoo()
    inside = (coo.row >= block.start) & (coo.row < block.stop)
    per_column = np.bincount(coo.col[inside], weights=coo.data[inside], minlength=due.size)
    if not np.allclose(per_column, -1.0):
        raise AssertionError("a first-stage course's second dose was not found in its site's stock balance")
