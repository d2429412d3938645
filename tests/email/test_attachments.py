"""Email attachments as documents, through Camunda's current email template against GreenMail:
SMTP sends documents as attachments (file name, content type, bytes), IMAP and POP3 read return
a message's attachments as stored documents, and a reference that does not resolve fails the
send before anything is sent."""

from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage
from typing import Any

import pytest
from connectorhub_sdk.documents import (
    DocumentCreationRequest,
    DocumentReference,
    InMemoryDocumentStore,
)

from connectors.elementtemplates import build_job
from connectors.runtime import JobRequest, Outcome, run_job
from connectors.secrets.providers import MappingSecretProvider
from tests.builtin.conftest import LOCAL_ONLY, values_for
from tests.email.conftest import SECRET, email_template, received, smtp_values
from tests.services.greenmail import GreenMail

pytestmark = pytest.mark.xdist_group("greenmail")

V8 = email_template(8)
REPORT = b"%PDF-1.7 quarterly"
ROWS = "naïve;1\r\n".encode()


def run(
    values: dict[str, Any], secret: str, variables: dict[str, Any], store: InMemoryDocumentStore
) -> Outcome:
    job = build_job(V8, values_for(V8, values), variables)
    assert not job.errors, job.errors
    assert job.type is not None
    return run_job(
        JobRequest(type=job.type, variables=job.variables, headers=job.headers),
        secrets=MappingSecretProvider({SECRET: secret}),
        time_limit=30.0,
        address_policy=LOCAL_ONLY,
        document_store=store,
    )


def stored(store: InMemoryDocumentStore, content: bytes, **metadata: Any) -> dict[str, Any]:
    return store.create(DocumentCreationRequest(content=content, **metadata)).as_json()


def attachments_expression(expression: str) -> dict[str, str]:
    return {
        "data.smtpAction.data_smtpAction_attachments_documentMode": "multiple",
        "data.smtpAction.data_smtpAction_attachments_multiple_expression": expression,
    }


def test_smtp_sends_documents_as_attachments(mail_server: GreenMail) -> None:
    store = InMemoryDocumentStore()
    variables = {
        "report": stored(store, REPORT, content_type="application/pdf", file_name="Q3.pdf"),
        "rows": stored(store, ROWS, content_type="text/csv", file_name="zahlen-ä.csv"),
    }
    values = smtp_values(mail_server, **attachments_expression("=[report, rows]"))

    outcome = run(values, mail_server.password, variables, store)

    assert outcome.kind == "completed", outcome
    message = received(mail_server, "bob@example.org", outcome.variables["result"]["messageId"])
    parts = [p for p in message.walk() if p.get_content_disposition() == "attachment"]
    assert [(p.get_filename(), p.get_content_type()) for p in parts] == [
        ("Q3.pdf", "application/pdf"),
        ("zahlen-ä.csv", "text/csv"),
    ]
    assert [p.get_payload(decode=True) for p in parts] == [REPORT, ROWS]
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    assert body.get_content_disposition() is None  # the text stays the message's body


def test_an_attachment_that_does_not_resolve_fails_before_sending(mail_server: GreenMail) -> None:
    missing = {"camunda.document.type": "camunda", "storeId": "in-memory", "documentId": "gone"}
    subject = f"never sent {uuid.uuid4().hex[:6]}"
    values = smtp_values(
        mail_server, **attachments_expression("=[missing]"), **{"data.smtpAction.subject": subject}
    )

    outcome = run(values, mail_server.password, {"missing": missing}, InMemoryDocumentStore())

    assert outcome.kind == "failed" and outcome.retries == 2
    assert outcome.trace.error["type"] == "io.camunda.client.api.command.ProblemException"
    assert "document 'gone' in store 'in-memory' not found" in outcome.message
    assert outcome.trace.exchanges == []  # no connection was opened


@pytest.fixture
def with_attachment(mail_server: GreenMail) -> dict[str, Any]:
    """A fresh mailbox holding one message with a text body and two attachments."""
    address = f"a{uuid.uuid4().hex[:8]}@example.org"
    message = EmailMessage()
    message["From"], message["To"] = "sender@example.com", address
    message["Subject"], message["Message-ID"] = "Invoice", f"<att.{address}>"
    message.set_content("See the attachments.")
    message.add_attachment(REPORT, maintype="application", subtype="pdf", filename="Q3.pdf")
    message.add_attachment(ROWS, maintype="text", subtype="csv", filename="rows.csv")
    with smtplib.SMTP(mail_server.host, mail_server.smtp) as smtp:
        smtp.send_message(message)
    return {"address": address, "id": message["Message-ID"]}


def read_values(server: GreenMail, protocol: str, box: dict[str, Any]) -> dict[str, Any]:
    port = server.imap if protocol == "imap" else server.pop3
    return {
        "protocol": protocol,
        f"data.{protocol}ActionDiscriminator": f"readEmail{protocol.capitalize()}",
        f"data.{protocol}Config.{protocol}Host": server.host,
        f"data.{protocol}Config.{protocol}Port": port,
        f"data.{protocol}Config.{protocol}CryptographicProtocol": "NONE",
        f"data.{protocol}Action.messageId": box["id"],
        "authentication.type": "simple",
        "authentication.username": box["address"],
        "authentication.password": f"{{{{secrets.{SECRET}}}}}",
        "resultVariable": "result",
    }


@pytest.mark.parametrize("protocol", ["imap", "pop3"])
def test_read_returns_attachments_as_documents(
    mail_server: GreenMail, with_attachment: dict[str, Any], protocol: str
) -> None:
    store = InMemoryDocumentStore()
    values = read_values(mail_server, protocol, with_attachment)

    outcome = run(values, with_attachment["address"], {}, store)

    assert outcome.kind == "completed", outcome
    result = outcome.variables["result"]
    assert result["plainTextBody"].strip() == "See the attachments."
    assert result["errors"] == []
    documents = [DocumentReference.model_validate(a) for a in result["attachments"]]
    assert [(d.metadata.file_name, d.metadata.content_type) for d in documents] == [
        ("Q3.pdf", "application/pdf"),
        ("rows.csv", "text/csv"),
    ]
    assert [store.read(d) for d in documents] == [REPORT, ROWS]
