"""Element templates for `io.camunda:http-json:1` from an `Api`: one template with an operation
chooser (camunda/connectors `HttpOutboundElementTemplateBuilder` and `PropertyUtil`: a Dropdown
of operations and conditions that show each one's fields), or one template per operation.

Each parameter is a zeebe:input of its own, named by its place (`path_id`, `query_limit`,
`header_X_Trace`), and hidden inputs after them assemble the REST connector's `url`,
`queryParameters`, `headers` and `body` in FEEL: Zeebe applies input mappings in order, so the
later ones read the earlier ones. A parameter field is never optional in the template's sense:
an empty one is still mapped (to null), so FEEL never picks up a process variable of that name,
and the REST connector leaves null query parameters and headers out."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .fields import (
    auth_properties,
    feel_name,
    feel_string,
    output_properties,
    parameter_property,
    shorten,
)
from .model import Api, Auth, Operation, Server

SCHEMA_URL = "https://unpkg.com/@camunda/zeebe-element-templates-json-schema/resources/schema.json"
REST_TYPE = "io.camunda:http-json:1"
ID_PREFIX = "io.connectorhub.api."
CHOOSER_ID = "operationId"
JSON_MEDIA = re.compile(r"^(application/([\w.+-]*\+)?json|\*/\*)$")
GROUPS = [
    ("server", "Server"),
    ("operation", "Operation"),
    ("authentication", "Authentication"),
    ("parameters", "Parameters"),
    ("requestBody", "Request body"),
    ("output", "Output mapping"),
    ("error", "Error handling"),
    ("retries", "Retries"),
]


@dataclass(frozen=True)
class Options:
    per_operation: bool = False
    base_url: str = ""  # instead of the description's servers


# Operations one template with a chooser holds at most: the Modeler's list and the validator's
# pairwise check of conditional bindings grow with the square of this; above it, one template
# per tag (and per slice of a large tag).
MAX_OPERATIONS_PER_TEMPLATE = 50


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def template_id_for(api: Api) -> str:
    return ID_PREFIX + (slug(api.title) or "api")


@dataclass(frozen=True)
class Part:
    """The operations of one template with a chooser: all, or one tag's (slice)."""

    suffix: str  # "" for the whole API, else the tag's slug (and the slice's number)
    label: str
    operations: list[Operation]


def split(operations: list[Operation]) -> list[Part]:
    if len(operations) <= MAX_OPERATIONS_PER_TEMPLATE:
        return [Part("", "", operations)] if operations else []
    by_tag: dict[str, list[Operation]] = {}
    for op in operations:
        by_tag.setdefault(op.tags[0] if op.tags else "other", []).append(op)
    parts = []
    size = MAX_OPERATIONS_PER_TEMPLATE
    taken: set[str] = set()
    for tag, ops in by_tag.items():
        slices = [ops[i : i + size] for i in range(0, len(ops), size)]
        stem = slug(tag) or "other"
        while stem in taken:  # tags that differ only in case or punctuation
            stem += "-x"
        taken.add(stem)
        for number, chunk in enumerate(slices, start=1):
            numbered = len(slices) > 1
            suffix = stem + (f"-{number}" if numbered else "")
            label = tag + (f" ({number}/{len(slices)})" if numbered else "")
            parts.append(Part(suffix, label, chunk))
    return parts


def api_template(api: Api, part: Part, options: Options, version: int = 1) -> dict[str, Any]:
    """One template for the PART's operations with a chooser (hidden for a single one)."""
    operations = part.operations
    template_id = template_id_for(api) + (f".{part.suffix}" if part.suffix else "")
    chooser = _chooser(operations)
    props = [_task_type(), *_server(api, options), chooser]
    props += auth_properties(_union(op.auth for op in operations), None)
    multi = len(operations) > 1
    for op in operations:
        when = {"property": CHOOSER_ID, "equals": op.key, "type": "simple"} if multi else None
        props += _operation_properties(op, when)
    props += output_properties(template_id, version)
    name = f"{api.title}: {part.label}" if part.label else api.title
    return _template(api, template_id, name, _api_description(api), props, version)


