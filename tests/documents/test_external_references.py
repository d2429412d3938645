"""External document references (`{"camunda.document.type": "external", "url", "name"}`, Camunda's
ExternalDocumentReferenceModel): fetched with a GET when a connector reads one, through the
network door as REST's requests are. Shown with Camunda's REST template, which sends documents
found in its body, against a local HTTP server serving the file."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from connectorhub_sdk import ConnectorInputError
from connectorhub_sdk.documents import (
    Documents,
    InMemoryDocumentStore,
    NoDocumentStore,
    parse_reference,
)

from connectors.documents.store import HubDocumentStore
from connectors.elementtemplates import build_job
from connectors.models import StoredDocument
from connectors.network.policy import EgressPolicy
from connectors.runtime import JobRequest, Outcome, run_job
from connectors.secrets.providers import MappingSecretProvider
from tests.builtin.conftest import LOCAL_ONLY, REST_FILE, REST_ID, template, values_for
from tests.builtin.test_dry_run import dry_run, egress_worker, versions  # noqa: F401
from tests.documents.test_rest_documents import multipart_parts
from tests.services.http_servers import RecordingServer, Reply

# transaction=True: the connector runs in the runtime's thread
pytestmark = [pytest.mark.xdist_group("documents"), pytest.mark.django_db(transaction=True)]

V18 = template(REST_FILE, REST_ID, 18)
PDF = b"%PDF-1.7 the invoice"


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer() as running:
        running.route(
            "/files/invoice",
            Reply(headers=[("Content-Type", "application/pdf")], body=PDF),
        )
        yield running


def run(values: dict[str, Any], policy: EgressPolicy = LOCAL_ONLY, retries: int = 3) -> Outcome:
    """Camunda's REST template through the runtime with the hub's store, under POLICY (the
    dry-run policy; LOCAL_ONLY admits 127.0.0.1, as the dry-run tests' worker does)."""
    job = build_job(V18, values_for(V18, {"resultVariable": "result", **values}))
    assert not job.errors, job.errors
    assert job.type is not None
    return run_job(
        JobRequest(type=job.type, variables=job.variables, headers=job.headers, retries=retries),
        secrets=MappingSecretProvider({}),
        time_limit=30.0,
        address_policy=policy,
        document_store=HubDocumentStore(),
    )


def upload_with(document: dict[str, Any], target: RecordingServer) -> dict[str, Any]:
    """REST values that POST DOCUMENT as the `file` part of a multipart body to TARGET."""
    return {
        "method": "POST",
        "url": f"{target.url}/upload",
        "headers": '={"Content-Type": "multipart/form-data"}',
        "body": f"={json.dumps({'file': document})}",
    }


def external(url: str, name: str | None = None) -> dict[str, Any]:
    reference = {"camunda.document.type": "external", "url": url}
    return reference if name is None else {**reference, "name": name}


def parts(server: RecordingServer) -> dict[str, Any]:
    return multipart_parts(server.last("/upload"))


def test_an_external_document_is_fetched_and_sent_as_a_file_part(server: RecordingServer) -> None:
    outcome = run(upload_with(external(f"{server.url}/files/invoice", "invoice.pdf"), server))

    assert outcome.kind == "completed", outcome
    part = parts(server)["file"]
    assert part.get_filename() == "invoice.pdf"
    assert part.get_content_type() == "application/pdf"
    assert part.get_payload(decode=True) == PDF
    assert server.count("/files/invoice") == 1
    fetch = [e for e in outcome.trace.exchanges if e["url"].endswith("/files/invoice")]
    assert fetch and fetch[0]["method"] == "GET" and fetch[0]["status"] == 200  # on the run page
    assert not StoredDocument.objects.exists()  # nothing is stored


def test_without_a_name_the_file_name_comes_from_the_response(server: RecordingServer) -> None:
    server.route(
        "/files/report",
        Reply(
            headers=[
                ("Content-Type", "text/csv"),
                ("Content-Disposition", 'attachment; filename="q3-report"'),
            ],
            body=b"a,b\n1,2\n",
        ),
    )

    outcome = run(upload_with(external(f"{server.url}/files/report"), server))

    assert outcome.kind == "completed", outcome
    # Camunda's HttpHeaderFilenameResolver: the header's name, the subtype as its extension
    assert parts(server)["file"].get_filename() == "q3-report.csv"


def test_a_json_body_carries_an_external_document_as_base64(server: RecordingServer) -> None:
    body = {"attachment": external(f"{server.url}/files/invoice"), "n": 1}

    outcome = run({"method": "POST", "url": f"{server.url}/json", "body": f"={json.dumps(body)}"})

    assert outcome.kind == "completed", outcome
    assert server.last("/json").json() == {"attachment": base64.b64encode(PDF).decode(), "n": 1}


def test_a_loopback_url_is_refused_by_the_dry_run_policy_with_rests_message(
    server: RecordingServer,
) -> None:
    # 127.0.0.2 is loopback too, and the policy admits only 127.0.0.1 (where the target is)
    refused_url = f"http://127.0.0.2:{server.port}/files/invoice"

    outcome = run(upload_with(external(refused_url), server))
    rest_itself = run({"method": "GET", "url": refused_url})

    assert outcome.kind == "failed" and outcome.retries == 0  # an input error, as REST's
    assert "The egress policy refused 127.0.0.2: 127.0.0.2 is a loopback address" in (
        outcome.message
    )
    assert outcome.message == rest_itself.message
    assert server.count("/upload") == 0  # nothing was sent


@pytest.mark.celery
def test_a_dry_run_refuses_a_loopback_external_url_as_it_refuses_rests_own(
    egress_worker: Any,  # noqa: F811
    versions: Any,  # noqa: F811
    server: RecordingServer,
    user: Any,
) -> None:
    # the worker admits 127.0.0.1 only, as the other dry-run tests' worker does
    refused_url = f"http://127.0.0.2:{server.port}/files/invoice"
    values = {"resultVariable": "result", **upload_with(external(refused_url), server)}

    run = dry_run(versions[REST_ID], values, user)
    rest_itself = dry_run(
        versions[REST_ID], {"method": "GET", "url": refused_url, "resultVariable": "r"}, user
    )

    assert run.outcome == "failed"
    assert "The egress policy refused 127.0.0.2" in run.error_message
    assert run.error_message == rest_itself.error_message
    assert server.count("/upload") == 0


def test_a_missing_external_document_fails_with_its_status_as_camunda_does(
    server: RecordingServer,
) -> None:
    server.route("/files/gone", Reply(status=404, body=b"no such file"))

    outcome = run(upload_with(external(f"{server.url}/files/gone"), server), retries=3)

    assert outcome.kind == "failed"
    assert outcome.code == "404" and outcome.retries == 2
    assert outcome.variables["error"]["message"] == "Not Found"
    assert server.count("/upload") == 0


def test_an_external_document_over_the_size_limit_is_refused(
    server: RecordingServer, settings: Any
) -> None:
    settings.CONNECTORHUB_HTTP_MAX_RESPONSE_BYTES = 8

    outcome = run(upload_with(external(f"{server.url}/files/invoice"), server))

    assert outcome.kind == "failed"
    assert "larger than 8 bytes (CONNECTORHUB_HTTP_MAX_RESPONSE_BYTES)" in outcome.message
    assert server.count("/upload") == 0


def test_a_malformed_external_reference_names_the_field() -> None:
    with pytest.raises(ConnectorInputError) as raised:
        parse_reference({"camunda.document.type": "external", "name": "a.pdf"}, field="body.file")

    assert raised.value.field == "body.file"
    assert "'url'" in str(raised.value)


def test_a_runtime_without_the_hub_cannot_fetch_external_documents() -> None:
    documents = Documents(InMemoryDocumentStore())

    with pytest.raises(NoDocumentStore, match="cannot fetch external documents"):
        documents.load(external("https://example.com/a.pdf"))
