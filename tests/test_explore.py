"""`winwin explore`: the what-if session, the Solara page's state, and the served page in headless Chromium.

Oracles:

- a run stepped on the page is ``winwin simulate`` cut at the same week (another entry to the same pure
  function of scenario, settings and seed), and so is its silo twin;
- the levers are the scenario's and the settings' fields they name, read back from the built run;
- the page's state under ``solara.render``: the levers at their defaults, step advances the week, reset
  restores week 0, a lever change resets with a message;
- in the browser: the page loads from the local server only (no request leaves localhost, no console
  error), three steps show week 3 and redraw the PX plot, moving the mode lever resets the run, and a hostile
  partner name is shown as text.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support import ARTIFACTS, chromium, write_yaml
from typer.testing import CliRunner

from winwin.cli import app
from winwin.data import Scenario
from winwin.explore.session import Exploration, Levers, defaults, settings_for
from winwin.models import simulate_run
from winwin.models.settings import SimulationSettings

HOSTILE = "<img src=x onerror=alert(1)>"


def test_a_stepped_run_is_the_simulation_cut_at_that_week(tiny: Scenario) -> None:
    run = Exploration(tiny, defaults(tiny).changed(mode="nash", seed=3))
    for _ in range(4):
        assert run.step()
    assert run.week == 4
    whole = simulate_run(tiny, settings_for(tiny, run.levers), seed=3).kpis.iloc[:4]
    silo = simulate_run(tiny, SimulationSettings(mode="silo", lookahead=4), seed=3).kpis.iloc[:4]
    for ours, theirs in ((run.kpis(), whole), (run.kpis(silo=True), silo)):
        np.testing.assert_allclose(ours["px"].to_numpy(), theirs["px"].to_numpy(), rtol=1e-9)
        np.testing.assert_allclose(ours["cancellations"], theirs["cancellations"], rtol=1e-9, atol=1e-9)
    while run.step():
        pass
    assert run.done and run.week == tiny.T and not run.step()
    assert len(run.weeks) == tiny.T and len(run.seconds) == tiny.T


def test_the_levers_reach_the_scenario_and_the_settings(tiny: Scenario) -> None:
    levers = Levers(
        mode="central", seed=1, lookahead=3, transfers="any", sharing="none", data_fee=5.0, persistence=0.4,
        reliability=(("m_beta", 0.5),), aspiration=(("site", 12.0),),
    )  # fmt: skip
    run = Exploration(tiny, levers)
    beta = run.sc.partner("m_beta").reliability
    assert beta.mean == 0.5 and beta.persistence == 0.4
    assert run.sc.partner("m_alpha").reliability.persistence == 0.4
    s = run.model.settings
    assert (s.mode, s.lookahead, s.transfers, s.sharing, s.data_fee) == ("central", 3, "any", "none", 5.0)
    assert s.aspiration == {p: 12.0 for p in tiny.sites.ids}
    assert run.silo.settings.mode == "silo" and run.silo is not run.model
    assert Exploration(tiny, Levers(mode="silo")).silo is not None


def test_the_page_state_under_solara_render(tiny: Scenario) -> None:
    import ipyvuetify as v
    import solara

    from winwin.explore import page

    page.run_state.set(None)
    _box, rc = solara.render(page.ExplorePage(tiny), handle_error=False)

    def shown(fragment: str) -> bool:
        return any(fragment in str(getattr(w, "children", "")) or fragment in str(getattr(w, "value", ""))
                   for w in rc.find().widgets)  # fmt: skip

    def wait_for(fragment: str) -> None:
        for _ in range(200):
            if shown(fragment):
                return
            time.sleep(0.05)
        raise AssertionError(f"{fragment!r} never shown")

    mode = rc.find(v.Select, label="governance mode").widget
    assert mode.v_model == "winwin"
    assert rc.find(v.Slider, label="lookahead (weeks)").widget.v_model == 4
    assert rc.find(v.Select, label="side payments").widget.v_model == "scenario"
    assert rc.find(v.Select, label="data sharing").widget.v_model == "learn"
    assert rc.find(v.TextField, label="seed").widget.v_model == "0"
    assert float(rc.find(v.TextField, label="data fee per week").widget.v_model) == 0.0
    assert rc.find(v.Slider, label="delivery persistence (AR(1))").widget.v_model == 0.0
    for role in ("manufacturer", "distributor", "site", "payer"):
        assert float(rc.find(v.TextField, label=f"aspiration of each {role} (EUR)").widget.v_model) == 0.0
    shares = [w.v_model for w in rc.find(v.Slider).widgets if not w.label]  # one per manufacturer
    assert shares == [tiny.partner(m).reliability.mean for m in tiny.manufacturers.ids]  # type: ignore[union-attr]
    wait_for("week 0 of 6")
    rc.find(v.Btn, children=["step"]).widget.click()
    wait_for("week 1 of 6")
    rc.find(v.Btn, children=["step"]).widget.click()
    wait_for("week 2 of 6")
    rc.find(v.Btn, children=["reset"]).widget.click()
    wait_for("week 0 of 6")
    rc.find(v.Btn, children=["step"]).widget.click()
    wait_for("week 1 of 6")
    mode.v_model = "nash"
    wait_for("mode = nash: the run was reset to week 0")
    wait_for("week 0 of 6")
    rc.find(v.Btn, children=["play"]).widget.click()  # plays to the horizon in the background
    wait_for("week 6 of 6 — nash")
    assert not page.playing.value
    rc.close()


def test_a_bad_scenario_exits_2_before_any_server(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["explore", str(tmp_path / "missing.yaml")])
    assert res.exit_code == 2
    assert "missing.yaml" in res.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tiny_doc: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`winwin explore` on tiny with a hostile manufacturer name, on a free local port."""
    doc = {**tiny_doc, "partners": [dict(p) for p in tiny_doc["partners"]]}
    doc["partners"][0]["name"] = HOSTILE
    folder = tmp_path_factory.mktemp("explore")
    path = write_yaml(folder, doc, "hostile.yaml")
    port = _free_port()
    log = (folder / "server.log").open("w")  # a file, not a pipe nobody reads: the server must never block
    proc = subprocess.Popen(
        [sys.executable, "-m", "winwin.cli", "explore", str(path), "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(120):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                assert proc.poll() is None, (folder / "server.log").read_text()
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.mark.slow
def test_the_served_page_in_chromium(served: str) -> None:
    requests: list[str] = []
    errors: list[str] = []
    dialogs: list[str] = []
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(served)
        page.get_by_text("week 0 of 6").wait_for(timeout=60_000)
        assert page.get_by_text(f"{HOSTILE}: share of its promise delivered").count() == 1  # text, not markup
        points = []
        for week in (1, 2, 3):
            page.get_by_role("button", name="step").click()
            page.get_by_text(f"week {week} of 6").wait_for(timeout=60_000)
            page.wait_for_function(
                f"document.querySelectorAll('.js-plotly-plot').length > 0 && "
                f"document.querySelector('.js-plotly-plot').data[1].x.length === {week}",
                timeout=30_000,
            )
            points.append(page.evaluate("document.querySelector('.js-plotly-plot').data[1].y.slice(-1)[0]"))
        assert points[2] != points[0]  # the PX line grew
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "explore.png"), full_page=True)
        page.locator(".v-select", has_text="governance mode").locator(".v-field").click()
        page.locator(".v-overlay-container .v-list-item", has_text="nash").first.click()
        page.get_by_text("mode = nash: the run was reset to week 0").wait_for(timeout=30_000)
        page.get_by_text("week 0 of 6").wait_for(timeout=30_000)
        seen = list(errors)  # before the page closes under its widgets
        page.close()
    assert not seen, seen
    assert not dialogs, dialogs
    outside = [u for u in requests if not u.startswith((served, "blob:", "data:"))]
    assert not outside, outside
