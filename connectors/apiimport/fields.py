"""Template properties for one parameter, the authentication and the output of a generated REST
template. Bindings are those of Camunda's REST template (`io.camunda:http-json:1`), so the
REST connector runs the result unchanged; the shape of a parameter field follows
camunda/connectors `PropertyUtil.transformProperty` (required -> notEmpty), and adds dropdowns
only where a value is always chosen, defaults, and formats and patterns as constraints."""

from __future__ import annotations

import json
import re
from typing import Any

from .model import Auth, Parameter

MAX_DESCRIPTION = 400
# JSON Schema formats and types as template patterns (checked on literal text, not on FEEL)
FORMAT_PATTERNS = {
    "date": r"^\d{4}-\d{2}-\d{2}$",
    "date-time": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$",
    "uuid": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "email": r"^[^@\s]+@[^@\s]+$",
    "uri": r"^[a-zA-Z][a-zA-Z0-9+.-]*:",
}
TYPE_PATTERNS = {
    "integer": r"^-?\d+$",
    "number": r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$",
    "boolean": r"^(true|false)$",
}
SECRET_HINT = "Use a secret: {{secrets.NAME}}."  # noqa: S105 (a hint, not a password)


def feel_name(text: str) -> str:
    """A FEEL-safe variable name part (letters, digits, underscores)."""
    return re.sub(r"\W+", "_", text, flags=re.ASCII).strip("_") or "value"


def feel_string(text: str) -> str:
    """TEXT as a FEEL string literal (JSON's escapes are FEEL's)."""
    return json.dumps(text, ensure_ascii=False)


def shorten(text: str, limit: int = MAX_DESCRIPTION) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _js_escape(text: str) -> str:
    return re.sub(r"([.*+?^${}()|\[\]\\/-])", r"\\\1", text)


def parameter_property(
    param: Parameter, *, prop_id: str, input_name: str, group: str
) -> dict[str, Any]:
    """The field for one parameter (path, query, header or a flat body's property)."""
    schema = param.schema
    enum = [scalar_text(v) for v in schema.get("enum") or [] if v is not None]
    default = schema.get("default")
    prop: dict[str, Any] = {
        "id": prop_id,
        "label": param.name,
        "group": group,
        "binding": {"type": "zeebe:input", "name": input_name},
    }
    description = shorten(param.description) if param.description else ""
    if enum and (param.required or default is not None):
        prop["type"] = "Dropdown"
        prop["choices"] = [{"name": v, "value": v} for v in dict.fromkeys(enum)]
        prop["value"] = scalar_text(default) if default is not None else enum[0]
        if prop["value"] not in enum:
            prop["value"] = enum[0]
    else:
        prop["type"] = "String"
        prop["feel"] = "optional"
        if default is not None:
            prop["value"] = scalar_text(default)
        constraints = _constraints(param, enum)
        if constraints:
            prop["constraints"] = constraints
        if param.example is not None and not isinstance(param.example, (dict, list)):
            prop["placeholder"] = shorten(scalar_text(param.example), 80)
    if description:
        prop["description"] = description
    if param.required and prop["type"] == "String":
        prop.setdefault("constraints", {})["notEmpty"] = True
    return prop


def _constraints(param: Parameter, enum: list[str]) -> dict[str, Any]:
    schema = param.schema
    found: dict[str, Any] = {}
    for key, name in (("minLength", "minLength"), ("maxLength", "maxLength")):
        if isinstance(schema.get(key), int) and not isinstance(schema.get(key), bool):
            found[name] = schema[key]
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
    if enum:
        pattern, message = (
            "^(" + "|".join(_js_escape(v) for v in enum) + ")$",
            ("must be one of " + ", ".join(enum[:10])),
        )
    elif isinstance(schema.get("pattern"), str):
        pattern, message = schema["pattern"], f"must match {schema['pattern']}"
    elif schema.get("format") in FORMAT_PATTERNS and kind == "string":
        pattern, message = FORMAT_PATTERNS[schema["format"]], f"must be a {schema['format']}"
    elif kind in TYPE_PATTERNS:
        pattern, message = TYPE_PATTERNS[kind], f"must be a {kind}"
    else:
        return found
    found["pattern"] = {"value": pattern, "message": shorten(message, 200)}
    return found


