"""The test console of consumer and HTTP polling elements, dry runs, over HTTP (Django's test
client, signed in), on processes deployed to the REST test engine: for RabbitMQ, Kafka, SQS and
email the sample message becomes Camunda's event variables, the correlation and what the consumer
does with the message are shown, and the engine is never touched; bad input names its field;
a secret's value never reaches the page."""

from __future__ import annotations

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
from tests.inbound.processes import catch_event_process
from tests.inbound.test_console import step
from tests.inbound.test_console_draft import import_template
from tests.services.http_servers import RecordingServer, Reply

pytestmark = [pytest.mark.zeebe, pytest.mark.django_db]

RABBITMQ = "io.camunda:connector-rabbitmq-inbound:1"
KAFKA = "io.camunda:connector-kafka-inbound:1"
SQS = "io.camunda:aws-sqs-inbound:1"
EMAIL = "io.camunda:connector-email-inbound:1"
POLLING = "io.camunda:http-polling:1"
RUNTIME = {"correlationKeyExpression": "=orderId", "resultVariable": "event"}


def deploy(camunda: Camunda, properties: dict[str, str]) -> str:
    """A catch event with PROPERTIES, discovered; its console's URL."""
    xml = catch_event_process("orders", "order-event", {"wait": properties})
    camunda.deploy("o.bpmn", xml)
    discover()
    pk = InboundElement.objects.get(element_id="wait").pk
    return reverse("inbound-console", args=[pk])


def untouched(camunda: Camunda) -> None:
    assert camunda.engine.messages.received == []
    assert camunda.engine.instances.by_key == {}
    assert not InboundActivity.objects.filter(tag__in=["correlation", "console"]).exists()


def rabbitmq_element(**extra: str) -> dict[str, str]:
    return {
        "inbound.type": RABBITMQ,
        "authentication.authType": "uri",
        "authentication.uri": "amqp://guest:guest@127.0.0.1:9/vh",
        "queueName": "orders",
        "consumerTag": "hub-tag",
        "correlationKeyExpression": "=message.body.orderId",
        "resultVariable": "event",
        **extra,
    }


def test_a_rabbitmq_message_becomes_camundas_variables_and_would_be_acknowledged(
    camunda: Camunda, signed_in_client: Client
) -> None:
    url = deploy(camunda, rabbitmq_element())
    page = signed_in_client.get(url)
    assert page.status_code == 200 and 'name="properties"' in page.content.decode()

    sent = signed_in_client.post(url, {
        "body": '{"orderId": "A1"}',
        "properties": '{"contentType": "application/json", "messageId": "m-1"}',
        "headers": "tenant: acme",
    })  # fmt: skip
    assert sent.status_code == 200
    assert "message id: m-1" in step(sent, "message")[1]
    event = step(sent, "event")[1]
    assert '"consumerTag": "hub-tag"' in event
    assert '"body": { "orderId": "A1" }' in event
    assert '"headers": { "tenant": "acme" }' in event
    assert '"messageId": "m-1"' in event
    state, text = step(sent, "correlation")
    assert state == "info" and "would publish the message 'order-event'" in text
    assert "Correlation key A1" in text and "Message id m-1" in text
    assert '"event": { "message": {' in step(sent, "variables")[1]
    assert step(sent, "fate") == (
        "ok",
        "ok What the consumer does with the message acknowledged (basic.ack): the message "
        "leaves the queue Correlation result MESSAGE_PUBLISHED: dry run: not sent to the engine",
    )
    untouched(camunda)


@pytest.mark.parametrize(
    ("consume", "fate"),
    [("false", "rejected with requeue"), ("true", "acknowledged (basic.ack)")],
)
def test_an_unmatched_message_is_left_for_redelivery_or_consumed_as_the_element_says(
    camunda: Camunda, signed_in_client: Client, consume: str, fate: str
) -> None:
    element = rabbitmq_element(
        activationCondition='=message.body.state = "paid"', consumeUnmatchedEvents=consume
    )
    url = deploy(camunda, element)
    sent = signed_in_client.post(url, {"body": '{"orderId": "A1", "state": "open"}'})
    state, text = step(sent, "activation")
    assert state == "bad" and 'message.body.state = "paid" -> false' in text
    assert ("consumed and dropped" in text) == (consume == "true")
    assert step(sent, "correlation")[0] == "skip"
    assert fate in step(sent, "fate")[1]
    untouched(camunda)


