"""What a run leaves behind for its page: log records and exchanges, masked and kept in size.

Camunda keeps none of this (its runtime logs to its own log); the nearest counterpart is the
masking of `io.camunda.connector.runtime.core.secret.SecretFilter`. Log records go to the run's
trace and on to the worker's log; exchanges are stored with their bodies cut at
MAX_TRACE_BODY_CHARS.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from connectorhub_sdk import Exchange

from connectors.secrets import Redactor

MAX_TRACE_BODY_CHARS = 65_536  # HTTP bodies kept in a run's trace
MAX_TRACE_LOG_RECORDS = 500


def _fields(exchange: Exchange) -> dict[str, Any]:
    """exchange.as_dict() without dataclasses.asdict's deep copy, which cost more than the rest
    of the trace: dicts (headers) are copied one level, everything else is text or a number."""
    stored = {}
    for name in _field_names(type(exchange)):
        value = getattr(exchange, name)
        kind = type(value)
        if kind is dict or kind is list:
            value = value.copy()
        elif isinstance(value, dict | list):
            value = copy.copy(value)
        stored[name] = value
    return stored


_FIELD_NAMES: dict[type[Exchange], tuple[str, ...]] = {}


def _field_names(cls: type[Exchange]) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _stored_exchange(exchange: dict[str, Any], redact: Callable[[Any], Any]) -> dict[str, Any]:
    stored = redact(exchange)
    for key in ("request_body", "response_body"):
        body = stored.get(key)
        if isinstance(body, str) and len(body) > MAX_TRACE_BODY_CHARS:
            stored[key] = body[:MAX_TRACE_BODY_CHARS]
            stored[f"{key}_truncated"] = len(body)
    result: dict[str, Any] = stored
    return result


# --------------------------------------------------------------------------------------------
# Captured logs
# --------------------------------------------------------------------------------------------


class LogCapture(logging.Handler):
    """Keeps a run's log records (masked) and forwards them to the worker's log.

    `logger` is a private logger per run (not from getLogger, so it is not kept forever) with
    this handler, and nothing else, behind it."""

    def __init__(self, job_type: str, redactor: Redactor) -> None:
        super().__init__(logging.DEBUG)
        self.redactor = redactor
        self.records: list[dict[str, Any]] = []
        self.logger = logging.Logger(f"connectorhub.connectors.{job_type}", logging.DEBUG)
        self.logger.propagate = False
        self.logger.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = self.redactor.redact_text(record.getMessage())
        except Exception:  # a bad format string must not break the run
            message = self.redactor.redact_text(str(record.msg))
        if record.exc_info and record.exc_info[1] is not None:
            message += "\n" + self.redactor.redact_exception(record.exc_info[1])
        if len(self.records) < MAX_TRACE_LOG_RECORDS:
            self.records.append(
                {"time": record.created, "level": record.levelname, "message": message}
            )
        # the worker's logger, looked up only when there is something to forward
        logging.getLogger(self.logger.name).log(record.levelno, "%s", message)
