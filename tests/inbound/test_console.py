"""The test console of webhook elements over HTTP (Django's test client, signed in), with the
generic webhook connector (io.camunda:webhook:1) on processes deployed to the REST test engine:
each step is shown, a dry run leaves the engine untouched, live mode correlates for real, a
curl command is read (or refused naming the problem) and no secret reaches the page."""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.test import Client
from django.urls import reverse

from connectors.inbound.discovery import discover
from connectors.models import InboundActivity, InboundElement, SecretAuditEvent
from connectors.secrets.services import secret_create
from tests.inbound.conftest import Camunda
from tests.inbound.processes import catch_event_process, start_event_process

pytestmark = [pytest.mark.zeebe, pytest.mark.django_db]

SECRET = "console-hmac-s3cret"
WEBHOOK = "io.camunda:webhook:1"


@pytest.fixture
def hmac_secret(settings: Any) -> str:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    secret_create(name="HOOK_HMAC", value=SECRET)
    return "{{secrets.HOOK_HMAC}}"


def webhook(context: str, **extra: str) -> dict[str, str]:
    return {"inbound.type": WEBHOOK, "inbound.context": context, **extra}


def console_url(element_id: str) -> str:
    return reverse("inbound-console", args=[InboundElement.objects.get(element_id=element_id).pk])


def send(client: Client, url: str, **fields: str) -> Any:
    data = {"method": "POST", "headers": "Content-Type: application/json", "body": "{}", **fields}
    return client.post(url, data)


def step(page: Any, key: str) -> tuple[str, str]:
    """(state, text) of one step of the console's answer."""
    found = re.search(
        rf'data-step="{key}" data-state="(\w+)">(.*?)</li>', page.content.decode(), re.S
    )
    assert found, f"no step {key} in the page"
    text = html.unescape(re.sub(r"<[^>]+>", " ", found.group(2)))
    return found.group(1), re.sub(r"\s+", " ", text).strip()


def signature(body: str) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()


def test_a_dry_run_of_a_start_event_checks_the_hmac_and_touches_no_engine(
    camunda: Camunda, signed_in_client: Client, hmac_secret: str, user: Any
) -> None:
    properties = webhook(
        "orders",
        **{
            "inbound.shouldValidateHmac": "enabled",
            "inbound.hmacSecret": hmac_secret,
            "inbound.hmacHeader": "X-Hub-Signature-256",
            "resultExpression": "={order: request.body}",
            "inbound.responseExpression": '={body: {"got": request.body.id}}',
        },
    )
    camunda.deploy("o.bpmn", start_event_process("orders", properties))
    discover()
    url = console_url("start")
    assert signed_in_client.get(url).status_code == 200

    body = '{"id": 7}'
    headers = f"Content-Type: application/json\nX-Hub-Signature-256: {signature(body)}"
    page = send(signed_in_client, url, headers=headers, body=body)
    assert page.status_code == 200
    assert step(page, "connector")[0] == "ok"
    assert step(page, "activation") == ("ok", "ok Activation condition true for start start "
                                        "(none: always true) -> true")  # fmt: skip
    state, text = step(page, "correlation")
    assert state == "info" and "would create an instance of orders version 1" in text
    assert '"order": { "id": 7 }' in step(page, "variables")[1]
    state, text = step(page, "response")
    assert state == "ok" and "HTTP 200" in text and '{"got": 7}' in text
    assert camunda.engine.instances.by_key == {}  # a dry run: nothing reached the engine
    assert InboundActivity.objects.filter(tag="correlation").count() == 0
    use = SecretAuditEvent.objects.get(action="use", secret_name="HOOK_HMAC")
    assert (use.source, use.actor, use.detail) == ("dry_run", user, "test console orders/start")

    refused = send(signed_in_client, url, headers=headers, body='{"id": 8}')
    state, text = step(refused, "connector")
    assert state == "bad"
    assert "refused: HTTP 401: Reason: INVALID_SIGNATURE" in text
    assert step(refused, "activation")[0] == "skip"
    assert "HTTP 401" in step(refused, "response")[1]
    assert SECRET not in refused.content.decode() + page.content.decode()
    assert camunda.engine.instances.by_key == {}


def test_a_dry_run_of_a_message_element_shows_key_id_and_ttl(
    camunda: Camunda, signed_in_client: Client
) -> None:
    properties = webhook(
        "paid",
        correlationKeyExpression="=request.body.orderId",
        messageIdExpression='="pay-" + request.body.paymentId',
        messageTtl="PT10M",
        resultVariable="payment",
    )
    camunda.deploy("p.bpmn", catch_event_process("paid", "order-paid", {"wait": properties}))
    discover()

    page = send(signed_in_client, console_url("wait"), body='{"orderId": "A1", "paymentId": "P9"}')
    state, text = step(page, "correlation")
    assert state == "info"
    assert "would publish the message 'order-paid'" in text
    assert "Correlation key A1" in text
    assert "Message id pay-P9" in text
    assert "TTL 600000 ms (600 s)" in text
    assert '"payment": {' in step(page, "variables")[1]
    assert camunda.engine.messages.received == []


