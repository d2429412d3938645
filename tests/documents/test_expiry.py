"""Expiry: the beat task deletes documents past their expiry, row and file, and nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from connectorhub_sdk import DocumentNotFound
from connectorhub_sdk.documents import DocumentCreationRequest
from django.conf import settings
from django.utils import timezone

from connectors.documents.store import HubDocumentStore, document_file
from connectors.documents.tasks import EXPIRE_TASK, expire_documents
from connectors.models import StoredDocument

pytestmark = [pytest.mark.xdist_group("documents"), pytest.mark.django_db]


def test_expired_documents_are_deleted_with_their_files() -> None:
    store = HubDocumentStore()
    old = store.create(DocumentCreationRequest(content=b"old", time_to_live=timedelta(hours=1)))
    fresh = store.create(DocumentCreationRequest(content=b"new", time_to_live=timedelta(days=1)))
    old_row = StoredDocument.objects.get(document_id=old.document_id)
    old_file = document_file(old_row)
    StoredDocument.objects.filter(pk=old_row.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    assert expire_documents() == 1  # the task itself, as beat calls it

    assert not old_file.exists()
    assert not StoredDocument.objects.filter(document_id=old.document_id).exists()
    with pytest.raises(DocumentNotFound):
        store.read(old)
    assert store.read(fresh) == b"new"


def test_beat_runs_the_expiry_task() -> None:
    scheduled = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert EXPIRE_TASK in scheduled
    assert "connectors.documents.tasks" in settings.CELERY_IMPORTS
