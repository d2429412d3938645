"""The hub's document store: metadata in the database (`StoredDocument`), content in the
storage backend `CONNECTORHUB_DOCUMENT_STORE` names (storage.py: files under the data folder, or
an S3-compatible bucket); a row records the store its content is in.

A connector sees it through `context.documents` (connectorhub_sdk.documents); the execution
environment hands a dry-run a store bound to its run, so the run page can list what the run
created. Follows Camunda's `CamundaDocumentStore` (create, read content by reference with its
hash, delete); the store id is the backend's (`local` or `aws`).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from connectorhub_sdk import ConnectorContext
from connectorhub_sdk.documents import (
    Document,
    DocumentCreationRequest,
    DocumentMetadata,
    DocumentReference,
    ExternalDocumentReference,
    content_hash,
    new_metadata,
    not_found,
)
from django.utils import timezone

from connectors.documents.external import external_document
from connectors.documents.links import link_create
from connectors.documents.storage import (
    LOCAL,
    ContentMissing,
    LocalFileStorage,
    default_storage,
    default_store_id,
    known_store_ids,
    storage_for,
)
from connectors.models import StoredDocument

STORE_ID = LOCAL  # the default store (HubDocumentStore.store_id is the one configured)
# A document created without a time to live is kept this long (Camunda's stores have a default
# time to live too); the beat task deletes it afterwards.
DEFAULT_TIME_TO_LIVE = timedelta(days=30)


def documents_folder() -> Path:
    """Where the `local` store's content files are; created private on first use."""
    return LocalFileStorage().folder()


class HubDocumentStore:
    """The store behind `context.documents` in the hub; RUN_ID and JOB_KEY are recorded with
    every document it creates."""

    def __init__(self, *, run_id: int | None = None, job_key: int | None = None) -> None:
        self.run_id = run_id
        self.job_key = job_key

    @property
    def store_id(self) -> str:
        return default_store_id()

    def create(self, request: DocumentCreationRequest) -> DocumentReference:
        if request.time_to_live is None:
            request = _with_default_ttl(request)
        metadata = new_metadata(request, now=timezone.now())
        row = document_save(request.content, metadata, run_id=self.run_id, job_key=self.job_key)
        return reference_of(row)

    def read(self, reference: DocumentReference) -> bytes:
        return document_content(reference)

    def generate_link(self, reference: DocumentReference, time_to_live: timedelta | None) -> str:
        """A download link (links.py); DocumentNotFound when REFERENCE does not resolve."""
        row = _live_row(reference)
        if reference.content_hash and reference.content_hash != row.content_hash:
            raise not_found(reference, "does not match its content hash")
        return link_create(row, time_to_live)

    def fetch_external(
        self, reference: ExternalDocumentReference, context: ConnectorContext, field: str | None
    ) -> Document:
        return external_document(reference, context, field)


def _with_default_ttl(request: DocumentCreationRequest) -> DocumentCreationRequest:
    return DocumentCreationRequest(
        content=request.content,
        content_type=request.content_type,
        file_name=request.file_name,
        time_to_live=DEFAULT_TIME_TO_LIVE,
        process_definition_id=request.process_definition_id,
        process_instance_key=request.process_instance_key,
        custom_properties=request.custom_properties,
    )


def document_save(
    content: bytes,
    metadata: DocumentMetadata,
    *,
    run_id: int | None = None,
    job_key: int | None = None,
    uploaded_by_id: int | None = None,
) -> StoredDocument:
    """Write CONTENT to the default store, then its row (a row never points to missing
    content)."""
    document_id = uuid.uuid4()
    storage = default_storage()
    storage.put(document_id, content, metadata.content_type or "")
    return StoredDocument.objects.create(
        document_id=document_id,
        store_id=storage.store_id,
        content_hash=content_hash(content),
        content_type=metadata.content_type or "",
        file_name=metadata.file_name or "",
        size=len(content),
        expires_at=metadata.expires_at,
        process_definition_id=metadata.process_definition_id or "",
        process_instance_key=metadata.process_instance_key,
        custom_properties=metadata.custom_properties,
        run_id=run_id,
        job_key=job_key,
        uploaded_by_id=uploaded_by_id,
    )


def reference_of(row: StoredDocument) -> DocumentReference:
    """ROW as Camunda's document reference."""
    return DocumentReference(
        store_id=row.store_id,
        document_id=str(row.document_id),
        content_hash=row.content_hash,
        metadata=DocumentMetadata(
            content_type=row.content_type or None,
            expires_at=row.expires_at,
            size=row.size,
            file_name=row.file_name or None,
            process_definition_id=row.process_definition_id or None,
            process_instance_key=row.process_instance_key,
            custom_properties=row.custom_properties or None,
        ),
    )


def document_content(reference: DocumentReference) -> bytes:
    """The bytes REFERENCE points to; DocumentNotFound when the store, the document or its
    content is gone, it has expired, or the content no longer matches the reference's hash.
    A store that cannot be reached raises StorageUnavailable."""
    row = _live_row(reference)
    storage = storage_for(row.store_id)
    if storage is None:
        raise not_found(reference, f"not found: the store '{row.store_id}' is not configured")
    try:
        content = storage.get(row.document_id)
    except ContentMissing:
        raise not_found(reference, "has no content any more") from None
    expected = reference.content_hash or row.content_hash
    if content_hash(content) != expected:
        raise not_found(reference, "does not match its content hash")
    return content


def _live_row(reference: DocumentReference) -> StoredDocument:
    row = _row(reference)
    if row.expires_at is not None and row.expires_at <= timezone.now():
        raise not_found(reference, "has expired")
    return row


def _row(reference: DocumentReference) -> StoredDocument:
    stores = known_store_ids()
    if reference.store_id not in stores:
        names = " and ".join(f"'{name}'" for name in stores)
        only = "only the store" if len(stores) == 1 else "only the stores"
        raise not_found(reference, f"not found: this hub has {only} {names}")
    try:
        key = uuid.UUID(reference.document_id)
    except ValueError:
        raise not_found(reference) from None
    row = StoredDocument.objects.filter(document_id=key, store_id=reference.store_id).first()
    if row is None:
        raise not_found(reference)
    return row


def document_delete(row: StoredDocument) -> None:
    """Delete ROW's content from its store, then ROW (a store this hub no longer has keeps
    its copy: the row goes, as nothing can read it any more)."""
    storage = storage_for(row.store_id)
    if storage is not None:
        storage.delete(row.document_id)
    row.delete()


def document_file(row: StoredDocument) -> Path:
    """A `local` ROW's content file (tests look at its mode)."""
    return LocalFileStorage().path(row.document_id)
