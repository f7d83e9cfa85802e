"""Bundled scenarios, arrays worked out by hand on tiny, synthetic generator, schema and CLI."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from support import ALL_EVENTS, ROOT
from typer.testing import CliRunner

from winwin.cli import app
from winwin.data import Scenario, bundled_names, json_schema, load, synthetic, synthetic_document
from winwin.data.documents import parse_text


def test_bundled_names() -> None:
    assert bundled_names() == ["belgium-2021", "tiny"]


def test_tiny_counts_match_design(tiny: Scenario) -> None:
    assert tiny.counts() == {
        "partners": 7,
        "sites": 3,
        "products": 2,
        "groups": 3,
        "regions": 2,
        "periods": 6,
        "lanes": 5,
    }
    assert len(tiny.manufacturers) == 2 and len(tiny.distributors) == 1


def test_tiny_arrays_by_hand(tiny: Scenario) -> None:
    # groups in rank order: elderly, carers, adults; regions: north, south
    assert tiny.groups.ids == ("elderly", "carers", "adults")
    np.testing.assert_array_equal(tiny.population, [[100, 150], [50, 50], [400, 300]])
    # willing = population × acceptance (0.8, 0.9, 0.5)
    np.testing.assert_allclose(tiny.willing, [[80, 120], [45, 45], [200, 150]])
    assert tiny.willing.sum() == pytest.approx(640)
    np.testing.assert_array_equal(tiny.eligible[2], [False, False, True, True, True, True])
    # elderly may receive alpha only
    np.testing.assert_array_equal(tiny.allowed, [[True, False], [True, True], [True, True]])
    assert tiny.supply.shape == (2, 2, 6)
    np.testing.assert_array_equal(tiny.supply[0, 0], [60] * 6)
    np.testing.assert_array_equal(tiny.supply[1, 1], [40] * 6)
    assert tiny.supply[0, 1].sum() == 0
    np.testing.assert_array_equal(tiny.interval, [[0] * 6, [2] * 6])
    # the pharmacy keeps no frozen stock, so the lane to it carries alpha only
    np.testing.assert_array_equal(tiny.lane_carries[4], [True, False])
    np.testing.assert_array_equal(tiny.serves, [[True, False], [False, True], [True, True]])
    assert np.isnan(tiny.travel[0, 1]) and tiny.travel[2, 1] == 20


def test_events_applied_to_arrays(tiny_copy: dict) -> None:  # type: ignore[type-arg]
    from winwin.data import from_model, parse

    tiny_copy["events"] = copy.deepcopy(ALL_EVENTS)
    s = from_model(parse(tiny_copy))
    np.testing.assert_array_equal(s.supply[1, 1], [40, 20, 20, 40, 40, 40])
    np.testing.assert_array_equal(s.site_capacity[0], [40, 40, 40, 40, 10, 10])
    np.testing.assert_array_equal(s.risk[2], [1, 1, 1, 2, 2, 2])
    np.testing.assert_array_equal(s.risk[0], [10] * 6)
    np.testing.assert_array_equal(s.confidence[0], [1, 1, 1, 1, 1, 0.6])
    assert s.destruction[s.nodes.pos("dist"), 1, 2] == 0.1


def test_belgium_meets_the_calibration_brief(belgium: Scenario) -> None:
    c = belgium.counts()
    assert c["products"] >= 4 and c["groups"] >= 5 and c["regions"] >= 3 and c["sites"] >= 100 and c["periods"] >= 26
    roles = belgium.partners_frame()["role"].value_counts()
    assert roles["distributor"] >= 3 and roles["payer"] >= 1 and roles["volunteer_org"] >= 1
    kinds = set(belgium.partners_frame()["kind"].dropna())
    assert {"vaccination_centre", "hospital", "pharmacy"} <= kinds
    # 11.5 M inhabitants (Statbel 2021: 11 521 238); the rounded provinces are within 0.5 %
    assert belgium.population.sum() / 0.796 == pytest.approx(11_521_238, rel=0.005)
    # Belgian phase order
    assert belgium.groups.ids[0] == "care_homes" and belgium.groups.ids[2] == "age_65_plus"
    kinds_of_events = {e.kind for e in belgium.spec.events}
    assert "confidence_shock" in kinds_of_events
    # the supply is the delivery record, summed here from the file by another path: arrivals dated up to
    # Sunday 4 July 2021 (those of 26 December 2020 in hand at the start); shortfalls are not cut again
    assert "supply_cut" not in kinds_of_events
    record = pd.read_csv(ROOT / "data" / "records" / "belgium-2021" / "deliveries_by_date.csv", parse_dates=["date"])
    totals = record[record["date"] <= "2021-07-04"].groupby("manufacturer")["amount"].sum()
    names = {"pfizer": "Pfizer/BioNTech", "moderna": "Moderna", "astrazeneca": "AstraZeneca/Oxford",
             "janssen": "Johnson&Johnson"}  # fmt: skip
    for pid, name in names.items():
        assert belgium.supply[belgium.manufacturers.pos(pid)].sum() == totals[name], pid


def test_belgium_every_number_is_sourced() -> None:
    """Every line of the YAML that carries a number cites a source id or says assumption, in a comment
    on the line itself or in the comment block just above its section entry."""
    text = Path(load("belgium-2021").source).read_text()
    source_ids = {s["id"] for s in yaml.safe_load(text)["sources"]}
    comment_context = ""
    data_lines = text.split("\nhorizon:", 1)[1].splitlines()  # name, description and sources hold prose only
    assert len(data_lines) > 400
    for line in data_lines:
        stripped = line.strip()
        if stripped.startswith("#"):
            comment_context += stripped
            continue
        if not any(ch.isdigit() for ch in stripped.split("#")[0]):
            continue
        cited = "#" in line and ("[" in line.split("#", 1)[1] or "assumption" in line.split("#", 1)[1])
        assert cited or "assumption" in comment_context or any(f"[{sid}]" in comment_context for sid in source_ids), (
            line
        )
        if not line.startswith(" "):
            comment_context = ""


def test_synthetic_is_deterministic_and_scales() -> None:
    a = synthetic_document(30, 4, 3, 2, 8, seed=7)
    b = synthetic_document(30, 4, 3, 2, 8, seed=7)
    c = synthetic_document(30, 4, 3, 2, 8, seed=8)
    assert a == b and a != c
    s = synthetic(200, 12, 5, 3, 26, seed=1)
    assert s.counts()["sites"] == 200 and s.counts()["regions"] == 12 and s.T == 26
    assert s.supply.sum() > 0


def test_synthetic_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError, match="n_sites: must be >= 1, got 0"):
        synthetic(0, 1, 1, 1, 4, seed=0)


def test_json_scenario_loads_like_yaml(tmp_path: Path, tiny_doc: dict) -> None:  # type: ignore[type-arg]
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(tiny_doc, default=str))
    assert load(path).counts() == load("tiny").counts()
    assert load(path).spec == load("tiny").spec


def test_json_schema_validates_bundled_files() -> None:
    import jsonschema

    schema = json_schema()
    for name in bundled_names():
        doc = parse_text(Path(load(name).source).read_text(), name)
        doc["horizon"]["start"] = str(doc["horizon"]["start"])
        jsonschema.validate(doc, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "x"}, schema)


def test_cli_validate_json_counts(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", "belgium-2021", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["valid"] is True and payload["name"] == "belgium-2021"
    assert set(payload["counts"]) == {"partners", "sites", "products", "groups", "regions", "periods", "lanes"}
    assert payload["counts"]["sites"] == 114


def test_cli_list_schema(runner: CliRunner, tmp_path: Path) -> None:
    listed = runner.invoke(app, ["list", "--json"])
    assert [r["name"] for r in json.loads(listed.stdout)["scenarios"]] == ["belgium-2021", "tiny"]
    out = tmp_path / "schema.json"
    assert runner.invoke(app, ["schema", "--out", str(out)]).exit_code == 0
    assert json.loads(out.read_text())["title"] == "winwin scenario"


COMMAND_OPTIONS: dict[str, set[str]] = {
    "list": {"--json"},
    "validate": {"--json"},
    "schema": {"--out"},
    "plan": {"--concept", "--backend", "--solver", "--strict-priority", "--no-strict-priority", "--threshold",
             "--time-limit", "--mip-gap", "--exact", "--json", "--out", "--robust", "--cvar", "--seed",
             "--test-futures", "--replications", "--risk-weight", "--ray", "--address"},
    "compare": {"--concepts", "--epsilon", "--transfers", "--reservation", "--time-limit", "--exact", "--json",
                "--futures", "--cvar", "--seed", "--test-futures"},
    "bargain": {"--problem", "--json"},
    "frontier": {"--points", "--partner", "--ray", "--address", "--exact", "--json", "--out"},
    "coalitions": {"--players", "--samples", "--exact", "--seed", "--game", "--ray", "--address", "--full-model", "--json"},
    "schedule": {"--site", "--all", "--week", "--concept", "--time-limit", "--ray", "--address", "--allocation",
                 "--json", "--out"},
    "simulate": {"--mode", "--modes", "--seed", "--periods", "--lookahead", "--aspiration", "--sharing",
                 "--data-fee", "--set", "--transfers", "--time-limit", "--exact", "--clairvoyant", "--planner",
                 "--futures", "--cvar", "--keep", "--json", "--out"},
    "backtest": {"--observed", "--mode", "--seeds", "--set", "--json", "--out"},
    "explore": {"--port", "--host"},
    "data-value": {"--mode", "--seeds", "--forecast", "--set", "--json"},
    "sweep": {"--out", "--address", "--workers", "--in-process", "--resume", "--quiet"},
    "analyze": {"--json"},
    "report": {"--scenario", "--results", "--out", "--simulate", "--periods", "--points", "--robust"},
    "demo": {"--out", "--periods", "--samples", "--in-process", "--scenario", "--sweep", "--points"},
}  # fmt: skip
"""Every command and the options it documents (DESIGN §11), written out by hand: the contract of the CLI."""


def test_every_command_has_help_with_its_own_options(runner: CliRunner) -> None:
    """Each command takes exactly the options of the table, and its --help shows every one of them."""
    import typer

    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    assert set(commands) == set(COMMAND_OPTIONS)
    top = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert top.exit_code == 0 and all(name in top.stdout for name in COMMAND_OPTIONS)
    for name, options in COMMAND_OPTIONS.items():
        taken = {o for p in commands[name].params for o in [*p.opts, *p.secondary_opts] if o.startswith("--")}
        assert taken - {"--help"} == options, (name, taken ^ options)
        result = runner.invoke(app, [name, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0 and "Usage" in result.stdout, name
        assert all(option in result.stdout for option in options), (name, result.stdout)
