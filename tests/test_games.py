"""TU-game routines on textbook games with published answers, and their axioms on random games."""

from __future__ import annotations

import json
import math
from itertools import permutations
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from winwin.cli import app
from winwin.data.errors import InputError
from winwin.optimizer.games.tu import Game, banzhaf, in_core, least_core, nucleolus, sampled_shapley, shapley


def _game(n: int, f, game_type: str = "profit") -> Game:  # type: ignore[no-untyped-def]
    return Game.from_function(tuple(f"p{i}" for i in range(n)), f, game_type)


def bankruptcy(estate: float, claims: list[float]) -> Game:
    """v(S) = what S gets once the others' claims are paid in full: max(0, E − Σ_{j∉S} d_j)."""
    n = len(claims)
    return _game(n, lambda m: max(0.0, estate - sum(claims[i] for i in range(n) if not m >> i & 1)))


@pytest.mark.parametrize(
    ("estate", "talmud"),
    [(100, [100 / 3] * 3), (200, [50, 75, 75]), (300, [50, 100, 150])],
)
def test_bankruptcy_nucleolus_is_the_talmud_division(estate: float, talmud: list[float]) -> None:
    """Aumann & Maschler (1985): the nucleolus of the bankruptcy game is the Talmud's division of the
    estate among claims 100, 200, 300 (Mishna Ketubot 93a)."""
    nu = nucleolus(bankruptcy(estate, [100, 200, 300]))
    assert nu.x is not None
    np.testing.assert_allclose(nu.x, talmud, atol=1e-9)


def test_airport_game() -> None:
    """Littlechild & Owen (1973): φ_i = Σ_{k≤i} (c_k − c_{k−1}) / (n − k + 1). Nucleolus of c = (1, 3, 6)
    by Littlechild (1974): x1 = min(c1/2, ...) = ½, then x2 = (c2 − x1)/2 = 1.25, x3 = 6 − 1.75 = 4.25
    (checked by hand: the savings game's largest excess −½ is shared by {1} and {2,3})."""
    for c in ([1.0, 3.0, 6.0], [2.0, 2.0, 5.0, 9.0], [1.0, 2.0, 4.0, 8.0, 16.0]):
        n = len(c)
        g = _game(n, lambda m, c=c, n=n: max(c[i] for i in range(n) if m >> i & 1), "cost")
        steps = np.diff([0.0, *c])
        expected = [sum(steps[k] / (n - k) for k in range(i + 1)) for i in range(n)]
        np.testing.assert_allclose(shapley(g), expected, atol=1e-12)
        assert in_core(g, shapley(g)).in_core  # airport games: the Shapley value is in the core
    g = _game(3, lambda m: max([1.0, 3.0, 6.0][i] for i in range(3) if m >> i & 1), "cost")
    nu = nucleolus(g)
    assert nu.x is not None
    np.testing.assert_allclose(nu.x, [0.5, 1.25, 4.25], atol=1e-9)


def test_glove_game() -> None:
    """One left glove (p0), two right (p1, p2), a pair is worth 1: Shapley (⅔, ⅙, ⅙); the core is the single
    point (1, 0, 0), so it is also the nucleolus (Osborne & Rubinstein, A Course in Game Theory, 13.2)."""
    g = _game(3, lambda m: float(min(m & 1, bin(m >> 1).count("1"))))
    np.testing.assert_allclose(shapley(g), [2 / 3, 1 / 6, 1 / 6], atol=1e-12)
    nu = nucleolus(g)
    assert nu.x is not None
    np.testing.assert_allclose(nu.x, [1, 0, 0], atol=1e-9)
    assert least_core(g).core_nonempty and in_core(g, np.array([1.0, 0, 0])).in_core
    assert not in_core(g, np.array([0.5, 0.25, 0.25])).in_core


