"""Camunda 7's external task REST API (Operaton, CIB seven, Camunda 7.x): a small httpx client.

`EngineClient` long-polls `POST /external-task/fetchAndLock` and sends the four task commands
(`complete`, `bpmnError`, `failure`, `extendLock`) and `unlock`, with basic authentication when
configured, and the tenant id on every topic when one is set. Request shapes are those of the
engine's REST reference (External Task: Fetch and Lock, Complete, Handle BPMN Error, Handle
Failure, Extend Lock, Unlock).

Errors: `EngineUnavailable` (no answer, a 5xx, 401 or 403: a poll that gets one makes the worker
reconnect with backoff), `TaskRefused` (another 4xx: the task is gone, or another worker holds
its lock). A task command that fails either way is recorded as the task's `command_error`; the
task comes back when its lock expires.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

COMMAND_CONNECTIONS = 16  # kept-alive connections for the task commands (as the Zeebe REST worker)
MAX_REASON_CHARS = 300


class EngineError(Exception):
    """A request to the engine did not succeed; the text says why."""


class EngineUnavailable(EngineError):
    """The engine did not answer, answered with a server error, or refused the credentials."""


class TaskRefused(EngineError):
    """The engine turned down a command for one task (`status`: 404 gone, 400 not our lock)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class EngineConfig:
    """Where the engine's REST API is (`…/engine-rest`) and how to sign in to it."""

    url: str
    username: str = ""
    password: str = field(default="", repr=False)
    tenant_id: str = ""

    @property
    def base(self) -> str:
        return self.url.rstrip("/")

    def problems(self) -> list[str]:
        found = []
        if not self.url.startswith(("http://", "https://")):
            found.append(
                f"CAMUNDA7_REST_ADDRESS must be an http(s) URL such as "
                f"http://localhost:8080/engine-rest, got {self.url!r}"
            )
        if self.password and not self.username:
            found.append("CAMUNDA7_BASIC_AUTH_PASSWORD is set without CAMUNDA7_BASIC_AUTH_USERNAME")
        return found


@dataclass(frozen=True)
class Topic:
    """One topic of a fetchAndLock: its name, the lock in ms and the variables to fetch
    (None: every variable visible from the task)."""

    name: str
    lock_duration_ms: int
    variables: Sequence[str] | None = None


@dataclass(frozen=True)
class LockedTask:
    """An external task fetched and locked by this worker (the fields the hub reads)."""

    id: str
    topic_name: str
    variables: Mapping[str, Mapping[str, Any]]
    extension_properties: Mapping[str, str]
    retries: int | None
    process_instance_id: str = ""
    process_definition_key: str = ""
    activity_id: str = ""
    business_key: str | None = None
    tenant_id: str | None = None

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> LockedTask:
        properties = body.get("extensionProperties") or {}
        return cls(
            id=str(body["id"]),
            topic_name=str(body.get("topicName") or ""),
            variables=dict(body.get("variables") or {}),
            extension_properties={str(k): str(v) for k, v in properties.items()},
            retries=body.get("retries"),
            process_instance_id=str(body.get("processInstanceId") or ""),
            process_definition_key=str(body.get("processDefinitionKey") or ""),
            activity_id=str(body.get("activityId") or ""),
            business_key=body.get("businessKey"),
            tenant_id=body.get("tenantId"),
        )


