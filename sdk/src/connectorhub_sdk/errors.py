"""What a connector raises, and how the runtime reads each kind (Camunda's
`io.camunda.connector.api.error` package: ConnectorException, ConnectorInputException,
ConnectorRetryException)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from connectorhub_sdk.context import JSON


class ConnectorInputError(Exception):
    """The input cannot be used: the job fails at once, with 0 retries (Camunda's
    ConnectorInputException). `field` names the offending input (dotted path) when known."""

    java_type = "io.camunda.connector.api.error.ConnectorInputException"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        self.message = f"{field}: {message}" if field else message
        super().__init__(self.message)


class ConnectorError(Exception):
    """A failure with an error code, as Camunda's ConnectorException.

    `errorExpression` sees it as `error.code`, `error.message` and `error.variables`, so a
    template can turn it into a BPMN error; without a mapping the job fails with retries - 1.
    """

    java_type = "io.camunda.connector.api.error.ConnectorException"

    def __init__(
        self, code: str | None, message: str, variables: Mapping[str, JSON] | None = None
    ) -> None:
        self.code = code
        self.message = message
        self.variables = dict(variables) if variables is not None else None
        super().__init__(message)


class ConnectorRetryError(ConnectorError):
    """A failure that chooses its own retries and backoff (Camunda's ConnectorRetryException);
    None keeps the runtime's default (job retries - 1, the `retryBackoff` header)."""

    java_type = "io.camunda.connector.api.error.ConnectorRetryException"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        retries: int | None = None,
        backoff: timedelta | None = None,
        variables: Mapping[str, JSON] | None = None,
    ) -> None:
        super().__init__(code, message, variables)
        self.retries = retries
        self.backoff = backoff


class EgressDenied(ConnectorInputError):
    """A connector asked to reach a host that a secret in its input may not be sent to."""


class InputBindingError(ConnectorInputError):
    """The job's variables do not fit the connector's input model (Camunda's "Found constraints
    violated while validating input"). Its message names fields, never their values: the
    variables hold the secrets' values by then."""

    # read by the hub's runtime: this message may be shown to whoever sees the run
    names_no_value = True


__all__ = [
    "ConnectorError",
    "ConnectorInputError",
    "ConnectorRetryError",
    "EgressDenied",
    "InputBindingError",
]
