"""The layers contract (DESIGN §2): imports flow one way and never in a cycle.

    data → optimizer (parallel, lp → allocation → games → robust → concepts → scheduling → rolling)
         → agents → models → experiments → winwin

Every import counts, at module level, inside functions and under ``TYPE_CHECKING``: a module may import
its own layer or a lower one. Every import of the project names it ``winwin.…`` (a bare ``optimizer``
would work from the repository root and nowhere else). Modules import each other in no cycle.

The checker is plain ``ast``; the tests below run it on the repository and, so that it can fail, on
small trees with an upward import, a bare import and a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

from support import ROOT

FOLDERS = {"winwin": "winwin", "data": "winwin.data", "optimizer": "winwin.optimizer", "agents": "winwin.agents",
           "models": "winwin.models", "experiments": "winwin.experiments"}  # fmt: skip
LAYERS = (
    "winwin.data",
    "winwin.optimizer.parallel",
    "winwin.optimizer.lp",
    "winwin.optimizer.allocation",
    "winwin.optimizer.games",
    "winwin.optimizer.robust",
    "winwin.optimizer.concepts",
    "winwin.optimizer.scheduling",
    "winwin.optimizer.rolling",
    "winwin.optimizer",  # the package's __init__: re-exports its rooms
    "winwin.agents",
    "winwin.models",
    "winwin.experiments",
    "winwin",
)


def layer(module: str) -> int:
    """The layer of a ``winwin.…`` module: its longest prefix in :data:`LAYERS`."""
    best = max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return LAYERS.index(best)


def modules(root: Path) -> dict[str, Path]:
    """Every module of the package under ``root`` by its import name."""
    found = {}
    for folder, package in FOLDERS.items():
        for path in sorted((root / folder).rglob("*.py")):
            parts = [p for p in path.relative_to(root / folder).with_suffix("").parts if p != "__init__"]
            found[".".join([package, *parts])] = path
    return found


def imports(path: Path, name: str, known: set[str]) -> list[tuple[int, str]]:
    """(line, module) of every import in ``path`` (``from pkg import mod`` counts as ``pkg.mod``)."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for a in node.names:
                sub = f"{base}.{a.name}"
                out.append((node.lineno, sub if sub in known else base))
    return out


def violations(root: Path) -> list[str]:
    """Every upward import, bare import of a project folder, and import cycle under ``root``."""
    found = modules(root)
    known = set(found)
    bare = set(FOLDERS) - {"winwin"}
    problems: list[str] = []
    graph: dict[str, set[str]] = {}
    for name, path in found.items():
        graph[name] = set()
        for line, target in imports(path, name, known):
            where = f"{path.relative_to(root)}:{line}"
            if target.split(".")[0] in bare:
                problems.append(f"{where}: imports {target!r}, not winwin.{target}")
            elif target == "winwin" or target.startswith("winwin."):
                if layer(target) > layer(name):
                    problems.append(
                        f"{where}: {name} ({LAYERS[layer(name)]}) imports {target} ({LAYERS[layer(target)]})"
                    )
                if target in known and target != name:
                    graph[name].add(target)
    problems += [f"import cycle: {' → '.join(c)}" for c in cycles(graph)]
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan's algorithm). A package's
    ``__init__`` importing its own modules is no cycle: edges from a package into its own sub-modules are
    dropped, so a cycle needs a module that imports back up into another one."""
    edges = {m: {t for t in ts if not t.startswith(m + ".")} for m, ts in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_the_repository_keeps_the_layers() -> None:
    assert violations(ROOT) == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for folder in FOLDERS:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "__init__.py").write_text("")
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_an_upward_import_fails_even_inside_a_function(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "optimizer/lp/__init__.py": "",
        "optimizer/lp/solvers.py": "def f():\n    from winwin.agents.partners import PartnerAgent\n",
        "agents/coordinator.py": "def f():\n    from ..optimizer.lp.solvers import x\n",
    })  # fmt: skip
    assert violations(root) == [
        "optimizer/lp/solvers.py:2: winwin.optimizer.lp.solvers (winwin.optimizer.lp) imports "
        "winwin.agents.partners (winwin.agents)"
    ]


def test_a_lower_room_may_not_import_a_higher_one(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "optimizer/allocation/__init__.py": "",
        "optimizer/allocation/model.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                         "    from winwin.optimizer.concepts.compare import Comparison\n",
        "optimizer/concepts/__init__.py": "",
        "optimizer/allocation/joint.py": "from . import model\nfrom .model import AllocationModel\n",
        "optimizer/concepts/compare.py": "import numpy\n",
    })  # fmt: skip
    (problem,) = violations(root)
    assert problem.startswith("optimizer/allocation/model.py:3: winwin.optimizer.allocation.model")


def test_a_bare_folder_import_and_a_cycle_fail(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "models/run.py": "import models.ecosystem\n",
        "experiments/a.py": "from winwin.experiments import b\n",
        "experiments/b.py": "def f():\n    from winwin.experiments.a import g\n",
    })  # fmt: skip
    assert violations(root) == [
        "models/run.py:1: imports 'models.ecosystem', not winwin.models.ecosystem",
        "import cycle: winwin.experiments.a → winwin.experiments.b",
    ]
