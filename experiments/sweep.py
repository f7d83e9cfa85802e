"""Run a sweep: experiments in batches through one executor (in-process or Ray), rows into the store.

Batches: Ray costs about a millisecond per task and its idle processes a share of a core, so short
experiments travel several to a task. Unless the sweep file fixes ``batch``, the first tasks carry one
experiment each and later ones enough to last about :data:`TASK_SECONDS` at the mean runtime seen so far
(the batches change nothing in the rows). Failures: an experiment that raises is an error row; a task lost
beyond Ray's retries becomes error rows for its experiments; the sweep goes on. Ctrl-C stops the sweep,
writes every finished row and marks the store ``interrupted`` (``--resume`` carries on).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from winwin.data import Scenario
from winwin.experiments.design import Experiment, count, experiments
from winwin.experiments.runner import Task, row_schema, run_task, scenario_document
from winwin.experiments.spec import SweepSpec
from winwin.experiments.store import ResultsStore, provenance
from winwin.optimizer.parallel import Executor, TaskFailure

TASK_SECONDS = 0.5
"""Target duration of one task when batches are adaptive."""
MAX_BATCH = 512


class Progress(Protocol):
    def __call__(self, done: int, failed: int, total: int) -> None: ...


@dataclass(frozen=True)
class SweepReport:
    """What one call of :func:`run_sweep` did."""

    out: Path
    total: int
    """Experiments in the sweep."""
    skipped: int
    """Already in the store (``--resume``)."""
    ran: int
    failed: int
    seconds: float
    interrupted: bool = False

    @property
    def throughput(self) -> float:
        return self.ran / self.seconds if self.seconds > 0 else 0.0


class _Batches:
    """Tasks of adaptive size (see the module docstring)."""

    def __init__(self, todo: Iterator[Experiment], make: Callable[[tuple[Experiment, ...]], Task], fixed: int | None,
                 workers: int) -> None:  # fmt: skip
        self.todo, self.make, self.fixed, self.workers = todo, make, fixed, workers
        self.runtime, self.timed = 0.0, 0

    def observe(self, rows: list[dict[str, Any]]) -> None:
        self.runtime += sum(float(r.get("runtime", 0.0)) for r in rows)
        self.timed += len(rows)

    def size(self) -> int:
        if self.fixed:
            return self.fixed
        if self.timed < self.workers:  # nothing measured yet: one each, so every worker starts at once
            return 1
        mean = max(self.runtime / self.timed, 1e-6)
        return max(1, min(MAX_BATCH, round(TASK_SECONDS / mean)))

    def __iter__(self) -> Iterator[Task]:
        while True:
            batch = tuple(itertools.islice(self.todo, self.size()))
            if not batch:
                return
            yield self.make(batch)


def failure_rows(task: Task, failure: TaskFailure) -> list[dict[str, Any]]:
    """Error rows for the experiments of a task that was lost (its worker died more often than retried)."""
    lost = {"status": "error", "error": failure.error, "traceback": failure.traceback, "runtime": 0.0, "host": "",
            "pid": 0}  # fmt: skip
    rows = []
    for e in task.experiments:
        head = {"id": e.id, "point": e.point, "replication": e.replication, "mode": e.mode, "seed": e.seed}
        rows.append({**head, **{f"p:{p}": v for p, v in e.parameters}, **lost})
    return rows


def run_sweep(
    spec: SweepSpec,
    scenario: Scenario,
    out: str | Path,
    executor: Executor,
    resume: bool = False,
    progress: Progress | None = None,
    task_fn: Callable[[Task], list[dict[str, Any]]] = run_task,
    flush_rows: int = 1000,
    flush_seconds: float = 2.0,
) -> SweepReport:
    """Run every experiment of ``spec`` not yet in ``out`` and store its row (see the module docstring)."""
    start = time.perf_counter()
    total = count(spec)
    doc, key = scenario_document(scenario)
    store = ResultsStore.open(
        out, spec, total, resume, flush_rows, flush_seconds, row_schema(scenario, spec), provenance(key)
    )
    done = store.finished_ids() if resume else set()
    todo = (e for e in experiments(spec) if e.id not in done)

    def make(batch: tuple[Experiment, ...]) -> Task:
        return Task(key, doc, scenario.source, spec.simulation, batch)

    batches = _Batches(todo, make, spec.batch, executor.workers)
    tasks: dict[int, Task] = {}

    def remembered() -> Iterator[Task]:
        for i, task in enumerate(batches):
            tasks[i] = task
            yield task

    ran = failed = 0
    interrupted = False
    stream = executor.stream(task_fn, remembered())
    try:
        for i, result in stream:
            task = tasks.pop(i)
            rows = failure_rows(task, result) if isinstance(result, TaskFailure) else result
            batches.observe(rows)
            store.add(rows)
            ran += len(rows)
            failed += sum(r["status"] != "ok" for r in rows)
            if progress:
                progress(len(done) + ran, failed, total)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if hasattr(stream, "close"):
            stream.close()
        store.manifest["failed"] = store.manifest.get("failed", 0) + failed
        store.manifest["stored"] = len(done) + ran
        store.close("interrupted" if interrupted else "complete" if len(done) + ran >= total else "incomplete")
    return SweepReport(Path(out), total, len(done), ran, failed, time.perf_counter() - start, interrupted)
