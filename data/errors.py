"""winwin's exceptions, under one base, and the problems found in input data (reported all at once with
their path and offending value).

- :class:`WinwinError`: the base; the command line turns any of them into a message, never a traceback.
- :class:`InputError` (and :class:`ScenarioError`): bad input; exit code 2. Problems name the API's
  parameters (``time_limit``) or the scenario's fields (``partners[3].capacity``); the command line shows
  its own flags (``--time-limit``) instead.
- :class:`SolverError` (and :class:`GameError`): a program ended without the answer the computation
  needs (its status and the solver's message); exit code 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_MAX_VALUE_CHARS = 80


def show_value(value: Any) -> str:
    """A short, printable rendering of an offending value."""
    text = repr(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 3] + "..."


@dataclass(frozen=True)
class Problem:
    """One problem: where (``partners[3].capacity``), what, and the value found there."""

    path: str
    message: str
    value: Any = None
    has_value: bool = True

    def __str__(self) -> str:
        where = self.path or "<document>"
        if not self.has_value:
            return f"{where}: {self.message}"
        return f"{where}: {self.message} (got {show_value(self.value)})"

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message, "value": show_value(self.value)}


class WinwinError(Exception):
    """The base of every error winwin raises on purpose."""


class SolverError(WinwinError, RuntimeError):
    """A program ended without the solution the computation needs (status and message in the text)."""


class GameError(SolverError):
    """A cooperative game or bargaining problem has no answer (a coalition's or a split's program failed)."""


class InputError(WinwinError, ValueError):
    """Bad input: carries every problem found. The CLI prints them and exits with code 2."""

    def __init__(self, problems: Iterable[Problem], source: str = "") -> None:
        self.problems: list[Problem] = list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{head}{len(self.problems)} problem(s)\n{lines}")


class ScenarioError(InputError):
    """A scenario file that cannot be loaded or fails validation."""


def problem(path: str, message: str, *value: Any) -> Problem:
    """Build a :class:`Problem`; the value is optional (``problem(path, msg)`` has none)."""
    if value:
        return Problem(path, message, value[0])
    return Problem(path, message, None, has_value=False)
