"""Correlation: one inbound event into the engine (Camunda's InboundCorrelationHandler and
ActivationConditionEvaluator).

For the elements of one executable: the activation condition picks the element (none: the
event is unmatched and acknowledged only when an element says `consumeUnmatchedEvents`; more
than one: refused unless they are interchangeable message elements); the result variable and
result expression give the variables; the correlation key, message id and time to live come
from the element's expressions; what is sent to the engine, and the retries while it cannot be
reached, are in `points`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectorhub_sdk import ConnectorInputError
from connectorhub_sdk.context import JSON
from connectorhub_sdk.inbound import CorrelationOutcome, CorrelationResult
from connectorhub_sdk.javatext import parse_duration, scalar_text
from django.conf import settings

from connectors import feel
from connectors.inbound import keywords as kw
from connectors.inbound import points
from connectors.inbound.models import ElementKind, InboundElement
from connectors.runtime.expressions import output_variables

logger = logging.getLogger(__name__)
EXPRESSION_TIME_LIMIT = 5.0


@dataclass(frozen=True)
class ActiveElement:
    """What correlation needs of one element (its row may change meanwhile)."""

    pk: int
    process_id: str
    version: int
    element_id: str
    kind: str
    message_name: str
    properties: Mapping[str, str]
    deduplication_id: str = ""

    @classmethod
    def of(cls, row: InboundElement) -> ActiveElement:
        return cls(
            row.pk,
            row.process.process_id,
            row.process.version,
            row.element_id,
            row.kind,
            row.message_name,
            dict(row.properties),
            row.deduplication_id,
        )

    def get(self, name: str) -> str:
        return (self.properties.get(name) or "").strip()

    @property
    def activation_condition(self) -> str:
        return self.get(kw.ACTIVATION_CONDITION) or self.get(kw.DEPRECATED_ACTIVATION_CONDITION)

    @property
    def consume_unmatched(self) -> bool:
        return self.get(kw.CONSUME_UNMATCHED_EVENTS).lower() == "true"

    def interchangeable(self) -> tuple[str, ...]:
        """What must be equal for two matching message elements to be one target."""
        names = (kw.RESULT_EXPRESSION, kw.RESULT_VARIABLE, kw.CORRELATION_KEY_EXPRESSION,
                 kw.MESSAGE_ID_EXPRESSION, kw.MESSAGE_TTL)  # fmt: skip
        return (self.message_name, *(self.get(name) for name in names))


@dataclass(frozen=True)
class Correlated:
    """A correlation's result and the element it went to (None: no element matched)."""

    result: CorrelationResult
    element: ActiveElement | None


def evaluate(expression: str, variables: Any) -> Any:
    """A FEEL expression of an element (`=` optional) on VARIABLES, as JSON; ValueError."""
    text = expression.strip().removeprefix("=")
    context = variables if isinstance(variables, Mapping) else {}
    try:
        value = feel.evaluate(text, context, time_limit=EXPRESSION_TIME_LIMIT)
    except feel.FeelError as exc:
        raise ValueError(f"FEEL expression '{expression}' failed: {exc}") from None
    return feel.to_json(value)


def can_activate(element: ActiveElement, variables: JSON) -> bool:
    condition = element.activation_condition
    if not condition:
        return True
    return evaluate(condition, variables) is True


def correlate(
    elements: Sequence[ActiveElement],
    variables: JSON,
    message_id: str | None = None,
    *,
    send: Sink | None = None,
) -> Correlated:
    """The event VARIABLES for one of ELEMENTS. SEND takes what would go to the engine (the
    test console's dry run passes one that keeps it); by default it goes to the engine."""
    try:
        matching = [e for e in elements if can_activate(e, variables)]
    except ValueError as exc:
        return _failed(CorrelationOutcome.INVALID_INPUT, f"activation condition: {exc}")
    if not matching:
        consume = any(e.consume_unmatched for e in elements)
        result = CorrelationResult(
            CorrelationOutcome.ACTIVATION_CONDITION_NOT_MET,
            acknowledge=consume,
            message="the activation condition is not met"
            + (" (consumed: consumeUnmatchedEvents)" if consume else ""),
        )
        return Correlated(result, None)
    element = matching[0]
    if len(matching) > 1 and not _interchangeable(matching):
        ids = ", ".join(e.element_id for e in matching)
        return _failed(
            CorrelationOutcome.INVALID_INPUT,
            f"Multiple connectors are activated for the same input: {ids}",
            element,
        )
    return Correlated(_correlate_with(element, variables, message_id, send), element)


