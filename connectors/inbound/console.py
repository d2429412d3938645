"""The test console of a webhook element: one sample request through the element's real
connector and the runtime's own answer path (webhooks._run), with each step kept for the page.

The connector runs with a `ConsoleContext`: the element's executable (secrets resolved,
properties bound) whose `correlate` goes through `correlation.correlate` with a sink. In a
dry run the sink keeps what would go to the engine and answers as the engine would on success,
so nothing reaches Camunda, the activity log or the document store; in live mode it sends it
(`correlation.to_engine`) and the correlation is a line of the element's activity log, as a
real request's is. Every text shown is masked with the executable's Redactor, as the run page
masks a run's secrets.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from connectorhub_sdk.context import JSON
from connectorhub_sdk.documents import Documents, InMemoryDocumentStore
from connectorhub_sdk.inbound import (
    CorrelationOutcome,
    CorrelationResult,
    Health,
    InboundConnector,
    WebhookRequest,
)
from django.http import HttpResponse

from connectors.inbound import activity
from connectors.inbound import correlation as correlating
from connectors.inbound.context import ActivationFailed, HubInboundContext, activate
from connectors.inbound.correlation import ActiveElement, Delivery
from connectors.inbound.sample import Sample

# the runtime's answer path, private to the endpoint: the console must answer exactly as it does
from connectors.inbound.webhooks import _run as answer_request
from connectors.secrets import Redactor, find_references
from connectors.secrets.store import record_secret_use

MAX_SHOWN_CHARS = 20_000


@dataclass(frozen=True)
class Target:
    """What the console sends to: a webhook connector and the elements of one executable."""

    connector: InboundConnector
    elements: Sequence[ActiveElement]
    path: str  # the endpoint, /inbound/<context>
    deployed: bool  # False: built from a configure form's values (dry run only)


@dataclass(frozen=True)
class Verdict:
    element_id: str
    condition: str
    matched: bool | None  # None: the condition could not be evaluated
    error: str = ""


@dataclass
class Trace:
    """What happened inside the connector's call, in order."""

    verdicts: list[Verdict] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    results: list[CorrelationResult] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)


@dataclass
class ConsoleContext(HubInboundContext):
    """The executable's context with the console's correlation and log (see the module doc)."""

    trace: Trace = field(default_factory=Trace)
    live: bool = False
    dry_documents: Documents = field(default_factory=lambda: Documents(InMemoryDocumentStore()))

    @property
    def documents(self) -> Documents:
        return self.connection.documents if self.live else self.dry_documents

    def correlate(self, variables: JSON, *, message_id: str | None = None) -> CorrelationResult:
        self.trace.verdicts = [_verdict(element, variables) for element in self.elements]
        done = correlating.correlate(self.elements, variables, message_id, send=self._send)
        self.trace.results.append(done.result)
        if self.live:
            target = done.element or self.elements[0]
            line = self.redactor.redact_text(f"{done.result.outcome}: {done.result.message}")
            severity = "INFO" if done.result.acknowledge else "WARNING"
            activity.record(target.pk, f"test console: {line}", severity=severity,
                            tag="console", outcome=done.result.outcome)  # fmt: skip
        return done.result

    def _send(self, delivery: Delivery) -> CorrelationResult:
        self.trace.deliveries.append(delivery)
        if self.live:
            return correlating.to_engine(delivery)
        outcome = (
            CorrelationOutcome.PROCESS_INSTANCE_CREATED
            if delivery.starts_instance
            else CorrelationOutcome.MESSAGE_PUBLISHED
        )
        return CorrelationResult(
            outcome,
            acknowledge=True,
            message="dry run: not sent to the engine",
            variables=delivery.variables,
        )

    def report_health(self, health: Health, message: str = "") -> None:
        self.trace.logs.append(self.redactor.redact_text(f"health {health}: {message}"))

    def log(self, message: str, *, severity: str = "INFO", tag: str = "") -> None:
        self.trace.logs.append(self.redactor.redact_text(f"{severity}: {message}"))


