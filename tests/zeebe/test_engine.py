"""The test engine keeps Zeebe's documented job semantics, seen through the gateway protocol.

Each test talks raw gRPC (the stubs generated from gateway.proto), so the status codes are the
ones a worker sees. Every other test in tests/zeebe relies on what these pin down.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import grpc
import pytest
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from tests.services.zeebe import gateway_ready
from tests.services.zeebe_engine import ZeebeTestEngine
from tests.zeebe.harness import ErrorBoundary, service_task_process
from tests.zeebe.processes import task_process

pytestmark = pytest.mark.zeebe


@pytest.fixture
def gateway(zeebe_engine: ZeebeTestEngine) -> Iterator[GatewayStub]:
    with grpc.insecure_channel(zeebe_engine.address) as channel:
        yield GatewayStub(channel)


def activate(
    gateway: GatewayStub,
    job_type: str,
    worker: str,
    *,
    timeout_ms: int = 60_000,
    poll_ms: int = -1,
    fetch: tuple[str, ...] = (),
) -> list[pb.ActivatedJob]:
    """One ActivateJobs call; poll_ms -1 answers at once, as Zeebe's does without long polling."""
    request = pb.ActivateJobsRequest(
        type=job_type,
        worker=worker,
        timeout=timeout_ms,
        maxJobsToActivate=10,
        requestTimeout=poll_ms,
        fetchVariable=list(fetch),
    )
    return [job for response in gateway.ActivateJobs(request) for job in response.jobs]


def rejected(call: object) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as error:
        call()  # type: ignore[operator]
    return error.value.code()  # type: ignore[no-any-return,attr-defined]


def test_a_job_goes_to_one_worker_with_its_variables_and_headers(
    zeebe_engine: ZeebeTestEngine, gateway: GatewayStub
) -> None:
    key = zeebe_engine.create_job(
        "t:1", {"a": 1, "b": {"c": "x"}}, headers={"resultVariable": "r"}, retries=5
    )

    (job,) = activate(gateway, "t:1", "first", fetch=("b",))
    assert activate(gateway, "t:1", "second") == []
    assert (job.key, job.worker, job.retries) == (key, "first", 5)
    assert json.loads(job.variables) == {"b": {"c": "x"}}
    assert json.loads(job.customHeaders) == {"resultVariable": "r"}
    assert job.deadline > time.time() * 1000 + 50_000


def test_a_long_poll_answers_as_soon_as_a_job_arrives(
    zeebe_engine: ZeebeTestEngine, gateway: GatewayStub
) -> None:
    threading.Timer(0.2, zeebe_engine.create_job, args=("t:poll",)).start()
    started = time.monotonic()
    (job,) = activate(gateway, "t:poll", "w", poll_ms=10_000)
    assert time.monotonic() - started < 10  # the job ended the poll, not its 10 s
    assert job.type == "t:poll"


def test_a_job_whose_deadline_passes_goes_to_the_next_worker(
    zeebe_engine: ZeebeTestEngine, gateway: GatewayStub
) -> None:
    key = zeebe_engine.create_job("t:timeout")
    activate(gateway, "t:timeout", "killed", timeout_ms=300)

    (again,) = activate(gateway, "t:timeout", "next", poll_ms=10_000)

    assert again.key == key
    events = [(e.kind, e.worker) for e in zeebe_engine.job(key).events]
    assert events == [
        ("created", ""),
        ("activated", "killed"),
        ("timed_out", "killed"),
        ("activated", "next"),
    ]


