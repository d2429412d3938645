"""The four job commands over gRPC, on the gateway stubs pyzeebe ships (from gateway.proto).

pyzeebe 4.7's public job controller cannot send FailJob with exact retries nor
UpdateJobTimeout, and its gateway adapter is private; the generated stubs are the public
protocol itself, so the commands are sent with them on the worker's own channel (its
credentials and TLS included). A refusal (NOT_FOUND, FAILED_PRECONDITION, a lost connection)
becomes `CommandRejected` naming the gRPC status and Zeebe's reason.
"""

import json
from collections.abc import Mapping
from typing import Any

import grpc
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from connectors.zeebe.jobs import CommandRejected, JobResultRefused

GRPC_CANNOT_CARRY = (
    "the connector returned a job result, which the gRPC transport cannot send (pyzeebe 4.7 "
    "speaks Zeebe 8.7's protocol); serve this job type over REST (CAMUNDA_REST_ADDRESS, "
    "Camunda 8.8+)"
)
COMMAND_TIMEOUT_SECONDS = 30.0  # a command the gateway has not answered by then did not arrive


class GrpcCommands:
    """`JobCommands` over one gRPC channel."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.gateway = GatewayStub(channel)

    async def complete(
        self,
        job_key: int,
        variables: Mapping[str, Any],
        result: Mapping[str, Any] | None = None,
    ) -> None:
        if result is not None:  # CompleteJobRequest has no `result` field in pyzeebe's stubs
            raise JobResultRefused(GRPC_CANNOT_CARRY)
        request = pb.CompleteJobRequest(jobKey=job_key, variables=json.dumps(dict(variables)))
        await _send(self.gateway.CompleteJob, request)

    async def fail(
        self,
        job_key: int,
        retries: int,
        message: str,
        backoff_ms: int,
        variables: Mapping[str, Any],
    ) -> None:
        request = pb.FailJobRequest(
            jobKey=job_key,
            retries=retries,
            errorMessage=message,
            retryBackOff=backoff_ms,
            variables=json.dumps(dict(variables)),
        )
        await _send(self.gateway.FailJob, request)

    async def throw_error(
        self, job_key: int, code: str, message: str, variables: Mapping[str, Any]
    ) -> None:
        request = pb.ThrowErrorRequest(
            jobKey=job_key,
            errorCode=code,
            errorMessage=message,
            variables=json.dumps(dict(variables)),
        )
        await _send(self.gateway.ThrowError, request)

    async def update_timeout(self, job_key: int, timeout_ms: int) -> None:
        request = pb.UpdateJobTimeoutRequest(jobKey=job_key, timeout=timeout_ms)
        await _send(self.gateway.UpdateJobTimeout, request)


async def _send(method: Any, request: Any) -> None:
    try:
        await method(request, timeout=COMMAND_TIMEOUT_SECONDS)
    except grpc.aio.AioRpcError as exc:
        raise CommandRejected(f"{exc.code().name}: {exc.details()}") from exc
