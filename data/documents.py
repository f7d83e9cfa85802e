"""Reading YAML or JSON documents safely: no code execution, bounded size, no alias bombs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from winwin.data.errors import InputError, problem

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Largest document accepted (64 MiB): a scenario with a million rows is far smaller."""

MAX_NODES = 5_000_000
"""Largest number of values a document may expand to once YAML aliases are followed."""


def _count_nodes(root: Any, limit: int) -> int:
    """Count the values of a loaded document as seen through aliases; stop past ``limit``."""
    count = 0
    stack = [root]
    while stack:
        node = stack.pop()
        count += 1
        if count > limit:
            return count
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return count


def parse_text(text: str, source: str, fmt: str = "yaml") -> Any:
    """Parse ``text`` as YAML (safe loader) or JSON; raise :class:`InputError` on any failure."""
    if not text.strip():
        raise InputError([problem("", "the document is empty")], source)
    try:
        doc = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "somewhere"
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError([problem("", f"not valid YAML at {where}: {reason}")], source) from None
    except json.JSONDecodeError as exc:
        raise InputError([problem("", f"not valid JSON: {exc}")], source) from None
    except RecursionError:
        raise InputError([problem("", "the document nests too deeply")], source) from None
    if _count_nodes(doc, MAX_NODES) > MAX_NODES:
        raise InputError(
            [problem("", f"the document expands to more than {MAX_NODES:,} values (a YAML alias bomb?)")],
            source,
        )
    return doc


def read_document(path: Path) -> Any:
    """Read a YAML or JSON file (by suffix; YAML otherwise) with the limits above."""
    source = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError([problem("", f"cannot read the file: {exc.strerror}", source)], source) from None
    if path.is_dir():
        raise InputError([problem("", "is a directory, not a file", source)], source)
    if size > MAX_FILE_BYTES:
        raise InputError(
            [problem("", f"the file is larger than the {MAX_FILE_BYTES // 2**20} MiB limit", f"{size:,} bytes")],
            source,
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError([problem("", f"not UTF-8 text (byte {exc.start})")], source) from None
    fmt = "json" if path.suffix.lower() == ".json" else "yaml"
    return parse_text(text, source, fmt)
