"""End to end through the product: Camunda's current Azure Blob Storage and Google Cloud Storage
templates imported into the hub, their credentials as hub secrets, dry-runs through the real
Celery worker against Azurite and fake-gcs-server, and what the runs store and show (never the
credentials); then the acceptance sequence: a document downloaded by S3 (moto) uploaded to Azure
Blob Storage and to Google Cloud Storage by later dry-runs, byte-identical on both servers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from connectorhub_sdk.documents import DocumentReference
from django.test import Client
from django.urls import reverse

from connectors.builtin.cloudstorage import gcs
from connectors.catalogue.importing import import_documents
from connectors.catalogue.selectors import CatalogueFilters, search_entries
from connectors.documents.store import HubDocumentStore
from connectors.models import ImportSource, Run, TemplateVersion
from connectors.runs.services import run_start
from connectors.secrets.services import secret_create
from tests.aws.conftest import aws_values, secrets_of
from tests.aws.conftest import client as aws_client
from tests.aws.test_s3 import S3, s3_version  # noqa: F401
from tests.builtin.test_dry_run import form_values
from tests.cloudstorage.conftest import (
    AZURE,
    BINARY,
    GCS,
    KEY_SECRET,
    SAS_SECRET,
    GoogleTokens,
    gcs_values,
    sas_values,
)
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.runs.conftest import wait_done
from tests.services.azurite import Azurite
from tests.services.celery_worker import loopback_allowed
from tests.services.fake_gcs import FakeGcs
from tests.services.moto import Moto

pytestmark = [
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("azurite"),
]


@pytest.fixture
def storage_worker(celery_worker: Any, fake_gcs: FakeGcs) -> Iterator[Any]:
    """The session's Celery worker, its GCS JSON API root on fake-gcs-server (read at start-up:
    one restart per session, kept for later tests), with 127.0.0.1 on the allow-list for this
    test (the dry-run path enforces the egress policy)."""
    from connectorhub.celery import app  # the Celery app only where a worker runs

    celery_worker.ensure(app, **{gcs.ENDPOINT_SETTING: fake_gcs.endpoint})
    with loopback_allowed():
        yield celery_worker


@pytest.fixture
def storage_versions(db: None) -> dict[str, TemplateVersion]:
    files = [AZURE[0], GCS[0]]
    report = import_documents(
        [(name, (CORPUS_DIR / name).read_bytes()) for name in files], source=ImportSource.COMMAND
    )
    assert not report.failed, report.failed
    return {
        kind[1]: TemplateVersion.objects.get(entry__template_id=kind[1], version=kind[2])
        for kind in (AZURE, GCS)
    }


def dry_run(version: TemplateVersion, values: dict[str, Any], user: Any, **variables: Any) -> Run:
    """A dry-run of VALUES (by binding name, the result in `result`) with sample VARIABLES."""
    values = {"resultVariable": "result", **values}
    run = run_start(version=version, values=form_values(version, values),
                    variables=variables, user=user)  # fmt: skip
    done: Run = wait_done(run.pk, timeout=30)
    assert done.outcome == "completed", done.error_message
    return done


def stored(run: Run) -> str:
    return json.dumps(Run.objects.filter(pk=run.pk).values().get(), default=str)


def azure_upload(azurite: Azurite, name: str, source: dict[str, Any]) -> dict[str, Any]:
    values = {"operationDiscriminator": "uploadBlob", "operation.container": "orders",
              "operation.fileName": name, "operation.timeout": 30}  # fmt: skip
    return sas_values(azurite, **values, **source)


def azure_download(azurite: Azurite, name: str, choice: str) -> dict[str, Any]:
    values = {"operationDiscriminator": "downloadBlob", "operation.container": "orders",
              "operation.fileName": name, "documentReturnFormat.choice": choice}  # fmt: skip
    return sas_values(azurite, **values)


def gcs_upload(name: str, source: dict[str, Any]) -> dict[str, Any]:
    values = {"operationDiscriminator": "uploadObject", "operation.project": "hub",
              "operation.bucket": "orders", "operation.fileName": name}  # fmt: skip
    return gcs_values(**values, **source)


def gcs_download(name: str, choice: str) -> dict[str, Any]:
    values = {"operationDiscriminator": "downloadObject", "operation.project": "hub",
              "operation.bucket": "orders", "operation.fileName": name,
              "documentReturnFormat.choice": choice}  # fmt: skip
    return gcs_values(**values)


def inline(text: str, name: str) -> dict[str, Any]:
    return {
        "operation.operation_document_documentSource": "inline",
        "operation.operation_document_inline_content": text,
        "operation.operation_document_inline_fileName": name,
        "operation.operation_document_inline_contentType": "text/plain",
    }


def referenced(variable: str) -> dict[str, Any]:
    return {
        "operation.operation_document_documentSource": "camunda",
        "operation.operation_document_camundaReference": f"={variable}",
    }


def test_the_catalogue_marks_both_templates_as_running_here(
    storage_versions: dict[str, TemplateVersion],
) -> None:
    runs_here = {e.template_id for e in search_entries(CatalogueFilters(runs_here=True))}
    assert {AZURE[1], GCS[1]} <= runs_here


def test_an_azure_dry_run_uploads_and_downloads_with_the_token_as_a_hub_secret(
    storage_worker: Any,
    storage_versions: dict[str, TemplateVersion],
    azurite: Azurite,
    user: Any,
    client: Client,
) -> None:
    token = azurite.sas_token()
    secret_create(name=SAS_SECRET, value=token, allowed_hosts=["127.0.0.1"], user=user)
    version = storage_versions[AZURE[1]]

    note = inline("Grüße aus dem Hub", "hello.txt")
    upload = dry_run(version, azure_upload(azurite, "notes/hello.txt", note), user)
    blob = azurite.get_blob("orders", "notes/hello.txt")
    assert blob.content == "Grüße aus dem Hub".encode()
    assert blob.headers["content-type"] == "text/plain"
    download = dry_run(version, azure_download(azurite, "notes/hello.txt", "DOCUMENT"), user)

    reference = download.outcome_record.variables["result"]["document"]
    content = HubDocumentStore().read(DocumentReference.model_validate(reference))
    assert content == "Grüße aus dem Hub".encode()
    for run in (upload, download):
        assert token not in stored(run) and token.split("sig=")[1] not in stored(run)
    client.force_login(user)
    page = client.get(reverse("run-detail", args=[download.pk])).content.decode()
    assert "Azure Blob Get Blob · from orders/notes/hello.txt" in page
    assert token.split("sig=")[1] not in page


def test_a_gcs_dry_run_uploads_and_downloads_with_the_key_as_a_hub_secret(
    storage_worker: Any,
    storage_versions: dict[str, TemplateVersion],
    fake_gcs: FakeGcs,
    google_tokens: GoogleTokens,
    user: Any,
) -> None:
    key = google_tokens.key_json
    secret_create(name=KEY_SECRET, value=key, allowed_hosts=["127.0.0.1"], user=user)
    version = storage_versions[GCS[1]]

    upload = dry_run(version, gcs_upload("notes/hello.txt", inline("Grüße aus dem Hub", "x")), user)
    assert fake_gcs.content("orders", "notes/hello.txt") == "Grüße aus dem Hub".encode()
    assert fake_gcs.metadata("orders", "notes/hello.txt")["contentType"] == "text/plain"
    download = dry_run(version, gcs_download("notes/hello.txt", "TEXT"), user)

    assert download.outcome_record.variables["result"] == {"content": "Grüße aus dem Hub"}
    private_key = json.loads(key)["private_key"].splitlines()[1]
    for run in (upload, download):
        assert private_key not in stored(run)
        calls = [e["summary"].split(" · ")[0] for e in run.outcome_record.exchanges]
        assert calls == [
            "Google token",
            "GCS objects.insert" if run is upload else "GCS objects.get",
        ]


def test_a_document_from_s3_reaches_azure_and_gcs_byte_identical(
    storage_worker: Any,
    storage_versions: dict[str, TemplateVersion],
    s3_version: TemplateVersion,  # noqa: F811
    moto: Moto,
    azurite: Azurite,
    fake_gcs: FakeGcs,
    google_tokens: GoogleTokens,
    user: Any,
) -> None:
    """The acceptance sequence, as a process would run it: S3 downloads into a document, and
    its reference (a process variable) is the document the Azure and GCS uploads send."""
    for name, value in secrets_of(moto).items():
        secret_create(name=name, value=value, allowed_hosts=["127.0.0.1"], user=user)
    secret_create(name=SAS_SECRET, value=azurite.sas_token(), allowed_hosts=["127.0.0.1"],
                  user=user)  # fmt: skip
    secret_create(name=KEY_SECRET, value=google_tokens.key_json, allowed_hosts=["127.0.0.1"],
                  user=user)  # fmt: skip
    s3 = aws_client(moto, "s3")
    s3.create_bucket(Bucket="orders", CreateBucketConfiguration={"LocationConstraint": moto.region})
    s3.put_object(Bucket="orders", Key="in/scan.pdf", Body=BINARY, ContentType="application/pdf")
    original = hashlib.sha256(BINARY).hexdigest()

    fetched = dry_run(s3_version, aws_values(moto, **{
        "actionDiscriminator": "downloadObject", "action.bucket": "orders",
        "action.key": "in/scan.pdf", "documentReturnFormat.choice": "DOCUMENT"}), user)  # fmt: skip
    doc = fetched.outcome_record.variables["result"]["element"]["document"]
    azure_values = azure_upload(azurite, "scan.pdf", referenced("doc"))
    to_azure = dry_run(storage_versions[AZURE[1]], azure_values, user, doc=doc)
    to_gcs = dry_run(
        storage_versions[GCS[1]], gcs_upload("scan.pdf", referenced("doc")), user, doc=doc
    )

    assert doc["contentHash"] == original
    blob = azurite.get_blob("orders", "scan.pdf")
    assert hashlib.sha256(blob.content).hexdigest() == original
    assert hashlib.sha256(fake_gcs.content("orders", "scan.pdf")).hexdigest() == original
    assert blob.headers["content-type"] == "application/pdf"
    assert fake_gcs.metadata("orders", "scan.pdf")["contentType"] == "application/pdf"
    assert to_azure.outcome_record.variables["result"]["filename"] == "scan.pdf"
    assert to_gcs.outcome_record.variables["result"]["bucket"] == "orders"
