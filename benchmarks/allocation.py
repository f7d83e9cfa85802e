"""Allocation-model benchmark: our build and solve beside (a) the raw-array floor and (b) idiomatic Pyomo.

For synthetic ecosystems of about 1e4, 1e5 and 1e6 variables, each measurement runs in a fresh
process (so peak memory is its own):

- ours: scenario → vectorised model → CSR → OR-Tools model_builder (``build``), then HiGHS through
  OR-Tools (``solve``).
- raw floor (a): the very same matrices, as COO triplets, assembled into CSC and handed straight to
  highspy (``build``), then solved by highspy with the same options (``solve``): the least any array
  builder must do.
- idiomatic Pyomo (b): :mod:`benchmarks.pyomo_idiomatic`, indexed sets and rules (build only; skipped
  at 1e6, where it would take many minutes and gigabytes).

Targets (issue 3): our build ≤ 1.5× the raw build; ≥ 20× faster than idiomatic Pyomo at 1e5;
build ≤ 0.25× solve at 1e6.  Run: ``python -m benchmarks.allocation [--sizes 1e4,1e5,1e6]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Any

SIZES: dict[str, tuple[int, int, int, int, int, int]] = {
    "1e4": (25, 4, 4, 3, 20, 1),
    "1e5": (190, 12, 5, 3, 26, 1),
    "1e6": (2000, 80, 5, 3, 26, 1),
}


def _repeats(size: str) -> int:
    return 1 if size == "1e6" else 3


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_ours(size: str) -> dict[str, Any]:
    from ortools.linear_solver.python import model_builder_helper as mbh

    from winwin.data import synthetic
    from winwin.optimizer import build_allocation_model

    sc = synthetic(*SIZES[size])
    sc.counts()
    build = float("inf")
    for _ in range(_repeats(size)):  # best of a few: millisecond builds are noisy
        start = time.perf_counter()
        model = build_allocation_model(sc)
        problem = model.problem(model.px)
        helper = mbh.ModelBuilderHelper()
        helper.fill_model_from_sparse_data(problem.lb, problem.ub, problem.c, problem.row_lb, problem.row_ub, problem.A)
        helper.set_maximize(True)
        build = min(build, time.perf_counter() - start)
    solver = mbh.ModelSolverHelper("highs")
    solver.set_solver_specific_parameters("output_flag=false\nsolver=ipm")
    start = time.perf_counter()
    solver.solve(helper)
    solve = time.perf_counter() - start
    px = float(model.px @ solver.variable_values())
    return {
        "vars": model.n_vars,
        "rows": model.lp.n_rows,
        "nnz": int(model.A.nnz),
        "build": build,
        "solve": solve,
        "px": px,
        "status": solver.status().name,
        "peak_mib": _peak_mib(),
    }


def run_raw(size: str) -> dict[str, Any]:
    import highspy
    import numpy as np

    from winwin.data import synthetic
    from winwin.optimizer import build_allocation_model

    model = build_allocation_model(synthetic(*SIZES[size]))
    p = model.problem(model.px)
    coo = p.A.tocoo()
    rows, cols, vals = coo.row.copy(), coo.col.copy(), coo.data.copy()
    del coo
    inf = highspy.kHighsInf
    build = float("inf")
    for _ in range(_repeats(size)):
        h, build_once = _raw_handoff(p, rows, cols, vals, inf)
        build = min(build, build_once)
    start = time.perf_counter()
    h.run()
    solve = time.perf_counter() - start
    px = float(model.px @ np.asarray(h.getSolution().col_value))
    return {"build": build, "solve": solve, "px": px, "status": str(h.getModelStatus()), "peak_mib": _peak_mib()}


def _raw_handoff(p: Any, rows: Any, cols: Any, vals: Any, inf: float) -> tuple[Any, float]:
    """COO triplets → CSC → highspy, timed."""
    import scipy.sparse as sp

    from winwin.optimizer.lp.solvers import highs_lp, quiet_highs

    start = time.perf_counter()
    lp = highs_lp(-p.c, sp.csc_matrix((vals, (rows, cols)), shape=p.A.shape), p)
    h = quiet_highs()
    h.setOptionValue("solver", "ipm")
    h.passModel(lp)
    return h, time.perf_counter() - start


def run_pyomo(size: str) -> dict[str, Any]:
    from benchmarks.pyomo_idiomatic import build_idiomatic
    from winwin.data import synthetic

    sc = synthetic(*SIZES[size])
    start = time.perf_counter()
    build_idiomatic(sc)
    return {"build": time.perf_counter() - start, "peak_mib": _peak_mib()}


RUNNERS = {"ours": run_ours, "raw": run_raw, "pyomo": run_pyomo}


def _child(kind: str, size: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.allocation", "--child", kind, size],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e4,1e5,1e6")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, size = args.child
        print(json.dumps(RUNNERS[kind](size)))
        return
    header = (
        "size",
        "vars",
        "rows",
        "nnz",
        "ours build s",
        "raw build s",
        "ours/raw",
        "pyomo build s",
        "pyomo/ours",
        "ours solve s",
        "raw solve s",
        "build/solve",
        "PX ours",
        "PX raw",
        "peak MiB ours",
    )
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for size in args.sizes.split(","):
        ours, raw = _child("ours", size), _child("raw", size)
        pyomo = _child("pyomo", size) if size != "1e6" else {"build": float("nan")}
        if "error" in ours or "error" in raw or "error" in pyomo:
            print(f"{size} | error: {ours.get('error') or raw.get('error') or pyomo.get('error')}")
            continue
        row = (
            size,
            f"{ours['vars']:,}",
            f"{ours['rows']:,}",
            f"{ours['nnz']:,}",
            f"{ours['build']:.3f}",
            f"{raw['build']:.3f}",
            f"{ours['build'] / raw['build']:.2f}×",
            f"{pyomo['build']:.2f}",
            f"{pyomo['build'] / ours['build']:.1f}×",
            f"{ours['solve']:.2f}",
            f"{raw['solve']:.2f}",
            f"{ours['build'] / ours['solve']:.3f}",
            f"{ours['px']:.6f}",
            f"{raw['px']:.6f}",
            f"{ours['peak_mib']:.0f}",
        )
        print(" | ".join(row), flush=True)


if __name__ == "__main__":
    main()
