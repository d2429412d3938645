"""Documents: the metadata of each file a run stored (the bytes are on disk, see
connectors/documents/store.py)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class StoredDocument(models.Model):
    """One document in the hub's store: what Camunda's reference and metadata carry, plus the
    dry-run that created it (None for a live job or a sample upload's own run) so that the run
    page can list it and only the people who may see the run may download it.

    `content_hash` (SHA-256, hex) is checked on every load; `expires_at` is when the beat task
    deletes the row and its file (connectors/documents/tasks.py).
    """

    document_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    store_id = models.CharField(max_length=64, default="local")
    content_hash = models.CharField(max_length=64)
    content_type = models.CharField(max_length=255, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    size = models.BigIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    process_definition_id = models.CharField(max_length=255, blank=True)
    process_instance_key = models.BigIntegerField(null=True, blank=True)
    custom_properties = models.JSONField(null=True, blank=True)
    run = models.ForeignKey(
        "connectors.Run",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
    )
    # who uploaded a sample document on the configure page (None: a connector created it)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    job_key = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.file_name or self.document_id} ({self.size} bytes)"
