"""What the Azure Blob Storage and Google Cloud Storage connectors share: the upload's document
(the same `operation.*` fields in both families of templates), the download's result (Camunda's
`DownloadResponse` records, the same in both), failures carrying a Java exception type, and one
REST call through the hub's HTTP client (its exchange on the run page, credentials hidden).
"""

from __future__ import annotations

import json
import re
from typing import Any

from connectorhub_sdk import JSON, ConnectorContext, ConnectorInputError, HttpExchange
from connectorhub_sdk.documents import Document
from connectorhub_sdk.types import FeelObject, FeelText, Text
from pydantic import BaseModel, ConfigDict

# these connectors return the same DownloadResponse element shapes as S3
from connectors.builtin.document_return import (
    DocumentReturnFormat,
    chosen_content,
    stored_document,
)
from connectors.builtin.http.client import HttpCall, HttpReply, execute

__all__ = ["DocumentReturnFormat", "chosen_content", "stored_document"]


class Operation(BaseModel):
    """The `operation` fields both templates share: the upload's document (older versions: a
    reference field; newer ones: its source fields) and the file name."""

    model_config = ConfigDict(extra="ignore")
    fileName: FeelText | None = None
    document: FeelObject = None
    operation_document_documentSource: Text | None = None
    operation_document_camundaReference: FeelObject = None
    operation_document_inline_content: FeelObject = None
    operation_document_inline_fileName: Text | None = None
    operation_document_inline_contentType: Text | None = None


class StorageError(RuntimeError):
    """A failure the runtime reports under a Java exception type (retries - 1), as Camunda's
    runtime reports an exception its connector does not catch."""

    def __init__(self, java_type: str, message: str) -> None:
        self.java_type = java_type
        super().__init__(message)


def chosen_operation(discriminator: str | None, operations: tuple[str, ...]) -> str:
    """The template's `operationDiscriminator`, one of OPERATIONS, or an input error naming it."""
    chosen = (discriminator or "").strip()
    if chosen not in operations:
        raise ConnectorInputError(
            f"must be one of {', '.join(operations)}, got '{chosen}'",
            field="operationDiscriminator",
        )
    return chosen


def not_blank(value: str | None, field: str) -> str:
    if not (value or "").strip():
        raise ConnectorInputError("must not be blank", field=field)
    return str(value)


def upload_document(operation: Operation, context: ConnectorContext) -> Document:
    """The document to upload. Templates v3-v5 (Azure) and v2-v4 (GCS) build
    `operation.document` from variables named without the `operation.` prefix their own
    bindings add, so in Camunda it is null there; the source fields are in the job, so they are
    read instead (the newest versions fixed the expression). External references are refused
    by the document store, as everywhere in the hub (docs/documents.md)."""
    value = operation.document
    source = operation.operation_document_documentSource
    if value is None and source == "camunda":
        value = operation.operation_document_camundaReference
    elif value is None and source == "inline":
        value = {
            "camunda.document.type": "inline",
            "content": operation.operation_document_inline_content,
            "name": operation.operation_document_inline_fileName,
            "contentType": operation.operation_document_inline_contentType,
        }
    if value is None:
        raise ConnectorInputError("must not be null", field="operation.document")
    return context.documents.load(value, field="operation.document")


def upload_name(operation: Operation, document: Document) -> str:
    """The file name given, else the document's own (both executors: an empty name is none)."""
    name = operation.fileName or document.file_name
    if not name:
        raise ConnectorInputError(
            "must not be blank when the document has no file name", field="operation.fileName"
        )
    return name


def legacy_download(
    content: bytes,
    content_type: str | None,
    file_name: str,
    as_document: bool,
    context: ConnectorContext,
) -> JSON:
    """Templates without `documentReturnFormat`: a document when "as file" is on, else the
    content decoded as UTF-8 text (BlobStorageExecutor and ObjectStorageExecutor alike)."""
    if as_document:
        return {"document": stored_document(content, content_type, file_name, context)}
    return {"content": content.decode("utf-8", errors="replace")}


def send(
    call: HttpCall, context: ConnectorContext, summary: str, hidden: tuple[str, ...] = ()
) -> HttpReply:
    """CALL through the hub's HTTP client (the network door, the egress policy and the secrets'
    host rules on every request), its exchange on the run page under SUMMARY; the query
    parameters named HIDDEN (a SAS signature) show as `***` whether or not their value is a
    hub secret (a hub secret is masked anyway)."""
    before = len(context.exchanges)
    try:
        return execute(call, context)
    finally:
        for exchange in list(context.exchanges)[before:]:
            if isinstance(exchange, HttpExchange):
                exchange.url = exchange.target = hide_params(exchange.url, hidden)
                exchange.summary = summary


def hide_params(url: str, names: tuple[str, ...]) -> str:
    for name in names:
        url = re.sub(rf"([?&]{re.escape(name)}=)[^&#]*", r"\1***", url)
    return url


def json_body(reply: HttpReply) -> dict[str, Any]:
    """The answer's JSON object, empty when the body is not one."""
    try:
        body = json.loads(reply.content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def json_error(reply: HttpReply) -> dict[str, Any]:
    """The `error` object of a Google JSON API answer, empty when there is none."""
    error = json_body(reply).get("error")
    return error if isinstance(error, dict) else {}
