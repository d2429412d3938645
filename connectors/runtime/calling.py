"""Calling the connector function with a time limit: one way per entry point.

Camunda has no counterpart inside its runtime (the job worker calls
`io.camunda.connector.api.outbound.OutboundConnectorFunction#execute` on its own executor and
Zeebe's job timeout reassigns a job that takes too long); the limit is ours (docs/runtime.md).

- `call_sync` (run_job: the Celery dry-run): an async function runs on a private event loop
  (`asyncio.run`), a sync one on the runtime's executor, waited for at most the time limit;
  a sync function marked `ends_by_deadline` (its every blocking step ends by the context's
  deadline: the HTTP connectors) runs on the calling thread, the deadline its time limit.
- `call_async` (run_job_async: the live worker): an async function runs on the caller's loop,
  a sync one on the same executor through `loop.run_in_executor`; `asyncio.wait` bounds both.

A call that overruns is abandoned: Python cannot stop a thread, so it keeps its executor thread
until it returns, and an async one is cancelled. The executor is sized for the live worker's
concurrency (`configure_call_threads`): asyncio's default pool has min(32, cpus + 4) threads,
which caps a worker whose sync connectors wait on the network at a few jobs at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeAlias

from .errors import CallTimeout, call_timeout

DEFAULT_CALL_THREADS = 128
# set to True on a connector function by `connectors.builtin.http.deadline.ends_by_deadline`
ENDS_BY_DEADLINE = "ends_by_deadline"
# (the time by which the call must end, the clock that reads it); None without a limit
Deadline: TypeAlias = tuple[float, Callable[[], float]] | None

_lock = threading.Lock()
_threads = DEFAULT_CALL_THREADS
_executor: ThreadPoolExecutor | None = None


def configure_call_threads(threads: int) -> None:
    """Size the executor that runs sync connector functions (at most THREADS at a time; the
    live worker passes its job concurrency plus room for calls abandoned at their limit).
    Calls already running finish on the executor they started on."""
    if threads < 1:
        raise ValueError(f"call threads must be at least 1, got {threads}")
    global _threads, _executor
    with _lock:
        old, _executor, _threads = _executor, None, threads
    if old is not None:
        old.shutdown(wait=False)


def call_threads() -> int:
    """The executor's size (configure_call_threads)."""
    return _threads


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            # threads start on demand and are reused; an abandoned call keeps only its own
            _executor = ThreadPoolExecutor(_threads, thread_name_prefix="connector-call")
        return _executor


def call_sync(
    function: Callable[..., Any],
    is_async: bool,
    args: tuple[Any, ...],
    time_limit: float | None,
    deadline: Deadline = None,
) -> Any:
    """FUNCTION(*ARGS)'s value, or CallTimeout after TIME_LIMIT seconds (None: no limit)."""
    with _by_deadline(time_limit, deadline):
        if is_async:
            return _run_coroutine(lambda: function(*args), time_limit)
        if getattr(function, ENDS_BY_DEADLINE, False):
            # Every blocking step of it ends by the context's deadline (the HTTP connectors:
            # builtin/http/deadline.py), which is then the call's one time limit; a thread of
            # its own would add only a hop, two wake-ups around every request (about 70 us,
            # the REST bench's whole margin: docs/performance.md).
            return function(*args)
        future = _pool().submit(contextvars.copy_context().run, function, *args)
        try:
            return future.result(timeout=time_limit)
        except FutureTimeout:
            future.cancel()  # not started yet (every thread busy): it never will be
            raise call_timeout(time_limit) from None


async def call_async(
    function: Callable[..., Any],
    is_async: bool,
    args: tuple[Any, ...],
    time_limit: float | None,
    deadline: Deadline = None,
) -> Any:
    """call_sync for a caller on an event loop: async functions run on that loop."""
    with _by_deadline(time_limit, deadline):
        if is_async:
            return await _bounded(function(*args), time_limit)
        loop = asyncio.get_running_loop()
        # the context is copied, as asyncio.to_thread does
        call = functools.partial(contextvars.copy_context().run, function, *args)
        return await _bounded(loop.run_in_executor(_pool(), call), time_limit)


@contextlib.contextmanager
def _by_deadline(time_limit: float | None, deadline: Deadline) -> Iterator[None]:
    """Whatever the call returns or raises at or after its DEADLINE (the context's, with its
    clock) is the time-limit failure: a function that watches the deadline itself (the HTTP
    client caps every socket operation by it) ends with its own error a moment before our
    wait would, and which one wins must not be a race."""
    try:
        yield
    except CallTimeout:
        raise
    except Exception:
        if deadline is not None and deadline[1]() >= deadline[0]:
            raise call_timeout(time_limit) from None
        raise
    if deadline is not None and deadline[1]() >= deadline[0]:
        raise call_timeout(time_limit)


async def _bounded(awaitable: Awaitable[Any], time_limit: float | None) -> Any:
    """Await with a time limit; unlike wait_for, a TimeoutError the connector raises itself
    stays its own failure."""
    task = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({task}, timeout=time_limit)
    if not done:
        task.cancel()
        raise call_timeout(time_limit)
    return task.result()


def _run_coroutine(make: Callable[[], Awaitable[Any]], time_limit: float | None) -> Any:
    async def bounded() -> Any:
        return await _bounded(make(), time_limit)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(bounded())
    # called from inside an event loop (e.g. an async view): asyncio.run refuses to run there,
    # so the private loop runs on an executor thread (bounded() applies the time limit)
    return _pool().submit(asyncio.run, bounded()).result()
