"""The FEEL functions Camunda's connectors runtime adds for result and error expressions.

Shapes follow camunda/connectors `connector-runtime/connector-feel` (FeelConnectorFunctionProvider
and the classes in its `function` package, 8.8 and later; before 8.8 the keys were `code` and
`message`). The runtime reads the returned context's `errorType` to pick a BPMN error, a job
failure or an ignored error; docs/feel.md lists the shapes.
"""

from __future__ import annotations

import random
import uuid
from decimal import Decimal
from typing import Any

from .errors import FeelEvaluationError
from .values import DayTimeDuration, FeelFunction

ERROR_TYPE = "errorType"
BPMN_ERROR = "bpmnError"
JOB_ERROR = "jobError"
IGNORE_ERROR = "ignoreError"
CREATE_DOCUMENT = "createDocument"
# key of the sentinel createDocument() returns (FeelConnectorFunctionProvider
# .RESULT_FUNCTION_TYPE_PROPERTY); Camunda does not refuse it in data, it only resolves a
# sentinel whose value is the current evaluation's nonce
RESULT_FUNCTION_TYPE = "connectorResultFunction"


def _string(value: Any, function: str, parameter: str) -> str:
    if isinstance(value, str):
        return value
    raise FeelEvaluationError(f"Parameter '{parameter}' of function '{function}' must be a String")


