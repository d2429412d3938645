"""The time limit bounds the connector call, for sync and async functions, in both entry points."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from connectors.registry import Registry
from connectors.runtime import Completed, Failed, JobRequest, run_job_async

from .conftest import SECRETS


@pytest.mark.parametrize("job_type", ["test:fake:1", "test:fake-async:1"])
def test_overrunning_call_fails_with_retries_minus_one(run: Any, job_type: str) -> None:
    started = time.perf_counter()
    outcome = run({"sleep": 2, "respond": 1}, {"retryBackoff": "PT1S"}, job_type=job_type,
                  time_limit=0.2)  # fmt: skip
    assert time.perf_counter() - started < 2  # the limit ended the call, not the 2 s sleep
    assert isinstance(outcome, Failed)
    assert (outcome.retries, outcome.message.split(" | ")[0]) == (
        2,
        "The connector did not finish within its time limit of 0.2 s",
    )
    assert outcome.variables is not None
    assert outcome.variables["error"]["type"] == "java.util.concurrent.TimeoutException"


@pytest.mark.parametrize("job_type", ["test:fake:1", "test:fake-async:1"])
def test_call_within_the_limit_completes(run: Any, job_type: str) -> None:
    outcome = run({"sleep": 0.01, "respond": {"a": 1}}, {"resultVariable": "r"},
                  job_type=job_type, time_limit=5)  # fmt: skip
    assert isinstance(outcome, Completed) and outcome.variables == {"r": {"a": 1}}


def test_error_expression_can_map_a_timeout(run: Any) -> None:
    outcome = run(
        {"sleep": 1},
        {"errorExpression": 'if error.type = "java.util.concurrent.TimeoutException" '
         'then jobError("slow", {}, 1, @"PT10S") else null'},
        time_limit=0.05,
    )  # fmt: skip
    assert isinstance(outcome, Failed) and outcome.retries == 1


@pytest.mark.parametrize("job_type", ["test:fake:1", "test:fake-async:1"])
def test_async_entry_point(registry: Registry, provider: Any, job_type: str) -> None:
    async def main() -> tuple[Any, Any]:
        quick = JobRequest(job_type, {"respond": "{{secrets.TOKEN}}"}, {"resultVariable": "r"})
        slow = JobRequest(job_type, {"sleep": 2}, {})
        return await asyncio.gather(
            run_job_async(quick, secrets=provider, registry=registry, time_limit=1),
            run_job_async(slow, secrets=provider, registry=registry, time_limit=0.1),
        )

    quick, slow = asyncio.run(main())
    assert isinstance(quick, Completed) and quick.variables == {"r": SECRETS["TOKEN"]}
    assert isinstance(slow, Failed) and "time limit of 0.1 s" in slow.message


def test_connector_raising_timeout_itself_is_its_own_failure(
    registry: Registry, provider: Any
) -> None:
    # a TimeoutError from the connector (e.g. a socket timeout) is not our time limit
    async def main() -> Any:
        job = JobRequest("test:fake-async:1", {"crash": "timeout: read timed out"}, {})
        return await run_job_async(job, secrets=provider, registry=registry, time_limit=5)

    outcome = asyncio.run(main())
    assert isinstance(outcome, Failed)
    assert outcome.message.startswith("timeout: read timed out | Error variables: ")
    assert outcome.variables == {
        "error": {"type": "TimeoutError", "message": "timeout: read timed out"}
    }
