"""Labels, descriptions and tooltips of templates hold HTML; it is shown through an allow-list.

Templates link to documentation (`<a href target>`), break lines and mark code. Everything else
(scripts, styles, event handlers, `javascript:` links, images that would call out) is dropped
by nh3, so a hostile template cannot run anything in the hub's pages.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = frozenset(
    {"a", "b", "br", "code", "em", "i", "li", "ol", "p", "pre", "span", "strong", "ul"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


@lru_cache(maxsize=8192)
def safe_html(text: str | None) -> SafeString:
    """Sanitised HTML for a template's label, description or tooltip ("" for None)."""
    if not text:
        return mark_safe("")
    cleaned = nh3.clean(
        text,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        # Documentation links open beside the form, never in place of it.
        set_tag_attribute_values={"a": {"target": "_blank"}},
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308  nh3 output is safe by construction


# where a line or block ends, the words on either side must not run together in plain text
_BREAKS = re.compile(r"<br\s*/?>|</?(?:p|li|div|pre|ul|ol)\b[^>]*>", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=8192)
def safe_text(text: str | None) -> str:
    """The words of a template's HTML text, for places that take no markup: a catalogue card
    (itself a link), a dropdown `<option>`, an attribute. Tags are removed, the content of
    `<script>` and `<style>` is dropped (nh3's default), entities are decoded and whitespace
    is collapsed. The result is plain text: Django escapes it where it is shown."""
    if not text:
        return ""
    words = nh3.clean(_BREAKS.sub(" ", text), tags=set())
    return _SPACES.sub(" ", html.unescape(words)).strip()
