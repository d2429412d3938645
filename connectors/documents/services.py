"""Writes to the document store that are not a connector's: sample uploads and expiry."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from connectorhub_sdk.documents import DocumentMetadata, DocumentReference
from django.utils import timezone

from connectors.documents.storage import StorageUnavailable
from connectors.documents.store import (
    DEFAULT_TIME_TO_LIVE,
    document_delete,
    document_save,
    reference_of,
)
from connectors.models import StoredDocument

logger = logging.getLogger(__name__)


def document_upload(
    *, content: bytes, file_name: str, content_type: str, uploaded_by: Any
) -> DocumentReference:
    """A sample document a user attaches to a dry-run's variables; its reference."""
    metadata = DocumentMetadata(
        content_type=content_type or "application/octet-stream",
        file_name=file_name or None,
        size=len(content),
        expires_at=timezone.now() + DEFAULT_TIME_TO_LIVE,
    )
    row = document_save(content, metadata, uploaded_by_id=uploaded_by.pk)
    return reference_of(row)


def documents_expire(*, now: datetime | None = None) -> int:
    """Delete every document past its expiry (content and row); how many were deleted. A store
    that cannot be reached keeps its rows until a later round (an expired document does not load
    meanwhile)."""
    expired = StoredDocument.objects.filter(expires_at__lte=now or timezone.now())
    count = 0
    for row in expired.iterator():
        try:
            document_delete(row)
        except StorageUnavailable as exc:
            logger.warning("expired documents are kept for now: %s", exc)
            break
        count += 1
    if count:
        logger.info("deleted %d expired document(s)", count)
    return count
