"""The REST face's endpoints beyond jobs: messages, process instances, deployments, search.

What inbound connectors and tests call: `POST /v2/messages/publication`,
`POST /v2/messages/correlation`, `POST /v2/process-instances` (with `awaitCompletion`),
`POST /v2/deployments` (multipart, as Camunda's), `POST /v2/process-definitions/search`,
and `GET /v2/process-definitions/{key}/xml`. (Deleting a resource is `instances.delete`
only: rest-api.yaml 8.8 types its key as oneOf four identical key schemas, which no request
can satisfy under a validating reader.)
Each is one call on the engine core; the request was already checked against rest-api.yaml
by the face, so the bodies here have the shapes the document gives them.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .bpmn import DeploymentError, Process
from .instances import COMPLETED
from .jobs import JobCommandError

if TYPE_CHECKING:
    from .engine import ZeebeTestEngine

T = TypeVar("T")
TENANT = "<default>"
PAGE_LIMIT = 100  # a search's page without `limit` (the spec's default)
DEFAULT_REQUEST_TIMEOUT_MS = 10_000  # an awaited instance, when requestTimeout is 0


class Refused(Exception):
    """A request the engine turns down: Camunda's HTTP status, title and detail."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def publish_message(engine: ZeebeTestEngine, body: dict[str, Any]) -> dict[str, Any]:
    message = engine.messages.publish(
        body["name"],
        body.get("correlationKey") or "",
        body.get("variables") or {},
        body.get("timeToLive") or 0,
        body.get("messageId") or "",
    )
    return {"tenantId": TENANT, "messageKey": str(message.key)}


def correlate_message(engine: ZeebeTestEngine, body: dict[str, Any]) -> dict[str, Any]:
    message = engine.messages.correlate(
        body["name"], body.get("correlationKey") or "", body.get("variables") or {}
    )
    return {
        "tenantId": TENANT,
        "messageKey": str(message.key),
        "processInstanceKey": str(message.process_instance_key),
    }


def create_process_instance(engine: ZeebeTestEngine, body: dict[str, Any]) -> dict[str, Any]:
    instances = engine.instances
    if "processDefinitionKey" in body:
        key = int(body["processDefinitionKey"])
        process_id, version = instances.id_of(key), _version_of(engine, key)
    else:
        process_id = body["processDefinitionId"]
        version = body.get("processDefinitionVersion", -1)
    instance = instances.create(process_id, body.get("variables") or {}, version)
    variables: dict[str, Any] = {}
    if body.get("awaitCompletion"):
        timeout_ms = body.get("requestTimeout") or DEFAULT_REQUEST_TIMEOUT_MS
        try:
            engine.wait_until(lambda: instance.state == COMPLETED, timeout_ms / 1000)
        except AssertionError:
            raise Refused(
                504,
                "DEADLINE_EXCEEDED",
                f"instance {instance.key} did not complete in {timeout_ms} ms",
            ) from None
        wanted = body.get("fetchVariables") or []
        with engine.store.lock:
            variables = {k: v for k, v in instance.variables.items() if not wanted or k in wanted}
    process = instance.process
    return {
        "processDefinitionId": process.id,
        "processDefinitionVersion": process.version,
        "processDefinitionKey": str(process.key),
        "processInstanceKey": str(instance.key),
        "tenantId": TENANT,
        "variables": variables,
    }


def _version_of(engine: ZeebeTestEngine, definition_key: int) -> int:
    for versions in engine.instances.processes.values():
        for process in versions:
            if process.key == definition_key:
                return process.version
    return -1  # id_of has already refused an unknown key


def deploy(engine: ZeebeTestEngine, content_type: str, raw: bytes) -> dict[str, Any]:
    resources = multipart_files(content_type, raw)
    if not resources:  # openapi-core reads a form without the part as an empty list
        raise Refused(
            400,
            "INVALID_ARGUMENT",
            "Expected to deploy at least one resource, but none given (form part 'resources')",
        )
    try:
        processes = engine.instances.deploy(resources)
    except DeploymentError as exc:
        raise Refused(
            400,
            "INVALID_ARGUMENT",
            "Command 'CREATE' rejected with code 'INVALID_ARGUMENT': Expected to deploy new "
            f"resources, but encountered the following errors:\n{exc}",
        ) from None
    return {
        "deploymentKey": str(engine.store.next_key()),
        "tenantId": TENANT,
        "deployments": [{"processDefinition": _deployed(p)} for p in processes],
    }


def _deployed(process: Process) -> dict[str, Any]:
    return {
        "processDefinitionId": process.id,
        "processDefinitionVersion": process.version,
        "resourceName": process.resource_name,
        "processDefinitionKey": str(process.key),
        "tenantId": TENANT,
    }


