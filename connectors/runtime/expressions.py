"""Result and error expressions: the output variables, and the verdict of `errorExpression`.

Follows `io.camunda.connector.runtime.core.ConnectorResultHandler` (`createOutputVariables`,
`examineErrorExpression`, `verifyNoForbiddenLiterals`, the createDocument() evaluation scope
around each expression), `ErrorExpressionJobContext`, the
`io.camunda.connector.runtime.core.error.ConnectorError` subtypes a verdict is read as
(`BpmnError`, `JobError`, `IgnoreError`) and `InlineSizeGuard` for the output size.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from connectorhub_sdk import JSON, ConnectorInputError
from connectorhub_sdk.documents import DocumentStore
from connectorhub_sdk.javatext import parse_duration, scalar_text

from connectors import feel
from connectors.feel.connector_functions import (
    CREATE_DOCUMENT,
    DocumentNonce,
    create_document_function,
)

from .errors import ExpressionError
from .headers import ERROR_EXPRESSION, RESULT_EXPRESSION, RESULT_VARIABLE
from .result_documents import resolve_documents
from .values import dumps, json_kind

MAX_OUTPUT_BYTES = 1_572_864  # Camunda's InlineSizeGuard: 1.5 MiB of output variables
# A call that used its whole time limit still leaves its expressions this long (seconds), so
# that a slow but successful call is not failed by a result expression given no time at all.
EXPRESSION_TIME_FLOOR = 1.0

FEEL_LOG = logging.getLogger("connectorhub.feel")
# Camunda refuses its intrinsic-function marker in what either expression gives
# (ConnectorResultHandler.FORBIDDEN_LITERALS); connectorResultFunction is not refused.
_FORBIDDEN_LITERAL = "camunda.function.type"


def output_variables(
    response: JSON,
    headers: Mapping[str, str],
    log: logging.Logger,
    time_limit: float | None,
    documents: DocumentStore | None = None,
) -> dict[str, Any]:
    """resultVariable stores the whole response; resultExpression's entries are merged in.
    DOCUMENTS is where the expression's createDocument() calls are stored."""
    output: dict[str, Any] = {}
    name = headers.get(RESULT_VARIABLE)
    if name is not None and name.strip():
        output[name] = response
    expression = headers.get(RESULT_EXPRESSION)
    mapped: JSON = None
    if expression is not None and expression.strip():
        nonce = DocumentNonce()
        mapped = _evaluate(expression, _feel_context(response), log, time_limit, nonce)
        if mapped is not None:
            if not isinstance(mapped, dict):
                raise ConnectorInputError(
                    f"Failed to evaluate expression '{expression}'. Reason: Result expression "
                    f"must return a JSON object, but got {json_kind(mapped)}. Evaluated value: "
                    f"{dumps(mapped)}"
                )
            if nonce.used:
                # refused before anything is stored, as ConnectorResultHandler orders it
                _refuse_forbidden_literal(dumps(mapped))
                mapped = _with_documents(mapped, nonce, documents, "Result expression", expression)
            output.update(mapped)
    # the output is serialised once, for its size; every entry of MAPPED is in it, so MAPPED
    # alone (the response under resultVariable may hold the literal) is serialised on a hit only
    text = dumps(output) if output else ""
    if mapped is not None and _FORBIDDEN_LITERAL in text:
        _refuse_forbidden_literal(dumps(mapped))
    if len(text.encode()) > MAX_OUTPUT_BYTES:
        raise ConnectorInputError(
            f"The output variables are larger than {MAX_OUTPUT_BYTES} bytes; map only what the "
            "process needs with a result expression"
        )
    return output


