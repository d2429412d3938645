"""The Textract connector: every version of Camunda's template binds (corpus) for every document
location and execution type it offers; POLLING and ASYNC (StartDocumentAnalysis,
GetDocumentAnalysis) run on moto, the result as JSON and as a document (v7+). moto 5.2.5 does
not implement AnalyzeDocument (SYNC, the only way for an uploaded document): the request is
built from the hub document and sent, moto answers 500; the result records' shape is checked on
an answer as AWS documents it (docs/aws-connectors.md, "Cannot be tested here")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from connectorhub_sdk.binding import bind_input
from connectorhub_sdk.documents import (
    DocumentCreationRequest,
    DocumentReference,
    InMemoryDocumentStore,
)

from connectors.builtin.aws.textract import TextractInput, analysis_result, textract
from connectors.documents.store import HubDocumentStore
from connectors.elementtemplates import ElementTemplate, build_job
from connectors.models import Run
from connectors.runtime import JobRequest, Outcome, run_job
from connectors.secrets.providers import MappingSecretProvider
from connectors.secrets.services import secret_create
from tests.aws.conftest import all_versions, aws_values, client, secrets_of, with_endpoint
from tests.aws.test_sagemaker import imported_version
from tests.builtin.conftest import LOCAL_ONLY, result_of, values_for
from tests.builtin.test_dry_run import dry_run, egress_worker  # noqa: F401
from tests.services.moto import Moto, StandIn, stand_in_server

pytestmark = pytest.mark.xdist_group("moto")

TEXTRACT = ("aws-textract-outbound-connector.json", "io.camunda.connectors.AWSTEXTRACT.v1", 8)
VERSIONS = [t for t in all_versions(TEXTRACT) if t.id == TEXTRACT[1]]
S3_DOCUMENT = {
    "input.documentLocationType": "S3",
    "input.documentS3Bucket": "scans",
    "input.documentName": "invoices/42.pdf",
    # the templates turn tables, forms, signatures and queries on by default
    "input.analyzeTables": False,
    "input.analyzeForms": False,
    "input.analyzeSignatures": False,
    "input.analyzeQueries": False,
}


def _bindings(tpl: ElementTemplate) -> set[str]:
    return {p.binding.name for p in tpl.properties if p.binding.name}


def _cases() -> list[tuple[ElementTemplate, str]]:
    cases = []
    for tpl in VERSIONS:
        cases += [(tpl, f"S3-{kind}") for kind in ("SYNC", "POLLING", "ASYNC")]
        if "input.documentLocationType" in _bindings(tpl):
            cases.append((tpl, "UPLOADED"))
    return cases


def _uploaded(tpl: ElementTemplate) -> dict[str, Any]:
    """An uploaded document, the process variable `doc`, as each version takes it."""
    values = {"input.documentLocationType": "UPLOADED", "input.executionType": "SYNC"}
    if "input.document_documentSource" in _bindings(tpl):  # v7+: the source fields
        return {**values, "input.document_documentSource": "camunda",
                "input.document_camundaReference": "=doc"}  # fmt: skip
    return {**values, "input.document": "=doc"}


CASES = _cases()
REFERENCE = {"camunda.document.type": "camunda", "storeId": "in-memory", "documentId": "d-1",
             "metadata": {"contentType": "image/png", "fileName": "scan.png"}}  # fmt: skip


@pytest.mark.parametrize(("tpl", "case"), CASES, ids=[f"v{t.version}-{c}" for t, c in CASES])
def test_every_version_builds_a_job_the_connector_binds(tpl: ElementTemplate, case: str) -> None:
    values: dict[str, Any] = {
        "authentication.type": "credentials",
        "authentication.accessKey": "AKIAEXAMPLE",
        "authentication.secretKey": "secret-example",
        "configuration.region": "eu-central-1",
        "input.analyzeTables": True,
        "input.analyzeQueries": True,
        "input.query": "What is the total?",
        "input.outputConfigS3Bucket": "results",
        "input.outputConfigS3Prefix": "textract/",
    }
    if case == "UPLOADED":
        values.update(_uploaded(tpl))
    else:
        values.update({**S3_DOCUMENT, "input.analyzeTables": True, "input.analyzeQueries": True,
                       "input.executionType": case.removeprefix("S3-")})  # fmt: skip
    job = build_job(tpl, values_for(tpl, values), {"doc": REFERENCE})
    assert not job.errors, job.errors
    assert job.type == textract.type
    bound = bind_input(textract, job.variables)
    assert isinstance(bound, TextractInput) and bound.input.analyzeTables
    if "input.query" in _bindings(tpl):
        assert bound.input.query == "What is the total?"
    if case == "UPLOADED":
        assert bound.input.document == REFERENCE
        assert bound.input.executionType in ("SYNC", None)  # None: v4-v6, read as SYNC
        return
    if tpl.version in (2, 3) and case != "S3-SYNC":
        # v2-v3 show the location (and so the S3 fields) for SYNC only: these jobs carry no
        # bucket, and are refused naming input.documentS3Bucket (AWS refuses Camunda's)
        assert bound.input.documentS3Bucket is None
    else:
        assert (bound.input.documentS3Bucket, bound.input.documentName) == (
            "scans", "invoices/42.pdf"
        )  # fmt: skip
    assert bound.input.executionType == case.removeprefix("S3-")
    if case == "S3-ASYNC":
        assert bound.input.outputConfigS3Bucket == "results"
    else:  # the output bucket shows for ASYNC only
        assert bound.input.outputConfigS3Bucket is None


def run(
    moto: Moto,
    values: dict[str, Any],
    *,
    variables: dict[str, Any] | None = None,
    store: InMemoryDocumentStore | None = None,
) -> Outcome:
    tpl = with_endpoint(TEXTRACT)
    job = build_job(tpl, values_for(tpl, {**aws_values(moto), **values}), variables or {})
    assert not job.errors, job.errors
    return run_job(
        JobRequest(type=str(job.type), variables=job.variables, headers=job.headers, retries=3),
        secrets=MappingSecretProvider(secrets_of(moto)),
        time_limit=30.0,
        address_policy=LOCAL_ONLY,
        document_store=store if store is not None else InMemoryDocumentStore(),
    )


def test_a_polled_analysis_returns_the_finished_job(moto: Moto) -> None:
    outcome = run(moto, {
        **S3_DOCUMENT, "input.executionType": "POLLING", "input.analyzeForms": True,
        "input.analyzeQueries": True, "input.query": "What is the total?",
    })  # fmt: skip

    result: dict[str, Any] = result_of(outcome)
    assert list(result) == [
        "sdkResponseMetadata", "sdkHttpMetadata", "documentMetadata", "jobStatus", "nextToken",
        "blocks", "warnings", "statusMessage", "analyzeDocumentModelVersion",
    ]  # fmt: skip
    assert (result["jobStatus"], result["blocks"], result["nextToken"]) == ("SUCCEEDED", [], None)
    start, poll = outcome.trace.exchanges
    assert start["summary"] == "Textract StartDocumentAnalysis · s3://scans/invoices/42.pdf"
    assert json.loads(start["request_body"]) == {
        "DocumentLocation": {"S3Object": {"Bucket": "scans", "Name": "invoices/42.pdf"}},
        "FeatureTypes": ["FORMS", "QUERIES"],
        "QueriesConfig": {"Queries": [{"Text": "What is the total?"}]},
    }
    job = json.loads(start["response_body"])["JobId"]
    assert json.loads(poll["request_body"]) == {"JobId": job, "MaxResults": 1000}


def test_an_asynchronous_analysis_returns_the_job_id(moto: Moto) -> None:
    outcome = run(moto, {
        **S3_DOCUMENT, "input.executionType": "ASYNC", "input.analyzeTables": True,
        "input.jobTag": "march", "input.outputConfigS3Bucket": "results",
        "input.outputConfigS3Prefix": "textract/",
    })  # fmt: skip

    result = result_of(outcome)
    assert list(result) == ["sdkResponseMetadata", "sdkHttpMetadata", "jobId"]
    job = client(moto, "textract").get_document_analysis(JobId=result["jobId"])
    assert job["JobStatus"] == "SUCCEEDED"  # moto knows the job the connector started
    sent = json.loads(outcome.trace.exchanges[0]["request_body"])
    assert sent["OutputConfig"] == {"S3Bucket": "results", "S3Prefix": "textract/"}
    assert (sent["JobTag"], sent["FeatureTypes"]) == ("march", ["TABLES"])
    assert "NotificationChannel" not in sent


def test_the_analysis_as_a_document(moto: Moto) -> None:
    store = InMemoryDocumentStore()
    outcome = run(moto, {
        **S3_DOCUMENT, "input.executionType": "POLLING", "input.analyzeTables": True,
        "documentReturnFormat.choice": "DOCUMENT",
    }, store=store)  # fmt: skip

    reference = result_of(outcome)
    assert reference["metadata"]["contentType"] == "application/json"
    analysis = json.loads(store.read(DocumentReference.model_validate(reference)))
    assert analysis["jobStatus"] == "SUCCEEDED" and analysis["blocks"] == []


def test_an_uploaded_document_is_sent_as_its_bytes(moto: Moto) -> None:
    """moto does not implement AnalyzeDocument: the request goes out, moto answers 500."""
    store = InMemoryDocumentStore()
    scan = store.create(DocumentCreationRequest(
        content=b"Rechnung 42", content_type="image/png", file_name="scan.png",
    )).as_json()  # fmt: skip
    outcome = run(moto, {
        "input.documentLocationType": "UPLOADED", "input.document_documentSource": "camunda",
        "input.document_camundaReference": "=doc", "input.analyzeTables": True,
        "input.analyzeForms": False, "input.analyzeSignatures": False,
        "input.analyzeQueries": False,
    }, variables={"doc": scan}, store=store)  # fmt: skip

    assert outcome.kind == "failed" and outcome.retries == 2
    error = outcome.trace.error or {}
    assert error["type"] == "software.amazon.awssdk.services.textract.model.TextractException"
    assert "(Service: Textract, Status Code: 500" in error["message"]
    exchange = outcome.trace.exchanges[0]
    assert exchange["summary"] == "Textract AnalyzeDocument · scan.png"
    sent = json.loads(exchange["request_body"])
    assert sent == {"Document": {"Bytes": "Rechnung 42"}, "FeatureTypes": ["TABLES"]}


def test_bad_input_names_the_field(moto: Moto) -> None:
    layout = {"input.analyzeLayout": True}
    cases = [
        ({}, "input.analyzeTables: At least one analyze type"),
        ({**layout, "input.analyzeQueries": True}, "input.query: The 'query' field must be"),
        ({**layout, "input.documentS3Bucket": " "}, "input.documentS3Bucket: must not be blank"),
        ({**layout, "input.executionType": "ASYNC", "input.notificationChannelRoleArn": "arn:r"},
         "input.notificationChannelSnsTopicArn: Either both notification values"),
    ]  # fmt: skip
    for values, message in cases:
        outcome = run(moto, {**S3_DOCUMENT, "input.executionType": "POLLING", **values})
        assert outcome.kind == "failed" and outcome.retries == 0, values
        assert outcome.message.startswith(message), outcome.message


def test_an_analysis_has_camundas_shape() -> None:
    answer = {
        "JobStatus": "SUCCEEDED",
        "DocumentMetadata": {"Pages": 1},
        "Blocks": [{
            "BlockType": "LINE", "Confidence": 99.5, "Text": "Total 42", "Id": "b-1", "Page": 1,
            "Geometry": {"BoundingBox": {"Width": 0.5, "Height": 0.1, "Left": 0.1, "Top": 0.2},
                         "Polygon": [{"X": 0.1, "Y": 0.2}]},
            "Relationships": [{"Type": "CHILD", "Ids": ["w-1", "w-2"]}],
        }],
        "ResponseMetadata": {"RequestId": "r-1", "HTTPStatusCode": 200, "RawHeaders": []},
    }  # fmt: skip
    result = analysis_result(answer)
    assert result["documentMetadata"] == {"pages": 1} and result["warnings"] is None
    assert result["blocks"] == [{
        "blockType": "LINE", "confidence": 99.5, "text": "Total 42", "textType": None,
        "rowIndex": None, "columnIndex": None, "rowSpan": None, "columnSpan": None,
        "geometry": {"boundingBox": {"width": 0.5, "height": 0.1, "left": 0.1, "top": 0.2},
                     "polygon": [{"x": 0.1, "y": 0.2}]},
        "id": "b-1", "relationships": [{"type": "CHILD", "ids": ["w-1", "w-2"]}],
        "entityTypes": None, "selectionStatus": None, "page": 1, "query": None,
    }]  # fmt: skip


@pytest.fixture(scope="session")
def stand_in_session() -> Iterator[StandIn]:
    with stand_in_server() as running:
        yield running


@pytest.fixture
def stand_in(stand_in_session: StandIn) -> StandIn:
    """A stand-in Textract for what moto's jobs never do (run on, fail, span pages)."""
    stand_in_session.clear()
    return stand_in_session


