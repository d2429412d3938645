"""The hub's document store: metadata in the database (`StoredDocument`), content in files
under `CONNECTORHUB_DATA_DIR/documents/` (the folder 0700, each file 0600, as the rest of the
data folder).

A connector sees it through `context.documents` (connectorhub_sdk.documents); the execution
environment hands a dry-run a store bound to its run, so the run page can list what the run
created. Follows Camunda's `CamundaDocumentStore` (create, read content by reference with its
hash, delete); the store id is `local`.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from datetime import timedelta
from pathlib import Path

from connectorhub_sdk.documents import (
    DocumentCreationRequest,
    DocumentMetadata,
    DocumentReference,
    content_hash,
    new_metadata,
    not_found,
)
from django.conf import settings
from django.utils import timezone

from connectorhub.datadir import FILE_MODE, private_folder
from connectors.models import StoredDocument

STORE_ID = "local"
# A document created without a time to live is kept this long (Camunda's stores have a default
# time to live too); the beat task deletes it afterwards.
DEFAULT_TIME_TO_LIVE = timedelta(days=30)


def documents_folder() -> Path:
    """Where the content files are; created private on first use."""
    folder = Path(settings.DATA_DIR) / "documents"
    private_folder(folder)
    return folder


class HubDocumentStore:
    """The store behind `context.documents` in the hub; RUN_ID and JOB_KEY are recorded with
    every document it creates."""

    store_id = STORE_ID

    def __init__(self, *, run_id: int | None = None, job_key: int | None = None) -> None:
        self.run_id = run_id
        self.job_key = job_key

    def create(self, request: DocumentCreationRequest) -> DocumentReference:
        if request.time_to_live is None:
            request = _with_default_ttl(request)
        metadata = new_metadata(request, now=timezone.now())
        row = document_save(request.content, metadata, run_id=self.run_id, job_key=self.job_key)
        return reference_of(row)

    def read(self, reference: DocumentReference) -> bytes:
        return document_content(reference)


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
    """Write CONTENT to its file, then its row (a row never points to a missing file)."""
    document_id = uuid.uuid4()
    _write_private(_path(document_id), content)
    return StoredDocument.objects.create(
        document_id=document_id,
        store_id=STORE_ID,
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
    file is gone, it has expired, or the content no longer matches the reference's hash."""
    row = _row(reference)
    if row.expires_at is not None and row.expires_at <= timezone.now():
        raise not_found(reference, "has expired")
    try:
        content = _path(row.document_id).read_bytes()
    except FileNotFoundError:
        raise not_found(reference, "has no content any more") from None
    expected = reference.content_hash or row.content_hash
    if content_hash(content) != expected:
        raise not_found(reference, "does not match its content hash")
    return content


def _row(reference: DocumentReference) -> StoredDocument:
    if reference.store_id != STORE_ID:
        raise not_found(reference, "not found: this hub has only the store 'local'")
    try:
        key = uuid.UUID(reference.document_id)
    except ValueError:
        raise not_found(reference) from None
    row = StoredDocument.objects.filter(document_id=key).first()
    if row is None:
        raise not_found(reference)
    return row


def document_delete(row: StoredDocument) -> None:
    """Delete ROW's file, then ROW."""
    with contextlib.suppress(FileNotFoundError):
        _path(row.document_id).unlink()
    row.delete()


def document_file(row: StoredDocument) -> Path:
    """ROW's content file (downloads stream it)."""
    return _path(row.document_id)


def _path(document_id: uuid.UUID) -> Path:
    return documents_folder() / str(document_id)


def _write_private(path: Path, content: bytes) -> None:
    """Write a new 0600 file under a temporary name, then move it into place."""
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
