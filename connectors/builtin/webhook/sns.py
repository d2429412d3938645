"""Camunda's SNS HTTPS subscription webhook, `io.camunda:aws-sns-webhook:1`.

Facts from camunda/connectors: SnsWebhookExecutable (the topic allow-list on the
`x-amz-sns-topic-arn` header, the region from that ARN, a SubscriptionConfirmation confirmed
and then correlated like a Notification, `connectorData.snsEventType` "Subscription" or
"Notification", other message types not supported) and SnsWebhookConnectorProperties. Camunda
verifies with AWS SDK v1's SnsMessageManager; the facts it applies are AWS's ("Verifying the
signatures of Amazon SNS messages"): the string to sign per message type, SignatureVersion 1
(SHA1withRSA) and 2 (SHA256withRSA), the signing certificate fetched over HTTPS from
`sns.<region>.amazonaws.com` only. The subscription is confirmed by a GET of its SubscribeURL
(same host rule), as AWS documents; every fetch goes through the network door.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from connectorhub_sdk.inbound import (
    InboundConnector,
    InboundContext,
    WebhookRequest,
    WebhookResponse,
    webhook,
)
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from . import fetch
from .http import WebhookRefused, answer, mapped_request, ok
from .model import SnsInput, SnsProperties

TOPIC_HEADER = "x-amz-sns-topic-arn"
# the fields AWS signs, in order, per message type
SIGNED_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
}
HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}
EVENT_TYPES = {"Notification": "Notification", "SubscriptionConfirmation": "Subscription"}


@dataclass(frozen=True)
class SnsTrust:
    """Where signing certificates and subscription URLs may come from: HTTPS on the SNS host
    of the topic's region (`sns.<region>.amazonaws.com`, `.amazonaws.com.cn` in China), as AWS
    requires. `extra_hosts` (`host` or `host:port`) and `allow_http` widen it, for a test that
    signs with its own certificate on 127.0.0.1; the registered connector uses `AWS`."""

    extra_hosts: frozenset[str] = frozenset()
    allow_http: bool = False

    def admits(self, url: str, region: str) -> bool:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme != "https" and not (self.allow_http and parts.scheme == "http"):
            return False
        if host in (f"sns.{region}.amazonaws.com", f"sns.{region}.amazonaws.com.cn"):
            return parts.port in (None, 443)
        return host in self.extra_hosts or parts.netloc.lower() in self.extra_hosts


AWS = SnsTrust()
MAX_CERTIFICATES = 64
_certificates: dict[str, x509.Certificate] = {}  # URL -> certificate (AWS rotates by URL)
_lock = threading.Lock()


def sns_connector(trust: SnsTrust) -> InboundConnector:
    """The SNS webhook trusting TRUST's certificate hosts."""

    @webhook(
        type="io.camunda:aws-sns-webhook:1",
        name="AWS SNS HTTPS subscription",
        input=SnsInput,
        description="Start or continue a process with SNS notifications (signatures checked).",
    )
    def sns_webhook(
        data: SnsInput, request: WebhookRequest, context: InboundContext
    ) -> WebhookResponse:
        try:
            return _handle(data.inbound, request, context, trust)
        except WebhookRefused as refused:
            return refused.logged(request, context)

    return sns_webhook


sns_webhook = sns_connector(AWS)


def _handle(
    props: SnsProperties, request: WebhookRequest, context: InboundContext, trust: SnsTrust
) -> WebhookResponse:
    topic = request.headers.get(TOPIC_HEADER)
    if not topic:
        raise WebhookRefused(400, f"SNS request did not contain header: {TOPIC_HEADER}")
    if props.securitySubscriptionAllowedFor == "specific" and topic not in props.allowed_topics:
        raise WebhookRefused(403, "the topic is not on the element's allow list")
    message = _message(request.body)
    if message.get("TopicArn") != topic:
        raise WebhookRefused(400, f"the message's TopicArn differs from {TOPIC_HEADER}")
    kind = message.get("Type")
    if kind not in SIGNED_FIELDS:
        raise WebhookRefused(400, f"SNS message type {kind} is not supported")
    region = _region(topic)
    _verify(message, region, context, trust)
    if kind == "SubscriptionConfirmation":
        _confirm(message, region, context, trust)
    variables = {
        "request": mapped_request(request, message),
        "connectorData": {"snsEventType": EVENT_TYPES[kind]},
        "documents": [],
    }
    return answer(context.correlate(variables), ok)


