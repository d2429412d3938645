"""The document store: Camunda's reference shape, the hub's files under the data folder, the
hash checked on load, a reference that does not resolve, and the SDK's in-memory store."""

from __future__ import annotations

import stat
from datetime import timedelta
from typing import Any

import pytest
from connectorhub_sdk import ConnectorContext, DocumentNotFound, connector
from connectorhub_sdk.documents import (
    DocumentCreationRequest,
    DocumentReference,
    InMemoryDocumentStore,
)
from connectorhub_sdk.testing import run_connector
from django.utils import timezone
from pydantic import BaseModel

from connectors.documents.store import HubDocumentStore, document_file, documents_folder
from connectors.execution.hub import dry_run_environment
from connectors.models import Run, StoredDocument
from connectors.registry import Registry
from connectors.runtime import JobRequest

pytestmark = pytest.mark.xdist_group("documents")


class CopyInput(BaseModel):
    document: Any = None
    text: str = ""


@connector(type="test:document-copy:1", name="Copy", input=CopyInput, version=1)
def copy_document(data: CopyInput, context: ConnectorContext) -> Any:
    """Loads the document it is given (if any) and stores its text upper-cased."""
    text = data.text
    if data.document is not None:
        text = context.documents.load(data.document, field="document").as_text()
    return {
        "copy": context.documents.create(
            text.upper(), content_type="text/plain", file_name="copy.txt"
        )
    }


def test_the_sdk_runs_a_connector_with_an_in_memory_store() -> None:
    store = InMemoryDocumentStore()
    first = run_connector(copy_document, {"text": "hello"}, documents=store)["copy"]
    assert isinstance(first, DocumentReference)
    assert first.as_json()["camunda.document.type"] == "camunda"
    assert first.as_json()["metadata"] == {
        "contentType": "text/plain",
        "size": 5,
        "fileName": "copy.txt",
    }

    second = run_connector(copy_document, {"document": first.as_json()}, documents=store)
    assert store.read(second["copy"]) == b"HELLO"


def test_an_inline_reference_is_read_from_the_variable() -> None:
    inline = {"camunda.document.type": "inline", "content": "abc", "name": "a.txt"}
    result = run_connector(copy_document, {"document": inline})
    assert result["copy"].metadata.size == 3


def test_a_reference_that_does_not_resolve_names_the_document() -> None:
    missing = {"camunda.document.type": "camunda", "storeId": "in-memory", "documentId": "nope"}
    with pytest.raises(DocumentNotFound, match="document 'nope' in store 'in-memory' not found"):
        run_connector(copy_document, {"document": missing})


def test_a_malformed_reference_names_the_field() -> None:
    with pytest.raises(Exception, match="document: expected a document reference"):
        run_connector(copy_document, {"document": {"documentId": "x"}})


@pytest.mark.django_db
def test_the_hub_store_keeps_private_files_and_checks_the_hash() -> None:
    ref = HubDocumentStore().create(
        _request(b"id;name\n1;Ada\n", file_name="people.csv", content_type="text/csv")
    )
    assert ref.store_id == "local"
    assert ref.metadata.expires_at is not None  # the default time to live
    assert HubDocumentStore().read(ref) == b"id;name\n1;Ada\n"

    row = StoredDocument.objects.get(document_id=ref.document_id)
    path = document_file(row)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(documents_folder().stat().st_mode) == 0o700

    path.write_bytes(b"id;name\n1;Eve\n")  # changed behind the store's back
    with pytest.raises(DocumentNotFound, match="does not match its content hash"):
        HubDocumentStore().read(ref)


@pytest.mark.django_db
def test_the_hub_store_refuses_unknown_foreign_and_expired_references() -> None:
    ref = HubDocumentStore().create(_request(b"x", time_to_live=timedelta(seconds=60)))
    unknown = ref.model_copy(update={"document_id": "5b0c3f52-2c0e-4a52-9a3e-111111111111"})
    foreign = ref.model_copy(update={"store_id": "aws"})
    with pytest.raises(DocumentNotFound, match="not found"):
        HubDocumentStore().read(unknown)
    with pytest.raises(DocumentNotFound, match="only the store 'local'"):
        HubDocumentStore().read(foreign)
    StoredDocument.objects.filter(document_id=ref.document_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(DocumentNotFound, match="has expired"):
        HubDocumentStore().read(ref)


# transaction=True: the connector runs in the runtime's thread, which must see the run's row
@pytest.mark.django_db(transaction=True)
def test_a_dry_run_environment_records_its_documents_with_the_run(user: Any) -> None:
    registry = Registry()
    registry.register(copy_document, "test")
    run = Run.objects.create(
        template_id="t",
        created_by=user,
        secrets_as=user,
        time_limit=10,
        job={"type": copy_document.type},
    )
    environment = dry_run_environment(run, secrets=_NoSecrets(), registry=registry)

    outcome = environment.run(_job({"text": "hi"}))

    reference = outcome.variables["result"]["copy"]
    assert reference["storeId"] == "local" and reference["metadata"]["size"] == 2
    assert StoredDocument.objects.get(document_id=reference["documentId"]).run == run

    again = environment.run(_job({"document": reference}))
    assert HubDocumentStore().read(
        DocumentReference.model_validate(again.variables["result"]["copy"])
    ) == (b"HI")


@pytest.mark.django_db(transaction=True)
def test_a_run_fails_with_camundas_error_when_a_reference_does_not_resolve(user: Any) -> None:
    registry = Registry()
    registry.register(copy_document, "test")
    run = Run.objects.create(
        template_id="t",
        created_by=user,
        secrets_as=user,
        time_limit=10,
        job={"type": copy_document.type},
    )
    environment = dry_run_environment(run, secrets=_NoSecrets(), registry=registry)
    missing = {
        "camunda.document.type": "camunda",
        "storeId": "local",
        "documentId": "5b0c3f52-2c0e-4a52-9a3e-222222222222",
    }

    outcome = environment.run(_job({"document": missing}))

    assert outcome.trace.error["type"] == "io.camunda.client.api.command.ProblemException"
    assert (
        "document '5b0c3f52-2c0e-4a52-9a3e-222222222222' in store 'local' not found"
        in (outcome.trace.error["message"])
    )
    assert outcome.retries == 2  # a failure, retried as Camunda retries it


def _job(variables: dict[str, Any]) -> JobRequest:
    return JobRequest(
        type=copy_document.type, variables=variables, headers={"resultVariable": "result"}
    )


def _request(content: bytes, **kwargs: Any) -> DocumentCreationRequest:
    return DocumentCreationRequest(content=content, **kwargs)


class _NoSecrets:
    label = "none"

    def get(self, name: str) -> str | None:
        return None