def operation_template(
    api: Api, op: Operation, options: Options, version: int = 1
) -> dict[str, Any]:
    template_id = f"{template_id_for(api)}.{op.key}"
    props = [_task_type(), *_server(api, options), *auth_properties(op.auth, None)]
    props += _operation_properties(op, None)
    props += output_properties(template_id, version)
    description = shorten(op.description or op.summary or f"{op.method} {op.path}", 300)
    name = shorten(f"{api.title}: {op.label}", 120)
    return _template(api, template_id, name, description, props, version)


def _template(
    api: Api,
    template_id: str,
    name: str,
    description: str,
    props: list[dict[str, Any]],
    version: int,
) -> dict[str, Any]:
    used = {p.get("group") for p in props}
    template: dict[str, Any] = {
        "$schema": SCHEMA_URL,
        "name": name,
        "id": template_id,
        "version": version,
        "description": description,
        "category": {"id": "connectors", "name": "Connectors"},
        "appliesTo": ["bpmn:Task"],
        "elementType": {"value": "bpmn:ServiceTask"},
        "groups": [{"id": g, "label": label} for g, label in GROUPS if g in used],
        "properties": props,
    }
    if api.documentation.startswith(("http://", "https://")):
        template["documentationRef"] = api.documentation
    if api.version:
        template["keywords"] = [f"API version {api.version}"]
    return template


def _api_description(api: Api) -> str:
    first = api.description.strip().split("\n\n")[0] if api.description else ""
    text = shorten(first, 240) if first else f"{api.title} REST API"
    return f"{text} (API version {api.version})" if api.version else text


def _task_type() -> dict[str, Any]:
    return {
        "type": "Hidden",
        "value": REST_TYPE,
        "binding": {"type": "zeebe:taskDefinition", "property": "type"},
    }


def _server(api: Api, options: Options) -> list[dict[str, Any]]:
    base: dict[str, Any] = {
        "id": "baseUrl",
        "label": "Base URL",
        "group": "server",
        "binding": {"type": "zeebe:input", "name": "baseUrl"},
    }
    servers = [Server(options.base_url)] if options.base_url else api.servers
    absolute = [s for s in servers if s.url.startswith(("http://", "https://"))]
    if len(absolute) > 1:
        return [
            {
                **base,
                "type": "Dropdown",
                "value": absolute[0].url,
                "choices": [{"name": s.description or s.url, "value": s.url} for s in absolute],
            }
        ]
    prop = {
        **base,
        "type": "String",
        "feel": "optional",
        "constraints": {
            "notEmpty": True,
            "pattern": {"value": "^(=|https?://)", "message": "must be an http(s) URL"},
        },
    }
    if absolute:
        prop["value"] = absolute[0].url
    elif api.servers:
        prop["description"] = f"The description names the relative server {api.servers[0].url}"
    return [prop]


def _chooser(operations: list[Operation]) -> dict[str, Any]:
    base = {
        "id": CHOOSER_ID,
        "group": "operation",
        "binding": {"type": "zeebe:input", "name": CHOOSER_ID},
        "value": operations[0].key,
    }
    if len(operations) == 1:
        return {**base, "type": "Hidden"}
    choices = [
        {"name": shorten(f"{op.label} ({op.method} {op.path})", 200), "value": op.key}
        for op in operations
    ]
    return {**base, "label": "Operation", "type": "Dropdown", "choices": choices}


def _union(groups: Any) -> list[Auth]:
    found: list[Auth] = []
    for group in groups:
        found.extend(a for a in group if a not in found)
    return found


