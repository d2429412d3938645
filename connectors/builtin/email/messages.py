"""What Camunda's email connector returns about a received message (its Email, ListEmailsResponse
and ReadEmailResponse), and its search criteria, shared by IMAP and POP3."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from connectorhub_sdk import JSON, Documents

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def address(message: Message) -> str | None:
    found = [address for _, address in getaddresses(message.get_all("From", []))]
    return found[0] if found else None


def sent_at(message: Message) -> datetime:
    try:
        return parsedate_to_datetime(message["Date"]).astimezone(UTC)
    except (TypeError, ValueError):
        return EPOCH


def list_entry(message: Message, size: int) -> JSON:
    return {
        "messageId": message["Message-ID"],
        "fromAddress": address(message),
        "subject": message["Subject"],
        "size": size,
    }


def read_response(
    message: Message, size: int, received: datetime | None, documents: Documents | None = None
) -> JSON:
    """Camunda's ReadEmailResponse; `receivedDateTime` as Jackson writes an OffsetDateTime;
    each attachment stored in DOCUMENTS (the run's store) and returned as its reference."""
    plain, html, parts = bodies(message)
    attachments, errors = store_attachments(parts, documents)
    return {
        "messageId": message["Message-ID"],
        "fromAddress": address(message),
        "headers": [{"key": k, "value": str(v)} for k, v in message.items()],
        "subject": message["Subject"],
        "size": size,
        "plainTextBody": plain,
        "htmlBody": html,
        "attachments": attachments,
        "receivedDateTime": received.isoformat().replace("+00:00", "Z") if received else None,
        "errors": errors,
    }


def bodies(message: Message) -> tuple[str | None, str | None, list[Message]]:
    """The text and HTML bodies, and the attachment parts: those whose disposition is
    `attachment` (JakartaUtils.processBodyPart)."""
    plain = html = None
    attachments: list[Message] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment":
            attachments.append(part)
            continue
        payload = part.get_payload(decode=True)
        text = (
            payload.decode(part.get_content_charset() or "utf-8", errors="replace")
            if isinstance(payload, bytes)
            else None
        )
        if part.get_content_type() == "text/plain" and plain is None:
            plain = text
        elif part.get_content_type() == "text/html" and html is None:
            html = text
    return plain, html, attachments


def store_attachments(
    parts: list[Message], documents: Documents | None
) -> tuple[list[JSON], list[str]]:
    """Each attachment as a stored document with its file name and base content type
    (JakartaEmailActionExecutor.createDocumentList); without a store, named in `errors`."""
    if documents is None or not documents.available:
        missing = "not returned: this runtime has no document store"
        return [], [f"attachment '{part.get_filename()}' {missing}" for part in parts]
    stored: list[JSON] = []
    for part in parts:
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        reference = documents.create(
            content, content_type=part.get_content_type(), file_name=part.get_filename()
        )
        stored.append(reference.as_json())
    return stored, []


def matches(criteria: dict[str, Any], message: Message) -> bool:
    """Jakarta's search terms evaluated on a message, as its POP3 folder does (IMAP servers
    search themselves): FROM is the address, SUBJECT and BODY a case-insensitive part."""
    if "operator" in criteria:
        found = (matches(c, message) for c in criteria.get("criteria") or [])
        return all(found) if str(criteria["operator"]).upper() == "AND" else any(found)
    field, value = str(criteria.get("field", "")).upper(), str(criteria.get("value", ""))
    if field == "FROM":
        return value.lower() in [a.lower() for _, a in getaddresses(message.get_all("From", []))]
    if field == "SUBJECT":
        return value.lower() in str(message["Subject"] or "").lower()
    plain, html, _ = bodies(message)
    return any(value.lower() in (text or "").lower() for text in (plain, html))
