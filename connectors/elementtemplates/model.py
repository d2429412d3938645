"""Typed model of a Zeebe element template (schema @camunda/zeebe-element-templates-json-schema).

Every model keeps fields it does not know (`extra="allow"`), and `to_dict()` writes back only what
the source held, so `ElementTemplate.from_dict(d).to_dict() == d` for any valid template: newer
schema fields survive a trip through the hub. Python names are snake_case; the JSON names are the
aliases. Build models from data that passed `validate_template`; `from_dict` raises
`TemplateModelError` for data that does not even have the right shape.
"""

import builtins
from typing import Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
)

# A JSON scalar as templates use it for values; strict so "1" stays a string and true a bool.
Scalar = StrictBool | StrictInt | StrictFloat | StrictStr

# The vocabularies of schema 0.46.0. Fields stay plain `str`, so a newer value is kept, not refused.
PROPERTY_TYPES = frozenset(
    {"String", "Text", "Hidden", "Dropdown", "Boolean", "Number", "Configuration"}
)
BINDING_TYPES = frozenset(
    {
        "property",
        "zeebe:taskDefinition:type",
        "zeebe:input",
        "zeebe:output",
        "zeebe:property",
        "zeebe:taskHeader",
        "bpmn:Message#property",
        "bpmn:Message#zeebe:subscription#property",
        "zeebe:taskDefinition",
        "zeebe:calledElement",
        "zeebe:linkedResource",
        "zeebe:userTask",
        "zeebe:formDefinition",
        "zeebe:calledDecision",
        "zeebe:script",
        "zeebe:assignmentDefinition",
        "zeebe:priorityDefinition",
        "zeebe:jobPriorityDefinition",
        "zeebe:adHoc",
        "zeebe:taskSchedule",
        "zeebe:executionListener",
        "zeebe:taskListener",
        "bpmn:Signal#property",
        "bpmn:TimerEventDefinition#property",
        "bpmn:ConditionalEventDefinition#property",
        "bpmn:ConditionalEventDefinition#zeebe:conditionalFilter#property",
        "zeebe:agentDefinition",
    }
)
FeelMode = Literal["optional", "required", "static"]


class TemplateModelError(ValueError):
    """The data does not have the shape of an element template."""


class _Node(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, serialize_by_alias=True)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, holding exactly the fields that were given (unknown ones included)."""
        return self.model_dump(by_alias=True, exclude_unset=True, mode="json")


class Header(_Node):
    key: str
    value: str


class Binding(_Node):
    """Where a property's value goes in the BPMN XML (`type` picks which of the fields apply)."""

    type: str
    name: str | None = None
    key: str | None = None
    source: str | None = None
    property: str | None = None
    link_name: str | None = Field(None, alias="linkName")
    event_type: str | None = Field(None, alias="eventType")
    retries: str | None = None
    headers: list[Header] | None = None

    # `property` is a field name here, so the decorator must be reached through builtins.
    @builtins.property
    def target(self) -> str | None:
        """The name, key, property or source that identifies the binding within its type."""
        return self.name or self.key or self.property or self.source


class SimpleCondition(_Node):
    """One test on another property: exactly one of equals, one_of, is_active or is_empty."""

    property: str
    type: Literal["simple"] | None = None
    equals: Scalar | None = None
    one_of: list[StrictStr | StrictInt | StrictFloat] | None = Field(None, alias="oneOf")
    is_active: bool | None = Field(None, alias="isActive")
    is_empty: bool | None = Field(None, alias="isEmpty")


class AllMatchCondition(_Node):
    """All of the listed conditions must hold."""

    all_match: list[SimpleCondition] = Field(alias="allMatch", min_length=1)


Condition = AllMatchCondition | SimpleCondition


class Pattern(_Node):
    value: str | None = None
    message: str | None = None


