"""The test console's sample message for consumer and polling elements: what the user typed
(body, headers, properties, key, email fields, instance variables, an HTTP answer), read into
plain values the console hands to the connector's own code.

Every problem is a `SampleError` naming the field, as for the webhook console's sample request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from connectors.inbound.sample import MAX_BODY_CHARS, SampleError, parse_headers

# the form's fields, in the order the page shows them
FIELDS = (
    "key", "body", "headers", "properties", "message_id", "sender", "subject",
    "attachment_name", "attachment_text", "variables", "status", "answer_headers", "answer",
)  # fmt: skip


@dataclass(frozen=True)
class MessageSample:
    """One sample message; each consumer reads the fields it knows (the page shows those)."""

    body: str = ""
    key: str | None = None  # Kafka: None is a record without a key
    headers: tuple[tuple[str, str], ...] = ()
    properties: dict[str, Any] = field(default_factory=dict)
    message_id: str = ""
    sender: str = ""
    subject: str = ""
    attachment_name: str = ""
    attachment_text: str = ""


@dataclass(frozen=True)
class PollSample:
    """The instance's variables and the HTTP answer a dry run pretends the URL gave."""

    variables: dict[str, Any]
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    answer: str = ""


def message_from_form(typed: dict[str, str]) -> MessageSample:
    body = typed.get("body", "")
    if len(body) > MAX_BODY_CHARS:
        raise SampleError("body", f"longer than {MAX_BODY_CHARS} characters")
    key = typed.get("key", "")
    return MessageSample(
        body=body,
        key=key if key != "" else None,
        headers=parse_headers(typed.get("headers", "")),
        properties=json_object(typed.get("properties", ""), "properties"),
        message_id=typed.get("message_id", "").strip(),
        sender=typed.get("sender", "").strip(),
        subject=typed.get("subject", "").strip(),
        attachment_name=typed.get("attachment_name", "").strip(),
        attachment_text=typed.get("attachment_text", ""),
    )


def poll_from_form(typed: dict[str, str]) -> PollSample:
    status_text = typed.get("status", "").strip() or "200"
    if not status_text.isdigit() or not 100 <= int(status_text) <= 599:
        raise SampleError("status", f"'{status_text}' is not an HTTP status (100 to 599)")
    answer = typed.get("answer", "")
    if len(answer) > MAX_BODY_CHARS:
        raise SampleError("answer body", f"longer than {MAX_BODY_CHARS} characters")
    return PollSample(
        variables=json_object(typed.get("variables", ""), "instance variables"),
        status=int(status_text),
        headers=parse_headers(typed.get("answer_headers", "")),
        answer=answer,
    )


def json_object(text: str, name: str) -> dict[str, Any]:
    """A JSON object (blank: empty); SampleError naming NAME, the line and the column."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise SampleError(name, f"is not valid JSON ({exc.msg} at {where})") from None
    if not isinstance(value, dict):
        raise SampleError(name, f"must be a JSON object ({{...}}), not {type(value).__name__}")
    return value
