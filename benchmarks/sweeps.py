"""Sweep benchmark (issue 8): throughput of the whole sweep pipeline (design → batches → executor →
Parquet store) and the driver's memory.

Throughput, measured in one run on the same experiments and the same adaptive batching:
- **long**: 2 000 experiments of about half a second (``belgium-2021``, silo, 6 weeks);
- **short**: 20 000 experiments of about 18 ms (``tiny``, silo, 2 weeks);
each in-process (1 core), on an embedded Ray cluster with 2 workers (started before the clock, its start
reported beside), and with Python multiprocessing on 2 workers (a ``multiprocessing`` pool behind the same
executor interface: same batches, same bound on tasks in flight) — the baseline. Targets: Ray ≥ 1.8×
in-process and within 10 % of multiprocessing. ``--scale`` shrinks both sizes (0.1 → 200 and 2 000).

Driver memory: a fresh process runs a Ray sweep of 10 000 and of 100 000 experiments whose task is a
stand-in returning rows at once (so only the driver's bookkeeping is measured), and reports its peak
resident memory (``VmHWM``) beside the memory of merely listing the same experiments (what a driver that
submits everything at once holds before it starts). Target: flat from 10 000 to 100 000.

Run: ``python -m benchmarks.sweeps [--scale 1.0] [--sizes long,short] [--memory 10000,100000]``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from winwin.data import load
from winwin.experiments.design import experiments
from winwin.experiments.runner import Task
from winwin.experiments.spec import parse_spec
from winwin.experiments.sweep import run_sweep
from winwin.optimizer.parallel import Executor, InProcessExecutor, RayExecutor, TaskFailure

SIZES: dict[str, dict[str, Any]] = {
    "long": {"experiments": 2000, "scenario": "belgium-2021", "periods": 6, "partner": "pfizer"},
    "short": {"experiments": 20000, "scenario": "tiny", "periods": 2, "partner": "m_beta"},
}


def spec_doc(size: str, n: int) -> dict[str, Any]:
    """``n`` silo simulations differing in one manufacturer's reliability (Monte Carlo)."""
    s = SIZES[size]
    return {
        "name": f"bench-{size}",
        "scenario": s["scenario"],
        "simulation": {"periods": s["periods"]},
        "modes": ["silo"],
        "replications": 1,
        "seed": 1,
        "sampling": {"method": "monte_carlo", "samples": n},
        "parameters": [
            {
                "path": f"partners.{s['partner']}.reliability.mean",
                "distribution": {"kind": "uniform", "low": 0.5, "high": 1.0},
            }
        ],
    }


