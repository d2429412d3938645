"""Failures of a request turned into Camunda's `ConnectorException`s, as Camunda's
ConnectorExceptionMapper maps Apache HttpClient's exceptions (docs/camunda-compat.md 3.8), with
messages that say what went wrong."""

from __future__ import annotations

import ssl

import httpx
from connectorhub_sdk import ConnectorError, ConnectorInputError

READ_TIMEOUT_MESSAGE = (
    "The request timed out. Please try increasing the read and connection timeouts."
)


def mapped_error(
    exc: httpx.HTTPError, host: str, port: int, timeout: httpx.Timeout
) -> ConnectorError | ConnectorInputError:
    """Camunda's ConnectorExceptionMapper, with messages that say what went wrong."""
    tls = _tls_cause(exc)
    if tls is not None:
        return ConnectorError("SSL_HANDSHAKE_FAILED", f"TLS handshake failed: {tls}")
    if isinstance(exc, httpx.ConnectTimeout):
        return ConnectorError(
            "408",
            f"Could not connect to {host}:{port} within {timeout.connect:g} s. Please try "
            "increasing the connection timeout.",
        )
    if isinstance(exc, httpx.TimeoutException):
        return ConnectorError("408", READ_TIMEOUT_MESSAGE)
    if isinstance(exc, httpx.ConnectError):
        return ConnectorError("408", f"Could not connect to {host}:{port}: {reason(exc)}")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.LocalProtocolError):
        return ConnectorError("500", f"An error with the HTTP protocol occurred: {reason(exc)}")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ConnectorInputError(f"Invalid URL: {exc}", field="url")
    if isinstance(exc, httpx.TooManyRedirects | httpx.DecodingError):
        return ConnectorError("500", f"An error with the HTTP protocol occurred: {reason(exc)}")
    return ConnectorError(
        "408",
        "An error occurred while executing the request, or the connection was aborted: "
        + reason(exc),
    )


def _tls_cause(exc: BaseException) -> str | None:
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return None
        if isinstance(seen, ssl.SSLError | ssl.CertificateError):
            return getattr(seen, "verify_message", None) or seen.reason or str(seen)
        seen = seen.__cause__ or seen.__context__
    return None


def reason(exc: BaseException) -> str:
    """The innermost readable reason (`[Errno 111] Connection refused`)."""
    text = str(exc)
    cause = exc.__cause__ or exc.__context__
    while cause is not None and not text:
        text = str(cause)
        cause = cause.__cause__ or cause.__context__
    return text or type(exc).__name__
