"""Older process versions with waiting instances (Camunda 8.9's active subscriptions): a new
version takes over the start events at once, but an older version's catch event or boundary
event stays active while the element instance search (Camunda 8.8+'s REST API, on the test
engine checked against rest-api.yaml) finds an instance waiting there, and is deactivated at
the first discovery after the last one has gone on."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from connectors.inbound.discovery import discover
from connectors.inbound.lifecycle import sync
from connectors.models import ElementState, InboundElement
from tests.inbound.conftest import ECHO, QUEUE, Camunda
from tests.inbound.processes import boundary_process, start_and_catch_process

pytestmark = [pytest.mark.zeebe, pytest.mark.django_db, pytest.mark.xdist_group("zeebe-engine")]
START = {"inbound.type": ECHO, "inbound.context": "orders-start"}
# AUTO (as the Modeler's newer templates write it): both versions' elements share the endpoint
PAID = {
    "inbound.type": ECHO, "inbound.context": "orders-paid", "deduplicationMode": "AUTO",
    "correlationKeyExpression": "=request.body.orderId",
}  # fmt: skip
GONE = "replaced by version 2; no instance of version 1 waits there any more"


def states() -> dict[tuple[int, str], tuple[str, str]]:
    return {
        (row.process.version, row.element_id): (row.state, row.reason)
        for row in InboundElement.objects.select_related("process")
    }


def searches_for(camunda: Camunda, element_id: str) -> list[dict[str, Any]]:
    return [
        body
        for _, path, body in camunda.face.requests
        if path.endswith("/element-instances/search") and body["filter"]["elementId"] == element_id
    ]


def test_an_older_catch_event_serves_its_waiting_instance_until_it_goes_on(
    camunda: Camunda, test_connectors: None, user: Any
) -> None:
    first = camunda.deploy("o.bpmn", start_and_catch_process("orders", START, PAID))
    discover()
    waiting = camunda.engine.wait_at("orders", "wait", "order-paid", "A", {"orderId": "A"})
    camunda.deploy("o.bpmn", start_and_catch_process("orders", START, PAID))
    discover()
    assert states() == {
        (1, "start"): (ElementState.INACTIVE, "replaced by version 2"),  # at once
        (1, "wait"): (ElementState.ACTIVE, ""),  # an instance of version 1 waits there
        (2, "start"): (ElementState.ACTIVE, ""),
        (2, "wait"): (ElementState.ACTIVE, ""),
    }
    [asked] = searches_for(camunda, "wait")
    assert asked == {
        "filter": {
            "processDefinitionKey": str(first.key), "elementId": "wait", "state": {"$eq": "ACTIVE"},
        },
        "page": {"limit": 1},
    }  # fmt: skip

    # the Inbound API lists both versions' elements, each with its version, the older one
    # marked as such; the page says why it is still there
    token = Token.objects.create(user=user)
    listed = Client(HTTP_AUTHORIZATION=f"Token {token.key}").get("/api/v1/inbound/").json()
    assert sorted((e["version"], e["element_id"], e["health"], e["latest"]) for e in listed) == [
        (1, "wait", "UP", False), (2, "start", "UP", True), (2, "wait", "UP", True),
    ]  # fmt: skip
    browser = Client()
    browser.force_login(user)
    page = browser.get("/inbound/").content.decode()
    assert page.count("older version, kept while instances wait here") == 1

    discover()  # still waiting: still active
    assert states()[(1, "wait")] == (ElementState.ACTIVE, "")

    # the instance goes on: the message the webhook publishes reaches it
    answer = Client().post(
        "/inbound/orders-paid", {"orderId": "A"}, content_type="application/json"
    )
    assert answer.status_code == 202, answer.content
    assert not waiting.open()
    discover()
    assert states()[(1, "wait")] == (ElementState.INACTIVE, GONE)
    assert states()[(2, "wait")] == (ElementState.ACTIVE, "")
    discover()  # an INACTIVE element is not asked about again
    assert len(searches_for(camunda, "wait")) == 3


def test_an_older_boundary_event_is_kept_while_its_activity_is_active(
    camunda: Camunda, test_connectors: None
) -> None:
    cancel = {"inbound.type": QUEUE, "inbound.queue": "q", "correlationKeyExpression": "=id"}
    first = camunda.deploy("r.bpmn", boundary_process("review", "cancel", cancel))
    discover()
    # the instance is at the user task; the boundary event's subscription is open meanwhile
    camunda.engine.wait_at("review", "review", "cancel", "A", {"id": "A"})
    camunda.deploy("r.bpmn", boundary_process("review", "cancel", cancel))
    discover()
    assert states()[(1, "cancel")] == (ElementState.ACTIVE, "")
    assert [body["filter"]["processDefinitionKey"] for body in searches_for(camunda, "review")] == [
        str(first.key)
    ]  # the activity it is attached to, not the event

    camunda.engine.messages.correlate("cancel", "A", {})
    discover()
    assert states()[(1, "cancel")] == (ElementState.INACTIVE, GONE)


def test_an_engine_that_cannot_answer_keeps_it_and_one_without_search_lets_it_go(
    camunda: Camunda, test_connectors: None, settings: Any
) -> None:
    camunda.deploy("o.bpmn", start_and_catch_process("orders", START, PAID))
    discover()
    camunda.engine.wait_at("orders", "wait", "order-paid", "A", {"orderId": "A"})
    camunda.deploy("o.bpmn", start_and_catch_process("orders", START, PAID))
    discover()
    assert states()[(1, "wait")] == (ElementState.ACTIVE, "")

    camunda.down()
    sync()  # not known now: kept until a later discovery gets an answer
    assert states()[(1, "wait")] == (ElementState.ACTIVE, "")
    camunda.up()

    # a gRPC-only engine cannot be asked: the element goes, as before 8.9, saying why
    settings.ZEEBE_ADDRESS = "127.0.0.1:1"
    settings.CAMUNDA_REST_ADDRESS = ""
    sync()
    state, reason = states()[(1, "wait")]
    assert state == ElementState.INACTIVE
    assert reason == (
        "replaced by version 2 (whether instances still wait there needs Camunda 8.8+'s REST API)"
    )


def test_a_latest_versions_webhook_takes_the_path_from_an_older_one(
    camunda: Camunda, test_connectors: None
) -> None:
    # without deduplicationMode each element is its own executable: one path, two claims
    legacy = {key: value for key, value in PAID.items() if key != "deduplicationMode"}
    camunda.deploy("o.bpmn", start_and_catch_process("orders", START, legacy))
    discover()
    camunda.engine.wait_at("orders", "wait", "order-paid", "A", {"orderId": "A"})
    camunda.deploy("o.bpmn", start_and_catch_process("orders", START, legacy))
    discover()
    # the latest serves the path; it publishes the same message, which reaches version 1 too
    assert states()[(2, "wait")] == (ElementState.ACTIVE, "")
    assert states()[(1, "wait")] == (
        ElementState.DOWN,
        "the webhook path 'orders-paid' is already used by another element",
    )
