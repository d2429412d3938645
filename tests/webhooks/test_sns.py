"""SNS's HTTPS subscription webhook, io.camunda:aws-sns-webhook:1: messages signed with a
freshly generated key whose self-signed certificate a real local server hands out,
SignatureVersion 1 and 2, the subscription confirmed at its SubscribeURL, the topic
allow-list, and the certificate host rule (Camunda's SnsWebhookExecutable; AWS's "Verifying
the signatures of Amazon SNS messages").

AWS requires the certificate on `sns.<region>.amazonaws.com` over HTTPS; the tests widen that
rule with `SnsTrust(extra_hosts=..., allow_http=True)` for their server on 127.0.0.1, and check
the registered connector's rule on its own."""

from __future__ import annotations

import base64
import datetime
import json
import uuid
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from connectors.builtin.webhook.sns import AWS, SnsTrust, sns_connector, sns_webhook
from tests.services.http_servers import RecordingServer, Reply
from tests.webhooks.conftest import inbound_context, send

pytestmark = pytest.mark.xdist_group("webhooks")

TOPIC = "arn:aws:sns:eu-west-1:123456789012:orders"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PROPS = {"inbound.type": "io.camunda:aws-sns-webhook:1", "inbound.context": "sns-orders"}


def certificate(key: rsa.RSAPrivateKey, *, days: int = 30, start: int = -1) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + datetime.timedelta(days=start))
        .not_valid_after(now + datetime.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def serve_certificate(server: RecordingServer, pem: bytes | None = None) -> str:
    path = f"/SimpleNotificationService-{uuid.uuid4().hex}.pem"
    server.route(path, Reply(body=pem or certificate(KEY)))
    return server.url + path


def signed(message: dict[str, Any], version: str = "1", key: rsa.RSAPrivateKey = KEY) -> dict:
    """MESSAGE signed as AWS documents it."""
    fields = {
        "Notification": ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
        "SubscriptionConfirmation": [
            "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type",
        ],
    }[message["Type"]]  # fmt: skip
    text = "".join(f"{k}\n{message[k]}\n" for k in fields if k in message)
    digest = hashes.SHA1() if version == "1" else hashes.SHA256()
    signature = key.sign(text.encode(), padding.PKCS1v15(), digest)
    return {
        **message,
        "SignatureVersion": version,
        "Signature": base64.b64encode(signature).decode(),
    }


def notification(cert_url: str, **extra: Any) -> dict[str, Any]:
    return {
        "Type": "Notification",
        "MessageId": str(uuid.uuid4()),
        "TopicArn": TOPIC,
        "Subject": "Order placed",
        "Message": '{"orderId": 7}',
        "Timestamp": "2026-12-06T08:00:00.000Z",
        "SigningCertURL": cert_url,
        **extra,
    }


def trusting(server: RecordingServer) -> Any:
    return sns_connector(
        SnsTrust(extra_hosts=frozenset({f"127.0.0.1:{server.port}"}), allow_http=True)
    )


def post(connector: Any, context: Any, message: dict[str, Any], topic: str = TOPIC) -> Any:
    headers = {"x-amz-sns-topic-arn": topic, "x-amz-sns-message-type": message["Type"]}
    return send(
        connector,
        context,
        body=json.dumps(message),
        headers={**headers, "Content-Type": "text/plain"},
    )


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_signed_notification_is_correlated(server: RecordingServer, version: str) -> None:
    message = signed(notification(serve_certificate(server)), version)
    context = inbound_context(PROPS)
    answer = post(trusting(server), context, message)
    assert (answer.status, answer.body) == (200, None)
    [correlation] = context.correlations
    assert correlation.variables["connectorData"] == {"snsEventType": "Notification"}
    assert correlation.variables["request"]["body"]["Message"] == '{"orderId": 7}'
    assert correlation.variables["request"]["headers"]["x-amz-sns-topic-arn"] == TOPIC


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda m: {**m, "Message": "changed"}, id="tampered-message"),
        pytest.param(lambda m: {**m, "Subject": "changed"}, id="tampered-subject"),
        pytest.param(lambda m: {**m, "SignatureVersion": "2"}, id="other-version"),
        pytest.param(lambda m: {**m, "SignatureVersion": "3"}, id="unknown-version"),
        pytest.param(lambda m: {**m, "Signature": "%%%"}, id="not-base64"),
    ],
)
def test_a_forged_notification_is_refused(server: RecordingServer, forge: Any) -> None:
    message = forge(signed(notification(serve_certificate(server))))
    context = inbound_context(PROPS)
    answer = post(trusting(server), context, message)
    assert answer.status == 401
    assert answer.body["reason"].startswith("Reason: INVALID_SIGNATURE")
    assert context.correlations == []


