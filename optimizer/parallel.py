"""One executor interface, in-process or on Ray, for independent tasks (frontier points, coalition
values, site schedules, sweep experiments).

:class:`InProcessExecutor` runs tasks one after the other in this process; :class:`RayExecutor` sends
them to Ray: with no address an embedded local cluster is started (``ray.init(address="local")``, so a
stale or running ``ray start`` cluster on this machine is never joined by accident), ``address="auto"``
or ``"HOST:PORT"`` joins a running one. Ray is imported only here, when a Ray executor is made.
:func:`choose_executor` is the one place that picks between them from the API's ``ray`` / ``address``.

``map`` returns results in the order of the inputs and raises the first task error. ``stream`` takes any
iterable (consumed lazily) and yields ``(index, result)`` as tasks finish, a failed task as
``(index, TaskFailure)``: a sweep records it and goes on. At most ``2 × workers`` tasks are in flight, so
the driver's memory does not grow with the number of tasks; a task lost with its worker or node is
retried by Ray (``max_retries``); closing the stream cancels what is still in flight.
"""

from __future__ import annotations

import itertools
import os
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from winwin.data.errors import InputError, problem

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class TaskFailure:
    """A task that raised (or whose worker was lost more often than retried): the error, never ``None``."""

    error: str
    traceback: str

    @classmethod
    def of(cls, exc: BaseException) -> TaskFailure:
        return cls(f"{type(exc).__name__}: {exc}", "".join(traceback.format_exception(exc)))


class Executor(Protocol):
    name: str
    workers: int

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]: ...

    def stream(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[int, R | TaskFailure]]: ...


class InProcessExecutor:
    name = "in-process"
    workers = 1

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return [fn(item) for item in items]

    def stream(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[int, R | TaskFailure]]:
        for i, item in enumerate(items):
            try:
                result: R | TaskFailure = fn(item)
            except Exception as exc:  # one failed task never stops the others
                result = TaskFailure.of(exc)
            yield i, result


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
            _connect(ray, address, kwargs)
        self.workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.max_retries = max_retries

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return list(dict(sorted(self._run(fn, items, raise_errors=True))).values())  # type: ignore[arg-type]

    def stream(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[int, R | TaskFailure]]:
        return self._run(fn, items, raise_errors=False)

    def _run(
        self, fn: Callable[[T], R], items: Iterable[T], raise_errors: bool
    ) -> Iterator[tuple[int, R | TaskFailure]]:
        ray = self._ray
        remote = ray.remote(max_retries=self.max_retries, retry_exceptions=False, num_cpus=1)(_apply)
        fn_ref = ray.put(fn)  # shipped once, whatever callable it is (a function, a partial, …)
        pending: dict[Any, int] = {}
        queue = enumerate(items)
        limit = 2 * self.workers
        try:
            while True:
                for i, item in itertools.islice(queue, max(limit - len(pending), 0)):
                    pending[remote.remote(fn_ref, item)] = i
                if not pending:
                    return
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    i = pending.pop(ref)
                    try:
                        result: R | TaskFailure = ray.get(ref)
                    except Exception as exc:
                        if raise_errors:
                            raise
                        result = TaskFailure.of(exc)
                    yield i, result
        finally:
            for ref in pending:  # the stream was closed early (an error, Ctrl-C): stop the rest
                ray.cancel(ref, force=False)


def _connect(ray: Any, address: str | None, kwargs: dict[str, Any]) -> None:
    """``ray.init``, joining ``address`` when given; a cluster that cannot be reached is bad input naming
    ``--address``.

    ``ray start`` turns token authentication on when a token exists (``~/.ray/auth_token``), but Ray's
    driver only sends the token by itself for ``auto``. For an address on this machine the token never
    leaves it, so it is sent the same way; a remote cluster needs ``RAY_AUTH_MODE=token`` set explicitly.
    """
    if address not in (None, "auto") and "RAY_AUTH_MODE" not in os.environ and _is_this_machine(address):
        from ray._private.authentication.authentication_token_setup import (
            maybe_enable_token_auth_if_token_available,
        )

        maybe_enable_token_auth_if_token_available(warn_if_disabled=False)
    try:
        ray.init(address=address or "local", **kwargs)
    except (ConnectionError, RuntimeError, ray.exceptions.RayError) as exc:
        hint = "" if os.environ.get("RAY_AUTH_MODE") else "; if it uses token authentication, set RAY_AUTH_MODE=token"
        raise InputError([problem("address", f"cannot join a Ray cluster there ({exc}{hint})", address)]) from None


def _is_this_machine(address: str) -> bool:
    import socket

    host = address.rsplit(":", 1)[0].removeprefix("ray://")
    try:
        wanted = socket.gethostbyname(host)
        own = set(socket.gethostbyname_ex(socket.gethostname())[2])
    except OSError:
        return False
    from ray.util import get_node_ip_address

    return wanted.startswith("127.") or wanted in own | {get_node_ip_address()}


def _apply(fn: Callable[[T], R], item: T) -> R:
    return fn(item)


def choose_executor(ray: bool = False, address: str | None = None, workers: int | None = None) -> Executor:
    """The one executor choice of the API: in this process unless Ray is asked for (``ray``, or the
    ``address`` of a cluster to join); ``workers`` sizes a local Ray cluster."""
    if workers is not None and workers < 1:
        raise InputError([problem("workers", "at least 1", workers)])
    if not (ray or address):
        if workers is not None:
            raise InputError([problem("workers", "sizes a Ray cluster: ask for Ray too", workers)])
        return InProcessExecutor()
    return RayExecutor(address, workers)
