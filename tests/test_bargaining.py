"""Bargaining solutions on polytopes with closed forms (worked out in the comments), and bad problems."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from winwin.cli import app
from winwin.data.errors import InputError
from winwin.optimizer.concepts.bargaining import BargainingProblem, solve_bargaining


def _solve(doc: dict[str, Any]) -> dict[str, np.ndarray]:
    return solve_bargaining(BargainingProblem.from_dict(doc))


# (problem, expected points); every expected point is derived by hand in the comment above it
CASES: list[tuple[str, dict[str, Any], dict[str, list[float]]]] = [
    # symmetric 2 players, u1 + u2 ≤ 1, d = 0: every symmetric solution is (½, ½)
    (
        "symmetric-2",
        {"players": ["a", "b"], "A": [[1, 1]], "b": [1], "d": [0, 0]},
        {"nash": [0.5, 0.5], "kalai_smorodinsky": [0.5, 0.5], "egalitarian": [0.5, 0.5], "utilitarian": [0.5, 0.5]},
    ),
    # d inside: u1 + u2 ≤ 4, d = (1, ½): surplus 2.5 shared equally by Nash, KS (ideal gains 2.5, 2.5), egalitarian;
    # utilitarian ties on the whole segment, leximin picks equal gains
    (
        "d-inside",
        {"players": ["a", "b"], "A": [[1, 1]], "b": [4], "d": [1, 0.5]},
        {
            "nash": [2.25, 1.75],
            "kalai_smorodinsky": [2.25, 1.75],
            "egalitarian": [2.25, 1.75],
            "utilitarian": [2.25, 1.75],
        },
    ),
    # asymmetric: 2·u1 + u2 ≤ 2, d = 0. Nash: max log u1 + log u2 on the line → u1 = ½, u2 = 1.
    # KS: ideal (1, 2), λ·(1, 2) on the line → 4λ = 2 → (½, 1). Egalitarian: 3u = 2 → (⅔, ⅔).
    # Utilitarian: max u1 + u2 → (0, 2).
    (
        "asymmetric-2",
        {"players": ["a", "b"], "A": [[2, 1]], "b": [2], "d": [0, 0]},
        {"nash": [0.5, 1.0], "kalai_smorodinsky": [0.5, 1.0], "egalitarian": [2 / 3, 2 / 3], "utilitarian": [0.0, 2.0]},
    ),
    # d on the boundary (a vertex of the set: u ≥ 0 written as rows), u1 + 2·u2 ≤ 2, u1 ≤ 1.5.
    # Nash: max log u1 + log u2 on u1 + 2u2 = 2 → (1, ½) (u1 ≤ 1.5 slack). KS: ideal (1.5, 1) → λ(1.5 + 2) = 2
    # → (6/7, 4/7). Egalitarian: 3u = 2 → (⅔, ⅔). Utilitarian: u1 = 1.5, u2 = ¼.
    (
        "d-on-boundary",
        {"players": ["a", "b"], "A": [[1, 2], [1, 0], [-1, 0], [0, -1]], "b": [2, 1.5, 0, 0], "d": [0, 0]},
        {
            "nash": [1.0, 0.5],
            "kalai_smorodinsky": [6 / 7, 4 / 7],
            "egalitarian": [2 / 3, 2 / 3],
            "utilitarian": [1.5, 0.25],
        },
    ),
    # weighted Nash on a·u ≤ b: u_i = w_i/Σw · b/a_i. 2u1 + u2 ≤ 2, w = (2, 1) → (⅔·1, ⅓·2) = (⅔, ⅔)
    (
        "weighted-2",
        {"players": ["a", "b"], "A": [[2, 1]], "b": [2], "d": [0, 0], "weights": [2, 1]},
        {"nash": [2 / 3, 2 / 3], "kalai_smorodinsky": [0.5, 1.0], "egalitarian": [2 / 3, 2 / 3], "utilitarian": [0, 2]},
    ),
    # 3 players, Σu ≤ 3, u1 ≤ ½. Nash and egalitarian: u1 = ½, the rest split 2.5 → 1.25 each.
    # KS: ideal (½, 3, 3) → 6.5λ = 3 → (3/13, 18/13, 18/13). Utilitarian ties (Σ = 3), leximin → Nash's point.
    (
        "three-capped",
        {"players": ["a", "b", "c"], "A": [[1, 1, 1], [1, 0, 0]], "b": [3, 0.5], "d": [0, 0, 0]},
        {
            "nash": [0.5, 1.25, 1.25],
            "kalai_smorodinsky": [3 / 13, 18 / 13, 18 / 13],
            "egalitarian": [0.5, 1.25, 1.25],
            "utilitarian": [0.5, 1.25, 1.25],
        },
    ),
    # 3 players weighted, Σu ≤ 6, w = (1, 2, 3) → u = w/Σw · 6 = (1, 2, 3); KS and egalitarian (2, 2, 2)
    (
        "three-weighted",
        {"players": ["a", "b", "c"], "A": [[1, 1, 1]], "b": [6], "d": [0, 0, 0], "weights": [1, 2, 3]},
        {"nash": [1, 2, 3], "kalai_smorodinsky": [2, 2, 2], "egalitarian": [2, 2, 2], "utilitarian": [2, 2, 2]},
    ),
]


@pytest.mark.parametrize(("name", "doc", "expected"), CASES, ids=[c[0] for c in CASES])
def test_closed_forms(name: str, doc: dict[str, Any], expected: dict[str, list[float]]) -> None:
    points = _solve(doc)
    for concept, value in expected.items():
        np.testing.assert_allclose(points[concept], value, atol=1e-6, err_msg=f"{name}: {concept}")


@settings(max_examples=30, deadline=None)
@given(
    a=st.lists(st.floats(0.2, 5.0), min_size=2, max_size=4),
    b=st.floats(0.5, 100.0),
    w=st.lists(st.floats(0.1, 10.0), min_size=4, max_size=4),
)
def test_weighted_nash_on_a_simplex_has_its_closed_form(a: list[float], b: float, w: list[float]) -> None:
    """max Σ w_i log u_i on a·u ≤ b: u_i = w_i/Σw · b/a_i (Lagrange)."""
    n = len(a)
    weights = np.array(w[:n])
    doc = {"players": [f"p{i}" for i in range(n)], "A": [a], "b": [b], "d": [0.0] * n, "weights": weights.tolist()}
    expected = weights / weights.sum() * b / np.array(a)
    np.testing.assert_allclose(_solve(doc)["nash"], expected, rtol=1e-6, atol=1e-9)


def test_a_core_type_set_without_d_is_bargained_above_d() -> None:
    """Three players share v(N) = 12 (Σ u = 12), players 1 and 2 are owed v({1,2}) = 8 together, and the
    stand-alone values d = (1, 2, 3) are not in the set (Σ d = 6). In gains g = u − d: Σ g = 6, g1 + g2 ≥ 5,
    so g3 ≤ 1. Nash: max Σ log g on that face: g3 = 1 (its multiplier 1 − 1/2.5 = 0.6 ≥ 0), g1 = g2 = 2.5,
    u = (3.5, 4.5, 4). Egalitarian (leximin): g3 ≤ 1 caps the least gain at 1, then g1 = g2 = 2.5: the same.
    Kalai–Smorodinsky: ideal gains (6, 6, 1), the frontier point on the ray t·(6, 6, 1): 13t = 6."""
    doc = {"players": ["one", "two", "three"], "A": [[1, 1, 1], [-1, -1, -1], [-1, -1, 0]], "b": [12, -12, -8],
           "d": [1, 2, 3]}  # fmt: skip
    points = _solve(doc)
    np.testing.assert_allclose(points["nash"], [3.5, 4.5, 4.0], atol=1e-6)
    np.testing.assert_allclose(points["egalitarian"], [3.5, 4.5, 4.0], atol=1e-6)
    t = 6 / 13
    np.testing.assert_allclose(points["kalai_smorodinsky"], [1 + 6 * t, 2 + 6 * t, 3 + t], atol=1e-6)
    assert sum(points["utilitarian"]) == pytest.approx(12.0)


@pytest.mark.parametrize(
    ("doc", "path", "fragment"),
    [
        ({"players": ["a", "b"], "A": [[1, 1]], "b": [1], "d": [1, 1]}, "d", "a short by"),
        ({"players": ["a", "b"], "A": [[1, 0], [0, 1]], "b": [1, 5], "d": [2, 0]}, "d", "a (at most 1 < 2)"),
        ({"players": ["a", "b"], "A": [[1, 1], [1, 0]], "b": [2, 0], "d": [0, 0]}, "d", "a cannot gain"),
        ({"players": ["a", "b"], "A": [[1, -1]], "b": [1], "d": [0, 0]}, "A", "unbounded"),
        ({"players": ["a", "b"], "A": [[1, 1, 1]], "b": [1], "d": [0, 0]}, "A[0]", "2 values"),
        ({"players": ["a", "a"], "A": [[1, 1]], "b": [1], "d": [0, 0]}, "players", "unique"),
        ({"players": ["a", "b"], "A": [[1, 1]], "b": [1], "d": [0, 0], "weights": [1, 0]}, "weights", "> 0"),
        ({"players": ["a", "b"], "A": [[1, "x"]], "b": [1], "d": [0, 0]}, "A[0]", "finite numbers"),
        ({"players": ["a", "b"], "A": [[1, 1]], "b": [1, 2], "d": [0, 0]}, "b", "1 values"),
        ({"players": ["a", "b"], "A": [[1, 1]], "b": [1], "d": [0, 0], "extra": 1}, "extra", "unknown field"),
    ],
)
def test_bad_problems_name_the_field(doc: dict[str, Any], path: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        _solve(doc)
    assert any(p.path == path and fragment in p.message for p in info.value.problems), info.value.problems


def test_bargain_cli(tmp_path: Path, runner: CliRunner) -> None:
    problem = tmp_path / "deal.json"
    problem.write_text(json.dumps({"players": ["a", "b"], "A": [[2, 1]], "b": [2], "d": [0, 0]}))
    result = runner.invoke(app, ["bargain", "--problem", str(problem), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    np.testing.assert_allclose(payload["nash"], [0.5, 1.0], atol=1e-6)
    np.testing.assert_allclose(payload["egalitarian"], [2 / 3, 2 / 3], atol=1e-6)
    assert set(payload) >= {"nash", "kalai_smorodinsky", "egalitarian", "utilitarian"}
    table = runner.invoke(app, ["bargain", "--problem", str(problem)])
    assert table.exit_code == 0 and "kalai_smorodinsky" in table.stdout
    problem.write_text(json.dumps({"players": ["a", "b"], "A": [[1, 1]], "b": [1], "d": [2, 0]}))
    bad = runner.invoke(app, ["bargain", "--problem", str(problem)])
    assert (
        bad.exit_code == 2
        and "d: no point of the set gives every player at least d together: a short by 1" in bad.stderr
    )
    missing = runner.invoke(app, ["bargain", "--problem", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2


@pytest.mark.parametrize("concept", ["nash", "egalitarian", "utilitarian", "kalai_smorodinsky"])
def test_the_closed_form_splits_of_a_surplus_match_the_bargaining_programs(concept: str) -> None:
    """With free transfers a split divides the surplus S over ``{g ≥ 0 : Σ g ≤ S}``: the closed forms
    (Nash ``S·w/Σw``, the others ``S/n``) against the general programs of :mod:`bargaining` on that set."""
    from winwin.optimizer.concepts import bargaining
    from winwin.optimizer.concepts.bargaining import BargainingProblem, bargaining_program
    from winwin.optimizer.concepts.negotiation import split_surplus

    players, weights, surplus = ("a", "b", "c", "d"), np.array([1.0, 2.0, 0.5, 1.5]), 1_000.0
    closed = split_surplus(concept, players, surplus, weights).gains
    bp = BargainingProblem(players, np.ones((1, 4)), np.array([surplus]), np.zeros(4), weights)
    program = bargaining.CONCEPTS[concept](bargaining_program(bp)).gains
    if concept == "nash":  # the outer approximation stops at a relative gap; the polish solves the KKT system
        program = bargaining.polish_nash(bp, program)
    np.testing.assert_allclose(closed, program, rtol=1e-6, atol=1e-4)
    expected = surplus * weights / weights.sum() if concept == "nash" else np.full(4, surplus / 4)
    np.testing.assert_allclose(closed, expected, rtol=1e-12)


def test_a_negative_surplus_has_nothing_to_split() -> None:
    from winwin.optimizer.concepts.bargaining import BargainingError
    from winwin.optimizer.concepts.negotiation import split_surplus

    with pytest.raises(BargainingError, match="no gain to split"):
        split_surplus("nash", ("a", "b"), -1.0, np.ones(2))