class PoolExecutor:
    """The baseline: a ``multiprocessing`` pool behind the executor interface, with the same bound on tasks in
    flight as Ray (2 × workers), so the adaptive batches are the same."""

    name = "multiprocessing"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = multiprocessing.get_context("spawn").Pool(workers)

    def map(self, fn: Callable[[Any], Any], items: Any) -> list[Any]:
        return self._pool.map(fn, items)

    def stream(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        queue = enumerate(items)
        pending: dict[int, Any] = {}
        while True:
            while len(pending) < 2 * self.workers:
                nxt = next(queue, None)
                if nxt is None:
                    break
                pending[nxt[0]] = self._pool.apply_async(fn, (nxt[1],))
            if not pending:
                return
            ready = [i for i, r in pending.items() if r.ready()]
            if not ready:
                time.sleep(0.0005)
                continue
            for i in ready:
                res = pending.pop(i)
                try:
                    yield i, res.get()
                except Exception as exc:
                    yield i, TaskFailure.of(exc)

    def close(self) -> None:
        self._pool.close()
        self._pool.join()


def _time_sweep(doc: dict[str, Any], ex: Executor) -> tuple[float, int]:
    spec = parse_spec(doc)
    with tempfile.TemporaryDirectory() as out:
        report = run_sweep(spec, load(spec.scenario), Path(out) / "r", ex)
    assert report.failed == 0, f"{report.failed} experiments failed on {ex.name}"
    return report.seconds, report.ran


def throughput(sizes: list[str], scale: float, ray: RayExecutor, ray_start: float) -> list[str]:
    rows = []
    for size in sizes:
        n = max(20, round(SIZES[size]["experiments"] * scale))
        doc = spec_doc(size, n)
        t_local, ran = _time_sweep(doc, InProcessExecutor())
        pool = PoolExecutor(2)
        t_pool, _ = _time_sweep(doc, pool)
        pool.close()
        t_ray, _ = _time_sweep(doc, ray)
        per = t_local / ran * 1000
        rows.append(
            f"| {size} | {ran} | {per:.0f} ms | {ran / t_local:.1f}/s ({t_local:.0f} s) | {ran / t_pool:.1f}/s "
            f"({t_pool:.0f} s) | {ran / t_ray:.1f}/s ({t_ray:.0f} s; cluster start {ray_start:.1f} s) "
            f"| {t_local / t_ray:.2f}× | {t_pool / t_ray:.2f}× |"
        )
    head = (
        "| size | experiments | in-process per experiment | in-process | multiprocessing 2 workers | Ray 2 workers "
        "| Ray / in-process | Ray / multiprocessing |\n|---|---|---|---|---|---|---|---|"
    )
    return [head, *rows]


def stand_in(task: Task) -> list[dict[str, Any]]:
    """A task that returns its rows at once (for the driver-memory measurement)."""
    return [
        {"id": e.id, "point": e.point, "replication": e.replication, "mode": e.mode, "seed": e.seed, "status": "ok",
         "px": 50.0, "runtime": 1e-4, "host": "", "pid": 0, **{f"p:{p}": v for p, v in e.parameters}}
        for e in task.experiments
    ]  # fmt: skip


def _peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def measure_memory(n: int, what: str) -> None:
    """In a fresh process: the peak resident memory of a driver (``sweep``) or of listing (``list``)."""
    doc = spec_doc("short", n)
    spec = parse_spec(doc)
    if what == "list":
        held = list(experiments(spec))
        print(len(held), _peak_kib())
        return
    ex = RayExecutor(workers=2)
    with tempfile.TemporaryDirectory() as out:
        report = run_sweep(spec, load(spec.scenario), Path(out) / "r", ex, task_fn=stand_in)
    assert report.ran == n and report.failed == 0
    print(n, _peak_kib())


def memory(sizes: list[int]) -> list[str]:
    rows = []
    for n in sizes:
        peak = {}
        for what in ("sweep", "list"):
            cmd = [sys.executable, "-m", "benchmarks.sweeps", "--measure-memory", f"{n}:{what}"]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()
            peak[what] = int(out[-1]) / 1024
        rows.append((n, peak["sweep"], peak["list"]))
    lines = [
        "| queued experiments | driver peak RSS (Ray sweep, stand-in tasks) | listing the experiments alone |",
        "|---|---|---|",
    ]
    lines += [f"| {n} | {sweep:.0f} MiB | {listing:.0f} MiB |" for n, sweep, listing in rows]
    if len(rows) >= 2:
        (n0, s0, l0), (n1, s1, l1) = rows[0], rows[-1]
        lines.append(f"| ratio {n1}/{n0} | {s1 / s0:.2f}× | {l1 / l0:.2f}× |")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply both sizes (default 1: 2 000 and 20 000)")
    parser.add_argument("--sizes", default="long,short", help="which throughput sizes (long, short; '' for none)")
    parser.add_argument("--memory", default="10000,100000", help="queued experiments for the memory rows ('' none)")
    parser.add_argument("--measure-memory", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure_memory:
        n, what = args.measure_memory.split(":")
        measure_memory(int(n), what)
        return
    sizes = [s for s in args.sizes.split(",") if s]
    if sizes:
        start = time.perf_counter()
        ray = RayExecutor(workers=2)
        ray_start = time.perf_counter() - start
        print("sweep throughput, experiments per second, measured in one run (same experiments, same batching)")
        print("\n".join(throughput(sizes, args.scale, ray, ray_start)))
        import ray as ray_module

        ray_module.shutdown()
    counts = [int(s) for s in args.memory.split(",") if s]
    if counts:
        print("\ndriver memory, each figure from a fresh process")
        print("\n".join(memory(counts)))


if __name__ == "__main__":
    main()
