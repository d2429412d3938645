"""Deployments and process instances: a chain of job elements walked along its flows.

An instance starts at the none start event and follows single outgoing flows; an element with
a task definition creates a job and waits for it; an end event completes the instance. A BPMN
error goes to the boundary event that catches its code, or becomes an incident. Anything the
walk cannot follow (a gateway, a second outgoing flow, a catch event) raises an incident of
kind UNSUPPORTED that names the element, rather than guessing at BPMN semantics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.feel import FeelError

from .bpmn import Element, Process, apply_mappings, expression_value, read_resource
from .jobs import Incident, Job, JobCommandError, JobStore

ACTIVE, COMPLETED, TERMINATED, INCIDENT = "active", "completed", "terminated", "incident"
# Elements an instance passes straight through.
PASS_THROUGH = {"startEvent", "task", "manualTask", "intermediateThrowEvent", "boundaryEvent"}


@dataclass
class Instance:
    key: int
    process: Process
    variables: dict[str, Any]
    state: str = ACTIVE
    job_key: int | None = None
    visited: list[str] = field(default_factory=list)  # element ids, in order


class Instances:
    """What DeployResource and CreateProcessInstance act on; runs under the store's lock."""

    def __init__(self, store: JobStore) -> None:
        self.store = store
        self.processes: dict[str, list[Process]] = {}  # id -> versions, oldest first
        self.by_key: dict[int, Instance] = {}
        self.by_job: dict[int, Instance] = {}

    def deploy(self, resources: list[tuple[str, bytes]]) -> list[Process]:
        """Read every resource first, so that one bad file deploys nothing (as Zeebe)."""
        read = [p for name, content in resources for p in _named(name, content)]
        with self.store.lock:
            for process in read:
                versions = self.processes.setdefault(process.id, [])
                process.version, process.key = len(versions) + 1, self.store.next_key()
                versions.append(process)
        return read

    def latest(self, process_id: str) -> Process:
        versions = self.processes.get(process_id)
        if not versions:
            raise JobCommandError(
                "NOT_FOUND",
                f"Expected to find process definition with process ID '{process_id}', "
                "but none found",
            )
        return versions[-1]

    def at(self, process_id: str, version: int) -> Process:
        for process in self.processes.get(process_id, []):
            if process.version == version:
                return process
        raise JobCommandError(
            "NOT_FOUND",
            f"Expected to find process definition with process ID '{process_id}' and version "
            f"'{version}', but none found",
        )

    def delete(self, definition_key: int) -> None:
        """Delete one process definition (Camunda's DeleteResource): searches no longer find
        it and no new instance starts from it."""
        with self.store.lock:
            for versions in self.processes.values():
                for process in versions:
                    if process.key == definition_key:
                        versions.remove(process)
                        return
        raise JobCommandError(
            "NOT_FOUND",
            f"Expected to delete resource with key '{definition_key}', but no such resource "
            "was found",
        )

    def definition(self, definition_key: int) -> Process:
        with self.store.lock:
            for versions in self.processes.values():
                for process in versions:
                    if process.key == definition_key:
                        return process
        raise JobCommandError(
            "NOT_FOUND",
            f"Expected to find process definition with key '{definition_key}', but none found",
        )

    def id_of(self, definition_key: int) -> str:
        for versions in self.processes.values():
            for process in versions:
                if process.key == definition_key:
                    return process.id
        raise JobCommandError(
            "NOT_FOUND",
            f"Expected to find process definition with key '{definition_key}', but none found",
        )

    def create(self, process_id: str, variables: Mapping[str, Any], version: int = -1) -> Instance:
        """An instance of PROCESS_ID at VERSION (-1: the newest, as Zeebe's default)."""
        with self.store.lock:
            process = self.latest(process_id) if version == -1 else self.at(process_id, version)
            if process.start is None:
                raise JobCommandError(
                    "INVALID_ARGUMENT",
                    f"Expected to create instance of process with none start event, but "
                    f"process '{process_id}' has none",
                )
            instance = Instance(self.store.next_key(), process, dict(variables))
            self.by_key[instance.key] = instance
            self._walk(instance, process.start)
            return instance

    def cancel(self, key: int) -> None:
        with self.store.lock:
            instance = self.by_key.get(key)
            if instance is None or instance.state in (COMPLETED, TERMINATED):
                raise JobCommandError(
                    "NOT_FOUND",
                    f"Expected to cancel a process instance with key '{key}', "
                    "but no such process was found",
                )
            instance.state = TERMINATED
            if instance.job_key is not None:
                self.store.cancel(instance.job_key)
            self.store.notify()

    def job_completed(self, job: Job, variables: Mapping[str, Any]) -> None:
        instance = self.by_job.pop(job.key, None)
        if instance is None or instance.state != ACTIVE:
            return
        element = instance.process.elements[job.element_id]
        if element.outputs:
            local = {**instance.variables, **job.variables, **variables}
            self._set(instance, element, lambda: apply_mappings(element.outputs, local))
        else:
            instance.variables.update(variables)
        self._leave(instance, element)

    def error_thrown(self, job: Job, code: str, message: str, variables: Mapping[str, Any]) -> None:
        instance = self.by_job.pop(job.key, None)
        if instance is None or instance.state != ACTIVE:
            return
        boundary = instance.process.catcher(job.element_id, code)
        if boundary is None:
            text = (
                f"Expected to throw an error event with the code '{code}' with message "
                f"'{message}', but it was not caught. No error events are available in the scope."
            )
            self._incident(instance, "UNHANDLED_ERROR_EVENT", job.element_id, text, job.key)
            return
        instance.visited.append(boundary.id)
        if boundary.outputs:
            local = {**instance.variables, **variables}
            self._set(instance, boundary, lambda: apply_mappings(boundary.outputs, local))
        else:
            instance.variables.update(variables)
        self._leave(instance, boundary)

    def _set(self, instance: Instance, element: Element, mapped: Any) -> None:
        try:
            instance.variables.update(mapped())
        except FeelError as exc:
            self._incident(instance, "IO_MAPPING_ERROR", element.id, str(exc))

    def _walk(self, instance: Instance, element: Element) -> None:
        """From ELEMENT on, until a job waits, the instance ends, or an incident stops it."""
        while instance.state == ACTIVE:
            instance.visited.append(element.id)
            if element.job_type:
                self._create_job(instance, element)
                return
            if element.kind == "endEvent":
                instance.state = COMPLETED
                self.store.notify()
                return
            if element.kind not in PASS_THROUGH or element.event_definitions:
                self._unsupported(instance, element, f"a {element.kind}")
                return
            nxt = self._next(instance, element)
            if nxt is None:
                return
            element = nxt

    def _leave(self, instance: Instance, element: Element) -> None:
        nxt = self._next(instance, element)
        if nxt is not None:
            self._walk(instance, nxt)

    def _next(self, instance: Instance, element: Element) -> Element | None:
        if not element.outgoing:  # an implicit end, as in BPMN
            instance.state = COMPLETED
            self.store.notify()
            return None
        if len(element.outgoing) > 1:
            self._unsupported(instance, element, "more than one outgoing flow")
            return None
        return instance.process.elements[element.outgoing[0]]

    def _create_job(self, instance: Instance, element: Element) -> None:
        try:
            local = apply_mappings(element.inputs, instance.variables)
            job_type = str(expression_value(element.job_type, instance.variables))
            retries = int(expression_value(element.retries, instance.variables))
        except (FeelError, ValueError, TypeError) as exc:
            self._incident(instance, "IO_MAPPING_ERROR", element.id, str(exc))
            return
        process = instance.process
        job = self.store.create(
            job_type,
            {**instance.variables, **local},
            element.headers,
            retries,
            process_instance_key=instance.key,
            bpmn_process_id=process.id,
            process_definition_key=process.key,
            process_definition_version=process.version,
            element_id=element.id,
            element_instance_key=self.store.next_key(),
        )
        instance.job_key = job.key
        self.by_job[job.key] = instance

    def _unsupported(self, instance: Instance, element: Element, what: str) -> None:
        text = f"the test engine does not run {what} (element '{element.id}')"
        self._incident(instance, "UNSUPPORTED", element.id, text)

    def _incident(
        self, instance: Instance, kind: str, element_id: str, text: str, job_key: int | None = None
    ) -> None:
        instance.state = INCIDENT
        self.store.raise_incident(Incident(job_key, kind, text, instance.key, element_id))


def _named(name: str, content: bytes) -> list[Process]:
    processes = read_resource(name, content)
    for process in processes:
        process.resource_name, process.xml = name, content
    return processes
