"""`io.camunda:aws-sagemaker:1`, Camunda's AWS SageMaker connector (outbound): run an inference
on a SageMaker endpoint, synchronously (`InvokeEndpoint`, the answer in the result) or
asynchronously (`InvokeEndpointAsync`, the S3 locations of the answer in the result)
(SagemakerConnectorFunction, SageMakerSyncCaller, SageMakerAsyncCaller, SageMakerRequestData,
SageMakerSyncResponse, SageMakerAsyncResponse).

Camunda's callers wrap every failure of the call in a `ConnectorException` without code, whose
message is the AWS SDK exception's `toString()` (`<class>: <message>`); so does this one.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from connectorhub_sdk import JSON, ConnectorContext, ConnectorError, ConnectorInputError, connector
from connectorhub_sdk.types import FeelText, Text
from pydantic import BaseModel, ConfigDict, Field

from . import base, errors

# SageMakerEnableExplanations: NOT_SET sends none, YES "1", NO "0" (Camunda's values)
EXPLANATIONS = {"NOT_SET": None, "YES": "1", "NO": "0"}


class SageMakerData(BaseModel):
    """The `input` variable of every template version (Camunda's SageMakerRequestData)."""

    model_config = ConfigDict(extra="ignore")
    invocationType: Literal["SYNC", "ASYNC"]
    endpointName: FeelText = Field(pattern=r"\S", title="Endpoint name")
    # Camunda's `Object body` has no FEEL reading: text is sent as a JSON string, a FEEL
    # value (`={...}`) as the JSON it is
    body: Any = None
    contentType: FeelText = Field(pattern=r"\S")
    accept: FeelText = Field(pattern=r"\S")
    customAttributes: Text | None = None
    targetModel: Text | None = None
    targetVariant: Text | None = None
    targetContainerHostname: Text | None = None
    inferenceId: Text | None = None
    enableExplanations: Literal["NOT_SET", "YES", "NO"] | None = "NOT_SET"
    inferenceComponentName: Text | None = None
    inputLocation: Text | None = None
    requestTTLSeconds: Text | None = None
    invocationTimeoutSeconds: Text | None = None


class SageMakerInput(base.AwsBaseInput):
    """The union of the inputs of every version of Camunda's SageMaker template."""

    input: SageMakerData


@connector(
    type="io.camunda:aws-sagemaker:1",
    name="AWS SageMaker Connector",
    input=SageMakerInput,
    description="Run an inference on an Amazon SageMaker endpoint, synchronously or "
    "asynchronously; runs Camunda's official SageMaker templates unchanged.",
    documentation_ref="https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/amazon-sagemaker/",
)
def sagemaker(data: SageMakerInput, context: ConnectorContext) -> JSON:
    """Invoke the endpoint and return Camunda's SageMakerSyncResponse or SageMakerAsyncResponse."""
    request = data.input
    where = base.target(data, "sagemaker-runtime", context)
    if request.invocationType == "ASYNC":
        return _invoke_async(where, request, context)
    return _invoke(where, request, context)


def _invoke(where: base.Target, request: SageMakerData, context: ConnectorContext) -> JSON:
    if request.body is None:
        raise ConnectorInputError("must not be null", field="input.body")
    params = _without_none(
        {
            "EndpointName": request.endpointName,
            # Jackson's writeValueAsBytes of the bound value
            "Body": json.dumps(request.body, ensure_ascii=False, separators=(",", ":")).encode(),
            "ContentType": request.contentType,
            "Accept": request.accept,
            "CustomAttributes": request.customAttributes,
            "TargetModel": request.targetModel,
            "TargetVariant": request.targetVariant,
            "TargetContainerHostname": request.targetContainerHostname,
            "InferenceId": request.inferenceId,
            "EnableExplanations": EXPLANATIONS[request.enableExplanations or "NOT_SET"],
            "InferenceComponentName": request.inferenceComponentName,
        }
    )
    answer = _wrapped(where, "invoke_endpoint", params, context, request.endpointName)
    content_type = answer.get("ContentType")
    return {
        "body": _body(answer.get("Body") or b"", content_type),
        "contentType": content_type,
        "customAttributes": answer.get("CustomAttributes"),
        "invokedProductionVariant": answer.get("InvokedProductionVariant"),
    }


def _invoke_async(where: base.Target, request: SageMakerData, context: ConnectorContext) -> JSON:
    if not (request.inputLocation or "").strip():
        raise ConnectorInputError("must not be blank", field="input.inputLocation")
    params = _without_none(
        {
            "EndpointName": request.endpointName,
            "ContentType": request.contentType,
            "Accept": request.accept,
            "CustomAttributes": request.customAttributes,
            "InferenceId": request.inferenceId,
            "InputLocation": request.inputLocation,
            "InvocationTimeoutSeconds": _seconds(
                request.invocationTimeoutSeconds, "input.invocationTimeoutSeconds"
            ),
            "RequestTTLSeconds": _seconds(request.requestTTLSeconds, "input.requestTTLSeconds"),
        }
    )
    answer = _wrapped(where, "invoke_endpoint_async", params, context, request.endpointName)
    return {
        "outputLocation": answer.get("OutputLocation"),
        "failureLocation": answer.get("FailureLocation"),
        "inferenceId": answer.get("InferenceId"),
    }


def _wrapped(
    where: base.Target,
    operation: str,
    params: dict[str, Any],
    context: ConnectorContext,
    endpoint: str,
) -> dict[str, Any]:
    """The call, its AWS failures wrapped as Camunda's callers wrap them."""
    try:
        return base.call(where, operation, params, context, endpoint)
    except errors.AwsError as exc:
        raise ConnectorError(None, f"{exc.java_type}: {exc}") from None


def _body(raw: bytes, content_type: str | None) -> JSON:
    """SageMakerSyncResponse.mapResponseBody: exactly `application/json` is parsed, anything
    else is UTF-8 text."""
    if content_type != "application/json":
        return raw.decode("utf-8", errors="replace")
    try:
        parsed: JSON = json.loads(raw)
    except ValueError:
        raise ConnectorError(
            None, "java.lang.RuntimeException: Error reading Sagemaker response."
        ) from None
    return parsed


def _seconds(value: str | None, field: str) -> int | None:
    """Camunda parses these texts with Integer.parseInt; a bad one is named here instead."""
    if value is None or not value.strip():
        return None
    try:
        return int(value.strip())
    except ValueError:
        raise ConnectorInputError("must be a whole number of seconds", field=field) from None


def _without_none(params: dict[str, Any]) -> dict[str, Any]:
    """The AWS SDK leaves unset members out of the request; so does this."""
    return {key: value for key, value in params.items() if value is not None}
