"""A dry-run's documents never show a secret: a REST response stored as a document (the
DOCUMENT return format) that echoes the bearer token is downloaded with the token masked, as
the run page masks the run's variables; the document itself keeps what the server sent."""

from __future__ import annotations

from typing import Any

import pytest
from connectorhub_sdk.documents import DocumentReference
from django.test import Client
from django.urls import reverse

from connectors.documents.store import HubDocumentStore
from connectors.secrets.services import secret_create
from tests.builtin.conftest import REST_ID
from tests.builtin.test_dry_run import dry_run, egress_worker, versions  # noqa: F401
from tests.services.http_servers import RecordingServer

pytestmark = [
    pytest.mark.celery,
    pytest.mark.xdist_group("documents"),
    pytest.mark.django_db(transaction=True),
]

TOKEN = "tok-Very-Secret-42"


@pytest.fixture
def echo() -> Any:
    with RecordingServer() as server:  # unknown paths echo the request, headers included
        yield server


def test_a_stored_response_is_downloaded_with_the_secret_masked(
    egress_worker: Any,  # noqa: F811
    versions: Any,  # noqa: F811
    echo: RecordingServer,
    user: Any,
    client: Client,
) -> None:
    secret_create(name="API_TOKEN", value=TOKEN, allowed_hosts=["127.0.0.1"], user=user)
    run = dry_run(
        versions[REST_ID],
        {
            "method": "GET",
            "url": f"{echo.url}/whoami",
            "authentication.type": "bearer",
            "authentication.token": "{{secrets.API_TOKEN}}",
            "documentReturnFormat.choice": "DOCUMENT",
            "resultVariable": "result",
        },
        user,
    )
    assert run.outcome == "completed", run.error_message
    document = run.outcome_record.variables["result"]["document"]
    stored = HubDocumentStore().read(DocumentReference.model_validate(document))
    assert TOKEN.encode() in stored  # what the server sent is kept for the process

    client.force_login(user)
    download = client.get(reverse("document-download", args=[document["documentId"]]))

    assert download.status_code == 200
    assert TOKEN.encode() not in download.content
    assert b"Bearer ***" in download.content
