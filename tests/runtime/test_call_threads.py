"""Sync connector calls under a time limit run on reused threads; an abandoned call never holds
up the next job; run_job works from inside a running event loop."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from pydantic import BaseModel

from connectors.registry import Registry
from connectors.runtime import Completed, Failed, JobRequest, run_job
from connectors.sdk import JSON, ConnectorContext, connector


class WhereInput(BaseModel):
    """No input."""


seen: list[threading.Thread] = []


@connector(type="test:where:1", name="Where", input=WhereInput)
def where(data: WhereInput, context: ConnectorContext) -> JSON:
    seen.append(threading.current_thread())
    return threading.current_thread().name


def test_threads_are_reused_between_calls(provider: Any) -> None:
    registry = Registry()
    registry.register(where, "builtin:tests.runtime")
    seen.clear()
    for _ in range(20):
        job = JobRequest("test:where:1", {}, {"resultVariable": "r"})
        outcome = run_job(job, secrets=provider, registry=registry, time_limit=5)
        assert isinstance(outcome, Completed) and outcome.variables == {"r": "connector-call"}
    assert len(set(seen)) == 1  # sequential calls: one thread, kept
    assert seen[0] is not threading.main_thread()


def test_an_abandoned_call_does_not_delay_the_next_jobs(run: Any) -> None:
    started = time.perf_counter()
    stuck = [run({"sleep": 5}, {}, time_limit=0.05) for _ in range(12)]
    assert all(isinstance(o, Failed) and "time limit" in o.message for o in stuck)
    outcome = run({"respond": {"a": 1}}, {"resultVariable": "r"}, time_limit=10)
    assert isinstance(outcome, Completed) and outcome.variables == {"r": {"a": 1}}
    # done while the abandoned calls still sleep: it did not wait for a thread of theirs
    assert time.perf_counter() - started < 5


def test_the_connector_exception_reaches_the_outcome(run: Any) -> None:
    outcome = run({"crash": "boom"}, {}, time_limit=5)
    assert isinstance(outcome, Failed)
    assert outcome.variables == {"error": {"type": "RuntimeError", "message": "boom"}}


@pytest.mark.parametrize("job_type", ["test:fake:1", "test:fake-async:1"])
@pytest.mark.parametrize("time_limit", [None, 5.0])
def test_run_job_inside_a_running_event_loop(
    registry: Registry, provider: Any, job_type: str, time_limit: float | None
) -> None:
    async def main() -> Any:
        job = JobRequest(job_type, {"respond": [1, 2]}, {"resultVariable": "r"})
        return run_job(job, secrets=provider, registry=registry, time_limit=time_limit)

    outcome = asyncio.run(main())
    assert isinstance(outcome, Completed) and outcome.variables == {"r": [1, 2]}


class PromiseInput(BaseModel):
    """How long to take, and whether to raise at the end."""

    sleep: float = 0.0
    crash: bool = False


def _promise(data: PromiseInput, context: ConnectorContext) -> JSON:
    time.sleep(data.sleep)
    if data.crash:
        raise RuntimeError("own failure")
    return threading.current_thread().name


_promise.ends_by_deadline = True  # type: ignore[attr-defined]
promise = connector(type="test:promise:1", name="Promise", input=PromiseInput)(_promise)


@pytest.fixture
def promising(provider: Any) -> Any:
    registry = Registry()
    registry.register(promise, "builtin:tests.runtime")

    def run(variables: dict[str, Any], time_limit: float | None) -> Any:
        job = JobRequest("test:promise:1", variables, {"resultVariable": "r"})
        return run_job(job, secrets=provider, registry=registry, time_limit=time_limit)

    return run


def test_a_function_that_ends_by_its_deadline_runs_in_the_calling_thread(promising: Any) -> None:
    outcome = promising({}, 5.0)
    assert isinstance(outcome, Completed)
    assert outcome.variables == {"r": threading.current_thread().name}


@pytest.mark.parametrize("crash", [False, True])
def test_what_it_returns_or_raises_after_the_deadline_is_the_time_limit_failure(
    promising: Any, crash: bool
) -> None:
    outcome = promising({"sleep": 0.15, "crash": crash}, 0.05)
    assert isinstance(outcome, Failed)
    assert outcome.message.startswith(
        "The connector did not finish within its time limit of 0.05 s"
    )
    assert outcome.retries == 2


def test_its_own_failure_before_the_deadline_stays_its_own(promising: Any) -> None:
    outcome = promising({"crash": True}, 5.0)
    assert isinstance(outcome, Failed)
    assert outcome.message.startswith("own failure | ")
