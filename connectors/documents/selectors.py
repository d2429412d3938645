"""Reads of the document store for the pages."""

from __future__ import annotations

import uuid

from connectors.models import StoredDocument
from connectors.secrets import Redactor, SecretError
from connectors.secrets.store import default_provider


def document_get(document_id: uuid.UUID) -> StoredDocument | None:
    return StoredDocument.objects.filter(document_id=document_id).select_related("run").first()


def document_shown_content(row: StoredDocument, content: bytes) -> bytes:
    """CONTENT as a download shows it: a dry-run's text document with the values of the
    secrets the run used masked (`***`), as the run page masks its variables; a live job's
    document, a sample upload and binary content unchanged (docs/documents.md)."""
    # a record this hub cannot read raises StoredOutcomeError: nothing is handed out unmasked
    record = row.run.outcome_record if row.run is not None else None
    names = record.trace.secrets_used if record is not None and record.trace else None
    if not names:
        return content
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return content
    provider = default_provider()
    values = []
    for name in names:
        try:
            value = provider.get(name)
        except SecretError:
            continue  # unreadable now: it cannot be masked, and was masked nowhere else either
        if value:
            values.append(value)
    return Redactor(values).redact_text(text).encode("utf-8") if values else content