@pytest.mark.parametrize(("consume", "status"), [("false", "422"), ("true", "200")])
def test_an_activation_condition_that_is_false_says_what_becomes_of_the_event(
    camunda: Camunda, signed_in_client: Client, consume: str, status: str
) -> None:
    properties = webhook(
        "paid",
        correlationKeyExpression="=request.body.orderId",
        activationCondition='=request.body.state = "paid"',
        consumeUnmatchedEvents=consume,
    )
    camunda.deploy("p.bpmn", catch_event_process("paid", "order-paid", {"wait": properties}))
    discover()

    page = send(signed_in_client, console_url("wait"), body='{"orderId": "A1", "state": "open"}')
    state, text = step(page, "activation")
    assert state == "bad"
    assert 'request.body.state = "paid" -> false' in text
    if consume == "true":
        assert "consumed and dropped (consumeUnmatchedEvents)" in text
    else:
        assert "refused (422)" in text
    assert step(page, "correlation")[0] == "skip"
    assert f"HTTP {status}" in step(page, "response")[1]
    assert camunda.engine.messages.received == []


def test_a_pasted_curl_command_is_read_and_a_broken_one_refused(
    camunda: Camunda, signed_in_client: Client
) -> None:
    properties = webhook("orders", resultExpression="={order: request.body, p: request.params}")
    camunda.deploy("o.bpmn", start_event_process("orders", properties))
    discover()
    url = console_url("start")

    curl = (
        "curl -X PUT 'https://hub.example.com/inbound/orders?source=shop' \\\n"
        "  -H 'Content-Type: application/json' --data-raw '{\"id\": 3}'"
    )
    page = send(signed_in_client, url, curl=curl)
    assert page.status_code == 200
    assert "PUT https://hub.example.com/inbound/orders?source=shop" in step(page, "request")[1]
    variables = step(page, "variables")[1]
    assert '"order": { "id": 3 }' in variables and '"source": "shop"' in variables
    shown = page.content.decode()
    assert "<option selected>PUT</option>" in shown  # the fields show what was read
    assert 'value="?source=shop"' in shown

    broken = send(
        signed_in_client, url, curl="curl -X POST 'https://hub.example.com/inbound/orders"
    )
    assert broken.status_code == 400
    assert "cannot be read: no closing quotation" in broken.content.decode()
    unknown = send(signed_in_client, url, curl="curl --proxy p:1 https://hub.example.com/x")
    assert "the option --proxy is not understood here" in unknown.content.decode()
    assert camunda.engine.instances.by_key == {}


def test_live_mode_correlates_for_real_for_staff_who_confirm(
    camunda: Camunda, signed_in_client: Client, user: Any
) -> None:
    properties = webhook(
        "paid", correlationKeyExpression="=request.body.orderId", resultVariable="payment"
    )
    camunda.deploy("p.bpmn", catch_event_process("paid", "order-paid", {"wait": properties}))
    discover()
    url = console_url("wait")
    body = '{"orderId": "A1"}'

    assert send(signed_in_client, url, body=body, mode="live", confirm="yes").status_code == 403
    user.is_staff = True
    user.save()
    unconfirmed = send(signed_in_client, url, body=body, mode="live")
    assert unconfirmed.status_code == 400
    assert "tick the confirmation" in unconfirmed.content.decode()
    assert camunda.engine.messages.received == []

    page = send(signed_in_client, url, body=body, mode="live", confirm="yes")
    state, text = step(page, "correlation")
    assert (
        state == "ok" and "MESSAGE_PUBLISHED" in text and "published message 'order-paid'" in text
    )
    (message,) = camunda.engine.messages.received
    assert (message.name, message.correlation_key) == ("order-paid", "A1")
    assert message.variables == {
        "payment": {
            "request": {
                "body": {"orderId": "A1"},
                "headers": {"content-type": "application/json"},
                "params": {},
            },
            "connectorData": {},
            "documents": [],
        }
    }
    logged = InboundActivity.objects.get(tag="console")
    assert logged.outcome == "MESSAGE_PUBLISHED"


def test_a_dry_run_shows_the_secret_masked_and_never_its_value(
    camunda: Camunda, signed_in_client: Client, hmac_secret: str
) -> None:
    properties = webhook(
        "orders",
        **{"inbound.auth.type": "APIKEY", "inbound.auth.apiKey": hmac_secret},
        resultExpression="={seen: request.headers.authorization}",
    )
    camunda.deploy("o.bpmn", start_event_process("orders", properties))
    discover()
    page = send(signed_in_client, console_url("start"),
                headers=f"Authorization: Bearer {SECRET}", body="{}")  # fmt: skip
    state, _ = step(page, "connector")
    assert state == "ok"
    shown = "".join(step(page, key)[1] for key in ("request", "variables", "response"))
    assert "Bearer ***" in shown
    assert SECRET not in shown
    assert json.dumps(SECRET)[1:-1] not in shown


def test_an_element_that_cannot_run_says_why_and_sends_nothing(
    camunda: Camunda, signed_in_client: Client, settings: Any
) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    properties = webhook(
        "orders",
        **{"inbound.auth.type": "APIKEY", "inbound.auth.apiKey": "{{secrets.NOT_THERE}}"},
    )
    camunda.deploy("o.bpmn", start_event_process("orders", properties))
    discover()
    page = send(signed_in_client, console_url("start"))
    assert page.status_code == 200
    state, text = step(page, "activation")
    assert state == "bad" and "cannot run now" in text and "NOT_THERE" in text
    assert camunda.engine.instances.by_key == {}
