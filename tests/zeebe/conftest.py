"""Zeebe fixtures: the project's own test engine, or a real gateway you point the tests at.

`zeebe_engine` is a fresh test engine (tests/services/zeebe_engine) for one test: tests that
enqueue jobs or read back what the worker sent use it. `zeebe_address` is the gateway for tests
that only speak the public protocol (deploy, create an instance with its result): the engine's,
or, when ZEEBE_ADDRESS is set, that gateway (your own Camunda 8; docs/zeebe-broker.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.services.zeebe import wait_for_gateway
from tests.services.zeebe_engine import ZeebeTestEngine
from tests.services.zeebe_engine.rest import RestFace, require_protocol


@pytest.fixture
def zeebe_engine() -> Iterator[ZeebeTestEngine]:
    with ZeebeTestEngine() as engine:
        yield engine


@pytest.fixture
def zeebe_address(request: pytest.FixtureRequest) -> str:
    address = os.environ.get("ZEEBE_ADDRESS")
    if address:
        wait_for_gateway(address, timeout=30.0)
        return address
    engine: ZeebeTestEngine = request.getfixturevalue("zeebe_engine")
    return engine.address


@dataclass(frozen=True)
class WorkerTransport:
    """How a test's worker reaches the gateway: `grpc`, or `rest` at `rest_address`."""

    name: str
    rest_address: str | None = None


@pytest.fixture(params=["grpc", "rest"])
def worker_transport(request: pytest.FixtureRequest) -> Iterator[WorkerTransport]:
    """Runs a worker test over each transport. REST: the test engine's REST face, whose
    every request must conform to Camunda's rest-api.yaml; or CAMUNDA_REST_ADDRESS beside
    ZEEBE_ADDRESS (your own Camunda 8.8+)."""
    if request.param == "grpc":
        yield WorkerTransport("grpc")
        return
    if os.environ.get("CAMUNDA_REST_ADDRESS"):
        yield WorkerTransport("rest", os.environ["CAMUNDA_REST_ADDRESS"])
        return
    if os.environ.get("ZEEBE_ADDRESS"):
        pytest.skip("ZEEBE_ADDRESS is set: set CAMUNDA_REST_ADDRESS of the same Camunda too")
    engine: ZeebeTestEngine = request.getfixturevalue("zeebe_engine")
    with RestFace(engine, require_protocol()) as face:
        yield WorkerTransport("rest", face.address)
    assert face.refused == [], "the worker sent requests that break rest-api.yaml"
    assert face.violations == [], "the test engine answered against rest-api.yaml"
