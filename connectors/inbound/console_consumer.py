"""The test console of consumer elements (RabbitMQ, Kafka, SQS, email): a sample message through
the consumer's own mapping (console_events), then the runtime's correlation with the console's
sink (console.ConsoleContext), step by step.

A dry run never touches the engine, the activity log or the source. Live mode publishes the
sample to the element's source (console_publish) and leaves the rest to the running consumer:
the page then watches the element's activity log (`watch`) for what it did with the message.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from connectorhub_sdk.inbound import CorrelationResult

from connectors.inbound import console
from connectors.inbound.console import ConsoleContext, Step, Target
from connectors.inbound.console_events import FLAVOURS, Event, Flavour
from connectors.inbound.console_publish import PublishFailed, publish
from connectors.inbound.context import ActivationFailed, names_message
from connectors.inbound.models import InboundActivity
from connectors.inbound.sample_messages import FIELDS, MessageSample
from connectors.secrets import Redactor

# what becomes of an unmatched message: (consumed, left for redelivery)
CONSUMER_UNMATCHED = (
    "false: the message is consumed and dropped (consumeUnmatchedEvents)",
    "false: nothing is correlated and the message is left for redelivery",
)
WATCH_SECONDS = 15.0  # how long the page waits for the running consumer's answer


@dataclass(frozen=True)
class Report:
    """The steps; WATCH: (activity pk to start after, epoch seconds of the publication, the
    published message's id as its activity line shows it, "" when it has none) when a live
    run's page should watch the element's activity log."""

    live: bool
    steps: list[Step]
    watch: tuple[int, float, str] | None = None


def flavour_of(target: Target) -> Flavour:
    return FLAVOURS[target.connector.type]


def run(target: Target, sample: MessageSample, *, live: bool, actor: object = None) -> Report:
    """SAMPLE as TARGET's consumer would receive it. SampleError for a sample the consumer
    cannot read (it names the field)."""
    flavour = flavour_of(target)
    try:
        context = console.open_context(target, live=live, actor=actor)
    except ActivationFailed as exc:
        return Report(live, [Step("element", "The element", "bad", f"cannot run now: {exc}")])
    # the console never correlates a consumer's message with the engine itself (in live mode
    # the running consumer does), and an email's attachments stay in memory
    context.live = False
    event = flavour.event(context, sample)
    mask = context.redactor
    steps = [_message_step(flavour, sample, event, mask), _event_step(event, mask)]
    if live:
        return _live(target, context, sample, steps)
    result = context.correlate(event.variables, message_id=event.message_id)
    trace = context.trace
    steps += [
        console.activation_step(target, trace, CONSUMER_UNMATCHED),
        console.correlation_step(target, trace, mask, live=False),
        console.variables_step(trace, mask),
        _fate_step(flavour, context, result),
    ]
    return Report(False, steps)


def _live(
    target: Target, context: ConsoleContext, sample: MessageSample, steps: list[Step]
) -> Report:
    """Publish for real (the secrets' use was audited as the element's live use)."""
    pks = [e.pk for e in target.elements]
    after = InboundActivity.objects.filter(element_id__in=pks).order_by("-pk").first()
    moment = time.time()
    try:
        done = publish(target.connector.type, context, sample)
    except PublishFailed as exc:
        steps.append(Step("publish", "Published", "bad", f"not published: {exc}"))
        return Report(True, steps)
    rows = [(label, context.redactor.redact_text(text), False) for label, text in done.rows]
    summary = context.redactor.redact_text(done.summary)
    if done.subscribed == 0:
        summary += (
            "; no consumer is subscribed: no consumer is running for this element, the message "
            "waits until one starts (manage.py inbound_worker)"
        )
    steps.append(Step("publish", "Published", "ok" if done.subscribed != 0 else "bad", summary,
                      rows))  # fmt: skip
    # redacted as the consumer's line is (a secret in an id must not reach the page's URL)
    message_id = context.redactor.redact_text(str(done.message_id)) if done.message_id else ""
    return Report(True, steps, (after.pk if after else 0, moment, message_id))


def _message_step(flavour: Flavour, sample: MessageSample, event: Event, mask: Redactor) -> Step:
    labels = {"key": "Key", "body": "Body", "headers": "Headers", "properties": "Properties",
              "message_id": "Message id", "sender": "From", "subject": "Subject",
              "attachment_name": "Attachment", "attachment_text": "Attachment content"}  # fmt: skip
    rows = [(label, mask.redact_text(text), False) for label, text in event.rows]
    for name in flavour.fields:
        text = _field_text(sample, name)
        if text:
            rows.append((labels[name], console.shown(mask.redact_text(text)), True))
    title = f"{flavour.label[:1].upper()}{flavour.label[1:]} as the consumer receives it"
    return Step("message", title, "info", f"message id: {event.message_id or '(none)'}", rows)


def _field_text(sample: MessageSample, name: str) -> str:
    if name == "headers":
        return "\n".join(f"{k}: {v}" for k, v in sample.headers)
    if name == "properties":
        return json.dumps(sample.properties, indent=2) if sample.properties else ""
    value = getattr(sample, name)
    return "" if value is None else str(value)


def _event_step(event: Event, mask: Redactor) -> Step:
    text = json.dumps(mask.redact(event.variables), indent=2, default=str, ensure_ascii=False)
    names = ", ".join(sorted(event.variables)) if isinstance(event.variables, dict) else ""
    summary = f"the variables the connector correlates: {names}" if names else ""
    return Step("event", "Event the connector builds", "info", summary,
                [("JSON", console.shown(text), True)])  # fmt: skip


def _fate_step(flavour: Flavour, context: ConsoleContext, result: CorrelationResult) -> Step:
    fate = flavour.fate(context, result.acknowledge)
    outcome = f"{result.outcome}" + (f": {result.message}" if result.message else "")
    rows = [("Correlation result", context.redactor.redact_text(outcome), False)]
    state = "ok" if result.acknowledge else "bad"
    return Step("fate", "What the consumer does with the message", state, fate, rows)


@dataclass(frozen=True)
class Watched:
    """The element's activity since the publication; DONE: the published message's
    correlation line came (OUTCOME, its text), or time is up."""

    lines: list[InboundActivity]
    done: bool
    timed_out: bool
    outcome: str = ""
    wait: float = WATCH_SECONDS


def watch(element_pks: list[int], after: int, since: float, message_id: str = "") -> Watched:
    """The activity lines of the elements ELEMENT_PKS after AFTER (a pk): what the running
    consumer did since the publication at SINCE (epoch seconds).

    The answer is the correlation line of the message with MESSAGE_ID: a busy consumer's
    earlier messages can have lines after AFTER too (routine lines are written in batches,
    connectors/inbound/context.py). A message without an id takes the first correlation line.
    """
    found = InboundActivity.objects.filter(element_id__in=element_pks, pk__gt=after)
    lines = list(found.order_by("pk"))
    ours = next((line for line in lines if line.outcome and _is_ours(line, message_id)), None)
    timed_out = ours is None and time.time() - since > WATCH_SECONDS
    outcome = ours.message if ours is not None else ""
    return Watched(lines, ours is not None or timed_out, timed_out, outcome, WATCH_SECONDS)


def _is_ours(line: InboundActivity, message_id: str) -> bool:
    return not message_id or names_message(line.message, message_id)


__all__ = ["FIELDS", "Report", "run", "watch"]
