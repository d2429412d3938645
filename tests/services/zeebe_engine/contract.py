"""The per-event endpoints' checks against rest-api.yaml, compiled once when the face starts.

A worker calls the job endpoints (activation, completion, failure, error, timeout update) once
or more per job, and the inbound runtime calls message publication, message correlation or
process instance creation once per event; openapi-core re-walks the document for every
request (finding the path among some 150, resolving each `$ref`, building a schema validator),
about 1.5 ms of CPU per command (4-5 ms for a process instance creation and its answer on a
loaded machine), which made the engine, not the hub, what limited the REST concurrency and
webhook benches (docs/performance.md). Here each of those operations is read from the
document once: its path parameters, whether a body is required and in which media types,
and for every documented status its media types, each with a schema validator built once from
openapi-schema-validator's OpenAPI 3.0 validators and format checkers (the ones openapi-core
itself uses: write rules for requests, read rules for responses), the `$ref`s inlined so
that no reference is resolved per request. Every other endpoint is checked by openapi-core
as before (rest.py). tests/zeebe/test_rest_contract.py holds both to the same verdicts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jsonschema.protocols import Validator
from openapi_core.validation.schemas import (
    oas30_read_schema_validators_factory,
    oas30_write_schema_validators_factory,
)
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

# What a worker sends per job and the inbound runtime per event (method, path below /v2); the
# rest goes to openapi-core.
JOB_OPERATIONS = (
    ("post", "/jobs/activation"),
    ("post", "/jobs/{jobKey}/completion"),
    ("post", "/jobs/{jobKey}/failure"),
    ("post", "/jobs/{jobKey}/error"),
    ("patch", "/jobs/{jobKey}"),
)
EVENT_OPERATIONS = (
    ("post", "/messages/publication"),
    ("post", "/messages/correlation"),
    ("post", "/process-instances"),
)
BASE = "/v2"
DOCUMENT_URI = "urn:camunda:rest-api.yaml"  # where a recursive $ref is looked up at run time


class Violation(Exception):
    """A request or response that breaks the document; the text names the violation, and
    `errors` holds the schema's messages (none for a missing body or an unknown media type)."""

    def __init__(self, what: str, errors: Sequence[str] = ()) -> None:
        super().__init__(f"{what}: {'; '.join(errors)}" if errors else what)
        self.errors = list(errors)


class UndocumentedStatus(Violation):
    """A response status the operation does not list (openapi-core: ResponseNotFound)."""


@dataclass(frozen=True)
class Operation:
    method: str
    template: str  # as in the document: /jobs/{jobKey}/completion
    pattern: re.Pattern[str]
    parameters: dict[str, Validator]  # path parameters
    body_required: bool
    body: dict[str, Validator | None]  # media type -> schema validator
    responses: dict[str, dict[str, Validator | None]]  # status -> media type -> validator


