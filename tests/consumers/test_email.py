"""The email consumer against GreenMail (IMAP): every template version, Camunda's
ReadEmailResponse variables with attachments as documents and the Message-ID as message id,
each handling strategy applied only after the engine accepted the message, a message the engine
did not accept left unseen for the next poll, a poison message that does not stop the others,
a prompt stop, and health DOWN for a refused login."""

from __future__ import annotations

import imaplib
import smtplib
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest
from connectorhub_sdk.inbound import CorrelationOutcome, CorrelationResult, Health
from connectorhub_sdk.inbound_testing import InboundTestContext

from connectors.builtin.email.inbound import TYPE, consume
from tests.consumers.conftest import Running, wait_for
from tests.consumers.corpus import element_properties, inbound_templates, template_id
from tests.services.greenmail import GreenMail

pytestmark = pytest.mark.xdist_group("greenmail")

FILES = [
    "email-message-start-event-connector.json",
    "email-inbound-connector-intermediate.json",
    "email-inbound-connector-boundary.json",
    "email-inbound-connector-receive.json",
]
TEMPLATES = inbound_templates(*FILES)
Start = Callable[..., Running]


def new_user() -> str:
    """A fresh GreenMail mailbox (made on first delivery; its password is the address)."""
    return f"u{uuid.uuid4().hex[:8]}@example.org"


def send(server: GreenMail, address: str, subject: str, attachment: bytes | None = None) -> str:
    message = _message(address, subject)
    if attachment is not None:
        message.add_attachment(attachment, maintype="application", subtype="pdf", filename="a.pdf")
    with smtplib.SMTP(server.host, server.smtp) as smtp:
        smtp.send_message(message)
    return str(message["Message-ID"])


def send_all(server: GreenMail, address: str, subjects: list[str]) -> list[str]:
    """One email per subject, in order, over one SMTP session (a session each costs GreenMail
    about 50 ms); their Message-IDs."""
    sent = [_message(address, subject) for subject in subjects]
    with smtplib.SMTP(server.host, server.smtp) as smtp:
        for message in sent:
            smtp.send_message(message)
    return [str(message["Message-ID"]) for message in sent]


