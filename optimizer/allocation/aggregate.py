"""Exact aggregation of interchangeable sites (Zipkin 1980; Grohe et al. 2014, colour refinement).

Two sites are *interchangeable* when every attribute that enters the allocation model is the same, up to one
scale ``λ_s`` for the quantities that bound them:

- equal: kind of row and column they get — region, minutes per dose, cold chain, fee, unit cost; the lanes
  into them (source, products, cost, lead time, contract share); the regions they serve and the travel
  minutes; the events on them; which volunteer organisations may staff them;
- proportional, with the same ``λ_s`` in every period: capacity, staff hours, storage, committed minimum and
  maximum volume, and the capacity of each lane into them.

Attributes the allocation model never reads are free (:data:`FREE`): names, the daily-schedule data, the
fixed cost (a constant of the site's utility: every utility is recomputed per site at full resolution),
and the partner's bargaining data. Everything else is compared, so a site that differs in one attribute
stays apart (a test per attribute). Sites named in transfer rules, with lanes out, or whose lanes into them
share a source are never merged.

A class ``C`` of interchangeable sites becomes one site with the summed quantities, ``Λ = Σ_{s∈C} λ_s``.
Every constraint of a member is ``λ_s``× the class's, and every shared row (demand, budget, supply,
conservation upstream) reads the members' columns summed, so for any feasible reduced plan ``X`` the
disaggregated plan ``x_s = (λ_s/Λ)·X`` is feasible in the full model with the same objective, and the
reduced optimum is the full optimum (the members' columns of any full solution sum to a reduced one).
:meth:`Reduction.lift` disaggregates; the caller checks the lifted plan on the full model's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from winwin.data import Scenario
from winwin.data.loader import parse
from winwin.optimizer.allocation.model import AllocationModel

SCALED = ("capacity", "staff_hours", "storage", "min_volume", "max_volume")
"""Site attributes that must be proportional (one λ for all of them, every period)."""
FREE = ("id", "name", "kind", "organisation", "shares_data", "bargaining_power", "fixed_cost", "no_show_rate",
        "schedule")  # fmt: skip
"""Site attributes the allocation model does not read (see the module docstring)."""
RELATIVE = 1e-12
"""Relative tolerance of 'proportional' (quantities are doses and hours: exact in data, round-off in ratios)."""


@dataclass(frozen=True)
class Reduction:
    """The reduced scenario and how to lift its plans back to every site."""

    full: Scenario
    reduced: Scenario
    classes: tuple[tuple[int, ...], ...]
    """Site positions (in ``full``) of every class of two or more sites."""
    shares: np.ndarray
    """λ_s / Λ_C per site of ``full`` (1 for a site alone)."""
    site_map: np.ndarray
    """Reduced site position of each full site."""

    @property
    def merged(self) -> int:
        """Sites that no longer have their own columns."""
        return sum(len(c) - 1 for c in self.classes)

    def report(self, full: AllocationModel, reduced: AllocationModel) -> dict[str, Any]:
        """The ``model`` record of a result solved on ``reduced``: sizes of both models and the merge."""
        return {
            "model": "reduced",
            "columns": {"full": full.lp.n_vars, "reduced": reduced.lp.n_vars},
            "rows": {"full": full.lp.n_rows, "reduced": reduced.lp.n_rows},
            "site_classes": len(self.classes),
            "sites_merged": self.merged,
        }

    def lift(self, full: AllocationModel, reduced: AllocationModel, y: np.ndarray) -> np.ndarray:
        """The full model's plan ``x`` of the reduced model's plan ``y``: every column of a class member is
        its share of the class's column; every other column is copied."""
        cols, share = self.column_map(full, reduced)
        return y[cols] * share

    def column_map(self, full: AllocationModel, reduced: AllocationModel) -> tuple[np.ndarray, np.ndarray]:
        """For every column of ``full``: the reduced model's column it is a share of, and the share."""
        cols = np.full(full.n_vars, -1, dtype=np.int64)
        share = np.zeros(full.n_vars)
        maps, weights = self._dimension_maps()
        for name, block in full.lp.var_blocks.items():
            target = reduced.lp.var_blocks[name]
            coords = np.nonzero(block.index >= 0)
            mapped = tuple(maps[d][c] for d, c in zip(block.dims, coords, strict=True))
            found = target.index[mapped]
            if (found < 0).any():
                raise ValueError(f"{name}: the reduced model lacks columns the full model has")
            w = np.ones(coords[0].size)
            for d, c in zip(block.dims, coords, strict=True):
                w *= weights[d][c]
            cols[block.index[coords]] = found
            share[block.index[coords]] = w
        return cols, share

    def partner_map(self) -> tuple[np.ndarray, np.ndarray]:
        """For every partner of ``full``: its reduced partner's position and its share (λ_s/Λ for a class
        member, 1 otherwise)."""
        full, red = self.full, self.reduced
        site_of = {sid: s for s, sid in enumerate(full.sites.ids)}
        pos = np.empty(len(full.partners), dtype=np.int64)
        share = np.ones(len(full.partners))
        for p, pid in enumerate(full.partners.ids):
            s = site_of.get(pid)
            if s is None:
                pos[p] = red.partners.pos(pid)
            else:
                pos[p] = red.partners.pos(red.sites.ids[self.site_map[s]])
                share[p] = self.shares[s]
        return pos, share

    def _dimension_maps(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        full, red = self.full, self.reduced
        node_ids = [red.sites.ids[self.site_map[s]] for s in range(len(full.sites))]
        rep = dict(zip(full.sites.ids, node_ids, strict=True))
        node_map = np.array([red.nodes.pos(rep.get(n, n)) for n in full.nodes.ids])
        node_share = np.ones(len(full.nodes))
        first_site = len(full.manufacturers) + len(full.distributors)
        node_share[first_site:] = self.shares
        red_lane = {(int(a), int(b)): e for e, (a, b) in enumerate(zip(red.lane_source, red.lane_target, strict=True))}
        lane_map = np.array(
            [
                red_lane[(int(node_map[a]), int(node_map[b]))]
                for a, b in zip(full.lane_source, full.lane_target, strict=True)
            ]
        )
        red_pair = {(int(s), int(r)): p for p, (s, r) in enumerate(zip(red.pair_site, red.pair_region, strict=True))}
        pair_map = np.array(
            [red_pair[(int(self.site_map[s]), int(r))] for s, r in zip(full.pair_site, full.pair_region, strict=True)]
        )
        maps = {"node": node_map, "site": self.site_map, "lane": lane_map, "pair": pair_map}
        weights = {
            "node": node_share,
            "site": self.shares,
            "lane": node_share[full.lane_target],
            "pair": self.shares[full.pair_site],
        }
        for dim, labels in (("period", full.periods), ("product", full.products), ("group", full.groups),
                            ("region", full.regions), ("volunteer", full.volunteers)):  # fmt: skip
            maps[dim], weights[dim] = np.arange(len(labels)), np.ones(len(labels))
        return maps, weights


def _per_period(value: Any, T: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=float), (T,)).copy()


