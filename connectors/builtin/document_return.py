"""Camunda's DocumentReturnProcessor, shared by the connectors that download a file: the
content as a document, text or JSON, as the template's `documentReturnFormat` chooses (S3,
Azure Blob Storage, Google Cloud Storage)."""

from __future__ import annotations

import codecs
import json
from typing import Literal

from connectorhub_sdk import JSON, ConnectorContext, ConnectorError, ConnectorInputError
from connectorhub_sdk.types import Text
from pydantic import BaseModel, ConfigDict

# Text and JSON returned inline are bounded as Camunda bounds them (1.5 MiB).
MAX_INLINE_BYTES = 3 * 1024 * 1024 // 2


class DocumentReturnFormat(BaseModel):
    """Camunda's DocumentReturnFormat (templates v5+)."""

    model_config = ConfigDict(extra="ignore")
    choice: Literal["DOCUMENT", "TEXT", "JSON"] | None = None
    encoding: Text | None = "UTF-8"


def chosen_content(
    chosen: DocumentReturnFormat,
    content: bytes,
    content_type: str | None,
    key: str | None,
    context: ConnectorContext,
) -> JSON:
    """Camunda's DocumentReturnProcessor.convert, wrapped as S3's Element."""
    if chosen.choice is None:
        raise ConnectorError(
            None,
            "Connector returned DocumentReturn but the runtime could not read a "
            "documentReturnFormat.choice from the job's input variables.",
        )
    if chosen.choice == "DOCUMENT":
        return {"document": stored_document(content, content_type, key, context)}
    if len(content) > MAX_INLINE_BYTES:
        raise ConnectorError(
            None,
            f"{'Text' if chosen.choice == 'TEXT' else 'JSON'} response payload "
            "exceeds the inline variable size limit of 1.5 MiB. Re-run with 'Document "
            "reference' as the response format so the payload is uploaded to the document "
            "store instead.",
        )
    if chosen.choice == "TEXT":
        return {"content": content.decode(_encoding(chosen.encoding), errors="replace")}
    return {"content": _json(content)}


def _encoding(name: str | None) -> str:
    if not (name or "").strip():
        return "utf-8"
    try:
        return codecs.lookup(str(name)).name
    except LookupError:
        raise ConnectorInputError(
            f"Unsupported charset '{name}'; use a valid IANA charset name (e.g. UTF-8, "
            "ISO-8859-1) or leave the field blank to default to UTF-8",
            field="documentReturnFormat.encoding",
        ) from None


def _json(content: bytes) -> JSON:
    if not content.strip():
        raise ConnectorError(
            None, "JSON response format selected but payload was empty or could not be parsed."
        )
    try:
        parsed: JSON = json.loads(content)
    except ValueError as exc:
        raise ConnectorError(
            None, f"JSON response format selected but payload is not valid JSON: {exc}"
        ) from None
    return parsed


def stored_document(
    content: bytes, content_type: str | None, key: str | None, context: ConnectorContext
) -> JSON:
    """The object as a document named after its key, with S3's content type."""
    reference = context.documents.create(content, content_type=content_type, file_name=key)
    return reference.as_json()


__all__ = ["MAX_INLINE_BYTES", "DocumentReturnFormat", "chosen_content", "stored_document"]
