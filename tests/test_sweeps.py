"""Sweeps (issue 8): sweep files, the experiment design, the results store, executors, faults, analysis."""

from __future__ import annotations

import functools
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from ray import cloudpickle
from support import SMALL, write_spec

from winwin.cli import app
from winwin.data.errors import InputError
from winwin.data.overrides import override
from winwin.experiments.analysis import analyze, prim
from winwin.experiments.design import count, experiments, points, unit_samples
from winwin.experiments.runner import VOLATILE, Task, run_task, scenario_document
from winwin.experiments.spec import load_spec, parse_spec
from winwin.experiments.store import code_digest, finished_ids, provenance, read_manifest, read_results
from winwin.experiments.sweep import run_sweep
from winwin.optimizer.parallel import InProcessExecutor, RayExecutor

WINWIN = str(Path(sys.executable).with_name("winwin"))


def table(folder: Path) -> pd.DataFrame:
    df = read_results(folder)
    return df.drop(columns=list(VOLATILE)).sort_values("id").reset_index(drop=True)


# ---------------------------------------------------------------------- sweep files
def test_bad_sweep_file_names_every_field_and_value(tmp_path: Path, runner: Any) -> None:
    doc = {
        **SMALL,
        "modes": ["silo", "anarchy"],
        "replications": 0,
        "parameters": [
            {"path": "partners.nobody.reliability.mean", "values": [0.5]},
            {"path": "groups.adults.acceptance", "distribution": {"kind": "uniform", "low": 0.9, "high": 0.1}},
            {"path": "settings.colour", "values": [1]},
        ],
    }
    result = runner.invoke(app, ["sweep", str(write_spec(tmp_path, doc)), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    text = result.output
    assert "replications" in text and "0" in text
    assert "parameters[1].distribution" in text and "0.9" in text
    assert "parameters[2].path" in text and "settings.colour" in text
    assert not (tmp_path / "r").exists()
    # with the schema satisfied, the mode and then the scenario paths are checked
    doc = {**SMALL, "modes": ["silo", "anarchy"]}
    result = runner.invoke(app, ["sweep", str(write_spec(tmp_path, doc)), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "modes[1]" in result.output and "anarchy" in result.output
    doc = {**SMALL, "parameters": [{"path": "partners.nobody.reliability.mean", "values": [0.5]}]}
    with pytest.raises(InputError) as exc:
        load_spec(write_spec(tmp_path, doc))
    assert "parameters[0]" in str(exc.value) and "nobody" in str(exc.value)


def test_latin_hypercube_hits_every_stratum_once_and_seeds_are_common() -> None:
    doc = {**SMALL, "sampling": {"method": "latin_hypercube", "samples": 10}}
    doc["parameters"] = [*SMALL["parameters"], {"path": "partners.m_beta.reliability.sd",
                                               "distribution": {"kind": "triangular", "low": 0.0, "mode": 0.1,
                                                                "high": 0.2}}]  # fmt: skip
    spec = parse_spec(doc)
    u = unit_samples(spec)
    for j in range(u.shape[1]):
        assert sorted(np.floor(u[:, j] * 10).astype(int)) == list(range(10))
    pts = points(spec)
    assert len(pts) == 2 * 10
    values = [dict(p)["groups.adults.acceptance"] for p in pts]
    assert all(0.3 <= v <= 0.7 for v in values)
    exps = list(experiments(spec))
    assert len(exps) == count(spec) == 20 * 2 * 2
    assert len({e.id for e in exps}) == len(exps)
    # replication r has the same seed at every point and in every mode; replications differ
    seeds = {(e.replication, e.seed) for e in exps}
    assert len(seeds) == 2 and len({s for _, s in seeds}) == 2
    assert [e.id for e in experiments(parse_spec(doc))] == [e.id for e in exps]  # stable


# ---------------------------------------------------------------------- running
def test_in_process_and_ray_rows_are_identical(tmp_path: Path, ray_cluster: Any) -> None:
    spec, scenario = load_spec(write_spec(tmp_path, SMALL))
    a = run_sweep(spec, scenario, tmp_path / "a", InProcessExecutor())
    b = run_sweep(spec, scenario, tmp_path / "b", RayExecutor(workers=2))
    assert a.ran == b.ran == 16 and a.failed == b.failed == 0
    ta, tb = table(tmp_path / "a"), table(tmp_path / "b")
    pd.testing.assert_frame_equal(ta, tb)
    assert set(ta["mode"]) == {"silo", "winwin"}
    assert (ta.loc[ta["mode"] == "silo", "total_gain"].abs() < 1e-9).all()  # silo against itself
    assert read_manifest(tmp_path / "a")["status"] == "complete"
    # the patients' measures of every row: cancellations per 1,000 appointments, by their definition
    per_1000 = 1000 * ta["cancellations"] / ta["appointments"]
    np.testing.assert_allclose(ta["cancellations_per_1000"], per_1000.fillna(0.0), atol=1e-9)
    assert ta["second_doses_on_time"].between(0, 1).all()


def test_a_failing_experiment_is_an_error_row_and_the_others_finish(tmp_path: Path, runner: Any) -> None:
    doc = {**SMALL, "parameters": [{"path": "settings.periods", "values": [2, 99]}], "replications": 1}
    path = write_spec(tmp_path, doc)
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "r"), "--in-process", "--quiet"])
    assert result.exit_code == 0, result.output
    df = read_results(tmp_path / "r")
    assert len(df) == 4
    bad = df[df["p:settings.periods"] == 99]
    assert (bad["status"] == "error").all() and bad["error"].str.contains("periods").all()
    assert bad["traceback"].str.contains("Traceback").all()
    assert (df[df["p:settings.periods"] == 2]["status"] == "ok").all()
    result = runner.invoke(app, ["analyze", str(tmp_path / "r"), "--json"])
    assert result.exit_code == 0 and '"failed": 2' in result.output


def test_a_results_folder_is_a_dataset_every_reader_takes(tmp_path: Path) -> None:
    """One part per row, error rows first: the readers still agree on every column and value."""
    import duckdb
    import pyarrow.dataset as ds

    doc = {**SMALL, "parameters": [{"path": "settings.periods", "values": [99, 2]}], "replications": 1}
    spec, scenario = load_spec(write_spec(tmp_path, doc))
    folder = tmp_path / "r"
    run_sweep(spec, scenario, folder, InProcessExecutor(), flush_rows=1)
    ours = read_results(folder)
    assert len(ours) == 4 and sorted(ours["status"]) == ["error", "error", "ok", "ok"]
    assert sorted(p.name for p in folder.iterdir()) == ["_manifest.json", "parts"]

    def plain(df: pd.DataFrame) -> pd.DataFrame:  # readers differ in how they spell a missing bool
        df = df.sort_values(["point", "replication", "mode"]).reset_index(drop=True).astype(object)
        return df.where(df.notna(), None)

    def same(df: pd.DataFrame) -> None:
        assert list(df.columns) == list(ours.columns)
        pd.testing.assert_frame_equal(plain(df), plain(ours))

    same(pd.read_parquet(folder))
    same(ds.dataset(folder).to_table().to_pandas())
    same(duckdb.sql(f"select * from read_parquet('{folder}/**/*.parquet')").df())
    ok = ours[ours["status"] == "ok"]
    assert ok["px"].notna().all() and ours[ours["status"] == "error"]["px"].isna().all()

    # a folder of the earlier layout (manifest.json) is read, and resumed into the new one
    (folder / "_manifest.json").rename(folder / "manifest.json")
    pd.testing.assert_frame_equal(read_results(folder), ours)
    run_sweep(spec, scenario, folder, InProcessExecutor(), resume=True)
    assert sorted(p.name for p in folder.iterdir()) == ["_manifest.json", "parts"]
    pd.testing.assert_frame_equal(read_results(folder), ours)


def _dies_once(marker: Path, task: Task) -> list[dict[str, Any]]:
    """Kills its worker process the first time it meets a marked experiment (Ray retries the task)."""
    if not marker.exists() and any(e.point == 1 for e in task.experiments):
        marker.write_text("died")
        os._exit(1)
    return run_task(task)


def test_a_killed_ray_worker_loses_and_duplicates_nothing(tmp_path: Path, ray_cluster: Any) -> None:
    spec, scenario = load_spec(write_spec(tmp_path, {**SMALL, "batch": 2}))
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        dies = functools.partial(_dies_once, tmp_path / "marker")
        report = run_sweep(spec, scenario, tmp_path / "r", RayExecutor(workers=2), task_fn=dies)
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    assert (tmp_path / "marker").read_text() == "died"
    df = read_results(tmp_path / "r")
    assert report.ran == 16 and report.failed == 0
    assert len(df) == 16 and df["id"].is_unique and (df["status"] == "ok").all()
    reference = tmp_path / "reference"
    run_sweep(spec, scenario, reference, InProcessExecutor())
    pd.testing.assert_frame_equal(table(tmp_path / "r"), table(reference))


def test_ctrl_c_keeps_finished_rows_and_resume_runs_the_rest(tmp_path: Path) -> None:
    spec, scenario = load_spec(write_spec(tmp_path, {**SMALL, "batch": 1}))
    calls = []

    def progress(done: int, failed: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 5:
            raise KeyboardInterrupt

    first = run_sweep(spec, scenario, tmp_path / "r", InProcessExecutor(), progress=progress)
    assert first.interrupted and first.ran == 5
    assert read_manifest(tmp_path / "r")["status"] == "interrupted"
    assert len(finished_ids(tmp_path / "r")) == 5
    with pytest.raises(InputError, match="out: holds results of a sweep: resume it"):
        run_sweep(spec, scenario, tmp_path / "r", InProcessExecutor())
    rest = run_sweep(spec, scenario, tmp_path / "r", InProcessExecutor(), resume=True)
    assert rest.skipped == 5 and rest.ran == 11 and not rest.interrupted
    df = read_results(tmp_path / "r")
    assert len(df) == 16 and df["id"].is_unique
    other = parse_spec({**SMALL, "seed": 8})
    with pytest.raises(InputError, match="another sweep"):
        run_sweep(other, scenario, tmp_path / "r", InProcessExecutor(), resume=True)


def test_resume_refuses_rows_of_another_scenario_or_code(tmp_path: Path) -> None:
    """The manifest records the base scenario's digest and the code's; resuming with either changed is refused
    (exit 2 on the command line), and the rows already there are kept."""
    spec, scenario = load_spec(write_spec(tmp_path, {**SMALL, "batch": 1}))
    calls: list[int] = []

    def progress(done: int, failed: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 3:
            raise KeyboardInterrupt

    run_sweep(spec, scenario, tmp_path / "r", InProcessExecutor(), progress=progress)
    manifest = read_manifest(tmp_path / "r")
    assert manifest["provenance"] == provenance(scenario_document(scenario)[1])
    changed = override(scenario, {"partners.m_alpha.reliability.mean": 0.5})
    with pytest.raises(InputError, match="rows computed with another scenario"):
        run_sweep(spec, changed, tmp_path / "r", InProcessExecutor(), resume=True)
    manifest["provenance"]["code"] = "0" * 16  # as if written by other code
    (tmp_path / "r" / "_manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="another winwin code"):
        run_sweep(spec, scenario, tmp_path / "r", InProcessExecutor(), resume=True)
    assert len(finished_ids(tmp_path / "r")) == 3


def test_the_code_digest_follows_every_source_file(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "m.py").write_text("x = 1\n")
    (tmp_path / "a" / "s.yaml").write_text("k: 1\n")
    before = code_digest([tmp_path / "a"])
    assert code_digest([tmp_path / "a"]) == before
    (tmp_path / "a" / "s.yaml").write_text("k: 2\n")
    assert code_digest([tmp_path / "a"]) != before
    assert len(code_digest()) == 16  # the installed package's


def _wait_for(predicate: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _parts(folder: Path) -> int:
    return len(list((folder / "parts").glob("part-*.parquet")))


@pytest.mark.slow
def test_driver_killed_mid_sweep_then_resume_runs_only_the_rest(tmp_path: Path) -> None:
    # 240 experiments, about 12 s in one process: the first part is flushed after 2 s (flush_seconds), long
    # before the end (48 experiments once all finished before that first flush)
    n = 240
    doc = {**SMALL, "replications": n // 8, "batch": 1}
    path = write_spec(tmp_path, doc)
    out = tmp_path / "r"
    cmd = [WINWIN, "sweep", str(path), "--out", str(out), "--in-process", "--quiet"]
    driver = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _parts(out) >= 1, 120, "a first part file")
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.wait()
    stored = len(finished_ids(out))
    assert 0 < stored < n
    done = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"{n - stored} experiments run" in done.stdout and f"{stored} already stored" in done.stdout
    df = read_results(out)
    assert len(df) == n and df["id"].is_unique and (df["status"] == "ok").all()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _workers_seen(folder: Path) -> int:
    """How many worker processes the rows stored so far came from."""
    return 0 if _parts(folder) == 0 else int(read_results(folder)["pid"].nunique())


def _cluster_cpus(ray: str, address: str, env: dict[str, str]) -> float:
    """The CPUs the cluster at ``address`` has (0 while it cannot be reached), from ``ray status``."""
    status = subprocess.run([ray, "status", f"--address={address}"], env=env, capture_output=True, text=True)
    cpus = [line.split("/")[1].split()[0] for line in status.stdout.splitlines() if line.strip().endswith(" CPU")]
    return float(cpus[0]) if status.returncode == 0 and cpus else 0.0


@pytest.mark.slow
def test_two_node_cluster_loses_a_node_mid_sweep(tmp_path: Path) -> None:
    """A real cluster on this machine: a head and a second node (each with one CPU), the sweep given
    --address; the second node is stopped while it works; every row arrives exactly once."""
    ray = str(Path(sys.executable).with_name("ray"))
    from ray.util import get_node_ip_address

    ip = get_node_ip_address()  # Ray maps 127.0.0.1 to this address when a driver connects
    port = _free_port()
    address = f"{ip}:{port}"
    common = ["--num-cpus=1", "--disable-usage-stats", "--block"]
    token = tmp_path / "auth_token"  # the cluster's own token: the nodes require it, the driver sends it
    token.write_text(secrets.token_hex(32))
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_TOKEN_PATH": str(token)}
    env.pop("RAY_AUTH_MODE", None)  # the driver: winwin sends the token to a cluster on this machine
    nodes = {**env, "RAY_AUTH_MODE": "token"}
    quiet: dict[str, Any] = {"start_new_session": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    head_cmd = [ray, "start", "--head", f"--port={port}", "--include-dashboard=false", f"--node-ip-address={ip}"]
    head = subprocess.Popen([*head_cmd, *common], env=nodes, **quiet)
    node = None
    try:
        _wait_for(lambda: _cluster_cpus(ray, address, nodes) == 1, 120, "the head node")
        node_cmd = [ray, "start", f"--address={address}", f"--node-ip-address={ip}"]
        node = subprocess.Popen([*node_cmd, *common], env=nodes, **quiet)
        _wait_for(lambda: _cluster_cpus(ray, address, nodes) == 2, 120, "the second node")
        doc = {**SMALL, "replications": 24, "batch": 2}  # 192 experiments, about 10 s on two nodes
        out = tmp_path / "r"
        cmd = [WINWIN, "sweep", str(write_spec(tmp_path, doc)), "--out", str(out), "--address", address, "--quiet"]
        sweep = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        _wait_for(lambda: _workers_seen(out) >= 2 or sweep.poll() is not None, 180, "rows from both nodes")
        assert sweep.poll() is None, "the sweep ended before the node could be stopped: make it longer"
        os.killpg(node.pid, signal.SIGKILL)  # the second node and its workers go, tasks in flight with them
        node.wait()
        _, stderr = sweep.communicate(timeout=600)
        assert sweep.returncode == 0, stderr
        df = read_results(out)
        assert len(df) == 192 and df["id"].is_unique
        assert (df["status"] == "ok").all(), df.loc[df["status"] != "ok", "error"].tolist()
        assert df["pid"].nunique() >= 2
    finally:
        for p in (node, head):
            if p is not None and p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


# ---------------------------------------------------------------------- analysis
def test_analysis_by_hand() -> None:
    """Two scenarios × two modes, worked out by hand."""
    rows = [
        # point, mode, px, win-win, gains (a, b)
        (0, "silo", 50.0, True, 0.0, 0.0),
        (0, "winwin", 52.0, True, 1.0, 2.0),
        (1, "silo", 50.0, True, 0.0, 0.0),
        (1, "winwin", 49.0, False, -1.0, 3.0),
    ]
    fixed = {"replication": 0, "status": "ok", "cancellations": 0.0, "nps": 0.0}
    df = pd.DataFrame(
        [
            {"id": f"{p}{m}", "point": p, "mode": m, "px": px, "win_win": w, "gain:a": a, "gain:b": b,
             "total_gain": a + b, **fixed}
            for p, m, px, w, a, b in rows
        ]
    )  # fmt: skip
    out = analyze(df)
    ww, silo = out["modes"]["winwin"], out["modes"]["silo"]
    assert ww["win_win_rate"] == 0.5 and silo["win_win_rate"] == 1.0
    assert ww["px"]["mean"] == 50.5 and ww["px"]["p50"] == 50.5
    assert ww["regret"]["mean"] == 0.5 and ww["regret"]["max"] == 1.0 and ww["regret"]["best_share"] == 0.5
    assert silo["regret"]["mean"] == 1.0 and silo["regret"]["best_share"] == 0.5
    assert ww["gains"]["a"]["mean"] == 0.0 and ww["total_gain"]["mean"] == 2.5


def test_prim_finds_the_box_that_explains_the_failures() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"p:reliability": rng.random(400), "p:noise": rng.random(400),
                      "p:sharing": rng.choice(["none", "all"], 400)})  # fmt: skip
    y = (X["p:reliability"] < 0.3).to_numpy() & (X["p:sharing"] == "none").to_numpy()
    box = prim(X, y)
    assert box is not None
    assert box.density > 0.9 and box.coverage >= 0.5
    assert set(box.limits) >= {"p:reliability", "p:sharing"}
    assert box.limits["p:reliability"][1] == pytest.approx(0.3, abs=0.05)
    assert box.limits["p:sharing"] == ["none"]
    assert box.ranking[0][0] in {"p:reliability", "p:sharing"}
    assert "p:noise" not in box.limits or box.ranking[-1][0] == "p:noise"
