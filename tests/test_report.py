"""The HTML report and the demo, opened in a real browser (Debian's headless Chromium driven by Playwright).

The browser tests need ``chromium`` on the PATH; ``make test`` installs it when missing. Screenshots and
the pages they show are kept in ``test-artifacts/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from support import ARTIFACTS, PX_JOINT, SMALL, chromium, write_spec, write_yaml
from typer.testing import CliRunner

from winwin import experiments
from winwin.cli import app
from winwin.data import load
from winwin.experiments.analysis import analyze
from winwin.experiments.store import read_results
from winwin.models.run import simulate_run
from winwin.models.settings import SimulationSettings
from winwin.optimizer.concepts import compare
from winwin.report.page import Text, table_html
from winwin.report.runs import drivers_table, regret_table

SECTIONS = ("ecosystem", "plan", "deal", "simulation", "sweep")
HOSTILE = "<script>alert(1)</script>"


@dataclass
class Visit:
    """What the browser saw while loading a page."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @property
    def network(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(("file:", "data:", "blob:", "about:"))]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def open_page(browser: Any, path: Path, screenshot: str | None = None) -> tuple[Any, Visit]:
    """Load ``path`` and wait until every Plotly figure has drawn; the page stays open (caller closes)."""
    visit = Visit()
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("console", lambda m: visit.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.page_errors.append(str(e)))
    page.on("request", lambda r: visit.requests.append(r.url))

    def dismiss(d: Any) -> None:
        visit.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dismiss)
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function(
        "() => [...document.querySelectorAll('div.plotly-graph-div')].every(d => d.querySelector('svg.main-svg'))",
        timeout=60_000,
    )
    if screenshot:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
    return page, visit


