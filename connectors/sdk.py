"""The connector SDK: what a Python connector declares, receives, returns and raises.

A connector is one function plus a pydantic input model, declared with `@connector`:

    class EchoInput(BaseModel):
        text: str = Field(description="What to echo")

    @connector(type="acme:echo:1", name="Echo", input=EchoInput)
    def echo(data: EchoInput, context: ConnectorContext) -> JSON:
        return {"text": data.text}

The runtime core (`connectors.runtime`) binds the job's variables to the input model, calls the
function (sync in a thread, async on an event loop) and applies Camunda's header semantics to
what it returns or raises. `OutboundConnector.element_template()` turns the input model into a
Zeebe element template, as Camunda's element-template-generator does for Java connectors.
docs/sdk.md is the author's guide.

This module depends on pydantic and the standard library only.
"""

from __future__ import annotations

import builtins
import dataclasses
import enum
import functools
import inspect
import logging
import re
import types
import typing
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any, Literal, TypeAlias, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

JSON: TypeAlias = Any
"""A JSON-serialisable value: dict, list, str, int, float, bool or None (or a pydantic model)."""

ConnectorFunction: TypeAlias = Callable[[Any, "ConnectorContext"], "JSON | Awaitable[JSON]"]

TEMPLATE_SCHEMA_URL = (
    "https://unpkg.com/@camunda/zeebe-element-templates-json-schema/resources/schema.json"
)
_JOB_TYPE = re.compile(r"^\S+$")


# --------------------------------------------------------------------------------------------
# What a connector raises
# --------------------------------------------------------------------------------------------


class ConnectorInputError(Exception):
    """The input cannot be used: the job fails at once, with 0 retries (Camunda's
    ConnectorInputException). `field` names the offending input (dotted path) when known."""

    java_type = "io.camunda.connector.api.error.ConnectorInputException"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        self.message = f"{field}: {message}" if field else message
        super().__init__(self.message)


class ConnectorError(Exception):
    """A failure with an error code, as Camunda's ConnectorException.

    `errorExpression` sees it as `error.code`, `error.message` and `error.variables`, so a
    template can turn it into a BPMN error; without a mapping the job fails with retries - 1.
    """

    java_type = "io.camunda.connector.api.error.ConnectorException"

    def __init__(
        self, code: str | None, message: str, variables: Mapping[str, JSON] | None = None
    ) -> None:
        self.code = code
        self.message = message
        self.variables = dict(variables) if variables is not None else None
        super().__init__(message)


class ConnectorRetryError(ConnectorError):
    """A failure that chooses its own retries and backoff (Camunda's ConnectorRetryException);
    None keeps the runtime's default (job retries - 1, the `retryBackoff` header)."""

    java_type = "io.camunda.connector.api.error.ConnectorRetryException"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        retries: int | None = None,
        backoff: timedelta | None = None,
        variables: Mapping[str, JSON] | None = None,
    ) -> None:
        super().__init__(code, message, variables)
        self.retries = retries
        self.backoff = backoff


class EgressDenied(ConnectorInputError):
    """A connector asked to reach a host that a secret in its input may not be sent to."""


# --------------------------------------------------------------------------------------------
# What a connector receives
# --------------------------------------------------------------------------------------------


@dataclass
class HttpExchange:
    """One HTTP request and its response (or error), as the run page shows it.

    HTTP connectors record these through `context.http_exchanges`; the runtime redacts secrets
    and truncates bodies before the exchange is stored.
    """

    method: str
    url: str
    request_headers: dict[str, Any] = field(default_factory=dict)
    request_body: str | None = None
    status: int | None = None
    response_headers: dict[str, Any] = field(default_factory=dict)
    response_body: str | None = None
    duration_ms: float | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class HttpExchangeRecorder:
    """Collects the HTTP exchanges of one run, in order."""

    def __init__(self) -> None:
        self._exchanges: list[HttpExchange] = []

    def record(self, exchange: HttpExchange) -> None:
        self._exchanges.append(exchange)

    def __iter__(self) -> Iterator[HttpExchange]:
        return iter(list(self._exchanges))

    def __len__(self) -> int:
        return len(self._exchanges)