def _operation_properties(op: Operation, when: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The operation's fields, then the hidden inputs that assemble the request from them."""
    props: list[dict[str, Any]] = []
    names: dict[str, str] = {}  # "location:name" -> input name
    taken: set[str] = set()

    def add(param: Any) -> str:
        base = f"{param.location}_{feel_name(param.name)}"
        name, number = base, 2
        while name in taken:
            name, number = f"{base}_{number}", number + 1
        taken.add(name)
        names[f"{param.location}:{param.name}"] = name
        group = "requestBody" if param.location == "body" else "parameters"
        prop_id = f"{op.key}.{param.location}.{param.name}"
        props.append(
            _cond(parameter_property(param, prop_id=prop_id, input_name=name, group=group), when)
        )
        return name

    for param in op.parameters:
        add(param)
    body = op.body
    body_fields = [add(f) for f in body.fields] if body else []

    def hidden(target: str, value: Any) -> dict[str, Any]:
        group = "requestBody" if target in ("body", "ignoreNullValues") else "parameters"
        return _cond(
            {
                "id": f"{op.key}.{target}",
                "type": "Hidden",
                "value": value,
                "group": group,
                "binding": {"type": "zeebe:input", "name": target},
            },
            when,
        )

    props.append(hidden("method", op.method))
    props.append(hidden("url", "=" + _url_expression(op, names)))
    query = [(p.name, names[f"query:{p.name}"]) for p in op.parameters if p.location == "query"]
    headers = [(p.name, names[f"header:{p.name}"]) for p in op.parameters if p.location == "header"]
    content_type = body.media_type if body and not JSON_MEDIA.match(body.media_type) else None
    header_entries = [f"{feel_string(n)}: {v}" for n, v in headers]
    if content_type:
        header_entries.insert(0, f'"Content-Type": {feel_string(content_type)}')
    if query:
        props.append(
            hidden(
                "queryParameters",
                "={" + ", ".join(f"{feel_string(n)}: {v}" for n, v in query) + "}",
            )
        )
    if header_entries:
        props.append(hidden("headers", "={" + ", ".join(header_entries) + "}"))
    if body and body_fields:
        entries = [
            f"{feel_string(f.name)}: {n}" for f, n in zip(body.fields, body_fields, strict=True)
        ]
        props.append(hidden("body", "={" + ", ".join(entries) + "}"))
        props.append(hidden("ignoreNullValues", "=true"))
    elif body:
        props.append(_cond(_body_field(op), when))
    return props


def _body_field(op: Operation) -> dict[str, Any]:
    body = op.body
    assert body is not None
    prop: dict[str, Any] = {
        "id": f"{op.key}.body",
        "label": f"Request body ({body.media_type})",
        "group": "requestBody",
        "type": "Text",
        "feel": "optional",
        "binding": {"type": "zeebe:input", "name": "body"},
    }
    if body.example is not None:
        structured = JSON_MEDIA.match(body.media_type) or body.media_type.endswith("urlencoded")
        if structured and not isinstance(body.example, str):
            prop["value"] = "=" + json.dumps(body.example, indent=2, ensure_ascii=False)
        else:
            prop["value"] = (
                body.example
                if isinstance(body.example, str)
                else json.dumps(body.example, ensure_ascii=False)
            )
    if body.required:
        prop["constraints"] = {"notEmpty": True}
    prop["description"] = "An example built from the description's schema; edit it (FEEL)."
    return prop


def _url_expression(op: Operation, names: dict[str, str]) -> str:
    """`baseUrl + "/pets/" + string(path_id)`: the path with its parameters substituted."""
    parts = ["baseUrl"]
    for index, piece in enumerate(re.split(r"\{([^}]+)\}", op.path)):
        if index % 2 == 0:
            if piece:
                parts.append(feel_string(piece))
        else:
            name = names.get(f"path:{piece}")
            parts.append(f"string({name})" if name else feel_string("{" + piece + "}"))
    return " + ".join(parts)


def _cond(prop: dict[str, Any], when: dict[str, Any] | None) -> dict[str, Any]:
    return {**prop, "condition": when} if when else prop
