"""`io.camunda:aws-lambda:1`, Camunda's AWS Lambda connector (outbound): invoke a function
synchronously with a JSON payload; the result is `{statusCode, executedVersion, payload}`, the
function's answer read as JSON (LambdaConnectorFunction, FunctionRequestData, AwsLambdaResult).
Every template version offers the synchronous invocation only (`awsFunction.operationType` has
one choice, which Camunda's connector does not read)."""

from __future__ import annotations

import json
from typing import Any

from connectorhub_sdk import JSON, ConnectorContext, ConnectorInputError, connector
from connectorhub_sdk.types import FeelObject, FeelText
from pydantic import BaseModel, ConfigDict, Field

from . import base, errors


class Function(BaseModel):
    model_config = ConfigDict(extra="ignore")
    operationType: Any = None  # "sync", not read (as in Camunda)
    functionName: FeelText = Field(pattern=r"\S", title="Function name")
    payload: FeelObject = None
    region: FeelText | None = None  # deprecated; configuration.region wins


class LambdaInput(base.AwsBaseInput):
    """The union of the inputs of every version of Camunda's Lambda template."""

    awsFunction: Function


@connector(
    type="io.camunda:aws-lambda:1",
    name="AWS Lambda Connector",
    input=LambdaInput,
    description="Invoke an AWS Lambda function; runs Camunda's official Lambda templates "
    "unchanged.",
    documentation_ref="https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/aws-lambda/",
)
def aws_lambda(data: LambdaInput, context: ConnectorContext) -> JSON:
    """Invoke the function and return its status, version and answer."""
    function = data.awsFunction
    if function.payload is None:
        raise ConnectorInputError("must not be null", field="awsFunction.payload")
    where = base.target(data, "lambda", context, region=function.region)
    params = {
        "FunctionName": function.functionName.strip(),
        # always JSON, text too (Jackson's writeValueAsString)
        "Payload": json.dumps(function.payload, ensure_ascii=False, separators=(",", ":")),
    }
    answer = base.call(where, "invoke", params, context, f"{params['FunctionName']}")
    return {
        "statusCode": answer.get("StatusCode"),
        "executedVersion": answer.get("ExecutedVersion"),
        "payload": _payload(answer.get("Payload")),
    }


def _payload(raw: bytes | None) -> Any:
    """The function's answer as JSON (Jackson's readValue into Object)."""
    raw = raw or b""
    if not raw.strip():
        raise errors.AwsError(
            "java.lang.RuntimeException",
            "com.fasterxml.jackson.databind.exc.MismatchedInputException: No content to map due "
            "to end-of-input",
        )
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise errors.AwsError(
            "java.lang.RuntimeException",
            f"com.fasterxml.jackson.core.JsonParseException: the function's answer is not JSON "
            f"({exc})",
        ) from None
