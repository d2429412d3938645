"""Every version of every webhook-family template in the pinned corpus (the generic Webhook,
GitHub, Twilio, EventBridge, Slack and SNS, each as start event, message start, intermediate,
boundary and receive task) gives `zeebe:property` bindings, as the Modeler writes them into a
process, that our connector for its `inbound.type` binds, with each authorization the template
offers; and a request as the sender makes it is answered and correlated."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest

from connectors.builtin.webhook.generic import generic_webhook
from connectors.builtin.webhook.model import ApiKeyAuth, BasicAuth, JwtAuth, NoAuth
from connectors.builtin.webhook.slack import slack_webhook
from connectors.builtin.webhook.sns import sns_webhook
from connectors.elementtemplates import ElementTemplate, bpmn_view, read_templates
from tests.builtin.conftest import values_for
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.webhooks.conftest import ENDPOINT, inbound_context, send

pytestmark = pytest.mark.xdist_group("webhooks")

CONNECTORS = {c.type: c for c in (generic_webhook, slack_webhook, sns_webhook)}
FAMILY = ("webhook-connector", "github-webhook", "twilio-webhook", "aws-eventbridge-connector",
          "slack-inbound", "aws-sns-inbound")  # fmt: skip
AUTHS = {"NONE": NoAuth, "BASIC": BasicAuth, "APIKEY": ApiKeyAuth, "JWT": JwtAuth}
SECRET = "corpus-s3cret"


def inbound_type(tpl: ElementTemplate) -> str | None:
    for prop in tpl.properties:
        if prop.binding.type == "zeebe:property" and prop.binding.name == "inbound.type":
            return str(prop.value)
    return None


def family() -> list[ElementTemplate]:
    found = []
    for path in sorted(CORPUS_DIR.glob("*.json")):
        if path.name.startswith(FAMILY) and "outbound" not in path.name:
            found += [t for t in read_templates(path.read_bytes()) if inbound_type(t) in CONNECTORS]
    return found


def auth_choices(tpl: ElementTemplate) -> list[str]:
    for prop in tpl.properties:
        if prop.binding.name == "inbound.auth.type" and prop.choices:
            return [c.value for c in prop.choices]
    return ["NONE"]


TEMPLATES = family()
CASES = [(t, a) for t in TEMPLATES for a in auth_choices(t)]


def properties(tpl: ElementTemplate, auth: str) -> dict[str, Any]:
    """The element's `zeebe:property` bindings as a deployed process carries them."""
    values = values_for(
        tpl,
        {
            "inbound.context": "corpus-hook",
            "inbound.shouldValidateHmac": "enabled",
            "inbound.hmacSecret": SECRET,
            "inbound.hmacHeader": "X-Signature",
            "inbound.slackSigningSecret": SECRET,
            "inbound.auth.type": auth,
            "inbound.auth.username": "hook",
            "inbound.auth.password": SECRET,
            "inbound.auth.apiKey": SECRET,
            "inbound.auth.jwt.jwkUrl": "https://keys.example.com/jwks.json",
            "inbound.auth.jwt.permissionsExpression": "=roles",
            "inbound.auth.jwt.requiredPermissions": '=["admin"]',
        },
    )
    found = {p["name"]: p["value"] for p in bpmn_view(tpl, values).properties if "value" in p}
    # Twilio's templates bind inbound.context twice (a text field, then an empty Hidden one);
    # the Modeler keeps what the user typed, our one-value-per-binding view the last
    return {**found, "inbound.context": found.get("inbound.context") or "corpus-hook"}


def test_the_corpus_has_every_webhook_family_template() -> None:
    files = {t.id for t in TEMPLATES}
    assert len(TEMPLATES) >= 100
    for word in ("Github", "Twilio", "AWSEventBridge", "Slack", "AWSSNS", "WebhookConnector"):
        assert any(word.lower() in i.lower() for i in files), word


@pytest.mark.parametrize(("tpl", "auth"), CASES, ids=[f"{t.id}-v{t.version}-{a}" for t, a in CASES])
def test_every_version_binds_and_answers(tpl: ElementTemplate, auth: str) -> None:
    props = properties(tpl, auth)
    connector = CONNECTORS[props["inbound.type"]]
    context = inbound_context(props)
    bound = context.bind(connector.input).inbound  # type: ignore[attr-defined]
    assert bound.context == "corpus-hook"
    if connector is sns_webhook:
        unsigned = send(connector, context, body=json.dumps({"Type": "Notification"}))
        assert unsigned.status == 400 and context.correlations == []
        return
    if connector is slack_webhook:
        assert send(connector, context, body="{}", headers=slack_headers(b"{}")).status == 200
        assert len(context.correlations) == 1
        return
    assert isinstance(bound.auth, AUTHS[auth])
    if auth in ("APIKEY", "JWT"):
        return  # bound; each is exercised in test_generic and test_jwt
    body, headers = generic_request(bound)
    if auth == "BASIC":
        headers["Authorization"] = "Basic " + base64.b64encode(f"hook:{SECRET}".encode()).decode()
    answer = send(connector, context, body=body, headers=headers)
    assert answer.status == 200, answer.body
    assert context.correlations[0].variables["request"]["body"]


def generic_request(bound: Any) -> tuple[bytes, dict[str, str]]:
    """A request as the template's sender signs it: GitHub's X-Hub-Signature-256 over the body,
    Twilio's base64 SHA-1 over the URL and the sorted form fields, none otherwise."""
    if bound.shouldValidateHmac != "enabled":
        return b'{"event": "created"}', {"Content-Type": "application/json"}
    if bound.hmacHeader.lower() == "x-twilio-signature":
        fields = {"From": "+15557654321", "Body": "Hi"}
        data = ENDPOINT + "".join(k + fields[k] for k in sorted(fields))
        digest = hmac.new(SECRET.encode(), data.encode(), hashlib.sha1).digest()
        return b"From=%2B15557654321&Body=Hi", {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": base64.b64encode(digest).decode(),
        }
    body = b'{"action": "opened"}'
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", bound.hmacHeader: f"sha256={digest}"}


def slack_headers(body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
    }
