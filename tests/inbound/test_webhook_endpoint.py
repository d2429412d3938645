"""The webhook endpoint over HTTP (Django's test client, with CSRF checks on, signed out): the
element's connector answers, the engine receives the event, and the runtime's part of the
answer holds: 404 for an unknown path, 413 over the size limit, 503 while the engine is
unreachable (then 2xx once it is back), 422 for an unmatched event the element does not
consume, 500 when the connector fails, and no secret in any answer or log line."""

from __future__ import annotations

import json
from typing import Any

import pytest
from connectorhub_sdk.inbound import InboundContext, WebhookRequest, WebhookResponse, webhook
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from connectors.inbound import activity, registry
from connectors.inbound.discovery import discover
from connectors.models import InboundActivity, InboundElement, SecretAuditEvent
from connectors.secrets.services import secret_create
from tests.inbound.conftest import ECHO, Camunda, EchoInput
from tests.inbound.processes import catch_event_process, start_event_process

pytestmark = [pytest.mark.zeebe, pytest.mark.django_db]


@pytest.fixture
def web() -> Client:
    return Client(enforce_csrf_checks=True)  # a webhook's sender has no CSRF token


def post(web: Client, path: str, body: Any, **headers: str) -> Any:
    return web.post(path, json.dumps(body), content_type="application/json", headers=headers)


def hook(path: str, **extra: str) -> dict[str, str]:
    return {"inbound.type": ECHO, "inbound.context": path, **extra}


def test_a_request_starts_the_process_and_gets_the_connectors_answer(
    camunda: Camunda, test_connectors: None, web: Client
) -> None:
    properties = hook("orders", resultExpression="={order: request.body, q: request.query}")
    camunda.deploy("o.bpmn", start_event_process("orders", properties))
    discover()

    answer = post(web, "/inbound/orders?source=shop&source=app", {"id": 7})
    assert answer.status_code == 202, answer.content
    assert answer.json()["outcome"] == "PROCESS_INSTANCE_CREATED"
    (instance,) = camunda.engine.instances.by_key.values()
    assert instance.variables == {"order": {"id": 7}, "q": {"source": "shop"}}  # the first

    # a connector's DOWN is shown on the Inbound page; the webhook still takes requests
    activity.set_health([InboundElement.objects.get().pk], up=False, reason="JWKS unreachable")
    assert post(web, "/inbound/orders/", {"id": 8}).status_code == 202  # a trailing slash too
    assert post(web, "/inbound/<default>/orders", {"id": 9}).status_code == 202  # tenant form
    assert post(web, "/inbound/other-tenant/orders", {"id": 9}).status_code == 404
    assert len(camunda.engine.instances.by_key) == 3


def test_an_unknown_path_is_404_with_a_json_reason(camunda: Camunda, web: Client) -> None:
    answer = post(web, "/inbound/nothing-here", {})
    assert answer.status_code == 404
    assert answer.json() == {"error": "no active inbound webhook at /inbound/nothing-here"}


def test_a_body_over_the_limit_is_refused(
    camunda: Camunda, test_connectors: None, web: Client, settings: Any
) -> None:
    settings.CONNECTORHUB_INBOUND_MAX_BODY_BYTES = 100
    camunda.deploy("o.bpmn", start_event_process("orders", hook("orders")))
    discover()
    answer = post(web, "/inbound/orders", {"text": "x" * 200})
    assert answer.status_code == 413
    assert answer.json() == {"error": "the request body is larger than 100 bytes"}
    assert camunda.engine.instances.by_key == {}


def test_while_the_engine_is_unreachable_the_sender_gets_503_then_2xx(
    camunda: Camunda, test_connectors: None, web: Client
) -> None:
    properties = hook("paid", correlationKeyExpression="=request.body.orderId")
    camunda.deploy("p.bpmn", catch_event_process("paid", "order-paid", {"wait": properties}))
    discover()

    camunda.down()
    lost = post(web, "/inbound/paid", {"orderId": "A1"})
    assert lost.status_code == 503  # the echo connector said 202: the runtime does not let it
    assert lost.json() == {
        "error": "ENGINE_ERROR",
        "message": "the event could not be handed to the process engine; send it again later",
    }  # the engine's address stays inside (the hub's log)
    assert "could not be reached after 2 attempts" in InboundActivity.objects.first().message

    camunda.up()
    delivered = post(web, "/inbound/paid", {"orderId": "A1"})
    assert delivered.status_code == 202
    (message,) = camunda.engine.messages.received
    assert (message.name, message.correlation_key) == ("order-paid", "A1")


