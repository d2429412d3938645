"""`io.camunda:http-polling:1` run by the consumers' supervisor against the test engine and a
local HTTP server: each instance waiting at the catch event is polled at the URL built from its
own variables; only the instance whose answer meets the activation condition is correlated,
with the REST connector's result shape; a server error is logged and polling goes on; without
Camunda's REST API the element is DOWN saying so. Every page of waiting instances is polled,
several at a time (never more than MAX_IN_FLIGHT), so a slow endpoint holds back no other."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connectors.builtin.http.polling import (
    MAX_IN_FLIGHT,
    TYPE,
    Poller,
    PollingInput,
    poll_once,
)
from connectors.inbound.consumers import ConsumerSupervisor
from connectors.inbound.context import activate
from connectors.inbound.correlation import ActiveElement
from connectors.inbound.discovery import discover
from connectors.inbound.registry import inbound_registry
from connectors.models import InboundActivity, InboundElement
from tests.inbound.conftest import Camunda
from tests.inbound.processes import catch_event_process
from tests.services.http_servers import Recorded, RecordingServer, Reply

pytestmark = [
    pytest.mark.zeebe,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("zeebe-engine"),
]


def eventually(check: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout:.0f} s: {what}"
        time.sleep(0.02)


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer() as running:
        yield running


@pytest.fixture
def supervisor() -> Iterator[ConsumerSupervisor]:
    running = ConsumerSupervisor(back_off=0.05)
    yield running
    running.stop_all()


def polling_properties(server: RecordingServer) -> dict[str, str]:
    """What the http-polling template writes, the URL built from the instance's `orderId`."""
    return {
        "inbound.type": TYPE,
        "authentication.type": "noAuth",
        "method": "GET",
        "url": f'="{server.url}/orders/" + orderId',
        "headers": '={"X-Order": orderId}',
        "httpRequestInterval": "PT0.1S",
        "processPollingInterval": "PT0.2S",
        "connectionTimeoutInSeconds": "20",
        "readTimeoutInSeconds": "20",
        "activationCondition": '=body.status = "done"',
        "correlationKeyExpression": "=body.orderId",
        "resultVariable": "polled",
        "resultExpression": "={orderStatus: body.status}",
    }


def answers(replies: list[Reply]) -> Callable[[Recorded], Reply]:
    """REPLIES in turn, the last one from then on."""
    lock, left = threading.Lock(), list(replies)

    def reply(_: Recorded) -> Reply:
        with lock:
            return left.pop(0) if len(left) > 1 else left[0]

    return reply


def test_only_the_instance_whose_answer_meets_the_condition_is_correlated(
    camunda: Camunda, server: RecordingServer, supervisor: ConsumerSupervisor, settings: Any
) -> None:
    settings.CONNECTORHUB_INBOUND_ACTIVITY_KEEP = 10_000  # each poll logs a line
    done = {"orderId": "A", "status": "done"}
    server.route(
        "/orders/A",
        answers([Reply(500, json={"error": "busy"}),
                 Reply(json={"orderId": "A", "status": "pending"}), Reply(json=done)]),
    )  # fmt: skip
    server.route("/orders/B", Reply(json={"orderId": "B", "status": "pending"}))
    process = catch_event_process("orders", "order-ready", {"wait": polling_properties(server)})
    camunda.deploy("orders.bpmn", process)
    discover()
    a = camunda.engine.wait_at("orders", "wait", "order-ready", "A", {"orderId": "A"})
    b = camunda.engine.wait_at("orders", "wait", "order-ready", "B", {"orderId": "B"})
    supervisor.refresh()

    eventually(lambda: len(camunda.engine.received_messages) == 1, "instance A was correlated")
    [message] = camunda.engine.received_messages
    assert (message.name, message.correlation_key) == ("order-ready", "A")
    assert message.process_instance_key == a.process_instance_key
    assert message.message_id == f"wait{a.element_instance_key}"  # Camunda's id for it
    polled = message.variables["polled"]
    assert (polled["status"], polled["body"]) == (200, done)
    assert polled["headers"]["Content-Type"] == "application/json"
    assert message.variables["orderStatus"] == "done"
    assert server.last("/orders/A").header("X-Order") == "A"

    # the 500 was logged, and polling went on: B is still polled and never correlated
    seen = server.count("/orders/B")
    eventually(lambda: server.count("/orders/B") > seen + 2, "B is still polled")
    assert server.count("/orders/A") == 3  # A's instance is no longer polled once correlated
    assert b.open() and len(camunda.engine.received_messages) == 1
    logged = list(InboundActivity.objects.values_list("message", flat=True))
    assert any(line.startswith("Error executing http request") and "(500)" in line
               for line in logged), logged  # fmt: skip

    # an instance that arrives later is found at the next refresh (processPollingInterval)
    server.route("/orders/C", Reply(json={"orderId": "C", "status": "done"}))
    c = camunda.engine.wait_at("orders", "wait", "order-ready", "C", {"orderId": "C"})
    eventually(lambda: len(camunda.engine.received_messages) == 2, "instance C was correlated")
    assert camunda.engine.received_messages[1].process_instance_key == c.process_instance_key
    assert b.open()


