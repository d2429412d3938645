"""Messages, process instances, deployments and process-definition search over REST.

The test engine's endpoints beyond jobs (what inbound connectors call), each checked against
Camunda's rest-api.yaml, and the hub's `CamundaClient` that calls them with the worker's
settings. Each endpoint family also gets one malformed request, refused naming the violation.
"""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from connectors.zeebe import CamundaClient, GatewayConfig
from connectors.zeebe.rest import RequestRefused
from tests.services.zeebe_engine import ZeebeTestEngine
from tests.services.zeebe_engine.rest import RestFace, require_protocol
from tests.zeebe.harness import service_task_process

pytestmark = pytest.mark.zeebe

STRAIGHT_THROUGH = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="definitions" targetNamespace="https://connectorhub.test/zeebe">
  <bpmn:process id="straight" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="toEnd" sourceRef="start" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def face(zeebe_engine: ZeebeTestEngine) -> Iterator[RestFace]:
    with RestFace(zeebe_engine, require_protocol()) as face:
        yield face
    assert face.violations == [], "the test engine answered against rest-api.yaml"


@pytest.fixture
def client(face: RestFace) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{face.address}/v2", timeout=10) as client:
        yield client


def camunda(face: RestFace, **settings: Any) -> CamundaClient:
    return CamundaClient.from_config(GatewayConfig(rest_address=face.address, **settings))


def refused(response: httpx.Response, violation: str) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert violation in response.json()["detail"]


# -- messages ---------------------------------------------------------------------------------


def test_a_published_message_is_recorded_and_buffered_until_a_subscription_takes_it(
    zeebe_engine: ZeebeTestEngine, client: httpx.Client
) -> None:
    body = {
        "name": "order-paid",
        "correlationKey": "order-7",
        "timeToLive": 60_000,
        "messageId": "pay-1",
        "variables": {"paid": True},
    }
    response = client.post("/messages/publication", json=body)
    assert response.status_code == 200, response.text
    key = int(response.json()["messageKey"])
    [message] = zeebe_engine.received_messages
    assert (message.key, message.kind, message.name, message.correlation_key) == (
        key,
        "published",
        "order-paid",
        "order-7",
    )
    assert (message.variables, message.time_to_live_ms, message.message_id) == (
        {"paid": True},
        60_000,
        "pay-1",
    )
    assert message.process_instance_key is None  # nothing waited: buffered

    again = client.post("/messages/publication", json=body)
    assert again.status_code == 409 and "pay-1" in again.json()["detail"]

    subscription = zeebe_engine.subscribe("order-paid", "order-7")
    assert subscription.messages == [key]  # the buffered message correlated at once


def test_a_message_without_time_to_live_is_not_kept_for_a_later_subscription(
    zeebe_engine: ZeebeTestEngine, client: httpx.Client
) -> None:
    assert client.post("/messages/publication", json={"name": "m"}).status_code == 200
    assert zeebe_engine.subscribe("m", "").messages == []


