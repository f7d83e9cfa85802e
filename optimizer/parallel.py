"""One executor interface, in-process or on Ray, for independent tasks (frontier points, coalition
values, site schedules, sweep experiments).

``executor("in-process")`` runs tasks one after the other in this process; ``executor("ray")`` sends
them to Ray: ``ray.init()`` with no address starts an embedded local cluster, ``address="auto"`` or
``"HOST:PORT"`` joins a running one. Ray is imported only here, when a Ray executor is made. Results
come back in the order of the inputs, whichever finishes first; at most ``2 × workers`` tasks are in
flight, so the driver's memory does not grow with the number of tasks; a task lost with its worker is
retried by Ray.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

from data.errors import InputError, problem

T = TypeVar("T")
R = TypeVar("R")
EXECUTORS = ("in-process", "ray")


class Executor(Protocol):
    name: str
    workers: int

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]: ...


class InProcessExecutor:
    name = "in-process"
    workers = 1

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return [fn(item) for item in items]


class RayExecutor:
    """Tasks on Ray (see the module docstring)."""

    name = "ray"

    def __init__(self, address: str | None = None, workers: int | None = None, max_retries: int = 3) -> None:
        import ray

        self._ray = ray
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if address is None and workers is not None:
                kwargs["num_cpus"] = workers
            ray.init(address=address, **kwargs)
        self.workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.max_retries = max_retries

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return list(dict(sorted(self._stream(fn, items))).values())

    def _stream(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        ray = self._ray
        remote = ray.remote(max_retries=self.max_retries, num_cpus=1)(fn)
        pending: dict[Any, int] = {}
        queue = list(enumerate(items))
        limit = 2 * self.workers
        while queue or pending:
            while queue and len(pending) < limit:
                i, item = queue.pop(0)
                pending[remote.remote(item)] = i
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                yield pending.pop(ref), ray.get(ref)


def executor(name: str = "in-process", address: str | None = None, workers: int | None = None) -> Executor:
    """An executor by name: ``in-process`` or ``ray``."""
    if name == "in-process":
        return InProcessExecutor()
    if name == "ray":
        return RayExecutor(address, workers)
    raise InputError([problem("--executor", f"must be one of {', '.join(EXECUTORS)}", name)])