def test_a_kafka_record_shows_key_value_raw_value_headers_and_the_offset_message_id(
    camunda: Camunda, signed_in_client: Client
) -> None:
    element = {"inbound.type": KAFKA, "topic.bootstrapServers": "127.0.0.1:9",
               "topic.topicName": "orders", "groupId": "g",
               "correlationKeyExpression": "=value.orderId", "resultExpression":
               "={order: value.orderId, from: headers.source, key: key}"}  # fmt: skip
    url = deploy(camunda, element)
    sent = signed_in_client.post(url, {"key": "k1", "body": '{"orderId": "A2"}',
                                       "headers": "source: shop"})  # fmt: skip
    event = step(sent, "event")[1]
    assert '"key": "k1"' in event
    assert '"rawValue": "{\\"orderId\\": \\"A2\\"}"' in event
    assert '"value": { "orderId": "A2" }' in event
    assert '"headers": { "source": "shop" }' in event
    correlation = step(sent, "correlation")[1]
    assert "Correlation key A2" in correlation and "Message id orders-0-0" in correlation
    assert '"order": "A2"' in step(sent, "variables")[1]
    assert "offset committed" in step(sent, "fate")[1]
    untouched(camunda)


def test_an_sqs_message_shows_its_attributes_and_would_be_deleted(
    camunda: Camunda, signed_in_client: Client
) -> None:
    element = {"inbound.type": SQS, "authentication.type": "credentials",
               "authentication.accessKey": "AK", "authentication.secretKey": "SK",
               "configuration.region": "eu-west-1",
               "queue.url": "https://sqs.eu-west-1.amazonaws.com/1/orders",
               "queue.pollingWaitTime": "1", **RUNTIME,
               "correlationKeyExpression": "=body.orderId"}  # fmt: skip
    url = deploy(camunda, element)
    sent = signed_in_client.post(url, {"body": '{"orderId": "A3"}', "headers": "kind: paid",
                                       "message_id": "sqs-1"})  # fmt: skip
    event = step(sent, "event")[1]
    assert '"messageId": "sqs-1"' in event
    assert '"body": { "orderId": "A3" }' in event
    assert '"kind": { "stringValue": "paid"' in event
    assert "Message id sqs-1" in step(sent, "correlation")[1]
    assert "deleted from the queue (DeleteMessage)" in step(sent, "fate")[1]
    untouched(camunda)


def test_an_email_becomes_a_read_email_response_with_its_attachment(
    camunda: Camunda, signed_in_client: Client
) -> None:
    element = {"inbound.type": EMAIL, "authentication.type": "simple",
               "authentication.username": "u", "authentication.password": "p",
               "data.imapConfig.imapHost": "127.0.0.1", "data.imapConfig.imapPort": "9",
               "data.imapConfig.imapCryptographicProtocol": "NONE",
               "data.pollingConfig.handlingStrategy": "MOVE",
               "data.pollingConfig.targetFolder": "Done",
               "correlationKeyExpression": "=subject", "resultVariable": "mail"}  # fmt: skip
    url = deploy(camunda, element)
    sent = signed_in_client.post(url, {
        "sender": "buyer@example.com", "subject": "A4", "body": "Paid, thanks",
        "attachment_name": "receipt.txt", "attachment_text": "42 EUR",
        "message_id": "<m4@example.com>",
    })  # fmt: skip
    event = step(sent, "event")[1]
    assert '"fromAddress": "buyer@example.com"' in event
    assert '"subject": "A4"' in event
    assert '"plainTextBody": "Paid, thanks\\n"' in event
    assert re.search(r'"fileName": "receipt.txt"', event)
    correlation = step(sent, "correlation")[1]
    assert "Correlation key A4" in correlation and "Message id <m4@example.com>" in correlation
    assert "moved to 'Done' (MOVE)" in step(sent, "fate")[1]
    untouched(camunda)


