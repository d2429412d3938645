"""The document store on an S3-compatible bucket (`CONNECTORHUB_DOCUMENT_STORE=aws`) against moto
on 127.0.0.1: create, load, expiry and the content hash through the store API; a REST dry-run on
the real Celery worker storing its response in the bucket, downloaded from the run page; and
misconfiguration named by its setting."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from connectorhub_sdk.documents import DocumentCreationRequest, DocumentNotFound, DocumentReference
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from connectors.documents.services import documents_expire
from connectors.documents.storage import StorageUnavailable
from connectors.documents.store import HubDocumentStore
from connectors.models import StoredDocument
from tests.aws.conftest import client as aws_client
from tests.builtin.conftest import REST_ID
from tests.builtin.test_dry_run import dry_run, versions  # noqa: F401
from tests.services.celery_worker import loopback_allowed
from tests.services.http_servers import RecordingServer, Reply
from tests.services.moto import Moto

pytestmark = [pytest.mark.xdist_group("moto"), pytest.mark.django_db(transaction=True)]

BUCKET = "hub-documents"
PREFIX = "tenant-a/docs"
BASE_DIR = Path(__file__).resolve().parents[2]


def bucket_env(server: Moto) -> dict[str, str]:
    """The settings of a hub whose documents are in moto's bucket, as environment variables."""
    return {
        "CONNECTORHUB_DOCUMENT_STORE": "aws",
        "CONNECTORHUB_DOCUMENT_STORE_AWS_BUCKET": BUCKET,
        "CONNECTORHUB_DOCUMENT_STORE_AWS_BUCKET_PATH": PREFIX,
        "CONNECTORHUB_DOCUMENT_STORE_AWS_ENDPOINT": server.endpoint,
        "CONNECTORHUB_DOCUMENT_STORE_AWS_REGION": server.region,
        "CONNECTORHUB_DOCUMENT_STORE_AWS_ACCESS_KEY_ID": server.access_key,
        "CONNECTORHUB_DOCUMENT_STORE_AWS_SECRET_ACCESS_KEY": server.secret_key,
    }


@pytest.fixture
def s3(moto: Moto, settings: Any) -> Any:
    """This process's hub stores documents in a fresh bucket on moto; a plain S3 client."""
    for name, value in bucket_env(moto).items():
        setattr(settings, name, value)
    s3 = aws_client(moto, "s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": moto.region})
    return s3


def create(content: bytes, **metadata: Any) -> DocumentReference:
    return HubDocumentStore().create(DocumentCreationRequest(content=content, **metadata))


def key_of(reference: DocumentReference) -> str:
    return f"{PREFIX}/{reference.document_id}"


def test_a_document_is_stored_in_the_bucket_and_loads(s3: Any) -> None:
    reference = create(b"id;name\n1;Ada\n", content_type="text/csv", file_name="people.csv")

    assert reference.store_id == "aws"
    stored = s3.get_object(Bucket=BUCKET, Key=key_of(reference))
    assert stored["Body"].read() == b"id;name\n1;Ada\n"
    assert stored["ContentType"] == "text/csv"
    row = StoredDocument.objects.get(document_id=reference.document_id)
    assert row.store_id == "aws" and row.file_name == "people.csv"  # metadata in the database
    assert HubDocumentStore().read(reference) == b"id;name\n1;Ada\n"


def test_content_changed_in_the_bucket_fails_the_hash_check(s3: Any) -> None:
    reference = create(b"original")
    s3.put_object(Bucket=BUCKET, Key=key_of(reference), Body=b"tampered")

    with pytest.raises(DocumentNotFound, match="in store 'aws' does not match its content hash"):
        HubDocumentStore().read(reference)


def test_content_gone_from_the_bucket_does_not_resolve(s3: Any) -> None:
    reference = create(b"soon gone")
    s3.delete_object(Bucket=BUCKET, Key=key_of(reference))

    with pytest.raises(DocumentNotFound, match="in store 'aws' has no content any more"):
        HubDocumentStore().read(reference)


def test_expiry_deletes_the_object_from_the_bucket(s3: Any) -> None:
    old = create(b"old", time_to_live=timedelta(seconds=60))
    kept = create(b"kept", time_to_live=timedelta(days=1))
    StoredDocument.objects.filter(document_id=old.document_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(DocumentNotFound, match="has expired"):
        HubDocumentStore().read(old)  # expired loads fail even before the beat task runs

    assert documents_expire() == 1

    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert keys == [key_of(kept)]
    assert not StoredDocument.objects.filter(document_id=old.document_id).exists()
    assert HubDocumentStore().read(kept) == b"kept"


def test_documents_stored_locally_before_the_switch_still_load(
    moto: Moto,
    settings: Any,
) -> None:
    local = create(b"from before")
    assert local.store_id == "local"
    for name, value in bucket_env(moto).items():
        setattr(settings, name, value)
    aws_client(moto, "s3").create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": moto.region}
    )

    assert HubDocumentStore().read(local) == b"from before"
    assert create(b"after").store_id == "aws"


