"""The official JSON schema, compiled once with jsonschema-rs, and its errors in plain words.

Two differences between the schema as published and what jsonschema-rs reads are bridged here:

- the schema is written for ajv, whose regular expressions are ECMAScript ones: `\\w`, `\\d` and `.`
  are rewritten so they mean exactly what they mean in JavaScript (ASCII classes; `.` stops at
  all four JavaScript line terminators);
- ajv's `$data` references (one, in 0.46.0: a condition must not point at its own property) are
  cut out of the schema and checked in Python by `rules.py`. Any other `$data` in a future copy
  of the schema stops the import of this module, so it cannot be silently ignored.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs

SCHEMA_PACKAGE = "@camunda/zeebe-element-templates-json-schema"
SCHEMA_VERSION = "0.46.0"
SCHEMA_FILE = Path(__file__).parent / "schema" / f"zeebe-element-templates-{SCHEMA_VERSION}.json"

# `$data` references handled in Python (see rules.condition_self_reference).
KNOWN_DATA_REFERENCES = frozenset({"2/id"})


@dataclass(frozen=True, slots=True)
class SchemaViolation:
    """One schema error: where in the template, and what is wrong in plain words."""

    pointer: str
    message: str


@cache
def official_schema() -> dict[str, Any]:
    """The schema exactly as published (package data, MIT licence beside it)."""
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


@cache
def _compiled() -> tuple[Any, dict[str, Any]]:
    published = official_schema()
    root = {
        "$schema": published["$schema"],
        "definitions": _prepare(published["definitions"]),
        # One template at a time: the published root also accepts an array of templates.
        "$ref": "#/definitions/template",
    }
    return jsonschema_rs.validator_for(root), root


def schema_violations(template: dict[str, Any]) -> Iterator[SchemaViolation]:
    """Every violation of the official schema by one template (a dict)."""
    validator, root = _compiled()
    if validator.is_valid(template):  # the common case, and several times faster
        return
    for error in validator.iter_errors(template):
        pointer = _pointer(error.instance_path)
        yield SchemaViolation(pointer, _describe(error, root, template))


# -- preparing the schema --------------------------------------------------------------------


def _prepare(node: Any) -> Any:
    if isinstance(node, list):
        return [_prepare(item) for item in node]
    if not isinstance(node, dict):
        return node
    const = node.get("const")
    if isinstance(const, dict) and "$data" in const:
        if const["$data"] not in KNOWN_DATA_REFERENCES:
            raise RuntimeError(f"the schema uses an unknown $data reference {const['$data']!r}")
        # Never matches, so the surrounding if/then stays silent; rules.py checks it instead.
        return False
    prepared = {key: _prepare(value) for key, value in node.items()}
    if isinstance(prepared.get("pattern"), str):
        prepared["pattern"] = ecma_to_rust_regex(prepared["pattern"])
    return prepared


def ecma_to_rust_regex(pattern: str) -> str:
    """Rewrite the ECMAScript-only meanings of `\\w`, `\\d` and `.` for the Rust/Python engines."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            pair = pattern[i : i + 2]
            out.append(
                _ASCII_CLASSES.get(pair, pair) if not in_class else _IN_CLASS.get(pair, pair)
            )
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        elif char == "." and not in_class:
            char = r"[^\n\r\u2028\u2029]"
        out.append(char)
        i += 1
    return "".join(out)


_ASCII_CLASSES = {r"\w": "[A-Za-z0-9_]", r"\d": "[0-9]", r"\W": "[^A-Za-z0-9_]", r"\D": "[^0-9]"}
_IN_CLASS = {r"\w": "A-Za-z0-9_", r"\d": "0-9"}


# -- messages ----------------------------------------------------------------------------------


def _pointer(path: Any) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _node(root: dict[str, Any], path: Any) -> Any:
    node: Any = root
    for part in path:
        node = node[part]
    return node


def _describe(error: Any, root: dict[str, Any], template: dict[str, Any]) -> str:
    kind = error.kind
    problem = _problem(kind, error, root)
    context = _context(list(error.schema_path), root)
    return f"{problem} (applies when {context})" if context else problem


def _problem(kind: Any, error: Any, root: dict[str, Any]) -> str:
    name = type(kind).__name__
    instance = error.instance
    if name == "Required":
        return f'missing "{kind.property}"'
    if name == "Type":
        return f"must be {_type_words(kind.types)}, not {_json_type(instance)}"
    if name == "Enum":
        options = ", ".join(_dumps(o) for o in kind.options)
        return f"{_dumps(instance)} is not allowed here; expected one of {options}"
    if name == "Constant":
        return f"must be {_dumps(kind.expected_value)}, not {_dumps(instance)}"
    if name == "Pattern":
        return _pattern_problem(instance, error)
    if name == "Not":
        return _not_problem(kind.schema)
    if name == "FalseSchema":
        return "is not allowed here"
    if name == "Contains":
        schema = _node(root, error.schema_path)
        return f"needs {_contains_words(schema)}"
    if name in ("OneOfNotValid", "AnyOf"):
        return _alternatives_problem(error, root)
    if name == "OneOfMultipleValid":
        return (
            "matches more than one of the allowed forms; keep only one (for example one of "
            "equals, oneOf, isActive or isEmpty in a condition)"
        )
    if name == "MinItems":
        return f"must hold at least {kind.limit} item(s)"
    if name == "MaxLength":
        return f"must be at most {kind.limit} characters long"
    if name == "MinLength":
        return f"must be at least {kind.limit} characters long"
    return str(error.message)


