"""The bad-input corpus: every kind of broken scenario gives its message, path and value, exit code 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support import write_yaml
from typer.testing import CliRunner

from winwin.cli import app
from winwin.data import ScenarioError, load, parse

Doc = dict[str, Any]


def _partner(doc: Doc, pid: str) -> Doc:
    return next(p for p in doc["partners"] if p["id"] == pid)


def _set(path: list[Any], value: Any) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return mutate


# (case id, mutation of tiny, expected str(problem) — exact)
CORPUS: list[tuple[str, Callable[[Doc], None], str]] = [
    (
        "negative capacity",
        _set(["partners", 3, "capacity"], -5),
        "partners[3].capacity[0]: input should be greater than or equal to 0 (got -5)",
    ),
    (
        "non-numeric capacity",
        _set(["partners", 3, "capacity"], "lots"),
        "partners[3].capacity: input should be a valid list (got 'lots')",
    ),
    (
        "wrong type for periods",
        _set(["horizon", "periods"], "six"),
        "horizon.periods: input should be a valid integer (got 'six')",
    ),
    (
        "acceptance above 1",
        _set(["groups", 0, "acceptance"], 1.5),
        "groups[0].acceptance: input should be less than or equal to 1 (got 1.5)",
    ),
    ("unknown top-level key", _set(["budgets"], 3), "budgets: unknown field (got 3)"),
    (
        "unknown partner field",
        lambda d: _partner(d, "dist").update(colour="blue"),
        "partners[2].colour: unknown field (got 'blue')",
    ),
    (
        "unknown role",
        lambda d: _partner(d, "gov").update(role="king"),
        "partners[6].role: must be one of 'manufacturer', 'distributor', 'site', 'payer', 'volunteer_org' (got 'king')",
    ),
    ("missing required field", lambda d: _partner(d, "s_north").pop("capacity"), "partners[3].capacity: is required"),
    (
        "duplicate partner id",
        lambda d: _partner(d, "s_south").update(id="s_north"),
        "partners[4].id: duplicate id (got 's_north')",
    ),
    (
        "lane to unknown partner",
        _set(["lanes", 2, "to"], "s_nowhere"),
        "lanes[2].to: unknown partner (got 's_nowhere')",
    ),
    (
        "site in unknown region",
        lambda d: _partner(d, "s_north").update(region="east"),
        "partners[3].region: unknown region (got 'east')",
    ),
    (
        "site serving unknown region",
        _set(["service", 0, "region"], "west"),
        "service[0].region: unknown region (a site serving it cannot exist) (got 'west')",
    ),
    (
        "group without population in a region",
        lambda d: d["regions"][1]["population"].pop("carers"),
        "regions[1].population: no population given for group 'carers' (got ['adults', 'elderly'])",
    ),
    (
        "event outside the horizon",
        _set(["events"], [{"kind": "supply_cut", "partner": "m_beta", "start": 9, "factor": 0.5}]),
        "events[0].start: outside the horizon of 6 periods (got 9)",
    ),
    (
        "eligibility outside the horizon",
        _set(["groups", 2, "eligible_from"], 6),
        "groups[2].eligible_from: outside the horizon of 6 periods (got 6)",
    ),
    (
        "lane cycle",
        lambda d: (
            d["lanes"].append({"from": "dist", "to": "dist2"})
            or d["partners"].append({"id": "dist2", "role": "distributor", "throughput": 10})
            or d["lanes"].append({"from": "dist2", "to": "dist"})
        ),
        "lanes: the lanes form a cycle (got 'dist -> dist2 -> dist')",
    ),
    (
        "product no group may receive",
        lambda d: [g.update(products=["alpha"]) for g in d["groups"]],
        "products[1].id: no group may receive this product (got 'beta')",
    ),
    (
        "per-period list of the wrong length",
        _set(["partners", 0, "supply", "alpha"], [60, 60, 60]),
        "partners[0].supply.alpha: needs 1 value or one per period (6) (got '3 values')",
    ),
    (
        "event naming a partner of the wrong role",
        _set(["events"], [{"kind": "supply_cut", "partner": "dist", "start": 1, "factor": 0.5}]),
        "events[0].partner: a supply_cut needs a manufacturer, not a distributor (got 'dist')",
    ),
    (
        "two-dose product without interval",
        _set(["products", 1, "interval"], 0),
        "products[1].interval: a two-dose product needs an interval >= 1 (got 0)",
    ),
    (
        "a changing interval with a zero in it",
        _set(["products", 1, "interval"], [2, 2, 0, 1, 1, 1]),
        "products[1].interval[2]: a two-dose product needs an interval >= 1 (got 0)",
    ),
    (
        "a changing interval of the wrong length",
        _set(["products", 1, "interval"], [2, 3]),
        "products[1].interval: needs 1 value or one per period (6) (got '2 values')",
    ),
    (
        "silo shares above one",
        lambda d: d["lanes"].insert(0, {"from": "m_alpha", "to": "s_north", "silo_share": 0.5}),
        "lanes: silo shares of the lanes from 'm_alpha' add up to more than 1 (got 1.5)",
    ),
    (
        "lane against the flow",
        lambda d: d["lanes"].append({"from": "s_north", "to": "dist"}),
        "lanes[5]: a site cannot ship to a distributor (got 's_north -> dist')",
    ),
    (
        "no payer",
        lambda d: d["partners"].pop(6),
        "partners: needs a partner with role 'payer' (got ['distributor', 'manufacturer', 'site'])",
    ),
    (
        "min above max",
        lambda d: _partner(d, "dist").update(min_volume=10, max_volume=5),
        "partners[2].min_volume: larger than max_volume 5.0 (got 10.0)",
    ),
    ("site no lane reaches", lambda d: d["lanes"].pop(4), "partners[5]: no lane reaches this site (got 's_pharma')"),
    (
        "cold chain mismatch",
        lambda d: d["lanes"].append({"from": "dist", "to": "s_pharma", "products": ["beta"]}),
        "lanes[5]: 's_pharma' cannot store any product of this lane (got ['fridge'])",
    ),
    (
        "bad id characters",
        lambda d: _partner(d, "gov").update(id="gov ernment"),
        "partners[6].id: string should match pattern '^[A-Za-z0-9_.\\-]+$' (got 'gov ernment')",
    ),
    (
        "boolean as a number",
        _set(["partners", 3, "fee"], True),
        "partners[3].fee: input should be a valid number (got True)",
    ),
    (
        "infinite value",
        _set(["partners", 3, "fee"], float("inf")),
        "partners[3].fee: input should be a finite number (got inf)",
    ),
]


@pytest.mark.parametrize(("case", "mutate", "expected"), CORPUS, ids=[c[0] for c in CORPUS])
def test_corpus_problem_names_field_and_value(
    tiny_copy: Doc, case: str, mutate: Callable[[Doc], None], expected: str
) -> None:
    mutate(tiny_copy)
    with pytest.raises(ScenarioError) as info:
        parse(tiny_copy, case)
    messages = [str(p) for p in info.value.problems]
    assert expected in messages, messages


def test_every_problem_reported_at_once(tiny_copy: Doc) -> None:
    for mutate, _ in ((CORPUS[0][1], 0), (CORPUS[3][1], 0), (CORPUS[4][1], 0)):
        mutate(tiny_copy)
    with pytest.raises(ScenarioError) as info:
        parse(tiny_copy)
    assert len(info.value.problems) == 3
    # cross-reference problems are collected together too
    doc2 = parse_ok_doc()
    doc2["lanes"][2]["to"] = "nowhere"
    doc2["service"][0]["region"] = "west"
    doc2["partners"][3]["region"] = "east"
    with pytest.raises(ScenarioError) as info2:
        parse(doc2)
    assert len(info2.value.problems) >= 3


def parse_ok_doc() -> Doc:
    import yaml

    from winwin.data import resolve

    doc: Doc = yaml.safe_load(resolve("tiny").read_text())
    return doc


@pytest.mark.parametrize(("case", "mutate", "expected"), CORPUS[:6], ids=[c[0] for c in CORPUS[:6]])
def test_cli_exit_code_two_and_message_on_stderr(
    tmp_path: Path, runner: CliRunner, tiny_copy: Doc, case: str, mutate: Callable[[Doc], None], expected: str
) -> None:
    mutate(tiny_copy)
    path = write_yaml(tmp_path, tiny_copy)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_cli_json_lists_problems(tmp_path: Path, runner: CliRunner, tiny_copy: Doc) -> None:
    CORPUS[0][1](tiny_copy)
    result = runner.invoke(app, ["validate", str(write_yaml(tmp_path, tiny_copy)), "--json"])
    assert result.exit_code == 2
    payload = json.loads(result.stdout)
    assert payload["valid"] is False
    assert payload["problems"][0] == {
        "path": "partners[3].capacity[0]",
        "message": "input should be greater than or equal to 0",
        "value": "-5",
    }


# ---------------------------------------------------------------- documents that are not scenarios
def _run_file(tmp_path: Path, runner: CliRunner, name: str, content: str | bytes) -> tuple[int, str]:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    result = runner.invoke(app, ["validate", str(path)])
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stderr


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.yaml", "", "the document is empty"),
        ("blank.yaml", "   \n\n", "the document is empty"),
        ("broken.yaml", "name: tiny\n  horizon: [1, 2\n", "not valid YAML at line"),
        ("list.yaml", "- 1\n- 2\n", "the top level must be a mapping of sections (got 'list')"),
        ("scalar.yaml", "hello\n", "the top level must be a mapping of sections (got 'str')"),
        ("broken.json", '{"name": "x",', "not valid JSON"),
        ("binary.yaml", b"\xff\xfe\x00garbage", "not UTF-8 text"),
        ("python.yaml", "!!python/object/apply:os.system ['echo pwned']\n", "not valid YAML"),
    ],
)
def test_not_a_scenario(tmp_path: Path, runner: CliRunner, name: str, content: str | bytes, expected: str) -> None:
    code, stderr = _run_file(tmp_path, runner, name, content)
    assert code == 2
    assert expected in stderr


def test_yaml_alias_bomb_is_refused(tmp_path: Path, runner: CliRunner) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    code, stderr = _run_file(tmp_path, runner, "bomb.yaml", "\n".join(lines) + "\n")
    assert code == 2
    assert "alias bomb" in stderr


def test_huge_file_is_refused(tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    from winwin.data import documents

    monkeypatch.setattr(documents, "MAX_FILE_BYTES", 1000)
    code, stderr = _run_file(tmp_path, runner, "huge.yaml", "name: x\n" + "# padding\n" * 200)
    assert code == 2
    assert "larger than the 0 MiB limit (got '2,008 bytes')" in stderr


def test_missing_file_and_unknown_name(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", "no-such-scenario"])
    assert result.exit_code == 2
    assert "no bundled scenario of that name (bundled: belgium-2021, tiny) (got 'no-such-scenario')" in result.stderr


def test_load_raises_the_error_type_not_a_crash() -> None:
    with pytest.raises(ScenarioError):
        load("no-such-scenario")
