"""Slack's inbound webhook, io.camunda:slack-webhook:1: the v0 signing-secret check (accepted,
forged, stale), the url_verification challenge, events, slash commands and interactive
messages (Camunda's SlackInboundWebhookExecutable)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from urllib.parse import urlencode

import pytest

from connectors.builtin.webhook.slack import slack_webhook
from tests.webhooks.conftest import assert_no_secret, inbound_context, send

pytestmark = pytest.mark.xdist_group("webhooks")

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
PROPS = {
    "inbound.type": "io.camunda:slack-webhook:1",
    "inbound.context": "slack-events",
    "inbound.slackSigningSecret": SIGNING_SECRET,
}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


def signed(body: str, *, at: float | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Slack's headers for BODY, computed as api.slack.com documents it."""
    stamp = str(int(time.time() if at is None else at))
    base = f"v0:{stamp}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def test_an_event_with_a_valid_signature_is_correlated_and_echoed() -> None:
    body = json.dumps({"type": "event_callback", "event": {"type": "message", "text": "hi"}})
    context = inbound_context(PROPS)
    answer = send(slack_webhook, context, body=body, headers={**JSON, **signed(body)})
    assert (answer.status, answer.body) == (200, json.loads(body))
    variables = context.correlations[0].variables
    assert variables["request"]["body"]["event"]["text"] == "hi"
    assert variables["request"]["headers"]["content-type"] == "application/json"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda body: signed(body, secret="another-secret"), id="forged"),
        pytest.param(lambda body: signed(body, at=time.time() - 301), id="stale"),
        pytest.param(lambda body: signed(body, at=time.time() + 301), id="from-the-future"),
        pytest.param(lambda body: signed(body + " "), id="other-body"),
        pytest.param(lambda body: {}, id="unsigned"),
    ],
)
def test_a_request_slack_did_not_sign_just_now_is_refused(headers: Callable[[str], dict]) -> None:
    body = json.dumps({"type": "event_callback"})
    context = inbound_context(PROPS)
    answer = send(slack_webhook, context, body=body, headers={**JSON, **headers(body)})
    assert (answer.status, answer.body) == (
        401,
        {"reason": "Reason: INVALID_SIGNATURE. Details: Slack signature check didn't pass"},
    )
    assert context.correlations == []


def test_a_signature_within_the_five_minute_window_is_accepted() -> None:
    body = "{}"
    context = inbound_context(PROPS)
    headers = {**JSON, **signed(body, at=time.time() - 280)}
    assert send(slack_webhook, context, body=body, headers=headers).status == 200


def test_the_url_verification_challenge_is_answered_without_correlating() -> None:
    body = json.dumps({"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY"})
    context = inbound_context(PROPS)
    answer = send(slack_webhook, context, body=body, headers={**JSON, **signed(body)})
    assert (answer.status, answer.body) == (200, {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY"})
    assert context.correlations == []
    # and only when Slack signed it
    forged = send(slack_webhook, context, body=body, headers={**JSON, **signed(body, secret="x")})
    assert forged.status == 401


def test_a_slash_command_from_a_form_body() -> None:
    body = urlencode({"command": "/order", "text": "42 urgent", "user_id": "U1"})
    context = inbound_context(PROPS)
    answer = send(slack_webhook, context, body=body, headers={**FORM, **signed(body)})
    assert (answer.status, answer.body) == (
        200,
        {"response_type": "ephemeral", "text": "Command executed"},
    )
    variables = context.correlations[0].variables
    fields = {"command": "/order", "text": "42 urgent", "user_id": "U1"}
    assert variables["request"] == {
        "body": fields,
        "headers": {"Content-Type": "application/json; charset=utf-8"},
        "params": {},
    }
    assert variables["connectorData"] == fields


def test_an_interactive_message_payload_is_parsed() -> None:
    action = {"type": "block_actions", "actions": [{"value": "approve"}]}
    body = urlencode({"payload": json.dumps(action)})
    context = inbound_context(PROPS)
    answer = send(slack_webhook, context, body=body, headers={**FORM, **signed(body)})
    assert answer.status == 200
    assert context.correlations[0].variables["request"]["body"] == action


def test_an_unmatched_slack_event_is_422_and_the_secret_never_shows(
    logs: pytest.LogCaptureFixture,
) -> None:
    body = json.dumps({"type": "event_callback"})
    context = inbound_context(PROPS, activation=lambda v: False)
    answer = send(slack_webhook, context, body=body, headers={**JSON, **signed(body)})
    assert answer.status == 422
    refused = send(slack_webhook, context, body=body, headers={**JSON, **signed(body, secret="x")})
    assert_no_secret(SIGNING_SECRET, context, answer, refused, caplog=logs)


def test_a_blank_signing_secret_is_an_input_error_naming_the_field() -> None:
    context = inbound_context({**PROPS, "inbound.slackSigningSecret": ""})
    with pytest.raises(ValueError, match=r"slackSigningSecret"):
        context.bind(slack_webhook.input)
