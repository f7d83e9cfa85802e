"""Shared command-line plumbing: consoles, JSON output, and turning bad input into exit code 2."""

from __future__ import annotations

import functools
import inspect
import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from typing import Annotated, Any, NoReturn, TypeVar, get_args, get_origin, get_type_hints

import typer
from rich.console import Console
from typer.models import ArgumentInfo, OptionInfo

from winwin.data.errors import InputError, Problem, WinwinError

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


_FLAGS: ContextVar[Mapping[str, str] | None] = ContextVar("winwin_command_flags", default=None)
F = TypeVar("F", bound=Callable[..., Any])


def flags_of(command: Callable[..., Any]) -> dict[str, str]:
    """A command's options by the names the API gives them: each parameter's Python name and its flag
    without dashes (``time_limit``, ``out``) → its long flag (``--time-limit``, ``--out``); arguments by
    their metavar (``scenario`` → ``SCENARIO``)."""
    hints = get_type_hints(command, include_extras=True)
    flags: dict[str, str] = {}
    for name, param in inspect.signature(command).parameters.items():
        info: Any = param.default if isinstance(param.default, OptionInfo | ArgumentInfo) else None
        hint = hints.get(name)
        if get_origin(hint) is Annotated:
            info = next((m for m in get_args(hint)[1:] if isinstance(m, OptionInfo | ArgumentInfo)), info)
        if isinstance(info, ArgumentInfo) or (info is None and param.default is inspect.Parameter.empty):
            flags[name] = name.upper()
            continue
        given = [*(getattr(info, "param_decls", None) or ())]
        if isinstance(getattr(info, "default", None), str) and info.default.startswith("-"):
            given.insert(0, info.default)  # Annotated[..., typer.Option("--out")]: the flag sits in `default`
        decls = [d.split("/")[0] for d in given if d.startswith("--")]
        flag = max(decls, key=len) if decls else "--" + name.replace("_", "-")
        flags[name] = flag
        flags.update({d.lstrip("-").replace("-", "_"): flag for d in decls})
    return flags


def with_flags(command: F) -> F:
    """``command`` with its flags known to :func:`user_errors` while it runs (see :func:`flags_of`)."""
    flags = flags_of(command)

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        token = _FLAGS.set(flags)
        try:
            return command(*args, **kwargs)
        finally:
            _FLAGS.reset(token)

    return run  # type: ignore[return-value]


def command_flags(aliases: Mapping[str, str] | None = None) -> dict[str, str]:
    """The running command's flags by API name (:func:`with_flags`), plus ``aliases`` for API names the
    command spells otherwise."""
    return dict(_FLAGS.get() or {}) | dict(aliases or {})


def as_flags(problems: list[Problem], flags: Mapping[str, str]) -> list[Problem]:
    """Problems whose path starts with an API parameter, shown with the command's flag instead
    (``time_limit: must be > 0`` → ``--time-limit: must be > 0``; ``reservations.x`` → ``--reservation x``)."""
    out = []
    for p in problems:
        head = re.match(r"[A-Za-z_]\w*", p.path)
        if head is not None and head.group(0) in flags:
            rest = p.path[head.end() :]
            p = replace(p, path=flags[head.group(0)] + (" " + rest[1:] if rest.startswith(".") else rest))
        out.append(p)
    return out


def fail_bad_input(exc: InputError, as_json: bool = False, aliases: Mapping[str, str] | None = None) -> NoReturn:
    """Print every problem as ``path: message (got value)`` on stderr and exit with code 2."""
    problems = as_flags(exc.problems, command_flags(aliases))
    where = f"{exc.source}: " if exc.source else ""
    err.print(f"[bold red]error:[/] {where}{len(problems)} problem(s)", markup=True)
    for p in problems:
        err.print(f"  {p}", markup=False)
    if as_json:
        print_json({"valid": False, "source": exc.source, "problems": [p.as_dict() for p in problems]})
    raise typer.Exit(EXIT_BAD_INPUT)


@contextmanager
def user_errors(as_json: bool = False, aliases: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turn winwin's errors inside the block into a clean message: bad input exits 2 (its problems named by
    the command's flags), a failed computation (:class:`~winwin.data.errors.SolverError` and the rest) 1."""
    try:
        yield
    except InputError as exc:
        fail_bad_input(exc, as_json, aliases)
    except WinwinError as exc:
        err.print("[bold red]error:[/] ", end="")
        err.print(str(exc), markup=False)
        raise typer.Exit(EXIT_NO_SOLUTION) from None
