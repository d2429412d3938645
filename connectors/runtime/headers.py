"""The job's headers: their names, the `retryBackoff` and `jobTimeout` checks made before the
call, and the job timeout the Zeebe adapter applies.

Follows `io.camunda.connector.runtime.outbound.job.SpringConnectorJobHandler`
(`getBackoffDuration`, `updateJobTimeoutIfPresent`) and its errors
`io.camunda.connector.runtime.core.error.InvalidBackOffDurationException` and
`InvalidJobTimeoutException`; the header names are those of
`io.camunda.connector.runtime.core.Keywords`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import timedelta

from connectorhub_sdk.javatext import parse_duration

RESULT_VARIABLE = "resultVariable"
RESULT_EXPRESSION = "resultExpression"
ERROR_EXPRESSION = "errorExpression"
RETRY_BACKOFF = "retryBackoff"
JOB_TIMEOUT = "jobTimeout"


class HeaderError(Exception):
    """A `retryBackoff` or `jobTimeout` header that is not a usable duration: 0 retries and
    no backoff, the connector is not called."""

    def __init__(self, message: str, java_type: str) -> None:
        super().__init__(message)
        self.java_type = java_type


@functools.lru_cache(maxsize=256)  # every job of a template carries the same few header values
def _duration(text: str) -> timedelta:
    """parse_duration, remembered: a timedelta is immutable, and a refused text raises again
    (lru_cache keeps no exceptions)."""
    return parse_duration(text)


def retry_backoff(headers: Mapping[str, str]) -> timedelta | None:
    """Camunda parses `retryBackoff` when present at all (blank included) before the call."""
    text = headers.get(RETRY_BACKOFF)
    if text is None:
        return None
    try:
        return _duration(text)
    except ValueError:
        raise HeaderError(
            "Failed to parse retry backoff header. Expected ISO-8601 duration, e.g. PT5M, "
            f"got: {text}",
            "io.camunda.connector.runtime.core.error.InvalidBackOffDurationException",
        ) from None


def check_job_timeout(headers: Mapping[str, str]) -> timedelta | None:
    """`jobTimeout` must be a positive duration when set; the Zeebe adapter applies it."""
    text = headers.get(JOB_TIMEOUT)
    if text is None or not text.strip():
        return None
    java_type = "io.camunda.connector.runtime.core.error.InvalidJobTimeoutException"
    try:
        timeout = _duration(text)
    except ValueError:
        raise HeaderError(
            "Failed to parse job timeout header. Expected ISO-8601 duration, e.g. PT10M, "
            f"got: {text}",
            java_type,
        ) from None
    if timeout < timedelta(milliseconds=1):
        raise HeaderError(f"Job timeout must be a positive duration, got: {text}", java_type)
    return timeout


def header_refusals(headers: Mapping[str, str]) -> dict[str, str]:
    """{header key: the message run_job fails the job with} for the `retryBackoff` and
    `jobTimeout` values it refuses: the same checks, so that forms refuse them before a run."""
    refused: dict[str, str] = {}
    for key, check in ((RETRY_BACKOFF, retry_backoff), (JOB_TIMEOUT, check_job_timeout)):
        try:
            check(headers)
        except HeaderError as exc:
            refused[key] = str(exc)
    return refused


def job_timeout(headers: Mapping[str, str]) -> timedelta | None:
    """The `jobTimeout` header for the Zeebe adapter (None when unset or invalid; an invalid
    one makes run_job fail the job)."""
    try:
        return check_job_timeout(headers)
    except HeaderError:
        return None