def _message(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except ValueError:
        raise WebhookRefused(400, "request body: not an SNS message (not JSON)") from None
    if not isinstance(value, dict):
        raise WebhookRefused(400, "request body: not an SNS message (not a JSON object)")
    return value


def _region(topic_arn: str) -> str:
    """arn:aws:sns:<region>:<account>:<topic>"""
    parts = topic_arn.split(":")
    if len(parts) < 6 or parts[2] != "sns" or not parts[3]:
        raise WebhookRefused(400, f"{TOPIC_HEADER}: not an SNS topic ARN")
    return parts[3]


def string_to_sign(message: Mapping[str, Any]) -> bytes:
    """AWS's string to sign: `name\\nvalue\\n` for each signed field present, in order."""
    fields = SIGNED_FIELDS[str(message.get("Type"))]
    return "".join(
        f"{name}\n{message[name]}\n" for name in fields if message.get(name) is not None
    ).encode()


def _verify(message: dict[str, Any], region: str, ctx: InboundContext, trust: SnsTrust) -> None:
    algorithm = HASHES.get(str(message.get("SignatureVersion")))
    url = str(message.get("SigningCertURL") or "")
    if algorithm is None:
        raise _invalid("SignatureVersion must be 1 or 2")
    if not trust.admits(url, region):
        raise _invalid("SigningCertURL is not an SNS certificate URL of the topic's region")
    try:
        signature = base64.b64decode(str(message.get("Signature")), validate=True)
    except binascii.Error:
        raise _invalid("Signature is not base64") from None
    key = _certificate(url, ctx).public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise _invalid("the signing certificate has no RSA key")
    try:
        key.verify(signature, string_to_sign(message), padding.PKCS1v15(), algorithm())
    except InvalidSignature:
        raise _invalid("the signature does not match the message") from None


def _invalid(details: str) -> WebhookRefused:
    return WebhookRefused.security(401, "INVALID_SIGNATURE", details)


def _certificate(url: str, ctx: InboundContext) -> x509.Certificate:
    """The signing certificate at URL (cached), checked to be valid now; HTTPS verified the
    host it came from."""
    with _lock:
        certificate = _certificates.get(url)
    if certificate is None:
        try:
            pem = fetch.get(ctx.network, url, summary="GET SNS signing certificate")
            certificate = x509.load_pem_x509_certificate(pem)
        except fetch.FetchFailed as exc:
            ctx.log(str(exc), severity="ERROR", tag="signature")
            raise WebhookRefused(500, "the signing certificate could not be fetched") from None
        except ValueError:
            raise _invalid("the signing certificate is not a PEM certificate") from None
        with _lock:
            if len(_certificates) >= MAX_CERTIFICATES:
                _certificates.clear()
            _certificates[url] = certificate
    now = datetime.datetime.now(datetime.UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise _invalid("the signing certificate is not valid now")
    return certificate


def _confirm(message: dict[str, Any], region: str, ctx: InboundContext, trust: SnsTrust) -> None:
    """Confirm the subscription with a GET of its SubscribeURL, only on an SNS host."""
    url = str(message.get("SubscribeURL") or "")
    if not trust.admits(url, region):
        raise WebhookRefused(400, "SubscribeURL is not an SNS URL of the topic's region")
    try:
        fetch.get(ctx.network, url, summary="GET SNS SubscribeURL (confirm subscription)")
    except fetch.FetchFailed as exc:
        ctx.log(str(exc), severity="ERROR", tag="subscription")
        raise WebhookRefused(500, "the subscription could not be confirmed") from None
    ctx.log(f"Confirmed the subscription to {message.get('TopicArn')}", tag="subscription")
