"""Connectors the runtime tests drive: an HTTP-like `fake` connector whose behaviour the input
chooses (a response, a coded error with variables, a plain exception, a slow call), in a sync
and an async version, and a registry holding them."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from connectorhub_sdk import JSON, ConnectorContext, ConnectorError, ConnectorRetryError, connector
from pydantic import BaseModel, Field

from connectors.registry import Registry
from connectors.runtime import JobRequest, Outcome, run_job
from connectors.secrets.providers import MappingSecretProvider

SECRETS = {"TOKEN": "tok-123-secret", "USER": "ada-user"}


class FakeInput(BaseModel):
    """What the fake connector should do."""

    respond: JSON = Field(default=None, description="Returned as the result")
    error_code: str | None = None
    error_message: str = "failed"
    error_variables: dict[str, Any] | None = None
    crash: str | None = Field(default=None, description="Raise RuntimeError with this text")
    retry_with: int | None = None
    sleep: float = 0.0
    log: str | None = None


def _act(data: FakeInput, context: ConnectorContext) -> JSON:
    if data.log:
        context.logger.info("calling with %s", data.log)
    if data.crash is not None:
        error = TimeoutError if data.crash.startswith("timeout") else RuntimeError
        raise error(data.crash)
    if data.retry_with is not None:
        raise ConnectorRetryError(data.error_message, code=data.error_code, retries=data.retry_with)
    if data.error_code is not None:
        raise ConnectorError(data.error_code, data.error_message, data.error_variables)
    return data.respond


@connector(type="test:fake:1", name="Fake", input=FakeInput)
def fake(data: FakeInput, context: ConnectorContext) -> JSON:
    if data.sleep:
        time.sleep(data.sleep)
    return _act(data, context)


@connector(type="test:fake-async:1", name="Fake (async)", input=FakeInput)
async def fake_async(data: FakeInput, context: ConnectorContext) -> JSON:
    if data.sleep:
        await asyncio.sleep(data.sleep)
    return _act(data, context)


class GreetInput(BaseModel):
    name: str = Field(min_length=1)
    times: int = 1


@connector(type="test:greet:1", name="Greet", input=GreetInput)
def greet(data: GreetInput, context: ConnectorContext) -> JSON:
    return {"greeting": " ".join([f"hello {data.name}"] * data.times)}


@pytest.fixture(scope="session")
def registry() -> Registry:
    registry = Registry()
    for item in (fake, fake_async, greet):
        registry.register(item, "builtin:tests.runtime")
    return registry


@pytest.fixture(scope="session")
def provider() -> MappingSecretProvider:
    return MappingSecretProvider(SECRETS)


@pytest.fixture
def run(registry: Registry, provider: MappingSecretProvider) -> Any:
    """run(variables, headers, job_type=..., retries=3, **options) -> Outcome"""

    def _run(
        variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        *,
        job_type: str = "test:fake:1",
        retries: int = 3,
        **options: Any,
    ) -> Outcome:
        job = JobRequest(job_type, variables or {}, headers or {}, retries=retries)
        return run_job(job, secrets=provider, registry=registry, **options)

    return _run
