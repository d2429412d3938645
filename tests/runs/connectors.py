"""Connectors the dry-run tests drive, registered in the test process through a test registry
and in the Celery worker through an entry point (tests/services/celery_worker.py, TEST_PLUGINS).

- `test:http:1` calls a URL like Camunda's REST connector: the response as `{status, headers,
  body}`, an HTTP error as a ConnectorError whose code is the status and whose variables hold
  `response: {headers, body}`; it records the exchange for the run page.
- `test:echo:1` returns and logs its input; like the no-op it declares `accepts_secrets=False`.
- `test:crash:1` kills the process it runs in, unless that is the test process itself.
- `test:hang:1` blocks its worker process past the soft time limit, ignoring it.
- `test:plan:1` answers with a job result (an ad-hoc sub-process element to activate).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from typing import Literal

import httpx
from connectorhub_sdk import (
    JSON,
    AdHocSubProcessResult,
    ConnectorContext,
    ConnectorError,
    ConnectorResponse,
    ElementActivation,
    HttpExchange,
    connector,
)
from pydantic import BaseModel, Field


class HttpInput(BaseModel):
    url: str = Field(description="Where to send the request")
    method: Literal["GET", "POST"] = Field(default="GET", description="HTTP method")
    body: str | None = Field(default=None, description="Request body (JSON text)")
    token: str | None = Field(default=None, description="Bearer token")


@connector(type="test:http:1", name="Test HTTP", input=HttpInput)
def http_call(data: HttpInput, context: ConnectorContext) -> JSON:
    url = httpx.URL(data.url)
    context.check_egress(f"{url.host}:{url.port}" if url.port else url.host)
    headers = {"Content-Type": "application/json"}
    if data.token:
        headers["Authorization"] = f"Bearer {data.token}"
    started = time.perf_counter()
    response = httpx.request(data.method, url, headers=headers, content=data.body, timeout=5)
    body: JSON
    try:
        body = response.json()
    except ValueError:
        body = response.text
    context.exchanges.record(
        HttpExchange(
            method=data.method,
            url=str(url),
            request_headers=headers,
            request_body=data.body,
            status=response.status_code,
            response_headers=dict(response.headers),
            response_body=response.text,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
        )
    )
    context.logger.info("%s %s -> %s", data.method, url, response.status_code)
    if response.status_code >= 400:
        raise ConnectorError(
            str(response.status_code),
            response.reason_phrase,
            {"response": {"headers": dict(response.headers), "body": body}},
        )
    return {"status": response.status_code, "headers": dict(response.headers), "body": body}


class EchoInput(BaseModel):
    text: str = Field(description="Returned, logged and raised")
    fail: bool = Field(default=False, description="Raise an error carrying the text")


# It hands its input back, so it declares that it takes no secrets (dry-runs refuse them).
@connector(type="test:echo:1", name="Test echo", input=EchoInput, accepts_secrets=False)
def echo(data: EchoInput, context: ConnectorContext) -> JSON:
    context.logger.info("echoing %s", data.text)
    if data.fail:
        raise ConnectorError("ECHO", f"failed with {data.text}", {"text": data.text})
    return {"text": data.text, "json": json.dumps({"t": data.text})}


class CrashInput(BaseModel):
    spare_pid: int = Field(description="The process that must not be killed (the tests')")


@connector(type="test:crash:1", name="Test crash", input=CrashInput)
def crash(data: CrashInput, context: ConnectorContext) -> JSON:
    if os.getpid() != data.spare_pid:
        os.kill(os.getpid(), signal.SIGKILL)
    return {"spared": True}


class HangInput(BaseModel):
    seconds: float = Field(default=30, description="How long to block")


@connector(type="test:hang:1", name="Test hang", input=HangInput)
async def hang(data: HangInput, context: ConnectorContext) -> JSON:
    # time.sleep blocks the event loop, so the runtime's own limit cannot fire; the Celery
    # soft limit's exception is swallowed, so only the hard limit ends it.
    deadline = time.monotonic() + data.seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(BaseException):  # the soft limit's exception, too
            time.sleep(0.05)
    await asyncio.sleep(0)
    return {"hung": data.seconds}


class PlanInput(BaseModel):
    element: str = Field(description="The ad-hoc sub-process element to activate")


@connector(type="test:plan:1", name="Test plan", input=PlanInput, accepts_secrets=False)
def plan(data: PlanInput, context: ConnectorContext) -> ConnectorResponse:
    """Answers with a job result, as an AI agent in an ad-hoc sub-process does."""
    activation = ElementActivation(data.element, {"orderId": 7})
    return ConnectorResponse({"chose": data.element}, AdHocSubProcessResult([activation]))


ALL = [http_call, echo, crash, hang, plan]
