"""What-if overrides of a scenario: ``{"partners.az.reliability.mean": 0.5, "events": []}``.

A key is a dotted path into the scenario document. A list element is named by its ``id`` (partners,
products, groups, regions) or by its position; the last part may be a new key of a mapping. The changed
document is validated again like a file, so a bad value is reported with its path and nothing else changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from winwin.data.errors import InputError, Problem, problem
from winwin.data.loader import parse
from winwin.data.scenario import Scenario


def _step(node: Any, part: str, path: str) -> tuple[Any, Any] | Problem:
    """The container and key/index for ``part`` inside ``node``."""
    if isinstance(node, dict):
        return node, part
    if isinstance(node, list):
        for i, item in enumerate(node):
            if isinstance(item, dict) and item.get("id") == part:
                return node, i
        if part.isdigit() and int(part) < len(node):
            return node, int(part)
        return problem(path, "no element with this id or position", part)
    return problem(path, "cannot go inside a value", part)


def override(scenario: Scenario, changes: Mapping[str, Any]) -> Scenario:
    """A new scenario with ``changes`` applied (every bad path or value reported at once)."""
    doc = scenario.spec.model_dump(mode="json", by_alias=True, exclude_unset=False)
    problems: list[Problem] = []
    for key, value in changes.items():
        parts = [p for p in str(key).split(".") if p]
        if not parts:
            problems.append(problem("overrides", "empty path", key))
            continue
        node: Any = doc
        for i, part in enumerate(parts):
            where = ".".join(parts[: i + 1])
            found = _step(node, part, where)
            if isinstance(found, Problem):
                problems.append(found)
                break
            container, k = found
            if i == len(parts) - 1:
                container[k] = value
            elif isinstance(container, dict) and k not in container:
                problems.append(problem(where, "unknown key", part))
                break
            else:
                node = container[k]
    if problems:
        raise InputError(problems)
    return Scenario(parse(doc, f"{scenario.source} with overrides"), scenario.source)
