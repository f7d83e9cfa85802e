"""The silo baseline: the status quo when every partner follows its own local rules (DESIGN §5).

Rules, applied period by period (vectorised over nodes, sites, regions; loops only over periods,
distributors in flow order, groups in policy order and products):

1. Manufacturers split what they have by contract: each lane gets its ``silo_share`` of the stock of
   every product it carries (lanes without a share split the rest equally); the rest stays in stock.
2. Distributors dispatch everything up to their throughput, to their lanes pro rata to the eligible
   willing population the sites downstream serve (as the EU split doses by population), within lane
   capacity and the receiver's free storage.
3. Sites first give the second doses that fall due, then first doses in priority order, first come
   first served: a region's remaining willing people are shared among the sites serving it in
   proportion to their capacity; products are used shortest shelf life first, oldest stock first.
   Volunteer organisations split their hours over their sites in proportion to capacity.
4. Doses older than their shelf life at a site expire (``waste``). A second dose without stock is missed.
5. Appointments: at the end of a period each site books, for the next, the first doses its doses in hand
   allow — at most its capacity and its stock (both after the second doses due) and the eligible willing
   people it serves still waiting; the doses already on their way count, nothing else. First doses booked
   and not given are cancelled appointments (a batch destroyed, a confidence shock, a disrupted week).

The result uses the optimizer's variable layout, so PX, KPIs and utilities are computed by the same
code as for optimised plans; second doses missed are reported and their fees taken out of utilities.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from winwin.data import Scenario
from winwin.optimizer.allocation.model import AllocationModel
from winwin.optimizer.allocation.result import Plan
from winwin.optimizer.allocation.variables import node_handles, staffed_sites
from winwin.optimizer.lp.solvers import SolveResult, SolveStatus

DISRUPTED_THROUGHPUT = 0.5
"""Share of its throughput a distributor keeps in a disrupted period (in every governance mode)."""


@dataclass
class SiloArrays:
    ship: np.ndarray  # [lane, product, period]
    inv: np.ndarray  # [node, product, period]
    adm: np.ndarray  # [pair, group, product, period]
    waste: np.ndarray  # [site, product, period]
    vol: np.ndarray  # [volunteer, site, period]
    missed_second: np.ndarray  # [site, product, period]
    cancelled: np.ndarray  # first-dose appointments booked and not kept [site, period]


def _lane_shares(sc: Scenario) -> np.ndarray:
    """shares[lane, product] of a manufacturer's stock sent on each lane (0 for distributor lanes)."""
    E, K, M = len(sc.lanes), len(sc.products), len(sc.manufacturers)
    shares = np.zeros((E, K))
    for m in range(M):
        out = np.nonzero(sc.lane_source == m)[0]
        for k in range(K):
            lanes = out[sc.lane_carries[out, k]]
            if lanes.size == 0:
                continue
            given = sc.silo_share[lanes]
            fixed = np.nan_to_num(given)
            rest = max(0.0, 1.0 - fixed.sum())
            free = np.isnan(given)
            shares[lanes, k] = np.where(free, rest / max(1, free.sum()), fixed)
    return shares


def _topological_distributors(sc: Scenario) -> list[int]:
    """Distributor node positions, upstream first (the checks guarantee no cycle)."""
    M, D = len(sc.manufacturers), len(sc.distributors)
    nodes = list(range(M, M + D))
    indeg = {n: 0 for n in nodes}
    for a, b in zip(sc.lane_source.tolist(), sc.lane_target.tolist(), strict=True):
        if a in indeg and b in indeg:
            indeg[b] += 1
    order: list[int] = []
    ready = [n for n in nodes if indeg[n] == 0]
    while ready:
        n = int(ready.pop(0))
        order.append(n)
        for lane in np.nonzero(sc.lane_source == n)[0].tolist():
            nxt = int(sc.lane_target[lane])
            if nxt in indeg:
                indeg[nxt] -= 1
                if indeg[nxt] == 0:
                    ready.append(nxt)
    return order


