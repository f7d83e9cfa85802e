"""Shared command-line plumbing: consoles, JSON output, and turning bad input into exit code 2."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console

from data.errors import InputError

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_OK = 0
EXIT_NO_SOLUTION = 1
EXIT_BAD_INPUT = 2


def number(v: float, spec: str) -> str:
    """``v`` formatted by ``spec``; a value that rounds to zero has no minus sign (``-0`` reads as a loss)."""
    text = format(v, spec)
    return text[1:] if text.startswith("-") and not any(ch in "123456789" for ch in text) else text


def print_json(payload: Any) -> None:
    """Machine-readable output: plain JSON on stdout, no colour, no wrapping."""
    typer.echo(json.dumps(payload, indent=2, sort_keys=False, default=_json_default))


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def fail_bad_input(exc: InputError, as_json: bool = False) -> NoReturn:
    """Print every problem as ``path: message (got value)`` on stderr and exit with code 2."""
    where = f"{exc.source}: " if exc.source else ""
    err.print(f"[bold red]error:[/] {where}{len(exc.problems)} problem(s)", markup=True)
    for p in exc.problems:
        err.print(f"  {p}", markup=False)
    if as_json:
        print_json({"valid": False, "source": exc.source, "problems": [p.as_dict() for p in exc.problems]})
    raise typer.Exit(EXIT_BAD_INPUT)


@contextmanager
def user_errors(as_json: bool = False) -> Iterator[None]:
    """Turn bad input anywhere inside the block into a clean message and exit code 2."""
    try:
        yield
    except InputError as exc:
        fail_bad_input(exc, as_json)
