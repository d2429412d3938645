"""SMTP send, as Camunda's `sendEmailSmtp` action (JakartaEmailActionExecutor.smtpSendEmail):
the message, the dialogue through the network door, and its record on the run page."""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Iterable
from email import encoders, policy
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, getaddresses, make_msgid
from typing import Any

from connectorhub_sdk import JSON, ConnectorContext, ConnectorInputError, Document, Network
from connectorhub_sdk.documents import is_document_reference

from .errors import MESSAGING, MailError, connect_failed, smtp_failed
from .model import Authentication, SmtpConfig, SmtpSend

# Jakarta Mail's defaults when no port is given: smtp 25, smtps 465
DEFAULT_PORTS = {"SSL": 465, "TLS": 25, "NONE": 25}


class DoorSMTP(smtplib.SMTP):
    """smtplib whose sockets come from the network door (docs/network.md)."""

    def __init__(self, network: Network, tls: ssl.SSLContext | None = None) -> None:
        self.network = network
        self.tls = tls
        super().__init__()

    def _get_socket(self, host: str, port: int, timeout: Any) -> socket.socket:
        self._host = host  # what STARTTLS verifies the certificate against
        return self.network.connect(host, port, tls=self.tls, timeout=timeout)


def recipients(value: Any, field: str) -> list[str]:
    """Addresses from a comma-separated text or a list, as Camunda reads `to`, `cc`, `bcc`."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        value = ",".join(str(item) for item in value)
    if not isinstance(value, str):
        raise ConnectorInputError(
            f"Unexpected value: {value}. List or String was expected", field=field
        )
    found = [address for _, address in getaddresses([value]) if address]
    for address in found:
        if "@" not in address or any(c in address for c in "\r\n"):
            raise ConnectorInputError(f"'{address}' is not an email address", field=field)
    return found


def build_message(
    action: SmtpSend, to: list[str], cc: list[str], attachments: Iterable[Document] = ()
) -> MIMEMultipart:
    """A multipart/mixed message with the text and/or HTML part and one part per attachment,
    as Camunda's connector sends it; Bcc is left out of the headers (Jakarta Mail does not
    write it)."""
    body_needed = {"PLAIN": ("body",), "HTML": ("htmlBody",), "MULTIPART": ("body", "htmlBody")}
    for name in body_needed[action.contentType]:
        if getattr(action, name) is None:
            raise ConnectorInputError(
                "Please provide a proper message body", field=f"data.smtpAction.{name}"
            )
    message = MIMEMultipart("mixed", policy=policy.SMTP)
    if action.contentType in ("PLAIN", "MULTIPART"):
        message.attach(MIMEText(action.body or "", "plain", "utf-8", policy=policy.SMTP))
    if action.contentType in ("HTML", "MULTIPART"):
        message.attach(MIMEText(action.htmlBody or "", "html", "utf-8", policy=policy.SMTP))
    for document in attachments:
        message.attach(attachment_part(document))
    sender = action.from_
    _set(message, "From", sender, "data.smtpAction.from")
    if to:
        _set(message, "To", ", ".join(to), "data.smtpAction.to")
    if cc:
        _set(message, "Cc", ", ".join(cc), "data.smtpAction.cc")
    for name, value in (action.headers or {}).items():
        if value is None:  # Jakarta's setHeader(name, null) removes the header
            del message[name]
        else:
            _set(message, name, value, "data.smtpAction.headers")
    _set(message, "Subject", action.subject, "data.smtpAction.subject")
    _set(message, "Date", formatdate(localtime=False), "data.smtpAction")
    # Jakarta Mail replaces any Message-ID when it saves the message: a header given in
    # `headers` does not survive there either. The domain is the sender's, not this machine's.
    domain = sender.rpartition("@")[2].strip(" >") or None
    _set(message, "Message-ID", make_msgid(domain=domain), "data.smtpAction")
    return message


def attachment_part(document: Document) -> MIMEBase:
    """A document as an attachment: its content type and file name, the bytes in base64
    (JakartaEmailActionExecutor.getDocumentConsumer)."""
    main, _, sub = document.content_type.split(";", 1)[0].strip().partition("/")
    if not main or not sub:
        main, sub = "application", "octet-stream"
    part = MIMEBase(main, sub, policy=policy.SMTP)
    part.set_payload(document.content)
    encoders.encode_base64(part)
    if document.file_name:
        part.add_header("Content-Disposition", "attachment", filename=document.file_name)
    else:
        part.add_header("Content-Disposition", "attachment")
    return part


def load_attachments(value: Any, context: ConnectorContext) -> list[Document]:
    """`attachments`: a list of document references (one alone is taken as a list of one);
    each is loaded now, so a reference that does not resolve fails before anything is sent."""
    field = "data.smtpAction.attachments"
    if value in (None, "", []):
        return []
    items = [value] if is_document_reference(value) else value
    if not isinstance(items, list):
        raise ConnectorInputError("must be a list of documents", field=field)
    return [context.documents.load(item, field=f"{field}[{i}]") for i, item in enumerate(items)]


def _set(message: MIMEMultipart, name: str, value: str, field: str) -> None:
    try:
        del message[name]
        message[name] = value
    except (ValueError, TypeError) as exc:
        raise ConnectorInputError(f"header {name!r}: {exc}", field=field) from None


def send(
    config: SmtpConfig, auth: Authentication, action: SmtpSend, context: ConnectorContext
) -> JSON:
    """Send one message; the result is Camunda's SendEmailResponse."""
    to = recipients(action.to, "data.smtpAction.to")
    if not to:
        raise ConnectorInputError("must not be empty", field="data.smtpAction.to")
    cc = recipients(action.cc, "data.smtpAction.cc")
    everyone = to + cc + recipients(action.bcc, "data.smtpAction.bcc")
    message = build_message(action, to, cc, load_attachments(action.attachments, context))
    crypto = config.smtpCryptographicProtocol
    host, port = config.smtpHost.strip(), config.smtpPort or DEFAULT_PORTS[crypto]
    dialogue: list[str] = []
    summary = f"SMTP send to {_count(everyone)}"
    with context.network.exchange("smtp", f"{host}:{port}", summary) as exchange:
        sent = message.as_bytes()  # serialised once: what is sent is what the run page shows
        exchange.request_body = sent.decode(errors="replace")  # Bcc is not in it
        try:
            code, reply = _dialogue(
                context.network, (host, port), crypto, auth, (message, sent), everyone, dialogue
            )
        finally:
            exchange.response_body = "\n".join(dialogue)
        exchange.status = code
        exchange.summary = f"{summary}, {code} {reply}".strip()
    return {"subject": action.subject, "sent": True, "messageId": message["Message-ID"]}