_PATTERN_WORDS = {
    r"^[\w\d]+:[\w\d]+$": 'must be a namespaced BPMN type such as "bpmn:ServiceTask"',
    r"^(https|http)://.*": "must be an http(s) URL",
    r"^(https?|data):.*": "must be an http(s) or data: URL",
    r"^=": 'must be a FEEL expression (starting with "=")',
}


def _pattern_problem(instance: Any, error: Any) -> str:
    original = _ORIGINAL_PATTERNS.get(error.kind.pattern, error.kind.pattern)
    words = _PATTERN_WORDS.get(original)
    shown = _dumps(instance)
    return f"{shown} {words}" if words else f"{shown} does not match the pattern {original}"


def _not_problem(schema: Any) -> str:
    if isinstance(schema, dict):
        if list(schema) == ["required"]:
            names = " and ".join(f'"{n}"' for n in schema["required"])
            return f"{names} is not allowed here"
        alternatives = schema.get("anyOf")
        if isinstance(alternatives, list) and all(
            isinstance(a, dict) and list(a) == ["required"] for a in alternatives
        ):
            names = ", ".join(f'"{a["required"][0]}"' for a in alternatives)
            return f"none of {names} is allowed here"
    return "is not allowed in this combination"


def _alternatives_problem(error: Any, root: dict[str, Any]) -> str:
    schema = _node(root, list(error.schema_path)[:-1])
    path = list(error.schema_path)
    if "condition" in path:
        return (
            "is not a valid condition: it needs a property and exactly one of equals, oneOf, "
            "isActive or isEmpty, or a non-empty allMatch list of such conditions"
        )
    if "pattern" in path:
        return 'must be a regular expression string or an object {"value", "message"}'
    details: list[str] = []
    for branch in getattr(error.kind, "context", []) or []:
        for sub in branch[:1]:
            text = str(sub.message)
            if text not in details:
                details.append(text if len(text) < 120 else text[:117] + "...")
    keyword = "oneOf" if "oneOf" in schema else "anyOf"
    head = "matches none of the allowed forms" if keyword == "oneOf" else "matches no allowed form"
    return f"{head}: " + "; or ".join(details[:4]) if details else head


def _contains_words(schema: Any) -> str:
    binding = _nested_values(schema, ("properties", "binding", "properties"))
    if binding:
        return "a property whose " + " and ".join(
            f"binding.{key} {words}" for key, words in binding
        )
    return "an item of the required form"


def _context(schema_path: list[Any], root: dict[str, Any]) -> str | None:
    """Describe the `if` whose `then` produced the error, when it is a simple one."""
    if "then" not in schema_path:
        return None
    cut = len(schema_path) - 1 - schema_path[::-1].index("then")
    parent = _node(root, schema_path[:cut])
    condition = parent.get("if") if isinstance(parent, dict) else None
    words = _if_words(condition) if condition is not None else None
    if words and cut >= 3 and schema_path[cut - 3] == "binding":
        # An `if` inside the binding's own schema speaks of the binding's fields.
        words = " and ".join(f"binding.{part}" for part in words.split(" and "))
    return words or None


def _if_words(condition: Any) -> str | None:
    if not isinstance(condition, dict):
        return None
    parts: list[str] = []
    for key, words in _nested_values(condition, ("properties",)):
        parts.append(f"{key} {words}")
    alternatives = condition.get("anyOf")
    if isinstance(alternatives, list):
        target = _target_words(alternatives)
        if target:
            parts.append(target)
    contains = _nested_values(
        condition, ("properties", "properties", "contains", "properties", "binding", "properties")
    )
    if contains:
        parts.append("a property's " + " and ".join(f"binding.{k} {w}" for k, w in contains))
    return " and ".join(parts) or None


def _target_words(alternatives: list[Any]) -> str | None:
    for alternative in alternatives:
        value = (
            alternative.get("properties", {}).get("elementType", {}).get("properties", {})
            if isinstance(alternative, dict)
            else {}
        )
        const = value.get("value", {}).get("const") if isinstance(value, dict) else None
        if isinstance(const, str):
            return f"the template targets {const}"
    return None


def _nested_values(schema: Any, path: tuple[str, ...]) -> list[tuple[str, str]]:
    """(key, "is X") pairs for const/enum/not-const constraints found under `path`."""
    node = schema
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return []
    if not isinstance(node, dict):
        return []
    found: list[tuple[str, str]] = []
    for key, sub in node.items():
        if not isinstance(sub, dict):
            continue
        words = _value_words(sub)
        if words:
            found.append((key, words))
        elif key == "binding":
            found.extend((f"binding.{k}", w) for k, w in _nested_values(sub, ("properties",)))
    return found


def _value_words(sub: dict[str, Any]) -> str | None:
    if "const" in sub:
        return f"is {_dumps(sub['const'])}"
    if isinstance(sub.get("enum"), list):
        return "is one of " + ", ".join(_dumps(v) for v in sub["enum"])
    negated = sub.get("not")
    if isinstance(negated, dict) and "const" in negated:
        return f"is not {_dumps(negated['const'])}"
    if isinstance(negated, dict) and isinstance(negated.get("enum"), list):
        return "is none of " + ", ".join(_dumps(v) for v in negated["enum"])
    return None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _type_words(types: Any) -> str:
    names = [str(t).lower() for t in (types if isinstance(types, list) else [types])]
    words = [_ARTICLES.get(n, n) for n in names]
    return " or ".join(words)


_ARTICLES = {
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
    "null": "null",
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _original_patterns() -> dict[str, str]:
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                found[ecma_to_rust_regex(node["pattern"])] = node["pattern"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(official_schema())
    return found


_ORIGINAL_PATTERNS = _original_patterns()
