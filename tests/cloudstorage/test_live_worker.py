"""The live worker runs Camunda's cloud storage connectors for a process on the test engine: the
current templates' inputs as the task's input mappings, the credentials as hub secrets, the
document built from process variables; what the servers stored is read back. A download into a
document gives the process a reference to a hub document whose bytes are the stored ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from connectorhub_sdk.documents import DocumentReference
from cryptography.fernet import Fernet

from connectors.builtin.cloudstorage.azure import azure_blob_storage
from connectors.builtin.cloudstorage.gcs import google_cloud_storage
from connectors.documents.store import HubDocumentStore
from connectors.management.commands.zeebe_worker import build_worker
from connectors.models import SecretAuditEvent
from connectors.secrets.services import secret_create
from tests.cloudstorage.conftest import BINARY, GoogleTokens
from tests.services.azurite import Azurite
from tests.services.fake_gcs import FakeGcs
from tests.zeebe.conftest import zeebe_address, zeebe_engine  # noqa: F401
from tests.zeebe.harness import run_with_live_worker, unique
from tests.zeebe.processes import task_process

pytestmark = [
    pytest.mark.zeebe,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("azurite"),
]

NOTE = {"note": "Bestellung 42 ✓", "name": "note.txt"}
# the document as a process builds it: an inline reference from its variables
DOCUMENT = (
    '={"camunda.document.type": "inline", content: note, name: name, contentType: "text/plain"}'
)


def run_live(job_type: str, inputs: dict[str, str], address: str, tmp_path: Path) -> Any:
    process_id = unique(job_type.split(":")[1])
    bpmn = task_process(process_id, job_type, inputs=inputs, headers={"resultVariable": "put"})
    worker = build_worker({"address": address, "job_types": [job_type], "name": process_id})
    return run_with_live_worker(address, worker, bpmn, process_id, tmp_path, NOTE)["put"]


def test_a_live_job_uploads_to_azure_blob_storage(
    zeebe_address: str,  # noqa: F811
    tmp_path: Path,
    settings: Any,
    azurite: Azurite,
) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    secret_create(name="AZURE_SAS", value=azurite.sas_token())
    inputs = {
        "operationDiscriminator": "uploadBlob",
        "authentication.type": "SAS",
        "authentication.SASToken": "{{secrets.AZURE_SAS}}",
        "authentication.SASUrl": azurite.endpoint,
        "operation.container": "orders",
        "operation.fileName": '="live/" + name',
        "operation.timeout": "=30",
        "operation.document": DOCUMENT,
    }

    put = run_live(azure_blob_storage.type, inputs, zeebe_address, tmp_path)

    link = f"{azurite.endpoint}/orders/live/note.txt"
    assert put == {"container": "orders", "filename": "live/note.txt", "link": link}
    blob = azurite.get_blob("orders", "live/note.txt")
    assert blob.content == "Bestellung 42 ✓".encode()
    assert blob.headers["content-type"] == "text/plain"
    (use,) = SecretAuditEvent.objects.filter(action=SecretAuditEvent.Action.USE)
    assert use.source == SecretAuditEvent.Source.LIVE and use.job_type == azure_blob_storage.type


def test_a_live_job_uploads_to_google_cloud_storage(
    zeebe_address: str,  # noqa: F811
    tmp_path: Path,
    settings: Any,
    fake_gcs: FakeGcs,
    google_tokens: GoogleTokens,
) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    secret_create(name="GCS_KEY", value=google_tokens.key_json)
    inputs = {
        "operationDiscriminator": "uploadObject",
        "authentication.jsonKey": "{{secrets.GCS_KEY}}",
        "operation.project": "hub",
        "operation.bucket": "orders",
        "operation.fileName": '="live/" + name',
        "operation.document": DOCUMENT,
    }

    put = run_live(google_cloud_storage.type, inputs, zeebe_address, tmp_path)

    link = "https://storage.cloud.google.com/orders/live/note.txt"
    assert put == {"bucket": "orders", "filename": "live/note.txt", "downloadUrl": link}
    assert fake_gcs.content("orders", "live/note.txt") == "Bestellung 42 ✓".encode()
    assert fake_gcs.metadata("orders", "live/note.txt")["contentType"] == "text/plain"


def downloaded(reference: dict[str, Any]) -> bytes:
    """The bytes of the hub document a live job's result refers to."""
    return HubDocumentStore().read(DocumentReference.model_validate(reference))


def test_a_live_job_downloads_an_azure_blob_as_a_document(
    zeebe_address: str,  # noqa: F811
    tmp_path: Path,
    settings: Any,
    azurite: Azurite,
) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    token = azurite.sas_token()
    secret_create(name="AZURE_SAS", value=token)
    azurite.put_blob("orders", "in/scan.pdf", BINARY, "application/pdf")
    inputs = {
        "operationDiscriminator": "downloadBlob",
        "authentication.type": "SAS",
        "authentication.SASToken": "{{secrets.AZURE_SAS}}",
        "authentication.SASUrl": azurite.endpoint,
        "operation.container": "orders",
        "operation.fileName": "in/scan.pdf",
        "documentReturnFormat.choice": "DOCUMENT",
    }

    got = run_live(azure_blob_storage.type, inputs, zeebe_address, tmp_path)

    reference = got["document"]
    assert downloaded(reference) == BINARY
    assert reference["metadata"]["contentType"] == "application/pdf"
    (use,) = SecretAuditEvent.objects.filter(action=SecretAuditEvent.Action.USE)
    assert use.source == SecretAuditEvent.Source.LIVE and use.job_type == azure_blob_storage.type
    assert token.split("sig=")[1] not in repr(got)


def test_a_live_job_downloads_a_gcs_object_as_a_document(
    zeebe_address: str,  # noqa: F811
    tmp_path: Path,
    settings: Any,
    fake_gcs: FakeGcs,
    google_tokens: GoogleTokens,
) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    secret_create(name="GCS_KEY", value=google_tokens.key_json)
    fake_gcs.put_object("orders", "in/scan.pdf", BINARY, "application/pdf")
    inputs = {
        "operationDiscriminator": "downloadObject",
        "authentication.jsonKey": "{{secrets.GCS_KEY}}",
        "operation.project": "hub",
        "operation.bucket": "orders",
        "operation.fileName": "in/scan.pdf",
        "documentReturnFormat.choice": "DOCUMENT",
    }

    got = run_live(google_cloud_storage.type, inputs, zeebe_address, tmp_path)

    reference = got["document"]
    assert downloaded(reference) == BINARY
    assert reference["metadata"]["contentType"] == "application/pdf"
    (use,) = SecretAuditEvent.objects.filter(action=SecretAuditEvent.Action.USE)
    assert use.source == SecretAuditEvent.Source.LIVE and use.job_type == google_cloud_storage.type
    private_key = json.loads(google_tokens.key_json)["private_key"].splitlines()[1]
    assert private_key not in repr(got)