def _count(addresses: list[str]) -> str:
    return f"{len(addresses)} recipient" + ("" if len(addresses) == 1 else "s")


def _dialogue(
    network: Network,
    address: tuple[str, int],
    crypto: str,
    auth: Authentication,
    message: tuple[MIMEMultipart, bytes],
    everyone: list[str],
    dialogue: list[str],
) -> tuple[int, str]:
    """Connect, secure, authenticate and send; each step's reply goes into `dialogue`."""
    host, port = address
    tls = ssl.create_default_context() if crypto == "SSL" else None
    client = DoorSMTP(network, tls=tls)
    try:
        try:
            code, greeting = client.connect(host, port)
        except OSError as exc:  # a refusal by the door is an input error, not an OSError
            raise connect_failed(exc, host, port) from exc
        dialogue.append(f"connected ({'SSL' if tls else 'plain'}): {code} {_text(greeting)}")
        try:
            return _converse(client, crypto, auth, message, everyone, dialogue)
        except (smtplib.SMTPException, OSError) as exc:
            raise smtp_failed(exc) from exc
    finally:
        client.close()


def _converse(
    client: DoorSMTP,
    crypto: str,
    auth: Authentication,
    message: tuple[MIMEMultipart, bytes],
    everyone: list[str],
    dialogue: list[str],
) -> tuple[int, str]:
    """After the greeting; MESSAGE is the message and its bytes as serialised for the trace."""
    headers, sent = message
    client.ehlo_or_helo_if_needed()
    dialogue.append("EHLO: 250" if client.does_esmtp else "HELO: 250")
    # Camunda sets Jakarta's `starttls.enable` for TLS (not `starttls.required`): STARTTLS when
    # the server offers it, else the dialogue goes on in plain text.
    if crypto == "TLS" and client.has_extn("starttls"):
        code, reply = client.starttls(context=ssl.create_default_context())
        dialogue.append(f"STARTTLS: {code} {_text(reply)}")
        client.ehlo()
    if auth.type == "simple" and client.has_extn("auth"):
        code, reply = _login(client, auth.username or "", auth.password or "")
        dialogue.append(f"AUTH: {code} {_text(reply)}")
    sender = _envelope_sender(headers)
    code, reply = client.mail(sender)
    dialogue.append(f"MAIL FROM: {code} {_text(reply)}")
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused: dict[str, tuple[int, bytes]] = {}
    for address in everyone:
        code, reply = client.rcpt(address)
        dialogue.append(f"RCPT TO {address}: {code} {_text(reply)}")
        if code not in (250, 251):
            refused[address] = (code, reply)
    if refused:  # Jakarta Mail sends to nobody unless every address is accepted
        client.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    code, reply = client.data(sent)
    dialogue.append(f"DATA: {code} {_text(reply)}")
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)
    return code, _text(reply)


def _login(client: DoorSMTP, user: str, password: str) -> tuple[int, bytes]:
    """One mechanism, as Jakarta Mail uses one: PLAIN, else LOGIN (without smtplib's initial
    response, which some servers refuse), else smtplib's own choice. Trying several would
    report the last mechanism's complaint instead of the server's "wrong password"."""
    offered = client.esmtp_features.get("auth", "").upper().split()
    client.user, client.password = user, password
    if "PLAIN" in offered:
        return client.auth("PLAIN", client.auth_plain)
    if "LOGIN" in offered:
        return client.auth("LOGIN", client.auth_login, initial_response_ok=False)
    return client.login(user, password)


def _envelope_sender(message: MIMEMultipart) -> str:
    addresses = list(_addresses([str(message["From"])]))
    if not addresses:
        raise MailError(MESSAGING, "No from address")
    return addresses[0]


def _addresses(values: Iterable[str]) -> Iterable[str]:
    return (address for _, address in getaddresses(list(values)) if address)


def _text(reply: bytes | str) -> str:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    return text.splitlines()[0] if text else ""