def _verdict(element: ActiveElement, variables: JSON) -> Verdict:
    condition = element.activation_condition
    try:
        return Verdict(element.element_id, condition, correlating.can_activate(element, variables))
    except ValueError as exc:
        return Verdict(element.element_id, condition, None, str(exc))


# -- the report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One step on the page: KEY for tests and styles, STATE ok/bad/info/skip, ROWS (label,
    text, is_code)."""

    key: str
    title: str
    state: str
    summary: str
    rows: list[tuple[str, str, bool]] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    live: bool
    status: int
    steps: list[Step]


def open_context(target: Target, *, live: bool, actor: Any = None) -> ConsoleContext:
    """TARGET's executable as the console's context (ActivationFailed when it cannot run).
    The secrets used are audited: LIVE as the element's live use, a dry run as ACTOR's."""
    executable = activate(target.connector, list(target.elements), audit=live)
    if not live:
        first = target.elements[0]
        names = find_references(dict(first.properties))
        where = f"test console {first.process_id}/{first.element_id}"
        record_secret_use(names, "", actor, job_type=target.connector.type, detail=where)
    shared = {f.name: getattr(executable, f.name) for f in dataclasses.fields(HubInboundContext)}
    return ConsoleContext(**shared, live=live)


def run(target: Target, sample: Sample, *, live: bool, base_url: str, actor: Any = None) -> Report:
    """SAMPLE sent to TARGET's connector; LIVE correlates with the engine for real."""
    request = sample.request(target.path, base_url)
    try:
        context = open_context(target, live=live, actor=actor)
    except ActivationFailed as exc:
        failed = Step("activation", "The element", "bad", f"cannot run now: {exc}")
        return Report(live, 503, [_request_step(request, Redactor([])), failed])
    response = answer_request(context, request)
    mask = context.redactor
    trace = context.trace
    steps = [
        _request_step(request, mask),
        _connector_step(target, trace, response, mask),
        activation_step(target, trace),
        correlation_step(target, trace, mask, live),
        variables_step(trace, mask),
        _response_step(response, mask),
    ]
    return Report(live, response.status_code, steps)


def _request_step(request: WebhookRequest, mask: Redactor) -> Step:
    query = "&".join(f"{name}={value}" for name, value in request.query.items())
    address = request.url + (f"?{query}" if query else "")
    rows = [
        ("URL", mask.redact_text(address), True),
        ("Headers", mask.redact_text(_lines(request.headers)), True),
        ("Body", shown(mask.redact_text(request.body.decode("utf-8", "replace"))), True),
    ]
    return Step("request", "Request as received", "info", f"{request.method} {address}", rows)


def _connector_step(target: Target, trace: Trace, response: HttpResponse, mask: Redactor) -> Step:
    """The connector's own checks (method, HMAC, authentication): passed when it went on to
    correlate; otherwise its answer is the verdict."""
    props = target.elements[0].properties
    rows = [
        (label, props[name], False)
        for label, name in (
            ("HMAC", "inbound.shouldValidateHmac"),
            ("HMAC header", "inbound.hmacHeader"),
            ("Authorization", "inbound.auth.type"),
        )
        if props.get(name)
    ]
    rows += [("Connector log", line, False) for line in trace.logs]
    title = "Authentication and signature"
    if trace.results or trace.deliveries:
        return Step("connector", title, "ok", "accepted by the connector", rows)
    reason = _reason(response)
    if response.status_code >= 400:
        summary = f"refused: HTTP {response.status_code}" + (f": {reason}" if reason else "")
        return Step("connector", title, "bad", mask.redact_text(summary), rows)
    summary = f"answered HTTP {response.status_code} without correlating (e.g. a verification)"
    return Step("connector", title, "info", summary, rows)


# what becomes of an unmatched event: (consumed, refused), for a webhook's caller
WEBHOOK_UNMATCHED = (
    "false: the event is consumed and dropped (consumeUnmatchedEvents); the caller gets a 2xx",
    "false: the event is refused (422) and nothing is correlated",
)


