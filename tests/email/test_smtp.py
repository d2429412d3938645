"""SMTP send through every version of Camunda's email template, against GreenMail: the result
Camunda returns, the message as sent, the exchange on the run page, and Camunda's errors."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from connectors.network.policy import EgressPolicy
from connectors.runtime import Outcome
from tests.builtin.conftest import result_of, run_template
from tests.email.conftest import (
    SECRET,
    email_template,
    email_templates,
    received,
    smtp_values,
)  # fmt: skip
from tests.services.greenmail import GreenMail

# one GreenMail per test session: its tests share a worker (docs/testing.md)
pytestmark = pytest.mark.xdist_group("greenmail")

V8 = email_template(8)


def send(server: GreenMail, tpl: Any = V8, password: str | None = None, **extra: Any) -> Outcome:
    return run_template(
        tpl, smtp_values(server, **extra), secrets={SECRET: password or server.password}
    )


@pytest.mark.parametrize("tpl", email_templates(), ids=lambda t: f"v{t.version}")
def test_every_template_version_sends_a_plain_text_email(mail_server, tpl):
    outcome = send(mail_server, tpl)
    result = result_of(outcome)
    assert set(result) == {"subject", "sent", "messageId"}
    assert result["subject"] == "Order 42" and result["sent"] is True
    assert result["messageId"].startswith("<") and result["messageId"].endswith("@example.com>")
    message = received(mail_server, "bob@example.org", result["messageId"])
    assert message["Subject"] == "Order 42"
    assert message["From"] == mail_server.address
    assert message.get_content_type() == "multipart/mixed"  # as Camunda sends even plain text
    [part] = message.get_payload()
    assert part.get_content_type() == "text/plain"
    assert part.get_payload(decode=True).decode() == "Your order has shipped."


def test_html_and_text_with_cc_bcc_and_custom_headers(mail_server):
    outcome = send(
        mail_server,
        **{
            "data.smtpAction.contentType": "MULTIPART",
            "data.smtpAction.htmlBody": "<p>Your order has <b>shipped</b>.</p>",
            "data.smtpAction.to": '=["bob@example.org", "carol@example.org"]',
            "data.smtpAction.cc": "dave@example.org",
            "data.smtpAction.bcc": "erin@example.org",
            "data.smtpAction.headers": '={"X-Ticket": "42", "Reply-To": "desk@example.com"}',
        },
    )
    result = result_of(outcome)
    for address in ("bob", "carol", "dave", "erin"):
        message = received(mail_server, f"{address}@example.org", result["messageId"])
        assert message["To"] == "bob@example.org, carol@example.org"
        assert message["Cc"] == "dave@example.org"
        assert message["Bcc"] is None  # blind copies stay blind
        assert (message["X-Ticket"], message["Reply-To"]) == ("42", "desk@example.com")
        text, html = message.get_payload()
        assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
        assert "<b>shipped</b>" in html.get_payload(decode=True).decode()
    [exchange] = outcome.trace.exchanges
    assert exchange["protocol"] == "smtp"
    assert exchange["target"] == f"127.0.0.1:{mail_server.smtp}"
    assert exchange["summary"].startswith("SMTP send to 4 recipients, 250")
    assert exchange["status"] == 250
    assert "RCPT TO erin@example.org: 250" in exchange["response_body"]
    assert "X-Ticket: 42" in exchange["request_body"]


def test_html_only(mail_server):
    html = "<h1>Hi</h1>"
    outcome = send(
        mail_server,
        **{"data.smtpAction.contentType": "HTML", "data.smtpAction.htmlBody": html},
    )
    message = received(mail_server, "bob@example.org", result_of(outcome)["messageId"])
    [part] = message.get_payload()
    assert part.get_content_type() == "text/html"


def test_no_authentication(mail_server):
    outcome = send(mail_server, **{"authentication.type": "noAuth"})
    assert result_of(outcome)["sent"] is True


def test_tls_uses_starttls_only_when_the_server_offers_it(mail_server):
    """Camunda sets Jakarta's starttls.enable (not .required): GreenMail's plain SMTP offers
    no STARTTLS, so the message goes in plain text, as it would from Camunda."""
    outcome = send(mail_server, **{"data.smtpConfig.smtpCryptographicProtocol": "TLS"})
    assert result_of(outcome)["sent"] is True
    assert "STARTTLS" not in outcome.trace.exchanges[0]["response_body"]


def test_ssl_verifies_the_servers_certificate(mail_server):
    """GreenMail's SMTPS certificate is self-signed: refused, as Java refuses it."""
    outcome = send(
        mail_server,
        **{
            "data.smtpConfig.smtpPort": mail_server.smtps,
            "data.smtpConfig.smtpCryptographicProtocol": "SSL",
        },
    )
    assert outcome.kind == "failed"
    assert outcome.message.startswith(
        f"jakarta.mail.MessagingException: Could not connect to SMTP host: 127.0.0.1, port: "
        f"{mail_server.smtps}"
    )
    assert "javax.net.ssl.SSLHandshakeException: CERTIFICATE_VERIFY_FAILED" in outcome.message


