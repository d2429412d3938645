"""The test engine: its state, its gRPC server on a thread of its own, its Python API.

A thread, not a process: the tests read the engine's state directly, and nothing they do
needs the engine to survive them (SIGKILL and the cut connection hit the worker and the
socket, never the engine). The gRPC server runs on its own event loop, so a test's own
asyncio worker and long polls on the engine do not wait on each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import threading
from collections.abc import Callable, Mapping
from typing import Any

import grpc
from pyzeebe.proto.gateway_pb2_grpc import add_GatewayServicer_to_server

from .gateway import Gateway
from .instances import COMPLETED, Instance, Instances
from .jobs import FINISHED, Incident, Job, JobStore
from .messages import Message, Messages, Subscription
from .waiting import wait_at


class ZeebeTestEngine:
    """A job-level Zeebe for tests: `with ZeebeTestEngine() as engine: engine.address`."""

    def __init__(self) -> None:
        self.store = JobStore()
        self.instances = Instances(self.store)
        self.messages = Messages(self.store)
        self.address = ""
        self._port = 0  # 0: any free port; kept after the first start, so a restart reuses it
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    # -- commands (the gRPC face and tests both use these) -----------------------------------

    def complete(
        self, key: int, variables: Mapping[str, Any], result: Mapping[str, Any] | None = None
    ) -> None:
        with self.store.lock:
            job = self.store.complete(key, variables, result)
            self.instances.job_completed(job, variables)

    def fail(
        self, key: int, retries: int, message: str, backoff_ms: int, variables: Mapping[str, Any]
    ) -> None:
        self.store.fail(key, retries, message, backoff_ms, variables)

    def throw_error(self, key: int, code: str, message: str, variables: Mapping[str, Any]) -> None:
        with self.store.lock:
            job = self.store.throw_error(key, code, message, variables)
            self.instances.error_thrown(job, code, message, variables)

    # -- the Python API for tests ------------------------------------------------------------

    def create_job(
        self,
        job_type: str,
        variables: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        retries: int = 3,
    ) -> int:
        """Enqueue one job, as if a process had reached a service task; returns its key."""
        job = self.store.create(job_type, variables or {}, headers or {}, retries)
        return job.key

    def deploy(self, bpmn_xml: str, name: str = "process.bpmn") -> None:
        self.instances.deploy([(name, bpmn_xml.encode())])

    def start_instance(self, process_id: str, variables: Mapping[str, Any] | None = None) -> int:
        """A new instance of a deployed process; returns the key of the job it waits on."""
        instance = self.instances.create(process_id, variables or {})
        if instance.job_key is None:
            raise AssertionError(f"instance of '{process_id}' created no job: {self.incidents}")
        return instance.job_key

    def subscribe(
        self, name: str, correlation_key: str, process_instance_key: int | None = None
    ) -> Subscription:
        """Open the subscription a process waiting at a message catch event would (the
        engine runs none itself): published or correlated messages match it."""
        return self.messages.subscribe(name, correlation_key, process_instance_key)

    def wait_at(
        self,
        process_id: str,
        element_id: str,
        message_name: str,
        correlation_key: str,
        variables: Mapping[str, Any],
    ) -> Subscription:
        """An instance of PROCESS_ID waiting at its catch event ELEMENT_ID with VARIABLES,
        listed by the element instance and variable searches until a message correlates."""
        return wait_at(self, process_id, element_id, message_name, correlation_key, variables)

    @property
    def received_messages(self) -> list[Message]:
        with self.store.lock:
            return copy.deepcopy(self.messages.received)

    def job(self, key: int) -> Job:
        return self.store.snapshot(key)

    def jobs(self, job_type: str | None = None) -> list[Job]:
        return [job for job in self.store if job_type is None or job.type == job_type]

    def wait_for(self, key: int, timeout: float = 30.0) -> Job:
        """The job once a command finished it (completed, error thrown, failed for good)."""
        return self.wait_until(
            lambda: self.store.jobs[key].state in FINISHED and self.job(key),
            timeout,
            f"job {key} to finish (now {self.store.jobs[key].state})",
        )

    def wait_for_instance(self, job_key: int, timeout: float = 30.0) -> Instance:
        """The instance that JOB_KEY belongs to, once it completed (variables as it ended)."""
        instance_key = self.store.jobs[job_key].process_instance_key
        instance = self.instances.by_key[instance_key]
        self.wait_until(lambda: instance.state == COMPLETED, timeout, f"instance {instance_key}")
        with self.store.lock:
            return copy.deepcopy(instance)

    def wait_until(
        self, predicate: Callable[[], Any], timeout: float = 30.0, what: str = "a condition"
    ) -> Any:
        return self.store.wait_until(predicate, timeout, what)

    @property
    def incidents(self) -> list[Incident]:
        with self.store.lock:
            return list(self.store.incidents)

    # -- the server ----------------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> str:
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run, args=(ready, failure), name="zeebe-test-engine", daemon=True
        )
        self._thread.start()
        if not ready.wait(timeout) or failure:
            raise RuntimeError(f"the Zeebe test engine did not start: {failure}")
        return self.address

    def _run(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._serve(ready))
        except BaseException as exc:  # reported to start(), which is waiting
            failure.append(exc)
            ready.set()
        finally:
            # Long polls still waiting end here, not in a closed loop (which logs each one).
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _serve(self, ready: threading.Event) -> None:
        server = grpc.aio.server()
        port = server.add_insecure_port(f"127.0.0.1:{self._port}")
        self._port = port
        gateway = Gateway(self, port)
        add_GatewayServicer_to_server(gateway, server)
        loop = asyncio.get_running_loop()

        def wake_gateway() -> None:
            # A test may still use the store after the engine stopped and its loop closed.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(gateway.wake)

        self.store.listeners.append(wake_gateway)
        self._stop = asyncio.Event()
        await server.start()
        self.address = f"127.0.0.1:{port}"
        ready.set()
        await self._stop.wait()
        await server.stop(grace=None)

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._thread = None

    def __enter__(self) -> ZeebeTestEngine:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