def test_a_reference_to_the_bucket_does_not_resolve_on_a_hub_storing_locally(s3: Any) -> None:
    reference = create(b"x")

    with (
        override_settings(CONNECTORHUB_DOCUMENT_STORE="local"),
        pytest.raises(DocumentNotFound) as raised,
    ):
        HubDocumentStore().read(reference)
    assert "this hub has only the store 'local'" in str(raised.value)


def test_a_missing_bucket_is_named_with_its_setting(s3: Any, moto: Moto) -> None:
    s3.delete_bucket(Bucket=BUCKET)

    with pytest.raises(StorageUnavailable) as raised:
        create(b"x")

    message = str(raised.value)
    assert f"bucket '{BUCKET}' does not exist" in message
    assert "CONNECTORHUB_DOCUMENT_STORE_AWS_BUCKET" in message
    assert moto.secret_key not in message and moto.access_key not in message
    assert not StoredDocument.objects.exists()  # no row without its content


def test_an_unreachable_endpoint_is_named_with_its_setting(settings: Any, moto: Moto) -> None:
    for name, value in bucket_env(moto).items():
        setattr(settings, name, value)
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings.CONNECTORHUB_DOCUMENT_STORE_AWS_ENDPOINT = closed

    with pytest.raises(StorageUnavailable) as raised:
        create(b"x")

    assert f"cannot be reached at {closed} (CONNECTORHUB_DOCUMENT_STORE_AWS_ENDPOINT)" in str(
        raised.value
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"CONNECTORHUB_DOCUMENT_STORE": "gcs"}, "CONNECTORHUB_DOCUMENT_STORE='gcs' must be"),
        (
            {"CONNECTORHUB_DOCUMENT_STORE": "aws"},
            "CONNECTORHUB_DOCUMENT_STORE=aws needs CONNECTORHUB_DOCUMENT_STORE_AWS_BUCKET",
        ),
    ],
)
def test_a_misconfigured_store_stops_the_start(env: dict[str, str], named: str) -> None:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CONNECTORHUB_DOCUMENT")},
        **env,
    }
    started = subprocess.run(
        [sys.executable, "-c", "import django, os; django.setup()"],
        cwd=BASE_DIR,
        env={**environment, "DJANGO_SETTINGS_MODULE": "connectorhub.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert started.returncode != 0
    assert named in started.stderr


@pytest.fixture
def s3_worker(celery_worker: Any, s3: Any, moto: Moto) -> Iterator[Any]:
    """The session's Celery worker storing documents in the bucket (a setting read at
    start-up: a restart); back to local files after, so no later test's worker writes to a
    bucket its own process cannot read. 127.0.0.1 on the allow-list for this test."""
    from connectorhub.celery import app

    env = bucket_env(moto)
    celery_worker.ensure(app, **env)
    with loopback_allowed():
        yield celery_worker
    celery_worker.ensure(app, **dict.fromkeys(env))


@pytest.mark.celery
def test_a_rest_dry_run_stores_its_response_in_the_bucket_and_the_run_page_downloads_it(
    s3_worker: Any,
    s3: Any,
    versions: Any,  # noqa: F811
    user: Any,
    client: Client,
) -> None:
    with RecordingServer() as server:
        server.route("/report", Reply(headers=[("Content-Type", "application/pdf")], body=b"%PDF"))
        run = dry_run(
            versions[REST_ID],
            {
                "method": "GET",
                "url": f"{server.url}/report",
                "documentReturnFormat.choice": "DOCUMENT",
                "resultVariable": "result",
            },
            user,
        )

    assert run.outcome == "completed", run.error_message
    document = run.outcome_record.variables["result"]["document"]
    assert document["storeId"] == "aws"
    reference = DocumentReference.model_validate(document)
    assert s3.get_object(Bucket=BUCKET, Key=key_of(reference))["Body"].read() == b"%PDF"

    client.force_login(user)
    page = client.get(reverse("run-detail", args=[run.pk])).content.decode()
    download_url = reverse("document-download", args=[document["documentId"]])
    assert download_url in page
    download = client.get(download_url)
    assert download.status_code == 200 and download.content == b"%PDF"
    assert download.headers["Content-Type"] == "application/pdf"
