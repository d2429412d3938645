"""`io.camunda:http-polling:1`, Camunda's HTTP polling connector, for every version of its
intermediate catch event and boundary event templates (docs/http-connectors.md, "HTTP polling").

Follows HttpPollingConnector, ProcessInstancesFetcherTask and HttpRequestTask: every
`processPollingInterval` the list of element instances waiting at the element is refreshed
(`context.active_instances()`, Camunda 8.8+'s REST API); each of them is polled every
`httpRequestInterval` with the request its properties give once their FEEL is evaluated on that
instance's variables; the response (the REST connector's result: status, headers, body) is
correlated with the message id element id + element instance key, as Camunda's
DefaultProcessInstanceContext does, so the element's activation condition, correlation key and
result expression apply. A failed request is logged and polled again at the next interval.
The request is the REST connector's (`rest.py`): the same authentication, body rules and network
door; there is no second HTTP client.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from connectorhub_sdk import ConnectorError, ConnectorInputError
from connectorhub_sdk.inbound import ActiveInstance, Health, InboundContext, consumer
from connectorhub_sdk.inbound_testing import unflatten
from connectorhub_sdk.javatext import parse_duration
from connectorhub_sdk.types import FeelText
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from .rest import RestInput, rest

TYPE = "io.camunda:http-polling:1"
# the properties that build the request (PollingRuntimeProperties); the others (activation
# condition, correlation key, result expression) belong to correlation, not to the request
REQUEST_KEYS = (
    "method", "url", "queryParameters", "headers", "body", "authentication",
    "authenticationConfiguration", "connectionTimeoutInSeconds", "readTimeoutInSeconds",
    "followRedirects", "skipEncoding",
)  # fmt: skip


def _duration(value: Any, default: str) -> timedelta:
    text = (value or default).strip() if isinstance(value, str) or value is None else value
    try:
        duration = parse_duration(str(text))
    except ValueError:
        raise ValueError(f"'{text}' is not an ISO-8601 duration (PT30S)") from None
    if duration.total_seconds() <= 0:
        raise ValueError(f"'{text}' must be longer than zero")
    return duration


class PollingInput(BaseModel):
    """The element's intervals (PollingActivationProperties); the request is bound per
    instance (`request_for`)."""

    model_config = ConfigDict(extra="ignore")
    httpRequestInterval: FeelText | None = None
    processPollingInterval: FeelText | None = None

    @field_validator("httpRequestInterval")
    @classmethod
    def _request_interval(cls, value: str | None) -> str | None:
        _duration(value, "PT50S")
        return value

    @field_validator("processPollingInterval")
    @classmethod
    def _process_interval(cls, value: str | None) -> str | None:
        _duration(value, "PT5S")
        return value

    @property
    def request_interval(self) -> float:
        return _duration(self.httpRequestInterval, "PT50S").total_seconds()

    @property
    def process_interval(self) -> float:
        return _duration(self.processPollingInterval, "PT5S").total_seconds()


def request_for(context: InboundContext, instance: ActiveInstance) -> RestInput:
    """The REST request of INSTANCE: each request property that is a FEEL expression (`=...`)
    evaluated on the instance's variables (Camunda's ProcessInstanceContext.bind); ValueError
    naming the property that cannot be evaluated or bound."""
    flat: dict[str, Any] = {}
    for name, value in context.properties.items():
        if name.split(".", 1)[0] not in REQUEST_KEYS:
            continue
        if isinstance(value, str) and value.strip().startswith("="):
            try:
                value = context.evaluate(value, instance.variables)
            except ValueError as exc:
                raise ValueError(f"property '{name}': {exc}") from None
        flat[name] = value
    try:
        return RestInput.model_validate(unflatten(flat))
    except ValidationError as exc:
        raise ValueError(f"the request properties do not fit: {exc}") from None


def poll_once(context: InboundContext, instance: ActiveInstance) -> bool:
    """One request for INSTANCE and its correlation; True when the engine took it. A failed
    request is logged (Camunda's HttpRequestTask) and does not stop the poller."""
    try:
        data = request_for(context, instance)
    except ValueError as exc:
        context.log(f"Error binding properties for HTTP request: {exc}", severity="ERROR")
        return False
    try:
        response = rest.function(data, context.connection)
    except (ConnectorError, ConnectorInputError) as exc:
        code = f" ({exc.code})" if isinstance(exc, ConnectorError) else ""
        context.log(f"Error executing http request: {data.url}{code}: {exc}", severity="ERROR")
        return False
    result = context.correlate(response, message_id=instance.message_id)
    context.log(f"Polled url: {data.url}", tag=data.method)
    return result.success


class Poller:
    """The instances being polled and when each is due (monotonic seconds)."""

    def __init__(self, context: InboundContext, data: PollingInput) -> None:
        self.context = context
        self.data = data
        self.instances: dict[int, ActiveInstance] = {}
        self.due: dict[int, float] = {}
        self.done: set[int] = set()  # correlated; the engine closes them meanwhile
        self.next_refresh = 0.0

    def refresh(self) -> None:
        """ProcessInstancesFetcherTask: new instances are due now, gone ones are dropped."""
        try:
            found = {i.element_instance_key: i for i in self.context.active_instances()}
        except RuntimeError as exc:
            self.context.report_health(Health.DOWN, str(exc))
            found = {}
        else:
            self.context.report_health(Health.UP, f"process instances: {len(found)}")
        now = time.monotonic()
        self.instances = {k: i for k, i in found.items() if k not in self.done}
        self.due = {k: self.due.get(k, now) for k in self.instances}
        self.done &= set(found)
        self.next_refresh = now + self.data.process_interval

    def step(self) -> float:
        """Refresh and poll what is due; the seconds until something is due again."""
        if time.monotonic() >= self.next_refresh:
            self.refresh()
        for key, instance in list(self.instances.items()):
            if self.context.stopping.is_set():
                break
            if self.due[key] > time.monotonic():
                continue
            if poll_once(self.context, instance):
                self.done.add(key)
                del self.instances[key], self.due[key]
            else:
                self.due[key] = time.monotonic() + self.data.request_interval
        wake = min([self.next_refresh, *self.due.values()])
        return max(wake - time.monotonic(), 0.0)


@consumer(
    type=TYPE,
    name="HTTP Polling Connector",
    input=PollingInput,
    description="Poll a URL for each waiting process instance until a condition holds.",
)
def poll(data: PollingInput, context: InboundContext) -> None:
    poller = Poller(context, data)
    while not context.stopping.is_set():
        context.stopping.wait(poller.step())