def test_weighted_voting_game() -> None:
    """[51; 50, 49, 1]: p0 is in every winning coalition (a veto player). Shapley (⅔, ⅙, ⅙); raw Banzhaf:
    p0 swings in {p1}, {p2}, {p1,p2} → ¾, p1 and p2 swing only with p0 → ¼; core = nucleolus = (1, 0, 0)."""
    w = [50, 49, 1]
    g = _game(3, lambda m: 1.0 if sum(w[i] for i in range(3) if m >> i & 1) >= 51 else 0.0)
    np.testing.assert_allclose(shapley(g), [2 / 3, 1 / 6, 1 / 6], atol=1e-12)
    np.testing.assert_allclose(banzhaf(g), [0.75, 0.25, 0.25], atol=1e-12)
    nu = nucleolus(g)
    assert nu.x is not None
    np.testing.assert_allclose(nu.x, [1, 0, 0], atol=1e-9)


def test_majority_game_has_an_empty_core() -> None:
    """Three-player simple majority: symmetric, so Shapley = nucleolus = ⅓ each; any two can block any split
    (x_i + x_j ≥ 1 for all pairs sums to 2·x(N) ≥ 3 > 2): core empty, least-core ε = ⅓."""
    g = _game(3, lambda m: 1.0 if bin(m).count("1") >= 2 else 0.0)
    lc = least_core(g)
    assert not lc.core_nonempty and lc.epsilon == pytest.approx(1 / 3, abs=1e-9)
    nu = nucleolus(g)
    assert nu.x is not None
    np.testing.assert_allclose(nu.x, [1 / 3] * 3, atol=1e-9)
    np.testing.assert_allclose(shapley(g), [1 / 3] * 3, atol=1e-12)


def test_nucleolus_undefined_without_imputations() -> None:
    g = _game(3, lambda m: 1.0 if bin(m).count("1") == 1 else (2.0 if m == 7 else 1.5))
    nu = nucleolus(g)
    assert nu.x is None and "imputation set is empty" in nu.note


def test_sampled_shapley_converges_and_is_seeded() -> None:
    g = bankruptcy(200, [100, 200, 300])
    exact = shapley(g)

    def value(masks: list[int]) -> list[float]:
        return [float(g.v[m]) for m in masks]

    a = sampled_shapley(3, value, seed=7, max_permutations=20000, target_se=2.0)
    b = sampled_shapley(3, value, seed=7, max_permutations=20000, target_se=2.0)
    assert a.converged and (a.standard_errors <= 2.0).all() and a.permutations < 20000
    np.testing.assert_array_equal(a.values, b.values)
    assert (np.abs(a.values - exact) <= 5 * a.standard_errors + 1e-9).all()
    assert a.values.sum() == pytest.approx(g.v[-1])  # every permutation is efficient


# --------------------------------------------------------------------------- axioms on random games
games = st.integers(2, 5).flatmap(
    lambda n: st.tuples(st.just(n), st.lists(st.integers(0, 20), min_size=(1 << n) - 1, max_size=(1 << n) - 1))
)


def _from(n: int, values: list[int]) -> Game:
    v = np.array([0.0, *map(float, values)])
    return Game(tuple(f"p{i}" for i in range(n)), v)


@settings(max_examples=60, deadline=None)
@given(games)
def test_shapley_axioms(data: tuple[int, list[int]]) -> None:
    n, values = data
    g = _from(n, values)
    phi = shapley(g)
    assert phi.sum() == pytest.approx(g.v[-1])  # efficiency
    # against the definition: average marginal contribution over all n! orders
    brute = np.zeros(n)
    for order in permutations(range(n)):
        mask = 0
        for i in order:
            brute[i] += g.v[mask | 1 << i] - g.v[mask]
            mask |= 1 << i
    np.testing.assert_allclose(phi, brute / math.factorial(n), atol=1e-9)
    # additivity
    h = _from(n, values[::-1])
    np.testing.assert_allclose(shapley(Game(g.players, g.v + h.v)), phi + shapley(h), atol=1e-9)
    # a dummy player added: gets exactly its stand-alone value, the others keep theirs
    worth = 3.0
    big = np.array([g.v[m & ((1 << n) - 1)] + (worth if m >> n & 1 else 0.0) for m in range(1 << (n + 1))])
    phi_d = shapley(Game((*g.players, "dummy"), big))
    assert phi_d[-1] == pytest.approx(worth) and np.allclose(phi_d[:-1], phi)


