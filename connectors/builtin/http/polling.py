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

Instances are polled concurrently, as Camunda schedules each instance's HttpRequestTask on its
own: at most MAX_IN_FLIGHT requests at a time per element (Camunda's SharedExecutorService runs
its polling tasks on a pool of 10 threads), so that a slow endpoint holds one slot and the
other instances' requests and correlations go on meanwhile.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import Any

from connectorhub_sdk import ConnectorError, ConnectorInputError
from connectorhub_sdk.exchanges import ExchangeRecorder
from connectorhub_sdk.inbound import ActiveInstance, Health, InboundContext, consumer
from connectorhub_sdk.inbound_testing import unflatten
from connectorhub_sdk.javatext import parse_duration
from connectorhub_sdk.types import FeelText
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from .rest import RestInput, rest

TYPE = "io.camunda:http-polling:1"
MAX_IN_FLIGHT = 10  # requests at a time per element: Camunda's SharedExecutorService pool size
STOP_CHECK_SECONDS = 0.1  # how often a wait for a running request looks at `context.stopping`
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
    # a recorder of its own: the context lives as long as the poller (months), and requests run
    # at once on several threads
    connection = replace(context.connection, exchanges=ExchangeRecorder())
    try:
        response = rest.function(data, connection)
    except (ConnectorError, ConnectorInputError) as exc:
        code = f" ({exc.code})" if isinstance(exc, ConnectorError) else ""
        context.log(f"Error executing http request: {data.url}{code}: {exc}", severity="ERROR")
        return False
    result = context.correlate(response, message_id=instance.message_id)
    context.log(f"Polled url: {data.url}", tag=data.method)
    return result.success


class Poller:
    """The instances being polled, when each is due (monotonic seconds) and the requests
    running for them (at most `in_flight` at a time)."""

    def __init__(
        self, context: InboundContext, data: PollingInput, *, in_flight: int = MAX_IN_FLIGHT
    ) -> None:
        self.context = context
        self.data = data
        self.in_flight = in_flight
        self.instances: dict[int, ActiveInstance] = {}
        self.due: dict[int, float] = {}
        self.done: set[int] = set()  # correlated; the engine closes them meanwhile
        self.next_refresh = 0.0
        self.running: dict[int, Future[bool]] = {}
        self.finished = threading.Event()  # a running request ended
        self.pool = ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix="http-polling")

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
        """Refresh, take in the requests that ended, start those due while a slot is free;
        the seconds until something is due again."""
        self.finished.clear()  # before collecting: a request ending from here on wakes `wait`
        if time.monotonic() >= self.next_refresh:
            self.refresh()
        self._collect()
        self._start_due()
        # with every slot taken, the next thing to happen is a request ending (`wait`)
        full = len(self.running) >= self.in_flight
        idle = [] if full else [due for key, due in self.due.items() if key not in self.running]
        wake = min([self.next_refresh, *idle])
        return max(wake - time.monotonic(), 0.0)

    def wait(self, seconds: float) -> None:
        """Up to SECONDS, until the context is stopped or a running request ends."""
        if not self.running:
            self.context.stopping.wait(seconds)
            return
        end = time.monotonic() + seconds
        while not self.context.stopping.is_set():
            left = end - time.monotonic()
            if left <= 0 or self.finished.wait(min(left, STOP_CHECK_SECONDS)):
                return

    def close(self) -> None:
        """Requests not started are dropped; running ones end first (no correlation is cut
        half way)."""
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _collect(self) -> None:
        for key, future in list(self.running.items()):
            if not future.done():
                continue
            del self.running[key]
            correlated = future.result()  # the hub's own failure is raised: the consumer restarts
            if key not in self.due:
                continue  # gone from the engine meanwhile
            if correlated:
                self.done.add(key)
                del self.instances[key], self.due[key]
            else:
                self.due[key] = time.monotonic() + self.data.request_interval

    def _start_due(self) -> None:
        now = time.monotonic()
        for key, instance in self.instances.items():
            if len(self.running) >= self.in_flight or self.context.stopping.is_set():
                return
            if key in self.running or self.due[key] > now:
                continue
            future = self.pool.submit(poll_once, self.context, instance)
            future.add_done_callback(lambda _: self.finished.set())
            self.running[key] = future


@consumer(
    type=TYPE,
    name="HTTP Polling Connector",
    input=PollingInput,
    description="Poll a URL for each waiting process instance until a condition holds.",
)
def poll(data: PollingInput, context: InboundContext) -> None:
    poller = Poller(context, data)
    try:
        while not context.stopping.is_set():
            poller.wait(poller.step())
    finally:
        poller.close()