def test_a_correlated_message_reaches_the_waiting_instance_or_is_404(
    zeebe_engine: ZeebeTestEngine, client: httpx.Client
) -> None:
    body = {"name": "approved", "correlationKey": "c-1", "variables": {"by": "ana"}}
    response = client.post("/messages/correlation", json=body)
    assert response.status_code == 404
    assert "subscription for message with name 'approved'" in response.json()["detail"]
    assert zeebe_engine.received_messages == []  # a correlation is never buffered

    waiting = zeebe_engine.subscribe("approved", "c-1", process_instance_key=4242)
    response = client.post("/messages/correlation", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["processInstanceKey"] == "4242"
    [message] = zeebe_engine.received_messages
    assert (message.kind, message.variables, message.process_instance_key) == (
        "correlated",
        {"by": "ana"},
        4242,
    )
    assert zeebe_engine.messages.subscriptions[0].messages == [message.key]
    assert waiting.name == "approved"


def test_a_malformed_message_is_refused_naming_the_violation(
    zeebe_engine: ZeebeTestEngine, client: httpx.Client
) -> None:
    response = client.post("/messages/publication", json={"correlationKey": "k"})
    refused(response, "'name' is a required property")
    response = client.post("/messages/correlation", json={"name": "m", "variables": [1]})
    refused(response, "[1] is not of type 'object'")
    assert zeebe_engine.received_messages == []


# -- deployments, process instances, process-definition search ---------------------------------


def deploy(client: httpx.Client, *resources: tuple[str, str]) -> httpx.Response:
    files = [("resources", (name, text.encode(), "application/xml")) for name, text in resources]
    return client.post("/deployments", files=files)


def test_a_deployment_over_rest_deploys_every_resource_with_versions(
    zeebe_engine: ZeebeTestEngine, client: httpx.Client
) -> None:
    task = service_task_process("with-task", "t:deployed")
    response = deploy(client, ("straight.bpmn", STRAIGHT_THROUGH), ("task.bpmn", task))
    assert response.status_code == 200, response.text
    deployed = [d["processDefinition"] for d in response.json()["deployments"]]
    assert [(d["processDefinitionId"], d["processDefinitionVersion"]) for d in deployed] == [
        ("straight", 1),
        ("with-task", 1),
    ]
    assert deployed[1]["resourceName"] == "task.bpmn"
    again = deploy(client, ("straight.bpmn", STRAIGHT_THROUGH)).json()["deployments"]
    assert again[0]["processDefinition"]["processDefinitionVersion"] == 2
    assert [p.version for p in zeebe_engine.instances.processes["straight"]] == [1, 2]


def test_a_deployment_the_engine_cannot_read_deploys_nothing(
    zeebe_engine: ZeebeTestEngine, client: httpx.Client
) -> None:
    response = deploy(client, ("straight.bpmn", STRAIGHT_THROUGH), ("bad.bpmn", "<not-bpmn"))
    assert response.status_code == 400
    assert "'bad.bpmn': not well-formed XML" in response.json()["detail"]
    assert zeebe_engine.instances.processes == {}


def test_a_malformed_deployment_is_refused_naming_the_violation(
    zeebe_engine: ZeebeTestEngine, client: httpx.Client
) -> None:
    response = client.post("/deployments", json={"resources": [STRAIGHT_THROUGH]})
    refused(response, "Valid mimetypes: ['multipart/form-data']")
    response = client.post("/deployments", files=[("tenantId", (None, "<default>"))])
    refused(response, "at least one resource, but none given (form part 'resources')")
    assert zeebe_engine.instances.processes == {}


def test_an_instance_created_over_rest_runs_and_can_be_awaited(
    zeebe_engine: ZeebeTestEngine, client: httpx.Client
) -> None:
    deploy(client, ("task.bpmn", service_task_process("with-task", "t:instance")))
    deploy(client, ("straight.bpmn", STRAIGHT_THROUGH))
    response = client.post(
        "/process-instances", json={"processDefinitionId": "with-task", "variables": {"n": 1}}
    )
    assert response.status_code == 200, response.text
    created = response.json()
    assert (created["processDefinitionId"], created["processDefinitionVersion"]) == (
        "with-task",
        1,
    )
    [job] = zeebe_engine.jobs("t:instance")
    assert job.variables == {"n": 1}
    assert str(job.process_instance_key) == created["processInstanceKey"]

    awaited = client.post(
        "/process-instances",
        json={
            "processDefinitionId": "straight",
            "variables": {"a": 1, "b": 2},
            "awaitCompletion": True,
            "fetchVariables": ["a"],
        },
    )
    assert awaited.status_code == 200, awaited.text
    assert awaited.json()["variables"] == {"a": 1}

    key = created["processDefinitionKey"]
    by_key = client.post("/process-instances", json={"processDefinitionKey": key})
    assert by_key.json()["processDefinitionId"] == "with-task"
    missing = client.post("/process-instances", json={"processDefinitionId": "nope"})
    assert missing.status_code == 404 and "'nope'" in missing.json()["detail"]


def test_an_awaited_instance_that_does_not_end_answers_504(
    zeebe_engine: ZeebeTestEngine, client: httpx.Client
) -> None:
    deploy(client, ("task.bpmn", service_task_process("waits", "t:never")))
    body = {"processDefinitionId": "waits", "awaitCompletion": True, "requestTimeout": 200}
    response = client.post("/process-instances", json=body)
    assert response.status_code == 504
    assert "did not complete in 200 ms" in response.json()["detail"]


def test_a_malformed_instance_creation_is_refused_naming_the_violation(
    zeebe_engine: ZeebeTestEngine, client: httpx.Client
) -> None:
    response = client.post("/process-instances", json={"processDefinitionId": "p", "retries": 1})
    assert response.status_code == 400
    assert "retries" in response.json()["detail"]
    response = client.post("/process-instances", json={"processDefinitionKey": 12})
    refused(response, "{'processDefinitionKey': 12} is not valid under any of the given schemas")
    assert zeebe_engine.instances.by_key == {}


def test_process_definitions_are_found_by_id_and_newest_version(
    zeebe_engine: ZeebeTestEngine, client: httpx.Client
) -> None:
    deploy(client, ("straight.bpmn", STRAIGHT_THROUGH))
    deploy(client, ("straight.bpmn", STRAIGHT_THROUGH))
    deploy(client, ("task.bpmn", service_task_process("with-task", "t:search")))
    response = client.post("/process-definitions/search", json={})
    assert response.status_code == 200, response.text
    assert response.json()["page"]["totalItems"] == 3
    body = {"filter": {"processDefinitionId": {"$eq": "straight"}, "isLatestVersion": True}}
    items = client.post("/process-definitions/search", json=body).json()["items"]
    assert [(i["processDefinitionId"], i["version"]) for i in items] == [("straight", 2)]


def test_a_malformed_search_is_refused_naming_the_violation(client: httpx.Client) -> None:
    response = client.post("/process-definitions/search", json={"filter": {"version": "two"}})
    refused(response, "'two' is not of type 'integer'")


# -- the hub's client --------------------------------------------------------------------------


def test_the_hub_client_deploys_starts_searches_and_sends_messages(
    zeebe_engine: ZeebeTestEngine, face: RestFace
) -> None:
    async def scenario() -> None:
        async with camunda(face) as client:
            [deployed] = await client.deploy([("straight.bpmn", STRAIGHT_THROUGH.encode())])
            assert (deployed.process_definition_id, deployed.version) == ("straight", 1)
            found = await client.search_process_definitions("straight", latest_only=True)
            assert found == [deployed]
            instance = await client.create_process_instance(
                "straight", {"x": 1}, await_completion=True
            )
            assert instance.variables == {"x": 1}
            by_key = await client.create_process_instance(
                process_definition_key=deployed.process_definition_key
            )
            assert by_key.process_definition_id == "straight"

            key = await client.publish_message("paid", "o-1", {"p": 1}, time_to_live_ms=5000)
            assert zeebe_engine.subscribe("paid", "o-1").messages == [key]
            with pytest.raises(RequestRefused) as missing:
                await client.correlate_message("approved", "c-9")
            assert missing.value.status == 404
            zeebe_engine.subscribe("approved", "c-9", process_instance_key=77)
            correlated = await client.correlate_message("approved", "c-9", {"ok": True})
            assert correlated.process_instance_key == 77

    asyncio.run(scenario())
    assert face.refused == []  # every request the client sent conforms to rest-api.yaml
    kinds = [(m.kind, m.variables) for m in zeebe_engine.received_messages]
    assert kinds == [("published", {"p": 1}), ("correlated", {"ok": True})]


def test_the_hub_client_authenticates_as_the_worker_does(
    zeebe_engine: ZeebeTestEngine, face: RestFace
) -> None:
    seen: list[str] = []

    async def scenario() -> None:
        async with camunda(face, username="demo", password="demo-pw") as client:
            client.rest.http.event_hooks["request"].append(
                lambda request: _record(seen, request)  # what went over the wire
            )
            await client.publish_message("m")

    asyncio.run(scenario())
    assert seen == ["Basic " + base64.b64encode(b"demo:demo-pw").decode()]
    assert len(zeebe_engine.received_messages) == 1


async def _record(seen: list[str], request: httpx.Request) -> None:
    seen.append(request.headers.get("authorization", ""))


def test_the_hub_client_needs_a_rest_address() -> None:
    with pytest.raises(ValueError, match="CAMUNDA_REST_ADDRESS"):
        CamundaClient.from_config(GatewayConfig(rest_address=""))


def test_a_long_poll_and_a_message_do_not_wait_on_each_other(
    zeebe_engine: ZeebeTestEngine, face: RestFace, client: httpx.Client
) -> None:
    # The REST face serves each request on its own thread: inbound connectors correlate while
    # the worker's long polls wait.
    body = {"type": "t:idle", "worker": "w", "timeout": 1000, "maxJobsToActivate": 1}
    poll = threading.Thread(
        target=lambda: httpx.post(
            f"{face.address}/v2/jobs/activation", json={**body, "requestTimeout": 3000}
        )
    )
    poll.start()
    zeebe_engine.wait_until(lambda: zeebe_engine.store.open_polls == 1, 10, "the long poll")
    assert client.post("/messages/publication", json={"name": "m"}).status_code == 200
    assert zeebe_engine.store.open_polls == 1  # answered while the poll still waits
    poll.join()
    assert [m.name for m in zeebe_engine.received_messages] == ["m"]


def test_a_definitions_xml_is_read_back_and_a_deleted_one_is_not_found(
    zeebe_engine: ZeebeTestEngine, face: RestFace, client: httpx.Client
) -> None:
    (process,) = zeebe_engine.instances.deploy([("straight.bpmn", STRAIGHT_THROUGH.encode())])
    answer = client.get(f"/process-definitions/{process.key}/xml")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/xml"
    assert answer.text == STRAIGHT_THROUGH

    async def read() -> str:
        async with camunda(face) as hub:
            return await hub.process_definition_xml(process.key)

    assert asyncio.run(read()) == STRAIGHT_THROUGH

    zeebe_engine.instances.delete(process.key)
    assert client.get(f"/process-definitions/{process.key}/xml").status_code == 404
    assert client.post("/process-definitions/search", json={}).json()["items"] == []
