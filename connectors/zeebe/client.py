"""The Orchestration Cluster REST calls beside jobs: messages, instances, deployments, search.

What inbound connectors call (a webhook correlates a message or starts an instance; a poller
looks up the process definitions it serves): `CamundaClient.from_config(gateway)` reaches the
REST gateway with the live worker's own settings (`CAMUNDA_REST_ADDRESS`, basic or OAuth), so
there is one place to configure Camunda. Request and response shapes are Camunda's
`rest-api.yaml` 8.8; the test engine checks every request against it.

Errors: `GatewayUnavailable` when a request did not arrive (retry later), `RequestRefused`
(with the HTTP `status`) when Camunda turned it down, for example 404 when a correlated
message has no subscription waiting for it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.zeebe.gateway import GatewayConfig
from connectors.zeebe.rest import SAAS_AUDIENCE, SAAS_AUTHORIZATION_SERVER, RestAuth, RestGateway

SEARCH_PAGE = 100  # items per search request (Camunda's default page size)
LATEST = -1  # a process definition's newest version, as Camunda's API says it


def rest_gateway(gateway: GatewayConfig) -> RestGateway:
    """A REST client with the worker's address, credentials and CA certificate."""
    saas = bool(gateway.cluster_id)
    auth = RestAuth(
        username=gateway.username,
        password=gateway.password,
        client_id=gateway.client_id,
        client_secret=gateway.client_secret,
        authorization_server=gateway.authorization_server
        or (SAAS_AUTHORIZATION_SERVER if saas else ""),
        audience=gateway.audience or (SAAS_AUDIENCE if saas else ""),
        scope=gateway.scope,
    )
    return RestGateway(gateway.rest_address, auth, ca_certificate=gateway.ca_certificate)


def _definition(item: dict[str, Any]) -> ProcessDefinition:
    return ProcessDefinition(
        process_definition_id=item["processDefinitionId"],
        process_definition_key=int(item["processDefinitionKey"]),
        version=int(item["version"]),
        resource_name=item.get("resourceName", ""),
    )


@dataclass(frozen=True)
class CorrelatedMessage:
    message_key: int
    process_instance_key: int | None  # None: published and buffered, nothing waited yet


@dataclass(frozen=True)
class ProcessInstance:
    process_instance_key: int
    process_definition_id: str
    process_definition_key: int
    process_definition_version: int
    variables: dict[str, Any]  # with `await_completion`: the instance's variables at its end


@dataclass(frozen=True)
class ProcessDefinition:
    process_definition_id: str
    process_definition_key: int
    version: int
    resource_name: str


@dataclass(frozen=True)
class ElementInstance:
    element_instance_key: int
    process_instance_key: int
    process_definition_key: int
    element_id: str


