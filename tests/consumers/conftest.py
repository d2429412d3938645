"""Fixtures for the consumers: the real servers of the outbound tests (RabbitMQ, Kafka, moto,
GreenMail) and `running`, which runs a consumer on its own thread as the inbound runtime does
and stops it after the test.

The servers are package-scoped: the outbound folders start their own (session-scoped, in their
conftest), and a worker that runs both folders of one xdist group would otherwise keep two of
each until the session ends; this way ours is stopped when the last consumer test is done."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from confluent_kafka.admin import AdminClient
from connectorhub_sdk.inbound import InboundConnector
from connectorhub_sdk.inbound_testing import InboundTestContext

from tests.kafka.conftest import QUIET, create_topic
from tests.services.kafka import Kafka
from tests.services.rabbitmq import RabbitMQ

STOP_SECONDS = 10.0  # a consumer must end this soon after `stopping` is set


@pytest.fixture
def rabbit(broker_session: RabbitMQ) -> Iterator[RabbitMQ]:
    """The session's broker; what a test declared is deleted after it."""
    yield broker_session
    broker_session.reset()


def unique(prefix: str) -> str:
    return f"{prefix}-{os.urandom(4).hex()}"


class Running:
    """A consumer on its thread; `stop()` sets `stopping` and joins it."""

    def __init__(self, connector: InboundConnector, context: InboundTestContext) -> None:
        self.context = context
        self.errors: list[BaseException] = []
        data = context.bind(connector.input)
        self.thread = threading.Thread(target=self._run, args=(connector, data), daemon=True)
        self.thread.start()

    def _run(self, connector: InboundConnector, data: Any) -> None:
        try:
            connector.function(data, self.context)
        except BaseException as exc:  # the test reads it: a consumer must not end by itself
            self.errors.append(exc)

    def stop(self) -> None:
        self.context.stopping.set()
        self.thread.join(STOP_SECONDS)
        assert not self.thread.is_alive(), "the consumer did not stop"


@pytest.fixture
def running() -> Iterator[Callable[[InboundConnector, InboundTestContext], Running]]:
    started: list[Running] = []

    def start(connector: InboundConnector, context: InboundTestContext) -> Running:
        started.append(Running(connector, context))
        return started[-1]

    yield start
    for each in started:
        with contextlib.suppress(AssertionError):
            each.stop()


def wait_for(condition: Callable[[], Any], timeout: float = 20.0, what: str = "") -> Any:
    """CONDITION's first true value, polled until TIMEOUT (a deadline, not an assertion on
    speed: a slow machine only waits longer)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.02)


@pytest.fixture(scope="session")
def kafka_admin(kafka_server: Kafka) -> AdminClient:
    return AdminClient({"bootstrap.servers": kafka_server.bootstrap, "logger": QUIET})


@pytest.fixture
def kafka_topic(kafka_admin: AdminClient) -> str:
    return create_topic(kafka_admin, unique("inbound"))