def _quantities(sc: Scenario, site: dict[str, Any], lanes_in: list[dict[str, Any]]) -> np.ndarray | None:
    """The site's scalable quantities as one vector (NaN where absent), or None when it cannot be scaled."""
    T = sc.T
    parts = [_per_period(site["capacity"], T)]
    parts.append(_per_period(site["staff_hours"], T) if site.get("staff_hours") is not None else np.full(T, np.nan))
    for key in ("storage", "min_volume", "max_volume"):
        parts.append(np.array([np.nan if site.get(key) is None else float(site[key])]))
    for lane in lanes_in:
        cap = lane.get("capacity")
        parts.append(_per_period(cap, T) if cap is not None else np.full(T, np.nan))
    q = np.concatenate(parts)
    return q if np.nanmax(np.abs(q), initial=0.0) > 0 else None


def _signature(sc: Scenario, s: int, doc: dict[str, Any], lanes_in: list[dict[str, Any]]) -> Any:
    """Every attribute of site ``s`` that must be equal (not the scaled quantities, not :data:`FREE`)."""
    sid = sc.sites.ids[s]
    site = next(p for p in doc["partners"] if p["id"] == sid)
    own = tuple(sorted((k, repr(v)) for k, v in site.items() if k not in FREE and k not in SCALED))
    lanes = tuple(repr(sorted((k, v) for k, v in lane.items() if k not in ("to", "capacity"))) for lane in lanes_in)
    lane_shape = tuple(lane.get("capacity") is None for lane in lanes_in)
    service = tuple(sorted((r["region"], r["travel_minutes"]) for r in doc["service"] if r["site"] == sid))
    events = tuple(
        sorted(
            repr(sorted((k, v) for k, v in e.items() if k != "partner"))
            for e in doc["events"]
            if e.get("partner") == sid
        )
    )
    volunteers = tuple(bool(v) for v in sc.volunteer_serves[:, s])
    quantity_shape = tuple(site.get(k) is None for k in SCALED)
    return own, lanes, lane_shape, service, events, volunteers, quantity_shape


def _unmergeable(doc: dict[str, Any]) -> set[str]:
    """Sites named in transfer rules or with lanes out of them, or whose lanes in share a source."""
    out: set[str] = set()
    transfers = doc["money"].get("transfers")
    if isinstance(transfers, list):
        out |= {r["from"] for r in transfers} | {r["to"] for r in transfers}
    out |= {lane["from"] for lane in doc["lanes"]}
    seen: dict[tuple[str, str], int] = {}
    for lane in doc["lanes"]:
        key = (lane["from"], lane["to"])
        seen[key] = seen.get(key, 0) + 1
    out |= {to for (_src, to), n in seen.items() if n > 1}
    return out