def test_without_the_rest_api_the_poller_is_down_saying_it_needs_camunda_8_8(
    camunda: Camunda, server: RecordingServer, settings: Any
) -> None:
    process = catch_event_process("orders", "order-ready", {"wait": polling_properties(server)})
    camunda.deploy("orders.bpmn", process)
    discover()
    row = InboundElement.objects.select_related("process").get()
    context = activate(inbound_registry().get(TYPE), [ActiveElement.of(row)])
    settings.CAMUNDA_REST_ADDRESS = ""  # a gRPC-only engine: no element instance search

    with pytest.raises(RuntimeError, match=r"needs Camunda 8\.8\+'s REST API"):
        context.active_instances()
    Poller(context, context.bind(PollingInput)).refresh()
    row.refresh_from_db()
    assert "needs Camunda 8.8+'s REST API" in row.reason


def test_every_waiting_instance_is_polled_past_the_first_page_of_the_search(
    camunda: Camunda, server: RecordingServer, supervisor: ConsumerSupervisor
) -> None:
    lock, running, most = threading.Lock(), [0], [0]

    def done(request: Recorded) -> Reply:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.02)  # long enough for the requests to overlap
        with lock:
            running[0] -= 1
        return Reply(json={"orderId": request.path.rsplit("/", 1)[1], "status": "done"})

    server.fallback = done
    # one refresh in the whole test: every instance must come from the first one
    properties = {**polling_properties(server), "processPollingInterval": "PT10M"}
    camunda.deploy(
        "orders.bpmn", catch_event_process("orders", "order-ready", {"wait": properties})
    )
    discover()
    waiting = {
        camunda.engine.wait_at(
            "orders", "wait", "order-ready", f"o{n}", {"orderId": f"o{n}"}
        ).process_instance_key
        for n in range(230)
    }
    supervisor.refresh()

    eventually(lambda: len(camunda.engine.received_messages) == 230, "all 230 correlated", 120)
    assert {m.process_instance_key for m in camunda.engine.received_messages} == waiting
    assert 1 < most[0] <= MAX_IN_FLIGHT  # concurrent, and never more at once than the bound
    pages = [
        body["page"]
        for _, path, body in camunda.face.requests
        if path.endswith("/element-instances/search")
    ]
    # one refresh read them all: 100 + 100 + 30, and the empty page that ends it
    assert [page.get("after") is not None for page in pages] == [False, True, True, True]


def test_a_slow_endpoint_does_not_hold_back_another_instances_correlation(
    camunda: Camunda, server: RecordingServer, supervisor: ConsumerSupervisor
) -> None:
    release, slow_answered = threading.Event(), threading.Event()

    def slow(_: Recorded) -> Reply:
        release.wait(10)  # held until the fast one was correlated (10 s: a safety net only)
        slow_answered.set()
        return Reply(json={"orderId": "S", "status": "done"})

    server.route("/orders/S", slow)
    server.route("/orders/F", Reply(json={"orderId": "F", "status": "done"}))
    process = catch_event_process("orders", "order-ready", {"wait": polling_properties(server)})
    camunda.deploy("orders.bpmn", process)
    discover()
    # the slow instance first: one after another, its request would come before the fast one's
    camunda.engine.wait_at("orders", "wait", "order-ready", "S", {"orderId": "S"})
    fast = camunda.engine.wait_at("orders", "wait", "order-ready", "F", {"orderId": "F"})
    supervisor.refresh()

    eventually(lambda: len(camunda.engine.received_messages) == 1, "the fast one correlated")
    assert not slow_answered.is_set() and server.count("/orders/S") == 1
    assert camunda.engine.received_messages[0].process_instance_key == fast.process_instance_key
    release.set()
    eventually(lambda: len(camunda.engine.received_messages) == 2, "the slow one correlated")


def test_a_poller_keeps_nothing_per_request_on_its_long_lived_context(
    camunda: Camunda, server: RecordingServer
) -> None:
    server.route("/orders/A", Reply(json={"orderId": "A", "status": "pending"}))
    process = catch_event_process("orders", "order-ready", {"wait": polling_properties(server)})
    camunda.deploy("orders.bpmn", process)
    discover()
    camunda.engine.wait_at("orders", "wait", "order-ready", "A", {"orderId": "A"})
    row = InboundElement.objects.select_related("process").get()
    context = activate(inbound_registry().get(TYPE), [ActiveElement.of(row)])
    [instance] = context.active_instances()

    assert [poll_once(context, instance) for _ in range(3)] == [False, False, False]
    assert server.count("/orders/A") == 3
    assert len(context.connection.exchanges) == 0  # a poller runs for months


def test_an_older_versions_instance_is_still_polled_after_a_new_version(
    camunda: Camunda, server: RecordingServer, supervisor: ConsumerSupervisor
) -> None:
    server.route("/orders/A", Reply(json={"orderId": "A", "status": "done"}))
    process = catch_event_process("orders", "order-ready", {"wait": polling_properties(server)})
    camunda.deploy("orders.bpmn", process)
    discover()
    a = camunda.engine.wait_at("orders", "wait", "order-ready", "A", {"orderId": "A"})
    camunda.deploy("orders.bpmn", process)  # version 2: A still waits in version 1
    discover()
    supervisor.refresh()

    # version 1's element is kept while A waits (docs/inbound.md, "Versions"): its poller
    # serves A, which version 2's poller does not list
    eventually(lambda: len(camunda.engine.received_messages) == 1, "version 1's instance")
    assert camunda.engine.received_messages[0].process_instance_key == a.process_instance_key
