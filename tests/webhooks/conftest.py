"""Helpers for the webhook connectors' tests: an `InboundTestContext` with the hub's FEEL, a
request sender, and one real HTTP server per session for what the webhooks fetch (JWK sets,
SNS certificates, SNS subscription URLs)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from connectorhub_sdk.inbound import InboundConnector, WebhookRequest, WebhookResponse
from connectorhub_sdk.inbound_testing import Answer, InboundTestContext, published

from connectors import feel
from tests.services.http_servers import RecordingServer

ENDPOINT = "https://hub.example.com/inbound/orders"


def evaluate(expression: str, variables: Mapping[str, Any]) -> Any:
    """The hub's FEEL, as the inbound runtime evaluates an element's expressions."""
    text = expression.strip()
    try:
        return feel.to_json(feel.evaluate(text[1:] if text.startswith("=") else text, variables))
    except feel.FeelError as exc:
        raise ValueError(str(exc)) from None


def inbound_context(
    properties: Mapping[str, Any], *, answer: Answer = published, **options: Any
) -> InboundTestContext:
    return InboundTestContext(properties, answer=answer, evaluate=evaluate, **options)


def send(
    connector: InboundConnector,
    context: InboundTestContext,
    *,
    method: str = "POST",
    body: bytes | str = b"",
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    url: str = ENDPOINT,
) -> WebhookResponse:
    """One request through CONNECTOR, as the runtime makes it: properties bound, lower-case
    header names."""
    request = WebhookRequest(
        method=method,
        path="/inbound/orders",
        headers={k.lower(): v for k, v in (headers or {}).items()},
        query=dict(query or {}),
        body=body.encode() if isinstance(body, str) else body,
        url=url,
    )
    result = connector.function(context.bind(connector.input), request, context)
    assert isinstance(result, WebhookResponse)
    return result


@pytest.fixture(scope="session")
def web_server() -> Iterator[RecordingServer]:
    with RecordingServer() as server:
        yield server


@pytest.fixture
def server(web_server: RecordingServer) -> Iterator[RecordingServer]:
    """The session's server with no routes and no recorded requests."""
    web_server.routes.clear()
    web_server.requests.clear()
    yield web_server


def assert_no_secret(secret: str, context: InboundTestContext, *seen: Any, caplog: Any) -> None:
    """SECRET is in no answer, activity line, exchange or log record."""
    texts = [repr(s) for s in seen]
    texts += [message for _, message in context.activity]
    texts += [repr(e) for e in context.exchanges]
    texts += [record.getMessage() for record in caplog.records]
    assert not [t for t in texts if secret in t]


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog
