"""Inbound connectors: what starts or continues a process from outside (a webhook, a queue
consumer, a poller), the mirror image of `@connector`.

The hub's inbound runtime finds the inbound elements of deployed processes, binds each element's
`inbound.*` properties to the connector's input model and runs it with an `InboundContext`:

- a consumer (`@consumer`) is a function that loops until `context.stopping` is set, on a thread
  the runtime gives it; it hands each message to `context.correlate(...)` and acknowledges,
  commits or deletes the message only when the result says so (`CorrelationResult.acknowledge`);
- a webhook (`@webhook`) is a function the runtime calls for each HTTP request to the element's
  endpoint; it checks the request, correlates, and returns the HTTP answer (`WebhookResponse`).

The facts follow Camunda's inbound API (io.camunda.connector.api.inbound):
InboundConnectorExecutable, InboundConnectorContext (bindProperties, correlate, canActivate,
reportHealth, log), CorrelationResult with its Success/Failure cases and
CorrelationFailureHandlingStrategy (forward the error upstream, retryable or not, or ignore it and
consume the message), and WebhookConnectorExecutable (triggerWebhook, verify).
"""

from __future__ import annotations

import builtins
import enum
import logging
import threading
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from pydantic import BaseModel

from .context import JSON

if TYPE_CHECKING:
    from .context import ConnectorContext
    from .documents import Documents
    from .network import Network

Model = TypeVar("Model", bound=BaseModel)


class CorrelationOutcome(enum.StrEnum):
    """What became of one correlation (Camunda's CorrelationResult cases)."""

    PROCESS_INSTANCE_CREATED = "PROCESS_INSTANCE_CREATED"  # a start event
    MESSAGE_PUBLISHED = "MESSAGE_PUBLISHED"  # a message element: published or correlated
    MESSAGE_ALREADY_CORRELATED = "MESSAGE_ALREADY_CORRELATED"  # its message id was seen
    ACTIVATION_CONDITION_NOT_MET = "ACTIVATION_CONDITION_NOT_MET"
    INVALID_INPUT = "INVALID_INPUT"  # e.g. the correlation key expression failed
    ENGINE_ERROR = "ENGINE_ERROR"  # the engine refused it or could not be reached
    OTHER = "OTHER"


SUCCESSES = frozenset(
    {
        CorrelationOutcome.PROCESS_INSTANCE_CREATED,
        CorrelationOutcome.MESSAGE_PUBLISHED,
        CorrelationOutcome.MESSAGE_ALREADY_CORRELATED,
    }
)


@dataclass(frozen=True)
class CorrelationResult:
    """The answer of `InboundContext.correlate`.

    `acknowledge`: the source may now consume the message (ack, commit, delete): true for a
    success, a duplicate, and an unmatched message the element consumes
    (`consumeUnmatchedEvents`); false leaves it for redelivery. `retryable`: a failure worth
    redelivering (the engine was unreachable), as opposed to one that will fail again.
    """

    outcome: CorrelationOutcome
    acknowledge: bool
    retryable: bool = False
    message: str = ""
    process_instance_key: int | None = None
    message_key: int | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)  # what the process received

    @property
    def success(self) -> bool:
        return self.outcome in SUCCESSES


@dataclass(frozen=True)
class ActiveInstance:
    """One element instance waiting at the connector's element (Camunda's
    ProcessInstanceContext): its keys and its process instance's variables. A poller builds its
    request from `variables` and correlates with `message_id` (the element id and the element
    instance key, as Camunda's DefaultProcessInstanceContext does)."""

    element_instance_key: int
    process_instance_key: int
    element_id: str
    variables: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message_id(self) -> str:
        return f"{self.element_id}{self.element_instance_key}"


class Health(enum.StrEnum):
    UP = "UP"
    DOWN = "DOWN"
    UNKNOWN = "UNKNOWN"


