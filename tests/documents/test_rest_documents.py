"""The REST connector with the document store: a response stored as a document (the DOCUMENT
return format of templates v17+, `storeResponse` of v10-v16), and documents sent in
multipart/form bodies (a binary part with the file name and content type) and in JSON bodies
(base64), against the local HTTP test server through Camunda's own templates."""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from connectorhub_sdk.documents import DocumentCreationRequest, DocumentReference

from connectors.documents.store import HubDocumentStore
from connectors.elementtemplates import ElementTemplate, build_job
from connectors.models import StoredDocument
from connectors.runtime import JobRequest, Outcome, run_job
from connectors.secrets.providers import MappingSecretProvider
from tests.builtin.conftest import LOCAL_ONLY, REST_FILE, REST_ID, template, values_for
from tests.services.http_servers import RecordingServer, Reply

# transaction=True: the connector runs in the runtime's thread, which must see the rows
pytestmark = [pytest.mark.xdist_group("documents"), pytest.mark.django_db(transaction=True)]

V18 = template(REST_FILE, REST_ID, 18)
V16 = template(REST_FILE, REST_ID, 16)  # the last version with the storeResponse checkbox


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer() as running:
        yield running


def run(values: dict[str, Any], tpl: ElementTemplate = V18) -> Outcome:
    job = build_job(tpl, values_for(tpl, {"resultVariable": "result", **values}))
    assert not job.errors, job.errors
    assert job.type is not None
    return run_job(
        JobRequest(type=job.type, variables=job.variables, headers=job.headers),
        secrets=MappingSecretProvider({}),
        time_limit=30.0,
        address_policy=LOCAL_ONLY,
        document_store=HubDocumentStore(),
    )


def result(outcome: Outcome) -> Any:
    assert outcome.kind == "completed", outcome
    return outcome.variables["result"]


def stored(content: bytes, **metadata: Any) -> dict[str, Any]:
    request = DocumentCreationRequest(content=content, **metadata)
    return HubDocumentStore().create(request).as_json()


def test_the_document_return_format_stores_the_response(server: RecordingServer) -> None:
    server.route("/file", Reply(headers=[("Content-Type", "application/pdf")], body=b"%PDF-1.7"))

    answer = result(run({"url": f"{server.url}/file", "documentReturnFormat.choice": "DOCUMENT"}))

    assert answer["body"] is None and answer["status"] == 200
    document = answer["document"]
    assert document["camunda.document.type"] == "camunda" and document["storeId"] == "local"
    assert document["metadata"]["contentType"] == "application/pdf"
    assert document["metadata"]["size"] == 8
    assert "fileName" not in document["metadata"]  # Camunda's REST connector sets none
    reference = DocumentReference.model_validate(document)
    assert HubDocumentStore().read(reference) == b"%PDF-1.7"


def test_store_response_of_older_templates_stores_the_response(server: RecordingServer) -> None:
    server.route("/data", Reply(json={"n": 1}))

    answer = result(run({"url": f"{server.url}/data", "storeResponse": True}, tpl=V16))

    assert answer["body"] is None
    row = StoredDocument.objects.get(document_id=answer["document"]["documentId"])
    assert row.content_type.startswith("application/json")
    assert json.loads(HubDocumentStore().read(DocumentReference.model_validate(answer["document"])))


def test_a_multipart_body_sends_documents_as_file_parts(server: RecordingServer) -> None:
    report = stored(b"%PDF-1.7 report", content_type="application/pdf", file_name="report.pdf")

    result(
        run(
            {
                "method": "POST",
                "url": f"{server.url}/upload",
                "headers": '={"Content-Type": "multipart/form-data"}',
                "body": f"={json.dumps({'title': 'Q3', 'file': report})}",
            }
        )
    )

    parts = multipart_parts(server.last("/upload"))
    assert parts["title"].get_content() == "Q3"
    file_part = parts["file"]
    assert file_part.get_filename() == "report.pdf"
    assert file_part.get_content_type() == "application/pdf"
    assert file_part.get_payload(decode=True) == b"%PDF-1.7 report"


def test_a_json_body_carries_a_document_as_base64(server: RecordingServer) -> None:
    document = stored(b"hello", content_type="text/plain", file_name="a.txt")

    result(
        run(
            {
                "method": "POST",
                "url": f"{server.url}/json",
                "body": f"={json.dumps({'attachment': document, 'n': 1})}",
            }
        )
    )

    sent = server.last("/json").json()
    assert sent == {"attachment": base64.b64encode(b"hello").decode(), "n": 1}


def test_a_reference_that_does_not_resolve_fails_and_names_it(server: RecordingServer) -> None:
    missing = {
        "camunda.document.type": "camunda",
        "storeId": "local",
        "documentId": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "contentHash": "00",
    }

    outcome = run(
        {
            "method": "POST",
            "url": f"{server.url}/upload",
            "headers": '={"Content-Type": "multipart/form-data"}',
            "body": f"={json.dumps({'file': missing})}",
        }
    )

    assert outcome.kind == "failed"
    assert outcome.trace.error["type"] == "io.camunda.client.api.command.ProblemException"
    assert "document '0f8fad5b-d9cb-469f-a165-70867728950e' in store 'local' not found" in (
        outcome.message
    )
    assert server.count("/upload") == 0  # nothing was sent


def multipart_parts(request: Any) -> dict[str, Any]:
    head = f"Content-Type: {request.header('Content-Type')}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.body)
    return {
        part.get_param("name", header="content-disposition"): part for part in message.iter_parts()
    }
