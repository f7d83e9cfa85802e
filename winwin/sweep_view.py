"""Rich views of sweeps: the progress bar while a sweep runs, and the tables of ``winwin analyze``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from winwin.experiments.sweep import SweepReport


@contextmanager
def sweep_progress(enabled: bool = True) -> Iterator[Any]:
    """A callback ``(stored, failed, total)`` drawing a bar with ETA and the failure count on stderr."""
    if not enabled:
        yield None
        return
    from winwin.console import err

    columns = (
        TextColumn("[bold]sweep"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("[red]{task.fields[failed]} failed"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    bar = Progress(*columns, console=err, transient=False)
    task = None

    def update(done: int, failed: int, total: int) -> None:
        nonlocal task
        if task is None:  # drawn from the first result on: bad input prints no empty bar
            bar.start()
            task = bar.add_task("sweep", total=total, failed=0)
        bar.update(task, completed=done, total=total, failed=failed)

    try:
        yield update
    finally:
        if task is not None:
            bar.stop()


def report_lines(r: SweepReport) -> list[str]:
    status = "interrupted: finished rows written; rerun with --resume" if r.interrupted else "done"
    return [
        f"{status}: {r.ran} experiments run ({r.failed} failed), {r.skipped} already stored, "
        f"{r.total} in the sweep; {r.seconds:.1f} s ({r.throughput:.2f} experiments/s)",
        f"results: {r.out}  (winwin analyze {r.out})",
    ]


def _q(d: dict[str, float]) -> str:
    return f"{d['mean']:,.2f} ({d['p5']:,.2f}–{d['p95']:,.2f})"


def modes_table(analysis: dict[str, Any]) -> Table:
    t = Table(
        title="per governance mode: mean (p5–p95); --json adds medians and each partner's gain", title_justify="left"
    )
    columns = ("mode", "runs", "failed", "PX", "total gain", "win-win rate", "regret (PX)", "best",
               "cancelled per 1,000")  # fmt: skip
    for col in columns:
        t.add_column(col, justify="left" if col == "mode" else "right")
    for mode, m in analysis["modes"].items():
        if not m.get("experiments"):
            t.add_row(escape(mode), "0", str(m.get("failed", 0)), *[""] * (len(columns) - 3))
            continue
        per_1000 = m.get("cancellations_per_1000")
        t.add_row(
            escape(mode), str(m["experiments"]), str(m["failed"]), _q(m["px"]), _q(m["total_gain"]),
            f"{m['win_win_rate']:.0%}", f"{m['regret']['mean']:.2f} (≤{m['regret']['p95']:.2f})",
            f"{m['regret']['best_share']:.0%}", _q(per_1000) if per_1000 else "–",
        )  # fmt: skip
    return t


def box_limits(box: dict[str, Any]) -> list[str]:
    """A PRIM box as plain conditions: ``0.5 ≤ p ≤ 0.7``, ``sharing in {none}``."""
    limits = []
    for name, lim in box.items():
        if isinstance(lim, list) and lim and isinstance(lim[0], str):
            limits.append(f"{name} in {{{', '.join(lim)}}}")
        else:
            limits.append(f"{lim[0]:.4g} ≤ {name} ≤ {lim[1]:.4g}")
    return limits


def drivers_lines(analysis: dict[str, Any]) -> list[str]:
    if not analysis["drivers"]:
        return ["drivers: no mode loses win-win in some scenarios and keeps it in others (nothing to explain)"]
    lines = ["drivers of lost win-win (PRIM box: where most of the losses are):"]
    for d in analysis["drivers"]:
        limits = box_limits(d["box"])
        where = " and ".join(limits) if limits else "(no restriction improves on the base rate)"
        lines.append(
            f"  {d['mode']}: {d['cases']} of {d['scenarios']} runs lose win-win ({d['base_rate']:.0%}); "
            f"{where}: density {d['density']:.0%}, coverage {d['coverage']:.0%}"
        )
    return [escape(line) for line in lines]
