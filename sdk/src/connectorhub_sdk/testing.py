"""Run a connector in a test the way the hub's runtime does (Camunda's `connector-test`
module plays the same part for Java connectors).

    from connectorhub_sdk.testing import run_connector

    def test_greets():
        assert run_connector(greet, {"name": "Ada"}) == {"text": "Hello Ada"}
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import re
import threading
import time
from collections.abc import Collection, Mapping
from datetime import timedelta
from typing import Any

from connectorhub_sdk.binding import bind_input
from connectorhub_sdk.context import JSON, ConnectorContext
from connectorhub_sdk.declaration import OutboundConnector
from connectorhub_sdk.documents import DocumentStore, InMemoryDocumentStore
from connectorhub_sdk.errors import ConnectorInputError, EgressDenied
from connectorhub_sdk.references import replace_references

JOB_TIMEOUT = "jobTimeout"
MASK = "***"
# Java's Duration.parse for the forms a jobTimeout header takes: days, hours, minutes, seconds
_DURATION = re.compile(
    r"P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?",
    re.IGNORECASE,
)


def run_connector(
    connector: OutboundConnector,
    variables: Mapping[str, Any],
    headers: Mapping[str, str] | None = None,
    secrets: Mapping[str, str] | None = None,
    *,
    time_limit: float | timedelta | None = None,
    allow_hosts: Collection[str] | None = None,
    documents: DocumentStore | None = None,
) -> JSON:
    """Call CONNECTOR with the job's VARIABLES and custom HEADERS; return what it returned.

    As the hub does, `{{secrets.NAME}}` and `secrets.NAME` references in VARIABLES are filled
    in from SECRETS (an unknown name is a ConnectorInputError), the variables are bound with
    `bind_input` (an InputBindingError names the field), and the function is called, sync in a
    thread or async on an event loop, with a time limit: TIME_LIMIT (seconds or a timedelta),
    else the `jobTimeout` header (an ISO-8601 duration), else none. A call that outlives it
    raises TimeoutError. What the connector raises (ConnectorError, ConnectorInputError, ...)
    is raised unchanged. A `ConnectorResponse` (a response with a job result) is returned as
    it is.

    ALLOW_HOSTS, when given, is the only hosts `context.check_egress(host)` lets through
    (`api.example.com`, `*.example.com`); others raise EgressDenied, as a secret's host rule
    does in the hub. None lets every host through.

    DOCUMENTS is the store behind `context.documents`; by default a fresh
    `InMemoryDocumentStore`. Pass your own to put documents in before the call (their
    references go in VARIABLES) or to read what the connector created after it.

    Result and error expressions (`resultExpression`, `errorExpression`, `resultVariable`) are
    FEEL and belong to the hub's runtime: they are not applied here.
    """
    headers = dict(headers or {})
    used: dict[str, str] = {}
    resolved = replace_references(dict(variables), _lookup(secrets or {}, used))
    data = bind_input(connector, resolved, typed=variables)
    limit = _time_limit(time_limit, headers)
    context = ConnectorContext(
        job_type=connector.type,
        headers=headers,
        logger=logging.getLogger(f"connectorhub.connectors.{connector.type}"),
        deadline=None if limit is None else time.monotonic() + limit,
        clock=time.monotonic,
        egress_rule=_egress_rule(allow_hosts),
        redact=_redactor(used.values()),
        document_store=documents if documents is not None else InMemoryDocumentStore(),
    )
    if connector.is_async:
        return asyncio.run(_call_async(connector, data, context, limit))
    return _call_sync(connector, data, context, limit)


def _lookup(secrets: Mapping[str, str], used: dict[str, str]) -> Any:
    def lookup(name: str) -> str:
        if name not in secrets:
            raise ConnectorInputError(
                f"Secret '{name}' is referenced in the variables but not given in `secrets`"
            )
        used[name] = secrets[name]
        return secrets[name]

    return lookup


def _time_limit(time_limit: float | timedelta | None, headers: Mapping[str, str]) -> float | None:
    """Seconds the call may take, or None for no limit."""
    if isinstance(time_limit, timedelta):
        return time_limit.total_seconds()
    if time_limit is not None:
        return float(time_limit)
    text = headers.get(JOB_TIMEOUT)
    if not text:
        return None
    match = _DURATION.fullmatch(text.strip())
    if match is None or not any(match.groupdict().values()):
        raise ConnectorInputError(
            f"must be an ISO-8601 duration such as PT30S, got: {text}", field=JOB_TIMEOUT
        )
    parts = {key: float(value) for key, value in match.groupdict().items() if value}
    seconds = timedelta(**parts).total_seconds()
    if seconds <= 0:
        raise ConnectorInputError(f"must be a positive duration, got: {text}", field=JOB_TIMEOUT)
    return seconds


def _egress_rule(allow_hosts: Collection[str] | None) -> Any:
    if allow_hosts is None:
        return lambda host: None
    allowed = [pattern.lower() for pattern in allow_hosts]

    def check(host: str) -> None:
        name = host.lower().rsplit(":", 1)[0] if host.count(":") == 1 else host.lower()
        for pattern in allowed:
            if pattern == name or pattern == host.lower():
                return
            if pattern.startswith("*.") and name.endswith(pattern[1:]):
                return
        raise EgressDenied(f"may not connect to {host}; allowed: {', '.join(allow_hosts)}")

    return check


def _redactor(values: Collection[str]) -> Any:
    def redact(text: str) -> str:
        for value in sorted(set(values), key=len, reverse=True):
            if value:
                text = text.replace(value, MASK)
        return text

    return redact


def _call_sync(
    connector: OutboundConnector, data: Any, context: ConnectorContext, limit: float | None
) -> JSON:
    if limit is None:
        return connector.function(data, context)
    # Like the hub, a call that outlives its limit is abandoned: its thread is left to finish.
    # A daemon thread, so that it does not hold up the test process's exit (the threads of a
    # concurrent.futures executor are joined at exit, for as long as the call takes).
    future: concurrent.futures.Future[JSON] = concurrent.futures.Future()

    def call() -> None:
        try:
            future.set_result(connector.function(data, context))
        except BaseException as exc:  # raised to the caller below
            future.set_exception(exc)

    threading.Thread(target=call, name=f"run_connector {connector.type}", daemon=True).start()
    done, _ = concurrent.futures.wait([future], timeout=limit)
    if not done:
        raise TimeoutError(f"{connector.type} did not finish within {limit:g} s")
    return future.result()


async def _call_async(
    connector: OutboundConnector, data: Any, context: ConnectorContext, limit: float | None
) -> JSON:
    task = asyncio.ensure_future(connector.function(data, context))
    done, _ = await asyncio.wait({task}, timeout=limit)
    if not done:
        task.cancel()
        raise TimeoutError(f"{connector.type} did not finish within {limit:g} s")
    return task.result()


__all__ = ["run_connector"]
