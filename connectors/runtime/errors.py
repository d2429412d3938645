"""Exception to failure: the error value `errorExpression` sees, retries and backoff, and the
failures the runtime raises itself (their `java_type` is what `error.type` reads).

Follows `io.camunda.connector.runtime.outbound.job.OutboundConnectorExceptionHandler`
(`exceptionToMap`, `handleGenericException`) and
`io.camunda.connector.runtime.core.outbound.ConnectorResult.ErrorResult`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from connectorhub_sdk import ConnectorError, ConnectorInputError, ConnectorRetryError

from connectors.registry import UnknownJobType
from connectors.secrets import Redactor

from .headers import HeaderError
from .values import json_value

MAX_ERROR_MESSAGE_LENGTH = 6000  # Camunda protects Zeebe from huge messages at this length

E = TypeVar("E", bound=BaseException)


class ExpressionError(Exception):
    """A FEEL evaluation failure (Camunda's FeelEngineWrapperException): not an input error."""

    java_type = "io.camunda.connector.feel.FeelEngineWrapperException"


class CallTimeout(Exception):
    java_type = "java.util.concurrent.TimeoutException"


def call_timeout(time_limit: float | None) -> CallTimeout:
    return CallTimeout(f"The connector did not finish within its time limit of {time_limit:g} s")


@dataclass
class ErrorResult:
    """Camunda's ConnectorResult.ErrorResult: what a failure looks like before errorExpression."""

    error: dict[str, Any]
    message: str
    retries: int
    backoff: timedelta | None

    @property
    def response_value(self) -> dict[str, Any]:
        return {"error": self.error}


def error_result(
    exc: BaseException,
    *,
    message: str,
    redactor: Redactor,
    retries: int,
    backoff: timedelta | None,
) -> ErrorResult:
    """The error map, retries and backoff after EXC. MESSAGE is EXC's message as it may be
    shown (masked); RETRIES and BACKOFF are the job's retries - 1 and its `retryBackoff`."""
    error: dict[str, Any] = {
        "type": java_type(exc),
        "message": message[:MAX_ERROR_MESSAGE_LENGTH],
    }
    if isinstance(exc, ConnectorError):
        if exc.code is not None:
            error["code"] = exc.code  # not masked: boundary events match on it
        if exc.variables is not None:
            error["variables"] = redactor.redact(json_value(exc.variables))
    if isinstance(exc, HeaderError):
        retries, backoff = 0, None
    elif isinstance(exc, ConnectorRetryError):
        retries = exc.retries if exc.retries is not None else retries
        backoff = exc.backoff if exc.backoff is not None else backoff
    elif isinstance(exc, ConnectorInputError) or isinstance(exc.__cause__, ConnectorInputError):
        retries = 0
    return ErrorResult(error, message, retries, backoff)


def value_free(exc: E) -> E:
    """Mark EXC as one whose message the runtime wrote without any input value in it."""
    exc.names_no_value = True  # type: ignore[attr-defined]
    return exc


def names_no_value(exc: BaseException) -> bool:
    return (
        getattr(exc, "names_no_value", False) is True
        or isinstance(exc, HeaderError | CallTimeout)
        or getattr(exc.__cause__, "names_no_value", False) is True
    )


def message_of(exc: BaseException) -> str:
    if isinstance(exc, ConnectorError | ConnectorInputError):
        return exc.message
    text = str(exc)
    return text if text else type(exc).__name__


def java_type(exc: BaseException) -> str:
    """error.type: Camunda's class name for our SDK and runtime errors, else the Python one."""
    named = getattr(exc, "java_type", None)
    if isinstance(named, str):
        return named
    cls = type(exc)
    return (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )


def unwrap(exc: BaseException) -> BaseException:
    """An unknown job type is an input error (nothing to retry)."""
    if isinstance(exc, UnknownJobType):
        return ConnectorInputError(str(exc))
    return exc
