"""Zeebe fixtures: the project's own test engine, or a real gateway you point the tests at.

`zeebe_engine` is a fresh test engine (tests/services/zeebe_engine) for one test: tests that
enqueue jobs or read back what the worker sent use it. `zeebe_address` is the gateway for tests
that only speak the public protocol (deploy, create an instance with its result): the engine's,
or, when ZEEBE_ADDRESS is set, that gateway (your own Camunda 8; docs/zeebe-broker.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.services.zeebe import wait_for_gateway
from tests.services.zeebe_engine import ZeebeTestEngine


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