def test_bad_input_is_refused_naming_the_field(camunda: Camunda, signed_in_client: Client) -> None:
    url = deploy(camunda, rabbitmq_element())
    broken = signed_in_client.post(url, {"body": "{}", "properties": '{"contentType": '})
    assert broken.status_code == 400
    assert "<strong>Properties</strong>: is not valid JSON" in broken.content.decode()
    unknown = signed_in_client.post(url, {"body": "{}", "properties": '{"colour": "red"}'})
    assert "unknown AMQP property colour" in unknown.content.decode()
    headers = signed_in_client.post(url, {"body": "{}", "headers": "no colon here"})
    assert "<strong>Headers</strong>: line 1 is not" in headers.content.decode()
    live = signed_in_client.post(url, {"body": "{}", "mode": "live", "confirm": "yes"})
    assert live.status_code == 403  # live mode is for staff
    untouched(camunda)


def test_a_secret_is_masked_wherever_the_message_carries_it(
    camunda: Camunda, signed_in_client: Client, settings: Any, user: Any
) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    secret_create(name="RABBIT_URI_PW", value="s3cret-rabbit")
    uri = "amqp://guest:{{secrets.RABBIT_URI_PW}}@127.0.0.1:9/vh"
    url = deploy(camunda, rabbitmq_element(**{"authentication.uri": uri}))
    sent = signed_in_client.post(url, {"body": '{"orderId": "A1", "pw": "s3cret-rabbit"}'})
    assert sent.status_code == 200
    shown = "".join(step(sent, key)[1] for key in ("message", "event", "variables", "fate"))
    assert "s3cret-rabbit" not in shown  # the form's own field keeps what the user typed
    assert '"pw": "***"' in step(sent, "event")[1]
    use = SecretAuditEvent.objects.get(action="use", secret_name="RABBIT_URI_PW")
    assert (use.source, use.actor, use.detail) == ("dry_run", user, "test console orders/wait")


def polling_element(**extra: str) -> dict[str, str]:
    return {
        "inbound.type": POLLING,
        "authentication.type": "noAuth",
        "method": "GET",
        "url": '="http://orders.example/orders/" + orderId',
        "headers": '={"X-Order": orderId}',
        "httpRequestInterval": "PT30S",
        "activationCondition": '=body.status = "done"',
        "correlationKeyExpression": "=body.orderId",
        "resultExpression": "={orderStatus: body.status}",
        **extra,
    }


def test_polling_builds_the_url_from_the_instance_and_correlates_the_typed_answer(
    camunda: Camunda, signed_in_client: Client
) -> None:
    url = deploy(camunda, polling_element())
    assert 'name="variables"' in signed_in_client.get(url).content.decode()
    sent = signed_in_client.post(url, {
        "variables": '{"orderId": "A7"}', "status": "200",
        "answer_headers": "Content-Type: application/json",
        "answer": '{"orderId": "A7", "status": "done"}',
    })  # fmt: skip
    assert sent.status_code == 200
    request = step(sent, "request")[1]
    assert "GET http://orders.example/orders/A7" in request and '"X-Order": "A7"' in request
    assert "the typed answer (dry run: nothing was sent): HTTP 200" in step(sent, "answer")[1]
    assert step(sent, "activation")[0] == "ok"
    assert "Correlation key A7" in step(sent, "correlation")[1]
    assert '"orderStatus": "done"' in step(sent, "variables")[1]
    assert "not polled again" in step(sent, "fate")[1]

    waiting = signed_in_client.post(url, {"variables": '{"orderId": "A7"}',
                                          "answer": '{"status": "open"}'})  # fmt: skip
    assert step(waiting, "activation")[0] == "bad"
    assert "polls this instance again after PT30S (30 s)" in step(waiting, "fate")[1]

    broken = signed_in_client.post(url, {"variables": "[1, 2]", "answer": "{}"})
    assert broken.status_code == 400
    assert "Instance variables</strong>: must be a JSON object" in broken.content.decode()
    status = signed_in_client.post(url, {"variables": "{}", "status": "abc"})
    assert "<strong>Status</strong>: &#x27;abc&#x27; is not an HTTP status" in (
        status.content.decode()
    )
    untouched(camunda)


def test_polling_live_mode_sends_the_request_for_real_but_correlates_nothing(
    camunda: Camunda, signed_in_client: Client, user: Any
) -> None:
    with RecordingServer() as server:
        server.route("/orders/A8", Reply(json={"orderId": "A8", "status": "done"}))
        element = polling_element(url=f'="{server.url}/orders/" + orderId')
        url = deploy(camunda, element)
        fields = {"variables": '{"orderId": "A8"}', "mode": "live", "confirm": "yes"}
        assert signed_in_client.post(url, fields).status_code == 403  # staff only
        user.is_staff = True
        user.save()
        sent = signed_in_client.post(url, fields)
        assert server.last("/orders/A8").header("X-Order") == "A8"
    assert "the server answered: HTTP 200" in step(sent, "answer")[1]
    assert '"orderStatus": "done"' in step(sent, "variables")[1]
    assert "dry run: not sent" in step(sent, "correlation")[1]
    untouched(camunda)