def _message(address: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "sender@example.com", address, subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@example.com>"
    message.set_content(f"Body of {subject}")
    return message


def properties(server: GreenMail, address: str, **extra: Any) -> dict[str, Any]:
    return {
        "inbound.type": TYPE,
        "authentication.type": "simple",
        "authentication.username": address,
        "authentication.password": address,
        "data.imapConfig.imapHost": server.host,
        "data.imapConfig.imapPort": str(server.imap),
        "data.imapConfig.imapCryptographicProtocol": "NONE",
        "data.pollingWaitTime": "PT1S",
        **extra,
    }


def folder_state(server: GreenMail, address: str, folder: str = "INBOX") -> dict[str, set[str]]:
    """Message-ID -> flags of every message in FOLDER."""
    client = imaplib.IMAP4(server.host, server.imap)
    try:
        client.login(address, address)
        status, _ = client.select(f'"{folder}"')
        if status != "OK":
            return {}
        _, data = client.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        state = {}
        for item in data:
            if isinstance(item, tuple):
                flags = item[0].decode()
                message_id = item[1].decode().split(":", 1)[1].strip()
                state[message_id] = set(flags.split("FLAGS (")[1].split(")")[0].split())
        return state
    except imaplib.IMAP4.error:
        return {}
    finally:
        client.logout()


def test_the_corpus_holds_every_inbound_template_version() -> None:
    assert {template_id(t) for t in TEMPLATES} == {
        *(f"EmailMessageStart-v{v}" for v in (1, 2, 3)),
        *(f"EmailIntermediate-v{v}" for v in (1, 2, 3)),
        *(f"EmailBoundary-v{v}" for v in (1, 2, 3)),
        *(f"EmailReceive-v{v}" for v in (2, 3)),
    }


@pytest.mark.parametrize("tpl", TEMPLATES, ids=template_id)
def test_every_template_version_consumes(
    tpl: dict[str, Any], mail_server: GreenMail, running: Start
) -> None:
    address = new_user()
    message_id = send(mail_server, address, "Order 1")
    element = element_properties(tpl, properties(mail_server, address))
    assert element["inbound.type"] == TYPE
    context = InboundTestContext(element)
    consumer = running(consume, context)
    wait_for(lambda: context.correlations, what="a correlation")
    wait_for(lambda: folder_state(mail_server, address)[message_id] == {"\\Seen"}, what="READ")
    consumer.stop()
    assert context.correlations[0].message_id == message_id


def test_a_message_arrives_as_camundas_read_email_response(
    mail_server: GreenMail, running: Start
) -> None:
    address = new_user()
    message_id = send(mail_server, address, "Invoice 7", attachment=b"%PDF-1.4 test")
    context = InboundTestContext(properties(mail_server, address))
    running(consume, context)
    (correlation,) = wait_for(lambda: context.correlations)
    variables = correlation.variables
    assert correlation.message_id == message_id == variables["messageId"]
    assert variables["fromAddress"] == "sender@example.com"
    assert variables["subject"] == "Invoice 7"
    assert variables["plainTextBody"].strip() == "Body of Invoice 7"
    assert variables["size"] > 0 and variables["receivedDateTime"].endswith("Z")
    assert {"key": "Subject", "value": "Invoice 7"} in variables["headers"]
    (document,) = variables["attachments"]
    assert document["metadata"]["fileName"] == "a.pdf"
    assert context.documents.load(document).content == b"%PDF-1.4 test"
    assert variables["errors"] == []


def test_a_message_the_engine_did_not_accept_stays_unseen_and_is_taken_later(
    mail_server: GreenMail, running: Start
) -> None:
    address = new_user()
    first, second = send(mail_server, address, "A"), send(mail_server, address, "B")
    refused: list[str] = []

    def answer(variables: Any, message_id: str | None) -> CorrelationResult:
        if message_id == second and not refused:
            refused.append(message_id)
            return CorrelationResult(CorrelationOutcome.ENGINE_ERROR, False, retryable=True)
        return CorrelationResult(CorrelationOutcome.MESSAGE_PUBLISHED, acknowledge=True)

    context = InboundTestContext(properties(mail_server, address), answer=answer)
    consumer = running(consume, context)
    wait_for(lambda: len(context.correlations) >= 3, what="B again on the next poll")
    wait_for(lambda: all(f == {"\\Seen"} for f in folder_state(mail_server, address).values()))
    consumer.stop()
    assert [c.message_id for c in context.correlations] == [first, second, second]


def test_nothing_is_marked_that_the_engine_did_not_accept(
    mail_server: GreenMail, running: Start
) -> None:
    address = new_user()
    message_id = send(mail_server, address, "Unmatched")
    context = InboundTestContext(
        properties(mail_server, address), activation=lambda variables: False
    )
    consumer = running(consume, context)
    wait_for(lambda: len(context.correlations) >= 2, what="two polls")
    consumer.stop()
    assert folder_state(mail_server, address) == {message_id: set()}


def test_delete_and_move_happen_after_acceptance(mail_server: GreenMail, running: Start) -> None:
    address = new_user()
    deleted = send(mail_server, address, "Delete me")
    context = InboundTestContext(
        properties(mail_server, address, **{"data.pollingConfig.handlingStrategy": "DELETE"})
    )
    consumer = running(consume, context)
    wait_for(lambda: folder_state(mail_server, address) == {}, what="the delete")
    consumer.stop()
    assert [c.message_id for c in context.correlations] == [deleted]

    moved = send(mail_server, address, "Move me")
    values = {
        "data.pollingConfig.handlingStrategy": "MOVE",
        "data.pollingConfig.targetFolder": "Archive.2026",
    }
    context = InboundTestContext(properties(mail_server, address, **values))
    consumer = running(consume, context)
    wait_for(lambda: moved in folder_state(mail_server, address, "Archive.2026"), what="move")
    consumer.stop()
    assert folder_state(mail_server, address) == {}
    assert folder_state(mail_server, address, "Archive.2026")[moved] == {"\\Seen"}


def test_a_poison_message_does_not_stop_the_others(mail_server: GreenMail, running: Start) -> None:
    address = new_user()
    ids = [send(mail_server, address, subject) for subject in ("a", "poison", "c")]

    def answer(variables: Any, message_id: str | None) -> CorrelationResult:
        if variables["subject"] == "poison":
            raise RuntimeError("the answer broke on this email")
        return CorrelationResult(CorrelationOutcome.MESSAGE_PUBLISHED, acknowledge=True)

    context = InboundTestContext(properties(mail_server, address), answer=answer)
    consumer = running(consume, context)
    wait_for(lambda: {ids[0], ids[2]} <= {c.message_id for c in context.correlations})
    wait_for(lambda: folder_state(mail_server, address)[ids[2]] == {"\\Seen"})
    consumer.stop()
    assert consumer.errors == []
    assert folder_state(mail_server, address)[ids[1]] == set()
    assert any("the answer broke" in m for s, m in context.activity if s == "ERROR")


def test_stopping_ends_the_loop(mail_server: GreenMail, running: Start) -> None:
    address = new_user()
    send(mail_server, address, "x")
    context = InboundTestContext(
        properties(mail_server, address, **{"data.pollingWaitTime": "PT60S"})
    )
    consumer = running(consume, context)
    wait_for(lambda: context.correlations)
    consumer.stop()  # within STOP_SECONDS although the next poll is a minute away


def test_a_refused_login_is_down_with_the_reason_and_no_password(
    mail_server: GreenMail, running: Start
) -> None:
    address = new_user()
    send(mail_server, address, "x")
    values = properties(mail_server, address, **{"authentication.password": "Wrong-Pw-123"})
    context = InboundTestContext(values)
    running(consume, context)
    health = wait_for(lambda: context.health[0] == Health.DOWN and context.health)
    assert "AuthenticationFailedException" in health[1]
    assert "Wrong-Pw-123" not in health[1]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"data.pollingWaitTime": "20 seconds"}, "data.pollingWaitTime"),
        ({"data.pollingConfig.handlingStrategy": "MOVE"}, "data.pollingConfig.targetFolder"),
    ],
)
def test_bad_input_names_the_field(
    mail_server: GreenMail, values: dict[str, Any], field: str
) -> None:
    context = InboundTestContext({**properties(mail_server, new_user()), **values})
    with pytest.raises(Exception) as raised:
        consume.function(context.bind(consume.input), context)
    assert getattr(raised.value, "field", None) == field
