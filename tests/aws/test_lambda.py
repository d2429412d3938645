"""The Lambda connector: every version of Camunda's template binds (corpus), and the current one
invokes a function on moto. moto runs a handler only inside Docker, which is not available
here: with `use_docker` off it answers with the event it was given, so these tests check the
request, the payload's round trip, the result's shape and the error mapping, not a handler's
own answer (docs/aws-connectors.md)."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from connectorhub_sdk.binding import bind_input

from connectors.builtin.aws.awslambda import LambdaInput, aws_lambda
from connectors.elementtemplates import ElementTemplate, build_job
from tests.aws.conftest import LAMBDA, all_versions, client, run_aws, with_endpoint
from tests.builtin.conftest import result_of, values_for
from tests.services.moto import Moto

pytestmark = pytest.mark.xdist_group("moto")

VERSIONS = [t for t in all_versions(LAMBDA) if t.id == LAMBDA[1]]


@pytest.mark.parametrize("tpl", VERSIONS, ids=[f"v{t.version}" for t in VERSIONS])
def test_every_version_builds_a_job_the_connector_binds(tpl: ElementTemplate) -> None:
    job = build_job(tpl, values_for(tpl, {
        "authentication.type": "credentials",
        "authentication.accessKey": "AKIAEXAMPLE",
        "authentication.secretKey": "secret-example",
        "configuration.region": "eu-central-1",
        "awsFunction.functionName": "orders",
        "awsFunction.payload": '={"order": 42}',
    }))  # fmt: skip
    assert not job.errors, job.errors
    assert job.type == aws_lambda.type
    bound = bind_input(aws_lambda, job.variables)
    assert isinstance(bound, LambdaInput)
    assert bound.awsFunction.functionName == "orders"
    assert bound.awsFunction.payload == {"order": 42}
    assert bound.authentication is not None and bound.authentication.secretKey == "secret-example"


def _echo_function(moto: Moto, name: str) -> None:
    """A function on moto that answers with its event (moto without Docker)."""
    role = client(moto, "iam").create_role(RoleName="runner", AssumeRolePolicyDocument="{}")
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return event\n")
    client(moto, "lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=role["Role"]["Arn"],
        Handler="handler.handle", Code={"ZipFile": code.getvalue()},
    )  # fmt: skip


def test_a_function_is_invoked_with_the_payload(moto: Moto) -> None:
    _echo_function(moto, "orders")
    with moto.lambda_without_docker():
        outcome = run_aws(with_endpoint(LAMBDA), moto, {
            "awsFunction.functionName": "orders",
            "awsFunction.payload": '={"order": 42, "items": ["book", "ü"]}',
        })  # fmt: skip

    result: dict[str, Any] = result_of(outcome)
    assert list(result) == ["statusCode", "executedVersion", "payload"]
    assert result["statusCode"] == 200
    assert result["payload"] == {"order": 42, "items": ["book", "ü"]}  # echoed by moto
    (exchange,) = outcome.trace.exchanges
    assert exchange["summary"] == "Lambda Invoke · orders"
    assert json.loads(exchange["request_body"])["Payload"] == '{"order":42,"items":["book","ü"]}'


def test_a_missing_function(moto: Moto) -> None:
    outcome = run_aws(with_endpoint(LAMBDA), moto, {
        "awsFunction.functionName": "nowhere",
        "awsFunction.payload": "={}",
    })  # fmt: skip

    assert outcome.kind == "failed" and outcome.retries == 2
    error = outcome.trace.error or {}
    assert error["type"] == (
        "software.amazon.awssdk.services.lambda.model.ResourceNotFoundException"
    )
    assert error["message"].startswith(
        "Function not found: arn:aws:lambda:eu-central-1:123456789012:function:nowhere "
        "(Service: Lambda, Status Code: 404, Request ID: "
    )
