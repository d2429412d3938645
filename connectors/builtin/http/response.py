"""Camunda's HTTP result and error shapes (docs/camunda-compat.md 3.7, 3.8).

Result: `{status, headers, body, reason, document}`; an error status becomes
`ConnectorError(str(status), reason, {"response": {"headers", "body"}})` so that template
error expressions such as `if error.code = "404" then bpmnError(...)` work unchanged.
"""

from __future__ import annotations

import codecs
import hashlib
import json
from typing import Any, Literal

from connectorhub_sdk import JSON, ConnectorError, ConnectorInputError, Documents

from .client import HttpReply

ReturnFormat = Literal["JSON", "TEXT", "DOCUMENT"]

# How deep a response body may nest (JSON arrays and objects, XML elements). What the hub does
# with a result afterwards (FEEL, masking secrets, storing) walks it recursively, and Python's
# stack ends near 1,000 levels; real APIs stay far below this.
MAX_DEPTH = 256


def nesting_error() -> ConnectorError:
    return ConnectorError(
        None,
        f"the response body is nested more than {MAX_DEPTH} levels deep; the hub reads at most "
        f"{MAX_DEPTH} levels of JSON arrays and objects or XML elements",
    )


def parse_json(text: str) -> Any:
    """json.loads(TEXT) (ValueError when it is not JSON), refusing a document nested more than
    MAX_DEPTH levels (ConnectorError) instead of ending in a RecursionError."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise nesting_error() from None
    # fewer brackets than levels allowed (most bodies): no need to walk the value
    if text.count("[") + text.count("{") > MAX_DEPTH and _deeper_than(value, MAX_DEPTH):
        raise nesting_error()
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether VALUE nests arrays and objects more than LIMIT levels deep (without recursion)."""
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        container, depth = stack.pop()
        if depth > limit:
            return True
        items = container.values() if isinstance(container, dict) else container
        stack.extend((item, depth + 1) for item in items if isinstance(item, dict | list))
    return False


def result_headers(reply: HttpReply) -> dict[str, Any]:
    """Names as received; one value gives a string, several a list, none `""` (Camunda 8.10)."""
    headers: dict[str, Any] = {}
    for key, value in reply.shown_headers:
        if key in headers:
            previous = headers[key]
            headers[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            headers[key] = value
    return headers


def legacy_body(reply: HttpReply) -> JSON:
    """Templates without `documentReturnFormat`: a JSON object or array is parsed whatever the
    Content-Type; anything else (scalars, invalid JSON) stays text; a blank body is null."""
    text = reply.content.decode("utf-8", errors="replace")
    if not text.strip():
        return None
    try:
        parsed = parse_json(text)
    except ValueError:
        return text
    return parsed if isinstance(parsed, dict | list) else text


def http_result(
    reply: HttpReply,
    *,
    return_format: ReturnFormat | None,
    encoding: str | None = None,
    store_response: bool = False,
    documents: Documents | None = None,
) -> dict[str, JSON]:
    """The success value of REST and GraphQL; a DOCUMENT (or `storeResponse`) body is stored
    in DOCUMENTS, the run's store."""
    body: JSON
    document: JSON = None
    if return_format == "DOCUMENT" or (return_format is None and store_response):
        body, document = None, store_body(reply, documents)
    elif return_format == "JSON":
        body = _json_body(reply)
    elif return_format == "TEXT":
        body = _text_body(reply, encoding or "UTF-8")
    else:
        body = legacy_body(reply)
    return {
        "status": reply.status,
        "headers": result_headers(reply),
        "body": body,
        "reason": reply.reason or None,
        "document": document,
    }


def _json_body(reply: HttpReply) -> JSON:
    text = reply.content.decode("utf-8", errors="replace")
    if not text.strip():
        return None  # deliberate: Camunda's code fails here, its legacy path gives null
    try:
        return parse_json(text)
    except ValueError as exc:
        raise ConnectorError(
            None,
            f"The response body is not valid JSON ({exc}); choose the TEXT response format to "
            "receive it as text",
        ) from None


def _text_body(reply: HttpReply, encoding: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ConnectorInputError(
            f"unknown character encoding '{encoding}'", field="documentReturnFormat.encoding"
        ) from None
    return reply.content.decode(encoding, errors="replace")


def store_body(reply: HttpReply, documents: Documents | None) -> JSON:
    """The body as a stored document's reference, with the response's Content-Type and no file
    name (Camunda's HttpCommonResultMapper.storeDocument and HttpService's DocumentReturn)."""
    if documents is None or not documents.available:
        return document_reference(reply)
    stored = documents.create(reply.content, content_type=reply.header("content-type"))
    return stored.as_json()


def document_reference(reply: HttpReply) -> dict[str, JSON]:
    """A runtime without a document store (a connector package's own worker): the reference
    describes the body (size, type, hash) but cannot be loaded (docs/http-connectors.md)."""
    digest = hashlib.sha256(reply.content).hexdigest()
    return {
        "camunda.document.type": "camunda",
        "storeId": "connectorhub-not-stored",
        "documentId": digest,
        "contentHash": digest,
        "metadata": {
            "contentType": reply.header("content-type"),
            "size": len(reply.content),
            "fileName": None,
        },
    }


def http_error(reply: HttpReply) -> ConnectorError:
    """A status >= 400 as Camunda's ConnectorExceptionMapper reports it."""
    return ConnectorError(
        str(reply.status),
        reply.reason or "[no reason]",
        {"response": {"headers": result_headers(reply), "body": _error_body(reply)}},
    )


def _error_body(reply: HttpReply) -> JSON:
    """A JSON object is parsed (an array of one object is unwrapped, a longer array gives
    null: Camunda's quirk); other text stays text; no body is null."""
    text = reply.content.decode("utf-8", errors="replace")
    if not text:
        return None
    try:
        parsed = parse_json(text)
    except ValueError:
        return text
    if isinstance(parsed, dict):
        return parsed
    if isinstance(parsed, list):
        return parsed[0] if len(parsed) == 1 and isinstance(parsed[0], dict) else None
    return text


__all__ = [
    "MAX_DEPTH",
    "ReturnFormat",
    "document_reference",
    "http_error",
    "http_result",
    "legacy_body",
    "nesting_error",
    "parse_json",
    "result_headers",
    "store_body",
]