class Constraints(_Node):
    not_empty: bool | None = Field(None, alias="notEmpty")
    min_length: float | None = Field(None, alias="minLength")
    max_length: float | None = Field(None, alias="maxLength")
    pattern: Pattern | str | None = None

    @property
    def pattern_value(self) -> str | None:
        return self.pattern.value if isinstance(self.pattern, Pattern) else self.pattern

    @property
    def pattern_message(self) -> str | None:
        return self.pattern.message if isinstance(self.pattern, Pattern) else None


class Choice(_Node):
    name: str
    value: str
    condition: Condition | None = None


class GeneratedValue(_Node):
    type: str  # "uuid" in 0.46.0


class Property(_Node):
    """One field of the template: what the user sees (type, label...) and where it goes."""

    binding: Binding
    id: str | None = None
    type: str | None = None
    label: str | None = None
    description: str | None = None
    tooltip: str | None = None
    placeholder: str | None = None
    value: Scalar | None = None
    generated_value: GeneratedValue | None = Field(None, alias="generatedValue")
    editable: bool | None = None
    optional: bool | None = None
    feel: str | None = None  # FeelMode, kept open for newer modes
    language: str | None = None
    group: str | None = None
    choices: list[Choice] | None = None
    constraints: Constraints | None = None
    condition: Condition | None = None
    secret: bool | None = None
    configuration_template: str | None = Field(None, alias="configurationTemplate")
    configuration_template_version: int | None = Field(None, alias="configurationTemplateVersion")


class Group(_Node):
    id: str
    label: str
    tooltip: str | None = None
    open_by_default: bool | None = Field(None, alias="openByDefault")


class Category(_Node):
    id: str
    name: str


class Icon(_Node):
    contents: str


class ElementType(_Node):
    value: str
    event_definition: str | None = Field(None, alias="eventDefinition")


class Deprecation(_Node):
    message: str | None = None
    documentation_ref: str | None = Field(None, alias="documentationRef")


class Engines(_Node):
    """Semver ranges of the engines the template needs (more keys than these are kept)."""

    camunda: str | None = None
    camunda_desktop_modeler: str | None = Field(None, alias="camundaDesktopModeler")
    camunda_web_modeler: str | None = Field(None, alias="camundaWebModeler")


class ConfigurationTemplate(_Node):
    """A reusable block of settings embedded in a template (schema 0.4x)."""

    id: str
    name: str
    kind: str
    version: int
    properties: list[Property]


class ElementTemplate(_Node):
    """A whole element template."""

    schema_uri: str | None = Field(None, alias="$schema")
    id: str
    name: str
    version: int | None = None
    description: str | None = None
    applies_to: list[str] = Field(alias="appliesTo")
    element_type: ElementType | None = Field(None, alias="elementType")
    properties: list[Property]
    groups: list[Group] | None = None
    category: Category | None = None
    icon: Icon | None = None
    keywords: list[str] | None = None
    documentation_ref: str | None = Field(None, alias="documentationRef")
    deprecated: Deprecation | bool | None = None
    is_default: bool | None = Field(None, alias="isDefault")
    engines: Engines | None = None
    metadata: dict[str, Any] | None = None
    # true/false for all standard groups, or per group: {"outputs": true, ...}
    entries_visible: bool | dict[str, bool] | None = Field(None, alias="entriesVisible")
    # The chooser menu (steps) and the settings it applies (presets): kept as given.
    steps: list[dict[str, Any]] | None = None
    presets: list[dict[str, Any]] | None = None
    configuration_templates: list[ConfigurationTemplate] | None = Field(
        None, alias="configurationTemplates"
    )

    @classmethod
    def from_dict(cls, data: object) -> Self:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = "/" + "/".join(str(part) for part in first["loc"])
            raise TemplateModelError(
                f"not an element template: {where}: {first['msg']} ({exc.error_count()} problem(s))"
            ) from None

    @property
    def is_deprecated(self) -> bool:
        return self.deprecated is not None and self.deprecated is not False

    @property
    def target_type(self) -> str:
        """The BPMN type an element gets when the template is applied."""
        if self.element_type is not None:
            return self.element_type.value
        return self.applies_to[0] if self.applies_to else "bpmn:Task"
