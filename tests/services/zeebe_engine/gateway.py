"""The Zeebe gateway gRPC service, on the stubs pyzeebe ships (generated from gateway.proto).

Each method turns a request into one engine call and the engine's refusal into the status
code Zeebe's gateway answers with (NOT_FOUND, FAILED_PRECONDITION, INVALID_ARGUMENT), since
workers react to the code. Long polling waits on the engine's change signal, not a timer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import grpc
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayServicer

from .bpmn import DeploymentError
from .instances import COMPLETED
from .jobs import Job, JobCommandError, JobStore

if TYPE_CHECKING:
    from .engine import ZeebeTestEngine

T = TypeVar("T")
VERSION = "8.6.0-connectorhub-test-engine"  # the protocol level pyzeebe 4.7 speaks
DEFAULT_LONG_POLL_MS = 10_000  # Zeebe's gateway default when requestTimeout is 0


class Gateway(GatewayServicer):
    def __init__(self, engine: ZeebeTestEngine, port: int) -> None:
        self.engine = engine
        self.port = port
        self._changed = asyncio.Event()
        self._watches: dict[asyncio.Future[None], Callable[[], bool]] = {}

    def wake(self) -> None:
        """Called on the event loop after every change: wake every waiter once, and settle
        the watches whose state has come."""
        self._changed.set()
        self._changed = asyncio.Event()
        for settled, check in list(self._watches.items()):
            if not settled.done() and check():
                settled.set_result(None)

    async def _until(self, check: Callable[[], bool], end: float, context: Any) -> bool:
        """Whether CHECK came true by END (False once the client has gone).

        For a state that only a command brings (an instance completing), not time: `wake`
        checks it at each change. Waking a task per waiter at every change instead cost the
        engine more than the worker under test once 100 results were awaited at once."""
        settled = asyncio.get_running_loop().create_future()
        self._watches[settled] = check
        context.add_done_callback(lambda _context: settled.done() or settled.set_result(None))
        try:
            if not check():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(settled, max(end - time.monotonic(), 0))
        finally:
            del self._watches[settled]
        return check()

    async def _wait(self, attempt: Callable[[], T], end: float, context: Any) -> T:
        """ATTEMPT's first truthy value, tried at each change and when a job's time is due;
        a falsy one at END or once the client has gone (CONTEXT done)."""
        # The client's cancel does not always cancel this task at once: it wakes the wait.
        context.add_done_callback(lambda _context: self.wake())
        while True:
            changed = self._changed  # taken before trying, so no wake-up is missed
            value = attempt()
            now = time.monotonic()
            if value or now >= end or context.done():
                return value
            due = self.engine.store.next_due()
            wake = end if due is None else min(end, max(due, now + 0.005))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), wake - now)

    # -- jobs ---------------------------------------------------------------------------------

    async def ActivateJobs(
        self, request: pb.ActivateJobsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ActivateJobsResponse]:
        await _check_activation(request.type, request.timeout, context)
        if request.maxJobsToActivate < 1:
            await _abort(
                context,
                "INVALID_ARGUMENT",
                "Expected to activate jobs with max jobs "
                f"to activate greater than zero, but was {request.maxJobsToActivate}",
            )
        poll = request.requestTimeout or DEFAULT_LONG_POLL_MS
        end = time.monotonic() + max(poll, 0) / 1000
        store = self.engine.store
        with store.polling():
            jobs = await self._wait(
                # A poll its client has given up on takes nothing.
                lambda: (
                    []
                    if context.cancelled()
                    else store.activate(
                        request.type,
                        request.worker or "default",
                        request.timeout,
                        request.maxJobsToActivate,
                    )
                ),
                end,
                context,
            )
        if jobs:
            fetch = list(request.fetchVariable)
            async with _given_back_unless_sent(store, jobs, context):
                yield pb.ActivateJobsResponse(jobs=[_activated(job, fetch) for job in jobs])

    async def StreamActivatedJobs(
        self, request: pb.StreamActivatedJobsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ActivatedJob]:
        await _check_activation(request.type, request.timeout, context)
        store, fetch = self.engine.store, list(request.fetchVariable)
        while True:  # until the client goes away, which cancels this task
            jobs = await self._wait(
                lambda: store.activate(
                    request.type, request.worker or "default", request.timeout, 1
                ),
                float("inf"),
                context,
            )
            if not jobs:  # the client closed the stream
                return
            async with _given_back_unless_sent(store, jobs, context):
                yield _activated(jobs[0], fetch)

    async def CompleteJob(self, request: pb.CompleteJobRequest, context: Any) -> Any:
        variables = await _variables(request.variables, context)
        await _command(context, lambda: self.engine.complete(request.jobKey, variables))
        return pb.CompleteJobResponse()

    async def FailJob(self, request: pb.FailJobRequest, context: Any) -> Any:
        variables = await _variables(request.variables, context)
        await _command(
            context,
            lambda: self.engine.fail(
                request.jobKey,
                request.retries,
                request.errorMessage,
                request.retryBackOff,
                variables,
            ),
        )
        return pb.FailJobResponse()

    async def ThrowError(self, request: pb.ThrowErrorRequest, context: Any) -> Any:
        variables = await _variables(request.variables, context)
        if not request.errorCode:
            await _abort(
                context,
                "INVALID_ARGUMENT",
                "Expected argument 'errorCode' to be provided, but it's empty",
            )
        await _command(
            context,
            lambda: self.engine.throw_error(
                request.jobKey, request.errorCode, request.errorMessage, variables
            ),
        )
        return pb.ThrowErrorResponse()

    async def UpdateJobTimeout(self, request: pb.UpdateJobTimeoutRequest, context: Any) -> Any:
        await _command(
            context, lambda: self.engine.store.update_timeout(request.jobKey, request.timeout)
        )
        return pb.UpdateJobTimeoutResponse()

    # -- cluster, deployments, instances ------------------------------------------------------

    async def Topology(self, request: pb.TopologyRequest, context: Any) -> Any:
        partition = pb.Partition(
            partitionId=1, role=pb.Partition.LEADER, health=pb.Partition.HEALTHY
        )
        broker = pb.BrokerInfo(
            nodeId=0, host="127.0.0.1", port=self.port, partitions=[partition], version=VERSION
        )
        return pb.TopologyResponse(
            brokers=[broker],
            clusterSize=1,
            partitionsCount=1,
            replicationFactor=1,
            gatewayVersion=VERSION,
        )

    async def DeployResource(self, request: pb.DeployResourceRequest, context: Any) -> Any:
        resources = [(r.name, r.content) for r in request.resources]
        try:
            processes = self.engine.instances.deploy(resources)
        except DeploymentError as exc:
            await _abort(
                context,
                "INVALID_ARGUMENT",
                "Command 'CREATE' rejected with code "
                "'INVALID_ARGUMENT': Expected to deploy new resources, but encountered "
                f"the following errors:\n{exc}",
            )
        deployments = [
            pb.Deployment(
                process=pb.ProcessMetadata(
                    bpmnProcessId=p.id,
                    version=p.version,
                    processDefinitionKey=p.key,
                    resourceName=p.resource_name,
                    tenantId="<default>",
                )
            )
            for p in processes
        ]
        key = self.engine.store.next_key()
        return pb.DeployResourceResponse(key=key, deployments=deployments, tenantId="<default>")

    async def CreateProcessInstance(
        self, request: pb.CreateProcessInstanceRequest, context: Any
    ) -> Any:
        instance = await self._create(request, context)
        return pb.CreateProcessInstanceResponse(**_instance_fields(instance))

    async def CreateProcessInstanceWithResult(
        self, request: pb.CreateProcessInstanceWithResultRequest, context: Any
    ) -> Any:
        instance = await self._create(request.request, context)
        timeout_ms = request.requestTimeout or DEFAULT_LONG_POLL_MS
        end = time.monotonic() + timeout_ms / 1000
        done = await self._until(lambda: instance.state == COMPLETED, end, context)
        if not done:
            await _abort(
                context,
                "DEADLINE_EXCEEDED",
                "Time out between gateway and broker: "
                f"instance {instance.key} did not complete in {timeout_ms} ms",
            )
        variables = dict(instance.variables)
        if request.fetchVariables:
            variables = {k: v for k, v in variables.items() if k in request.fetchVariables}
        return pb.CreateProcessInstanceWithResultResponse(
            **_instance_fields(instance), variables=json.dumps(variables)
        )

    async def _create(self, request: pb.CreateProcessInstanceRequest, context: Any) -> Any:
        variables = await _variables(request.variables, context)
        process_id = request.bpmnProcessId or self.engine.instances.id_of(
            request.processDefinitionKey
        )
        return await _command(context, lambda: self.engine.instances.create(process_id, variables))

    async def PublishMessage(self, request: pb.PublishMessageRequest, context: Any) -> Any:
        # the store the REST face publishes to: a message id is refused on either face alike
        variables = await _variables(request.variables, context)
        message = await _command(
            context,
            lambda: self.engine.messages.publish(
                request.name,
                request.correlationKey,
                variables,
                time_to_live_ms=request.timeToLive,
                message_id=request.messageId,
            ),
        )
        return pb.PublishMessageResponse(key=message.key, tenantId="<default>")

    async def CancelProcessInstance(self, request: Any, context: Any) -> Any:
        await _command(context, lambda: self.engine.instances.cancel(request.processInstanceKey))
        return pb.CancelProcessInstanceResponse()


@contextlib.asynccontextmanager
async def _given_back_unless_sent(
    store: JobStore, jobs: list[Job], context: grpc.aio.ServicerContext
) -> AsyncIterator[None]:
    """Zeebe's gateway hands activated jobs back when it cannot send them to the worker
    (the client cancelled), rather than leave them to their timeout."""
    try:
        yield
    except BaseException:
        store.give_back([job.key for job in jobs])
        raise
    if context.cancelled():
        store.give_back([job.key for job in jobs])


def _activated(job: Job, fetch: list[str]) -> pb.ActivatedJob:
    variables = job.fetched(fetch)
    return pb.ActivatedJob(
        key=job.key,
        type=job.type,
        processInstanceKey=job.process_instance_key,
        bpmnProcessId=job.bpmn_process_id,
        processDefinitionVersion=job.process_definition_version,
        processDefinitionKey=job.process_definition_key,
        elementId=job.element_id,
        elementInstanceKey=job.element_instance_key,
        customHeaders=json.dumps(job.headers),
        worker=job.worker,
        retries=job.retries,
        deadline=job.deadline_epoch_ms,
        variables=json.dumps(variables),
        tenantId="<default>",
    )


def _instance_fields(instance: Any) -> dict[str, Any]:
    return {
        "processDefinitionKey": instance.process.key,
        "bpmnProcessId": instance.process.id,
        "version": instance.process.version,
        "processInstanceKey": instance.key,
        "tenantId": "<default>",
    }


async def _check_activation(job_type: str, timeout: int, context: Any) -> None:
    if not job_type:
        await _abort(context, "INVALID_ARGUMENT", "Expected argument 'type' to be provided")
    if timeout < 1:
        await _abort(
            context,
            "INVALID_ARGUMENT",
            f"Expected argument 'timeout' to be greater than zero, but was {timeout}",
        )


async def _variables(text: str, context: Any) -> dict[str, Any]:
    """A command's variables: a JSON object document, or empty (Zeebe refuses the rest)."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        await _abort(context, "INVALID_ARGUMENT", f"variables are not valid JSON: {exc}")
    if not isinstance(value, dict):
        await _abort(
            context,
            "INVALID_ARGUMENT",
            f"Expected document to be a root level object, but was '{type(value).__name__}'",
        )
    return value


async def _command(context: Any, run: Callable[[], T]) -> T:
    try:
        return run()
    except JobCommandError as exc:
        await _abort(context, exc.code, str(exc))
        raise  # unreachable: abort raises


async def _abort(context: Any, code: str, message: str) -> Any:
    await context.abort(getattr(grpc.StatusCode, code), message)
