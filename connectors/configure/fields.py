"""One template property as a form field, decided the way the Modeler's properties panel does.

The Modeler picks an editor per property (bpmn-js-element-templates, `createCustomEntry`):
`feel: required` is always a FEEL editor; Number and Boolean get a FEEL toggle only with
`feel: optional` (with `feel: static` they are plain fields whose value is written as FEEL);
String and Text with any `feel` are FEEL-capable editors; Dropdowns are selects with an empty
first choice when `optional`. A property without `type` is a String. `Configuration` (the
Modeler's chooser of configurations, 8.10) is a select of the hub's credentials for its
configuration template; the value is what the Modeler writes, `=camunda.vars.env.NAME`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString

from connectors.credentials.references import reference, referenced_name
from connectors.elementtemplates import Property, field_key
from connectors.elementtemplates.prepare import SUPPORTED_TYPES, property_type
from connectors.elementtemplates.values import feel_mode, js_string
from connectors.secrets import find_references

from .html import safe_html

# Prefixes of the POST names: the value, the wanted FEEL toggle state, and the state the value
# was rendered in (so text typed in the FEEL editor is read as an expression body).
VALUE_PREFIX = "v:"
FEEL_PREFIX = "fx:"
RENDERED_PREFIX = "rendered:"


# Names that hold credentials in the corpus (apiKey, clientSecret, token, password, ...),
# minus the look-alikes that do not (maxTokens, apiKeyLocator, nextToken, tokenEndpoint, ...).
_CREDENTIAL = re.compile(
    r"password|passphrase|secret|token|api[-_ ]?key|access[-_ ]?key|private[-_ ]?key|"
    r"sas[-_ ]?token|\bpat\b",
    re.IGNORECASE,
)
_NOT_CREDENTIAL = re.compile(
    r"endpoint|url|uri|type|location|locator|name|expir|variable|path|header|usage|count|limit|"
    r"scope|audience|mode|format|max|next|request|idempoten|pagination|id$",
    re.IGNORECASE,
)


@dataclass
class FieldView:
    """Everything a template needs to draw one field (no decisions left for the HTML)."""

    key: str  # field_key(prop): how values address it
    dom_id: str
    kind: str  # text | textarea | number | checkbox | select | feel | unsupported
    label: SafeString
    description: SafeString
    tooltip: SafeString
    placeholder: str
    value: str  # the text in the editor (an expression without its "=")
    checked: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    feel: str | None = None  # the template's FEEL mode, as declared
    expression: bool = False  # the value is a FEEL expression now
    toggle: bool = False  # the user may switch between a value and an expression
    multiline: bool = False
    disabled: bool = False  # editable: false
    optional: bool = False
    required: bool = False  # notEmpty
    unchecked_sends_false: bool = True  # False: a Boolean without default stays unset
    masked: bool = False  # a credential: password input and the secrets picker
    concealed: bool = False  # masked and holding a typed value (not a secret reference)
    rules: list[str] = field(default_factory=list)  # constraints in plain words
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # non-blocking hints
    unsupported: str = ""

    @property
    def value_name(self) -> str:
        return VALUE_PREFIX + self.key

    @property
    def feel_name(self) -> str:
        return FEEL_PREFIX + self.key

    @property
    def rendered_name(self) -> str:
        return RENDERED_PREFIX + self.key

    @property
    def rendered_as(self) -> str:
        return "feel" if self.expression else "value"

    @property
    def rows(self) -> int:
        """Lines of a textarea: one for a short expression, more for Text and longer values."""
        lines = self.value.count("\n") + 1
        if not self.multiline and self.kind == "feel" and lines == 1:
            return 1
        return min(max(lines, 3), 14)

    @property
    def picker(self) -> bool:
        """The secrets picker is offered where a plain value (not FEEL) is typed."""
        return self.masked and not self.expression and not self.disabled


def is_credential(prop: Property) -> bool:
    """`secret: true`, or a String/Text whose id or label names a credential."""
    if prop.secret:
        return True
    if property_type(prop) not in ("String", "Text"):
        return False
    return credential_name(prop.id or prop.binding.target or "", prop.label or "")


def credential_name(key: str, label: str = "") -> bool:
    """Whether a field named `key` (a dotted id) and labelled `label` holds a credential."""
    leaf = key.rsplit(".", 1)[-1].rsplit(":", 1)[-1]
    if _NOT_CREDENTIAL.search(leaf):
        return False
    return bool(_CREDENTIAL.search(leaf) or _CREDENTIAL.search(label))


def is_expression(prop: Property, value: Any) -> bool:
    """Whether the editor shows this value as a FEEL expression."""
    kind = property_type(prop)
    if prop.feel == "required":
        return True
    if not (isinstance(value, str) and value.startswith("=")):
        return False
    # A String/Text without `feel: optional` is a plain text field that may hold "=...".
    return prop.feel == "optional" or (
        kind in ("Number", "Boolean", "Dropdown") and feel_mode(prop) is not None
    )


def editor_text(value: Any, expression: bool) -> str:
    if value is None:
        return ""
    text = js_string(value)
    return text[1:] if expression and text.startswith("=") else text


# configuration template id -> the names of the credentials the user may choose
CredentialNames = Callable[[str], Sequence[str]]


def build_field(
    prop: Property,
    index: int,
    value: Any,
    errors: list[str],
    notes: list[str],
    credentials: CredentialNames | None = None,
) -> FieldView:
    """The field for `prop` showing `value` (what the user gave, else the template default)."""
    kind = property_type(prop)
    expression = is_expression(prop, value)
    view = FieldView(
        key=field_key(prop),
        dom_id=f"field-{index}",
        kind="text",
        label=safe_html(prop.label or _fallback_label(prop)),
        description=safe_html(prop.description),
        tooltip=safe_html(prop.tooltip),
        placeholder=prop.placeholder or "",
        value=editor_text(value, expression),
        feel=prop.feel,
        expression=expression,
        toggle=prop.feel == "optional" and prop.editable is not False,
        disabled=prop.editable is False,
        optional=bool(prop.optional),
        required=bool(prop.constraints and prop.constraints.not_empty),
        masked=is_credential(prop),
        rules=describe_rules(prop),
        errors=errors,
        notes=notes,
    )
    view.concealed = view.masked and not expression and not find_references(view.value)
    if kind not in SUPPORTED_TYPES:
        view.kind = "unsupported"
        view.unsupported = _unsupported_text(prop, kind)
    elif kind == "Configuration":
        view.kind = "select"
        names = credentials(prop.configuration_template or "") if credentials else []
        view.choices = _credential_choices(names, view.value)
        chosen = referenced_name(view.value)
        if credentials is not None and chosen is not None and chosen not in names:
            view.notes.append(
                f"Credential {chosen} is not one you can use here (deleted, or someone else's): "
                "a dry-run of this configuration fails naming it."
            )
    elif expression:
        view.kind = "feel"
        view.multiline = kind == "Text"
    elif kind == "Number":
        view.kind = "number"
    elif kind == "Boolean":
        view.kind = "checkbox"
        view.checked = value is True or (isinstance(value, str) and value == "true")
        view.unchecked_sends_false = prop.value is not None
    elif kind == "Dropdown":
        view.kind = "select"
        view.choices = _choices(prop, view.value)
    elif kind == "Text":
        view.kind = "textarea"
    return view


def _credential_choices(names: Sequence[str], current: str) -> list[tuple[str, str]]:
    choices = [("", "")] + [(reference(name), name) for name in names]
    if current and current not in {value for value, _ in choices}:
        # a credential deleted (or not the user's) since the configuration was saved
        shown = referenced_name(current) or current
        choices.append((current, f"{shown} (not available)"))
    return choices


def _choices(prop: Property, current: str) -> list[tuple[str, str]]:
    choices = [(c.value, c.name) for c in prop.choices or []]
    if prop.optional:
        choices.insert(0, ("", ""))
    elif not current:
        # Without a default the element holds no value; a browser would otherwise send the
        # first choice as if the user had picked it.
        choices.insert(0, ("", "Choose…"))
    if current and current not in {value for value, _ in choices}:
        # A saved or tampered value outside the choices stays visible next to its error.
        choices.append((current, f"{current} (not a choice)"))
    return choices


def describe_rules(prop: Property) -> list[str]:
    """The constraints in plain words, shown under the field before anything is typed."""
    constraints = prop.constraints
    if constraints is None:
        return []
    rules = []
    if constraints.min_length is not None and constraints.max_length is not None:
        rules.append(f"{int(constraints.min_length)} to {int(constraints.max_length)} characters")
    elif constraints.min_length is not None:
        rules.append(f"At least {int(constraints.min_length)} characters")
    elif constraints.max_length is not None:
        rules.append(f"At most {int(constraints.max_length)} characters")
    # A number field says "must be a number" by itself; other patterns are worth reading first.
    if constraints.pattern_value and constraints.pattern_message and prop.type != "Number":
        rules.append(constraints.pattern_message)
    return rules


def _fallback_label(prop: Property) -> str:
    return prop.id or prop.binding.target or prop.binding.type


def _unsupported_text(prop: Property, kind: str | None) -> str:
    return (
        f"Field type {kind or 'without a type'} is not supported by the hub; "
        "the template's default is used."
    )
