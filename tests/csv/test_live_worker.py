"""The live worker: Zeebe jobs of Camunda's CSV type, with the input mappings and headers the
current template writes, served by `manage.py zeebe_worker`'s own worker. One process reads a
CSV variable into records (with the record mapping header); another writes records into a
document in the hub's store, recorded with the job's key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from connectorhub_sdk.documents import DocumentReference

from connectors.documents.store import HubDocumentStore
from connectors.management.commands.zeebe_worker import build_worker
from connectors.models import StoredDocument
from tests.csv.conftest import CSV_TYPE
from tests.zeebe.conftest import zeebe_address, zeebe_engine  # noqa: F401
from tests.zeebe.harness import run_with_live_worker, unique
from tests.zeebe.processes import task_process

pytestmark = [pytest.mark.zeebe, pytest.mark.xdist_group("csv")]


def run_process(
    zeebe_address: str,  # noqa: F811
    tmp_path: Path,
    headers: dict[str, str],
    inputs: dict[str, str],
    variables: dict[str, Any],
) -> dict[str, Any]:
    worker = build_worker({"address": zeebe_address, "job_types": [CSV_TYPE], "name": unique("c")})
    process_id = unique("csv")
    bpmn = task_process(
        process_id, CSV_TYPE, headers={"resultVariable": "result", **headers}, inputs=inputs
    )

    return run_with_live_worker(zeebe_address, worker, bpmn, process_id, tmp_path, variables)


@pytest.mark.django_db(transaction=True)
def test_a_live_job_reads_csv_into_mapped_records(
    zeebe_address: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    variables = run_process(
        zeebe_address,
        tmp_path,
        headers={"operation": "readCsv", "recordMapper": "=number(record.qty)"},
        inputs={
            "data": "=stock",
            "format.delimiter": '=";"',
            "format.skipHeaderRecord": "=true",
            "rowType": '="Object"',
        },
        variables={"stock": "sku;qty\nA-1;3\nB-2;5\n"},
    )
    assert variables["result"] == {"records": [3, 5]}


@pytest.mark.django_db(transaction=True)
def test_a_live_job_writes_a_csv_document(
    zeebe_address: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    variables = run_process(
        zeebe_address,
        tmp_path,
        headers={"operation": "writeCsv"},
        inputs={
            "data": "=rows",
            "format.headers": '=["sku", "qty"]',
            "format.skipHeaderRecord": "=false",
            "documentReturnFormat": '={choice: "DOCUMENT", encoding: "UTF-8"}',
        },
        variables={"rows": [{"sku": "A-1", "qty": 3}]},
    )
    document = variables["result"]["document"]
    reference = DocumentReference.model_validate(document)
    assert HubDocumentStore().read(reference) == b"sku,qty\r\nA-1,3\r\n"
    row = StoredDocument.objects.get(document_id=reference.document_id)
    assert row.job_key is not None and row.run_id is None