def examine_error_expression(
    headers: Mapping[str, str],
    value: JSON,
    *,
    retries: int,
    log: logging.Logger,
    time_limit: float | None,
    seen: dict[str, Any],
    documents: DocumentStore | None = None,
) -> dict[str, Any] | None:
    """errorExpression's verdict on VALUE (the output or the error value), None for no error.
    SEEN receives the expression and its result for the trace; DOCUMENTS stores what its
    createDocument() calls make (for example a document in a BPMN error's variables)."""
    expression = headers.get(ERROR_EXPRESSION)
    if expression is None or not expression.strip():
        return None
    context = _feel_context(value)
    context["job"] = {"retries": retries}
    nonce = DocumentNonce()
    result = _evaluate(expression, context, log, time_limit, nonce)
    seen.update(expression=expression, result=result)
    if result is None:
        return None
    _refuse_forbidden_literal(dumps(result))
    if not isinstance(result, dict):
        raise ConnectorInputError(
            f"Failed to evaluate expression '{expression}'. Reason: Error expression must "
            f"return a JSON object, but got {json_kind(result)}. Evaluated value: "
            f"{dumps(result)}"
        )
    if not result:
        return None  # before documents are made: an empty result must not leave one behind
    verdict: dict[str, Any] = result
    if nonce.used:
        verdict = _with_documents(verdict, nonce, documents, "Error expression", expression)
        seen["result"] = verdict
    kind = verdict.get("errorType")
    if kind not in ("bpmnError", "jobError", "ignoreError"):
        raise ConnectorInputError(
            f"Failed to evaluate expression '{expression}'. Reason: Cannot parse "
            f"'{dumps(verdict)}' as 'io.camunda.connector.runtime.core.error.ConnectorError'."
        )
    if kind == "bpmnError" and verdict.get("errorCode") is None:
        return None  # a BPMN error without a code is no error (BpmnError.hasCode)
    return verdict


def _feel_context(value: JSON) -> dict[str, Any]:
    """The response's fields at top level (when it is an object), then `response` itself."""
    context: dict[str, Any] = dict(value) if isinstance(value, dict) else {}
    context["response"] = value
    return context


def _with_documents(
    value: dict[str, Any],
    nonce: DocumentNonce,
    documents: DocumentStore | None,
    what: str,
    expression: str,
) -> dict[str, Any]:
    """VALUE with its createDocument() results stored (ResultDocumentResolver)."""
    return resolve_documents(value, nonce.value, documents, what=what, expression=expression)


def _evaluate(
    expression: str,
    context: dict[str, Any],
    log: logging.Logger,
    time_limit: float | None,
    nonce: DocumentNonce,
) -> JSON:
    text = expression.strip()
    text = text[1:].strip() if text.startswith("=") else text
    warnings: list[feel.Problem] = []
    try:
        # as feel-scala does: a call no function accepts is null plus a warning, not a failure
        value = feel.to_json(
            feel.evaluate(
                text,
                context,
                functions={CREATE_DOCUMENT: create_document_function(nonce)},
                unknown_functions="null",
                warnings=warnings,
                time_limit=time_limit,
            )
        )
    except feel.FeelError as exc:
        raise ExpressionError(
            f"Failed to evaluate expression '{expression}'. Reason: {exc}"
        ) from None
    for problem in warnings:
        log.warning(
            "FEEL expression '%s', line %d, column %d: %s",
            expression, problem.line, problem.column, problem.message,
        )  # fmt: skip
    return value


def _refuse_forbidden_literal(text: str) -> None:
    if _FORBIDDEN_LITERAL in text:
        raise ConnectorInputError(
            f"Failed to evaluate expression '{_FORBIDDEN_LITERAL}'. Reason: The connector "
            f"result contains a forbidden literal '{_FORBIDDEN_LITERAL}'."
        )


def verdict_variables(verdict: dict[str, Any]) -> dict[str, Any]:
    variables = verdict.get("variables")
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise ConnectorInputError(
            f"Cannot parse '{dumps(verdict)}' as "
            "'io.camunda.connector.runtime.core.error.ConnectorError'."
        )
    return dict(variables)


def verdict_text(value: Any, key: str) -> str:
    text = optional_verdict_text(value, key)
    return "" if text is None else text


def optional_verdict_text(value: Any, key: str) -> str | None:
    """Jackson's coercion of a scalar to String (numbers and booleans are accepted)."""
    text = scalar_text(value)
    if text is None or isinstance(text, str):
        return text
    raise ConnectorInputError(f"'{key}' of the error expression result must be a string")


def verdict_backoff(value: Any) -> timedelta | None:
    """jobError's retryBackoff: a FEEL duration arrives as ISO text (`PT30S`); Jackson also
    reads a bare number as seconds."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return parse_duration(value)
        except ValueError:
            raise ConnectorInputError(
                f"retryBackoff is not an ISO-8601 duration: {value}"
            ) from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    raise ConnectorInputError("retryBackoff of jobError must be a duration")
