"""The silo split rules as linear rows (DESIGN §6): what a partner outside a coalition keeps doing.

Each rule is a row ``x_j − w_j · Σ_l x_l = 0`` over the partner's own decisions (totals stay free):

- manufacturer: each lane's share of a product's dispatch in a period is its contract share;
- distributor: each lane's share is the eligible willing population served downstream (pro rata);
- site: within a priority group, doses go to the regions it serves in proportion to their willing people
  times the site's share of each region (first come, first served);
- volunteer organisation: hours over its sites pro rata to capacity;
- the payer has no split of its own to keep (its policy is the model's).

Used by the coalition values (non-members keep their rules) and by the rolling planner (a partner that
leaves the deal falls back to its rules).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from winwin.data import Scenario
from winwin.data.schema import Distributor, Manufacturer, Site, VolunteerOrg
from winwin.optimizer.allocation.model import AllocationModel
from winwin.optimizer.allocation.silo import (
    distributor_lane_weights,
    manufacturer_lane_shares,
    region_shares,
    volunteer_split,
)


def _proportion_rows(cols: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """COO of rows ``x_j − ŵ_j·Σ_l x_l = 0`` for each group (row of ``cols``; −1 = no variable), ŵ the
    weights normalised over the group's variables (all ŵ = 0 when they sum to 0: nothing moves)."""
    valid = cols >= 0
    w = np.where(valid, weights, 0.0)
    total = w.sum(axis=1, keepdims=True)
    w = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
    count = valid.sum(axis=1)
    keep = (count >= 2) | ((total.ravel() == 0) & (count >= 1))  # a lone member with weight: no rule
    cols, w, valid = cols[keep], w[keep], valid[keep]
    G, L = cols.shape
    row_id = np.cumsum(valid.ravel()).reshape(G, L) - 1  # one row per valid (group, member)
    r_rows, r_cols, r_vals = [], [], []
    # + x_j
    r_rows.append(row_id[valid])
    r_cols.append(cols[valid])
    r_vals.append(np.ones(int(valid.sum())))
    # − ŵ_j · x_l for every valid l of the same group
    gj, j = np.nonzero(valid)
    for l_ in range(L):
        ok = valid[gj, l_]
        r_rows.append(row_id[gj[ok], j[ok]])
        r_cols.append(cols[gj[ok], l_])
        r_vals.append(-w[gj[ok], j[ok]])
    return np.concatenate(r_rows), np.concatenate(r_cols), np.concatenate(r_vals)


def rule_rows(sc: Scenario, model: AllocationModel) -> tuple[sp.csr_matrix, np.ndarray]:
    """Every partner's silo split rules as rows (= 0) over the model's variables, and each row's partner."""
    blocks = model.lp.var_blocks
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, int]] = []  # rows, cols, vals, partner

    def add(cols: np.ndarray, weights: np.ndarray, partner: str) -> None:
        if cols.size == 0:
            return
        r, c, v = _proportion_rows(cols, weights)
        if r.size:
            parts.append((r, c, v, sc.partners.pos(partner)))

    ship = blocks["ship"].index  # [lane, k, t]
    shares = manufacturer_lane_shares(sc)
    weights = distributor_lane_weights(sc)
    for n, nid in enumerate(sc.nodes.ids):
        p = sc.partner(nid)
        out = np.nonzero(sc.lane_source == n)[0]
        if out.size == 0 or not isinstance(p, Manufacturer | Distributor):
            continue
        cols = ship[out].transpose(1, 2, 0).reshape(-1, out.size)  # groups (k, t), members lanes
        if isinstance(p, Manufacturer):
            w = np.broadcast_to(shares[out][:, :, None], (out.size, len(sc.products), sc.T))
        else:
            w = weights[out]
        add(cols, w.transpose(1, 2, 0).reshape(-1, out.size), nid)
    adm = blocks["adm"].index  # [pair, g, k, t]
    share = region_shares(sc)
    for s, sid in enumerate(sc.sites.ids):
        if not isinstance(sc.partner(sid), Site):
            continue
        pairs = np.nonzero(sc.pair_site == s)[0]
        if pairs.size < 2:
            continue
        regions = sc.pair_region[pairs]
        w = share[s, regions][None, :] * sc.willing[:, regions]  # [g, pair]
        cols = adm[pairs].transpose(1, 2, 3, 0)  # [g, k, t, pair]
        wb = np.broadcast_to(w[:, None, None, :], cols.shape)
        add(cols.reshape(-1, pairs.size), wb.reshape(-1, pairs.size), sid)
    vol = blocks["vol"].index  # [o, s, t]
    split = volunteer_split(sc)
    for o, oid in enumerate(sc.volunteers.ids):
        if not isinstance(sc.partner(oid), VolunteerOrg):
            continue
        cols = vol[o].T  # [t, s]
        add(cols, np.broadcast_to(split[o][None, :], cols.shape), oid)
    if not parts:
        return sp.csr_matrix((0, model.n_vars)), np.zeros(0, dtype=int)
    offset = 0
    rows, cols_, vals, owner = [], [], [], []
    for r, c, v, partner in parts:
        n_rows = int(r.max()) + 1
        rows.append(r + offset)
        cols_.append(c)
        vals.append(v)
        owner.append(np.full(n_rows, partner))
        offset += n_rows
    R = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols_))), shape=(offset, model.n_vars)
    )
    R.sum_duplicates()
    R.eliminate_zeros()
    return R, np.concatenate(owner)
