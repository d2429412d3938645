"""The engine side of polling: `CamundaClient.search_element_instances` and `search_variables`
against the test engine's REST face (requests and answers checked against rest-api.yaml): the
waiting instances of one element of one process definition, and each one's variables decoded."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from connectors.zeebe import CamundaClient, GatewayConfig
from tests.inbound.conftest import Camunda
from tests.inbound.processes import catch_event_process

pytestmark = [pytest.mark.zeebe, pytest.mark.xdist_group("zeebe-engine")]


def search(camunda: Camunda, call: Any) -> Any:
    async def run() -> Any:
        config = GatewayConfig(rest_address=camunda.face.address)
        async with CamundaClient.from_config(config) as client:
            return await call(client)

    return asyncio.run(run())


def test_the_active_instances_of_an_element_are_listed_with_their_variables(
    camunda: Camunda,
) -> None:
    process = camunda.deploy("p.bpmn", catch_event_process("p", "ready", {"wait": {}, "next": {}}))
    first = camunda.engine.wait_at("p", "wait", "ready", "A", {"orderId": "A", "n": [1, {"x": 2}]})
    camunda.engine.wait_at("p", "next", "ready", "B", {"orderId": "B"})  # another element
    done = camunda.engine.wait_at("p", "wait", "ready", "C", {"orderId": "C"})
    camunda.engine.messages.correlate("ready", "C", {})  # C's catch event is left

    found = search(camunda, lambda c: c.search_element_instances(process.key, "wait"))
    assert [(i.element_instance_key, i.process_instance_key, i.element_id) for i in found] == [
        (first.element_instance_key, first.process_instance_key, "wait")
    ]
    assert done.process_instance_key not in {i.process_instance_key for i in found}
    assert search(camunda, lambda c: c.search_element_instances(process.key + 1, "wait")) == []

    variables = search(camunda, lambda c: c.search_variables(first.process_instance_key))
    assert variables == {"orderId": "A", "n": [1, {"x": 2}]}