def activation_step(
    target: Target, trace: Trace, unmatched: tuple[str, str] = WEBHOOK_UNMATCHED
) -> Step:
    title = "Activation condition"
    if not trace.results:
        return Step("activation", title, "skip", "not reached")
    rows = [
        (v.element_id, f"{v.condition or '(none: always true)'} -> {_verdict_text(v)}", False)
        for v in trace.verdicts
    ]
    result = trace.results[-1]
    if result.outcome is CorrelationOutcome.ACTIVATION_CONDITION_NOT_MET:
        consumed = any(e.consume_unmatched for e in target.elements)
        summary = unmatched[0] if consumed else unmatched[1]
        return Step("activation", title, "bad", summary, rows)
    matched = [v.element_id for v in trace.verdicts if v.matched]
    if not matched:
        return Step("activation", title, "bad", result.message, rows)
    return Step("activation", title, "ok", f"true for {', '.join(matched)}", rows)


def _verdict_text(verdict: Verdict) -> str:
    if verdict.matched is None:
        return f"cannot be evaluated: {verdict.error}"
    return "true" if verdict.matched else "false"


def correlation_step(target: Target, trace: Trace, mask: Redactor, live: bool) -> Step:
    title = "Correlation"
    if not trace.deliveries:
        result = next(iter(trace.results), None)
        if result is None or result.outcome is CorrelationOutcome.ACTIVATION_CONDITION_NOT_MET:
            return Step("correlation", title, "skip", "not reached")
        return Step("correlation", title, "bad", mask.redact_text(result.message))
    delivery = trace.deliveries[-1]
    element = delivery.element
    rows = [("Element", f"{element.element_id} ({element.kind})", False)]
    if delivery.starts_instance:
        action = f"create an instance of {element.process_id} version {element.version}"
    else:
        action = f"publish the message '{element.message_name}'"
        rows += [
            ("Correlation key", mask.redact_text(delivery.correlation_key) or "(none)", True),
            ("Message id", mask.redact_text(delivery.message_id) or "(none)", True),
            ("TTL", f"{delivery.ttl_ms} ms ({delivery.ttl_ms / 1000:g} s)", False),
        ]
    result = trace.results[-1]
    if not live:
        return Step("correlation", title, "info", f"would {action}; dry run: not sent", rows)
    rows.append(("Engine's answer", mask.redact_text(f"{result.outcome}: {result.message}"), True))
    state = "ok" if result.acknowledge else "bad"
    return Step("correlation", title, state, f"{action}: {result.outcome}", rows)


def variables_step(trace: Trace, mask: Redactor) -> Step:
    title = "Variables the process gets"
    if not trace.deliveries:
        return Step("variables", title, "skip", "not reached")
    variables = trace.deliveries[-1].variables
    text = shown(json.dumps(mask.redact(variables), indent=2, default=str, ensure_ascii=False))
    summary = "none (no result variable or result expression)" if not variables else ""
    summary = summary or f"{len(variables)} variable(s): {', '.join(sorted(variables))}"
    return Step("variables", title, "info", mask.redact_text(summary), [("JSON", text, True)])


def _response_step(response: HttpResponse, mask: Redactor) -> Step:
    body = response.content.decode("utf-8", "replace")
    rows = [
        ("Headers", mask.redact_text(_lines(dict(response.items()))), True),
        ("Body", shown(mask.redact_text(body)) or "(empty)", True),
    ]
    state = "ok" if response.status_code < 300 else "bad"
    summary = f"HTTP {response.status_code}"
    return Step("response", "Response to the caller", state, summary, rows)


def _reason(response: HttpResponse) -> str:
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return ""
    if isinstance(body, dict):
        return str(body.get("reason") or body.get("message") or body.get("error") or "")
    return ""


def _lines(headers: Any) -> str:
    return "\n".join(f"{name}: {value}" for name, value in headers.items())


def shown(text: str) -> str:
    if len(text) <= MAX_SHOWN_CHARS:
        return text
    return text[:MAX_SHOWN_CHARS] + f"\n... ({len(text) - MAX_SHOWN_CHARS} more characters)"
