"""Loading scenarios: bundled name or path → safe parse → schema → cross-reference checks."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from winwin.data.checks import check_scenario
from winwin.data.documents import read_document
from winwin.data.errors import InputError, Problem, ScenarioError, problem
from winwin.data.scenario import Scenario
from winwin.data.schema import ROLES, ScenarioModel

_EVENT_KINDS = ("supply_cut", "batch_destruction", "capacity_loss", "variant_surge", "confidence_shock")
_TAGS = {"partners": ROLES, "events": _EVENT_KINDS}


def bundled_names() -> list[str]:
    """Names of the scenarios shipped with winwin."""
    folder = resources.files("winwin.data.scenarios")
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def resolve(name_or_path: str | Path) -> Path:
    """A path to an existing file, or the bundled scenario of that name."""
    path = Path(name_or_path)
    if path.exists():
        return path
    name = str(name_or_path)
    if name in bundled_names():
        return Path(str(resources.files("winwin.data.scenarios").joinpath(f"{name}.yaml")))
    raise ScenarioError(
        [
            problem(
                "", f"no such file, and no bundled scenario of that name (bundled: {', '.join(bundled_names())})", name
            )
        ],
        name,
    )


def _path_of(loc: tuple[int | str, ...]) -> str:
    """``('partners', 3, 'site', 'capacity', 0)`` → ``partners[3].capacity[0]``.

    Drops the discriminator tags and union member names pydantic inserts into locations.
    """
    out = ""
    prev: int | str | None = None
    parent: int | str | None = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif "[" in part or part in {"float", "int", "str", "bool"}:
            pass  # a union member's type name
        elif isinstance(prev, int) and isinstance(parent, str) and part in _TAGS.get(parent, ()):
            pass  # the discriminator tag of a partner or an event
        else:
            out += f".{part}" if out else part
        parent, prev = prev, part
    return out


def _problems_from_validation(exc: ValidationError) -> list[Problem]:
    merged: dict[str, Problem] = {}
    for err in exc.errors(include_url=False):
        path = _path_of(tuple(err["loc"]))
        kind = err["type"]
        ctx = err.get("ctx", {})
        if kind == "union_tag_invalid":
            tag_field = str(ctx.get("discriminator", "")).strip("'")
            prob = problem(f"{path}.{tag_field}", f"must be one of {ctx.get('expected_tags')}", ctx.get("tag"))
        elif kind == "union_tag_not_found":
            tag_field = str(ctx.get("discriminator", "")).strip("'")
            prob = problem(f"{path}.{tag_field}", "is required")
        elif kind == "missing":
            prob = problem(path, "is required")
        elif kind == "extra_forbidden":
            prob = problem(path, "unknown field", err["input"])
        else:
            msg = err["msg"][0].lower() + err["msg"][1:]
            prob = problem(path, msg, err["input"])
        if path in merged and prob.message not in merged[path].message:
            old = merged[path]
            prob = Problem(path, f"{old.message}, or {prob.message}", old.value, old.has_value)
        merged[path] = prob
    return list(merged.values())


def parse(doc: Any, source: str = "") -> ScenarioModel:
    """Validate a parsed document against the schema, then every cross-reference check."""
    if not isinstance(doc, dict):
        raise ScenarioError([problem("", "the top level must be a mapping of sections", type(doc).__name__)], source)
    try:
        spec = ScenarioModel.model_validate(doc)
    except ValidationError as exc:
        raise ScenarioError(_problems_from_validation(exc), source) from None
    problems = check_scenario(spec)
    if problems:
        raise ScenarioError(problems, source)
    return spec


def load(name_or_path: str | Path) -> Scenario:
    """Load a scenario by bundled name or path (YAML or JSON); raise :class:`ScenarioError` listing
    every problem when it is not valid."""
    path = resolve(name_or_path)
    try:
        doc = read_document(path)
    except InputError as exc:
        raise ScenarioError(exc.problems, str(name_or_path)) from None
    return Scenario(parse(doc, str(name_or_path)), str(path))


def from_model(spec: ScenarioModel, source: str = "") -> Scenario:
    """Check a scenario built in Python (e.g. by :func:`winwin.data.synthetic`) and wrap it."""
    problems = check_scenario(spec)
    if problems:
        raise ScenarioError(problems, source or spec.name)
    return Scenario(spec, source)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files, for editors."""
    schema = ScenarioModel.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "winwin scenario"
    return schema