class JobContract:
    """The compiled job and event operations of one rest-api.yaml (a parsed, corrected
    document)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        resource = Resource.from_contents(spec, default_specification=DRAFT4)
        self.registry: Registry[Any] = Registry().with_resource(DOCUMENT_URI, resource)
        compiled = (*JOB_OPERATIONS, *EVENT_OPERATIONS)
        self.operations = [self._compile(method, template) for method, template in compiled]

    def find(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation PATH (with /v2) and METHOD name, with its path parameters; None for
        an endpoint that is not compiled."""
        below = path.removeprefix(BASE)
        for operation in self.operations:
            match = operation.pattern.fullmatch(below)
            if match is not None and operation.method == method.lower():
                return operation, match.groupdict()
        return None

    def check_request(
        self, operation: Operation, parameters: dict[str, str], content_type: str, body: Any
    ) -> None:
        """BODY is the parsed JSON (None: no body); raises Violation naming what is wrong."""
        for name, validator in operation.parameters.items():
            errors = _errors(validator, parameters.get(name))
            if errors:
                raise Violation(f"Invalid path parameter: {name}", errors)
        if body is None:
            if operation.body_required:
                raise Violation("Missing required request body")
            return
        if content_type not in operation.body:
            raise Violation(
                f"Content for the following mimetype not found: {content_type}. "
                f"Valid mimetypes: {list(operation.body)}"
            )
        validator = operation.body[content_type]
        errors = _errors(validator, body) if validator is not None else []
        if errors:
            raise Violation("Request body validation error", errors)

    def check_response(
        self, operation: Operation, status: int, content_type: str, data: bytes
    ) -> None:
        """Raises Violation for a media type or a body the document does not allow, and
        UndocumentedStatus for a status it does not list (exact, then `4XX`, then `default`,
        as openapi-core looks them up)."""
        responses = operation.responses
        media = next(
            (responses[key] for key in (str(status), f"{status // 100}XX", "default")
             if key in responses),
            None,
        )  # fmt: skip
        if media is None:
            raise UndocumentedStatus(
                f"Unknown response http status: {status} (documented: {list(responses)})"
            )
        if not media:  # documented without content (204)
            if data:
                raise Violation(f"{status} has no content in the document, got {len(data)} bytes")
            return
        if content_type not in media:
            raise Violation(
                f"Content for the following mimetype not found: {content_type}. "
                f"Valid mimetypes: {list(media)}"
            )
        validator = media[content_type]
        errors = _errors(validator, json.loads(data)) if validator is not None else []
        if errors:
            raise Violation("Response data validation error", errors)

    # -- compiling ------------------------------------------------------------------------------

    def _compile(self, method: str, template: str) -> Operation:
        item = self.spec["paths"][template]
        operation = item[method]
        parameters = {}
        for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]:
            parameter = self._target(parameter)
            schema_type = self._target(parameter["schema"]).get("type")
            if parameter["in"] != "path" or schema_type not in ("string", None):
                # The compiled operations have string path parameters only; anything else needs
                # openapi-core's deserialising, so it must not be compiled here.
                raise ValueError(f"{method} {template}: parameter {parameter['name']} not compiled")
            parameters[parameter["name"]] = self._validator(parameter["schema"], write=True)
        request = self._target(operation.get("requestBody") or {})
        body = {
            media_type: self._validator(content["schema"], write=True)
            if "schema" in content
            else None
            for media_type, content in (request.get("content") or {}).items()
        }
        responses = {
            status: {
                media_type: self._validator(content["schema"], write=False)
                if "schema" in content
                else None
                for media_type, content in (self._target(response).get("content") or {}).items()
            }
            for status, response in operation["responses"].items()
        }
        pattern = re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)))
        return Operation(
            method, template, pattern, parameters, bool(request.get("required")), body, responses
        )

    def _validator(self, schema: dict[str, Any], *, write: bool) -> Validator:
        factory = (
            oas30_write_schema_validators_factory if write else oas30_read_schema_validators_factory
        )
        return factory.schema_validator_cls(
            self._inline(schema, frozenset()),
            registry=self.registry,
            format_checker=factory.format_checker,
        )

    def _inline(self, node: Any, seen: frozenset[str]) -> Any:
        """NODE with every local `$ref` replaced by its target (a $ref's siblings do not count
        in OpenAPI 3.0); a recursive one, and a discriminator's mapping, stay references,
        into the registry's document."""
        if isinstance(node, list):
            return [self._inline(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.startswith("#/"):
            if reference in seen:
                return {"$ref": DOCUMENT_URI + reference}
            return self._inline(self._pointer(reference), seen | {reference})
        inlined = {key: self._inline(value, seen) for key, value in node.items()}
        mapping = (node.get("discriminator") or {}).get("mapping")
        if isinstance(mapping, dict):  # references too, as strings: into the document
            inlined["discriminator"] = {
                **node["discriminator"],
                "mapping": {
                    name: DOCUMENT_URI + target if target.startswith("#/") else target
                    for name, target in mapping.items()
                },
            }
        return inlined

    def _target(self, node: dict[str, Any]) -> dict[str, Any]:
        while isinstance(node.get("$ref"), str):
            node = self._pointer(node["$ref"])
        return node

    def _pointer(self, reference: str) -> Any:
        target: Any = self.spec
        for part in reference.removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return target


def _errors(validator: Validator, value: Any) -> list[str]:
    """The validator's messages, as openapi-core's schema errors read."""
    return [error.message for error in validator.iter_errors(value)]
