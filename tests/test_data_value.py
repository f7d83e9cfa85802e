"""`winwin data-value`: what each manufacturer's forecast is worth (issue 22, part 5).

Oracles:

- a manufacturer whose forecast is its promise (reliability 1, sd 0, no announcement noise) tells the
  coordinator nothing new: with the seeds paired, every run with and without its forecast is the same run,
  so its marginal value, its paired range, its Shapley value and its fee are exactly 0;
- a perfectly informative forecast (``forecast = perfect``: its actual deliveries) from every manufacturer is
  the clairvoyant bound: the same runs, seed by seed, as the coordinator told every delivery in advance; so
  each one's marginal value is the clairvoyant gap of the runs where its product alone is unknown;
- with two manufacturers the Shapley value is written out by hand from the four sets' PX:
  φ_a = ½·(v({a}) − v(∅)) + ½·(v({a, b}) − v({b})), and φ_a + φ_b = v({a, b}) − v(∅).
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from winwin import api
from winwin.cli import app
from winwin.data import Scenario
from winwin.data.overrides import override


def test_a_forecast_equal_to_the_promise_is_worth_nothing(tiny: Scenario) -> None:
    sc = override(tiny, {"partners.m_alpha.reliability": {"mean": 1.0, "sd": 0.0}})
    r = api.data_value(sc, "central", seeds=3, announce_noise=0.0)
    rows = {row["manufacturer"]: row for row in r.rows()}
    alpha, beta = rows["m_alpha"], rows["m_beta"]
    assert alpha["marginal_px"] == 0.0 and alpha["shapley_px"] == 0.0 and alpha["fee_per_period"] == 0.0
    assert alpha["paired_min"] == alpha["paired_max"] == 0.0
    assert beta["marginal_px"] != 0.0  # m_beta delivers 0.8 of its promise: its forecast changes the plans


def test_the_shapley_split_of_two_forecasts_by_hand(tiny: Scenario) -> None:
    r = api.data_value(tiny, "central", seeds=2)
    a, b = frozenset({"m_alpha"}), frozenset({"m_beta"})
    none, both = frozenset(), a | b
    v = {s: r.px[s] - r.px[none] for s in (none, a, b, both)}
    phi_a = 0.5 * (v[a] - v[none]) + 0.5 * (v[both] - v[b])
    phi_b = 0.5 * (v[b] - v[none]) + 0.5 * (v[both] - v[a])
    assert r.shapley("m_alpha") == pytest.approx(phi_a, abs=1e-12)
    assert r.shapley("m_beta") == pytest.approx(phi_b, abs=1e-12)
    assert phi_a + phi_b == pytest.approx(v[both], abs=1e-12)
    assert r.marginal("m_alpha") == pytest.approx(r.px[both] - r.px[b], abs=1e-12)


def test_data_value_cli(runner: CliRunner) -> None:
    res = runner.invoke(app, ["data-value", "tiny", "--mode", "central", "--seeds", "1", "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert [m["manufacturer"] for m in payload["manufacturers"]] == ["m_alpha", "m_beta"]
    assert payload["seeds"] == 1 and payload["currency"] == "EUR"
    bad = runner.invoke(app, ["data-value", "tiny", "--seeds", "0"])
    assert bad.exit_code == 2 and "seeds" in bad.stderr


def test_perfect_forecasts_from_everyone_are_the_clairvoyant_bound(tiny: Scenario) -> None:
    from winwin.models.run import simulate_run
    from winwin.models.settings import SimulationSettings

    r = api.data_value(tiny, "central", seeds=2, forecast="perfect", lookahead=tiny.T)  # the whole rest, as the bound
    everyone = frozenset(r.manufacturers)
    bound = SimulationSettings(mode="central", clairvoyant=True, lookahead=None)
    clairvoyant = [float(simulate_run(tiny, bound, seed).kpis["px"].iloc[-1]) for seed in range(2)]
    assert r.px_by_seed[everyone] == pytest.approx(clairvoyant, abs=1e-9)
    for m in r.manufacturers:  # its marginal value: the clairvoyant gap with its product alone unknown
        assert r.marginal(m) == pytest.approx(sum(clairvoyant) / 2 - r.px[everyone - {m}], abs=1e-9)
    assert r.marginal("m_beta") > 0  # m_beta delivers 0.8 ± 0.1 of its promise: knowing when is worth PX