@pytest.fixture(scope="module")
def full_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every section: tiny's deal sheet, two simulated modes and a 16-experiment sweep, through the CLI."""
    tmp = tmp_path_factory.mktemp("report")
    runner = CliRunner()
    spec = write_spec(tmp, SMALL)
    swept = runner.invoke(app, ["sweep", str(spec), "--out", str(tmp / "sweep"), "--in-process"])
    assert swept.exit_code == 0, swept.output
    out = tmp / "report.html"
    args = ["report", "--scenario", "tiny", "--results", str(tmp / "sweep"), "--simulate", "silo,winwin"]
    made = runner.invoke(app, [*args, "--periods", "3", "--points", "3", "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert "opens offline" in made.stdout
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(out, ARTIFACTS / "report.html")
    return out


def test_report_opens_offline_with_every_section(browser: Any, full_report: Path) -> None:
    page, visit = open_page(browser, full_report, screenshot="report.png")
    try:
        assert visit.console_errors == [] and visit.page_errors == []
        assert visit.network == [], visit.network
        assert visit.requests[0].startswith("file:")  # the recorder saw the page itself
        for key in SECTIONS:
            section = page.locator(f"section#{key}")
            assert section.count() == 1, key
            assert "missing" not in (section.get_attribute("class") or ""), key
            assert page.locator(f"nav a[href='#{key}']").count() == 1
        figures = page.locator("div.plotly-graph-div")
        assert figures.count() >= 10
        assert page.locator("div.plotly-graph-div svg.main-svg").count() >= figures.count()
        # axis titles carry units; the simulation figure has PX, coverage, cancellations and NPS
        texts = " ".join(page.locator("section#simulation svg text").all_text_contents())
        for label in ("PX", "coverage", "cancel", "NPS"):
            assert label.lower() in texts.lower(), label
    finally:
        page.close()


def test_summary_states_the_hand_checked_deal(browser: Any, full_report: Path) -> None:
    """On tiny with free transfers, win-win reaches the joint optimum, PX 100 · 9 280 / W0 (worked out by hand
    in test_optimizer_tiny); the summary reports it against the silo PX and names who pays and receives, then
    the simulation's and the sweep's win-win outcomes."""
    cmp = compare(load("tiny"))
    silo = cmp.outcomes["silo"].plan.px
    page, _ = open_page(browser, full_report)
    try:
        summary = page.locator("#summary").inner_text()
        simulation = page.locator("section#simulation").inner_text()
    finally:
        page.close()
    assert summary.startswith("Win-win reached: PX")
    assert f"PX {PX_JOINT:.2f} against {silo:.2f}" in summary
    assert f"({PX_JOINT - silo:+.2f} points)" in summary
    assert "every partner gains" in summary
    transfers = cmp.outcomes["winwin"].plan.partners()["transfer"]
    assert f"{transfers.idxmin()} pays the most" in summary and f"{transfers.idxmax()} receives the most" in summary
    assert re.search(r"Simulated 3 weeks with partners as agents: PX (silo|winwin) [\d.]+, (silo|winwin)", summary)
    run = simulate_run(load("tiny"), SimulationSettings(mode="winwin", periods=3), seed=0)
    gains, silo_utility = run.final["gain"].to_numpy(), run.final["silo_utility"].to_numpy()
    losers = int((gains < -1e-6 * max(1.0, np.abs(silo_utility).max())).sum())
    accepted = int(run.kpis["win_win"].sum())
    # the patient table: the same measures as the run's own, for every mode
    assert "second doses on time" in simulation and "cancelled per 1,000" in simulation
    assert f"{run.patients['travel_minutes']:.1f}" in simulation
    outcome = "every partner was at least as well off" if losers == 0 else f"{losers} of {gains.size} partners were"
    assert f"every partner accepted the week's plan in {accepted} of 3 weeks; in the end {outcome}" in summary
    # the sweep's win-win rate, from the stored gains and utilities (silo utility = utility − gain); silo,
    # the baseline, is left out
    rows = read_results(full_report.parent / "sweep")
    ww = rows[rows["mode"] == "winwin"]
    ids = [c.split(":", 1)[1] for c in rows.columns if c.startswith("gain:")]
    g = ww[[f"gain:{p}" for p in ids]].to_numpy()
    base = ww[[f"utility:{p}" for p in ids]].to_numpy() - g
    rate = (g >= -1e-6 * np.maximum(1.0, np.abs(base).max(axis=1))[:, None]).all(axis=1).mean()
    assert (
        f"Across 16 experiments on 4 scenarios, the win-win rate (every partner at least as well off as in the silo run of the same scenario) is: winwin {100 * rate:.0f} %."
        in summary
    )


def test_hostile_names_are_shown_as_text(browser: Any, tiny_copy: dict[str, Any], tmp_path: Path) -> None:
    next(p for p in tiny_copy["partners"] if p["id"] == "m_alpha")["name"] = HOSTILE
    next(g for g in tiny_copy["groups"] if g["id"] == "elderly")["name"] = HOSTILE + " & co"
    scenario = write_yaml(tmp_path, tiny_copy)
    out = tmp_path / "hostile.html"
    made = CliRunner().invoke(app, ["report", "--scenario", str(scenario), "--points", "2", "--out", str(out)])
    assert made.exit_code == 0, made.output
    raw = out.read_text()
    assert HOSTILE not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    page, visit = open_page(browser, out, screenshot="report-hostile-names.png")
    try:
        assert visit.dialogs == [] and visit.page_errors == []
        assert HOSTILE in page.locator("section#ecosystem table").first.inner_text()
        svg_text = page.locator("section#ecosystem svg text").all_text_contents()
        assert any(HOSTILE in t for t in svg_text)  # the network figure labels the node with the literal name
        legend = page.locator("section#plan svg text").all_text_contents()
        assert any(t.startswith(HOSTILE + " & co — ") for t in legend)  # the coverage legend names the group
    finally:
        page.close()


def test_report_bad_input_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    nothing = runner.invoke(app, ["report", "--out", str(tmp_path / "r.html")])
    assert nothing.exit_code == 2 and "--scenario: give a scenario, results folders, or both" in nothing.stderr
    missing = runner.invoke(app, ["report", "--results", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "--results" in missing.stderr and "nowhere" in missing.stderr
    points = runner.invoke(app, ["report", "--scenario", "tiny", "--points", "1"])
    assert points.exit_code == 2 and "--points" in points.stderr
    simulate = runner.invoke(app, ["report", "--results", str(tmp_path), "--simulate", "all"])
    assert simulate.exit_code == 2 and "--simulate" in simulate.stderr
    assert not (tmp_path / "r.html").exists()


def test_demo_runs_end_to_end(browser: Any, ray_cluster: Any, tmp_path: Path) -> None:
    """`winwin demo`, every step on the session's Ray cluster, with a reduced sweep. The suite runs it on tiny
    (belgium-2021's game by role alone takes minutes; `make demo` runs belgium): the supply-sharing sweep at
    1 sample = 2 sharing policies × 2 replications × 4 modes = 16 experiments, 3 simulated weeks."""
    out = tmp_path / "demo"
    sweep = Path(experiments.__file__).parent / "supply-sharing.yaml"
    args = ["demo", "--scenario", "tiny", "--sweep", str(sweep), "--samples", "1"]
    result = CliRunner().invoke(app, [*args, "--periods", "3", "--points", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = result.stdout
    for step in ("validating tiny", "starting a local Ray cluster", "comparing the solution concepts",
                 "the Pareto frontier", "the coalition game by role", "simulating silo, central, winwin, nash, egalitarian, kalai_smorodinsky (3 weeks each)",
                 "simulated kalai_smorodinsky",
                 "the sweep supply-sharing on a local Ray cluster", "writing the report"):  # fmt: skip
        assert step in text, step
    assert "Win-win reached: PX 59.64" in text  # tiny's hand-checked joint PX (test_optimizer_tiny)
    assert "Simulated 3 weeks with partners as agents: PX" in text
    assert "Across 16 experiments on 2 scenarios" in text
    assert f"report: {out / 'report.html'}" in text.replace("\n", "")
    (folder,) = out.glob("sweep-*")
    rows = read_results(folder)
    assert len(rows) == 16 and set(rows["status"]) == {"ok"} and rows["id"].is_unique
    assert {p.name for p in (out / "simulation").iterdir()} >= {"silo", "central", "winwin", "nash"}
    page, visit = open_page(browser, out / "report.html", screenshot="demo-report.png")
    try:
        assert visit.console_errors == [] and visit.page_errors == [] and visit.network == []
        for key in SECTIONS:
            assert "missing" not in (page.locator(f"section#{key}").get_attribute("class") or ""), key
    finally:
        page.close()
    again = CliRunner().invoke(app, [*args, "--periods", "3", "--points", "3", "--out", str(out)])
    assert again.exit_code == 0 and "16 experiments of 6 weeks each (16 reused from an earlier run)" in again.stdout


def test_demo_bad_input_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    wrong = runner.invoke(app, ["demo", "--scenario", "tiny", "--out", str(tmp_path)])  # the belgium sweep
    assert wrong.exit_code == 2 and "--sweep" in wrong.stderr and "belgium-2021" in wrong.stderr
    bad = runner.invoke(app, ["demo", "--periods", "0", "--points", "1", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "--periods" in bad.stderr and "--points" in bad.stderr
    missing = runner.invoke(app, ["demo", "--sweep", str(tmp_path / "none.yaml"), "--out", str(tmp_path)])
    assert missing.exit_code == 2 and "none.yaml" in missing.stderr
    assert not (tmp_path / "report.html").exists()


def test_regret_table_keeps_a_mode_whose_runs_all_failed() -> None:
    """Two scenarios; central failed in both. Worked by hand: winwin is the only finished mode, so it is
    best everywhere (regret 0), PX mean (50 + 60) / 2 = 55, win-win in one scenario of two."""
    nan = float("nan")
    df = pd.DataFrame(
        {"point": [0, 0, 1, 1], "replication": [0, 0, 0, 0], "mode": ["winwin", "central"] * 2,
         "status": ["ok", "error", "ok", "error"], "px": [50.0, nan, 60.0, nan],
         "win_win": [True, False, False, False], "total_gain": [10.0, nan, 5.0, nan],
         "gain:a": [10.0, nan, 5.0, nan], "cancellations": [1.0, nan, 2.0, nan], "nps": [0.0, nan, 1.0, nan]}
    )  # fmt: skip
    table = regret_table(analyze(df))
    rows = table.frame.set_index("mode")
    assert rows.loc["winwin", "runs"] == 2 and rows.loc["winwin", "PX mean"] == pytest.approx(55.0)
    assert rows.loc["winwin", "win-win rate"] == pytest.approx(0.5) and rows.loc["winwin", "best in"] == 1.0
    assert rows.loc["central", "runs"] == 0 and rows.loc["central", "failed"] == 2
    html = table_html(table)
    central = html.split('<td class="text">central</td>')[1].split("</tr>")[0]
    assert "<td>0</td><td>2</td>" in central and central.count("—") == 7 and "nan" not in html


def test_drivers_text_says_which_mode_lost_win_win_everywhere() -> None:
    analysis = {"modes": {"silo": {"win_win_rate": 1.0}, "central": {"win_win_rate": 0.0},
                          "winwin": {"win_win_rate": 1.0}}, "drivers": []}  # fmt: skip
    block = drivers_table(analysis)
    assert isinstance(block, Text)
    assert block.text.endswith("there are no drivers to look for (central lost it in every scenario).")
