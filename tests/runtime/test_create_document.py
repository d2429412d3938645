"""createDocument() in result and error expressions, as Camunda's runtime has it
(CreateDocumentFunction, ResultDocumentResolver, ConnectorResultHandler): base64 content
becomes a document in the run's store and the variables hold its reference; a sentinel that
response data carries is plain data."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest
from connectorhub_sdk.documents import DocumentReference, Documents, InMemoryDocumentStore
from django.test import Client
from django.urls import reverse

from connectors import feel
from connectors.documents.store import HubDocumentStore
from connectors.models import StoredDocument
from connectors.registry import Registry
from connectors.runtime import (
    BpmnErrorOutcome,
    Completed,
    Failed,
    JobRequest,
    Outcome,
    run_job_async,
)
from connectors.secrets.providers import MappingSecretProvider
from tests.builtin.conftest import REST_ID
from tests.builtin.test_dry_run import dry_run, egress_worker, versions  # noqa: F401
from tests.services.http_servers import RecordingServer, Reply

# the dry-run test shares the documents tests' Celery worker and HTTP server setup
pytestmark = pytest.mark.xdist_group("documents")

CONTENT = b"order,total\n1,9.50\n\x00\xff binary tail"
B64 = base64.b64encode(CONTENT).decode()


@pytest.fixture
def store() -> InMemoryDocumentStore:
    return InMemoryDocumentStore()


def mapped(run: Any, store: Any, response: Any, expression: str) -> Outcome:
    return run({"respond": response}, {"resultExpression": expression}, document_store=store)


def loaded(store: InMemoryDocumentStore, reference: Any) -> Any:
    return Documents(store).load(reference, field="doc")


def test_result_expression_stores_the_content_with_its_name_and_type(run: Any, store: Any) -> None:
    expression = (
        '={total: response.total, doc: createDocument({content: response.data, name: "o.csv", '
        'contentType: "application/vnd.acme"})}'
    )
    outcome = mapped(run, store, {"data": B64, "total": 3}, expression)
    assert isinstance(outcome, Completed), outcome
    reference = outcome.variables["doc"]
    assert reference["camunda.document.type"] == "camunda"
    assert reference["storeId"] == store.store_id and outcome.variables["total"] == 3
    document = loaded(store, reference)
    assert document.content == CONTENT
    assert document.file_name == "o.csv" and document.content_type == "application/vnd.acme"
    assert reference["metadata"]["size"] == len(CONTENT)
    assert len(store.documents) == 1


def test_bare_string_gets_a_random_name_and_octet_stream(run: Any, store: Any) -> None:
    outcome = mapped(run, store, {"d": B64}, "={a: [createDocument(response.d)]}")
    assert isinstance(outcome, Completed), outcome
    document = loaded(store, outcome.variables["a"][0])
    assert document.content == CONTENT and document.content_type == "application/octet-stream"
    assert document.file_name and "." not in document.file_name  # a UUID


@pytest.mark.parametrize(
    ("argument", "file_name", "content_type"),
    [
        # MimeTypeResolver: the JDK's table, the last extension only
        ('{data: "aGVsbG8=", fileName: "Report.CSV"}', "Report.CSV", "text/csv"),
        ('{content: "aGVsbG8=", name: "x.tar.gz"}', "x.tar.gz", "application/gzip"),
        ('{content: "aGVsbG8=", name: "x.yaml"}', "x.yaml", "application/octet-stream"),
        # a blank name or type counts as none; content wins over data
        ('{content: "aGVsbG8=", data: "eA==", name: " ", contentType: "", fileName: "n.json"}',
         "n.json", "application/json"),
    ],
)  # fmt: skip
def test_name_and_content_type_rules(
    run: Any, store: Any, argument: str, file_name: str, content_type: str
) -> None:
    outcome = mapped(run, store, {}, f"={{doc: createDocument({argument})}}")
    assert isinstance(outcome, Completed), outcome
    document = loaded(store, outcome.variables["doc"])
    assert document.content == b"hello"
    assert (document.file_name, document.content_type) == (file_name, content_type)


@pytest.mark.parametrize(
    ("text", "content"),
    [
        ("aGVs\r\nbG8=\n", b"hello"),  # MIME line wraps are dropped
        ("aGVsbG8", b"hello"),  # Java's decoder does not need the padding
        ("", b""),  # zero bytes
    ],
)
def test_base64_as_java_reads_it(run: Any, store: Any, text: str, content: bytes) -> None:
    outcome = mapped(run, store, {"t": text}, "={doc: createDocument({content: response.t})}")
    assert isinstance(outcome, Completed), outcome
    assert loaded(store, outcome.variables["doc"]).content == content


def test_error_expression_can_put_a_document_in_a_bpmn_error(run: Any, store: Any) -> None:
    expression = (
        'bpmnError("BAD", "bad", {doc: createDocument({content: response.d, name: "e.txt"})})'
    )
    outcome = run({"respond": {"d": B64}}, {"errorExpression": expression}, document_store=store)
    assert isinstance(outcome, BpmnErrorOutcome), outcome
    document = loaded(store, outcome.variables["doc"])
    assert document.content == CONTENT and document.content_type == "text/plain"


FORGED = [
    {"connectorResultFunction": "createDocument", "value": B64},
    {
        "connectorResultFunction": "createDocument:0b7c1d52-3f0e-4c8e-9a43-5a8d2f6f1e11",
        "value": B64,
    },
]


@pytest.mark.parametrize("forged", FORGED)
def test_a_sentinel_in_response_data_is_plain_data(run: Any, store: Any, forged: Any) -> None:
    # ConnectorResultHandlerTest.createOutputVariablesDoesNotResolveAnInjectedSentinel...;
    # also with a real createDocument() call beside it, which makes the runtime look for them
    outcome = mapped(run, store, forged, '={r: response, d: createDocument("eA==")}')
    assert isinstance(outcome, Completed), outcome
    assert outcome.variables["r"] == forged
    assert len(store.documents) == 1  # only the real call's document


def test_a_nonce_read_in_one_evaluation_forges_nothing_in_the_next(run: Any, store: Any) -> None:
    first = mapped(run, store, {}, '={n: createDocument("eA==").connectorResultFunction}')
    assert isinstance(first, Completed), first
    leaked = first.variables["n"]
    assert leaked.startswith("createDocument:")
    forged = {"connectorResultFunction": leaked, "value": B64}
    second = mapped(run, store, forged, '={r: response, d: createDocument("eA==")}')
    assert isinstance(second, Completed) and second.variables["r"] == forged
    assert len(store.documents) == 1  # the second run's own call


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("={d: createDocument(5)}", "expects a string or an object argument, got: NUMBER"),
        ("={d: createDocument([1])}", "expects a string or an object argument, got: ARRAY"),
        ("={d: createDocument(null)}", "called without a value to convert into a document"),
        ('={d: createDocument({name: "a.txt"})}', "requires a 'content' or 'data' field"),
        ("={d: createDocument({content: 5})}", "requires a 'content' or 'data' field"),
        ('={d: createDocument({content: "aGV.sbG8="})}',
         "is not valid base64: 'content' has the illegal character '.' at position 3"),
        ('={d: createDocument({data: "aGVsb"})}',
         "is not valid base64: 'data' ends with a single character"),
        ('={d: createDocument("aGVsbG8=x")}',
         "is not valid base64: 'value' has the illegal character '='"),
        ('={d: createDocument("aGVsbA=")}',
         "is not valid base64: 'value' has padding ('=') in the wrong place"),
        ('=createDocument("aGVsbG8=")', "must not be a bare createDocument(...) call"),
        # refused before anything is stored
        ('={d: createDocument("eA=="), x: "camunda.function.type"}', "forbidden literal"),
        ('=[{d: createDocument("eA==")}]', "must return a JSON object, but got array"),
    ],
)  # fmt: skip
def test_bad_arguments_fail_with_zero_retries_and_store_nothing(
    run: Any, store: Any, expression: str, message: str
) -> None:
    outcome = run({"respond": {}}, {"resultExpression": expression}, document_store=store)
    assert isinstance(outcome, Failed), outcome
    assert outcome.retries == 0 and message in outcome.message, outcome.message
    assert store.documents == {}


def test_a_run_without_a_store_says_so(run: Any) -> None:
    outcome = run({"respond": {}}, {"resultExpression": '={d: createDocument("eA==")}'})
    assert isinstance(outcome, Failed) and outcome.retries == 0
    assert "createDocument() is not available: this run has no document store" in outcome.message


def test_outside_result_and_error_expressions_it_is_unknown_as_in_zeebe() -> None:
    # an input mapping (Zeebe's engine has no createDocument): null with a warning
    warnings: list[feel.Problem] = []
    value = feel.evaluate(
        '{d: createDocument("eA==")}', unknown_functions="null", warnings=warnings
    )
    assert value == {"d": None} and "createDocument" in warnings[0].message
    # forms know the function and its one argument (a result expression's field)
    assert feel.check('{d: createDocument("eA==")}') == []
    [problem] = feel.check('{d: createDocument("eA==", "x")}')
    assert "takes 1 argument(s)" in problem.message


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_dry_run_shows_the_created_document_on_its_run_page(
    egress_worker: Any,  # noqa: F811
    versions: Any,  # noqa: F811
    user: Any,
    client: Client,
) -> None:
    with RecordingServer() as server:
        server.route("/report", Reply(json={"file": B64, "id": 7}))
        run = dry_run(
            versions[REST_ID],
            {
                "method": "GET",
                "url": f"{server.url}/report",
                "resultExpression": "={id: response.body.id, report: createDocument({content: "
                'response.body.file, name: "report-" + string(response.body.id) + ".csv"})}',
            },
            user,
        )
    assert run.outcome == "completed", run.error_message
    reference = run.outcome_record.variables["report"]
    assert run.outcome_record.variables["id"] == 7
    assert reference["metadata"]["fileName"] == "report-7.csv"
    assert reference["metadata"]["contentType"] == "text/csv"
    assert HubDocumentStore().read(DocumentReference.model_validate(reference)) == CONTENT

    client.force_login(user)
    page = client.get(reverse("run-detail", args=[run.pk])).content.decode()
    download = reverse("document-download", args=[reference["documentId"]])
    assert 'id="run-documents"' in page and "report-7.csv" in page and download in page
    assert client.get(download).content == CONTENT


@pytest.mark.django_db(transaction=True)
def test_the_live_workers_event_loop_stores_through_the_orm(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    # run_job_async maps results on the worker's loop; Django refuses ORM calls there unless
    # this variable (set for the test suite, not for the worker) allows them
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    job = JobRequest(
        "test:fake-async:1",
        {"respond": {"d": B64}},
        {"resultExpression": '={doc: createDocument({content: d, name: "live.bin"})}'},
        retries=3,
        key=4242,
    )
    outcome = asyncio.run(
        run_job_async(
            job,
            secrets=MappingSecretProvider({}),
            registry=registry,
            document_store=HubDocumentStore(job_key=4242),
        )
    )
    assert isinstance(outcome, Completed), outcome
    reference = outcome.variables["doc"]
    assert HubDocumentStore().read(DocumentReference.model_validate(reference)) == CONTENT
    assert StoredDocument.objects.get(document_id=reference["documentId"]).job_key == 4242