@typing.runtime_checkable
class AddressPolicy(typing.Protocol):
    """Which network addresses a connector may connect to (the hub's egress policy).

    `resolve(host, port)` returns the addresses of `host` that may be used, or raises
    EgressDenied naming the rule that refused them. HTTP connectors connect only to the
    addresses it returned, so the name is resolved once. The runtime hands the adapter's policy
    to connectors as `ConnectorContext.address_policy` (None: no address check).
    """

    def resolve(self, host: str, port: int) -> list[str]: ...


def _no_egress_rule(host: str) -> None:
    return None


def _no_deadline() -> float | None:
    return None


def no_redaction(text: str) -> str:
    """The identity: `ConnectorContext.redact` outside a run, where no secret was filled in."""
    return text


@dataclass(frozen=True)
class ConnectorContext:
    """What the runtime hands a connector function besides its validated input.

    - `headers`: the job's custom headers (resultExpression and friends included), read-only;
    - `logger`: its records are captured into the run (secrets masked) and forwarded to the
      worker's log under `connectorhub.connectors.<job type>`;
    - `http_exchanges`: where HTTP connectors record each request for the run page;
    - `deadline`: the `clock()` value by which the call must end (None: no limit);
      `time_remaining()` says how long is left, for a connector's own network timeouts;
    - `check_egress(host)`: raises EgressDenied if a secret used in the input may not be sent to
      `host` (`name` or `name:port`); HTTP connectors call it before every request and redirect.
    - `address_policy`: the adapter's egress policy (None: none); HTTP connectors resolve
      hosts through it and connect only to the addresses it returns.
    - `redact(text)`: TEXT with the values of the secrets this run uses masked (`***`), for
      what a connector records before it is encoded in a spelling the runtime's masking cannot
      know (HTTP connectors build the URL they record from masked pieces); without a run,
      the text unchanged.
    """

    job_type: str
    headers: Mapping[str, str] = field(default_factory=dict)
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("connectorhub.sdk"))
    http_exchanges: HttpExchangeRecorder = field(default_factory=HttpExchangeRecorder)
    deadline: float | None = None
    clock: Callable[[], float] = field(default=lambda: 0.0, repr=False)
    job_key: int | None = None
    retries: int | None = None
    egress_rule: Callable[[str], None] = field(default=_no_egress_rule, repr=False)
    address_policy: AddressPolicy | None = None
    redact: Callable[[str], str] = field(default=no_redaction, repr=False)

    def time_remaining(self) -> float | None:
        """Seconds left before the time limit, never negative; None when there is no limit."""
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - self.clock())

    def check_egress(self, host: str) -> None:
        self.egress_rule(host)


# --------------------------------------------------------------------------------------------
# How a connector is declared
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboundConnector:
    """An outbound connector: job type, display name, version, input model and function."""

    type: str
    name: str
    input: builtins.type[BaseModel]
    function: ConnectorFunction
    version: int = 1
    description: str = ""
    template_id: str | None = None
    documentation_ref: str | None = None
    icon: str | None = None
    groups: tuple[tuple[str, str], ...] = ()
    # False for a connector that hands its input back (an echo, a no-op): a secret given to it
    # would be shown to whoever ran it, so the hub's dry-runs refuse to resolve one for it.
    accepts_secrets: bool = True

    def __post_init__(self) -> None:
        if not self.type or not _JOB_TYPE.match(self.type):
            raise ValueError(f"connector job type must be non-empty without spaces: {self.type!r}")
        if not (isinstance(self.input, type) and issubclass(self.input, BaseModel)):
            raise TypeError(f"connector {self.type}: input must be a pydantic model class")
        if not callable(self.function):
            raise TypeError(f"connector {self.type}: function must be callable")
        if isinstance(self.version, bool) or not isinstance(self.version, int):
            raise TypeError(f"connector {self.type}: version must be an int")
        if not isinstance(self.accepts_secrets, bool):
            raise TypeError(f"connector {self.type}: accepts_secrets must be True or False")

    @functools.cached_property
    def is_async(self) -> bool:
        """Whether the function is a coroutine function; asked on every job, answered once
        (the function of a declared connector does not change)."""
        return inspect.iscoroutinefunction(self.function)

    @property
    def fetch_variables(self) -> list[str]:
        """The top-level variables the input model reads (Camunda's `inputVariables`): what a
        Zeebe worker should fetch for this job type."""
        return [info.alias or name for name, info in self.input.model_fields.items()]

    @property
    def element_template_id(self) -> str:
        return self.template_id or _default_template_id(self.type)

    def element_template(self) -> dict[str, Any]:
        """A Zeebe element template for this connector, generated from the input model."""
        return generate_element_template(self)


