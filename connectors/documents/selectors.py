"""Reads of the document store for the pages."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from connectors.models import Run, StoredDocument


def run_documents(run: Run) -> QuerySet[StoredDocument]:
    """The documents RUN's connector created, oldest first."""
    return StoredDocument.objects.filter(run=run).order_by("created_at")


def document_get(document_id: uuid.UUID) -> StoredDocument | None:
    return StoredDocument.objects.filter(document_id=document_id).select_related("run").first()