def test_a_consumer_template_as_configured_in_the_form_gets_a_dry_run(
    signed_in_client: Client,
) -> None:
    template_id = "io.camunda.connectors.inbound.RabbitMQ.Intermediate.v1"
    version = import_template("rabbitmq-inbound-connector-intermediate.json", template_id)
    configure = signed_in_client.get(reverse("configure", args=[template_id, version.version]))
    assert ">Test consumer</button>" in configure.content.decode()

    values = {"v:authentication.authType": "uri",
              "v:authentication.uri": "amqp://guest:guest@127.0.0.1:9/vh",
              "v:queueName": "orders", "v:correlationKeyPayload": "=message.body.orderId",
              "v:messageNameUuid": "order-paid", "v:consumeUnmatchedEvents": "true",
              "v:resultExpression": "={paid: message.body.orderId}",
              "action": "console"}  # fmt: skip
    opened = signed_in_client.post(reverse("inbound-console-start", args=[version.pk]), values)
    assert opened.status_code == 302
    page = signed_in_client.get(opened["Location"])
    assert 'name="properties"' in page.content.decode()
    assert 'value="live"' not in page.content.decode()  # not deployed: a dry run only

    sent = signed_in_client.post(opened["Location"], {"body": '{"orderId": "A9"}'})
    correlation = step(sent, "correlation")[1]
    assert "would publish the message 'order-paid'" in correlation and "Correlation key A9" in (
        correlation
    )
    assert '"paid": "A9"' in step(sent, "variables")[1]
    live = signed_in_client.post(opened["Location"], {"mode": "live", "confirm": "yes"})
    assert live.status_code == 400
    assert "live mode needs a deployed element" in live.content.decode()


AVRO_SCHEMA = (
    '{"type": "record", "name": "Order", "fields": [{"name": "orderId", "type": "string"}, '
    '{"name": "amount", "type": "int"}]}'
)


def test_a_kafka_element_with_an_inline_avro_schema_reads_the_value_through_it(
    camunda: Camunda, signed_in_client: Client
) -> None:
    element = {"inbound.type": KAFKA, "topic.bootstrapServers": "127.0.0.1:9",
               "topic.topicName": "orders", "groupId": "g",
               "schemaStrategy.type": "inlineSchema", "schemaStrategy.schema": AVRO_SCHEMA,
               "correlationKeyExpression": "=value.orderId",
               "resultVariable": "record"}  # fmt: skip
    url = deploy(camunda, element)
    sent = signed_in_client.post(url, {"body": '{"orderId": "A5", "amount": 3}'})
    event = step(sent, "event")[1]
    assert '"value": { "orderId": "A5", "amount": 3 }' in event and '"rawValue": null' in event
    assert "Avro binary written with the element's inline schema" in step(sent, "message")[1]
    assert "Correlation key A5" in step(sent, "correlation")[1]
    misfit = signed_in_client.post(url, {"body": '{"orderId": "A5"}'})
    assert misfit.status_code == 400
    assert "<strong>Value</strong>: does not fit the element&#x27;s Avro schema" in (
        misfit.content.decode()
    )
    untouched(camunda)


def test_an_element_that_cannot_run_says_why_and_the_watch_is_for_staff(
    camunda: Camunda, signed_in_client: Client, settings: Any
) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    uri = "amqp://guest:{{secrets.NOT_THERE}}@127.0.0.1:9/vh"
    url = deploy(camunda, rabbitmq_element(**{"authentication.uri": uri}))
    sent = signed_in_client.post(url, {"body": "{}"})
    state, text = step(sent, "element")
    assert state == "bad" and "cannot run now" in text and "NOT_THERE" in text
    pk = InboundElement.objects.get(element_id="wait").pk
    watch = reverse("inbound-console-watch", args=[pk])
    assert signed_in_client.get(f"{watch}?after=0&since=0").status_code == 403
    untouched(camunda)
