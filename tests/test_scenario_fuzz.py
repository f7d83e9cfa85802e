"""Fuzzing the loader: any YAML or JSON document either loads or raises the validation error type."""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from winwin.data import InputError, ScenarioError, parse
from winwin.data.documents import parse_text

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)
KEYS = [
    "name",
    "horizon",
    "products",
    "groups",
    "regions",
    "partners",
    "lanes",
    "service",
    "events",
    "money",
    "periods",
    "id",
    "role",
    "capacity",
    "supply",
    "from",
    "to",
    "population",
    "kind",
    "start",
    "factor",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents)
def test_arbitrary_documents_raise_only_the_validation_error(doc: Any) -> None:
    for fmt, text in (("yaml", yaml.safe_dump(doc)), ("json", json.dumps(doc))):
        try:
            parse(parse_text(text, "fuzz", fmt), "fuzz")
        except InputError as exc:
            assert exc.problems, "an error without problems"
            assert all(isinstance(str(p), str) for p in exc.problems)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_tiny_raises_only_the_validation_error(tiny_doc: dict[str, Any], data: st.DataObject) -> None:
    """Replace one value somewhere inside a valid scenario by arbitrary data."""
    doc = copy.deepcopy(tiny_doc)
    node: Any = doc
    for _ in range(data.draw(st.integers(1, 4))):
        if isinstance(node, dict) and node:
            key = data.draw(st.sampled_from(sorted(node, key=str)))
            if not isinstance(node[key], dict | list) or data.draw(st.booleans()):
                node[key] = data.draw(documents)
                break
            node = node[key]
        elif isinstance(node, list) and node:
            i = data.draw(st.integers(0, len(node) - 1))
            if not isinstance(node[i], dict | list) or data.draw(st.booleans()):
                node[i] = data.draw(documents)
                break
            node = node[i]
        else:
            break
    if data.draw(st.booleans()) and isinstance(node, dict):
        node[data.draw(st.sampled_from(KEYS))] = data.draw(documents)
    try:
        parse(doc, "mutated")
    except ScenarioError as exc:
        assert exc.problems


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_arbitrary_text_raises_only_the_validation_error(text: str) -> None:
    try:
        parse(parse_text(text, "text"), "text")
    except InputError as exc:
        assert exc.problems
