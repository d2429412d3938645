"""Every version of every inbound template of Camunda's corpus (webhooks, their GitHub, Slack,
SNS, ... variants, queue consumers, pollers), applied to a process as the export writes it and
deployed to the test engine, is discovered as Camunda's runtime reads it: its element, kind,
`inbound.type` and message, with no structural problem. An element whose inbound type has a
connector registered (the webhook family: generic, Slack, SNS; the RabbitMQ, Kafka, SQS and
email consumers) activates; the others are DOWN naming the missing type, nothing else.

Boundary event templates are in too: the export attaches them to a waiting user task."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.elementtemplates import ElementTemplate
from connectors.elementtemplates.job import field_key
from connectors.export.bpmn import template_bpmn
from connectors.inbound.discovery import discover
from connectors.inbound.registry import UnknownInboundType, inbound_registry
from connectors.models import InboundElement
from tests.elementtemplates.corpus import corpus_templates
from tests.inbound.conftest import Camunda

pytestmark = [pytest.mark.zeebe, pytest.mark.django_db]

KINDS = {
    "bpmn:StartEvent": {"startEvent", "messageStartEvent"},
    "bpmn:IntermediateCatchEvent": {"intermediateCatchEvent"},
    "bpmn:ReceiveTask": {"receiveTask"},
    "bpmn:BoundaryEvent": {"boundaryEvent"},
}


def inbound_templates() -> list[dict[str, Any]]:
    return [
        t
        for t in corpus_templates()
        if any(_binding_name(p) == "inbound.type" for p in t.get("properties", []))
    ]


def _binding_name(prop: dict[str, Any]) -> str:
    return (prop.get("binding") or {}).get("name") or ""


def values_for(template: dict[str, Any], index: int) -> dict[str, str]:
    """What a user must fill in: the correlation key, a webhook path of its own, the secrets a
    template requires (Slack's signing secret, GitHub's HMAC secret) and an IMAP host."""
    model = ElementTemplate.from_dict(template)
    wanted = {
        "correlationKeyExpression": "=request.body.id",
        "inbound.context": f"hook-{index}",
        "inbound.slackSigningSecret": "signing-secret",
        "inbound.hmacSecret": "hmac-secret",
        "data.imapConfig.imapHost": "imap.example.com",
    }
    return {
        field_key(prop): wanted[prop.binding.name]
        for prop in model.properties
        if prop.binding.name in wanted
    }


def process_xml(template: dict[str, Any], index: int, process_id: str) -> str:
    xml = template_bpmn(template, values_for(template, index), process_id=process_id)
    # Twilio's templates bind inbound.context twice (the field and a Hidden one); the export
    # keeps the Hidden one's empty value, so the path is written here as a user types it.
    empty = '<zeebe:property name="inbound.context" value="" />'
    return xml.replace(empty, f'<zeebe:property name="inbound.context" value="hook-{index}" />')


def test_every_inbound_template_version_is_discovered_as_deployed(camunda: Camunda) -> None:
    templates = inbound_templates()
    assert len(templates) > 150
    boundary = [
        t for t in templates if (t.get("elementType") or {}).get("value") == "bpmn:BoundaryEvent"
    ]
    assert len(boundary) > 20  # the boundary event versions are among them
    expected = {}
    for index, template in enumerate(templates):
        process_id = f"inbound-{index}"
        camunda.deploy(f"{process_id}.bpmn", process_xml(template, index, process_id))
        inbound_type = next(
            p["value"] for p in template["properties"] if _binding_name(p) == "inbound.type"
        )
        element_type = (template.get("elementType") or {}).get("value", template["appliesTo"][0])
        expected[process_id] = (f"{template['id']} v{template.get('version')}", inbound_type,
                                KINDS[element_type])  # fmt: skip
    discover()

    problems = []
    rows = {row.process.process_id: row for row in InboundElement.objects.select_related("process")}
    assert set(rows) == set(expected), "every deployed template has its inbound element"
    for process_id, (label, inbound_type, kinds) in expected.items():
        row = rows[process_id]
        if row.inbound_type != inbound_type or row.kind not in kinds:
            problems.append(f"{label}: read as {row.inbound_type} {row.kind}")
        elif row.kind != "startEvent" and not row.message_name:
            problems.append(f"{label}: no message name")
        elif row.activation_error != _expected_error(inbound_type):
            problems.append(f"{label}: {row.state} {row.activation_error}")
    assert problems == [], "\n".join(problems)
    # the acceptance: every webhook-family version activates (none is left out above)
    webhooks = [row for row in rows.values() if row.connector_kind == "webhook"]
    assert len(webhooks) > 100 and {row.state for row in webhooks} == {"ACTIVE"}
    # and issue 22's: every consumer version (RabbitMQ, Kafka, SQS, email) activates
    consumers = [row for row in rows.values() if row.connector_kind == "consumer"]
    assert {row.inbound_type for row in consumers} == {
        "io.camunda:connector-rabbitmq-inbound:1", "io.camunda:connector-kafka-inbound:1",
        "io.camunda:aws-sqs-inbound:1", "io.camunda:connector-email-inbound:1",
        "io.camunda:http-polling:1",
    }  # fmt: skip
    assert len(consumers) > 40 and {row.state for row in consumers} == {"ACTIVE"}


def _expected_error(inbound_type: str) -> str:
    try:
        inbound_registry().get(inbound_type)
    except UnknownInboundType as exc:
        return str(exc)
    return ""
