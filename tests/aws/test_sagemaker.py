"""The SageMaker connector: every version of Camunda's template binds (corpus) for both
invocation types, and the current one invokes an endpoint on moto synchronously and
asynchronously. moto answers InvokeEndpoint with the answers a test queues up
(`Moto.sagemaker_answers`) and InvokeEndpointAsync by writing its answer to S3
(docs/aws-connectors.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from connectorhub_sdk.binding import bind_input

from connectors.builtin.aws.sagemaker import SageMakerInput, sagemaker
from connectors.catalogue.importing import import_documents
from connectors.elementtemplates import ElementTemplate, build_job
from connectors.models import ImportSource, Run, TemplateVersion
from connectors.secrets.services import secret_create
from tests.aws.conftest import all_versions, aws_values, client, run_aws, secrets_of, with_endpoint
from tests.builtin.conftest import result_of, values_for
from tests.builtin.test_dry_run import dry_run, egress_worker  # noqa: F401
from tests.elementtemplates.corpus import corpus_template
from tests.services.moto import Moto

pytestmark = pytest.mark.xdist_group("moto")

SAGEMAKER = ("aws-sagemaker-outbound-connector.json", "io.camunda.connectors.AWSSAGEMAKER.v1", 5)
VERSIONS = [t for t in all_versions(SAGEMAKER) if t.id == SAGEMAKER[1]]
CASES = [(t, kind) for t in VERSIONS for kind in ("SYNC", "ASYNC")]
AUTH = {
    "authentication.type": "credentials",
    "authentication.accessKey": "AKIAEXAMPLE",
    "authentication.secretKey": "secret-example",
    "configuration.region": "eu-central-1",
}


@pytest.mark.parametrize(("tpl", "kind"), CASES, ids=[f"v{t.version}-{k}" for t, k in CASES])
def test_every_version_builds_a_job_the_connector_binds(tpl: ElementTemplate, kind: str) -> None:
    job = build_job(tpl, values_for(tpl, {
        **AUTH,
        "input.invocationType": kind,
        "input.endpointName": "churn",
        "input.body": '={"features": [1, 2]}',
        "input.customAttributes": "trace=1",
        "input.enableExplanations": "YES",
        "input.inputLocation": "s3://in/request.json",
        "input.invocationTimeoutSeconds": "60",
    }))  # fmt: skip
    assert not job.errors, job.errors
    assert job.type == sagemaker.type
    bound = bind_input(sagemaker, job.variables)
    assert isinstance(bound, SageMakerInput)
    assert (bound.input.invocationType, bound.input.endpointName) == (kind, "churn")
    assert bound.input.contentType == bound.input.accept == "application/json"  # the defaults
    assert bound.input.customAttributes == "trace=1"
    if kind == "SYNC":
        assert bound.input.body == {"features": [1, 2]}
        assert bound.input.enableExplanations == "YES" and bound.input.inputLocation is None
    else:  # the template shows the SYNC fields only for SYNC, and the other way round
        assert bound.input.body is None and bound.input.inputLocation == "s3://in/request.json"
        assert bound.input.invocationTimeoutSeconds == "60"


def test_a_synchronous_inference_returns_the_models_json(moto: Moto) -> None:
    moto.sagemaker_answers({
        "Body": '{"churn": 0.87, "label": "ü"}', "ContentType": "application/json",
        "InvokedProductionVariant": "blue", "CustomAttributes": "model=7",
    })  # fmt: skip
    outcome = run_aws(with_endpoint(SAGEMAKER), moto, {
        "input.invocationType": "SYNC",
        "input.endpointName": "churn",
        "input.body": '={"features": [1, 2], "customer": "Ä"}',
        "input.customAttributes": "trace=1",
        "input.enableExplanations": "NO",
        "input.targetVariant": "blue",
    })  # fmt: skip

    result: dict[str, Any] = result_of(outcome)
    assert result == {
        "body": {"churn": 0.87, "label": "ü"},
        "contentType": "application/json",
        "customAttributes": "model=7",
        "invokedProductionVariant": "blue",
    }
    assert list(result) == ["body", "contentType", "customAttributes", "invokedProductionVariant"]
    (exchange,) = outcome.trace.exchanges
    assert exchange["summary"] == "SageMaker Runtime InvokeEndpoint · churn"
    sent = json.loads(exchange["request_body"])
    assert sent["Body"] == '{"features":[1,2],"customer":"Ä"}'  # compact JSON, as Jackson
    assert (sent["EnableExplanations"], sent["TargetVariant"]) == ("0", "blue")
    assert "TargetModel" not in sent  # unset members are not sent


def test_an_answer_that_is_not_json_is_text(moto: Moto) -> None:
    moto.sagemaker_answers({"Body": "label,score\nchurn,0.87", "ContentType": "text/csv"})
    outcome = run_aws(with_endpoint(SAGEMAKER), moto, {
        "input.invocationType": "SYNC", "input.endpointName": "churn", "input.body": "1,2",
        "input.accept": "text/csv",
    })  # fmt: skip

    result = result_of(outcome)
    assert result["body"] == "label,score\nchurn,0.87" and result["contentType"] == "text/csv"
    # text in the body field (no FEEL) is sent as a JSON string, as Camunda's `Object body`
    (exchange,) = outcome.trace.exchanges
    assert json.loads(exchange["request_body"])["Body"] == '"1,2"'


def test_a_json_answer_that_does_not_parse(moto: Moto) -> None:
    moto.sagemaker_answers({"Body": "not json", "ContentType": "application/json"})
    outcome = run_aws(with_endpoint(SAGEMAKER), moto, {
        "input.invocationType": "SYNC", "input.endpointName": "churn", "input.body": "={}",
    })  # fmt: skip

    assert outcome.kind == "failed" and outcome.retries == 2
    error = outcome.trace.error or {}
    assert error["type"] == "io.camunda.connector.api.error.ConnectorException"
    assert error["message"] == "java.lang.RuntimeException: Error reading Sagemaker response."


def test_an_asynchronous_inference_returns_where_the_answer_will_be(moto: Moto) -> None:
    outcome = run_aws(with_endpoint(SAGEMAKER), moto, {
        "input.invocationType": "ASYNC",
        "input.endpointName": "churn",
        "input.inputLocation": "s3://requests/r1.json",
        "input.inferenceId": "order-42",
        "input.invocationTimeoutSeconds": "120",
    })  # fmt: skip

    result = result_of(outcome)
    assert list(result) == ["outputLocation", "failureLocation", "inferenceId"]
    assert result["inferenceId"] == "order-42"
    bucket, key = result["outputLocation"].removeprefix("s3://").split("/", 1)
    answer = client(moto, "s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    assert json.loads(answer) == {"default": "response"}  # moto's canned inference
    assert result["failureLocation"].startswith(f"s3://{bucket}/")
    sent = json.loads(outcome.trace.exchanges[0]["request_body"])
    assert (sent["InputLocation"], sent["InvocationTimeoutSeconds"]) == (
        "s3://requests/r1.json",
        120,
    )


def test_bad_input_names_the_field(moto: Moto) -> None:
    outcome = run_aws(with_endpoint(SAGEMAKER), moto, {
        "input.invocationType": "ASYNC", "input.endpointName": "churn",
        "input.inputLocation": "s3://requests/r1.json", "input.requestTTLSeconds": "soon",
    })  # fmt: skip
    assert outcome.kind == "failed" and outcome.retries == 0
    assert outcome.message.startswith("input.requestTTLSeconds: must be a whole number")

    outcome = run_aws(with_endpoint(SAGEMAKER), moto, {
        "input.invocationType": "SYNC", "input.endpointName": '=" "', "input.body": "={}",
    })  # fmt: skip
    assert outcome.kind == "failed" and outcome.retries == 0
    assert "Property: input.endpointName: Validation failed" in outcome.message


def imported_version(kind: tuple[str, str, int]) -> Any:
    """KIND's current template imported into the hub, its Hidden endpoint made a field (as
    `with_endpoint` does)."""
    raw = corpus_template(kind[1], kind[2])
    for prop in raw["properties"]:
        if prop.get("binding", {}).get("name") == "configuration.endpoint":
            prop["type"] = "String"
    report = import_documents([(kind[0], json.dumps(raw).encode())], source=ImportSource.COMMAND)
    assert not report.failed, report.failed
    return TemplateVersion.objects.get(entry__template_id=kind[1], version=kind[2])


@pytest.fixture
def sagemaker_version(db: None) -> Any:
    return imported_version(SAGEMAKER)


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_dry_run_infers_with_the_keys_as_hub_secrets(
    egress_worker: Any,  # noqa: F811
    sagemaker_version: Any,
    moto: Moto,
    user: Any,
) -> None:
    for name, value in secrets_of(moto).items():
        secret_create(name=name, value=value, allowed_hosts=["127.0.0.1"], user=user)
    moto.sagemaker_answers({"Body": '{"churn": 0.12}', "ContentType": "application/json"})
    run = dry_run(sagemaker_version, aws_values(moto, **{
        "input.invocationType": "SYNC",
        "input.endpointName": "churn",
        "input.body": '={"features": [3, 4]}',
    }), user)  # fmt: skip

    assert run.outcome == "completed", run.error_message
    result = run.outcome_record.variables["result"]
    assert result["body"] == {"churn": 0.12} and result["contentType"] == "application/json"
    everything = json.dumps(Run.objects.filter(pk=run.pk).values().get(), default=str)
    assert moto.secret_key not in everything and moto.access_key not in everything
    (exchange,) = run.outcome_record.exchanges
    assert exchange["summary"] == "SageMaker Runtime InvokeEndpoint · churn"