def _polling(moto: Moto, stand_in: StandIn, *pages: dict[str, Any]) -> Outcome:
    stand_in.answers["Textract.StartDocumentAnalysis"] = [{"JobId": "j-1"}]
    stand_in.answers["Textract.GetDocumentAnalysis"] = list(pages)
    return run(moto, {
        **S3_DOCUMENT, "input.executionType": "POLLING", "input.analyzeTables": True,
        "configuration.endpoint": stand_in.endpoint,
    })  # fmt: skip


def test_a_polled_analysis_reads_every_page(moto: Moto, stand_in: StandIn) -> None:
    first = {"JobStatus": "SUCCEEDED", "NextToken": "p2", "DocumentMetadata": {"Pages": 2},
             "Blocks": [{"BlockType": "PAGE", "Id": "b-1", "Page": 1}]}  # fmt: skip
    last = {"JobStatus": "SUCCEEDED", "DocumentMetadata": {"Pages": 2},
            "Blocks": [{"BlockType": "PAGE", "Id": "b-2", "Page": 2}]}  # fmt: skip
    outcome = _polling(moto, stand_in, first, last)

    result = result_of(outcome)
    assert [block["id"] for block in result["blocks"]] == ["b-1", "b-2"]
    assert (result["nextToken"], result["documentMetadata"]) == (None, {"pages": 2})
    assert (
        stand_in.seen == ["Textract.StartDocumentAnalysis"] + ["Textract.GetDocumentAnalysis"] * 2
    )
    asked = [json.loads(e["request_body"]) for e in outcome.trace.exchanges[1:]]
    assert asked == [{"JobId": "j-1", "MaxResults": 1000},
                     {"JobId": "j-1", "MaxResults": 1000, "NextToken": "p2"}]  # fmt: skip