@typing.runtime_checkable
class InboundContext(typing.Protocol):
    """What the runtime hands an inbound connector (Camunda's InboundConnectorContext).

    - `properties`: the element's `inbound.*` properties by their key (secrets filled in);
    - `deduplication_id`: the id the elements sharing this executable have in common (Camunda's
      deduplicationId), stable across restarts and process versions (a Kafka group id is
      derived from it);
      `bind(Model)` validates them into the connector's input model;
    - `correlate(variables, message_id=...)`: evaluates the element's activation condition,
      correlation key, message id and result expressions on VARIABLES and starts or continues
      the process; never raises for an engine failure, it says so in the result;
    - `can_activate(variables)`: only the activation condition (for sources that filter early);
    - `evaluate(expression, variables)`: a FEEL expression of the element (a leading `=` is
      optional) on VARIABLES, for a connector's own expressions (a webhook's response or
      verification expression); raises ValueError with the reason;
    - `report_health(health, message)`: shown on the Inbound page (DOWN with its reason);
    - `log(message, ...)`: one line of the element's activity log (redacted by the runtime);
    - `stopping`: set when the element is deactivated; a consumer's loop ends when it is;
    - `network`, `documents`, `logger`: as a `ConnectorContext` has them;
    - `connection`: the `ConnectorContext` outbound code runs with (the same network door,
      egress rules and redaction), for a poller that reuses an outbound connector's request code;
    - `active_instances()`: the element instances waiting at the elements (a poller's targets,
      Camunda's getProcessInstanceContexts); raises RuntimeError with the reason when the
      engine cannot list them (it needs Camunda 8.8+'s REST API).
    """

    @property
    def properties(self) -> Mapping[str, Any]: ...

    @property
    def deduplication_id(self) -> str: ...

    @property
    def stopping(self) -> threading.Event: ...

    @property
    def network(self) -> Network: ...

    @property
    def documents(self) -> Documents: ...

    @property
    def logger(self) -> logging.Logger: ...

    @property
    def connection(self) -> ConnectorContext: ...

    def active_instances(self) -> list[ActiveInstance]: ...

    def bind(self, model: builtins.type[Model]) -> Model: ...

    def correlate(self, variables: JSON, *, message_id: str | None = None) -> CorrelationResult: ...

    def can_activate(self, variables: JSON) -> bool: ...

    def evaluate(self, expression: str, variables: Mapping[str, Any]) -> Any: ...

    def report_health(self, health: Health, message: str = "") -> None: ...

    def log(self, message: str, *, severity: str = "INFO", tag: str = "") -> None: ...


@dataclass(frozen=True)
class WebhookRequest:
    """One HTTP request to a webhook element's endpoint (Camunda's WebhookProcessingPayload).
    `headers` keys are lower-case; `query` keeps the first value of each parameter."""

    method: str
    path: str
    headers: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes
    remote_address: str = ""
    # the URL the caller used, without the query (Camunda's requestURL): what HMAC's URL scopes
    # sign; empty when the runtime does not know it (then `path` stands in)
    url: str = ""


@dataclass(frozen=True)
class WebhookResponse:
    """The HTTP answer the caller gets (Camunda's WebhookHttpResponse)."""

    status: int = 200
    body: JSON = None
    headers: Mapping[str, str] = field(default_factory=dict)


ConsumerFunction: TypeAlias = Callable[[Any, InboundContext], None]
WebhookFunction: TypeAlias = Callable[[Any, WebhookRequest, InboundContext], WebhookResponse]


@dataclass(frozen=True)
class InboundConnector:
    """An inbound connector: its `inbound.type`, name, input model and function; `kind` says
    how the runtime runs it ("consumer": on its own thread until stopped; "webhook": once per
    request to the element's endpoint)."""

    type: str
    name: str
    input: builtins.type[BaseModel]
    function: Callable[..., Any]
    kind: str
    description: str = ""

    def __post_init__(self) -> None:
        if not self.type or any(c.isspace() for c in self.type):
            raise ValueError(f"inbound type must be non-empty without spaces: {self.type!r}")
        if self.kind not in ("consumer", "webhook"):
            raise ValueError(f"inbound connector {self.type}: kind must be consumer or webhook")
        if not (isinstance(self.input, type) and issubclass(self.input, BaseModel)):
            raise TypeError(f"inbound connector {self.type}: input must be a pydantic model class")


def consumer(
    *, type: str, name: str, input: builtins.type[BaseModel], description: str = ""
) -> Callable[[ConsumerFunction], InboundConnector]:
    """Declare a consumer: `def consume(data: Model, context: InboundContext) -> None` that
    loops until `context.stopping` is set."""

    def wrap(function: ConsumerFunction) -> InboundConnector:
        return InboundConnector(type, name, input, function, "consumer", description)

    return wrap


def webhook(
    *, type: str, name: str, input: builtins.type[BaseModel], description: str = ""
) -> Callable[[WebhookFunction], InboundConnector]:
    """Declare a webhook: `def handle(data, request, context) -> WebhookResponse`."""

    def wrap(function: WebhookFunction) -> InboundConnector:
        return InboundConnector(type, name, input, function, "webhook", description)

    return wrap


__all__ = [
    "ActiveInstance",
    "ConsumerFunction",
    "CorrelationOutcome",
    "CorrelationResult",
    "Health",
    "InboundConnector",
    "InboundContext",
    "WebhookFunction",
    "WebhookRequest",
    "WebhookResponse",
    "consumer",
    "webhook",
]