def site_classes(sc: Scenario) -> tuple[list[list[int]], np.ndarray]:
    """Classes of interchangeable sites (positions, in site order) and each site's λ (see the module
    docstring); a site alone is a class of one."""
    doc = sc.spec.model_dump(mode="json", by_alias=True)
    blocked = _unmergeable(doc)
    lanes_in = {sid: sorted((lane for lane in doc["lanes"] if lane["to"] == sid), key=lambda lane: lane["from"])
                for sid in sc.sites.ids}  # fmt: skip
    scale = np.ones(len(sc.sites))
    buckets: dict[Any, list[tuple[list[int], np.ndarray]]] = {}
    classes: list[list[int]] = []
    for s, sid in enumerate(sc.sites.ids):
        site = next(p for p in doc["partners"] if p["id"] == sid)
        q = _quantities(sc, site, lanes_in[sid])
        if sid in blocked or q is None:
            classes.append([s])
            continue
        scale[s] = lam = float(q[np.flatnonzero(np.nan_to_num(q) != 0)[0]])
        unit = q / lam
        bucket = buckets.setdefault(_signature(sc, s, doc, lanes_in[sid]), [])
        for members, reference in bucket:
            if np.allclose(reference, unit, rtol=RELATIVE, atol=0.0, equal_nan=True):
                members.append(s)
                break
        else:
            bucket.append(([s], unit))
    classes += [members for bucket in buckets.values() for members, _unit in bucket]
    classes.sort(key=lambda c: c[0])
    return classes, scale


def reduce_sites(sc: Scenario) -> Reduction | None:
    """The scenario with every class of interchangeable sites merged into its first member (quantities
    summed), or None when no two sites are interchangeable."""
    classes, scale = site_classes(sc)
    merged = [c for c in classes if len(c) > 1]
    if not merged:
        return None
    doc = sc.spec.model_dump(mode="json", by_alias=True, exclude_unset=False)
    ids = sc.sites.ids
    rep = {ids[s]: ids[c[0]] for c in merged for s in c}
    gone = {ids[s] for c in merged for s in c[1:]}
    shares = np.ones(len(ids))
    for c in merged:
        total = scale[c].sum()
        shares[c] = scale[c] / total
        head = next(p for p in doc["partners"] if p["id"] == ids[c[0]])
        members = [next(p for p in doc["partners"] if p["id"] == ids[s]) for s in c]
        head["capacity"] = np.sum([_per_period(m["capacity"], sc.T) for m in members], axis=0).tolist()
        if head.get("staff_hours") is not None:
            head["staff_hours"] = np.sum([_per_period(m["staff_hours"], sc.T) for m in members], axis=0).tolist()
        for key in ("storage", "min_volume", "max_volume", "fixed_cost"):
            if head.get(key) is not None:
                head[key] = float(sum(m[key] for m in members))
        for lane in doc["lanes"]:
            if lane["to"] == ids[c[0]] and lane.get("capacity") is not None:
                same = [x for x in doc["lanes"] if x["to"] in {ids[s] for s in c} and x["from"] == lane["from"]]
                lane["capacity"] = np.sum([_per_period(x["capacity"], sc.T) for x in same], axis=0).tolist()
    doc["partners"] = [p for p in doc["partners"] if p["id"] not in gone]
    doc["lanes"] = [lane for lane in doc["lanes"] if lane["to"] not in gone]
    doc["service"] = [r for r in doc["service"] if r["site"] not in gone]
    doc["events"] = [e for e in doc["events"] if e.get("partner") not in gone]
    for p in doc["partners"]:
        if p["role"] == "volunteer_org" and p.get("sites") is not None:
            p["sites"] = list(dict.fromkeys(rep.get(s, s) for s in p["sites"]))
    reduced = Scenario(parse(doc, sc.source), sc.source)
    site_map = np.array([reduced.sites.pos(rep.get(sid, sid)) for sid in ids])
    return Reduction(sc, reduced, tuple(tuple(c) for c in merged), shares, site_map)


def relative_violation(
    model: AllocationModel,
    x: np.ndarray,
    activity: np.ndarray | None = None,
    row_lb: np.ndarray | None = None,
    row_ub: np.ndarray | None = None,
) -> float:
    """Largest violation of a row or bound by ``x``, relative to the row's size: the larger of 1, its bound
    and its largest term ``|a_ij x_j|`` (a balance row's bound is 0, its terms are doses); ``activity``
    replaces ``A·x`` and ``row_lb``/``row_ub`` the model's row bounds (a rolling planner's rows)."""
    ax = model.A @ x if activity is None else activity
    lo = model.lp.row_lb if row_lb is None else row_lb
    hi = model.lp.row_ub if row_ub is None else row_ub
    terms = abs(model.A.multiply(x[None, :])).max(axis=1)
    size = np.maximum(1.0, np.asarray(terms.todense()).ravel())
    with np.errstate(invalid="ignore"):
        low = (lo - ax) / np.maximum(size, np.abs(np.nan_to_num(lo, posinf=0, neginf=0)))
        high = (ax - hi) / np.maximum(size, np.abs(np.nan_to_num(hi, posinf=0, neginf=0)))
        cols = np.maximum(model.lp.lb - x, x - model.lp.ub) / np.maximum(1.0, np.abs(x))
    rows = np.maximum(low, high)
    return float(max(np.nan_to_num(rows, nan=0.0).max(initial=0.0), np.nan_to_num(cols, nan=0.0).max(initial=0.0)))
