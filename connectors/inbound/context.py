"""The `InboundContext` an inbound connector runs with (Camunda's InboundConnectorContextImpl).

Built per executable (the elements of one deduplication id) by `activate`, which resolves the
secret references in the element's properties with the hub's providers (database, then
environment), so that a missing secret fails activation with its name and never its value.
Connections go through the network door with the worker's egress policy and the per-secret
host rules; the activity log and the health the connector reports are redacted with the
values of the secrets it was given.

The context is the one home of the activity log's write saving. Each correlation is one line
(its outcome, the engine's words, and the message id the connector gave, which says which
message it was); a consumer's helper (connectors/builtin/consuming.py) writes no line of its own
for an accepted message, so a message costs one line, not two. A consumer's routine lines (an
instance created, a message published: the outcomes it has by the thousand) are held and
written together by a timer at most ACTIVITY_BATCH_SECONDS later: one INSERT and one trim per
batch instead of per message, and a quiet consumer's message still shows within a second.
Everything else (an unmatched event, a duplicate, a refusal, a failure, health, `log`) is
written at once, after the held lines, so the log keeps the order things happened in; the
runtime flushes what is held when a consumer stops (connectors/inbound/consumers.py). Camunda
keeps its activity log in memory (ActivityLogWriter), where a line costs nothing; ours is a
database table.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from connectorhub_sdk.context import JSON, ConnectorContext
from connectorhub_sdk.documents import Documents
from connectorhub_sdk.inbound import (
    ActiveInstance,
    CorrelationOutcome,
    CorrelationResult,
    Health,
    InboundConnector,
)
from connectorhub_sdk.inbound_testing import unflatten
from connectorhub_sdk.network import Network
from django.db import DatabaseError
from django.db import connection as db_connection
from pydantic import BaseModel, ValidationError

from connectors.documents.store import HubDocumentStore
from connectors.inbound import activity
from connectors.inbound import correlation as correlating
from connectors.inbound.correlation import ActiveElement
from connectors.inbound.engine import EngineNotConfigured, engine_call
from connectors.inbound.models import InboundElement
from connectors.network.allowlist import policy_from_settings
from connectors.runtime.secret_rules import egress_rule
from connectors.secrets import Redactor, SecretError, resolve_references
from connectors.secrets.store import default_provider, host_rules_for, record_secret_use
from connectors.zeebe.client import ElementInstance
from connectors.zeebe.jobs import CommandRejected

NEEDS_REST = "listing waiting process instances needs Camunda 8.8+'s REST API"
# A consumer's accepted correlations are written to the activity log together, at most this
# long after they happened: one INSERT and one trim per batch instead of per message, which
# was a third of a RabbitMQ consumer's time per message (docs/performance.md)
ACTIVITY_BATCH_SECONDS = 0.5

Model = TypeVar("Model", bound=BaseModel)


# the outcomes a busy consumer has by the thousand: their lines may wait for the next batch (and
# are lost if the process is killed meanwhile); an unmatched event, a duplicate, a refusal is
# written at once, so that an operator sees it even after a crash
ROUTINE = frozenset(
    {CorrelationOutcome.PROCESS_INSTANCE_CREATED, CorrelationOutcome.MESSAGE_PUBLISHED}
)


class ActivationFailed(Exception):
    """The executable cannot run; the message is redacted and says why."""


@dataclass
class HubInboundContext:
    """One executable's context. `correlations`, when a list, keeps what this context
    correlated: a webhook request's own copy has one (the endpoint reads it to make sure an
    event that was not taken is not answered 2xx); an executable's context lives as long as
    its consumer, so it keeps none."""

    connector: InboundConnector
    elements: Sequence[ActiveElement]
    resolved: Mapping[str, Any]
    redactor: Redactor
    connection: ConnectorContext
    stopping: threading.Event = field(default_factory=threading.Event)
    correlations: list[CorrelationResult] | None = None
    pending: list[activity.Line] = field(default_factory=list)  # a consumer's, not written yet
    pending_lock: threading.Lock = field(default_factory=threading.Lock)
    # one writer at a time: the timer's batch and a line written at once keep their order
    writing: threading.RLock = field(default_factory=threading.RLock)

    @property
    def properties(self) -> Mapping[str, Any]:
        return self.resolved

    @property
    def deduplication_id(self) -> str:
        """The id the elements of this executable share (Camunda's deduplicationId)."""
        return self.elements[0].deduplication_id if self.elements else ""

    @property
    def network(self) -> Network:
        return self.connection.network

    @property
    def documents(self) -> Documents:
        return self.connection.documents

    @property
    def logger(self) -> logging.Logger:
        return logging.getLogger(f"connectorhub.inbound.{self.connector.type}")

    def active_instances(self) -> list[ActiveInstance]:
        """The instances waiting at these elements, each with its process instance's
        variables (Camunda's InboundIntermediateConnectorContextImpl): element instance search
        by process definition key and element id, then a variable search per instance."""
        targets = InboundElement.objects.filter(pk__in=[e.pk for e in self.elements])
        pairs = list(targets.values_list("process__process_definition_key", "element_id"))
        try:
            return [instance for key, element_id in pairs for instance in _waiting(key, element_id)]
        except EngineNotConfigured as exc:
            raise RuntimeError(f"{NEEDS_REST}: {exc}") from None
        except CommandRejected as exc:
            raise RuntimeError(f"{NEEDS_REST}; the engine answered: {exc}") from None

    def bind(self, model: type[Model]) -> Model:
        try:
            return model.model_validate(unflatten(self.resolved))
        except ValidationError as exc:
            # pydantic quotes the input, which may hold a secret's value
            raise ValueError(self.redactor.redact_text(str(exc))) from None

    def correlate(self, variables: JSON, *, message_id: str | None = None) -> CorrelationResult:
        done = correlating.correlate(self.elements, variables, message_id)
        if self.correlations is not None:
            self.correlations.append(done.result)
        target = done.element or self.elements[0]
        severity = "INFO" if done.result.acknowledge else "WARNING"
        text = _correlation_text(done.result, message_id)
        line = activity.Line(
            target.pk, self.redactor.redact_text(text), severity, "correlation", done.result.outcome
        )
        if done.result.outcome in ROUTINE and self.connector.kind == "consumer":
            self._hold(line)
        else:
            self._write(line)
        return done.result

    def _hold(self, line: activity.Line) -> None:
        """LINE into the next batch; the first line of a batch sets the timer that writes it."""
        with self.pending_lock:
            self.pending.append(line)
            first = len(self.pending) == 1
        if first:
            timer = threading.Timer(ACTIVITY_BATCH_SECONDS, self._flush_from_timer)
            timer.daemon = True
            timer.start()

    def flush_activity(self) -> None:
        """Write the held lines now (a line written at once first, the runtime when the
        consumer stops)."""
        with self.writing:
            with self.pending_lock:
                lines, self.pending = self.pending, []
            if lines:
                activity.record_many(lines)

    def _flush_from_timer(self) -> None:
        try:
            self.flush_activity()
        except DatabaseError:  # the elements were removed meanwhile: their log went with them
            logging.getLogger(__name__).debug("activity lines dropped", exc_info=True)
        finally:
            db_connection.close()  # the timer thread's own connection

    def _write(self, line: activity.Line) -> None:
        """LINE now, after the held ones (the log keeps the order things happened in)."""
        with self.writing:
            self.flush_activity()
            activity.record_many([line])

    def can_activate(self, variables: JSON) -> bool:
        try:
            return any(correlating.can_activate(e, variables) for e in self.elements)
        except ValueError:
            return False

    def evaluate(self, expression: str, variables: Mapping[str, Any]) -> Any:
        return correlating.evaluate(expression, variables)

    def report_health(self, health: Health, message: str = "") -> None:
        reason = self.redactor.redact_text(message)
        pks = [e.pk for e in self.elements]
        activity.set_health(pks, up=health != Health.DOWN, reason=reason)
        if health == Health.DOWN:
            self._write(activity.Line(pks[0], f"DOWN: {reason}", "ERROR", "health"))

    def log(self, message: str, *, severity: str = "INFO", tag: str = "") -> None:
        text = self.redactor.redact_text(message)
        self._write(activity.Line(self.elements[0].pk, text, severity, tag))


def _correlation_text(result: CorrelationResult, message_id: str | None) -> str:
    """The outcome, the engine's words, and the message id that says which message it was
    (left out when the engine's words quote it already: a duplicate, points.publish)."""
    text = f"{result.outcome}: {result.message}".rstrip(": ")
    if message_id and f"'{message_id}'" not in text:
        text += f" (message id {message_id})"
    return text


def names_message(text: str, message_id: str) -> bool:
    """Whether a correlation line's TEXT (as `_correlation_text` writes it, redacted) is about
    the message MESSAGE_ID."""
    return text.endswith(f"(message id {message_id})") or f"'{message_id}'" in text


def _waiting(definition_key: int, element_id: str) -> list[ActiveInstance]:
    found = engine_call(lambda c: c.search_element_instances(definition_key, element_id))
    return [
        ActiveInstance(i.element_instance_key, i.process_instance_key, i.element_id, _variables(i))
        for i in found
    ]


def _variables(instance: ElementInstance) -> dict[str, Any]:
    return engine_call(lambda c: c.search_variables(instance.process_instance_key))


def activate(
    connector: InboundConnector, elements: Sequence[ActiveElement], *, audit: bool = False
) -> HubInboundContext:
    """The context of ELEMENTS (one deduplication id) for CONNECTOR, its properties bound to
    the connector's input once: ActivationFailed (redacted) when they cannot be. AUDIT records
    the secrets' use as a live one (a webhook or consumer about to run; the lifecycle's checks
    are not uses)."""
    raw = dict(elements[0].properties)
    provider = default_provider()
    try:
        resolved = resolve_references(raw, provider)
    except SecretError as exc:
        raise ActivationFailed(str(exc)) from None  # names the secret, never a value
    if audit:
        where = f"inbound {elements[0].process_id}/{elements[0].element_id}"
        record_secret_use(resolved.used, "", source="live", job_type=connector.type, detail=where)
    redactor = Redactor(resolved.used.values())
    connection = ConnectorContext(
        job_type=connector.type,
        logger=logging.getLogger(f"connectorhub.inbound.{connector.type}"),
        egress_rule=egress_rule(resolved.used, host_rules_for(provider), provider, typed=raw),
        address_policy=policy_from_settings("worker"),
        redact=redactor.redact_text,
        document_store=HubDocumentStore(),
    )
    context = HubInboundContext(connector, list(elements), resolved.value, redactor, connection)
    try:
        context.bind(connector.input)
    except ValueError as exc:
        raise ActivationFailed(
            f"the element's properties do not fit {connector.type}: {exc}"
        ) from None
    return context
