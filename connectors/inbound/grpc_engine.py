"""The inbound runtime's engine calls over gRPC, for an engine reached only (or preferably) over
gRPC: the same methods and answers as `CamundaClient`, so `points.py` and the Deploy action do
not care which transport carries them (Camunda's InboundCorrelationHandler goes through the
Java client, which speaks either).

Sent with the gateway stubs pyzeebe ships on the live worker's kind of channel, as
connectors/zeebe/grpc_commands.py does: pyzeebe's ZeebeClient retries and closes its channel on
its own after failures, which would hide the one thing the retry rule needs to know (did the
request leave?). Before each request the channel must be READY within CONNECT_SECONDS: when it
is not, nothing was sent (`ConnectionRefusedError` as the cause, tried again by points.py);
UNAVAILABLE during the call may have arrived (never sent again).

Zeebe's gRPC API (8.7, pyzeebe 4.7's protocol) has no CorrelateMessage and no search of process
definitions: a synchronous message correlation and discovery need REST.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any

import grpc
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from connectors.zeebe.client import LATEST, CorrelatedMessage, ProcessDefinition, ProcessInstance
from connectors.zeebe.gateway import GatewayConfig
from connectors.zeebe.rest import GatewayUnavailable, RequestRefused

CONNECT_SECONDS = 2.0  # a channel not READY by then is taken as refused: nothing was sent
REQUEST_SECONDS = 30.0
# gRPC status -> the HTTP status CamundaClient's RequestRefused would carry (Camunda's mapping)
STATUS = {
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
}
MAY_HAVE_ARRIVED = (
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.CANCELLED,
    grpc.StatusCode.UNAUTHENTICATED,
    grpc.StatusCode.PERMISSION_DENIED,
)


class GrpcCamunda:
    """`CamundaClient`'s inbound methods over one gRPC channel."""

    def __init__(self, config: GatewayConfig) -> None:
        self.address = config.display_address
        self.channel = config.channel()
        self.gateway = GatewayStub(self.channel)

    async def close(self) -> None:
        await self.channel.close()

    async def publish_message(
        self,
        name: str,
        correlation_key: str = "",
        variables: Mapping[str, Any] | None = None,
        *,
        time_to_live_ms: int = 0,
        message_id: str = "",
    ) -> int:
        """The message key; a MESSAGE_ID still buffered is RequestRefused(409), as over REST."""
        request = pb.PublishMessageRequest(
            name=name,
            correlationKey=correlation_key,
            timeToLive=time_to_live_ms,
            messageId=message_id,
            variables=json.dumps(dict(variables or {})),
        )
        answer = await self._send(self.gateway.PublishMessage, request)
        return int(answer.key)

    async def correlate_message(
        self, name: str, correlation_key: str = "", variables: Mapping[str, Any] | None = None
    ) -> CorrelatedMessage:
        raise RequestRefused(
            501,
            "a synchronous message correlation needs Camunda 8.8+'s REST API "
            "(CAMUNDA_REST_ADDRESS): gRPC has no CorrelateMessage",
        )

    async def create_process_instance(
        self,
        process_definition_id: str,
        variables: Mapping[str, Any] | None = None,
        *,
        version: int = LATEST,
        await_completion: bool = False,
        request_timeout_ms: int = 0,
    ) -> ProcessInstance:
        """An instance of the process id at VERSION; with AWAIT_COMPLETION, its end
        (CreateProcessInstanceWithResult) and its variables then."""
        request = pb.CreateProcessInstanceRequest(
            bpmnProcessId=process_definition_id,
            version=version,
            variables=json.dumps(dict(variables or {})),
        )
        if not await_completion:
            answer = await self._send(self.gateway.CreateProcessInstance, request)
            return _instance(answer, {})
        waiting = pb.CreateProcessInstanceWithResultRequest(
            request=request, requestTimeout=request_timeout_ms
        )
        wait = (request_timeout_ms or 10_000) / 1000 + 10
        answer = await self._send(
            self.gateway.CreateProcessInstanceWithResult, waiting, timeout=wait
        )
        return _instance(answer, json.loads(answer.variables or "{}"))

    async def deploy(self, resources: Sequence[tuple[str, bytes]]) -> list[ProcessDefinition]:
        request = pb.DeployResourceRequest(
            resources=[pb.Resource(name=name, content=data) for name, data in resources]
        )
        answer = await self._send(self.gateway.DeployResource, request)
        return [
            ProcessDefinition(
                process_definition_id=d.process.bpmnProcessId,
                process_definition_key=d.process.processDefinitionKey,
                version=d.process.version,
                resource_name=d.process.resourceName,
            )
            for d in answer.deployments
            if d.HasField("process")
        ]

    async def _send(self, method: Any, request: Any, timeout: float = REQUEST_SECONDS) -> Any:
        try:
            await asyncio.wait_for(self.channel.channel_ready(), CONNECT_SECONDS)
        except TimeoutError as exc:
            raise GatewayUnavailable(
                f"the gRPC gateway at {self.address} did not accept a connection"
            ) from ConnectionRefusedError(str(exc))
        try:
            return await method(request, timeout=timeout)
        except grpc.aio.AioRpcError as exc:
            reason = f"{exc.code().name}: {exc.details()}"
            if exc.code() in MAY_HAVE_ARRIVED:
                raise GatewayUnavailable(f"the gRPC gateway at {self.address}: {reason}") from exc
            raise RequestRefused(STATUS.get(exc.code(), 400), reason) from exc


def _instance(answer: Any, variables: dict[str, Any]) -> ProcessInstance:
    return ProcessInstance(
        process_instance_key=answer.processInstanceKey,
        process_definition_id=answer.bpmnProcessId,
        process_definition_key=answer.processDefinitionKey,
        process_definition_version=answer.version,
        variables=variables,
    )