class CamundaClient:
    """Messages, instances, deployments and search over REST.

    async with CamundaClient.from_config(gateway) as camunda:
        await camunda.correlate_message("order-paid", "order-7", {"paid": True})
    """

    def __init__(self, rest: RestGateway) -> None:
        self.rest = rest

    @classmethod
    def from_config(cls, gateway: GatewayConfig) -> CamundaClient:
        if not gateway.rest_address:
            raise ValueError("CAMUNDA_REST_ADDRESS is needed for messages and process instances")
        return cls(rest_gateway(gateway))

    async def close(self) -> None:
        await self.rest.close()

    async def __aenter__(self) -> CamundaClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def publish_message(
        self,
        name: str,
        correlation_key: str = "",
        variables: Mapping[str, Any] | None = None,
        *,
        time_to_live_ms: int = 0,
        message_id: str = "",
    ) -> int:
        """Publish (buffered for TIME_TO_LIVE_MS when nothing waits yet); the message key.
        A MESSAGE_ID already published and still buffered is refused (409)."""
        body: dict[str, Any] = {
            "name": name,
            "correlationKey": correlation_key,
            "timeToLive": time_to_live_ms,
            "variables": dict(variables or {}),
        }
        if message_id:
            body["messageId"] = message_id
        answer = (await self.rest.call("POST", "/messages/publication", json=body)).json()
        return int(answer["messageKey"])

    async def correlate_message(
        self,
        name: str,
        correlation_key: str = "",
        variables: Mapping[str, Any] | None = None,
    ) -> CorrelatedMessage:
        """Correlate to a waiting subscription, never buffered: RequestRefused (404) when
        no process instance waits for NAME with CORRELATION_KEY."""
        body = {"name": name, "correlationKey": correlation_key, "variables": dict(variables or {})}
        answer = (await self.rest.call("POST", "/messages/correlation", json=body)).json()
        instance = answer.get("processInstanceKey")
        return CorrelatedMessage(int(answer["messageKey"]), int(instance) if instance else None)

    async def create_process_instance(
        self,
        process_definition_id: str = "",
        variables: Mapping[str, Any] | None = None,
        *,
        version: int = LATEST,
        process_definition_key: int | None = None,
        await_completion: bool = False,
        request_timeout_ms: int = 0,
        fetch_variables: Sequence[str] = (),
    ) -> ProcessInstance:
        """Start an instance by id (and version) or by definition key; with AWAIT_COMPLETION
        the answer comes when it ends (504 from Camunda after REQUEST_TIMEOUT_MS)."""
        if bool(process_definition_id) == (process_definition_key is not None):
            raise ValueError("give either process_definition_id or process_definition_key")
        body: dict[str, Any] = {"variables": dict(variables or {})}
        if process_definition_key is not None:
            body["processDefinitionKey"] = str(process_definition_key)
        else:
            body["processDefinitionId"] = process_definition_id
            body["processDefinitionVersion"] = version
        if await_completion:
            body["awaitCompletion"] = True
            body["requestTimeout"] = request_timeout_ms
            if fetch_variables:
                body["fetchVariables"] = list(fetch_variables)
        wait = (request_timeout_ms or 10_000) / 1000 + 10 if await_completion else None
        response = await self.rest.call("POST", "/process-instances", json=body, timeout=wait)
        answer = response.json()
        return ProcessInstance(
            process_instance_key=int(answer["processInstanceKey"]),
            process_definition_id=answer["processDefinitionId"],
            process_definition_key=int(answer["processDefinitionKey"]),
            process_definition_version=int(answer["processDefinitionVersion"]),
            variables=dict(answer.get("variables") or {}),
        )

    async def deploy(self, resources: Sequence[tuple[str, bytes]]) -> list[ProcessDefinition]:
        """Deploy (file name, content) pairs at once; the processes they define."""
        files = [("resources", (name, data, "application/xml")) for name, data in resources]
        answer = (await self.rest.call("POST", "/deployments", files=files)).json()
        return [
            ProcessDefinition(
                process_definition_id=process["processDefinitionId"],
                process_definition_key=int(process["processDefinitionKey"]),
                version=int(process["processDefinitionVersion"]),
                resource_name=process["resourceName"],
            )
            for deployed in answer.get("deployments", [])
            if (process := deployed.get("processDefinition"))
        ]

    async def search_process_definitions(
        self,
        process_definition_id: str = "",
        *,
        latest_only: bool = False,
    ) -> list[ProcessDefinition]:
        """Every deployed process definition (of one id when given; only newest versions), every
        page of them."""
        wanted: dict[str, Any] = {}
        if process_definition_id:
            # rest-api.yaml 8.8 types the filter as an object: `{"$eq": id}`, not a bare id.
            wanted["processDefinitionId"] = {"$eq": process_definition_id}
        if latest_only:
            wanted["isLatestVersion"] = True
        items = await self._search_all("/process-definitions/search", wanted)
        return [_definition(item) for item in items]

    async def _search_all(self, path: str, wanted: dict[str, Any]) -> list[dict[str, Any]]:
        """Every item of the search at PATH, read page by page: each next page `after` the
        `endCursor` of the one before, until a page is empty or has no cursor (Camunda's
        SearchQueryClientImpl and PaginatedSearchUtil)."""
        found: list[dict[str, Any]] = []
        page: dict[str, Any] = {"limit": SEARCH_PAGE}
        while True:
            answer = await self.rest.call("POST", path, json={"filter": wanted, "page": page})
            body = answer.json()
            items = body.get("items", [])
            found.extend(items)
            cursor = (body.get("page") or {}).get("endCursor")
            if not items or not cursor:
                return found
            page = {"limit": SEARCH_PAGE, "after": cursor}

    async def process_definition_xml(self, process_definition_key: int) -> str:
        """The BPMN XML of one deployed process definition (what inbound discovery reads)."""
        response = await self.rest.call("GET", f"/process-definitions/{process_definition_key}/xml")
        return response.text

    async def search_element_instances(
        self, process_definition_key: int, element_id: str
    ) -> list[ElementInstance]:
        """The ACTIVE instances of one element of one process definition (what a poller
        serves), every page of them."""
        items = await self._search_all(
            "/element-instances/search", _active_at(process_definition_key, element_id)
        )
        return [
            ElementInstance(
                element_instance_key=int(item["elementInstanceKey"]),
                process_instance_key=int(item["processInstanceKey"]),
                process_definition_key=int(item["processDefinitionKey"]),
                element_id=item["elementId"],
            )
            for item in items
        ]

    async def element_is_active(self, process_definition_key: int, element_id: str) -> bool:
        """Whether any instance of PROCESS_DEFINITION_KEY is at ELEMENT_ID now: one page of
        one item (inbound discovery asks it of an older version's elements)."""
        body = {"filter": _active_at(process_definition_key, element_id), "page": {"limit": 1}}
        answer = await self.rest.call("POST", "/element-instances/search", json=body)
        return bool(answer.json().get("items"))

    async def search_variables(self, process_instance_key: int) -> dict[str, Any]:
        """The variables of one process instance by name, values decoded from the JSON text
        Camunda returns (a truncated value stays its text); every page of them."""
        wanted = {"processInstanceKey": {"$eq": str(process_instance_key)}}
        items = await self._search_all("/variables/search", wanted)
        variables: dict[str, Any] = {}
        for item in items:
            text = item.get("value", "null")
            try:
                variables[item["name"]] = text if item.get("isTruncated") else json.loads(text)
            except ValueError:
                variables[item["name"]] = text
        return variables


def _active_at(process_definition_key: int, element_id: str) -> dict[str, Any]:
    return {
        "processDefinitionKey": str(process_definition_key),
        "elementId": element_id,
        # rest-api.yaml 8.8 types the state filter as an object
        "state": {"$eq": "ACTIVE"},
    }
