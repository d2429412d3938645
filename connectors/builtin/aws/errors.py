"""Failures as Camunda's AWS connectors report them.

Camunda's AWS connectors do not catch the AWS SDK's exceptions: a job's `error.type` is the
SDK for Java v2 class (`software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException`,
or the service's base class such as `SqsException` for errors the service model does not name;
`software.amazon.awssdk.core.exception.SdkClientException` when no answer came), there is no
`error.code`, and `error.message` is the SDK's text: the service's message followed by
`(Service: Sqs, Status Code: 400, Request ID: ...)`. `AwsError` carries the same type and text,
so error expressions written against Camunda's connectors match here. The job fails with
retries - 1, as there.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ReadTimeoutError,
)
from connectorhub_sdk import ConnectorInputError

CLIENT_EXCEPTION = "software.amazon.awssdk.core.exception.SdkClientException"

# botocore's service name -> (the SDK v2 package, the service's name in its messages and base
# exception class)
SERVICES: dict[str, tuple[str, str]] = {
    "sqs": ("sqs", "Sqs"),
    "sns": ("sns", "Sns"),
    "events": ("eventbridge", "EventBridge"),
    "dynamodb": ("dynamodb", "DynamoDb"),
    "lambda": ("lambda", "Lambda"),
    "comprehend": ("comprehend", "Comprehend"),
    "textract": ("textract", "Textract"),
    "sagemaker-runtime": ("sagemakerruntime", "SageMakerRuntime"),
    "bedrock-runtime": ("bedrockruntime", "BedrockRuntime"),
}


class AwsError(RuntimeError):
    """An AWS SDK failure, read by the runtime as the Java SDK's exception (retries - 1)."""

    def __init__(self, java_type: str, message: str) -> None:
        self.java_type = java_type
        super().__init__(message)


def mapped(exc: Exception, service: str, target: str) -> Exception:
    """EXC (raised by a botocore client of SERVICE calling TARGET) as Camunda reports it."""
    if isinstance(exc, ClientError):
        return _service_error(exc, service)
    if isinstance(exc, ConnectTimeoutError | ReadTimeoutError):
        kind = "Connect" if isinstance(exc, ConnectTimeoutError) else "Read"
        return AwsError(
            CLIENT_EXCEPTION, f"Unable to execute HTTP request: {kind} timed out ({target})"
        )
    if isinstance(exc, EndpointConnectionError):
        cause = exc.kwargs.get("error")
        reason = _reason(cause) if cause is not None else "no answer"
        where = urlsplit(str(exc.kwargs.get("endpoint_url", ""))).netloc or target
        message = f"Unable to execute HTTP request: Connect to {where} failed: {reason}"
        return AwsError(CLIENT_EXCEPTION, message)
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return AwsError(
            CLIENT_EXCEPTION,
            "Unable to load credentials from any of the providers in the default credentials "
            "chain (environment variables, shared credentials and config files, container and "
            "instance metadata)",
        )
    if isinstance(exc, NoRegionError):
        return ConnectorInputError("must not be empty", field="configuration.region")
    if isinstance(exc, ParamValidationError):
        return ConnectorInputError(str(exc.kwargs.get("report", exc)).strip())
    if isinstance(exc, BotoCoreError):
        return AwsError(CLIENT_EXCEPTION, str(exc))
    return exc


def _service_error(exc: ClientError, service: str) -> AwsError:
    package, name = SERVICES.get(service, (service, service.capitalize()))
    error: dict[str, Any] = exc.response.get("Error", {})
    code, message = str(error.get("Code") or ""), str(error.get("Message") or "")
    if message.lstrip().startswith("<"):
        # moto (and older AWS front ends) answer authentication failures of the JSON
        # protocols in XML, which botocore leaves unparsed
        code = _xml("Code", message) or code
        message = _xml("Message", message) or message
    meta = exc.response.get("ResponseMetadata", {})
    status, request_id = meta.get("HTTPStatusCode"), meta.get("RequestId")
    # a modeled error has its own class in both SDKs (botocore's is named after the shape,
    # the Java SDK's always ends in Exception); others are the service's base exception
    shape = type(exc).__name__
    if shape == "ClientError":
        java_class = f"{name}Exception"
    else:
        java_class = shape if shape.endswith("Exception") else f"{shape}Exception"
    java_type = f"software.amazon.awssdk.services.{package}.model.{java_class}"
    text = message or code or "no message"
    return AwsError(
        java_type, f"{text} (Service: {name}, Status Code: {status}, Request ID: {request_id})"
    )


def _xml(tag: str, text: str) -> str | None:
    found = re.search(rf"<{tag}>(.*?)</{tag}>", text, re.DOTALL)
    return found.group(1).strip() if found else None


def _reason(cause: BaseException) -> str:
    """The innermost OS-level reason (`Connection refused`), else the text."""
    seen: BaseException | None = cause
    for _ in range(8):
        if seen is None:
            break
        if isinstance(seen, OSError) and seen.strerror:
            return seen.strerror
        seen = seen.__cause__ or seen.__context__
    return str(cause) or type(cause).__name__
