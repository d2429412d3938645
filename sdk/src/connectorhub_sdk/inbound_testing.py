"""Run an inbound connector in a test without an engine (the inbound half of `testing`).

    context = InboundTestContext({"inbound.queue": "orders"})
    thread = threading.Thread(target=consume, args=(context.bind(consume.input), context))
    thread.start(); ...; context.stopping.set(); thread.join()
    assert [c.variables for c in context.correlations] == [...]

`correlate` records each call and answers with ANSWER (by default: published and acknowledged),
so a test can make the "engine" refuse, fail or ask for redelivery.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from connectorhub_sdk.context import JSON, ConnectorContext
from connectorhub_sdk.documents import Documents, DocumentStore, InMemoryDocumentStore
from connectorhub_sdk.exchanges import ExchangeRecorder
from connectorhub_sdk.inbound import ActiveInstance, CorrelationOutcome, CorrelationResult, Health
from connectorhub_sdk.network import Network
from connectorhub_sdk.testing import _egress_rule

Model = TypeVar("Model", bound=BaseModel)
Answer = Callable[[JSON, "str | None"], CorrelationResult]


@dataclass(frozen=True)
class Correlation:
    variables: JSON
    message_id: str | None
    result: CorrelationResult


def published(variables: JSON, message_id: str | None) -> CorrelationResult:
    """The default answer: the message was published and may be acknowledged."""
    return CorrelationResult(CorrelationOutcome.MESSAGE_PUBLISHED, acknowledge=True)


class InboundTestContext:
    """An `InboundContext` for tests: PROPERTIES as the element's `inbound.*` properties (dotted
    keys, secrets already filled in), ANSWER for each correlation, ACTIVATION for the
    activation condition (default: always), EVALUATE for FEEL (default: none, ValueError),
    ALLOW_HOSTS as in `run_connector`, INSTANCES as what `active_instances()` lists (a test may
    change `context.instances` meanwhile)."""

    def __init__(
        self,
        properties: Mapping[str, Any],
        *,
        answer: Answer = published,
        activation: Callable[[JSON], bool] | None = None,
        evaluate: Callable[[str, Mapping[str, Any]], Any] | None = None,
        documents: DocumentStore | None = None,
        allow_hosts: Collection[str] | None = None,
        inbound_type: str = "test:inbound:1",
        deduplication_id: str = "",
        instances: Collection[ActiveInstance] = (),
    ) -> None:
        self._properties = dict(properties)
        self._deduplication_id = deduplication_id
        self._answer = answer
        self._activation = activation
        self._evaluate = evaluate
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._connection = ConnectorContext(
            job_type=inbound_type,
            egress_rule=_egress_rule(allow_hosts),
            document_store=documents if documents is not None else InMemoryDocumentStore(),
        )
        self.instances: list[ActiveInstance] = list(instances)
        self.correlations: list[Correlation] = []
        self.health: tuple[Health, str] = (Health.UNKNOWN, "")
        self.activity: list[tuple[str, str]] = []  # (severity, message)

    @property
    def properties(self) -> Mapping[str, Any]:
        return self._properties

    @property
    def deduplication_id(self) -> str:
        return self._deduplication_id

    @property
    def stopping(self) -> threading.Event:
        return self._stopping

    @property
    def network(self) -> Network:
        return self._connection.network

    @property
    def documents(self) -> Documents:
        return self._connection.documents

    @property
    def exchanges(self) -> ExchangeRecorder:
        """What the connector recorded through `network.exchange` (a test reads them)."""
        return self._connection.exchanges

    @property
    def logger(self) -> logging.Logger:
        return logging.getLogger("connectorhub.sdk.inbound")

    @property
    def connection(self) -> ConnectorContext:
        return self._connection

    def active_instances(self) -> list[ActiveInstance]:
        with self._lock:
            return list(self.instances)

    def bind(self, model: type[Model]) -> Model:
        return model.model_validate(unflatten(self._properties))

    def correlate(self, variables: JSON, *, message_id: str | None = None) -> CorrelationResult:
        if not self.can_activate(variables):
            result = CorrelationResult(
                CorrelationOutcome.ACTIVATION_CONDITION_NOT_MET, acknowledge=False
            )
        else:
            result = self._answer(variables, message_id)
        with self._lock:
            self.correlations.append(Correlation(variables, message_id, result))
        return result

    def can_activate(self, variables: JSON) -> bool:
        return self._activation is None or self._activation(variables)

    def evaluate(self, expression: str, variables: Mapping[str, Any]) -> Any:
        if self._evaluate is None:
            raise ValueError("this test context evaluates no FEEL: pass evaluate=")
        return self._evaluate(expression, variables)

    def report_health(self, health: Health, message: str = "") -> None:
        self.health = (health, message)

    def log(self, message: str, *, severity: str = "INFO", tag: str = "") -> None:
        with self._lock:
            self.activity.append((severity, message))


def unflatten(properties: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted keys as nested objects (`inbound.auth.type` -> {"inbound": {"auth": {...}}}), as
    Camunda's bindProperties reads an element's properties."""
    nested: dict[str, Any] = {}
    for key, value in properties.items():
        *parents, last = key.split(".")
        node = nested
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ValueError(f"property {key}: {part} is both a value and a group")
            node = child
        node[last] = value
    return nested


__all__ = ["Correlation", "InboundTestContext", "published", "unflatten"]
