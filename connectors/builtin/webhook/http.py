"""What every webhook does with HTTP: reading the request into the `request` variable, the
multipart parts, a refusal's answer, and the answer for each correlation outcome.

Facts from camunda/connectors: HttpWebhookUtil (body by content type), MappedHttpRequest
(`{body, headers, params}`), InboundWebhookRestController (the answer per CorrelationResult,
WebhookConnectorException's status with `{"reason": ...}`, toResponseEntity's HTML escaping)
and WebhookHttpResponse (`body`, `headers`, `statusCode`).
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from connectorhub_sdk.inbound import (
    CorrelationOutcome,
    CorrelationResult,
    InboundContext,
    WebhookRequest,
    WebhookResponse,
)

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
JSON_UTF8 = "application/json; charset=utf-8"
# Spring's HtmlUtils.htmlEscape, which Camunda applies to a text body that is not XML
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})


class WebhookRefused(Exception):
    """A request the webhook will not take: STATUS with `{"reason": REASON}` (Camunda's
    WebhookConnectorException and its WebhookSecurityException). REASON never holds a secret."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    @classmethod
    def security(cls, status: int, kind: str, details: str) -> WebhookRefused:
        """WebhookSecurityException's message: `Reason: KIND. Details: DETAILS`."""
        return cls(status, f"Reason: {kind}. Details: {details}")

    def response(self) -> WebhookResponse:
        """A 4xx says why; a 5xx says nothing (InboundWebhookRestController keeps server-side
        reasons to itself)."""
        return WebhookResponse(self.status, {"reason": self.reason} if self.status < 500 else None)

    def logged(self, request: WebhookRequest, context: InboundContext) -> WebhookResponse:
        """The answer, after a line in the element's activity log saying why."""
        context.log(
            f"{request.method} refused with HTTP {self.status}: {self.reason}",
            severity="WARNING",
            tag=request.method,
        )
        return self.response()


@dataclass(frozen=True)
class Part:
    """One part of a multipart/form-data body (Camunda's webhook Part)."""

    name: str
    file_name: str | None
    content_type: str | None
    content: bytes


def media_type(headers: Mapping[str, str]) -> str:
    """The Content-Type without its parameters, lower-case."""
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def is_xml(content_type: str | None) -> bool:
    lowered = (content_type or "").lower()
    return "application/xml" in lowered or "text/xml" in lowered


def form_fields(body: bytes) -> dict[str, str]:
    """A form body as one value per name (the first), blank values kept."""
    fields: dict[str, str] = {}
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        fields.setdefault(name, value)
    return fields


def parse_body(request: WebhookRequest) -> Any:
    """HttpWebhookUtil.transformRawBodyToObject: empty is `{}`, a form a map, XML the text,
    anything else JSON; a multipart body is its text fields (the files become documents)."""
    if not request.body:
        return {}
    kind = media_type(request.headers)
    if kind == FORM:
        return form_fields(request.body)
    if kind == MULTIPART:
        return {
            p.name: p.content.decode("utf-8", "replace") for p in parts(request) if not p.file_name
        }
    if is_xml(kind):
        return request.body.decode("utf-8", "replace")
    try:
        return json.loads(request.body)
    except ValueError:
        raise WebhookRefused(
            422, f"request body: not valid JSON (Content-Type {kind or 'missing'})"
        ) from None


def mapped_request(request: WebhookRequest, body: Any) -> dict[str, Any]:
    """The `request` variable: `{body, headers, params}` (MappedHttpRequest)."""
    return {"body": body, "headers": dict(request.headers), "params": dict(request.query)}


def parts(request: WebhookRequest) -> list[Part]:
    """The parts of a multipart/form-data body, in order; none for any other body."""
    content_type = request.headers.get("content-type", "")
    if media_type(request.headers) != MULTIPART:
        return []
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.body)
    found = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        found.append(
            Part(
                name=str(part.get_param("name", "", header="content-disposition")),
                file_name=part.get_filename(),
                content_type=part.get_content_type() if part.get("content-type") else None,
                content=payload if isinstance(payload, bytes) else b"",
            )
        )
    return found


def documents_for(request: WebhookRequest, context: InboundContext) -> list[dict[str, Any]]:
    """Every multipart part stored as a document; their references, as the process gets them
    (InboundWebhookRestController.createDocuments)."""
    return [
        context.documents.create(
            part.content, content_type=part.content_type, file_name=part.file_name or part.name
        ).as_json()
        for part in parts(request)
    ]


def escaped(body: Any, content_type: str | None) -> Any:
    """A text body is HTML-escaped unless it is XML (InboundWebhookRestController)."""
    if isinstance(body, str) and not is_xml(content_type):
        return body.translate(_HTML_ESCAPES)
    return body


def http_response(value: Any, *, field: str) -> WebhookResponse:
    """A FEEL result `{body, headers, statusCode}` as the HTTP answer (status 200 when absent)."""
    if not isinstance(value, Mapping):
        raise WebhookRefused(422, f"{field}: must give a context with body, headers, statusCode")
    raw_headers = value.get("headers") or {}
    if not isinstance(raw_headers, Mapping):
        raise WebhookRefused(422, f"{field}: headers must be a context of texts")
    headers = {str(k): str(v) for k, v in raw_headers.items() if v is not None}
    status = value.get("statusCode")
    if status is None:
        status = 200
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise WebhookRefused(422, f"{field}: statusCode must be an HTTP status (100-599)")
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    return WebhookResponse(status, escaped(value.get("body"), content_type), headers)


def correlation_context(result: CorrelationResult) -> dict[str, Any] | None:
    """The `correlation` a response expression sees: Camunda passes the instance or message
    it created (ProcessInstanceCreated, MessagePublished, ...); null otherwise."""
    if result.outcome not in (
        CorrelationOutcome.PROCESS_INSTANCE_CREATED,
        CorrelationOutcome.MESSAGE_PUBLISHED,
    ):
        return None
    shown: dict[str, Any] = {"type": result.outcome.value}
    if result.process_instance_key is not None:
        shown["processInstanceKey"] = result.process_instance_key
    if result.message_key is not None:
        shown["messageKey"] = result.message_key
    if result.variables:
        shown["variables"] = dict(result.variables)
    return shown


def answer(
    result: CorrelationResult, respond: Callable[[dict[str, Any] | None], WebhookResponse]
) -> WebhookResponse:
    """The HTTP answer for a correlation (InboundWebhookRestController.buildResponse):

    - a success, or an unmatched event the element consumes (`consumeUnmatchedEvents`, the
      runtime's `acknowledge`): RESPOND with the correlation (None when unmatched);
    - an unmatched event that is not consumed: 422 with Camunda's message;
    - a failure worth retrying (the engine could not be reached): 503, so the sender retries;
    - invalid input (the correlation key, the message id): 422; anything else: 500.
    Never a 2xx for an event that was lost.
    """
    if result.success:
        return respond(correlation_context(result))
    if result.outcome is CorrelationOutcome.ACTIVATION_CONDITION_NOT_MET:
        if result.acknowledge:
            return respond(None)
        return WebhookResponse(422, {"message": "Activation condition not met"})
    body = {"message": result.message or result.outcome.value}
    if result.retryable:
        return WebhookResponse(503, body)
    if result.outcome in (CorrelationOutcome.INVALID_INPUT, CorrelationOutcome.ENGINE_ERROR):
        return WebhookResponse(422, body)
    return WebhookResponse(500, body)


def ok(_correlation: dict[str, Any] | None) -> WebhookResponse:
    """Camunda's answer to a correlated event without a response expression: 200, no body."""
    return WebhookResponse(200)