class EngineClient:
    """The external task API of one engine; `close()` when done.

    The long polls use a connection pool of their own, so that a command never waits behind a
    poll that holds its connection for the whole `asyncResponseTimeout`.
    """

    def __init__(self, config: EngineConfig, *, worker_id: str) -> None:
        self.config = config
        self.worker_id = worker_id
        auth = httpx.BasicAuth(config.username, config.password) if config.username else None
        limits = httpx.Limits(
            max_connections=COMMAND_CONNECTIONS, max_keepalive_connections=COMMAND_CONNECTIONS
        )
        self._commands = httpx.AsyncClient(
            base_url=config.base, auth=auth, timeout=30.0, limits=limits
        )
        # each long poll passes its own timeout, longer than the poll (fetch_and_lock)
        self._polls = httpx.AsyncClient(base_url=config.base, auth=auth, timeout=60.0)

    async def close(self) -> None:
        await self._commands.aclose()
        await self._polls.aclose()

    async def __aenter__(self) -> EngineClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def version(self) -> str:
        """The engine's version (`GET /version`); EngineUnavailable when it does not answer."""
        body = await self._send(self._commands, "GET", "/version")
        return str((body or {}).get("version", "?"))

    async def fetch_and_lock(
        self,
        topics: Sequence[Topic],
        *,
        max_tasks: int,
        long_poll_ms: int,
    ) -> list[LockedTask]:
        """Lock up to MAX_TASKS tasks of TOPICS, waiting up to LONG_POLL_MS for the first."""
        body = {
            "workerId": self.worker_id,
            "maxTasks": max_tasks,
            "usePriority": True,
            "asyncResponseTimeout": long_poll_ms,
            "topics": [self._topic(topic) for topic in topics],
        }
        # A long poll may stay open for long_poll_ms: the read timeout waits longer than that.
        timeout = httpx.Timeout(10.0, read=long_poll_ms / 1000 + 30)
        answer = await self._send(
            self._polls, "POST", "/external-task/fetchAndLock", body, timeout=timeout
        )
        return [LockedTask.from_json(task) for task in answer or []]

    def _topic(self, topic: Topic) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "topicName": topic.name,
            "lockDuration": topic.lock_duration_ms,
            "deserializeValues": False,  # Object values as their JSON text, read by variables.py
            "includeExtensionProperties": True,  # where Zeebe's task headers live in Camunda 7
        }
        if topic.variables is not None:
            entry["variables"] = list(topic.variables)
        if self.config.tenant_id:
            entry["tenantIdIn"] = [self.config.tenant_id]
        return entry

    async def complete(self, task_id: str, variables: Mapping[str, Any]) -> None:
        body = {"workerId": self.worker_id, "variables": dict(variables)}
        await self._task_command(task_id, "complete", body)

    async def bpmn_error(
        self, task_id: str, code: str, message: str, variables: Mapping[str, Any]
    ) -> None:
        body = {
            "workerId": self.worker_id,
            "errorCode": code,
            "errorMessage": message,
            "variables": dict(variables),
        }
        await self._task_command(task_id, "bpmnError", body)

    async def failure(
        self,
        task_id: str,
        *,
        message: str,
        details: str,
        retries: int,
        retry_timeout_ms: int,
        local_variables: Mapping[str, Any],
    ) -> None:
        body = {
            "workerId": self.worker_id,
            "errorMessage": message,
            "errorDetails": details,
            "retries": retries,
            "retryTimeout": retry_timeout_ms,
            "localVariables": dict(local_variables),
        }
        await self._task_command(task_id, "failure", body)

    async def extend_lock(self, task_id: str, duration_ms: int) -> None:
        body = {"workerId": self.worker_id, "newDuration": duration_ms}
        await self._task_command(task_id, "extendLock", body)

    async def unlock(self, task_id: str) -> None:
        await self._task_command(task_id, "unlock", None)

    async def _task_command(self, task_id: str, command: str, body: Any) -> None:
        await self._send(self._commands, "POST", f"/external-task/{task_id}/{command}", body)

    async def _send(
        self,
        client: httpx.AsyncClient,
        method: str,
        path: str,
        body: Any = None,
        *,
        timeout: httpx.Timeout | None = None,
    ) -> Any:
        extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        try:
            response = await client.request(method, path, json=body, **extra)
        except httpx.HTTPError as exc:
            raise EngineUnavailable(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status >= 400:
            what = f"{method} {path}: the engine answered {status}"
            if status == 401:
                raise EngineUnavailable(f"{what} (check CAMUNDA7_BASIC_AUTH_USERNAME/_PASSWORD)")
            if status == 403 or status >= 500:
                raise EngineUnavailable(f"{what}{_reason(response)}")
            raise TaskRefused(status, f"{what}{_reason(response)}")
        if status == 204 or not response.content:
            return None
        return response.json()


def _reason(response: httpx.Response) -> str:
    """The engine's own message (never a variable value: it names types and ids)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict) and body.get("message"):
        return f": {str(body['message'])[:MAX_REASON_CHARS]}"
    return ""
