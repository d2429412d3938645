"""Showing text that comes from element templates: `{% load template_html %}`.

Labels, descriptions, tooltips, choice names and constraint messages of element templates
hold HTML (documentation links, `<br>`, `<code>`). They are never shown raw and never as
escaped tags; both filters reuse the one sanitiser in connectors/configure/html.py:

    {{ value|template_html }}   allow-listed HTML (links get target=_blank, rel=noopener)
    {{ value|template_text }}   the words only: for cards, <option>s and attributes
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString

from connectors.configure.html import safe_html, safe_text

register = template.Library()


@register.filter(is_safe=True)
def template_html(value: Any) -> SafeString:
    """Sanitised HTML of a template-provided text ("" for None)."""
    return safe_html(None if value is None else str(value))


@register.filter
def template_text(value: Any) -> str | list[str]:
    """Plain text of a template-provided text; a list gives a list (then `|join`)."""
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | dict):
        return [safe_text(str(item)) for item in value]
    return safe_text(None if value is None else str(value))