def test_a_wrong_password_gives_camundas_error_and_never_the_secret(mail_server):
    wrong = "not-the-Password-9"
    outcome = send(mail_server, password=wrong)
    assert outcome.kind == "failed"
    assert outcome.trace.error["type"] == "java.lang.RuntimeException"
    assert outcome.message.startswith("jakarta.mail.AuthenticationFailedException: 535")
    assert outcome.retries == 2  # not an input error: retries - 1, as Camunda
    stored = repr(outcome.trace) + repr(outcome)
    assert wrong not in stored and mail_server.password not in stored


def test_an_unknown_host(mail_server):
    outcome = send(mail_server, **{"data.smtpConfig.smtpHost": "no-such-host.invalid"})
    assert outcome.kind == "failed"
    assert outcome.trace.error["type"] == "java.lang.RuntimeException"
    assert outcome.message.startswith(
        "org.eclipse.angus.mail.util.MailConnectException: Couldn't connect to host, port: "
        f"no-such-host.invalid, {mail_server.smtp}; timeout -1"
    )
    assert "java.net.UnknownHostException: no-such-host.invalid" in outcome.message


def test_a_closed_port(mail_server):
    outcome = send(mail_server, **{"data.smtpConfig.smtpPort": _closed_port()})
    assert outcome.kind == "failed"
    assert "java.net.ConnectException: Connection refused" in outcome.message


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_loopback_is_refused_by_the_egress_policy(mail_server):
    outcome = run_template(
        V8,
        smtp_values(mail_server),
        secrets={SECRET: mail_server.password},
        policy=EgressPolicy.from_allowlist([]),
    )
    assert outcome.kind == "failed" and outcome.retries == 0
    assert outcome.message.startswith(
        "The egress policy refused 127.0.0.1: 127.0.0.1 is a loopback"
    )


@pytest.mark.parametrize(
    ("extra", "field", "problem"),
    [
        (
            {
                "data.smtpAction.data_smtpAction_attachments_documentMode": "multiple",
                "data.smtpAction.data_smtpAction_attachments_multiple_expression": '=["doc"]',
            },
            "data.smtpAction.attachments[0]",
            "expected a document reference",
        ),
        ({"data.smtpAction.to": "=3"}, "data.smtpAction.to", "List or String was expected"),
        ({"data.smtpAction.to": "bob"}, "data.smtpAction.to", "'bob' is not an email address"),
        (
            {"data.smtpAction.headers": '={"X-Bad": "a\\nBcc: x@example.org"}'},
            "data.smtpAction.headers",
            "header 'X-Bad'",
        ),
        (
            {"data.smtpAction.contentType": "HTML"},
            "data.smtpAction.htmlBody",
            "Please provide a proper message body",
        ),
        (
            {"emailAccountConfiguration": "acme-mail"},
            "emailAccountConfiguration",
            "must be an object with the account's username, password and server",
        ),
    ],
)
def test_bad_input_names_the_field(mail_server, extra, field, problem):
    outcome = send(mail_server, **extra)
    assert outcome.kind == "failed" and outcome.retries == 0, outcome
    assert outcome.message.startswith(f"{field}: ")
    assert problem in outcome.message
