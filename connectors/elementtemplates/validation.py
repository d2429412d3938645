"""Validating element templates as the Modeler does: schema, then the loader's own rules.

`validate_template` returns the errors that make a template unusable (empty list: accept it);
`lint_template` returns warnings worth showing but never blocking. `validate_templates` checks a
batch and also reports repeated id/version pairs, which the Modeler refuses to load twice.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from . import rules
from .loading import json_shape_problem, json_type
from .schema_check import schema_violations

Severity = Literal["error", "warning"]

RULE_SCHEMA = "schema"
RULE_DOCUMENT = "document"
RULE_DUPLICATE_VERSION = "duplicate-version"

# Rules @bpmn-io/element-templates-validator (`validateZeebe`) itself decides; everything else is
# decided by the Modeler's template loader around it.
REFERENCE_VALIDATOR_RULES = frozenset({RULE_SCHEMA, RULE_DOCUMENT})


@dataclass(frozen=True, slots=True)
class TemplateError:
    """One problem with one template, located by a JSON pointer into that template."""

    message: str
    pointer: str = ""
    template_id: str | None = None
    template_version: int | None = None
    rule: str = RULE_SCHEMA
    severity: Severity = "error"
    # Position of the template in the batch given to `validate_templates`, when there was one.
    index: int | None = None

    def __str__(self) -> str:
        return f"{self.template_label}: {self.pointer or '/'}: {self.message}"

    @property
    def template_label(self) -> str:
        if self.template_id is None:
            return "template" if self.index is None else f"template #{self.index}"
        version = "" if self.template_version is None else f" v{self.template_version}"
        return f"template {self.template_id}{version}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def validate_template(data: object, *, index: int | None = None) -> list[TemplateError]:
    """Every error that makes `data` an invalid Zeebe element template ([] when valid)."""
    template_id, version = _identity(data)

    def error(rule: str, pointer: str, message: str) -> TemplateError:
        return TemplateError(message, pointer, template_id, version, rule, "error", index)

    if not isinstance(data, dict):
        return [
            error(RULE_DOCUMENT, "", f"a template must be a JSON object, not {json_type(data)}")
        ]
    shape = json_shape_problem(data)
    if shape:
        return [error(RULE_DOCUMENT, "", shape)]
    found = [error(RULE_SCHEMA, v.pointer, v.message) for v in schema_violations(data)]
    found.extend(error(rule, pointer, text) for rule, pointer, text in rules.modeler_errors(data))
    return found


def validate_templates(items: Sequence[object]) -> list[TemplateError]:
    """Errors of a batch (one file, one upload): each template's, plus repeated id/version."""
    found: list[TemplateError] = []
    seen: dict[tuple[str, object], int] = {}
    for index, item in enumerate(items):
        errors = validate_template(item, index=index)
        found.extend(errors)
        if errors or not isinstance(item, dict):
            continue
        key = (item["id"], item.get("version"))
        if key in seen:
            template_id, version = _identity(item)
            found.append(
                TemplateError(
                    f"id {item['id']!r} with version {item.get('version', '(none)')} is already "
                    f"defined by template #{seen[key]} of this batch",
                    "/id",
                    template_id,
                    version,
                    RULE_DUPLICATE_VERSION,
                    "error",
                    index,
                )
            )
        else:
            seen[key] = index
    return found


def lint_template(data: object, *, index: int | None = None) -> list[TemplateError]:
    """Non-blocking warnings for a template that passed `validate_template`."""
    if not isinstance(data, dict):
        return []
    template_id, version = _identity(data)
    return [
        TemplateError(text, pointer, template_id, version, rule, "warning", index)
        for rule, pointer, text in rules.hub_warnings(data)
    ]


def is_valid(errors: Sequence[TemplateError]) -> bool:
    return not any(e.severity == "error" for e in errors)


def _identity(data: object) -> tuple[str | None, int | None]:
    if not isinstance(data, dict):
        return None, None
    template_id = data.get("id")
    version = data.get("version")
    return (
        template_id if isinstance(template_id, str) else None,
        version if isinstance(version, int) and not isinstance(version, bool) else None,
    )