def _interchangeable(elements: Sequence[ActiveElement]) -> bool:
    catch = all(e.kind == ElementKind.INTERMEDIATE_CATCH for e in elements)
    return catch and len({e.interchangeable() for e in elements}) == 1


def _correlate_with(
    element: ActiveElement, variables: JSON, message_id: str | None, send: Sink | None = None
) -> CorrelationResult:
    try:
        delivery = deliver(element, variables, message_id)
    except (ValueError, ConnectorInputError) as exc:
        return CorrelationResult(
            CorrelationOutcome.INVALID_INPUT, acknowledge=False, message=str(exc)
        )
    return (send or to_engine)(delivery)


@dataclass(frozen=True)
class Delivery:
    """What one correlation sends to the engine: a new instance of the element's process (a
    none start event), or the element's message with its key, id and time to live."""

    element: ActiveElement
    variables: dict[str, Any]
    correlation_key: str = ""
    message_id: str = ""
    ttl_ms: int = 0
    # `synchronousResponse`: wait for the instance's result, or correlate (never buffer)
    synchronous: bool = False

    @property
    def starts_instance(self) -> bool:
        return self.element.kind == ElementKind.START_EVENT


Sink = Callable[[Delivery], CorrelationResult]


def deliver(element: ActiveElement, variables: JSON, message_id: str | None) -> Delivery:
    """The element's expressions on VARIABLES: what goes to the engine; ValueError or
    ConnectorInputError when one cannot be evaluated. A start event needs no message fields,
    nor does a synchronous correlation (it is never buffered, so has no id or time to live)."""
    synchronous = element.get(kw.SYNCHRONOUS_RESPONSE).lower() == "true"
    output = _output(element, variables)
    if element.kind == ElementKind.START_EVENT:
        return Delivery(element, output, synchronous=synchronous)
    key = _correlation_key(element, variables)
    if synchronous:
        return Delivery(element, output, key, synchronous=True)
    publish_id = _message_id(element, variables, message_id)
    return Delivery(element, output, key, publish_id, _ttl_ms(element))


def to_engine(delivery: Delivery) -> CorrelationResult:
    """DELIVERY to the configured engine, tried again while it cannot be reached."""
    element, output = delivery.element, delivery.variables
    if delivery.starts_instance:
        return points.start(element, output, synchronous=delivery.synchronous)
    if delivery.synchronous:
        return points.correlate(element, delivery.correlation_key, output)
    return points.publish(
        element, delivery.correlation_key, output, delivery.ttl_ms, delivery.message_id
    )


def _output(element: ActiveElement, variables: JSON) -> dict[str, Any]:
    headers = {
        name: element.properties[name]
        for name in (kw.RESULT_VARIABLE, kw.RESULT_EXPRESSION)
        if name in element.properties
    }
    if not headers:
        # Camunda's createOutputVariables: without either, the process receives nothing
        return {}
    return output_variables(variables, headers, logger, EXPRESSION_TIME_LIMIT)


def _correlation_key(element: ActiveElement, variables: JSON) -> str:
    expression = element.get(kw.CORRELATION_KEY_EXPRESSION)
    if not expression:
        return ""
    try:
        key = scalar_text(evaluate(expression, variables))
    except ValueError:
        key = None
    if isinstance(key, str):
        return key
    if element.kind == ElementKind.MESSAGE_START_EVENT:
        return ""  # a message start event needs no key
    raise ValueError(f"Wasn't able to obtain correlation key for expression {expression}")


def _message_id(element: ActiveElement, variables: JSON, given: str | None) -> str:
    expression = element.get(kw.MESSAGE_ID_EXPRESSION)
    if not expression:
        return given or ""
    try:
        value = scalar_text(evaluate(expression, variables))
    except ValueError as exc:
        raise ValueError(f"Message expression could not be evaluated: {expression}") from exc
    return value if isinstance(value, str) else ""


def _ttl_ms(element: ActiveElement) -> int:
    text = element.get(kw.MESSAGE_TTL)
    if not text:
        return settings.CONNECTORHUB_INBOUND_MESSAGE_TTL_SECONDS * 1000
    try:
        return int(parse_duration(text).total_seconds() * 1000)
    except ValueError:
        raise ValueError(f"messageTtl '{text}' is not an ISO-8601 duration (PT1H)") from None


def _failed(
    outcome: CorrelationOutcome, message: str, element: ActiveElement | None = None
) -> Correlated:
    return Correlated(CorrelationResult(outcome, acknowledge=False, message=message), element)