def _downstream_sites(sc: Scenario) -> np.ndarray:
    """reach[node, site]: the site can be reached from the node (itself included)."""
    N, S = len(sc.nodes), len(sc.sites)
    first = N - S
    reach = np.zeros((N, S), dtype=bool)
    reach[np.arange(first, N), np.arange(S)] = True
    for _ in range(N):  # longest path is shorter than N
        new = reach.copy()
        np.logical_or.at(new, sc.lane_source, reach[sc.lane_target])
        if (new == reach).all():
            break
        reach = new
    return reach


def _ratio(weight: np.ndarray, axis: int) -> np.ndarray:
    total = weight.sum(axis=axis, keepdims=True)
    return np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)


def region_shares(sc: Scenario) -> np.ndarray:
    """share[site, region]: a region's people are shared among the sites serving it in proportion to capacity."""
    return _ratio(sc.serves * sc.site_capacity.mean(axis=1)[:, None], axis=0)


def volunteer_split(sc: Scenario) -> np.ndarray:
    """split[volunteer, site]: an organisation's hours over its staffed sites, pro rata to capacity."""
    weight = sc.volunteer_serves * staffed_sites(sc)[None, :] * sc.site_capacity.mean(axis=1)[None, :]
    return _ratio(weight, axis=1)


def _eligible_served(sc: Scenario, pop_site: np.ndarray, site_handles: np.ndarray, t: int) -> np.ndarray:
    """[site, product]: the eligible willing people of period t each site serves, per product it holds."""
    return (pop_site @ (sc.eligible[:, t][:, None] & sc.allowed)) * site_handles


def distributor_lane_weights(sc: Scenario) -> np.ndarray:
    """weight[lane, product, period] of a distributor's dispatch: the eligible willing population served
    downstream of the lane (the silo's pro-rata rule); 0 on lanes out of manufacturers."""
    M, D = len(sc.manufacturers), len(sc.distributors)
    first_site = M + D
    pop_site = region_shares(sc) @ sc.willing.T
    site_handles = node_handles(sc)[first_site:]
    reach = _downstream_sites(sc)
    from_d = (sc.lane_source >= M) & (sc.lane_source < first_site)
    w = np.zeros((len(sc.lanes), len(sc.products), sc.T))
    for t in range(sc.T):
        w[from_d, :, t] = reach[sc.lane_target[from_d]] @ _eligible_served(sc, pop_site, site_handles, t)
    return np.where(sc.lane_carries[:, :, None], w, 0.0)


def manufacturer_lane_shares(sc: Scenario) -> np.ndarray:
    """share[lane, product] of a manufacturer's stock sent on each lane by contract (0 elsewhere)."""
    return _lane_shares(sc)


def silo_arrays(sc: Scenario, supply: np.ndarray | None = None) -> SiloArrays:
    """Every partner following its local rules, period by period; ``supply[manufacturer, product, period]``
    replaces the promised supply (the simulation passes what was really delivered)."""
    if supply is None:
        supply = sc.supply
    elif supply.shape != sc.supply.shape:
        raise ValueError(f"supply has shape {supply.shape}, expected {sc.supply.shape}")
    return SiloRun(sc).finish(supply)


