"""The document pages: a sample upload becomes a reference in the variables, a run's documents
are listed on its page and downloadable by whoever may see the run, and nobody else."""

from __future__ import annotations

from typing import Any

import pytest
from connectorhub_sdk.documents import DocumentMetadata
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from connectors.documents.store import document_save
from connectors.models import Run, RunOutcome, RunStatus, StoredDocument
from connectors.runs.stored import StoredOutcome

pytestmark = [pytest.mark.xdist_group("documents"), pytest.mark.django_db]


def upload(client: Client, name: str = "invoice", content: bytes = b"a;b\n1;2\n") -> Any:
    file = SimpleUploadedFile("in voice.csv", content, content_type="text/csv")
    return client.post(reverse("document-upload"), {"variable": name, "file": file})


def test_a_sample_upload_answers_a_camunda_reference(client: Client, user: Any) -> None:
    client.force_login(user)

    answer = upload(client).json()

    assert answer["name"] == "invoice"
    reference = answer["reference"]
    assert reference["camunda.document.type"] == "camunda"
    assert reference["metadata"]["fileName"] == "in voice.csv"
    assert reference["metadata"]["contentType"] == "text/csv"
    row = StoredDocument.objects.get(document_id=reference["documentId"])
    assert row.uploaded_by == user and row.run is None


def test_a_bad_variable_name_or_no_file_is_refused_with_the_field(
    client: Client, user: Any
) -> None:
    client.force_login(user)
    bad = upload(client, name="1st file")
    assert bad.status_code == 400 and bad.json()["error"].startswith("Variable name:")
    missing = client.post(reverse("document-upload"), {"variable": "doc"})
    assert missing.status_code == 400 and missing.json()["error"].startswith("File:")
    assert not StoredDocument.objects.exists()


def test_only_the_uploader_downloads_a_sample(client: Client, user: Any, other_user: Any) -> None:
    client.force_login(user)
    reference = upload(client, content=b"x;y\n").json()["reference"]
    url = reverse("document-download", args=[reference["documentId"]])

    mine = client.get(url)
    assert mine.status_code == 200 and mine.content == b"x;y\n"
    assert mine["Content-Disposition"].startswith('attachment; filename="in voice.csv"')

    client.force_login(other_user)
    assert client.get(url).status_code == 404


def test_the_run_page_lists_the_runs_documents_for_those_who_may_see_it(
    client: Client, user: Any, other_user: Any, django_user_model: Any
) -> None:
    run = Run.objects.create(
        template_id="t",
        created_by=user,
        secrets_as=user,
        time_limit=5,
        job={"type": "x"},
        status=RunStatus.DONE,
        outcome=RunOutcome.COMPLETED,
        stored_outcome=StoredOutcome(kind="completed").dump(),
    )
    metadata = DocumentMetadata(content_type="application/pdf", file_name="report.pdf")
    row = document_save(b"%PDF-1.7", metadata, run_id=run.pk)
    download = reverse("document-download", args=[row.document_id])

    client.force_login(user)
    page = client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert 'id="run-documents"' in page and "report.pdf" in page and download in page
    assert client.get(download).content == b"%PDF-1.7"

    client.force_login(other_user)
    assert client.get(download).status_code == 404

    staff = django_user_model.objects.create_user("staff", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(download).status_code == 200


def test_a_run_without_documents_shows_no_documents_section(client: Client, user: Any) -> None:
    run = Run.objects.create(
        template_id="t",
        created_by=user,
        time_limit=5,
        job={"type": "x"},
        status=RunStatus.DONE,
        outcome=RunOutcome.COMPLETED,
        stored_outcome=StoredOutcome(kind="completed").dump(),
    )
    client.force_login(user)
    assert (
        'id="run-documents"'
        not in client.get(reverse("run-detail", args=[run.pk])).content.decode()
    )