def connector(
    *,
    type: str,
    name: str,
    input: builtins.type[BaseModel],
    version: int = 1,
    description: str = "",
    template_id: str | None = None,
    documentation_ref: str | None = None,
    icon: str | None = None,
    groups: Sequence[tuple[str, str]] = (),
    accepts_secrets: bool = True,
) -> Callable[[ConnectorFunction], OutboundConnector]:
    """Declare a connector function; the decorated name becomes its OutboundConnector."""

    def wrap(function: ConnectorFunction) -> OutboundConnector:
        return OutboundConnector(
            type=type,
            name=name,
            input=input,
            function=function,
            version=version,
            description=description or (inspect.getdoc(function) or "").split("\n\n")[0],
            template_id=template_id,
            documentation_ref=documentation_ref,
            icon=icon,
            groups=tuple(groups),
            accepts_secrets=accepts_secrets,
        )

    return wrap


# --------------------------------------------------------------------------------------------
# Element template generation
# --------------------------------------------------------------------------------------------

TEMPLATE_KEY = "x-connectorhub"
PropertyType = Literal["String", "Text", "Hidden", "Dropdown", "Boolean", "Number"]
FeelMode = Literal["optional", "required", "static"]


def ui(
    *,
    label: str | None = None,
    group: str | None = None,
    type: PropertyType | None = None,
    feel: FeelMode | Literal["disabled"] | None = None,
    condition: Mapping[str, Any] | None = None,
    choices: Mapping[str, str] | None = None,
    placeholder: str | None = None,
    tooltip: str | None = None,
    secret: bool = False,
) -> dict[str, Any]:
    """Template hints for one input field, passed as `Field(json_schema_extra=ui(...))`.

    `condition` is Camunda's property condition, naming another field by its dotted path:
    `{"property": "authentication.type", "equals": "bearer"}` or `{... "oneOf": [...]}`.
    `choices` maps a Literal/Enum value to its label. `secret` only changes the tooltip so
    users know a `{{secrets.NAME}}` reference belongs there.
    """
    hints = {
        "label": label,
        "group": group,
        "type": type,
        "feel": feel,
        "condition": dict(condition) if condition else None,
        "choices": dict(choices) if choices else None,
        "placeholder": placeholder,
        "tooltip": tooltip,
        "secret": secret or None,
    }
    return {TEMPLATE_KEY: {key: value for key, value in hints.items() if value is not None}}


def _hints(info: FieldInfo) -> dict[str, Any]:
    extra = info.json_schema_extra
    if isinstance(extra, dict):
        hints = extra.get(TEMPLATE_KEY)
        if isinstance(hints, dict):
            return hints
    return {}


def _default_template_id(job_type: str) -> str:
    """`io.camunda:http-json:1` -> `io.camunda.http-json` (the version goes in `version`)."""
    parts = job_type.split(":")
    if len(parts) > 1 and parts[-1].isdigit():
        parts = parts[:-1]
    return ".".join(parts)


