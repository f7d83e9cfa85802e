"""``winwin backtest``: the error and lag arithmetic on hand-made series, a run against its own output shifted by
a known number of days, and every bad-file case (issue 21).

Hand-made series (weekly; the coverage after week t is reached on day 7(t + 1), 0 on day 0): 10, 30, 30, 50 %.

- day 10, observed 20: simulated 10 + 20·3/7 = 18.571 (error −1.429); 20 is reached on day 7 + 7·10/20 = 10.5
  (lag +0.5: the simulation is half a day late);
- day 21, observed 30: simulated 30 (error 0); reached on day 14 (lag −7);
- day 28, observed 60: simulated 50 (error −10); never reached (lag None, one seed not reaching it);
- RMSE = √((1.429² + 0 + 10²)/3) = 5.832.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from winwin.cli import app
from winwin.data import Scenario
from winwin.data.errors import InputError
from winwin.models import SimulationSettings, simulate_run
from winwin.models.backtest import compare_series, day_reached, read_observed, series_days

START = date(2021, 1, 4)  # tiny's period 0


def write(tmp_path: Path, rows: list[tuple[Any, ...]], header: str = "date,measure,value") -> Path:
    path = tmp_path / "observed.csv"
    path.write_text(header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows), encoding="utf-8")
    return path


def test_error_lag_and_rmse_by_hand(tiny: Scenario, tmp_path: Path) -> None:
    rows = [(START + timedelta(days=d), "first_dose_pct", v) for d, v in ((10, 20), (21, 30), (28, 60))]
    observed = read_observed(write(tmp_path, rows), tiny)
    series = {0: pd.DataFrame({"first_dose_pct": [10.0, 30.0, 30.0, 50.0]})}
    points, rmse = compare_series(observed, 7.0 * np.arange(5), series)
    assert points["simulated"].tolist() == pytest.approx([10 + 20 * 3 / 7, 30.0, 50.0])
    assert points["error"].tolist() == pytest.approx([10 + 20 * 3 / 7 - 20, 0.0, -10.0])
    assert points["lag_days"].iloc[0] == pytest.approx(0.5) and points["lag_days"].iloc[1] == pytest.approx(-7.0)
    assert np.isnan(points["lag_days"].iloc[2]) and points["not_reached"].tolist() == [0, 0, 1]
    assert rmse["first_dose_pct"] == pytest.approx(np.sqrt(((20 * 3 / 7 - 10) ** 2 + 0 + 100) / 3))
    assert day_reached(np.array([0.0, 7.0]), np.array([0.0, 10.0]), 0.0) == 0.0


def test_seeds_give_the_spread(tiny: Scenario, tmp_path: Path) -> None:
    rows = [(START + timedelta(days=14), "first_dose_pct", 20)]
    observed = read_observed(write(tmp_path, rows), tiny)
    series = {0: pd.DataFrame({"first_dose_pct": [10.0, 20.0]}), 1: pd.DataFrame({"first_dose_pct": [10.0, 40.0]})}
    points, _ = compare_series(observed, 7.0 * np.arange(3), series)
    p = points.iloc[0]
    assert (p["simulated"], p["simulated_min"], p["simulated_max"]) == pytest.approx((30.0, 20.0, 40.0))
    # seed 1 reaches 20 % on day 7 + 7 · (20 − 10) / (40 − 10) = 9.33, seed 0 on day 14
    assert (p["lag_min"], p["lag_max"], p["lag_days"]) == pytest.approx((-14 / 3, 0.0, -7 / 3))


@pytest.mark.parametrize("shift", [-5, 3, 9])
def test_a_run_against_its_own_output_shifted_gives_the_shift(tiny: Scenario, tmp_path: Path, shift: int) -> None:
    """Observed = the silo run of seed 0 delayed by ``shift`` days: the simulation reaches each observed value
    ``shift`` days early (lag −shift), where the series rises."""
    run = simulate_run(tiny, SimulationSettings(mode="silo"), 0)
    days = series_days(tiny, tiny.T)
    rows = []
    for measure in ("first_dose_pct", "full_pct:elderly"):
        values = np.concatenate([[0.0], run.extra["coverage_series"][measure].to_numpy()])
        for d in range(12, 7 * tiny.T - 2, 4):
            if 0 <= d - shift <= days[-1]:
                rows.append((START + timedelta(days=d), measure, f"{np.interp(d - shift, days, values):.12f}"))
    result_json = _cli(tmp_path, rows)
    for measure, body in result_json["measures"].items():
        for p in body["points"]:
            day = (date.fromisoformat(p["date"]) - START).days
            values = np.concatenate([[0.0], run.extra["coverage_series"][measure].to_numpy()])
            rising = np.interp(day - shift - 1e-6, days, values) < np.interp(day - shift + 1e-6, days, values)
            if rising and p["observed"] > 0:
                assert p["lag_days"] == pytest.approx(-shift, abs=1e-6), (measure, p)


def _cli(tmp_path: Path, rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    from typer.testing import CliRunner

    res = CliRunner().invoke(app, ["backtest", "tiny", "--observed", str(write(tmp_path, rows)), "--json"])
    assert res.exit_code == 0, res.output
    return dict(json.loads(res.output))


BAD = [
    ("date,measure", [], "missing column 'value'"),
    ("date,measure,value", [(START, "second_dose_pct", 1)], "row 2, column measure"),
    ("date,measure,value", [(START, "first_dose_pct:nobody", 1)], "unknown group"),
    ("date,measure,value", [(START - timedelta(days=1), "first_dose_pct", 1)], "row 2, column date"),
    ("date,measure,value", [(START + timedelta(days=43), "first_dose_pct", 1)], "outside the horizon"),
    ("date,measure,value", [("4/1/2021", "first_dose_pct", 1)], "not a date"),
    ("date,measure,value", [(START, "first_dose_pct", "many")], "row 2, column value"),
    ("date,measure,value", [(START, "full_pct", 1), (START, "full_pct", 140)], "row 3, column value"),
    ("date,measure,value", [], "no observations"),
]


@pytest.mark.parametrize(("header", "rows", "needle"), BAD, ids=[b[2] for b in BAD])
def test_bad_files_exit_2_naming_row_and_column_and_write_nothing(
    runner: Any, tmp_path: Path, header: str, rows: list[tuple[Any, ...]], needle: str
) -> None:
    path = write(tmp_path, rows, header)
    out = tmp_path / "out"
    res = runner.invoke(app, ["backtest", "tiny", "--observed", str(path), "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert needle in res.output, res.output
    assert not out.exists()


def test_every_problem_of_a_file_at_once(tiny: Scenario, tmp_path: Path) -> None:
    rows = [(START, "bogus", 1), ("soon", "first_dose_pct", "x")]
    with pytest.raises(InputError) as exc:
        read_observed(write(tmp_path, rows), tiny)
    text = str(exc.value)
    assert "row 2, column measure" in text and "row 3, column date" in text and "row 3, column value" in text


def test_out_folder_feeds_the_report(runner: Any, tmp_path: Path) -> None:
    rows = [(START + timedelta(days=d), "first_dose_pct", 5 * d / 7) for d in (14, 28, 35)]
    out = tmp_path / "bt"
    res = runner.invoke(app, ["backtest", "tiny", "--observed", str(write(tmp_path, rows)), "--seeds", "2",
                              "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert {p.name for p in out.iterdir()} == {"backtest.json", "points.csv", "series.csv"}
    assert "RMSE" in res.output and "lag" in res.output
    report = tmp_path / "report.html"
    made = runner.invoke(app, ["report", "--results", str(out), "--out", str(report)])
    assert made.exit_code == 0, made.output
    html = report.read_text(encoding="utf-8")
    assert 'id="backtest"' in html and "first_dose_pct" in html


def test_the_bundled_observed_series_is_the_record_and_the_backtest_runs_on_it(runner: Any) -> None:
    """data/observed/belgium-2021-coverage.csv holds Sciensano's month-end counts (via Our World in Data) over
    the whole population: 7,262,384 first doses and 4,095,755 full courses by 30 June 2021 over 11,521,238 are
    63.03 % and 35.55 %. `backtest belgium-2021 --observed <it> --json` reports all eight points; the scenario
    generator never reads the observed folder (calibration on inputs only)."""
    root = Path(__file__).resolve().parents[1]
    observed = root / "data" / "observed" / "belgium-2021-coverage.csv"
    table = pd.read_csv(observed).set_index(["date", "measure"])["value"]
    assert table[("2021-06-30", "first_dose_pct")] == pytest.approx(100 * 7_262_384 / 11_521_238, abs=0.005)
    assert table[("2021-06-30", "full_pct")] == pytest.approx(100 * 4_095_755 / 11_521_238, abs=0.005)
    assert "observed" not in (root / "tools" / "make_belgium_2021.py").read_text(encoding="utf-8")
    res = runner.invoke(app, ["backtest", "belgium-2021", "--observed", str(observed), "--json"])
    assert res.exit_code == 0, res.output
    measures = json.loads(res.stdout)["measures"]
    assert {m: len(v["points"]) for m, v in measures.items()} == {"first_dose_pct": 4, "full_pct": 4}
