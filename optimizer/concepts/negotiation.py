"""Win-win solution concepts on one built allocation model (DESIGN §5).

A :class:`Negotiation` loads the allocation model once into a :class:`~winwin.optimizer.lp.workspace.Workspace`
and adds, for every partner p,

- transfer columns (``money.transfers``: ``none``; ``any`` — one free net transfer ``τ_p`` per partner
  with ``Σ τ_p = 0``; or a list of payer → payee rules, each a flow ``0 ≤ f_r ≤ cap_r`` so that
  ``τ = T·f`` balances by construction),
- an external subsidy column ``σ_p`` (held at 0 unless the price of win-win is asked for),
- the individual-rationality row ``U_p(x) + τ_p + σ_p ≥ d_p`` (switched on and off by its bounds),

so that the gains ``g_p = U_p(x) + τ_p + σ_p − d_p`` form one :class:`~winwin.optimizer.concepts.bargaining.GainProgram`.

- ``joint``: max PX, then max Σ U_p with PX held (IR off).
- ``winwin``: max PX with IR on, then max Σ U_p with PX held. When no plan is win-win, the **price of
  win-win** (min Σ σ_p) says how much outside money is needed, who receives it and whose reservation
  binds (IR duals); within ``money.subsidy_cap`` the plan is made with that subsidy. The win-win plan's
  side payments compensate each loser exactly, paid by the gainers in proportion to their gains
  (``any``), or are the least total flow over the allowed rules (a list).
- splits (``utilitarian``, ``egalitarian``, ``kalai_smorodinsky``, ``nash``) with PX ≥ (1 − ε)·PX*,
  PX* the win-win optimum. Without transfers (or with capped rules) they are programs over the plan
  itself. With ``any`` transfers every Pareto-optimal split maximises the surplus S = Σ g_p, so the plan
  is the surplus-maximising one and the split is the bargaining solution of ``{g : Σ g_p ≤ S}``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

import winwin.optimizer.concepts.bargaining as bargaining
from winwin.data import Scenario
from winwin.data.errors import InputError, problem
from winwin.optimizer.allocation.joint import TIE_TOLERANCE
from winwin.optimizer.allocation.model import AllocationModel, build_allocation_model
from winwin.optimizer.allocation.result import Plan
from winwin.optimizer.allocation.silo import silo_plan
from winwin.optimizer.concepts.bargaining import BargainingProblem, GainProgram, Split, bargaining_program
from winwin.optimizer.concepts.certificate import CERTIFICATE_TOLERANCE, Certificate, certify, fairness, make_whole
from winwin.optimizer.games.coalitions import coalition_game, players_of
from winwin.optimizer.games.tu import shapley
from winwin.optimizer.lp.solvers import Problem, SolveResult, SolveStatus
from winwin.optimizer.lp.workspace import LpSolution, Workspace, lexicographic

SPLITS = ("utilitarian", "egalitarian", "kalai_smorodinsky", "nash", "shapley")
SHAPLEY_MAX_PARTNERS = 16
"""The ``shapley`` split needs every coalition of partners: 2ⁿ programs."""
CONCEPTS = ("silo", "joint", "winwin", *SPLITS)
TRANSFER_MODES = ("scenario", "none", "any")
NASH_TOLERANCE = 1e-6
"""Relative gap of the Nash outer approximation on allocation models (their gains are in euros)."""


@dataclass(frozen=True)
class PriceOfWinWin:
    """The least external subsidy that makes a win-win plan exist."""

    subsidy: float
    recipients: dict[str, float]
    """Who receives the subsidy (partners whose disagreement utility cannot otherwise be met)."""
    blocking: dict[str, float]
    """Partners whose reservation binds: euros of subsidy per euro of their disagreement utility (IR dual)."""
    cap: float
    status: SolveStatus

    @property
    def within_cap(self) -> bool:
        return self.subsidy <= self.cap * (1 + 1e-9) + 1e-9

    def as_dict(self) -> dict[str, Any]:
        return {
            "subsidy": self.subsidy,
            "recipients": self.recipients,
            "blocking": self.blocking,
            "cap": self.cap,
            "within_cap": self.within_cap,
        }


@dataclass
class Outcome:
    """A concept's plan with its certificate (and, for ``winwin``, the price of win-win)."""

    name: str
    plan: Plan
    certificate: Certificate | None
    price: PriceOfWinWin | None = None
    note: str = ""
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The ``compare --json`` entry of one concept."""
        plan = self.plan
        if not plan.has_plan:
            return {"px": None, "win_win": False, "status": plan.status.value, "note": self.note}
        table = plan.partners()
        gains = table["gain"].to_numpy()
        payload: dict[str, Any] = {
            "px": plan.px,
            "win_win": bool(self.certificate.holds) if self.certificate else False,
            "status": plan.status.value,
            "transfers_sum": float(table["transfer"].sum()),
            "total_gain": float(gains.sum()),
            "least_gain": float(gains.min()),
            "fairness": fairness(gains),
            "subsidy": float(plan.subsidy.sum()) if plan.subsidy is not None else 0.0,
            "seconds": self.seconds,
            "partners": {
                pid: {"utility": float(r["utility"]), "gain": float(r["gain"]), "transfer": float(r["transfer"])}
                for pid, r in table.iterrows()
            },
        }
        if self.certificate is not None:
            payload["certificate"] = self.certificate.as_dict()
        if self.price is not None:
            payload["price_of_win_win"] = self.price.as_dict()
        if self.note:
            payload["note"] = self.note
        return payload


@dataclass
class TransferLayout:
    """Transfer columns: ``τ = T·f`` with bounds on ``f``; ``balance`` when ``Σ τ = 0`` needs its own row."""

    mode: str
    T: sp.csr_matrix
    lb: np.ndarray
    ub: np.ndarray
    balance: bool

    @classmethod
    def of(cls, sc: Scenario, mode: str) -> TransferLayout:
        P = len(sc.partners)
        spec = sc.spec.money.transfers if mode == "scenario" else mode
        if spec == "none":
            return cls("none", sp.csr_matrix((P, 0)), np.zeros(0), np.zeros(0), False)
        if spec == "any":
            return cls("any", sp.identity(P, format="csr"), np.full(P, -np.inf), np.full(P, np.inf), True)
        assert isinstance(spec, list)
        n = len(spec)
        payee = sc.partners.positions([r.payee for r in spec])
        payer = sc.partners.positions([r.payer for r in spec])
        rows = np.concatenate([payee, payer])
        vals = np.concatenate([np.ones(n), -np.ones(n)])
        T = sp.csr_matrix((vals, (rows, np.tile(np.arange(n), 2))), shape=(P, n))
        ub = np.array([np.inf if r.cap is None else r.cap for r in spec])
        return cls("rules", T, np.zeros(n), ub, False)


class Negotiation:
    """One allocation model held in one workspace for every concept (see the module docstring)."""

    def __init__(
        self,
        scenario: Scenario,
        model: AllocationModel | None = None,
        transfers: str = "scenario",
        time_limit: float | None = None,
        reservations: dict[str, float] | None = None,
    ) -> None:
        """``reservations`` replaces some partners' disagreement utility (default: their silo utility) by
        the least utility they accept, e.g. a partner who rejected a plan and asks for more."""
        problems = []
        if transfers not in TRANSFER_MODES:
            problems.append(problem("transfers", f"must be one of {', '.join(TRANSFER_MODES)}", transfers))
        for pid, value in (reservations or {}).items():
            if pid not in scenario.partners.ids:
                problems.append(problem(f"reservations.{pid}", "not a partner of the scenario", pid))
            elif not np.isfinite(value):
                problems.append(problem(f"reservations.{pid}", "must be a finite utility", value))
        if problems:
            raise InputError(problems)
        start = time.perf_counter()
        self.scenario = sc = scenario
        self.model = model or build_allocation_model(scenario)
        self.silo = silo_plan(self.model)
        assert self.silo.disagreement is not None
        self.d = self.silo.disagreement.copy()
        for pid, value in (reservations or {}).items():
            self.d[sc.partners.pos(pid)] = value
        self.cap = sc.spec.money.subsidy_cap
        m, P = self.model, len(sc.partners)
        base = m.problem(np.zeros(m.n_vars))
        self.ws = Workspace(base, time_limit)
        self.layout = TransferLayout.of(sc, transfers)
        self.n = m.n_vars
        self.f_cols = self.ws.add_columns(self.layout.lb, self.layout.ub)
        self.sigma = self.ws.add_columns(np.zeros(P), np.zeros(P))
        self.tail = self.ws.add_columns(np.zeros(P), np.zeros(P))
        """Per partner, utility its plan earns outside the dates compared (``U_p − z_p`` is compared with
        ``d_p``): zero here, the utility after the window in the rolling planner, which defines it."""
        G = sp.hstack([m.utility, self.layout.T, sp.identity(P), -sp.identity(P)], format="csr")
        self.gp = GainProgram(
            self.ws,
            G,
            m.utility_const - self.d,
            tuple(sc.partners.ids),
            np.array([p.bargaining_power for p in sc.spec.partners]),
            scale=float(max(1.0, np.abs(self.d).max(initial=0.0))),
        )
        if self.layout.balance:
            self.ws.add_rows(sp.hstack([sp.csr_matrix((1, self.n)), sp.csr_matrix(np.ones((1, P)))]), 0.0, 0.0)
        self.ir_rows = self.ws.add_rows(G, -np.inf, np.inf)  # switched on by set_ir(True)
        self.px_row = self.ws.add_rows(sp.csr_matrix(m.px[None, :]), -np.inf, np.inf)
        self.base = self.ws.mark()
        self.setup_seconds = time.perf_counter() - start
        self._winwin: Outcome | None = None
        self._surplus: dict[tuple[float, ...], np.ndarray] = {}
        self.exempt: set[int] = set()
        self._shapley: np.ndarray | None = None

    # ------------------------------------------------------------------ switches
    def set_ir(self, on: bool) -> None:
        lo = (self.d - self.model.utility_const) if on else np.full(len(self.d), -np.inf)
        lo[list(self.exempt)] = -np.inf
        self.ws.set_row_bounds(self.ir_rows, lo, np.inf)

    def set_disagreement(self, d: np.ndarray, exempt: set[int] | None = None) -> None:
        """Replace the disagreement utilities (the simulation's rolling reservations); partners in
        ``exempt`` (positions) get no individual-rationality row (they left the deal). Clears cached
        win-win and surplus solutions."""
        d = np.asarray(d, dtype=float)
        if d.shape != self.d.shape or not np.isfinite(d).all():
            raise ValueError(f"disagreement must be {self.d.size} finite utilities")
        self.d = d.copy()
        self.exempt = set(exempt or ())
        self.gp.g0 = self.model.utility_const - self.d
        self.gp.scale = float(max(1.0, np.abs(self.d).max(initial=0.0)))
        self._winwin = None
        self._surplus = {}

    def set_px_floor(self, floor: float | None) -> None:
        self.ws.set_row_bounds(self.px_row, -np.inf if floor is None else floor, np.inf)

    def set_subsidy(self, total: float | None) -> np.ndarray:
        """Let outside money flow (``total`` not None) or not; return the subsidy columns."""
        P = len(self.d)
        self.ws.set_col_bounds(self.sigma, np.zeros(P), np.full(P, np.inf if total else 0.0))
        return self.sigma

    def _allow_subsidy(self, total: float) -> None:
        """Σ σ_p ≤ total (a row added after the base mark: removed by the next rollback)."""
        self.set_subsidy(total)
        k = self.sigma.size
        row = sp.csr_matrix((np.ones(k), (np.zeros(k, dtype=int), self.sigma)), shape=(1, self.ws.n_cols))
        self.ws.add_rows(row, -np.inf, total * (1 + TIE_TOLERANCE) + TIE_TOLERANCE)

    # ------------------------------------------------------------------ building blocks
    def lexicographic(self, first: np.ndarray, second: np.ndarray, solved: LpSolution | None = None) -> LpSolution:
        """Max ``first``, then max ``second`` keeping ``first`` within TIE_TOLERANCE (relative); ``solved``
        is the first stage when it was just solved."""
        return lexicographic(self.ws, first, second, TIE_TOLERANCE, solved)

    def objective(self, base: np.ndarray) -> np.ndarray:
        """``base`` (a vector over the model's columns) padded with zeros to the workspace's columns."""
        c = np.zeros(self.ws.n_cols)
        c[: base.size] = base
        return c

    def welfare(self) -> np.ndarray:
        """Σ_p of each partner's utility on the dates compared, ``U_p − z_p`` (the tie-break after PX)."""
        c = self.objective(self.model.welfare())
        c[self.tail] = -1.0
        return c

    def plan_of(
        self, name: str, y: np.ndarray | None, status: SolveStatus, seconds: float, message: str, gap: float = 0.0
    ) -> Plan:
        """A plan from a workspace point; ``gap`` is the solver's relative gap (0: proven optimal LP)."""
        x = None if y is None else y[: self.n]
        px = None if x is None else float(self.model.px @ x)
        bound = None if px is None else px * (1 + gap)
        g = None if px is None else gap
        result = SolveResult(status, x, px, bound, g, seconds, "highspy", "highs", message)
        plan = Plan(self.scenario, name, self.model, result, x, disagreement=self.d)
        if y is not None:
            plan.transfers = np.asarray(self.layout.T @ y[self.f_cols]).ravel() if self.f_cols.size else None
            sigma = y[self.sigma]
            plan.subsidy = sigma if np.abs(sigma).max(initial=0.0) > 0 else None
            tail = y[self.tail]
            plan.utility_adjust = -tail if np.abs(tail).max(initial=0.0) > 0 else None
        return plan

    # ------------------------------------------------------------------ concepts
    def reset(self) -> None:
        """Back to the base program: added rows removed, priority gates free again."""
        self.ws.rollback(self.base)
        self.ws.fix_integers(None)

    def plain(self) -> None:
        """The base program with no individual rationality, PX floor or outside money (the joint program)."""
        self.reset()
        self.set_ir(False)
        self.set_px_floor(None)
        self.set_subsidy(None)

    def joint(self) -> Outcome:
        start = time.perf_counter()
        self.plain()
        sol = self.lexicographic(self.objective(self.model.px), self.welfare())
        plan = self.plan_of(
            "joint", sol.x, sol.status, time.perf_counter() - start, "max PX, then max Σ utilities", sol.gap
        )
        if plan.has_plan:
            plan.transfers = None
        return Outcome("joint", plan, certify(plan, self.cap) if plan.has_plan else None, seconds=plan.solve.seconds)

    def price_of_winwin(self) -> PriceOfWinWin:
        """Min Σ σ_p such that a plan with ``U_p + τ_p + σ_p ≥ d_p`` for all p exists."""
        self.reset()
        self.set_ir(True)
        self.set_px_floor(None)
        sigma = self.set_subsidy(np.inf)
        c = np.zeros(self.ws.n_cols)
        c[sigma] = 1.0
        sol = self.ws.solve(c, maximize=False)
        ids = self.scenario.partners.ids
        if not sol.ok:
            return PriceOfWinWin(float("nan"), {}, {}, self.cap, sol.status)
        assert sol.x is not None
        s = sol.x[sigma]
        total = float(s.sum())
        tiny = CERTIFICATE_TOLERANCE * max(1.0, total)
        recipients = {ids[p]: float(s[p]) for p in np.argsort(-s) if s[p] > tiny}
        blocking: dict[str, float] = {}
        if sol.duals is not None:
            dual = np.abs(sol.duals[self.ir_rows])
            blocking = {ids[p]: float(dual[p]) for p in np.argsort(-dual) if dual[p] > 1e-9}
        return PriceOfWinWin(total, recipients, blocking, self.cap, sol.status)

    def winwin(self) -> Outcome:
        """Max PX with every partner at least as well off as in the silo (see the module docstring)."""
        start = time.perf_counter()
        self.reset()
        self.set_ir(True)
        self.set_px_floor(None)
        self.set_subsidy(None)
        first = self.ws.solve(self.objective(self.model.px))  # stage one of the plan when feasible
        price = None
        note = ""
        if first.status in (SolveStatus.INFEASIBLE, SolveStatus.ERROR):
            # a solver error is no verdict (HiGHS stopped on a 12-week window's program): the price decides
            price = self.price_of_winwin()
            if not np.isfinite(price.subsidy):
                plan = self.plan_of("winwin", None, price.status, time.perf_counter() - start, "no plan")
                self._winwin = Outcome("winwin", plan, None, price, "the model has no feasible plan")
                return self._winwin
            self._allow_subsidy(price.subsidy)
            note = f"no win-win plan without outside money: the price of win-win is {price.subsidy:,.2f}" + (
                "" if price.within_cap else f", above the subsidy cap {self.cap:,.2f}"
            )
        px = self.objective(self.model.px)
        sol = self.lexicographic(px, self.welfare(), first if first.ok else None)
        plan = self.plan_of(
            "winwin", sol.x, sol.status, time.perf_counter() - start, "max PX s.t. IR, then max Σ utilities", sol.gap
        )
        if plan.has_plan:
            self._settle(plan)
        outcome = Outcome(
            "winwin",
            plan,
            certify(plan, self.cap) if plan.has_plan else None,
            price,
            note,
            seconds=time.perf_counter() - start,
        )
        self._winwin = outcome
        return outcome

    def winwin_outcome(self) -> Outcome:
        """The win-win outcome under the current disagreement point (solved once, then reused)."""
        return self._winwin or self.winwin()

    def _dated(self, plan: Plan) -> np.ndarray:
        """Each partner's utility of ``plan`` on the dates its disagreement point counts (:attr:`tail`)."""
        u = self.model.utilities(plan.solution())
        return u if plan.utility_adjust is None else u + plan.utility_adjust

    def _settle(self, plan: Plan) -> None:
        """Readable side payments for a win-win plan: the least that makes everyone whole (module docstring)."""
        if self.layout.mode == "none":
            return
        sigma = plan.subsidy if plan.subsidy is not None else np.zeros(len(self.d))
        h = self._dated(plan) - self.d + sigma  # gains before transfers
        if self.layout.mode == "any":
            plan.transfers = make_whole(h)
            return
        # capped rules: least total flow with h + T·f ≥ 0
        T = self.layout.T
        p = Problem(
            np.ones(T.shape[1]),
            T,
            -h,
            np.full(T.shape[0], np.inf),
            self.layout.lb,
            self.layout.ub,
            np.zeros(T.shape[1], dtype=bool),
            maximize=False,
        )
        sol = Workspace(p).solve(np.ones(T.shape[1]), maximize=False)
        if sol.ok and sol.x is not None:
            plan.transfers = np.asarray(T @ sol.x).ravel()

    def split(self, concept: str, epsilon: float = 0.01) -> Outcome:
        """A bargaining split of the gain with PX ≥ (1 − ε)·PX* (PX* the win-win optimum)."""
        if concept not in SPLITS:
            raise InputError([problem("concepts", f"splits are {', '.join(SPLITS)}", concept)])
        if not 0 <= epsilon < 1:
            raise InputError([problem("epsilon", "must lie in [0, 1)", epsilon)])
        start = time.perf_counter()
        ww = self.winwin_outcome()
        if not ww.plan.has_plan:
            plan = self.plan_of(concept, None, ww.plan.status, 0.0, "no win-win plan to split")
            return Outcome(concept, plan, None, note="no win-win plan to split")
        # the win-win program (with its subsidy row if one was needed), PX floor at (1 − ε)·PX*; on a
        # strict-priority model the priority gates are fixed at the win-win plan's (an LP, with duals)
        self.ws.rollback(self.base)
        self.ws.fix_integers(np.concatenate([ww.plan.solution(), np.zeros(self.ws.n_cols - self.n)]))
        self.set_ir(True)
        px_star = ww.plan.px
        self.set_px_floor(px_star * (1 - epsilon) - TIE_TOLERANCE * max(1.0, abs(px_star)))
        self.set_subsidy(None)
        if ww.plan.subsidy is not None:
            self._allow_subsidy(float(ww.plan.subsidy.sum()))
        before = self.ws.solves
        if self.layout.mode == "any":
            split, y = self._surplus_split(concept)
        else:
            split = self._program_split(concept)
            y = split.y
        plan = self.plan_of(
            concept,
            y,
            SolveStatus.OPTIMAL,
            time.perf_counter() - start,
            f"{concept} split, PX ≥ (1 − {epsilon})·{px_star:.6g}; {self.ws.solves - before} LP solves",
        )
        if self.layout.mode == "any":
            sigma = plan.subsidy if plan.subsidy is not None else np.zeros(len(self.d))
            h = self._dated(plan) - self.d + sigma
            plan.transfers = split.gains - h
        return Outcome(concept, plan, certify(plan, self.cap), note=split.note, seconds=time.perf_counter() - start)

    def shapley_values(self) -> np.ndarray:
        """Each partner's Shapley value of the coalition game (:mod:`winwin.optimizer.games.coalitions`), computed once."""
        if self._shapley is None:
            self._shapley = shapley(coalition_game(self.scenario, players_of(self.scenario, "partners")).game)
        return self._shapley

    def _program_split(self, concept: str) -> Split:
        if concept == "nash":
            return bargaining.nash(self.gp, tolerance=NASH_TOLERANCE)
        if concept == "shapley":
            return _shapley_split(self.gp, self.shapley_values())
        return bargaining.CONCEPTS[concept](self.gp)

    def _surplus_split(self, concept: str) -> tuple[Split, np.ndarray]:
        """With free transfers: the surplus-maximising plan, then the split of ``{g : Σ g ≤ S}``."""
        key = self.ws.row_bounds_key(self.px_row)
        if key not in self._surplus:  # one surplus LP serves every split at this PX floor
            total = np.asarray(self.gp.G.sum(axis=0)).ravel()
            sol = self.ws.solve(self.objective(total))
            if not sol.ok or sol.x is None:
                raise bargaining.BargainingError(f"the surplus program ended {sol.status.value}")
            self._surplus[key] = sol.x
        x = self._surplus[key]
        surplus = float(self.gp.gains(x).sum())
        phi = self.shapley_values() if concept == "shapley" else None
        return split_surplus(concept, self.gp.players, surplus, self.gp.weights, phi), x


def free_transfers(concept: str, h: np.ndarray, players: tuple[str, ...], weights: np.ndarray) -> np.ndarray | None:
    """Side payments of a concept's plan with free transfers, from each partner's gain before transfers
    ``h``: none for ``joint`` (and ``silo``), the least that makes everyone whole for ``winwin``
    (:func:`~winwin.optimizer.concepts.certificate.make_whole`), a split's gains minus ``h`` otherwise."""
    if concept in ("joint", "silo"):
        return None
    if concept == "winwin":
        return make_whole(h)
    return split_surplus(concept, players, float(h.sum()), weights).gains - h


def split_surplus(
    concept: str, players: tuple[str, ...], surplus: float, weights: np.ndarray, shapley: np.ndarray | None = None
) -> Split:
    """The ``concept`` split of the simplex ``{g ≥ 0 : Σ g_p ≤ S}`` (free transfers; ``shapley`` values for
    the ``shapley`` split), in closed form where one exists:

    - ``nash`` (weighted): max Σ w_p log g_p on Σ g_p = S gives ``w_p / g_p = λ``, so ``g_p = S·w_p / Σ w``;
    - ``egalitarian`` (leximin), ``utilitarian`` (leximin among the maxima of Σ g, i.e. on Σ g = S) and
      ``kalai_smorodinsky`` (every player's ideal gain is S): ``g_p = S / n``;
    - ``shapley``: the leximin of ``g_p / φ_p`` (a program).

    A negative surplus has nothing to split (:class:`BargainingError`)."""
    P = len(players)
    if not np.isfinite(surplus) or surplus < 0:
        raise bargaining.BargainingError(f"no gain to split: the surplus is {surplus:,.2f}")
    note = f"surplus {surplus:,.2f} split by {concept} (free transfers)"
    w = np.asarray(weights, dtype=float)
    if concept == "nash" and w.sum() > 0:
        gains = surplus * np.maximum(w, 0.0) / float(np.maximum(w, 0.0).sum())
        return Split(concept, gains, gains.copy(), note=note)
    if concept in ("nash", "egalitarian", "utilitarian", "kalai_smorodinsky"):
        gains = np.full(P, surplus / P)
        return Split(concept, gains, gains.copy(), note=note)
    if concept != "shapley":
        raise ValueError(f"no split called {concept!r}")
    if shapley is None:
        raise ValueError("the shapley split needs the Shapley values")
    bp = BargainingProblem(players, np.ones((1, P)), np.array([surplus]), np.zeros(P), w)
    split = _shapley_split(bargaining_program(bp), shapley)
    split.note = note
    return split


def _shapley_split(gp: GainProgram, phi: np.ndarray) -> Split:
    """Gains in proportion to the Shapley values: leximin on ``g_p / φ_p`` (partners with φ_p ≤ 0 keep their
    disagreement utility or better), as Kalai–Smorodinsky with the Shapley value in place of the ideal."""
    out = bargaining.leximin(gp, scale=np.maximum(phi, 0.0))
    out.concept = "shapley"
    out.extra = {f"shapley:{p}": float(v) for p, v in zip(gp.players, phi, strict=True)}
    return out
