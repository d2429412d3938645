"""Camunda's generic webhook (`io.camunda:webhook:1`, connectors/builtin/webhook) behind the
runtime's endpoint: the official template's properties deployed in a process, a signed request
over HTTP, and the process instance the engine created with the template's result expression;
an unsigned one is refused before anything reaches the engine."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.test import Client

from connectors.inbound.discovery import discover
from connectors.models import ElementState, InboundElement
from tests.inbound.conftest import Camunda
from tests.inbound.processes import start_event_process

pytestmark = [pytest.mark.zeebe, pytest.mark.django_db]

SECRET = "It's a Secret to Everybody"


def test_a_signed_github_style_request_starts_the_process(camunda: Camunda) -> None:
    properties = {
        "inbound.type": "io.camunda:webhook:1",
        "inbound.subtype": "ConfigurableInboundWebhook",
        "inbound.method": "post",
        "inbound.context": "github",
        "inbound.shouldValidateHmac": "enabled",
        "inbound.hmacSecret": SECRET,
        "inbound.hmacHeader": "X-Hub-Signature-256",
        "inbound.hmacAlgorithm": "sha_256",
        "inbound.auth.type": "NONE",
        "resultExpression": "={action: request.body.action}",
    }
    camunda.deploy("g.bpmn", start_event_process("github", properties))
    discover()
    assert InboundElement.objects.get().state == ElementState.ACTIVE

    body = json.dumps({"action": "opened"}).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    web = Client(enforce_csrf_checks=True)
    refused = web.post("/inbound/github", body, content_type="application/json")
    assert refused.status_code == 401
    assert camunda.engine.instances.by_key == {}

    answer = web.post(
        "/inbound/github",
        body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signature},
    )
    assert answer.status_code == 200, answer.content
    (instance,) = camunda.engine.instances.by_key.values()
    assert instance.variables == {"action": "opened"}