class _Rules:
    """What the silo rules read of a scenario and never change: contract shares, flow order, reach."""

    def __init__(self, sc: Scenario) -> None:
        M, D = len(sc.manufacturers), len(sc.distributors)
        self.first_site = M + D
        self.handles = node_handles(sc)
        self.shares = _lane_shares(sc)
        self.order = _topological_distributors(sc)
        self.reach = _downstream_sites(sc)
        self.region_share = region_shares(sc)
        self.site_handles = self.handles[self.first_site :]
        self.pop_site = self.region_share @ sc.willing.T  # [s, g] willing people each site serves
        self.staffed = staffed_sites(sc)
        self.vol_split = volunteer_split(sc)
        self.conf_start = np.where((sc.confidence < 1).any(axis=1), (sc.confidence < 1).argmax(axis=1), sc.T)
        self.product_order = np.argsort(sc.shelf_life, kind="stable")
        self.serves_with = self.site_handles[:, :, None] * sc.serves[:, None, :]  # [s, k, r]: holds k, serves r
        N, E = M + D + len(sc.sites), len(sc.lanes)
        self.lane_out = np.zeros((N, E))  # [node, lane]: the lane leaves the node
        self.lane_out[sc.lane_source, np.arange(E)] = 1.0
        self.lane_in = np.zeros((N, E))  # [node, lane]: the lane enters the node
        self.lane_in[sc.lane_target, np.arange(E)] = 1.0
        self.leads = np.unique(sc.lane_lead)


