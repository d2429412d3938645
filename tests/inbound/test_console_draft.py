"""The test console of a webhook template as configured in the form (not deployed): the
configure page offers "Test webhook" for inbound webhook templates only, its values become the
element's properties as the Modeler writes them, and only a dry run is possible."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from connectors.catalogue.importing import import_documents
from connectors.models import ImportSource, TemplateVersion
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.inbound.test_console import step

pytestmark = pytest.mark.django_db

INTERMEDIATE = "io.camunda.connectors.webhook.WebhookConnectorIntermediate.v1"


def import_template(file_name: str, template_id: str) -> TemplateVersion:
    data = json.loads((CORPUS_DIR / file_name).read_text(encoding="utf-8"))
    newest = max((t for t in data if t["id"] == template_id), key=lambda t: t.get("version", 0))
    report = import_documents(
        [(file_name, json.dumps([newest]).encode())], source=ImportSource.COMMAND
    )
    assert not report.failed, report.failed
    return TemplateVersion.objects.get(
        entry__template_id=template_id, version=newest.get("version")
    )


def test_the_forms_values_are_tested_as_the_element_would_run(signed_in_client: Client) -> None:
    version = import_template("webhook-connector-intermediate.json", INTERMEDIATE)
    configure = reverse("configure", args=[INTERMEDIATE, version.version])
    assert 'id="test-webhook"' in signed_in_client.get(configure).content.decode()

    values = {
        "v:inbound.context": "payments",
        "v:correlationKeyPayload": "=request.body.orderId",
        "v:activationCondition": '=request.body.state = "paid"',
        "v:messageNameUuid": "payment-received",
        "v:resultExpression": "={paid: request.body.orderId}",
        "action": "console",
    }
    opened = signed_in_client.post(reverse("inbound-console-start", args=[version.pk]), values)
    assert opened.status_code == 302
    url = opened["Location"]
    page = signed_in_client.get(url)
    assert page.status_code == 200
    assert "/inbound/payments" in page.content.decode()
    assert 'value="live"' not in page.content.decode()  # not deployed: a dry run only

    sample = {"method": "POST", "headers": "Content-Type: application/json",
              "body": '{"orderId": "A7", "state": "paid"}'}  # fmt: skip
    sent = signed_in_client.post(url, sample)
    assert step(sent, "activation")[0] == "ok"
    state, text = step(sent, "correlation")
    assert state == "info"
    assert "would publish the message 'payment-received'" in text
    assert "Correlation key A7" in text
    assert '"paid": "A7"' in step(sent, "variables")[1]

    live = signed_in_client.post(url, {"body": "{}", "mode": "live", "confirm": "yes"})
    assert live.status_code == 400
    assert "live mode needs a deployed element" in live.content.decode()


def test_an_outbound_template_has_no_webhook_console(signed_in_client: Client) -> None:
    version = import_template("http-json-connector.json", "io.camunda.connectors.HttpJson.v2")
    page = signed_in_client.get(
        reverse("configure", args=[version.entry.template_id, version.version])
    )
    assert 'id="test-webhook"' not in page.content.decode()
    refused = signed_in_client.post(reverse("inbound-console-start", args=[version.pk]), {})
    assert refused.status_code == 404


def test_an_unknown_draft_is_404(signed_in_client: Client) -> None:
    assert signed_in_client.get(reverse("inbound-console-draft", args=["nope"])).status_code == 404
