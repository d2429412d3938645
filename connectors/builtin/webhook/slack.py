"""Camunda's Slack inbound webhook, `io.camunda:slack-webhook:1`: Slack's Events API, slash
commands and interactive messages.

Facts from camunda/connectors: SlackInboundWebhookExecutable (the signing-secret check on every
request, then the verification expression on `{body, headers, params}` that answers Slack's
`url_verification` challenge; a form body with `command` is a slash command, one with only
`payload` an interactive message, anything else an event; the answers for each) and
SlackWebhookProperties. The signature is Slack's v0 scheme (api.slack.com, "Verifying requests
from Slack"): `v0=` and the hex HMAC-SHA256 of `v0:<timestamp>:<body>` with the signing
secret, the timestamp within five minutes of now.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from connectorhub_sdk.inbound import InboundContext, WebhookRequest, WebhookResponse, webhook

from .http import (
    FORM,
    JSON_UTF8,
    WebhookRefused,
    answer,
    form_fields,
    http_response,
    media_type,
)
from .model import SlackInput, SlackProperties

WINDOW_SECONDS = 5 * 60
TIMESTAMP_HEADER = "x-slack-request-timestamp"
SIGNATURE_HEADER = "x-slack-signature"
# what Camunda answers a slash command or an interactive message
COMMAND_RESPONSE = {"response_type": "ephemeral", "text": "Command executed"}


@webhook(
    type="io.camunda:slack-webhook:1",
    name="Slack webhook",
    input=SlackInput,
    description="Start or continue a process with Slack events, slash commands and actions.",
)
def slack_webhook(
    data: SlackInput, request: WebhookRequest, context: InboundContext
) -> WebhookResponse:
    try:
        return _handle(data.inbound, request, context)
    except WebhookRefused as refused:
        return refused.logged(request, context)


def _handle(
    props: SlackProperties, request: WebhookRequest, context: InboundContext
) -> WebhookResponse:
    if not signature_valid(props.slackSigningSecret, request, now=time.time()):
        raise WebhookRefused.security(401, "INVALID_SIGNATURE", "Slack signature check didn't pass")
    body = _body(request)
    headers = dict(request.headers)
    verification = _evaluate(
        context, props.verificationExpression, {"body": body, "headers": headers, "params": {}}
    )
    if verification is not None:
        context.log("Successfully handled a verification request", tag=request.method)
        return http_response(verification, field="inbound.verificationExpression")
    connector_data: dict[str, Any] = {}
    if "command" in body:
        connector_data = body
        headers, response = {"Content-Type": JSON_UTF8}, WebhookResponse(200, COMMAND_RESPONSE)
    elif set(body) == {"payload"}:
        body = _interaction(body, context)
        headers, response = {"Content-Type": JSON_UTF8}, WebhookResponse(200, COMMAND_RESPONSE)
    else:
        response = WebhookResponse(200, body)
    variables = {
        "request": {"body": body, "headers": headers, "params": {}},
        "connectorData": connector_data,
        "documents": [],
    }
    return answer(context.correlate(variables), lambda _correlation: response)


def signature_valid(secret: str, request: WebhookRequest, *, now: float) -> bool:
    """Slack's v0 signature over the raw body, sent within five minutes of NOW."""
    stamp = request.headers.get(TIMESTAMP_HEADER, "")
    given = request.headers.get(SIGNATURE_HEADER)
    if given is None or not stamp.isdigit() or abs(now - int(stamp)) > WINDOW_SECONDS:
        return False
    base = b"v0:" + stamp.encode() + b":" + request.body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(given.encode(), expected.encode())


def _body(request: WebhookRequest) -> dict[str, Any]:
    """A form's fields, or the JSON object (SlackInboundWebhookExecutable.bodyAsMap)."""
    if media_type(request.headers) == FORM:
        return form_fields(request.body)
    try:
        value = json.loads(request.body)
    except ValueError:
        raise WebhookRefused(422, "request body: not valid JSON") from None
    if not isinstance(value, dict):
        raise WebhookRefused(422, "request body: must be a JSON object")
    return value


def _interaction(body: dict[str, Any], context: InboundContext) -> dict[str, Any]:
    """An interactive message's `payload` field is JSON text; Camunda keeps the form when it
    is not."""
    try:
        parsed = json.loads(body["payload"])
    except ValueError:
        context.log("Failed to parse 'payload' as JSON", severity="ERROR", tag="JSON Parsing")
        return body
    return parsed if isinstance(parsed, dict) else body


def _evaluate(context: InboundContext, expression: str, scope: dict[str, Any]) -> Any:
    try:
        return context.evaluate(expression, scope)
    except ValueError as exc:
        context.log(f"inbound.verificationExpression failed: {exc}", severity="ERROR")
        raise WebhookRefused(422, "inbound.verificationExpression: cannot be evaluated") from None
