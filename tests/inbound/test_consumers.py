"""The consumers' supervisor (what `manage.py inbound_worker` runs): a test-declared consumer is
started on its own thread, correlates what it reads into the engine, is DOWN with the reason and
restarted when it raises, and is stopped when its process version is replaced."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connectorhub.run import live_workers
from connectors.inbound import context as inbound_context
from connectors.inbound.consumers import ConsumerSupervisor
from connectors.inbound.discovery import discover
from connectors.models import ElementState, InboundActivity, InboundElement
from tests.inbound.conftest import QUEUE, QUEUE_LOCK, QUEUES, STARTS, Camunda
from tests.inbound.processes import catch_event_process

pytestmark = [pytest.mark.zeebe, pytest.mark.django_db(transaction=True)]


def eventually(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout:.0f} s: {what}"
        time.sleep(0.02)


def put(queue: str, message: dict[str, object]) -> None:
    with QUEUE_LOCK:
        QUEUES.setdefault(queue, []).append(message)


def element(queue: str) -> InboundElement:
    (found,) = [r for r in InboundElement.objects.all() if r.properties["inbound.queue"] == queue]
    return found


@pytest.fixture
def supervisor() -> Iterator[ConsumerSupervisor]:
    running = ConsumerSupervisor(back_off=0.05)
    yield running
    running.stop_all()


def deploy_consumer(camunda: Camunda, queue: str) -> None:
    properties = {"inbound.type": QUEUE, "inbound.queue": queue,
                  "correlationKeyExpression": "=message.id", "resultVariable": "event"}  # fmt: skip
    camunda.deploy("p.bpmn", catch_event_process("paid", "order-paid", {"wait": properties}))
    discover()


def test_a_consumer_runs_restarts_after_a_failure_and_stops_when_replaced(
    camunda: Camunda, test_connectors: None, supervisor: ConsumerSupervisor
) -> None:
    deploy_consumer(camunda, "q1")
    supervisor.refresh()
    (first,) = supervisor.running.values()
    eventually(lambda: STARTS == ["q1"], "the consumer started")

    put("q1", {"id": "A1"})
    eventually(lambda: len(camunda.engine.messages.received) == 1, "the message was published")
    message = camunda.engine.messages.received[0]
    assert (message.name, message.correlation_key) == ("order-paid", "A1")
    assert message.variables == {"event": {"message": {"id": "A1"}}}

    put("q1", {"crash": True})
    eventually(lambda: STARTS == ["q1", "q1"], "the consumer was restarted")
    logged = list(InboundActivity.objects.values_list("message", flat=True))
    assert "DOWN: RuntimeError: the queue q1 broke; restarting" in logged
    eventually(lambda: element("q1").state == ElementState.ACTIVE, "it is UP again")

    deploy_consumer(camunda, "q2")  # version 2 reads another queue: a hot swap
    supervisor.refresh()
    assert not first.thread.is_alive()  # told to stop (context.stopping) and joined
    eventually(lambda: STARTS[-1] == "q2", "the new version's consumer started")
    assert element("q1").state == ElementState.INACTIVE
    assert [c.stop_event.is_set() for c in supervisor.running.values()] == [False]


def test_held_lines_are_written_before_a_down_line_and_when_the_consumer_stops(
    camunda: Camunda, test_connectors: None, supervisor: ConsumerSupervisor, monkeypatch: Any
) -> None:
    # the context's batch timer never fires here: only the runtime's flushes write the lines
    monkeypatch.setattr(inbound_context, "ACTIVITY_BATCH_SECONDS", 3600)
    deploy_consumer(camunda, "q1")
    supervisor.refresh()
    put("q1", {"id": "A1"})
    eventually(lambda: len(camunda.engine.messages.received) == 1, "A1 was published")
    put("q1", {"crash": True})
    eventually(lambda: STARTS == ["q1", "q1"], "the consumer was restarted")
    put("q1", {"id": "A2"})
    eventually(lambda: len(camunda.engine.messages.received) == 2, "A2 was published")
    supervisor.stop_all()
    lines = InboundActivity.objects.filter(tag__in=["correlation", "health"]).order_by("pk")
    assert [(line.tag, line.outcome) for line in lines] == [
        ("correlation", "MESSAGE_PUBLISHED"),  # A1, held when the consumer raised
        ("health", ""),  # DOWN: the queue broke
        ("correlation", "MESSAGE_PUBLISHED"),  # A2, held when the consumer was stopped
    ]


def test_the_supervisor_stops_its_consumers_when_told(
    camunda: Camunda, test_connectors: None
) -> None:
    deploy_consumer(camunda, "q1")
    stop = threading.Event()
    supervisor = ConsumerSupervisor(back_off=0.05)
    runner = threading.Thread(target=supervisor.run, args=(stop, 0.05))
    runner.start()
    try:
        eventually(lambda: STARTS == ["q1"], "the consumer started")
        threads = [c.thread for c in supervisor.running.values()]
    finally:
        stop.set()
        runner.join(10)
    assert not runner.is_alive()
    assert [t.is_alive() for t in threads] == [False]


def test_make_run_starts_the_inbound_worker_with_a_rest_engine() -> None:
    def commands(env: dict[str, str]) -> list[str]:
        return [command[-1] for _, command in live_workers(env)]

    assert "inbound_worker" not in commands({"ZEEBE_ADDRESS": "z:26500"})
    assert commands({"CAMUNDA_REST_ADDRESS": "http://c:8080"}) == ["zeebe_worker", "inbound_worker"]
