"""The job store: Zeebe's job life cycle, and everything each command carried.

One lock guards it, because the gRPC face (the engine's event loop) and the tests (their own
thread) both use it. Time-driven changes (a deadline or a back-off passing) are not events:
they are evaluated when a job is looked at, and waiters wake at `next_due()`.
"""

from __future__ import annotations

import contextlib
import copy
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

# Zeebe's first key on partition 1: keys look like the ones a real broker hands out.
FIRST_KEY = 2251799813685249

# Job states, as Zeebe names them (JobState); "completed" and "canceled" jobs are gone from
# Zeebe's state, so commands on them get NOT_FOUND.
ACTIVATABLE, ACTIVATED, FAILED, ERROR_THROWN = "activatable", "activated", "failed", "error_thrown"
COMPLETED, CANCELED = "completed", "canceled"
FINISHED = (COMPLETED, FAILED, ERROR_THROWN, CANCELED)  # what `wait_for` waits for


class JobCommandError(Exception):
    """A command Zeebe rejects; `code` is the gRPC status name Zeebe's gateway answers with."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Event:
    """One thing that happened to a job, with what the command carried."""

    kind: str  # created, activated, timed_out, completed, failed, error_thrown, timeout_updated
    at: float  # time.monotonic()
    worker: str = ""
    retries: int | None = None
    backoff_ms: int | None = None
    timeout_ms: int | None = None
    error_code: str = ""
    message: str = ""
    variables: Mapping[str, Any] = field(default_factory=dict)
    result: Mapping[str, Any] | None = None  # a completion's job result (REST only)


@dataclass(frozen=True)
class Incident:
    job_key: int | None
    kind: str  # JOB_NO_RETRIES, UNHANDLED_ERROR_EVENT, or UNSUPPORTED (the engine's limit)
    message: str
    process_instance_key: int = 0
    element_id: str = ""


@dataclass
class Job:
    key: int
    type: str
    variables: dict[str, Any]
    headers: dict[str, str]
    retries: int
    process_instance_key: int = 0
    bpmn_process_id: str = ""
    process_definition_key: int = 0
    process_definition_version: int = 0
    element_id: str = ""
    element_instance_key: int = 0
    state: str = ACTIVATABLE
    worker: str = ""
    available_at: float = 0.0  # monotonic; a back-off moves it
    deadline: float = 0.0  # monotonic, while activated
    deadline_epoch_ms: int = 0
    events: list[Event] = field(default_factory=list)

    def fetched(self, names: list[str]) -> dict[str, Any]:
        """The variables a worker asked for (all of them when it named none), as Zeebe sends."""
        if not names:
            return self.variables
        return {name: self.variables[name] for name in names if name in self.variables}

    @property
    def outcome(self) -> Event | None:
        """The command that finished the job (completed, failed with 0 retries, error)."""
        finishing = [e for e in self.events if e.kind in ("completed", "error_thrown")]
        finishing += [e for e in self.events if e.kind == "failed" and e.retries == 0]
        return max(finishing, key=lambda e: e.at) if finishing else None

    def of_kind(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.kind == kind]

    def due(self, now: float) -> float | None:
        """When time alone next changes this job (back-off ends, deadline passes)."""
        if self.state == ACTIVATABLE and self.available_at > now:
            return self.available_at
        if self.state == ACTIVATED:
            return self.deadline
        return None


class JobStore:
    """Jobs by key; the commands of Zeebe's job protocol; waiting for change."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.jobs: dict[int, Job] = {}  # every job ever created, for reading back
        # The jobs not finished yet, in creation order: what activation and the deadline
        # checks look at, so that their cost does not grow with every job a long run made.
        self.unfinished: dict[int, Job] = {}
        self.incidents: list[Incident] = []
        self.listeners: list[Callable[[], None]] = []  # the event loop's wake-up
        self.open_polls = 0  # ActivateJobs calls waiting now: tests wait for a worker's poll
        self._keys = iter(range(FIRST_KEY, FIRST_KEY + 2**40))

    def next_key(self) -> int:
        with self.lock:
            return next(self._keys)

    def notify(self) -> None:
        self.changed.notify_all()
        for listener in self.listeners:
            listener()

    @contextlib.contextmanager
    def polling(self) -> Iterator[None]:
        with self.lock:
            self.open_polls += 1
            self.notify()
        try:
            yield
        finally:
            with self.lock:
                self.open_polls -= 1
                self.notify()

    def create(
        self,
        job_type: str,
        variables: Mapping[str, Any],
        headers: Mapping[str, str],
        retries: int,
        **where: Any,
    ) -> Job:
        with self.lock:
            job = Job(self.next_key(), job_type, dict(variables), dict(headers), retries, **where)
            job.events.append(Event("created", time.monotonic(), retries=retries))
            self.jobs[job.key] = self.unfinished[job.key] = job
            self.notify()
            return job

    def activate(self, job_type: str, worker: str, timeout_ms: int, limit: int) -> list[Job]:
        """Hand up to LIMIT activatable jobs of JOB_TYPE to WORKER (copies, taken under lock)."""
        now = time.monotonic()
        handed: list[Job] = []
        with self.lock:
            for job in self.unfinished.values():
                if len(handed) >= limit:
                    break
                if job.type != job_type or not self._activatable(job, now):
                    continue
                job.state, job.worker = ACTIVATED, worker
                job.deadline = now + timeout_ms / 1000
                job.deadline_epoch_ms = int(time.time() * 1000) + timeout_ms
                job.events.append(Event("activated", now, worker=worker, timeout_ms=timeout_ms))
                handed.append(copy.deepcopy(job))
            if handed:
                self.notify()
        return handed

    @staticmethod
    def _activatable(job: Job, now: float) -> bool:
        if job.state == ACTIVATED and job.deadline <= now:
            # Zeebe's deadline checker: the job goes back and any worker may take it.
            job.state = ACTIVATABLE
            job.events.append(Event("timed_out", now, worker=job.worker))
        return job.state == ACTIVATABLE and job.available_at <= now

    def _finish(self, job: Job, state: str) -> None:
        job.state = state
        self.unfinished.pop(job.key, None)

    def _guard(self, key: int, verb: str, states: tuple[str, ...]) -> Job:
        """The job if a command may act on it; Zeebe's rejections otherwise."""
        job = self.jobs.get(key)
        if job is None or job.state in (COMPLETED, CANCELED):
            raise JobCommandError(
                "NOT_FOUND", f"Expected to {verb} job with key '{key}', but no such job was found"
            )
        if job.state not in states:
            raise JobCommandError(
                "FAILED_PRECONDITION",
                f"Expected to {verb} job with key '{key}', but it is in state '{job.state}'",
            )
        return job

    def complete(
        self, key: int, variables: Mapping[str, Any], result: Mapping[str, Any] | None = None
    ) -> Job:
        with self.lock:
            job = self._guard(key, "complete", (ACTIVATABLE, ACTIVATED))
            self._finish(job, COMPLETED)
            job.events.append(
                Event("completed", time.monotonic(), variables=dict(variables), result=result)
            )
            self.notify()
            return job

    def give_back(self, keys: list[int]) -> None:
        """Activated jobs the gateway could not send: activatable again, retries unchanged."""
        with self.lock:
            for key in keys:
                job = self.jobs[key]
                if job.state == ACTIVATED:
                    job.state = ACTIVATABLE
                    job.events.append(Event("given_back", time.monotonic(), worker=job.worker))
            self.notify()

    def fail(
        self, key: int, retries: int, message: str, backoff_ms: int, variables: Mapping[str, Any]
    ) -> Job:
        with self.lock:
            job = self._guard(key, "fail", (ACTIVATABLE, ACTIVATED))
            now = time.monotonic()
            job.retries = retries
            job.events.append(
                Event(
                    "failed",
                    now,
                    retries=retries,
                    backoff_ms=backoff_ms,
                    message=message,
                    variables=dict(variables),
                )
            )
            if retries > 0:
                job.state, job.available_at = ACTIVATABLE, now + backoff_ms / 1000
            else:
                self._finish(job, FAILED)
                self.incidents.append(self._incident(job, "JOB_NO_RETRIES", message))
            self.notify()
            return job

    def throw_error(self, key: int, code: str, message: str, variables: Mapping[str, Any]) -> Job:
        with self.lock:
            job = self._guard(key, "throw an error for", (ACTIVATABLE, ACTIVATED))
            self._finish(job, ERROR_THROWN)
            job.events.append(
                Event(
                    "error_thrown",
                    time.monotonic(),
                    error_code=code,
                    message=message,
                    variables=dict(variables),
                )
            )
            self.notify()
            return job

    def update_timeout(self, key: int, timeout_ms: int) -> Job:
        with self.lock:
            job = self._guard(key, "update the timeout of", (ACTIVATED,))
            now = time.monotonic()
            job.deadline = now + timeout_ms / 1000
            job.deadline_epoch_ms = int(time.time() * 1000) + timeout_ms
            job.events.append(Event("timeout_updated", now, timeout_ms=timeout_ms))
            self.notify()
            return job

    def cancel(self, key: int) -> None:
        with self.lock:
            job = self.jobs.get(key)
            if job is not None and job.state not in FINISHED:
                self._finish(job, CANCELED)
                self.notify()

    def raise_incident(self, incident: Incident) -> None:
        with self.lock:
            self.incidents.append(incident)
            self.notify()

    @staticmethod
    def _incident(job: Job, kind: str, message: str) -> Incident:
        return Incident(job.key, kind, message, job.process_instance_key, job.element_id)

    def next_due(self) -> float | None:
        now = time.monotonic()
        with self.lock:
            dues = [d for job in self.unfinished.values() if (d := job.due(now)) is not None]
        return min(dues) if dues else None

    def wait_until(self, predicate: Callable[[], Any], timeout: float, what: str) -> Any:
        """PREDICATE's first truthy value, checked on every change (and when time alone
        changes a job); AssertionError naming WHAT after TIMEOUT seconds."""
        end = time.monotonic() + timeout
        with self.lock:
            while not (value := predicate()):
                now = time.monotonic()
                if now >= end:
                    raise AssertionError(f"test engine: timed out after {timeout:g}s: {what}")
                due = self.next_due()
                wake = end if due is None else min(end, max(due, now + 0.01))
                self.changed.wait(wake - now)
            return value

    def count(self, state: str, job_type: str | None = None) -> int:
        """Jobs in STATE, without copying them (cheap enough to check at every change)."""
        with self.lock:
            return sum(
                1
                for job in self.jobs.values()
                if job.state == state and job_type in (None, job.type)
            )

    def snapshot(self, key: int) -> Job:
        with self.lock:
            return copy.deepcopy(self.jobs[key])

    def __iter__(self) -> Iterator[Job]:
        with self.lock:
            return iter([copy.deepcopy(job) for job in self.jobs.values()])