class SiloRun:
    """The silo rules as a state that advances one period at a time.

    The rules at period t read the supply of periods ≤ t only, so a run on deliveries known up to t can be
    copied (:meth:`copy`) and finished on an announced future (:meth:`finish`) without running the past
    again: the simulation keeps one run on what was delivered and branches it for each week's
    disagreement point."""

    def __init__(self, sc: Scenario, rules: _Rules | None = None) -> None:
        self.sc = sc
        self.rules = rules or _Rules(sc)
        T, K, G = sc.T, len(sc.products), len(sc.groups)
        M, D, S, E, V = len(sc.manufacturers), len(sc.distributors), len(sc.sites), len(sc.lanes), len(sc.volunteers)
        N = M + D + S
        self.t = 0
        self.ship = np.zeros((E, K, T))
        self.inv = np.zeros((N, K, T))
        self.adm = np.zeros((len(sc.spec.service), G, K, T))
        self.waste = np.zeros((S, K, T))
        self.vol = np.zeros((V, S, T))
        self.missed = np.zeros((S, K, T))
        self.due = np.zeros((S, K, T + max(1, sc.max_interval + 1)))
        self.stock = np.zeros((N, K))  # manufacturers and distributors
        self.cohorts = np.zeros((S, K, T))  # site stock by arrival period
        self.arrivals = np.zeros((N, K, T))
        self.booked = np.zeros((S, T))  # first-dose appointments [site, period]
        self.cancelled = np.zeros((S, T))
        self.remaining = sc.willing.copy()  # first doses still wanted [group, region]
        self.conf_left = sc.willing[:, :, None] * sc.confidence.min(axis=1)[None, None, :]  # [g, r, k] after a shock

    _STATE = ("ship", "inv", "adm", "waste", "vol", "missed", "due", "stock", "cohorts", "arrivals", "remaining",
              "conf_left", "booked", "cancelled")  # fmt: skip

    def copy(self) -> SiloRun:
        """An independent run at the same period (the rules are shared)."""
        other = SiloRun.__new__(SiloRun)
        other.sc, other.rules, other.t = self.sc, self.rules, self.t
        for name in self._STATE:
            setattr(other, name, getattr(self, name).copy())
        return other

    def finish(self, supply: np.ndarray, disrupted: np.ndarray | None = None, until: int | None = None) -> SiloArrays:
        """Run the remaining periods, up to ``until`` (the horizon by default), on ``supply[manufacturer, product,
        period]`` (and ``disrupted[distributor, period]``); the run's arrays (zero from ``until`` on)."""
        end = self.sc.T if until is None else min(until, self.sc.T)
        while self.t < end:
            self.step(supply[:, :, self.t], None if disrupted is None else disrupted[:, self.t])
        return self.arrays()

    def arrays(self) -> SiloArrays:
        """The run so far (periods not yet run are zero)."""
        inv = self.inv * self.rules.handles[:, :, None]
        return SiloArrays(self.ship, inv, self.adm, self.waste, self.vol, self.missed, self.cancelled)

    def step(self, supply: np.ndarray, disrupted: np.ndarray | None = None) -> None:
        """Run period t with ``supply[manufacturer, product]`` arriving at the manufacturers; distributors
        flagged in ``disrupted[distributor]`` dispatch at most :data:`DISRUPTED_THROUGHPUT` of their throughput."""
        sc, rules, t = self.sc, self.rules, self.t
        if t >= sc.T:
            raise ValueError(f"the silo run has {sc.T} periods; period {t} asked")
        T, G = sc.T, len(sc.groups)
        M, S, E, K = len(sc.manufacturers), len(sc.sites), len(sc.lanes), len(sc.products)
        N = self.stock.shape[0]
        first_site = rules.first_site
        stock, cohorts, arrivals, due = self.stock, self.cohorts, self.arrivals, self.due
        remaining, conf_left = self.remaining, self.conf_left
        storage = sc.node_storage
        # batch destructions hit the opening stock
        keep = 1.0 - sc.destruction[:, :, t]
        stock *= keep
        cohorts *= keep[first_site:, :, None]
        # ---- 1. manufacturers: contract split
        stock[:M] += supply
        sendable = (t + sc.lane_lead) <= T - 1
        from_m = (sc.lane_source < M) & sendable
        want = np.where(from_m[:, None], rules.shares * stock[np.minimum(sc.lane_source, N - 1)], 0.0)
        want = _cap_lanes(want, sc.lane_capacity[:, t])
        _send(want, t, self)
        # ---- 2. distributors in flow order; eligible willing population per site and product this period
        pop_sk = _eligible_served(sc, rules.pop_site, rules.site_handles, t)
        for n in rules.order:
            stock[n] += arrivals[n, :, t]
            arrivals[n, :, t] = 0.0
            out = np.nonzero((sc.lane_source == n) & sendable)[0]
            if out.size == 0 or stock[n].sum() <= 0:
                continue
            d = n - M
            throughput = sc.throughput[d, t] * (DISRUPTED_THROUGHPUT if disrupted is not None and disrupted[d] else 1.0)
            total = min(stock[n].sum(), throughput)
            per_product = stock[n] * (total / stock[n].sum())
            # eligible willing population served downstream of each lane, per product
            w = rules.reach[sc.lane_target[out]] @ pop_sk  # [lane, k]
            w = np.where(sc.lane_carries[out], w, 0.0)
            wsum = w.sum(axis=0)
            alloc = np.divide(w, wsum, out=np.zeros_like(w), where=wsum > 0) * per_product[None, :]
            # receivers' free storage
            tgt = sc.lane_target[out]
            held = np.where(
                tgt[:, None] >= first_site,
                cohorts[np.maximum(tgt - first_site, 0)].sum(axis=2) if S else 0.0,
                stock[tgt],
            ).sum(axis=1)
            room = np.maximum(storage[tgt] - held, 0.0)
            scale = np.minimum(
                1.0, np.divide(room, alloc.sum(axis=1), out=np.ones(out.size), where=alloc.sum(axis=1) > 0)
            )
            alloc *= scale[:, None]
            want = np.zeros((E, K))
            want[out] = alloc
            want = _cap_lanes(want, sc.lane_capacity[:, t])
            _send(want, t, self)
        # ---- 3. sites
        cohorts[:, :, t] += arrivals[first_site:, :, t]
        arrivals[first_site:, :, t] = 0.0
        cap = self._capacity(t)
        vol_hours = sc.volunteer_hours[:, t][:, None] * rules.vol_split  # [o, s]
        # a. second doses due
        want2 = due[:, :, t]
        have = cohorts.sum(axis=2)
        give2 = np.minimum(want2, have)
        tot2 = give2.sum(axis=1)
        scale2 = np.minimum(1.0, np.divide(cap, tot2, out=np.ones(S), where=tot2 > 0))
        give2 = give2 * scale2[:, None]
        self.missed[:, :, t] = want2 - give2
        for k in range(K):
            _consume(cohorts[:, k, : t + 1], give2[:, k])
        cap -= give2.sum(axis=1)
        used = give2.sum(axis=1)
        # b. first doses in policy order, shortest shelf life first
        region_share = rules.region_share
        for g in range(G):
            if not sc.eligible[g, t]:
                continue
            pull = region_share * remaining[g][None, :]  # [s, r]
            for k in rules.product_order:
                if not sc.allowed[g, k]:
                    continue
                pull_k = pull * rules.serves_with[:, k, :]
                if t >= rules.conf_start[k]:
                    pull_k = np.minimum(pull_k, region_share * conf_left[g, :, k][None, :])
                avail = cohorts[:, k, : t + 1].sum(axis=1)
                wanted = pull_k.sum(axis=1)
                total = np.minimum(np.minimum(cap, avail), wanted)
                give = pull_k * np.divide(total, wanted, out=np.zeros(S), where=wanted > 0)[:, None]
                self.adm[:, g, k, t] = give[sc.pair_site, sc.pair_region]
                given = give.sum(axis=1)
                _consume(cohorts[:, k, : t + 1], given)
                cap -= given
                used += given
                by_region = give.sum(axis=0)
                remaining[g] -= by_region
                pull = np.maximum(pull - give, 0.0)
                if t >= rules.conf_start[k]:
                    conf_left[g, :, k] -= by_region
                gap = int(sc.interval[k, t])
                if gap > 0 and t + gap < T:
                    due[:, k, t + gap] += given
        # volunteers cover the hours staff cannot
        need = np.where(
            rules.staffed,
            np.maximum(0.0, used * sc.minutes_per_dose / 60.0 - np.nan_to_num(sc.staff_hours[:, t], posinf=0.0)),
            0.0,
        )
        vh = vol_hours.sum(axis=0)
        self.vol[:, :, t] = vol_hours * np.divide(np.minimum(need, vh), vh, out=np.zeros(S), where=vh > 0)[None, :]
        # c. expiry at the end of the period
        t_idx = np.arange(T)
        expired = (t_idx[None, :] <= t - sc.shelf_life[:, None]) & (t_idx[None, :] <= t)  # [k, u]
        self.waste[:, :, t] = (cohorts * expired[None]).sum(axis=2)
        cohorts *= ~expired[None]
        self.inv[first_site:, :, t] = cohorts.sum(axis=2)
        self.inv[:first_site, :, t] = stock[:first_site]
        # ---- 4. appointments: what was booked and not given; what the doses in hand allow next period
        first = np.zeros(S)
        np.add.at(first, sc.pair_site, self.adm[:, :, :, t].sum(axis=(1, 2)))
        self.cancelled[:, t] = np.maximum(self.booked[:, t] - first, 0.0)
        if t + 1 < T:
            self.booked[:, t + 1] = self._bookable(t + 1)
        self.t = t + 1

    def _capacity(self, t: int) -> np.ndarray:
        """Doses each site can give in period t: its capacity, and its staff and volunteers' minutes."""
        sc = self.sc
        vol_hours = (sc.volunteer_hours[:, t][:, None] * self.rules.vol_split).sum(axis=0)
        staff_cap = np.where(
            self.rules.staffed,
            60.0
            * (np.nan_to_num(sc.staff_hours[:, t], posinf=0.0) + vol_hours)
            / np.where(sc.minutes_per_dose > 0, sc.minutes_per_dose, 1.0),
            np.inf,
        )
        return np.minimum(sc.site_capacity[:, t], staff_cap)

    def _bookable(self, t: int) -> np.ndarray:
        """First doses each site books for period t at the end of t − 1 (module docstring, rule 5)."""
        sc, rules = self.sc, self.rules
        due = self.due[:, :, t].sum(axis=1)
        in_hand = self.cohorts.sum(axis=2).sum(axis=1) + self.arrivals[rules.first_site :, :, t].sum(axis=1)
        waiting = rules.region_share @ (self.remaining * sc.eligible[:, t][:, None]).sum(axis=0)
        return np.maximum(0.0, np.minimum(np.minimum(self._capacity(t), in_hand) - due, waiting))


