"""A consumer's activity log written in batches (connectors/inbound/context.py): every accepted
message is one line (the correlation's, naming the message), in the order things happened, but
a busy consumer pays one INSERT per batch instead of one per message; refusals and the
consumer's own lines are written at once, after the lines held before them. A webhook's lines
are never held."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from connectors.builtin.consuming import deliver
from connectors.inbound import activity
from connectors.inbound import context as inbound_context
from connectors.inbound.discovery import discover
from connectors.models import InboundActivity
from connectors.secrets import Redactor
from tests.inbound.conftest import ECHO, QUEUE, Camunda
from tests.inbound.processes import catch_event_process
from tests.inbound.test_correlation import context_of

pytestmark = [pytest.mark.zeebe, pytest.mark.django_db(transaction=True)]


def deploy(camunda: Camunda, inbound_type: str, **more: str) -> None:
    properties = {"inbound.type": inbound_type, "inbound.queue": "q", "inbound.context": "paid",
                  "correlationKeyExpression": "=message.id", **more}  # fmt: skip
    camunda.deploy("p.bpmn", catch_event_process("paid", "order-paid", {"wait": properties}))
    discover()


def inserts(queries: CaptureQueriesContext) -> int:
    return sum(
        q["sql"].startswith("INSERT") and "inboundactivity" in q["sql"]
        for q in queries.captured_queries
    )


def outcomes() -> list[str]:
    return list(InboundActivity.objects.order_by("pk").values_list("outcome", flat=True))


def test_a_consumers_accepted_lines_are_one_insert_and_keep_their_order(
    camunda: Camunda, test_connectors: None, monkeypatch: Any
) -> None:
    monkeypatch.setattr(inbound_context, "ACTIVITY_BATCH_SECONDS", 3600)  # no timer write
    deploy(camunda, QUEUE)
    context = context_of("paid")
    with CaptureQueriesContext(connection) as queries:
        for n in range(3):
            assert context.correlate({"message": {"id": str(n)}}).acknowledge
        context.log("after the three", tag="MESSAGE")
    assert inserts(queries) == 2  # the three held lines together, then the log line
    assert outcomes()[-4:] == ["MESSAGE_PUBLISHED"] * 3 + [""]


def test_an_accepted_message_is_one_line_with_its_outcome_and_its_message_id(
    camunda: Camunda, test_connectors: None, monkeypatch: Any
) -> None:
    # what a built-in consumer does per message: the correlation's line is the message's line
    monkeypatch.setattr(inbound_context, "ACTIVITY_BATCH_SECONDS", 3600)
    deploy(camunda, QUEUE)
    context = context_of("paid")
    before = InboundActivity.objects.count()
    with CaptureQueriesContext(connection) as queries:
        for n in range(3):
            event = {"message": {"id": str(n)}}
            assert deliver(context, f"delivery {n}", lambda e=event: e, f"m-{n}")
        context.flush_activity()
    assert inserts(queries) == 1
    lines = InboundActivity.objects.order_by("pk")[before:]
    assert [line.outcome for line in lines] == ["MESSAGE_PUBLISHED"] * 3
    assert [line.message.split(" (")[-1] for line in lines] == [
        f"message id m-{n})" for n in range(3)
    ]
    assert deliver(context, "delivery 0 again", lambda: {"message": {"id": "0"}}, "m-0")
    duplicate = InboundActivity.objects.order_by("pk").last()
    assert duplicate is not None  # written at once, the id said once
    assert duplicate.message == "MESSAGE_ALREADY_CORRELATED: message id 'm-0' was already published"


def test_a_message_id_that_holds_a_secrets_value_is_masked_in_its_line(
    camunda: Camunda, test_connectors: None
) -> None:
    deploy(camunda, QUEUE)
    context = context_of("paid")
    context.redactor = Redactor(["s3cr3t-order"])  # as if the element's properties used it
    assert deliver(context, "delivery", lambda: {"message": {"id": "1"}}, "s3cr3t-order")
    context.flush_activity()
    line = InboundActivity.objects.order_by("pk").last()
    assert line is not None and line.outcome == "MESSAGE_PUBLISHED"
    assert line.message.endswith("(message id ***)"), line.message


def test_held_lines_reach_the_log_without_another_event(
    camunda: Camunda, test_connectors: None, monkeypatch: Any
) -> None:
    monkeypatch.setattr(inbound_context, "ACTIVITY_BATCH_SECONDS", 0.05)
    deploy(camunda, QUEUE)
    context = context_of("paid")
    assert context.correlate({"message": {"id": "1"}}).acknowledge
    for _ in range(500):  # a deadline, not a measure: the timer writes them
        if "MESSAGE_PUBLISHED" in outcomes():
            break
        context.stopping.wait(0.02)
    assert outcomes().count("MESSAGE_PUBLISHED") == 1


def test_a_webhooks_lines_are_written_at_once(camunda: Camunda, test_connectors: None) -> None:
    deploy(camunda, ECHO)
    context = context_of("paid")
    with CaptureQueriesContext(connection) as queries:
        assert context.correlate({"message": {"id": "1"}}).acknowledge
    assert inserts(queries) == 1
    assert outcomes()[-1] == "MESSAGE_PUBLISHED"


def test_a_long_lived_consumers_context_keeps_no_correlation_results(
    camunda: Camunda, test_connectors: None, monkeypatch: Any
) -> None:
    # a consumer correlates for months: its context must not keep every result it ever had
    monkeypatch.setattr(inbound_context, "ACTIVITY_BATCH_SECONDS", 3600)
    deploy(camunda, QUEUE)
    context = context_of("paid")
    for n in range(3):
        assert context.correlate({"message": {"id": str(n)}}).acknowledge
    assert not context.correlations


def test_an_unmatched_message_consumed_is_written_at_once(
    camunda: Camunda, test_connectors: None, monkeypatch: Any
) -> None:
    # not routine: an operator must see it even if the consumer is killed right after
    monkeypatch.setattr(inbound_context, "ACTIVITY_BATCH_SECONDS", 3600)
    deploy(camunda, QUEUE, activationCondition="=false", consumeUnmatchedEvents="true")
    context = context_of("paid")
    with CaptureQueriesContext(connection) as queries:
        result = context.correlate({"message": {"id": "1"}})
    assert result.acknowledge and result.outcome == "ACTIVATION_CONDITION_NOT_MET"
    assert inserts(queries) == 1
    assert outcomes()[-1] == "ACTIVATION_CONDITION_NOT_MET"


def test_a_busy_consumers_batch_is_written_whole_and_in_order(
    camunda: Camunda, test_connectors: None, monkeypatch: Any, settings: Any
) -> None:
    # a second's worth of messages: more lines than one INSERT may carry parameters for
    monkeypatch.setattr(inbound_context, "ACTIVITY_BATCH_SECONDS", 3600)
    settings.CONNECTORHUB_INBOUND_ACTIVITY_KEEP = 1000
    deploy(camunda, QUEUE)
    context = context_of("paid")
    for n in range(250):
        context.pending.append(activity.Line(context.elements[0].pk, f"line {n}", outcome="X"))
    with CaptureQueriesContext(connection) as queries:
        context.flush_activity()
    assert inserts(queries) == 3  # 100 lines each at most
    lines = InboundActivity.objects.filter(outcome="X").order_by("pk")
    assert list(lines.values_list("message", flat=True)) == [f"line {n}" for n in range(250)]
    assert InboundActivity.objects.get(message="line 7").at is not None
