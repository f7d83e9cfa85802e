"""One import package: the wheel installs `winwin` and nothing else, and a user's own `agents.py`,
`models.py` and `data.py` (the names every Mesa project uses) cannot shadow winwin's modules."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from support import ROOT

FOLDERS = {"winwin": "winwin", "data": "winwin/data", "optimizer": "winwin/optimizer", "agents": "winwin/agents",
           "models": "winwin/models", "experiments": "winwin/experiments"}  # fmt: skip
BIN = Path(sys.executable).parent


def test_the_wheel_holds_one_top_level_package_with_every_module(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), "."],
        cwd=source,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    assert wheel.name.startswith("winwin_engine-")  # "winwin" on the public index is someone else's
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if ".dist-info/" not in n}
    assert top == {"winwin"}
    expected = {
        f"{FOLDERS[folder]}/{path.relative_to(ROOT / folder).as_posix()}"
        for folder in FOLDERS
        for path in (ROOT / folder).rglob("*")
        if path.suffix in {".py", ".yaml"} or path.name == "py.typed"
    }
    assert expected - set(names) == set()
    assert {"winwin/data/scenarios/tiny.yaml", "winwin/experiments/belgium-demo.yaml"} <= set(names)
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "winwin = winwin.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_a_project_with_its_own_agents_models_and_data_modules(tmp_path: Path) -> None:
    for name in ("agents", "models", "data"):
        (tmp_path / f"{name}.py").write_text(f"raise ImportError('the user project\\'s {name}.py was imported')\n")
    cli = subprocess.run(
        [str(BIN / "winwin"), "simulate", "tiny", "--mode", "silo", "--periods", "3", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 0, cli.stderr
    px_cli = json.loads(cli.stdout)["modes"]["silo"]["px"]
    code = "import winwin; r = winwin.simulate('tiny', 'silo', periods=3); print(r.summary()['px'])"
    api = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert api.returncode == 0, api.stderr
    assert float(api.stdout) == px_cli > 0