def _label(name: str) -> str:
    """`readTimeoutInSeconds` / `read_timeout` -> `Read timeout in seconds` (Camunda's style);
    an all-capitals value such as `GET` stays as it is."""
    if name.isupper():
        return name
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").split()
    text = " ".join(words).lower()
    return text[:1].upper() + text[1:]


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    """(inner type, whether None is allowed) for `X | None` and `Optional[X]`."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        nullable = len(args) < len(get_args(annotation))
        if len(args) == 1:
            # `Annotated[A | B, Field(discriminator=...)] | None`: the union inside is the type
            inner = args[0]
            return (get_args(inner)[0] if get_origin(inner) is Annotated else inner), nullable
        return Union[tuple(args)], nullable  # noqa: UP007 - rebuilding a union from parts
    return annotation, False


def _model_variants(annotation: Any) -> list[type[BaseModel]] | None:
    """The member models of a union made only of pydantic models, else None."""
    if get_origin(annotation) not in (Union, types.UnionType):
        return None
    args = get_args(annotation)
    if all(isinstance(arg, type) and issubclass(arg, BaseModel) for arg in args):
        return list(args)
    return None


def _literal_values(annotation: Any) -> list[Any] | None:
    if get_origin(annotation) is Literal:
        return list(get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [member.value for member in annotation]
    return None


def _json_default(info: FieldInfo) -> Any:
    """The field's default as a template `value`, or None when it has no simple default."""
    if info.is_required() or info.default_factory is not None:
        return None
    value = info.default
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool | int | float | str):
        return value
    return None