def multipart_files(content_type: str, raw: bytes) -> list[tuple[str, bytes]]:
    """The `resources` parts of a multipart/form-data body: (file name, content)."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    files = []
    for part in parsed.iter_parts():
        if part.get_param("name", header="content-disposition") == "resources":
            content = part.get_payload(decode=True)
            files.append((part.get_filename() or "resource.bpmn", bytes(content or b"")))
    return files


def search_process_definitions(engine: ZeebeTestEngine, body: dict[str, Any]) -> dict[str, Any]:
    """Filters on id, key, version, resource name and `isLatestVersion`; pages as
    rest-api.yaml's SearchQueryPageRequest says (offset `from`/`limit`, or the cursor `after`
    from a previous answer's `endCursor`), in key order."""
    wanted = (body or {}).get("filter") or {}
    with engine.store.lock:
        found = sorted(
            (
                process
                for versions in engine.instances.processes.values()
                for process in versions
                if _matches(process, versions[-1], wanted)
            ),
            key=lambda process: process.key,
        )
    page = _page(found, (body or {}).get("page") or {})
    items = [{**_deployed(process), "version": process.version} for process in page]
    for item in items:
        del item["processDefinitionVersion"]
    answer: dict[str, Any] = {"totalItems": len(found)}
    if page:
        answer["startCursor"] = _cursor(page[0].key)
        answer["endCursor"] = _cursor(page[-1].key)
    return {"items": items, "page": answer}


def _page(
    found: list[T], asked: dict[str, Any], key: Callable[[T], int] = lambda p: p.key
) -> list[T]:
    """FOUND (in KEY order) as the page ASKED says: offset or the cursor `after`."""
    limit = asked.get("limit", PAGE_LIMIT)
    if "before" in asked:
        raise Refused(400, "INVALID_ARGUMENT", "the test engine does not page backwards")
    if "from" in asked and "after" in asked:
        raise Refused(400, "INVALID_ARGUMENT", "page: offset (from) or cursor (after), not both")
    if "after" not in asked:
        start = asked.get("from", 0)
        return found[start : start + limit]
    try:
        (after,) = json.loads(base64.b64decode(asked["after"], validate=True))
    except (ValueError, TypeError):
        raise Refused(
            400, "INVALID_ARGUMENT", f"the cursor '{asked['after']}' is not one of ours"
        ) from None
    return [item for item in found if key(item) > int(after)][:limit]


def _cursor(key: int) -> str:
    # opaque to the caller (base64, as the spec's EndCursor); Camunda's holds its sort values
    return base64.b64encode(json.dumps([str(key)]).encode()).decode()


@dataclass(frozen=True)
class Text:
    """An answer that is not JSON (a process definition's XML)."""

    data: bytes
    content_type: str = "text/xml"


def definition_xml(engine: ZeebeTestEngine, definition_key: int) -> Text:
    return Text(engine.instances.definition(definition_key).xml)


def _matches(process: Process, latest: Process, wanted: dict[str, Any]) -> bool:
    checks = {
        "processDefinitionId": lambda f: _string_filter(f, process.id),
        "processDefinitionKey": lambda f: str(process.key) == f,
        "version": lambda f: process.version == f,
        "resourceName": lambda f: process.resource_name == f,
        "isLatestVersion": lambda f: (process is latest) == f,
        "tenantId": lambda f: f == TENANT,
    }
    for name, value in wanted.items():
        check = checks.get(name)
        if check is None:
            raise Refused(400, "INVALID_ARGUMENT", f"the test engine does not filter on '{name}'")
        if not check(value):
            return False
    return True


def _string_filter(wanted: Any, value: str) -> bool:
    """Camunda's string filter: `{"$eq": ...}`, `{"$in": [...]}`, `{"$neq": ...}`."""
    if isinstance(wanted, str):
        return value == wanted
    operators = {
        "$eq": lambda v: value == v,
        "$neq": lambda v: value != v,
        "$in": lambda v: value in v,
        "$notIn": lambda v: value not in v,
        "$exists": lambda v: v,
    }
    for operator, operand in wanted.items():
        if operator not in operators:
            raise Refused(
                400, "INVALID_ARGUMENT", f"the test engine does not filter with '{operator}'"
            )
        if not operators[operator](operand):
            return False
    return True


def refusal(exc: JobCommandError) -> Refused:
    status = {"NOT_FOUND": 404, "ALREADY_EXISTS": 409, "INVALID_ARGUMENT": 400}.get(exc.code, 409)
    return Refused(status, exc.code, str(exc))