def _cap_lanes(want: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    total = want.sum(axis=1)
    scale = np.minimum(1.0, np.divide(capacity, total, out=np.ones_like(total), where=total > 0))
    return want * scale[:, None]


def _send(want: np.ndarray, t: int, run: SiloRun) -> None:
    """Ship ``want[lane, product]`` in period t: out of the senders' stock, into the receivers' arrivals."""
    if not want.any():
        return
    sc, rules = run.sc, run.rules
    run.ship[:, :, t] += want
    run.stock -= rules.lane_out @ want
    for lead in rules.leads:
        if t + lead < run.arrivals.shape[2]:  # a lane that would arrive after the horizon sends nothing
            on = sc.lane_lead == lead
            run.arrivals[:, :, t + lead] += rules.lane_in[:, on] @ want[on]


def _consume(cohorts: np.ndarray, amount: np.ndarray) -> None:
    """Take ``amount[site]`` from ``cohorts[site, arrival]`` (one product's stock), oldest first (in place)."""
    if not amount.any():
        return
    before = np.cumsum(cohorts, axis=1) - cohorts
    cohorts -= np.clip(amount[:, None] - before, 0.0, cohorts)


def silo_vector(model: AllocationModel, arrays: SiloArrays) -> np.ndarray:
    """The silo plan in the model's variable layout; everything it does must exist as a variable."""
    x = np.zeros(model.n_vars)
    for name in ("ship", "inv", "adm", "waste", "vol"):
        block = model.lp.var_blocks[name]
        values = getattr(arrays, name)
        mask = block.index >= 0
        stray = np.abs(values[~mask]).max(initial=0.0)
        if stray > 1e-6:
            raise AssertionError(f"silo rules put {stray} on {name} entries the model does not have")
        x[block.index[mask]] = values[mask]
    return x


def missed_adjust(sc: Scenario, missed: np.ndarray) -> np.ndarray:
    """``missed[site, …]`` second doses not given: a fee the site does not earn (nor its unit cost spend) and
    the payer does not pay, and an appointment the site cancels (:func:`cancellation_adjust`); ``[partner, …]``."""
    fee = np.array([sc.site(s).fee for s in sc.sites.ids])
    cost = np.array([sc.site(s).unit_cost for s in sc.sites.ids])
    out = cancellation_adjust(sc, missed)
    out[sc.partners.positions(list(sc.sites.ids))] -= missed * (fee - cost).reshape(-1, *([1] * (missed.ndim - 1)))
    out[sc.partners.pos(sc.payers.ids[0])] += np.tensordot(fee, missed, axes=1)
    return out


def cancellation_adjust(sc: Scenario, cancelled: np.ndarray) -> np.ndarray:
    """``cancelled[site, …]`` appointments cancelled: each costs its site ``money.cancellation_cost``
    (rebooking it); ``[partner, …]``. Every mode pays it, the silo too."""
    out = np.zeros((len(sc.partners), *cancelled.shape[1:]))
    out[sc.partners.positions(list(sc.sites.ids))] -= sc.spec.money.cancellation_cost * cancelled
    return out


def missed_courses(model: AllocationModel, x: np.ndarray, missed: np.ndarray) -> tuple[np.ndarray, ...]:
    """The first doses of plan ``x`` whose course a missed second dose left incomplete:
    ``(position, due, share)`` — each two-dose first dose's position in the ``adm`` block, the period its
    second dose falls due (inside ``missed[site, product, period]``'s periods), and the share of its course
    left incomplete: the site's misses of that product and period over the first doses they were due for
    (the misses fall on those courses pro rata)."""
    sc = model.scenario
    S, K, T = missed.shape
    pair, _g, k, t = model.lp.var_blocks["adm"].coords()
    gap = sc.interval[k, t]
    due = t + gap
    position = np.nonzero((gap > 0) & (due < T))[0]
    given = np.maximum(x[model.lp.var_blocks["adm"].columns()[position]], 0.0)
    key = (sc.pair_site[pair[position]] * K + k[position]) * T + due[position]
    doses = np.bincount(key, weights=given, minlength=S * K * T)
    flat = missed.reshape(-1)
    share = np.divide(flat[key], doses[key], out=np.zeros(key.size), where=doses[key] > 0)
    return position, due[position], share


def course_px_lost(model: AllocationModel, x: np.ndarray, missed: np.ndarray, by_start: bool = False) -> np.ndarray:
    """``lost[period]``: PX taken back for ``missed[site, product, period]`` second doses given in plan ``x``:
    ``(1 − experience.one_dose_share)`` of the PX of each course left incomplete (:func:`missed_courses`).
    Zero when a first dose alone counts as the course.

    ``by_start``: booked in the period the course started (the first dose's) instead of the period the second
    dose was missed — a window that ends between the two then counts a first dose with its consequence."""
    sc = model.scenario
    T = missed.shape[2]
    lost_share = 1.0 - sc.spec.experience.one_dose_share
    out = np.zeros(T)
    if lost_share == 0 or not missed.any():
        return out
    position, due, share = missed_courses(model, x, missed)
    cols = model.lp.var_blocks["adm"].columns()[position]
    start = model.lp.var_blocks["adm"].coords()[-1][position]
    np.add.at(out, start if by_start else due, lost_share * share * np.maximum(x[cols], 0.0) * model.px[cols])
    return out


def course_adjust(model: AllocationModel, lost: np.ndarray) -> np.ndarray:
    """``[partner, …]``: the payer values the PX taken back (:func:`course_px_lost`) at its value per point."""
    sc = model.scenario
    out = np.zeros((len(sc.partners), *lost.shape))
    out[sc.partners.pos(sc.payers.ids[0])] -= sc.spec.money.value_per_px_point * lost
    return out


def silo_plan(model: AllocationModel, supply: np.ndarray | None = None) -> Plan:
    """The rule-based status quo in the model's layout (DESIGN §5), on the promised supply or on
    ``supply[manufacturer, product, period]`` (a sampled future's deliveries). Its accounting is the
    simulation's: a missed second dose costs its site the fee and a cancellation, and takes back its
    course's lost PX (:func:`course_px_lost`), from the PX and from the payer."""
    sc = model.scenario
    start = time.perf_counter()
    arrays = silo_arrays(sc, supply)
    x = silo_vector(model, arrays)
    missed_s = arrays.missed_second.sum(axis=(1, 2))
    lost = float(course_px_lost(model, x, arrays.missed_second).sum())
    adjust = missed_adjust(sc, missed_s) + cancellation_adjust(sc, arrays.cancelled.sum(axis=1))
    adjust += course_adjust(model, np.array(lost))
    seconds = time.perf_counter() - start
    result = SolveResult(
        SolveStatus.RULE_BASED,
        x,
        float(model.px @ x) - lost,
        None,
        None,
        seconds,
        "rules",
        "silo",
        message="rule-based status quo (not an optimisation)",
    )
    plan = Plan(
        sc,
        "silo",
        model,
        result,
        x,
        utility_adjust=adjust,
        px_adjust=-lost,
        extra_kpis={
            "second_doses_missed": float(missed_s.sum()),
            "appointments_cancelled": float(arrays.cancelled.sum()),
            "px_lost_to_missed_second_doses": lost,
            "violation_of_model": model.violation(x),
        },
    )
    plan.disagreement = plan.utilities()
    return plan