@pytest.mark.parametrize(("consume", "status"), [(False, 422), (True, 202)])
def test_an_unmatched_event_is_answered_as_consume_unmatched_events_says(
    camunda: Camunda, test_connectors: None, web: Client, consume: bool, status: int
) -> None:
    properties = hook(
        "paid",
        correlationKeyExpression="=request.body.orderId",
        activationCondition='=request.body.state = "paid"',
        consumeUnmatchedEvents=str(consume).lower(),
    )
    camunda.deploy("p.bpmn", catch_event_process("paid", "order-paid", {"wait": properties}))
    discover()

    answer = post(web, "/inbound/paid", {"orderId": "A1", "state": "open"})
    assert answer.status_code == status
    outcome = answer.json().get("outcome") or answer.json().get("error")
    assert outcome == "ACTIVATION_CONDITION_NOT_MET"
    assert camunda.engine.messages.received == []
    assert post(web, "/inbound/paid", {"orderId": "A1", "state": "paid"}).status_code == 202


def test_secrets_reach_the_connector_and_never_an_answer_or_the_log(
    camunda: Camunda, test_connectors: None, web: Client, settings: Any
) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    secret_create(name="HOOK_TOKEN", value="s3cr3t-token-value")

    @webhook(type="test:leaky:1", name="Leaky (test)", input=EchoInput)
    def leaky(data: EchoInput, request: WebhookRequest, context: InboundContext) -> WebhookResponse:
        raise RuntimeError(f"cannot use token {data.inbound['token']}")

    registry.register(leaky)
    try:
        properties = hook("secured", **{"inbound.token": "{{secrets.HOOK_TOKEN}}"})
        camunda.deploy("s.bpmn", start_event_process("secured", properties))
        properties = {**hook("leaky"), "inbound.type": "test:leaky:1",
                      "inbound.token": "{{secrets.HOOK_TOKEN}}"}  # fmt: skip
        camunda.deploy("l.bpmn", start_event_process("leaky", properties))
        discover()

        refused = post(web, "/inbound/secured", {"a": 1}, x_token="wrong")
        assert refused.status_code == 401
        accepted = post(web, "/inbound/secured", {"a": 1}, x_token="s3cr3t-token-value")
        assert accepted.status_code == 202

        failed = post(web, "/inbound/leaky", {"a": 1})
        assert failed.status_code == 500
        assert b"s3cr3t" not in failed.content
        logged = list(InboundActivity.objects.values_list("message", flat=True))
        assert any("cannot use token ***" in line for line in logged), logged
        assert not any("s3cr3t" in line for line in logged)
        assert "s3cr3t" not in str(list(InboundElement.objects.values()))
        uses = SecretAuditEvent.objects.filter(action="use").values_list(
            "source", "job_type", "detail"
        )
        assert ("live", ECHO, "inbound secured/start") in list(uses)
    finally:
        registry.unregister("test:leaky:1")


def test_a_multipart_body_reaches_the_connector_byte_for_byte(
    camunda: Camunda, test_connectors: None, web: Client
) -> None:
    @webhook(type="test:raw:1", name="Raw (test)", input=EchoInput)
    def raw(data: EchoInput, request: WebhookRequest, context: InboundContext) -> WebhookResponse:
        # what a signature check over the exact bytes needs
        return WebhookResponse(200, {"type": request.headers["content-type"],
                                     "body": request.body.decode()})  # fmt: skip

    registry.register(raw)
    try:
        camunda.deploy(
            "r.bpmn", start_event_process("raw", {**hook("raw"), "inbound.type": "test:raw:1"})
        )
        discover()
        answer = web.post(
            "/inbound/raw", {"note": "hello", "file": SimpleUploadedFile("a.txt", b"A")}
        )
    finally:
        registry.unregister("test:raw:1")
    assert answer.status_code == 200, answer.content
    seen = answer.json()
    assert seen["type"].startswith("multipart/form-data; boundary=")
    assert 'name="note"\r\n\r\nhello\r\n' in seen["body"]
    assert 'filename="a.txt"' in seen["body"]
