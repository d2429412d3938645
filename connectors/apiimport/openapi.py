"""OpenAPI 3.0/3.1 and Swagger 2.0 into the neutral `Api` (camunda/connectors'
`OpenApiOutboundTemplateGenerator` with `OperationUtil`, `ParameterUtil`, `BodyUtil` and
`SecurityUtil` reads OpenAPI 3.0 only; we read all three, resolve `$ref`s everywhere, and name
each operation we cannot turn into a template instead of leaving it out)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from .examples import SCALAR_TYPES, example_of, flatten, schema_type
from .model import Api, Body, Operation, Parameter, Server, Skipped
from .reading import Description, Kind
from .refs import Refs
from .security import map_requirements

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
REST_METHODS = frozenset({"get", "put", "post", "delete", "patch"})
# Headers OpenAPI says a description cannot define as parameters (the client sets them).
IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
MAX_FLAT_FIELDS = 15


def read_openapi(description: Description, *, source_url: str = "") -> Api:
    doc = description.document
    refs = description.refs
    info = doc.get("info") or {}
    api = Api(
        title=str(info.get("title") or "API"),
        version=str(info.get("version", "")),
        description=str(info.get("description") or ""),
        documentation=str((doc.get("externalDocs") or {}).get("url", "")),
        servers=_servers(doc, description.kind, source_url),
    )
    swagger = description.kind == Kind.SWAGGER_2
    schemes = (
        doc.get("securityDefinitions")
        if swagger
        else (doc.get("components") or {}).get("securitySchemes")
    ) or {}
    schemes = {name: refs.deref(s) for name, s in schemes.items()}
    keys: set[str] = set()
    for path, item in (doc.get("paths") or {}).items():
        item = refs.deref(item, f"/paths/{_escape(path)}")
        if not isinstance(item, dict):
            continue
        for method, raw in item.items():  # in the description's order
            if method not in METHODS or not isinstance(raw, dict):
                continue
            key = _unique(_key(raw.get("operationId"), method, path), keys)
            where = f"/paths/{_escape(path)}/{method}"
            notes: list[str] = []
            result = _operation(
                doc, refs, swagger, schemes, path, item, method, raw, key, where, notes
            )
            if isinstance(result, Skipped):
                api.skipped.append(result)
            else:
                api.operations.append(result)
                api.warnings.extend(notes)
    return api


def _operation(
    doc: dict[str, Any],
    refs: Refs,
    swagger: bool,
    schemes: dict[str, Any],
    path: str,
    item: dict[str, Any],
    method: str,
    raw: dict[str, Any],
    key: str,
    where: str,
    notes: list[str],
) -> Operation | Skipped:
    """The operation, or why it is skipped; NOTES gets what is left out of a kept one."""

    def skip(reason: str) -> Skipped:
        return Skipped(key, method.upper(), path, reason)

    if method not in REST_METHODS:
        return skip(f"{method.upper()}: the REST template sends GET, POST, PUT, PATCH, DELETE")
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for index, param in enumerate(
        [*(item.get("parameters") or []), *(raw.get("parameters") or [])]
    ):
        param = refs.deref(param, f"{where}/parameters/{index}")
        if isinstance(param, dict):
            merged[(str(param.get("in")), str(param.get("name")))] = param
    parameters: list[Parameter] = []
    form: list[dict[str, Any]] = []
    body_param: dict[str, Any] | None = None
    for (location, name), param in merged.items():
        if location == "body":
            body_param = param
        elif location == "formData":
            form.append(param)
        elif location == "cookie":
            if param.get("required"):
                return skip(
                    f"required cookie parameter {name!r}: the REST template sends no cookies"
                )
            notes.append(f"{key}: optional cookie parameter {name!r} left out (no cookies)")
        elif location == "header" and name.lower() in IGNORED_HEADERS:
            continue
        else:
            parameters.append(_parameter(refs, param, swagger))
    declared = {p.name for p in parameters if p.location == "path"}
    for name in re.findall(r"\{([^}]+)\}", path):
        if name not in declared:  # a placeholder the description forgot to declare
            parameters.append(Parameter(name=name, location="path", required=True))
            declared.add(name)
    body = (
        _swagger_body(doc, raw, refs, body_param, form)
        if swagger
        else _openapi_body(raw, refs, where)
    )
    if isinstance(body, str):
        return skip(body)
    security = raw.get("security", doc.get("security"))
    auth, problems = map_requirements(security, schemes)
    if not auth:
        return skip("; ".join(problems))
    notes.extend(f"{key}: authentication {p}" for p in problems)
    operation = Operation(
        key=key,
        method=method.upper(),
        path=path,
        summary=str(raw.get("summary") or ""),
        description=str(raw.get("description") or ""),
        parameters=parameters,
        body=body,
        auth=auth,
        tags=[str(t) for t in raw.get("tags") or []],
    )
    return operation


def _parameter(refs: Refs, param: dict[str, Any], swagger: bool) -> Parameter:
    if swagger:  # Swagger 2.0 keeps the schema keywords on the parameter itself
        schema = {k: v for k, v in param.items() if k not in ("name", "in", "required")}
    elif "schema" in param:
        schema = param["schema"]
    else:  # `content` with one media type
        media: dict[str, Any] = next(iter((param.get("content") or {}).values()), {})
        schema = media.get("schema", {})
    flat = flatten(schema, refs)
    example = param.get("example", flat.get("example"))
    return Parameter(
        name=str(param["name"]),
        location=param["in"],
        required=bool(param.get("required")),
        description=str(param.get("description") or flat.get("description") or ""),
        schema=flat,
        example=example,
    )


SUPPORTED_MEDIA = re.compile(
    r"^(application/(json|[\w.+-]*\+json|x-www-form-urlencoded|xml)|text/[\w.+-]+|\*/\*)$"
)


def _openapi_body(raw: dict[str, Any], refs: Refs, where: str) -> Body | str | None:
    request = refs.deref(raw.get("requestBody"), f"{where}/requestBody")
    if not isinstance(request, dict):
        return None
    content = request.get("content") or {}
    media = next((m for m in content if SUPPORTED_MEDIA.match(m.split(";")[0].strip())), None)
    required = bool(request.get("required"))
    if media is None:
        if not content or not required:
            return None
        kinds = ", ".join(content)
        return f"request body only as {kinds}: the REST template sends JSON, form or text bodies"
    entry = content[media] or {}
    example = entry.get("example")
    if example is None and isinstance(entry.get("examples"), dict) and entry["examples"]:
        first = refs.deref(next(iter(entry["examples"].values())))
        example = first.get("value") if isinstance(first, dict) else None
    return _body(media, required, entry.get("schema"), refs, example)


def _swagger_body(
    doc: dict[str, Any],
    raw: dict[str, Any],
    refs: Refs,
    body_param: dict[str, Any] | None,
    form: list[dict[str, Any]],
) -> Body | str | None:
    consumes = raw.get("consumes") or doc.get("consumes") or ["application/json"]
    if body_param is not None:
        media = next((m for m in consumes if SUPPORTED_MEDIA.match(m)), None)
        if media is None:
            return f"request body only as {', '.join(consumes)}: the REST template cannot send it"
        return _body(media, bool(body_param.get("required")), body_param.get("schema"), refs, None)
    if not form:
        return None
    if any(p.get("type") == "file" for p in form) or (
        "multipart/form-data" in consumes and ("application/x-www-form-urlencoded" not in consumes)
    ):
        return "multipart form with files: the REST template cannot send it"
    schema = {
        "type": "object",
        "properties": {
            p["name"]: {k: v for k, v in p.items() if k not in ("name", "in")} for p in form
        },
        "required": [p["name"] for p in form if p.get("required")],
    }
    required = any(p.get("required") for p in form)
    return _body("application/x-www-form-urlencoded", required, schema, refs, None)


def _body(media: str, required: bool, schema: Any, refs: Refs, example: Any) -> Body:
    flat = flatten(schema, refs) if schema is not None else {}
    body = Body(media_type=media.split(";")[0].strip(), required=required)
    body.example = example if example is not None else example_of(schema, refs)
    properties = flat.get("properties") or {}
    wanted = set(flat.get("required") or [])
    fields = []
    for name, sub in properties.items():
        sub_flat = flatten(sub, refs)
        if sub_flat.get("readOnly"):
            continue
        fields.append(
            Parameter(
                name=str(name),
                location="body",
                required=name in wanted,
                description=str(sub_flat.get("description") or ""),
                schema=sub_flat,
                example=sub_flat.get("example"),
            )
        )
    flat_object = (
        schema_type(flat) == "object"
        and 0 < len(fields) <= MAX_FLAT_FIELDS
        and not flat.get("additionalProperties")
        and all(schema_type(f.schema) in SCALAR_TYPES for f in fields)
    )
    if flat_object:
        body.fields = fields
    return body


def _servers(doc: dict[str, Any], kind: Kind, source_url: str) -> list[Server]:
    if kind == Kind.SWAGGER_2:
        host = doc.get("host")
        base = str(doc.get("basePath") or "")
        if not host:
            return [Server(_absolute(base or "/", source_url))] if source_url else []
        schemes = doc.get("schemes") or ["https"]
        ordered = sorted(schemes, key=lambda s: s != "https")
        return [Server(f"{scheme}://{host}{base}".rstrip("/")) for scheme in ordered]
    servers: list[Server] = []
    # OpenAPI: without servers, the server is "/" (relative to where the description was read)
    for server in doc.get("servers") or [{"url": "/"}]:
        description = str(server.get("description") or "")
        for url, values in _substituted(str(server.get("url", "")), server.get("variables") or {}):
            url = _absolute(url, source_url).rstrip("/")
            label = f"{description} ({values})" if description and values else description
            if url and all(url != known.url for known in servers):
                servers.append(Server(url, label))
    return servers


MAX_SERVER_CHOICES = 12


def _substituted(url: str, variables: dict[str, Any]) -> list[tuple[str, str]]:
    """URL with its variables replaced: the defaults first, then each enum value (a choice per
    combination, at most MAX_SERVER_CHOICES), with the values that differ from the defaults."""
    found = [(url, "")]
    for name, variable in variables.items():
        default = str(variable.get("default", ""))
        options = [default] + [str(v) for v in variable.get("enum") or [] if str(v) != default]
        found = [
            (text.replace("{" + name + "}", option),
             ", ".join(filter(None, [label, "" if option == default else f"{name}={option}"])))
            for text, label in found
            for option in options
        ][:MAX_SERVER_CHOICES]  # fmt: skip
    return found


def _absolute(url: str, source_url: str) -> str:
    """A relative server URL is relative to where the description was fetched from."""
    if url.startswith(("http://", "https://")) or not source_url.startswith("http"):
        return url
    return urljoin(source_url, url)


def _key(operation_id: Any, method: str, path: str) -> str:
    text = str(operation_id) if operation_id else f"{method}_{path}"
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or method


def _unique(key: str, taken: set[str]) -> str:
    candidate, number = key, 2
    while candidate in taken:
        candidate, number = f"{key}_{number}", number + 1
    taken.add(candidate)
    return candidate


def _escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")