def test_a_job_stream_pushes_each_job_as_it_arrives(
    zeebe_engine: ZeebeTestEngine, gateway: GatewayStub
) -> None:
    request = pb.StreamActivatedJobsRequest(type="t:stream", worker="streamer", timeout=60_000)
    stream = gateway.StreamActivatedJobs(request)
    keys = [zeebe_engine.create_job("t:stream", {"n": n}) for n in range(3)]

    pushed = [next(stream) for _ in keys]
    stream.cancel()  # type: ignore[attr-defined]

    assert [(job.key, job.worker) for job in pushed] == [(key, "streamer") for key in keys]
    assert [json.loads(job.variables) for job in pushed] == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_a_failure_with_retries_comes_back_after_its_backoff_and_zero_is_an_incident(
    zeebe_engine: ZeebeTestEngine, gateway: GatewayStub
) -> None:
    key = zeebe_engine.create_job("t:fail")
    activate(gateway, "t:fail", "w")
    gateway.FailJob(
        pb.FailJobRequest(
            jobKey=key,
            retries=1,
            errorMessage="first",
            retryBackOff=500,
            variables='{"attempt": 1}',
        )
    )
    failed_at = time.monotonic()
    assert activate(gateway, "t:fail", "w") == []  # the back-off holds it
    (job,) = activate(gateway, "t:fail", "w", poll_ms=10_000)
    assert time.monotonic() - failed_at >= 0.45 and job.retries == 1

    gateway.FailJob(pb.FailJobRequest(jobKey=key, retries=0, errorMessage="gave up"))

    assert activate(gateway, "t:fail", "w", poll_ms=300) == []
    (incident,) = zeebe_engine.incidents
    assert (incident.job_key, incident.kind, incident.message) == (key, "JOB_NO_RETRIES", "gave up")
    first, last = zeebe_engine.job(key).of_kind("failed")
    assert last.retries == 0
    assert (first.retries, first.backoff_ms, first.variables) == (1, 500, {"attempt": 1})
    complete = pb.CompleteJobRequest(jobKey=key)
    assert rejected(lambda: gateway.CompleteJob(complete)) == grpc.StatusCode.FAILED_PRECONDITION


def test_commands_record_what_they_carried_and_unknown_jobs_are_not_found(
    zeebe_engine: ZeebeTestEngine, gateway: GatewayStub
) -> None:
    done, error = zeebe_engine.create_job("t:cmd"), zeebe_engine.create_job("t:cmd")
    activate(gateway, "t:cmd", "w")
    gateway.UpdateJobTimeout(pb.UpdateJobTimeoutRequest(jobKey=done, timeout=90_000))
    gateway.CompleteJob(pb.CompleteJobRequest(jobKey=done, variables='{"out": [1, 2]}'))
    gateway.ThrowError(
        pb.ThrowErrorRequest(
            jobKey=error, errorCode="E1", errorMessage="why", variables='{"v": true}'
        )
    )

    assert zeebe_engine.job(done).of_kind("timeout_updated")[0].timeout_ms == 90_000
    assert zeebe_engine.wait_for(done).outcome.variables == {"out": [1, 2]}  # type: ignore[union-attr]
    thrown = zeebe_engine.wait_for(error).outcome
    assert thrown is not None and (thrown.error_code, thrown.message) == ("E1", "why")
    assert thrown.variables == {"v": True}
    for command in (
        lambda: gateway.CompleteJob(pb.CompleteJobRequest(jobKey=done)),  # already completed
        lambda: gateway.FailJob(pb.FailJobRequest(jobKey=12345, retries=1)),
        lambda: gateway.UpdateJobTimeout(pb.UpdateJobTimeoutRequest(jobKey=12345, timeout=1)),
    ):
        assert rejected(command) == grpc.StatusCode.NOT_FOUND
    bad = pb.CompleteJobRequest(jobKey=error, variables="[1]")
    assert rejected(lambda: gateway.CompleteJob(bad)) == grpc.StatusCode.INVALID_ARGUMENT
    bad_activation = pb.ActivateJobsRequest(type="t", worker="w", timeout=1000)
    assert rejected(lambda: list(gateway.ActivateJobs(bad_activation))) == (
        grpc.StatusCode.INVALID_ARGUMENT
    )


def deploy(gateway: GatewayStub, name: str, xml: str) -> None:
    resource = pb.Resource(name=name, content=xml.encode())
    gateway.DeployResource(pb.DeployResourceRequest(resources=[resource]))


