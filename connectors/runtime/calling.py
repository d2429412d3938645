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
until it returns, and an async one is cancelled. The executor's threads are daemon threads, so
an abandoned call does not hold up the process's exit (a `dryrun` command, a worker stopping):
concurrent.futures' ThreadPoolExecutor joins its threads at exit, which would wait for the call
to return, possibly for ever. The executor is sized for the live worker's
concurrency (`configure_call_threads`): asyncio's default pool has min(32, cpus + 4) threads,
which caps a worker whose sync connectors wait on the network at a few jobs at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import queue
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Executor, Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, ParamSpec, TypeAlias, TypeVar

from .errors import CallTimeout, call_timeout

DEFAULT_CALL_THREADS = 128
# set to True on a connector function by `connectors.builtin.http.deadline.ends_by_deadline`
ENDS_BY_DEADLINE = "ends_by_deadline"
# (the time by which the call must end, the clock that reads it); None without a limit
Deadline: TypeAlias = tuple[float, Callable[[], float]] | None
P = ParamSpec("P")
T = TypeVar("T")


class DaemonThreadPool(Executor):
    """At most SIZE daemon threads, started when no idle one is waiting and then reused (as
    ThreadPoolExecutor does); calls wait in a queue while all are busy."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._started = 0
        self._idle = threading.Semaphore(0)
        self._work: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None]
        self._work = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new calls after shutdown")
            self._work.put((future, functools.partial(fn, *args, **kwargs)))
            if not self._idle.acquire(blocking=False) and self._started < self._size:
                name = f"connector-call_{self._started}"
                threading.Thread(target=self._serve, name=name, daemon=True).start()
                self._started += 1
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Threads end once the queued calls are done (WAIT and CANCEL_FUTURES: not needed)."""
        with self._lock:
            self._closed = True
            for _ in range(self._started):
                self._work.put(None)

    def _serve(self) -> None:
        while (item := self._work.get()) is not None:
            future, call = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(call())
                except BaseException as exc:  # the caller's future carries it, as in the pool
                    future.set_exception(exc)
            del item, future, call  # hold nothing of a finished call while waiting for the next
            self._idle.release()


_lock = threading.Lock()
_threads = DEFAULT_CALL_THREADS
_executor: DaemonThreadPool | None = None


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


def _pool() -> DaemonThreadPool:
    global _executor
    with _lock:
        if _executor is None:
            # threads start on demand and are reused; an abandoned call keeps only its own
            _executor = DaemonThreadPool(_threads)
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
