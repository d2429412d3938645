"""The part of Mustache that SOAP templates use: `{{name}}` (HTML-escaped, as Camunda's SOAP
connector renders with escaping on), `{{{name}}}` and `{{& name}}` (raw), dotted names,
`{{.}}`, sections `{{#x}}...{{/x}}` over lists, objects and truthy values, inverted sections
`{{^x}}...{{/x}}` and comments `{{! ...}}`. Partials, lambdas and delimiter changes are not
supported; a template that uses them gets an error naming the tag."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

from connectorhub_sdk.javatext import double_to_string

_TAG = re.compile(r"\{\{(\{)?\s*([#^/!&>=]?)\s*(.*?)\s*\}?\}\}", re.DOTALL)


class TemplateError(ValueError):
    """A template that cannot be rendered; the message names the problem and the tag."""


@dataclass
class _Section:
    name: str
    inverted: bool
    children: list[Any] = field(default_factory=list)


@dataclass
class _Variable:
    name: str
    escape: bool


def render(template: str, context: Any) -> str:
    return "".join(_render(_parse(template), [context]))


def _parse(template: str) -> list[Any]:
    root: list[Any] = []
    stack: list[tuple[_Section | None, list[Any]]] = [(None, root)]
    position = 0
    for match in _TAG.finditer(template):
        target = stack[-1][1]
        if match.start() > position:
            target.append(template[position : match.start()])
        position = match.end()
        triple, sigil, name = match.group(1), match.group(2), match.group(3)
        if sigil == "!":
            continue
        if sigil in (">", "="):
            raise TemplateError(
                f"{match.group(0)}: partials and delimiter changes are not supported"
            )
        if sigil in ("#", "^"):
            section = _Section(name, inverted=sigil == "^")
            target.append(section)
            stack.append((section, section.children))
        elif sigil == "/":
            open_section = stack[-1][0]
            if open_section is None or open_section.name != name:
                raise TemplateError(f"{match.group(0)} closes a section that is not open")
            stack.pop()
        else:
            target.append(_Variable(name, escape=not (triple or sigil == "&")))
    unclosed = stack[-1][0]
    if unclosed is not None:
        raise TemplateError(f"the section {{{{#{unclosed.name}}}}} is never closed")
    if position < len(template):
        root.append(template[position:])
    return root


def _lookup(name: str, stack: list[Any]) -> Any:
    if name == ".":
        return stack[-1]
    first, *rest = name.split(".")
    for frame in reversed(stack):
        if isinstance(frame, dict) and first in frame:
            value = frame[first]
            for part in rest:
                value = value.get(part) if isinstance(value, dict) else None
            return value
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        return double_to_string(value)  # the Double the value is in Java
    return str(value)


def _render(nodes: list[Any], stack: list[Any]) -> list[str]:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, _Variable):
            text = _text(_lookup(node.name, stack))
            out.append(html.escape(text, quote=True) if node.escape else text)
        else:
            value = _lookup(node.name, stack)
            empty = value in (None, False, "", 0) or (isinstance(value, list) and not value)
            if node.inverted:
                if empty:
                    out += _render(node.children, stack)
            elif isinstance(value, list):
                for item in value:
                    out += _render(node.children, [*stack, item])
            elif not empty:
                out += _render(node.children, [*stack, value])
    return out


__all__ = ["TemplateError", "render"]
