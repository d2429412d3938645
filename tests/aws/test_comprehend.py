"""The Comprehend connector: every version of Camunda's template binds (corpus) for both
execution types; the asynchronous one (StartDocumentClassificationJob) runs on moto and the job
moto keeps is read back. moto 5.2.5 does not implement ClassifyDocument (the synchronous one):
its request is built and sent, moto answers 500, and the result's shape is checked on an answer
as AWS documents it (docs/aws-connectors.md, "Cannot be tested here")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from connectorhub_sdk.binding import bind_input
from cryptography.fernet import Fernet

from connectors.builtin.aws.comprehend import ComprehendInput, classify_result, comprehend
from connectors.elementtemplates import ElementTemplate, build_job
from connectors.management.commands.zeebe_worker import build_worker
from connectors.models import SecretAuditEvent
from connectors.secrets.services import secret_create
from tests.aws.conftest import all_versions, client, run_aws, with_endpoint
from tests.builtin.conftest import result_of, values_for
from tests.services.moto import Moto
from tests.zeebe.conftest import zeebe_address, zeebe_engine  # noqa: F401
from tests.zeebe.harness import run_with_live_worker, unique
from tests.zeebe.processes import task_process

pytestmark = pytest.mark.xdist_group("moto")

COMPREHEND = (
    "aws-comprehend-outbound-connector.json",
    "io.camunda.connectors.AWSCOMPREHEND.v1",
    6,
)
VERSIONS = [t for t in all_versions(COMPREHEND) if t.id == COMPREHEND[1]]
CASES = [(t, kind) for t in VERSIONS for kind in ("sync", "async")]
ACCOUNT = "arn:aws:comprehend:eu-central-1:123456789012"
CLASSIFIER = f"{ACCOUNT}:document-classifier/invoices"
ROLE = "arn:aws:iam::123456789012:role/comprehend-reader"
JOB = {
    "input.type": "async",
    "input.documentClassifierArn": CLASSIFIER,
    "input.dataAccessRoleArn": ROLE,
    "input.inputS3Uri": "s3://scans/in/",
    "input.outputS3Uri": "s3://scans/out/",
}


@pytest.mark.parametrize(("tpl", "kind"), CASES, ids=[f"v{t.version}-{k}" for t, k in CASES])
def test_every_version_builds_a_job_the_connector_binds(tpl: ElementTemplate, kind: str) -> None:
    job = build_job(tpl, values_for(tpl, {
        "authentication.type": "credentials",
        "authentication.accessKey": "AKIAEXAMPLE",
        "authentication.secretKey": "secret-example",
        "configuration.region": "eu-central-1",
        "input.type": kind,
        "input.text": "Invoice 42",
        "input.endpointArn": f"{ACCOUNT}:document-classifier-endpoint/invoices",
        **{k: v for k, v in JOB.items() if k != "input.type"},
        "input.documentReadAction": "TEXTRACT_ANALYZE_DOCUMENT",
        "input.featureTypeForms": True,
        "input.tags": '={"team": "billing"}',
        "input.securityGroupIds": '=["sg-1"]',
        "input.subnets": '=["subnet-1"]',
    }))  # fmt: skip
    assert not job.errors, job.errors
    assert job.type == comprehend.type
    bound = bind_input(comprehend, job.variables)
    assert isinstance(bound, ComprehendInput) and bound.input.type == kind
    if kind == "sync":
        assert bound.input.text == "Invoice 42" and bound.input.endpointArn.endswith("/invoices")
        assert bound.input.inputS3Uri is None
    else:
        assert (bound.input.documentClassifierArn, bound.input.inputS3Uri) == (
            CLASSIFIER, "s3://scans/in/"
        )  # fmt: skip
        assert bound.input.documentReadAction == "TEXTRACT_ANALYZE_DOCUMENT"
        assert bound.input.featureTypeForms and not bound.input.featureTypeTables
        assert bound.input.comprehendInputFormat == "ONE_DOC_PER_FILE"  # the default
        assert bound.input.tags == {"team": "billing"}
        assert (bound.input.securityGroupIds, bound.input.subnets) == (["sg-1"], ["subnet-1"])


def test_a_classification_job_is_started(moto: Moto) -> None:
    outcome = run_aws(with_endpoint(COMPREHEND), moto, {
        **JOB,
        "input.jobName": "march",
        "input.documentReadAction": "TEXTRACT_ANALYZE_DOCUMENT",
        "input.featureTypeTables": True,
        "input.comprehendInputFormat": "ONE_DOC_PER_LINE",
        "input.tags": '={"team": "billing"}',
    })  # fmt: skip

    result: dict[str, Any] = result_of(outcome)
    assert list(result) == [
        "sdkResponseMetadata", "sdkHttpMetadata", "jobId", "jobArn", "jobStatus",
        "documentClassifierArn",
    ]  # fmt: skip
    assert result["jobStatus"] == "SUBMITTED"
    assert result["jobArn"].endswith(f"document-classification-job/{result['jobId']}")
    assert result["sdkHttpMetadata"]["httpStatusCode"] == 200
    assert result["sdkResponseMetadata"]["requestId"]
    job = client(moto, "comprehend").describe_document_classification_job(JobId=result["jobId"])
    stored = job["DocumentClassificationJobProperties"]
    assert (stored["JobName"], stored["DocumentClassifierArn"]) == ("march", CLASSIFIER)
    assert stored["DataAccessRoleArn"] == ROLE
    assert stored["InputDataConfig"] == {
        "S3Uri": "s3://scans/in/",
        "InputFormat": "ONE_DOC_PER_LINE",
        "DocumentReaderConfig": {
            "DocumentReadAction": "TEXTRACT_ANALYZE_DOCUMENT",
            "DocumentReadMode": "SERVICE_DEFAULT",
            "FeatureTypes": ["TABLES"],
        },
    }
    assert stored["OutputDataConfig"]["S3Uri"] == "s3://scans/out/"
    tags = client(moto, "comprehend").list_tags_for_resource(ResourceArn=result["jobArn"])
    assert tags["Tags"] == [{"Key": "team", "Value": "billing"}]


def test_bad_input_names_the_field(moto: Moto) -> None:
    outcome = run_aws(with_endpoint(COMPREHEND), moto, {
        **JOB, "input.documentReadAction": "TEXTRACT_ANALYZE_DOCUMENT",
    })  # fmt: skip
    assert outcome.kind == "failed" and outcome.retries == 0
    assert outcome.message.startswith("input.featureTypeTables: If you chose TEXTRACT_ANALYZE")

    outcome = run_aws(with_endpoint(COMPREHEND), moto, {**JOB, "input.subnets": '=["subnet-1"]'})
    assert outcome.kind == "failed" and outcome.retries == 0
    assert outcome.message.startswith("input.securityGroupIds: Or both VpcConfig fields")


def test_a_classification_is_sent_as_camunda_sends_it(moto: Moto) -> None:
    """moto does not implement ClassifyDocument: the request goes out, moto answers 500."""
    endpoint = f"{ACCOUNT}:document-classifier-endpoint/invoices"
    outcome = run_aws(with_endpoint(COMPREHEND), moto, {
        "input.type": "sync", "input.text": "Invoice 42 · 12 €", "input.endpointArn": endpoint,
    })  # fmt: skip

    assert outcome.kind == "failed" and outcome.retries == 2
    error = outcome.trace.error or {}
    assert error["type"] == "software.amazon.awssdk.services.comprehend.model.ComprehendException"
    assert "(Service: Comprehend, Status Code: 500" in error["message"]
    exchange = outcome.trace.exchanges[0]
    assert exchange["summary"] == f"Comprehend ClassifyDocument · {endpoint}"
    assert json.loads(exchange["request_body"]) == {
        "Text": "Invoice 42 · 12 €", "EndpointArn": endpoint,
    }  # fmt: skip


def test_a_classification_result_has_camundas_shape() -> None:
    answer = {
        "Classes": [{"Name": "invoice", "Score": 0.97, "Page": 1}],
        "DocumentMetadata": {"Pages": 1, "ExtractedCharacters": [{"Page": 1, "Count": 17}]},
        "Warnings": [{"Page": 1, "WarnCode": "INFERENCING_PLAINTEXT_WITH_NATIVE_TRAINED_MODEL",
                      "WarnMessage": "plain text"}],
        "ResponseMetadata": {"RequestId": "r-1", "HTTPStatusCode": 200,
                             "RawHeaders": [("x-amzn-RequestId", "r-1")]},
    }  # fmt: skip
    assert classify_result(answer) == {
        "sdkResponseMetadata": {"requestId": "r-1"},
        "sdkHttpMetadata": {
            "httpHeaders": {"x-amzn-RequestId": "r-1"},
            "httpStatusCode": 200,
            "allHttpHeaders": {"x-amzn-RequestId": ["r-1"]},
        },
        "classes": [{"name": "invoice", "score": 0.97, "page": 1}],
        "labels": None,  # absent lists are null, as in Camunda's result
        "documentMetadata": {"pages": 1, "extractedCharacters": [{"page": 1, "count": 17}]},
        "documentType": None,
        "errors": None,
        "warnings": [{"page": 1, "warnCode": "INFERENCING_PLAINTEXT_WITH_NATIVE_TRAINED_MODEL",
                      "warnMessage": "plain text"}],
    }  # fmt: skip


@pytest.mark.zeebe
@pytest.mark.django_db(transaction=True)
def test_a_live_job_starts_a_classification_job(
    zeebe_address: str,  # noqa: F811
    tmp_path: Path,
    settings: Any,
    moto: Moto,
) -> None:
    """The current template's inputs as a process's input mappings on the test engine, the
    secret key a hub secret, the input location from a process variable."""
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    secret_create(name="AWS_SECRET", value=moto.secret_key)
    inputs = {
        "authentication.type": "credentials",
        "authentication.accessKey": moto.access_key,
        "authentication.secretKey": "{{secrets.AWS_SECRET}}",
        "configuration.region": moto.region,
        "configuration.endpoint": moto.endpoint,
        **JOB,
        "input.inputS3Uri": '="s3://scans/" + batch + "/"',
        "input.documentReadMode": "SERVICE_DEFAULT",
        "input.documentReadAction": "TEXTRACT_DETECT_DOCUMENT_TEXT",
        "input.comprehendInputFormat": "ONE_DOC_PER_FILE",
    }
    process_id = unique("comprehend")
    bpmn = task_process(
        process_id, comprehend.type, inputs=inputs, headers={"resultVariable": "job"}
    )
    worker = build_worker(
        {"address": zeebe_address, "job_types": [comprehend.type], "name": process_id}
    )

    variables = run_with_live_worker(
        zeebe_address, worker, bpmn, process_id, tmp_path, {"batch": "march"}
    )

    job_id = variables["job"]["jobId"]
    stored = client(moto, "comprehend").describe_document_classification_job(JobId=job_id)
    properties = stored["DocumentClassificationJobProperties"]
    assert properties["InputDataConfig"]["S3Uri"] == "s3://scans/march/"
    assert properties["DocumentClassifierArn"] == CLASSIFIER
    (use,) = SecretAuditEvent.objects.filter(action=SecretAuditEvent.Action.USE)
    assert use.source == SecretAuditEvent.Source.LIVE and use.job_type == comprehend.type
    assert moto.secret_key not in repr(variables)
