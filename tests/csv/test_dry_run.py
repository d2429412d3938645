"""End to end through the product: Camunda's current CSV template imported from the pinned
corpus, a sample document uploaded as a user does, dry-runs through the real Celery worker
that read it into records and write records into a new document, which the run page lists and
lets its owner download."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from connectors.catalogue.importing import import_documents
from connectors.documents.services import document_upload
from connectors.models import ImportSource, StoredDocument, TemplateVersion
from connectors.runs.services import run_start
from tests.builtin.test_dry_run import egress_worker, form_values  # noqa: F401
from tests.csv.conftest import CSV_FILE, CSV_ID
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.runs.conftest import wait_done

pytestmark = [
    pytest.mark.celery,
    pytest.mark.xdist_group("csv"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def csv_version(db: None) -> Any:
    report = import_documents(
        [(CSV_FILE, (CORPUS_DIR / CSV_FILE).read_bytes())], source=ImportSource.COMMAND
    )
    assert not report.failed, report.failed
    versions = TemplateVersion.objects.filter(entry__template_id=CSV_ID)
    return max(versions, key=lambda v: v.version or 0)


def dry_run(version: Any, values: dict[str, Any], variables: dict[str, Any], user: Any) -> Any:
    run = run_start(
        version=version,
        values=form_values(version, {"resultVariable": "result", **values}),
        variables=variables,
        user=user,
    )
    return wait_done(run.pk, timeout=30)


def test_a_dry_run_reads_an_uploaded_sample_document(
    egress_worker: Any,  # noqa: F811
    csv_version: Any,
    user: Any,
) -> None:
    reference = document_upload(
        content=b"sku,qty\nA-1,3\nB-2,5\n",
        file_name="stock.csv",
        content_type="text/csv",
        uploaded_by=user,
    )
    values = {
        "operation": "readCsv",
        "document_documentSource": "camunda",
        "document_camundaReference": "=stock",
        "format.skipHeaderRecord": True,
        "format.headers": "=null",
        "recordMapper": "={sku: record.sku, qty: number(record.qty)}",
    }
    run = dry_run(csv_version, values, {"stock": reference.as_json()}, user)

    assert run.outcome == "completed", run.error_message
    assert run.outcome_record.variables["result"] == {
        "records": [{"sku": "A-1", "qty": 3}, {"sku": "B-2", "qty": 5}]
    }


def test_a_dry_run_writes_a_document_its_page_offers_for_download(
    egress_worker: Any,  # noqa: F811
    csv_version: Any,
    user: Any,
    other_user: Any,
    client: Client,
) -> None:
    values = {
        "operation": "writeCsv",
        "data": '=[{"sku": "A-1", "qty": 3}]',
        "format.headers": '=["sku", "qty"]',
        "format.skipHeaderRecord": False,
        "documentReturnFormat.choice": "DOCUMENT",
    }
    run = dry_run(csv_version, values, {}, user)

    assert run.outcome == "completed", run.error_message
    document = run.outcome_record.variables["result"]["document"]
    row = StoredDocument.objects.get(document_id=document["documentId"])
    assert row.run_id == run.pk and row.file_name == "result.csv"

    client.force_login(user)
    page = client.get(reverse("run-detail", args=[run.pk])).content.decode()
    download = reverse("document-download", args=[row.document_id])
    assert download in page
    assert client.get(download).content == b"sku,qty\r\nA-1,3\r\n"
    client.force_login(other_user)
    assert client.get(download).status_code == 404
