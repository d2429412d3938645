"""The test console of HTTP polling elements (`io.camunda:http-polling:1`, Camunda's
HttpPollingConnector and HttpRequestTask): one waiting instance
given by its variables, the request the poller builds for it (connectors.builtin.http.polling
.request_for, the poller's own code), the answer, and the correlation with the console's sink.

A dry run takes the answer the user typed; live mode (staff) sends the request for real with the
REST connector through the executable's network door. Either way the correlation is not sent to
the engine: the running poller correlates real instances, not a sample.
"""

from __future__ import annotations

import json
from typing import Any

from connectorhub_sdk import ConnectorError, ConnectorInputError
from connectorhub_sdk.inbound import ActiveInstance
from connectorhub_sdk.javatext import parse_duration

from connectors.builtin.http import polling
from connectors.builtin.http.rest import RestInput, rest
from connectors.inbound import console
from connectors.inbound.console import ConsoleContext, Step, Target
from connectors.inbound.console_consumer import Report
from connectors.inbound.context import ActivationFailed
from connectors.inbound.sample_messages import PollSample
from connectors.secrets import Redactor

POLLING_UNMATCHED = (
    "false: nothing is correlated; the instance is polled again (consumeUnmatchedEvents)",
    "false: nothing is correlated; the instance is polled again at the next interval",
)
SAMPLE_INSTANCE_KEY = 1  # the dry run's element instance key (a real one comes from the engine)


def run(target: Target, sample: PollSample, *, live: bool, actor: object = None) -> Report:
    """SAMPLE's instance polled as TARGET's poller would poll it; LIVE sends the request."""
    try:
        context = console.open_context(target, live=live, actor=actor)
    except ActivationFailed as exc:
        return Report(live, [Step("element", "The element", "bad", f"cannot run now: {exc}")])
    context.live = False  # the correlation stays with the console (see the module doc)
    mask = context.redactor
    element = target.elements[0]
    instance = ActiveInstance(SAMPLE_INSTANCE_KEY, 0, element.element_id, sample.variables)
    steps = [_instance_step(instance, mask)]
    try:
        request = polling.request_for(context, instance)
    except ValueError as exc:
        text = mask.redact_text(f"cannot build the request: {exc}")
        return Report(live, [*steps, Step("request", "Request", "bad", text)])
    steps.append(_request_step(request, mask))
    try:
        answer = _sent(request, context) if live else _typed_answer(sample)
    except (ConnectorError, ConnectorInputError) as exc:
        code = f" ({exc.code})" if isinstance(exc, ConnectorError) else ""
        text = mask.redact_text(f"the request failed{code}: {exc}; polled again later")
        return Report(live, [*steps, Step("answer", "Answer", "bad", text)])
    steps.append(_answer_step(answer, live, mask))
    result = context.correlate(answer, message_id=instance.message_id)
    trace = context.trace
    steps += [
        console.activation_step(target, trace, POLLING_UNMATCHED),
        console.correlation_step(target, trace, mask, live=False),
        console.variables_step(trace, mask),
        _next_step(context, result.acknowledge),
    ]
    return Report(live, steps)


def _sent(request: RestInput, context: ConsoleContext) -> Any:
    return rest.function(request, context.connection)


def _typed_answer(sample: PollSample) -> dict[str, Any]:
    """The REST connector's result shape for the typed answer: a JSON body parsed, else text."""
    try:
        body: Any = json.loads(sample.answer) if sample.answer.strip() else None
    except ValueError:
        body = sample.answer
    return {"status": sample.status, "headers": dict(sample.headers), "body": body,
            "reason": None, "document": None}  # fmt: skip


def _instance_step(instance: ActiveInstance, mask: Redactor) -> Step:
    text = json.dumps(mask.redact(dict(instance.variables)), indent=2, ensure_ascii=False)
    rows = [("Variables", console.shown(text), True),
            ("Message id", instance.message_id, False)]  # fmt: skip
    summary = f"a sample instance waiting at {instance.element_id}"
    return Step("instance", "Waiting instance", "info", summary, rows)


def _request_step(request: RestInput, mask: Redactor) -> Step:
    rows = [("URL", mask.redact_text(str(request.url)), True)]
    for label, value in (
        ("Query parameters", request.queryParameters),
        ("Headers", request.headers),
        ("Body", request.body),
    ):
        if value not in (None, "", {}):
            text = json.dumps(mask.redact(value), indent=2, default=str, ensure_ascii=False)
            rows.append((label, console.shown(text), True))
    summary = mask.redact_text(f"{request.method} {request.url}")
    return Step("request", "Request the poller sends", "info", summary, rows)


def _answer_step(answer: Any, live: bool, mask: Redactor) -> Step:
    text = json.dumps(mask.redact(answer), indent=2, default=str, ensure_ascii=False)
    status = answer.get("status") if isinstance(answer, dict) else None
    source = "the server answered" if live else "the typed answer (dry run: nothing was sent)"
    summary = f"{source}: HTTP {status}"
    return Step("answer", "Answer", "ok" if live else "info", summary,
                [("As the element sees it", console.shown(text), True)])  # fmt: skip


def _next_step(context: ConsoleContext, correlated: bool) -> Step:
    title = "What the poller does next"
    if correlated:
        return Step("fate", title, "ok", "correlated: this instance is not polled again")
    interval = context.resolved.get("httpRequestInterval") or "PT50S"
    try:
        seconds = f" ({parse_duration(str(interval)).total_seconds():g} s)"
    except ValueError:
        seconds = ""
    return Step("fate", title, "bad", f"polls this instance again after {interval}{seconds}")