@dataclass
class _TemplateBuilder:
    connector: OutboundConnector
    properties: list[dict[str, Any]] = field(default_factory=list)
    group_order: list[str] = field(default_factory=list)

    def walk(
        self,
        model: type[BaseModel],
        prefix: str,
        conditions: list[dict[str, Any]],
        group: str | None,
    ) -> None:
        for name, info in model.model_fields.items():
            self.add_field(f"{prefix}{info.alias or name}", info, conditions, group)

    def add_field(
        self,
        path: str,
        info: FieldInfo,
        conditions: list[dict[str, Any]],
        group: str | None,
    ) -> None:
        hints = _hints(info)
        group = hints.get("group") or group or "input"
        own = [hints["condition"]] if "condition" in hints else []
        annotation, nullable = _strip_optional(info.annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            self.walk(annotation, f"{path}.", conditions + own, group)
            return
        variants = _model_variants(annotation)
        if variants is not None:
            self.add_variants(path, info, variants, conditions + own, group)
            return
        self.note_group(group)
        prop = self.scalar_property(path, info, annotation, nullable, hints, group)
        all_conditions = conditions + own
        if len(all_conditions) == 1:
            prop["condition"] = all_conditions[0]
        elif all_conditions:
            prop["condition"] = {"allMatch": all_conditions}
        self.properties.append(prop)

    def add_variants(
        self,
        path: str,
        info: FieldInfo,
        variants: list[type[BaseModel]],
        conditions: list[dict[str, Any]],
        group: str,
    ) -> None:
        """A union of models becomes a Dropdown on their shared Literal discriminator field,
        with each model's other fields shown only when it is chosen (Camunda's sealed types)."""
        discriminator = info.discriminator if isinstance(info.discriminator, str) else None
        key = discriminator or _shared_literal_field(variants)
        if key is None:
            raise TypeError(
                f"{path}: a union of models needs a Literal field that tells them apart "
                "(set Field(discriminator=...))"
            )
        self.note_group(group)
        hints = _hints(info)
        choices = []
        for variant in variants:
            tag_info = variant.model_fields[key]
            values = _literal_values(tag_info.annotation) or []
            labels = _hints(tag_info).get("choices", {})
            title = variant.model_config.get("title")
            for value in values:
                choices.append(
                    {"name": labels.get(value, title or _label(str(value))), "value": value}
                )
        tag_path = f"{path}.{key}"
        dropdown: dict[str, Any] = {
            "id": tag_path,
            "label": hints.get("label") or info.title or _label(path.rsplit(".", 1)[-1]),
            "group": group,
            "type": "Dropdown",
            "choices": choices,
            "value": choices[0]["value"],
            "binding": {"type": "zeebe:input", "name": tag_path},
        }
        if info.description:
            dropdown["description"] = info.description
        if conditions:
            dropdown["condition"] = (
                conditions[0] if len(conditions) == 1 else {"allMatch": conditions}
            )
        self.properties.append(dropdown)
        for variant in variants:
            values = _literal_values(variant.model_fields[key].annotation) or []
            chosen: dict[str, Any] = (
                {"property": tag_path, "equals": values[0]}
                if len(values) == 1
                else {"property": tag_path, "oneOf": values}
            )
            for name, sub in variant.model_fields.items():
                if name == key:
                    continue
                self.add_field(f"{path}.{sub.alias or name}", sub, [*conditions, chosen], group)

    def scalar_property(
        self,
        path: str,
        info: FieldInfo,
        annotation: Any,
        nullable: bool,
        hints: dict[str, Any],
        group: str,
    ) -> dict[str, Any]:
        prop: dict[str, Any] = {
            "id": path,
            "label": hints.get("label") or info.title or _label(path.rsplit(".", 1)[-1]),
            "group": group,
        }
        if info.description:
            prop["description"] = info.description
        kind, feel = _property_kind(annotation)
        kind = hints.get("type", kind)
        feel = hints.get("feel", feel)
        prop["type"] = kind
        values = _literal_values(annotation)
        if kind == "Dropdown":
            labels = hints.get("choices", {})
            prop["choices"] = [
                {"name": labels.get(value, _label(str(value))), "value": value}
                for value in values or []
            ]
            feel = None
        if feel and feel != "disabled" and kind != "Hidden":
            prop["feel"] = feel
        default = _json_default(info)
        if default is not None:
            prop["value"] = str(default) if kind in ("String", "Text", "Hidden") else default
        elif kind == "Dropdown" and prop["choices"] and info.is_required():
            prop["value"] = prop["choices"][0]["value"]
        for key in ("placeholder", "tooltip"):
            if key in hints:
                prop[key] = hints[key]
        if hints.get("secret") and "tooltip" not in prop:
            prop["tooltip"] = "Use a secret reference such as {{secrets.MY_SECRET}}."
        if info.is_required() and not nullable:
            if kind in ("String", "Text"):
                prop["constraints"] = {"notEmpty": True}
        elif kind not in ("Boolean", "Hidden"):
            # Camunda's meaning: leave the input mapping out when the field is empty
            prop["optional"] = True
        prop["binding"] = {"type": "zeebe:input", "name": path}
        return prop

    def note_group(self, group: str) -> None:
        if group not in self.group_order:
            self.group_order.append(group)


def _shared_literal_field(variants: list[type[BaseModel]]) -> str | None:
    for name, info in variants[0].model_fields.items():
        if _literal_values(info.annotation) is not None and all(
            name in v.model_fields and _literal_values(v.model_fields[name].annotation)
            for v in variants
        ):
            return name
    return None


def _property_kind(annotation: Any) -> tuple[str, str | None]:
    """(template property type, default FEEL mode) for a field's type, as Camunda's generator
    does: booleans are Boolean, enums and literals Dropdown, numbers Number, collections and
    free-form values need FEEL, everything else is a String that may use FEEL."""
    if annotation is bool:
        return "Boolean", "static"
    if _literal_values(annotation) is not None:
        return "Dropdown", None
    if annotation in (int, float) or (
        isinstance(annotation, type) and issubclass(annotation, int | float)
    ):
        return "Number", "static"
    origin = get_origin(annotation) or annotation
    if origin in (dict, list, tuple, set, Mapping, Sequence, typing.Any) or annotation is object:
        return "String", "required"
    return "String", "optional"


def generate_element_template(connector: OutboundConnector) -> dict[str, Any]:
    """The connector's element template (zeebe-element-templates-json-schema), with the standard
    groups and task headers Camunda's generated templates carry."""
    builder = _TemplateBuilder(connector)
    builder.walk(connector.input, "", [], None)
    labels = dict(connector.groups)
    groups = [{"id": gid, "label": labels.get(gid, _label(gid))} for gid in builder.group_order]
    groups += [
        {"id": "connector", "label": "Connector"},
        {"id": "output", "label": "Output mapping"},
        {"id": "error", "label": "Error handling"},
        {"id": "retries", "label": "Retries"},
    ]
    template_id = connector.element_template_id
    template: dict[str, Any] = {
        "$schema": TEMPLATE_SCHEMA_URL,
        "name": connector.name,
        "id": template_id,
        "version": connector.version,
        "description": connector.description,
        "category": {"id": "connectors", "name": "Connectors"},
        "appliesTo": ["bpmn:Task"],
        "elementType": {"value": "bpmn:ServiceTask"},
        "groups": groups,
        "properties": [
            {
                "value": connector.type,
                "binding": {"type": "zeebe:taskDefinition", "property": "type"},
                "type": "Hidden",
            },
            *builder.properties,
            *_standard_properties(template_id, connector.version),
        ],
    }
    if connector.documentation_ref:
        template["documentationRef"] = connector.documentation_ref
    if connector.icon:
        template["icon"] = {"contents": connector.icon}
    if not template["description"]:
        del template["description"]
    return template


def _header(key: str) -> dict[str, str]:
    return {"type": "zeebe:taskHeader", "key": key}


def _standard_properties(template_id: str, version: int) -> list[dict[str, Any]]:
    """The connector/output/error/retries properties of Camunda's generated templates."""
    docs = "https://docs.camunda.io/docs/components/connectors/use-connectors/"
    return [
        {
            "id": "version",
            "label": "Version",
            "description": "Version of the element template",
            "value": str(version),
            "group": "connector",
            "binding": _header("elementTemplateVersion"),
            "type": "Hidden",
        },
        {
            "id": "id",
            "label": "ID",
            "description": "ID of the element template",
            "value": template_id,
            "group": "connector",
            "binding": _header("elementTemplateId"),
            "type": "Hidden",
        },
        {
            "id": "resultVariable",
            "label": "Result variable",
            "description": f'Name of variable to store the response in. <a href="{docs}'
            '#result-variable" target="_blank">Documentation</a>',
            "group": "output",
            "binding": _header("resultVariable"),
            "type": "String",
        },
        {
            "id": "resultExpression",
            "label": "Result expression",
            "description": f'Expression to map the response into process variables. <a href="'
            f'{docs}#result-expression" target="_blank">Documentation</a>',
            "feel": "required",
            "group": "output",
            "binding": _header("resultExpression"),
            "type": "Text",
        },
        {
            "id": "errorExpression",
            "label": "Error expression",
            "description": f'Expression to handle errors. <a href="{docs}" target="_blank">'
            "Documentation</a>",
            "feel": "required",
            "group": "error",
            "binding": _header("errorExpression"),
            "type": "Text",
        },
        {
            "id": "retryCount",
            "label": "Retries",
            "description": "Number of retries",
            "value": "3",
            "feel": "optional",
            "group": "retries",
            "binding": {"type": "zeebe:taskDefinition", "property": "retries"},
            "type": "String",
        },
        {
            "id": "retryBackoff",
            "label": "Retry backoff",
            "description": "ISO-8601 duration to wait between retries",
            "value": "PT30S",
            "group": "retries",
            "binding": _header("retryBackoff"),
            "type": "String",
        },
    ]


__all__ = [
    "JSON",
    "TEMPLATE_SCHEMA_URL",
    "AddressPolicy",
    "ConnectorContext",
    "ConnectorError",
    "ConnectorFunction",
    "ConnectorInputError",
    "ConnectorRetryError",
    "EgressDenied",
    "HttpExchange",
    "HttpExchangeRecorder",
    "OutboundConnector",
    "connector",
    "generate_element_template",
    "no_redaction",
    "ui",
]
