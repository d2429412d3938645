"""Fixtures for the email connector: GreenMail on 127.0.0.1 for the whole session, Camunda's
official email templates from the pinned corpus, and a reader of the mailboxes (IMAP)."""

from __future__ import annotations

import email
import imaplib
import smtplib
import uuid
from email.message import EmailMessage, Message
from typing import Any

import pytest

from connectors.elementtemplates import ElementTemplate
from tests.builtin.conftest import template, templates
from tests.services.greenmail import GreenMail

EMAIL_FILE = "email-outbound-connector.json"
EMAIL_ID = "io.camunda.connectors.email.v1"
SECRET = "MAIL_PASSWORD"


def email_templates() -> tuple[ElementTemplate, ...]:
    return templates(EMAIL_FILE)


def email_template(version: int) -> ElementTemplate:
    return template(EMAIL_FILE, EMAIL_ID, version)


def smtp_values(server: GreenMail, **extra: Any) -> dict[str, Any]:
    """Form values (by binding name) for an SMTP send with the password as a hub secret."""
    return {
        "protocol": "smtp",
        "data.smtpActionDiscriminator": "sendEmailSmtp",
        "data.smtpConfig.smtpHost": server.host,
        "data.smtpConfig.smtpPort": server.smtp,
        "data.smtpConfig.smtpCryptographicProtocol": "NONE",
        "authentication.type": "simple",
        "authentication.username": server.user,
        "authentication.password": f"{{{{secrets.{SECRET}}}}}",
        "data.smtpAction.from": server.address,
        "data.smtpAction.to": "bob@example.org",
        "data.smtpAction.subject": "Order 42",
        "data.smtpAction.body": "Your order has shipped.",
        "resultVariable": "result",
        **extra,
    }


def received(server: GreenMail, address: str, message_id: str) -> Message:
    """The message with MESSAGE_ID in ADDRESS's inbox (GreenMail makes a mailbox per address,
    its password the address)."""
    client = imaplib.IMAP4(server.host, server.imap)
    try:
        client.login(address, address if address != server.address else server.password)
        client.select("INBOX")
        _, found = client.search(None, "HEADER", "Message-ID", message_id)
        [number] = found[0].split()
        _, data = client.fetch(number, "(RFC822)")
        raw = data[0]
        assert isinstance(raw, tuple)
        return email.message_from_bytes(raw[1])
    finally:
        client.logout()


@pytest.fixture
def mailbox(mail_server: GreenMail) -> dict[str, Any]:
    """A fresh user with three messages in its inbox; GreenMail makes the user on delivery."""
    address = f"u{uuid.uuid4().hex[:8]}@example.org"
    ids = []
    with smtplib.SMTP(mail_server.host, mail_server.smtp) as smtp:
        for n, (subject, size) in enumerate([("Invoice 1", 10), ("Hello", 300), ("Invoice 2", 50)]):
            message = EmailMessage()
            message["From"], message["To"] = f"sender{n}@example.com", address
            message["Subject"], message["Message-ID"] = subject, f"<m{n}.{address}>"
            message.set_content("x" * size)
            smtp.send_message(message)
            ids.append(message["Message-ID"])
    return {"address": address, "ids": ids}