def auth_properties(options: list[Auth], when: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The REST template's authentication fields for OPTIONS (the alternatives offered)."""
    kinds: dict[str, Auth] = {}
    for option in options:
        kinds.setdefault(option.type, option)
    labels = {t: " / ".join(o.label for o in options if o.type == t) for t in kinds}
    chooser: dict[str, Any] = {
        "id": "authentication.type",
        "label": "Authentication",
        "group": "authentication",
        "binding": {"type": "zeebe:input", "name": "authentication.type"},
        "value": next(iter(kinds)),
    }
    if len(kinds) == 1:
        chooser["type"] = "Hidden"
    else:
        chooser["type"] = "Dropdown"
        chooser["choices"] = [{"name": labels[t], "value": t} for t in kinds]
    props = [_with(chooser, when)]
    for kind, option in kinds.items():
        shown = {"property": "authentication.type", "equals": kind, "type": "simple"}
        for field in _auth_fields(option):
            props.append(_with(field, when if len(kinds) == 1 else _all(when, shown)))
    return props


def _with(prop: dict[str, Any], condition: dict[str, Any] | None) -> dict[str, Any]:
    return {**prop, "condition": condition} if condition else prop


def _all(first: dict[str, Any] | None, second: dict[str, Any]) -> dict[str, Any]:
    return {"allMatch": [first, second]} if first else second


def _field(name: str, label: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"authentication.{name}",
        "label": label,
        "group": "authentication",
        "type": "String",
        "feel": "optional",
        "binding": {"type": "zeebe:input", "name": f"authentication.{name}"},
        **extra,
    }


NOT_EMPTY = {"notEmpty": True}


def _auth_fields(option: Auth) -> list[dict[str, Any]]:
    # `secret`: the Modeler hides what is typed, as in the REST template
    secret = {"description": SECRET_HINT, "constraints": NOT_EMPTY, "secret": True}
    if option.type == "basic":
        return [
            _field("username", "Username", constraints=NOT_EMPTY),
            _field("password", "Password", description=SECRET_HINT, secret=True),
        ]
    if option.type == "bearer":
        return [_field("token", "Bearer token", **secret)]
    if option.type == "apiKey":
        location = {
            "id": "authentication.apiKeyLocation",
            "label": "API key location",
            "group": "authentication",
            "type": "Dropdown",
            "value": option.location or "headers",
            "choices": [
                {"name": "Headers", "value": "headers"},
                {"name": "Query parameters", "value": "query"},
            ],
            "binding": {"type": "zeebe:input", "name": "authentication.apiKeyLocation"},
        }
        return [
            location,
            _field("name", "API key name", value=option.name, constraints=NOT_EMPTY),
            _field("value", "API key value", **secret),
        ]
    if option.type == "oauth-client-credentials-flow":
        endpoint = {"value": option.token_url} if option.token_url else {}
        client_auth = {
            "id": "authentication.clientAuthentication",
            "label": "Client authentication",
            "group": "authentication",
            "type": "Dropdown",
            "value": "basicAuthHeader",
            "choices": [
                {
                    "name": "Send client credentials as Basic Auth header",
                    "value": "basicAuthHeader",
                },
                {"name": "Send client credentials in body", "value": "credentialsBody"},
            ],
            "binding": {"type": "zeebe:input", "name": "authentication.clientAuthentication"},
        }
        scopes = {"value": option.scopes} if option.scopes else {}
        return [
            _field(
                "oauthTokenEndpoint", "OAuth 2.0 token endpoint", constraints=NOT_EMPTY, **endpoint
            ),
            _field("clientId", "Client ID", constraints=NOT_EMPTY),
            _field("clientSecret", "Client secret", **secret),
            _field("audience", "Audience", optional=True),
            client_auth,
            _field("scopes", "Scopes", optional=True, **scopes),
        ]
    return []


def output_properties(template_id: str, version: int) -> list[dict[str, Any]]:
    """Result and error handling, retries, and the template's id and version as task headers
    (as Camunda's templates write them)."""

    def header(key: str, **extra: Any) -> dict[str, Any]:
        return {"binding": {"type": "zeebe:taskHeader", "key": key}, **extra}

    return [
        header(
            "resultVariable",
            id="resultVariable",
            label="Result variable",
            group="output",
            type="String",
        ),
        header(
            "resultExpression",
            id="resultExpression",
            label="Result expression",
            group="output",
            type="Text",
            feel="required",
            description="Expression to map the response into process variables",
        ),
        header(
            "errorExpression",
            id="errorExpression",
            label="Error expression",
            group="error",
            type="Text",
            feel="required",
            description="Expression to handle errors (bpmnError, jobError)",
        ),
        {
            "id": "retryCount",
            "label": "Retries",
            "group": "retries",
            "type": "String",
            "value": "3",
            "feel": "optional",
            "binding": {"type": "zeebe:taskDefinition", "property": "retries"},
        },
        header(
            "retryBackoff",
            id="retryBackoff",
            label="Retry backoff",
            group="retries",
            type="String",
            value="PT0S",
            description="ISO-8601 duration between retries",
        ),
        header(
            "elementTemplateVersion", id="elementTemplateVersion", type="Hidden", value=str(version)
        ),
        header("elementTemplateId", id="elementTemplateId", type="Hidden", value=template_id),
    ]