def test_a_message_signed_with_another_key_is_refused(server: RecordingServer) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    message = signed(notification(serve_certificate(server)), key=other)
    assert post(trusting(server), inbound_context(PROPS), message).status == 401


def test_an_expired_certificate_is_refused(server: RecordingServer) -> None:
    url = serve_certificate(server, certificate(KEY, days=-1, start=-10))
    answer = post(trusting(server), inbound_context(PROPS), signed(notification(url)))
    assert answer.status == 401
    assert "not valid now" in answer.body["reason"]


def test_the_registered_connector_fetches_certificates_from_sns_hosts_only(
    server: RecordingServer,
) -> None:
    url = serve_certificate(server)
    answer = post(sns_webhook, inbound_context(PROPS), signed(notification(url)))
    assert answer.status == 401
    assert "SigningCertURL is not an SNS certificate URL" in answer.body["reason"]
    assert server.requests == []
    assert AWS.admits(
        "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-a.pem", "eu-west-1"
    )
    assert AWS.admits("https://sns.cn-north-1.amazonaws.com.cn/a.pem", "cn-north-1")
    for bad in (
        "http://sns.eu-west-1.amazonaws.com/a.pem",
        "https://sns.us-east-1.amazonaws.com/a.pem",
        "https://sns.eu-west-1.amazonaws.com.evil.example/a.pem",
        "https://sns.eu-west-1.amazonaws.com:8443/a.pem",
        "https://evil.example/sns.eu-west-1.amazonaws.com/a.pem",
    ):
        assert not AWS.admits(bad, "eu-west-1"), bad


def test_a_subscription_is_confirmed_at_its_subscribe_url_then_correlated(
    server: RecordingServer,
) -> None:
    server.route("/confirm", Reply(body="<ConfirmSubscriptionResponse/>"))
    message = signed(
        {
            "Type": "SubscriptionConfirmation",
            "MessageId": str(uuid.uuid4()),
            "Token": "2336412f37f",
            "TopicArn": TOPIC,
            "Message": "You have chosen to subscribe to the topic.",
            "SubscribeURL": f"{server.url}/confirm?Action=ConfirmSubscription&Token=2336412f37f",
            "Timestamp": "2026-12-06T08:00:00.000Z",
            "SigningCertURL": serve_certificate(server),
        },
        "2",
    )
    context = inbound_context(PROPS)
    assert post(trusting(server), context, message).status == 200
    confirmation = server.last("/confirm")
    assert (confirmation.method, dict(confirmation.query)["Token"]) == ("GET", "2336412f37f")
    assert context.correlations[0].variables["connectorData"] == {"snsEventType": "Subscription"}
    assert [e.summary for e in context.exchanges] == [
        "GET SNS signing certificate",
        "GET SNS SubscribeURL (confirm subscription)",
    ]


def test_a_subscribe_url_off_the_sns_host_is_not_fetched(server: RecordingServer) -> None:
    message = signed(
        {
            "Type": "SubscriptionConfirmation",
            "MessageId": "m1",
            "Token": "t",
            "TopicArn": TOPIC,
            "Message": "subscribe",
            "SubscribeURL": "http://169.254.169.254/latest/meta-data",
            "Timestamp": "2026-12-06T08:00:00.000Z",
            "SigningCertURL": serve_certificate(server),
        }
    )
    context = inbound_context(PROPS)
    answer = post(trusting(server), context, message)
    assert answer.status == 400
    assert context.correlations == []
    assert len(list(context.exchanges)) == 1  # the certificate only


def test_the_topic_allow_list(server: RecordingServer) -> None:
    message = signed(notification(serve_certificate(server)))
    other = "arn:aws:sns:eu-west-1:123456789012:other"
    specific = {**PROPS, "inbound.securitySubscriptionAllowedFor": "specific"}
    refused = inbound_context({**specific, "inbound.topicsAllowList": other})
    answer = post(trusting(server), refused, message)
    assert (answer.status, answer.body) == (
        403,
        {"reason": "the topic is not on the element's allow list"},
    )
    allowed = inbound_context({**specific, "inbound.topicsAllowList": f"{other}, {TOPIC}"})
    assert post(trusting(server), allowed, message).status == 200


def test_a_topic_header_that_differs_from_the_signed_topic_is_refused(
    server: RecordingServer,
) -> None:
    message = signed(notification(serve_certificate(server)))
    allowed = "arn:aws:sns:eu-west-1:123456789012:allowed"
    context = inbound_context(
        {
            **PROPS,
            "inbound.securitySubscriptionAllowedFor": "specific",
            "inbound.topicsAllowList": allowed,
        }
    )
    answer = post(trusting(server), context, message, topic=allowed)
    assert answer.status == 400
    assert "TopicArn differs" in answer.body["reason"]
    assert send(sns_webhook, context, body="{}").status == 400  # no topic header at all
