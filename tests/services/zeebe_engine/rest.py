"""The test engine's REST face: the Orchestration Cluster REST API's job endpoints (`/v2`).

Beside the gRPC face, over the same engine core: `RestFace(engine).start()` serves
`POST /v2/jobs/activation` (long polling), `POST /v2/jobs/{key}/completion|failure|error`,
`PATCH /v2/jobs/{key}` (timeout) and `GET /v2/topology` on 127.0.0.1 on a free port (or
the PORT given, so that a test can stop the face and bring it back at the same address).

Every request and every response is checked against Camunda's own OpenAPI document
(`rest-api.yaml` of `io.camunda:zeebe-gateway-protocol`, fetched by .ci/fetch-zeebe-protocol)
with openapi-core: a request that does not conform is refused with 400 and a problem detail
naming the violation, as Camunda's gateway does; a response that does not conform is the
engine's own bug and answers 500 (and is kept in `violations` for the tests to show).
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import select
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from openapi_core import Config, OpenAPI
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.testing import MockRequest, MockResponse

from tests.services import fetched

from . import rest_cluster, waiting
from .contract import JobContract, Operation, UndocumentedStatus
from .gateway import DEFAULT_LONG_POLL_MS, VERSION
from .jobs import Job, JobCommandError
from .rest_cluster import Refused

if TYPE_CHECKING:
    from .engine import ZeebeTestEngine

ROOT = Path(__file__).resolve().parents[3]
FETCH_SCRIPT = ROOT / ".ci" / "fetch-zeebe-protocol"
REQUIRED = "ZEEBE_PROTOCOL_REQUIRED"
BASE = "/v2"
# Zeebe's gateway answers a rejected command with these HTTP statuses (gRPC status -> HTTP).
STATUS_OF = {
    "NOT_FOUND": 404, "FAILED_PRECONDITION": 409, "ALREADY_EXISTS": 409, "INVALID_ARGUMENT": 400,
}  # fmt: skip
PAGED_QUERIES = (
    "ProcessDefinitionSearchQuery",
    "ElementInstanceSearchQuery",
    "VariableSearchQuery",
)
# The endpoints beyond jobs (rest_cluster.py), by method and path below /v2.
CLUSTER = {
    ("POST", "/messages/publication"): rest_cluster.publish_message,
    ("POST", "/messages/correlation"): rest_cluster.correlate_message,
    ("POST", "/process-instances"): rest_cluster.create_process_instance,
    ("POST", "/process-definitions/search"): rest_cluster.search_process_definitions,
    ("POST", "/element-instances/search"): waiting.search_element_instances,
    ("POST", "/variables/search"): waiting.search_variables,
}


class ProtocolMissing(Exception):
    """rest-api.yaml was not fetched (.ci/fetch-zeebe-protocol)."""


def protocol_version() -> str:
    return fetched.pinned_version(FETCH_SCRIPT, "ZEEBE_PROTOCOL_VERSION")


def rest_api_path() -> Path:
    version = protocol_version()
    path = ROOT / ".cache" / "zeebe-protocol" / version / "rest-api.yaml"
    if not path.is_file():
        raise ProtocolMissing(
            f"Camunda's rest-api.yaml {version} is not fetched: run .ci/fetch-zeebe-protocol"
        )
    return path


def require_protocol() -> Path:
    """rest-api.yaml, or skip (locally) / fail (CI: ZEEBE_PROTOCOL_REQUIRED=1) without it."""
    try:
        return rest_api_path()
    except ProtocolMissing as exc:
        fetched.missing(str(exc), REQUIRED)


@functools.cache
def document(path: Path) -> dict[str, Any]:
    # 400 kB: read once per session (the caches below each build on it).
    return _corrected(yaml.safe_load(path.read_text()))


@functools.cache
def openapi(path: Path) -> OpenAPI:
    # Checked once per session. Camunda's errors are problem details (JSON).
    # A process definition's XML is a string in the document, sent as text.
    config = Config(
        extra_media_type_deserializers={
            "application/problem+json": json.loads,
            "text/xml": lambda data: data.decode() if isinstance(data, bytes) else data,
        }
    )
    return OpenAPI.from_dict(document(path), config=config)


@functools.cache
def job_contract(path: Path) -> JobContract:
    return JobContract(document(path))


def _corrected(spec: dict[str, Any]) -> dict[str, Any]:
    """rest-api.yaml 8.8 with two corrections, both where a validating reader would refuse
    paged searches that Camunda itself serves:
    - the process definition, element instance and variable searches take `page` from
      SearchQueryRequest through `allOf`, but their own `additionalProperties: false` sees
      only the properties they list (OpenAPI 3.0): the page schema is listed on each query,
      as the spec means (Camunda's own client pages them: SearchQueryClientImpl);
    - the page is `oneOf` offset and cursor pagination, but the offset schema requires nothing
      and is open, so every cursor page (`after`, `limit`) matches both and `oneOf` fails:
      `anyOf` here, and the engine refuses `from` beside a cursor itself (rest_cluster._page),
      which is what the spec's "not both" says."""
    schemas = spec["components"]["schemas"]
    for name in PAGED_QUERIES:
        query = schemas[name]
        query["properties"].setdefault("page", schemas["SearchQueryRequest"]["properties"]["page"])
    page = schemas["SearchQueryPageRequest"]
    page["anyOf"] = page.pop("oneOf", page.get("anyOf"))
    return spec


def violation(exc: Exception) -> str:
    """The plain reason openapi-core gives, with the schema errors underneath (one line each)."""
    cause = exc.__cause__ or exc
    errors = [str(getattr(e, "message", e)) for e in getattr(cause, "schema_errors", ())]
    if not errors:
        # A body openapi-core could not even read (broken multipart) has no text of its own.
        return str(exc) or f"{type(exc).__name__}: the request body could not be read"
    # openapi-core's own text repeats the whole value; its first clause and the errors do not.
    return f"{str(exc).split(':', 1)[0]}: {'; '.join(errors)}"


class RestFace:
    """`/v2` on a thread of its own; `address` is `http://127.0.0.1:<port>` (without /v2)."""

    def __init__(
        self, engine: ZeebeTestEngine, spec_path: Path | None = None, port: int = 0
    ) -> None:
        self.engine = engine
        self.port = port
        spec_path = spec_path or rest_api_path()
        self.api = openapi(spec_path)  # every endpoint but the job operations
        self.contract = job_contract(spec_path)  # the job operations, compiled (contract.py)
        self.violations: list[str] = []  # responses that did not conform: engine bugs
        self.requests: list[tuple[str, str, Any]] = []  # method, path, body: what workers sent
        self.refused: list[str] = []  # requests that broke rest-api.yaml, and why
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.address = ""

    def start(self) -> str:
        face = self

        class Handler(_Handler):
            rest = face

        self._server = _Server(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.address = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="zeebe-test-engine-rest", daemon=True
        )
        self._thread.start()
        return self.address

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.close_connections()
        self._server = None

    def __enter__(self) -> RestFace:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- the endpoints: each is one engine call -----------------------------------------------

    def route(
        self,
        method: str,
        path: str,
        body: Any,
        gone: Callable[[], bool] = lambda: False,
        raw: tuple[str, bytes] = ("", b""),
    ) -> tuple[int, Any]:
        """One request: (status, JSON body); GONE says whether the client has hung up, RAW
        is the content type and bytes (a deployment is multipart, not JSON)."""
        if method == "GET" and path == f"{BASE}/topology":
            return 200, self.topology()
        if method == "POST" and path == f"{BASE}/deployments":
            return 200, self._engine_call(lambda: rest_cluster.deploy(self.engine, *raw))
        definition = re.fullmatch(rf"{BASE}/process-definitions/(\d+)/xml", path)
        if method == "GET" and definition is not None:
            key = int(definition.group(1))
            return 200, self._engine_call(lambda: rest_cluster.definition_xml(self.engine, key))
        endpoint = CLUSTER.get((method, path.removeprefix(BASE)))
        if endpoint is not None:
            return 200, self._engine_call(lambda: endpoint(self.engine, body or {}))
        if method == "POST" and path == f"{BASE}/jobs/activation":
            return 200, {"jobs": self.activate(body, gone)}
        match = re.fullmatch(rf"{BASE}/jobs/(-?\d+)(?:/(completion|failure|error))?", path)
        if match is None:
            raise Refused(404, "NOT_FOUND", f"no endpoint {method} {path}")
        key, verb = int(match.group(1)), match.group(2)
        body = body or {}
        commands: dict[tuple[str, str | None], Callable[[], object]] = {
            ("POST", "completion"): lambda: self.engine.complete(
                key, body.get("variables") or {}, body.get("result")
            ),
            ("POST", "failure"): lambda: self.engine.fail(
                key,
                body.get("retries", 0),
                body.get("errorMessage", ""),
                body.get("retryBackOff", 0),
                body.get("variables") or {},
            ),
            ("POST", "error"): lambda: self.engine.throw_error(
                key, body["errorCode"], body.get("errorMessage") or "", body.get("variables") or {}
            ),
            ("PATCH", None): lambda: self.update(key, body["changeset"]),
        }
        command = commands.get((method, verb))
        if command is None:
            raise Refused(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on {path}")
        try:
            command()
        except JobCommandError as exc:
            raise Refused(STATUS_OF.get(exc.code, 500), exc.code, str(exc)) from exc
        return 204, None

    @staticmethod
    def _engine_call(call: Callable[[], Any]) -> Any:
        try:
            return call()
        except JobCommandError as exc:
            raise Refused(STATUS_OF.get(exc.code, 500), exc.code, str(exc)) from exc

    def update(self, key: int, changeset: dict[str, Any]) -> None:
        if changeset.get("timeout") is not None:
            self.engine.store.update_timeout(key, changeset["timeout"])
        if changeset.get("retries") is not None:
            with self.engine.store.lock:
                self.engine.store.jobs[key].retries = changeset["retries"]

    def activate(self, body: dict[str, Any], gone: Callable[[], bool]) -> list[dict[str, Any]]:
        if body["maxJobsToActivate"] < 1 or body["timeout"] < 1 or not body["type"]:
            raise Refused(
                400,
                "INVALID_ARGUMENT",
                "Expected a job type, a timeout greater than zero and maxJobsToActivate greater "
                f"than zero, but got {body['type']!r}, {body['timeout']}, "
                f"{body['maxJobsToActivate']}",
            )
        poll = body.get("requestTimeout", 0) or DEFAULT_LONG_POLL_MS
        store = self.engine.store

        def attempt() -> list[Job]:
            if gone():  # a poll its worker gave up on (stopped, killed) takes nothing
                return []
            return store.activate(
                body["type"], body.get("worker") or "default", body["timeout"],
                body["maxJobsToActivate"],
            )  # fmt: skip

        with store.polling():
            jobs = attempt()
            end = time.monotonic() + max(poll, 0) / 1000
            with store.lock:
                while not jobs and time.monotonic() < end:
                    due = store.next_due()
                    now = time.monotonic()
                    wake = end if due is None else min(end, max(due, now + 0.005))
                    store.changed.wait(wake - now)
                    jobs = attempt()
        fetch = body.get("fetchVariable") or []
        return [_activated(job, fetch) for job in jobs]

    def topology(self) -> dict[str, Any]:
        partition = {"partitionId": 1, "role": "leader", "health": "healthy"}
        port = int(self.address.rsplit(":", 1)[1])
        broker = {
            "nodeId": 0, "host": "127.0.0.1", "port": port, "partitions": [partition],
            "version": VERSION,
        }  # fmt: skip
        return {
            "brokers": [broker],
            "clusterSize": 1,
            "partitionsCount": 1,
            "replicationFactor": 1,
            "gatewayVersion": VERSION,
            "lastCompletedChangeId": "-1",
        }


def _activated(job: Job, fetch: list[str]) -> dict[str, Any]:
    variables = job.fetched(fetch)
    return {
        "type": job.type,
        "processDefinitionId": job.bpmn_process_id or "test-engine-job",
        "processDefinitionVersion": job.process_definition_version,
        "elementId": job.element_id or "task",
        "customHeaders": dict(job.headers),
        "worker": job.worker,
        "retries": job.retries,
        "deadline": job.deadline_epoch_ms,
        "variables": variables,
        "tenantId": "<default>",
        "jobKey": str(job.key),
        "processInstanceKey": str(job.process_instance_key),
        "processDefinitionKey": str(job.process_definition_key),
        "elementInstanceKey": str(job.element_instance_key),
        "kind": "BPMN_ELEMENT",
        "listenerEventType": "UNSPECIFIED",
    }


class _Server(ThreadingHTTPServer):
    # socketserver's backlog of 5 refuses connections when a worker opens dozens at once
    # (a completion per running job); a gateway does not, and a refused command is lost.
    request_queue_size = 256

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Drop the kept-alive connections too: a stopped face is a gateway gone away."""
        with self.connections_lock:
            connections = list(self.open_connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # it closed itself meanwhile
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    rest: RestFace
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx and Camunda's clients use it
    # The head and the body go out in two writes: without TCP_NODELAY the body waits for the
    # client's delayed ACK of the head (40 ms on Linux) on every kept-alive request.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the tests read `requests`, not a log

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if len(raw) < length:  # the worker died while sending (SIGKILL): nobody to answer
            self.close_connection = True
            return
        content_type = self.headers.get("Content-Type") or "application/json"
        path = self.path.split("?", 1)[0]
        # A multipart body (a deployment) is read by openapi-core as bytes, with its boundary.
        multipart = content_type.startswith("multipart/")
        mock = MockRequest(
            "http://localhost:8080", self.command.lower(), path,
            data=(raw if multipart else raw.decode()) if raw else None,
            content_type=content_type if multipart else content_type.split(";")[0],
        )  # fmt: skip
        job_operation = None if multipart else self.rest.contract.find(self.command, path)
        try:
            body = json.loads(raw) if raw and not multipart else None
            self.rest.requests.append((self.command, path, raw if multipart else body))
            if job_operation is None:
                self.rest.api.validate_request(mock)
            else:
                operation, parameters = job_operation
                media_type = content_type.split(";")[0]
                self.rest.contract.check_request(operation, parameters, media_type, body)
            status, answer = self.rest.route(
                self.command, path, body, self._client_gone, (content_type, raw)
            )
        except Refused as refused:
            status, answer = refused.status, _problem(refused.status, refused.title, refused.detail)
        except json.JSONDecodeError as exc:
            status, answer = 400, _problem(400, "INVALID_ARGUMENT", f"body is not JSON: {exc}")
        except Exception as exc:  # openapi-core's validation errors: the request's fault
            status, answer = 400, _problem(400, "INVALID_ARGUMENT", violation(exc))
            self.rest.refused.append(f"{self.command} {path}: {violation(exc)}")
        self._reply(mock, status, answer, job_operation[0] if job_operation else None)

    def _client_gone(self) -> bool:
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _reply(
        self, mock: MockRequest, status: int, answer: Any, operation: Operation | None
    ) -> None:
        content_type = "application/problem+json" if status >= 400 else "application/json"
        if isinstance(answer, rest_cluster.Text):  # a process definition's XML
            data, content_type = answer.data, answer.content_type
        else:
            data = b"" if answer is None else json.dumps(answer).encode()
        if status < 400 or status in (400, 404, 409):
            try:
                if operation is None:
                    self.rest.api.validate_response(
                        mock, MockResponse(data, status_code=status, content_type=content_type)
                    )
                else:
                    self.rest.contract.check_response(operation, status, content_type, data)
            except Exception as exc:
                # Camunda documents few error statuses per operation (publication: no 409);
                # an undocumented one is still a problem detail, as the gateway sends.
                undocumented = isinstance(exc, (ResponseNotFound, UndocumentedStatus))
                if not (undocumented and status >= 400):
                    self.rest.violations.append(f"{mock.method} {mock.path} -> {violation(exc)}")
                    status, content_type = 500, "application/problem+json"
                    data = json.dumps(_problem(500, "ENGINE_BUG", violation(exc))).encode()
        try:
            self.send_response(status)
            if data:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()  # the head is sent here: a client gone fails here already
            self.wfile.write(data)
        except OSError:  # the worker gave up on its long poll: the jobs go back at once
            self.close_connection = True
            if status == 200 and isinstance(answer, dict) and answer.get("jobs"):
                keys = [int(job["jobKey"]) for job in answer["jobs"]]
                self.rest.engine.store.give_back(keys)


def _problem(status: int, title: str, detail: str) -> dict[str, Any]:
    return {"type": "about:blank", "title": title, "status": status, "detail": detail}