def _context(value: Any, function: str, parameter: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise FeelEvaluationError(f"Parameter '{parameter}' of function '{function}' must be a Context")


def _number(value: Any, function: str, parameter: str) -> Decimal:
    if type(value) is Decimal:
        return value
    raise FeelEvaluationError(f"Parameter '{parameter}' of function '{function}' must be a Number")


def _duration(value: Any, function: str, parameter: str) -> DayTimeDuration:
    if isinstance(value, DayTimeDuration):
        return value
    raise FeelEvaluationError(
        f"Parameter '{parameter}' of function '{function}' must be a day-time duration "
        '(e.g. duration("PT1S"))'
    )


def bpmn_error(error_code: Any, error_message: Any = None, variables: Any = None) -> Any:
    """`bpmnError(errorCode[, errorMessage[, variables]])`: throw a BPMN error."""
    result: dict[str, Any] = {
        ERROR_TYPE: BPMN_ERROR,
        "errorCode": _string(error_code, BPMN_ERROR, "errorCode"),
    }
    if error_message is not None or variables is not None:
        result["errorMessage"] = _string(error_message, BPMN_ERROR, "errorMessage")
    if variables is not None:
        result["variables"] = _context(variables, BPMN_ERROR, "variables")
    return result


def job_error(
    error_message: Any, variables: Any = None, retries: Any = None, retry_backoff: Any = None
) -> Any:
    """`jobError(errorMessage[, variables[, retries[, retryBackoff]]])`: fail the job."""
    # the Java runtime casts its arguments without checks; a wrong type fails the evaluation
    return {
        ERROR_TYPE: JOB_ERROR,
        "errorMessage": _string(error_message, JOB_ERROR, "errorMessage"),
        "variables": {} if variables is None else _context(variables, JOB_ERROR, "variables"),
        "retries": Decimal(0) if retries is None else _number(retries, JOB_ERROR, "retries"),
        "retryBackoff": DayTimeDuration(0)
        if retry_backoff is None
        else _duration(retry_backoff, JOB_ERROR, "retryBackoff"),
    }


def ignore_error(variables: Any = None) -> Any:
    """`ignoreError([variables])`: complete the job despite the error."""
    if variables is None:
        return {ERROR_TYPE: IGNORE_ERROR}
    return {ERROR_TYPE: IGNORE_ERROR, "variables": _context(variables, IGNORE_ERROR, "variables")}


class DocumentNonce:
    """One result or error expression evaluation's createDocument() tag, made on first use.

    Per evaluation, as FeelConnectorFunctionProvider.currentCreateDocumentNonce: an expression
    can read the tag back (`createDocument(x).connectorResultFunction`), so a tag that outlived
    its evaluation would let response data forge a document later."""

    __slots__ = ("_value",)

    def __init__(self) -> None:
        self._value: str | None = None

    @property
    def used(self) -> bool:
        return self._value is not None

    @property
    def value(self) -> str:
        if self._value is None:
            self._value = f"{CREATE_DOCUMENT}:{uuid.uuid4()}"
        return self._value


def create_document_function(nonce: DocumentNonce | None) -> FeelFunction:
    """`createDocument(value)` for one evaluation (Camunda's CreateDocumentFunction).

    It only tags VALUE with the evaluation's nonce; the runtime stores the document after the
    evaluation (connectors.runtime.result_documents), when it finds the tag in the result.
    Without a nonce it is only a signature for `check`; called anyway, it fails as Camunda's
    does outside an evaluation scope."""

    def create_document(value: Any) -> Any:
        if nonce is None:
            raise FeelEvaluationError(
                "createDocument() can only be used inside a result or error expression"
            )
        return {RESULT_FUNCTION_TYPE: nonce.value, "value": value}

    return FeelFunction(CREATE_DOCUMENT, ("value",), create_document)


_MIN_DELAY = DayTimeDuration(50_000)
_MAX_DELAY = DayTimeDuration(5_000_000)


def backoff(
    attempt: Any,
    min_delay: Any = None,
    factor: Any = None,
    max_delay: Any = None,
    jitter_factor: Any = None,
) -> Any:
    """`backoff(attempt[, minDelay[, factor[, maxDelay[, jitterFactor]]]])`: a retry delay.

    minDelay * factor^(attempt-1), clamped to [minDelay, maxDelay], +/- a random jitter share;
    the result is a days-and-time duration rounded to whole milliseconds.
    """
    tries = int(_number(attempt, "backoff", "attempt"))
    low = _MIN_DELAY if min_delay is None else _duration(min_delay, "backoff", "minDelay")
    grow = 1.6 if factor is None else float(_number(factor, "backoff", "factor"))
    high = _MAX_DELAY if max_delay is None else _duration(max_delay, "backoff", "maxDelay")
    jitter = 0.1 if jitter_factor is None else float(_number(jitter_factor, "backoff", "jitter"))
    if tries < 1:
        raise FeelEvaluationError(f"backoff(): 'attempt' must be >= 1, but was {tries}")
    if grow <= 0:
        raise FeelEvaluationError(f"backoff(): 'factor' must be > 0, but was {grow}")
    low_ms, high_ms = low.microseconds // 1000, high.microseconds // 1000
    if low_ms > high_ms:
        raise FeelEvaluationError(
            f"backoff(): 'minDelay' must be <= 'maxDelay', but {low_ms}ms > {high_ms}ms"
        )
    if jitter < 0:
        raise FeelEvaluationError(f"backoff(): 'jitterFactor' must be >= 0, but was {jitter}")
    try:
        raw = low_ms * grow ** (tries - 1)
    except OverflowError:
        raw = float("inf")
    clamped = max(low_ms, min(high_ms, raw))
    noise = random.uniform(-jitter * clamped, jitter * clamped) if jitter > 0 else 0.0  # noqa: S311
    return DayTimeDuration(max(0, round(clamped + noise)) * 1000)


def checked_only_functions() -> dict[str, FeelFunction]:
    """Functions `check` knows but an evaluation only has when its caller passes them:
    createDocument() exists in result and error expressions alone (the runtime binds it per
    evaluation); elsewhere, as in Zeebe's input mappings, it is an unknown function."""
    return {CREATE_DOCUMENT: create_document_function(None)}


def connector_functions() -> dict[str, FeelFunction]:
    """The connector runtime's functions, with the parameter names the Java runtime declares."""
    return {
        BPMN_ERROR: FeelFunction(
            BPMN_ERROR, ("errorCode", "errorMessage", "variables"), bpmn_error, required=1
        ),
        JOB_ERROR: FeelFunction(
            JOB_ERROR,
            ("errorMessage", "variables", "retries", "retryBackoff"),
            job_error,
            required=1,
        ),
        IGNORE_ERROR: FeelFunction(IGNORE_ERROR, ("variables",), ignore_error, required=0),
        "backoff": FeelFunction(
            "backoff",
            ("attempt", "minDelay", "factor", "maxDelay", "jitterFactor"),
            backoff,
            required=1,
        ),
    }