def test_a_failed_analysis_is_an_input_error(moto: Moto, stand_in: StandIn) -> None:
    outcome = _polling(moto, stand_in, {"JobStatus": "FAILED", "StatusMessage": "bad PDF"})

    assert outcome.kind == "failed" and outcome.retries == 0  # Camunda's ConnectorInputException
    assert outcome.message.startswith("Textract polling job: job j-1 FAILED: bad PDF")


def test_an_analysis_still_running_when_the_time_ends(moto: Moto, stand_in: StandIn) -> None:
    outcome = _polling(moto, stand_in, {"JobStatus": "IN_PROGRESS"})

    assert outcome.kind == "failed" and outcome.retries == 2
    error = outcome.trace.error or {}
    assert error["type"] == "io.camunda.connector.api.error.ConnectorException"
    assert error["message"] == (
        "Textract job j-1 did not complete within the polling window (10 attempts, PT1M delay "
        "each); the run's time limit ends before that"
    )
    assert stand_in.seen.count("Textract.GetDocumentAnalysis") == 1  # no minute-long wait


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_dry_run_stores_the_analysis_as_a_hub_document(
    egress_worker: Any,  # noqa: F811
    moto: Moto,
    user: Any,
) -> None:
    for name, value in secrets_of(moto).items():
        secret_create(name=name, value=value, allowed_hosts=["127.0.0.1"], user=user)
    run = dry_run(imported_version(TEXTRACT), aws_values(moto, **{
        **S3_DOCUMENT, "input.executionType": "POLLING", "input.analyzeTables": True,
        "documentReturnFormat.choice": "DOCUMENT",
    }), user)  # fmt: skip

    assert run.outcome == "completed", run.error_message
    reference = run.outcome_record.variables["result"]
    analysis = json.loads(HubDocumentStore().read(DocumentReference.model_validate(reference)))
    assert analysis["jobStatus"] == "SUCCEEDED"
    summaries = [e["summary"] for e in run.outcome_record.exchanges]
    assert summaries == [
        "Textract StartDocumentAnalysis · s3://scans/invoices/42.pdf",
        f"Textract GetDocumentAnalysis · job {analysis_job(run)}",
    ]
    everything = json.dumps(Run.objects.filter(pk=run.pk).values().get(), default=str)
    assert moto.secret_key not in everything and moto.access_key not in everything


def analysis_job(run: Any) -> str:
    start = run.outcome_record.exchanges[0]
    job: str = json.loads(start["response_body"])["JobId"]
    return job