def test_an_instance_maps_inputs_with_feel_and_ends_with_the_job_variables(
    zeebe_engine: ZeebeTestEngine, gateway: GatewayStub
) -> None:
    inputs = {"auth.type": "bearer", "auth.token": '="t-" + string(n)', "url": '="/x/" + id'}
    deploy(gateway, "p.bpmn", task_process("p", "t:p", headers={"h": "v"}, inputs=inputs))
    create = pb.CreateProcessInstanceRequest(bpmnProcessId="p", variables='{"n": 7, "id": "a"}')
    result: list[pb.CreateProcessInstanceWithResultResponse] = []
    waiting = threading.Thread(
        target=lambda: result.append(
            gateway.CreateProcessInstanceWithResult(
                pb.CreateProcessInstanceWithResultRequest(request=create, requestTimeout=20_000)
            )
        )
    )
    waiting.start()

    (job,) = activate(gateway, "t:p", "w", poll_ms=10_000)
    gateway.CompleteJob(pb.CompleteJobRequest(jobKey=job.key, variables='{"done": 1}'))

    assert json.loads(job.variables) == {
        "n": 7,
        "id": "a",
        "auth": {"type": "bearer", "token": "t-7"},
        "url": "/x/a",
    }
    assert (job.bpmnProcessId, job.elementId) == ("p", "task")
    waiting.join(timeout=20)
    # Input mappings are the job's local variables; the completion's reach the instance.
    assert json.loads(result[0].variables) == {"n": 7, "id": "a", "done": 1}


def test_a_bpmn_error_is_caught_by_its_boundary_or_becomes_an_incident(
    zeebe_engine: ZeebeTestEngine, gateway: GatewayStub
) -> None:
    catch = ErrorBoundary("E1", {"why": "=reason"})
    deploy(gateway, "c.bpmn", service_task_process("c", "t:c", catch=catch))
    for variables in ('{"n": 1}', '{"n": 2}'):
        create = pb.CreateProcessInstanceRequest(bpmnProcessId="c", variables=variables)
        gateway.CreateProcessInstance(create)
    caught, uncaught = activate(gateway, "t:c", "w")
    gateway.ThrowError(
        pb.ThrowErrorRequest(jobKey=caught.key, errorCode="E1", variables='{"reason": "no"}')
    )
    gateway.ThrowError(pb.ThrowErrorRequest(jobKey=uncaught.key, errorCode="E2"))

    ended = zeebe_engine.wait_for_instance(caught.key)
    assert ended.variables == {"n": 1, "why": "no"} and ended.visited[-2:] == ["caught", "errorEnd"]
    (incident,) = zeebe_engine.incidents
    assert incident.kind == "UNHANDLED_ERROR_EVENT" and "'E2'" in incident.message


def test_a_deployment_a_broker_would_refuse_is_refused_naming_the_element(
    gateway: GatewayStub,
) -> None:
    no_type = task_process("p", "").replace(' type=""', "")
    bad_feel = task_process("q", "t:q", inputs={"x": "=1 +"})
    for name, xml, expected in (
        ("a.bpmn", no_type, "'a.bpmn': element 'task': a service task needs"),
        ("b.bpmn", bad_feel, "'b.bpmn': element 'task': input 'x'"),
        ("c.bpmn", "<not xml", "'c.bpmn': not well-formed XML"),
    ):
        with pytest.raises(grpc.RpcError) as error:
            deploy(gateway, name, xml)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
        assert expected in error.value.details()  # type: ignore[attr-defined]
    unknown = pb.CreateProcessInstanceRequest(bpmnProcessId="nope")
    assert rejected(lambda: gateway.CreateProcessInstance(unknown)) == grpc.StatusCode.NOT_FOUND


def test_what_the_engine_cannot_run_is_an_incident_naming_the_element(
    zeebe_engine: ZeebeTestEngine,
) -> None:
    gateway_xml = (
        task_process("g", "t:g")
        .replace(
            '<bpmn:endEvent id="end"/>',
            '<bpmn:exclusiveGateway id="split"/><bpmn:endEvent id="end"/>',
        )
        .replace('targetRef="end"', 'targetRef="split"')
    )
    zeebe_engine.deploy(gateway_xml)
    key = zeebe_engine.start_instance("g")
    zeebe_engine.complete(key, {})

    (incident,) = zeebe_engine.incidents
    assert incident.kind == "UNSUPPORTED" and "'split'" in incident.message


def test_a_stopped_engine_no_longer_answers() -> None:
    engine = ZeebeTestEngine()
    address = engine.start()
    assert gateway_ready(address)
    engine.stop()
    assert not gateway_ready(address, timeout=1.0)