@settings(max_examples=40, deadline=None)
@given(games)
def test_symmetric_players_get_the_same(data: tuple[int, list[int]]) -> None:
    n, values = data
    g = _from(n, values)
    # symmetrise p0 and p1: v(S) := v(S with p0, p1 sorted), which makes swapping them a symmetry
    v = g.v.copy()
    for m in range(1 << n):
        if (m & 1) != (m >> 1 & 1):
            v[m] = g.v[(m & ~3) | 1]  # whichever of the two is in S, use "p0 in, p1 out"
    s = Game(g.players, v)
    phi = shapley(s)
    assert phi[0] == pytest.approx(phi[1], abs=1e-9)
    assert banzhaf(s)[0] == pytest.approx(banzhaf(s)[1], abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(games, st.integers(0, 60))
def test_nucleolus_lies_in_the_core_when_there_is_one(data: tuple[int, list[int]], extra: int) -> None:
    n, values = data
    values = list(values)
    values[-1] += extra  # a richer grand coalition: sometimes a core, sometimes not
    g = _from(n, values)
    nu = nucleolus(g)
    lc = least_core(g)
    singles = sum(g.v[1 << i] for i in range(n))
    if singles > g.v[-1]:
        assert nu.x is None
        return
    assert nu.x is not None and nu.x.sum() == pytest.approx(g.v[-1])
    assert (nu.x >= g.v[1 << np.arange(n)] - 1e-7).all()  # an imputation
    if lc.core_nonempty:
        assert in_core(g, nu.x).in_core
    # the nucleolus attains the least-core value when imputations do not bind
    excess = max(g.v[m] - sum(nu.x[i] for i in range(n) if m >> i & 1) for m in range(1, (1 << n) - 1))
    assert excess >= lc.epsilon - 1e-7


# --------------------------------------------------------------------------- files and the command line
def test_game_file_cli(tmp_path: Path, runner: CliRunner) -> None:
    doc = {
        "players": ["L", "R1", "R2"],
        "v": {"L": 0, "R1": 0, "R2": 0, "L,R1": 1, "R1,L": 1, "L,R2": 1, "R1,R2": 0, "R2,R1,L": 1},
    }
    path = tmp_path / "game.json"
    path.write_text(json.dumps(doc))
    dup = runner.invoke(app, ["coalitions", "--game", str(path), "--json"])
    assert dup.exit_code == 2 and "v.R1,L: this coalition is given twice" in dup.stderr
    del doc["v"]["R1,L"]
    path.write_text(json.dumps(doc))
    result = runner.invoke(app, ["coalitions", "--game", str(path), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["shapley"] == pytest.approx({"L": 2 / 3, "R1": 1 / 6, "R2": 1 / 6})
    assert payload["nucleolus"] == pytest.approx({"L": 1, "R1": 0, "R2": 0}, abs=1e-9)
    assert payload["core_nonempty"] is True and set(payload["least_core"]) == {"epsilon", "allocation"}
    assert set(payload) >= {"shapley", "banzhaf", "nucleolus", "nucleolus_note", "core_nonempty", "least_core"}
    table = runner.invoke(app, ["coalitions", "--game", str(path)])
    assert table.exit_code == 0 and "Shapley" in table.stdout


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        ({"players": ["a", "b"], "v": {"a": 1, "b": 1}}, "v"),
        ({"players": ["a", "b"], "v": {"a": 1, "b": 1, "a,c": 2}}, "v.a,c"),
        ({"players": ["a", "b"], "v": {"a": 1, "b": 1, "a,b": "x"}}, "v.a,b"),
        ({"players": ["a", "b"], "v": {"a": 1, "b": 1, "a,b": 2}, "game_type": "loss"}, "game_type"),
        ({"players": "ab", "v": {}}, "players"),
    ],
)
def test_bad_game_files(doc: dict, path: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InputError) as info:
        Game.from_dict(doc)
    assert any(p.path == path for p in info.value.problems), info.value.problems
