"""Template text holds HTML: links, <br> and <code> render as HTML; nothing executable survives
and no tag is ever shown escaped, on the catalogue card, the entry page and the configure page."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.template import engines
from django.urls import reverse

from connectors.catalogue.importing import import_documents
from connectors.models import ImportSource

TEMPLATE_ID = "com.example:hostile-html"
LINK = '<a href="https://docs.example.com/x">docs</a>'
HOSTILE = (
    f"Read the {LINK}<br>Send <code>payload</code> now"
    "<script>alert(1)</script><img src=x onerror=alert(2)>"
    '<a href="javascript:alert(3)">click</a>'
)


def hostile_template() -> dict[str, Any]:
    return {
        "$schema": "https://unpkg.com/@camunda/zeebe-element-templates-json-schema/resources/schema.json",
        "id": TEMPLATE_ID, "name": "Hostile HTML", "version": 1,
        "description": HOSTILE,
        "appliesTo": ["bpmn:Task"], "elementType": {"value": "bpmn:ServiceTask"},
        "groups": [{"id": "main", "label": "Main <code>group</code><script>alert(4)</script>"}],
        "properties": [
            {"type": "Hidden", "value": "hostile", "binding": {"type": "zeebe:taskDefinition",
                                                                "property": "type"}},
            {"id": "mode", "group": "main", "type": "Dropdown", "value": "a",
             "label": f"Mode <code>m</code>{LINK}<script>alert(5)</script>",
             "description": HOSTILE, "tooltip": HOSTILE,
             "choices": [{"name": "Plain <b>A</b><br>line<script>alert(6)</script>", "value": "a"},
                         {"name": "B <img src=x onerror=alert(7)>", "value": "b"}],
             "binding": {"type": "zeebe:input", "name": "mode"}},
            {"id": "name", "group": "main", "type": "String",
             "label": "Name <code>n</code><script>alert(8)</script>",
             "condition": {"property": "mode", "equals": "a"},
             "constraints": {"notEmpty": True, "pattern": {
                 "value": "^[a-z]+$",
                 "message": f"must be <code>lowercase</code>, see {LINK}<script>alert(9)</script>",
             }},
             "binding": {"type": "zeebe:input", "name": "name"}},
        ],
    }  # fmt: skip


@pytest.fixture
def hostile(db: Any) -> None:
    document = json.dumps(hostile_template()).encode()
    report = import_documents([("hostile.json", document)], source=ImportSource.COMMAND)
    assert not report.failed, report.failed


def assert_nothing_executable_or_escaped(html: str) -> None:
    assert "alert(" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
    for tag in ("a", "br", "code", "script", "img", "b"):
        assert f"&lt;{tag}" not in html.lower(), tag


def rendered_links(html: str) -> list[str]:
    return re.findall(r'<a href="https://docs\.example\.com/x"[^>]*>docs</a>', html)


@pytest.mark.django_db
def test_catalogue_card_shows_the_words_only(signed_in_client: Any, hostile: None) -> None:
    html = signed_in_client.get(reverse("catalogue")).content.decode()
    card = html.split("Hostile HTML", 1)[1].split("</a>", 1)[0]
    assert "Read the docs Send payload nowclick" in card  # as a browser would show the words
    assert "<code>" not in card and "<br>" not in card
    assert_nothing_executable_or_escaped(html)


@pytest.mark.django_db
def test_entry_page_renders_the_allowed_html(signed_in_client: Any, hostile: None) -> None:
    html = signed_in_client.get(reverse("catalogue-entry", args=[TEMPLATE_ID])).content.decode()
    lead = html.split('<p class="lead">', 1)[1].split("</p>", 1)[0]
    assert lead.startswith('Read the <a href="https://docs.example.com/x" target="_blank"')
    assert 'rel="noopener noreferrer">docs</a><br>Send <code>payload</code> now' in lead
    assert "<summary>Main <code>group</code> <span" in html
    assert "<strong>Mode <code>m</code><a href=" in html
    assert "Plain A line (a), B (b)" in html  # choice names as words
    assert "Shown when Mode mdocs is Plain A line" in html  # condition names the label's words
    assert "Must be <code>lowercase</code>, see <a href=" in html  # constraint message
    assert_nothing_executable_or_escaped(html)


@pytest.mark.django_db
def test_configure_page_renders_the_allowed_html(signed_in_client: Any, hostile: None) -> None:
    url = reverse("configure", args=[TEMPLATE_ID, 1])
    html = signed_in_client.get(url).content.decode()
    description = html.split('class="lead template-description">', 1)[1].split("</p>", 1)[0]
    assert "<br>Send <code>payload</code> now" in description and rendered_links(description)
    assert '<option value="a" selected>Plain A line</option>' in html
    assert '<option value="b">B </option>' in html or '<option value="b">B</option>' in html
    assert "must be <code>lowercase</code>, see <a href=" in html  # the rule under the field
    # the notEmpty error names the label; its HTML renders as well
    assert "Name <code>n</code> must not be empty." in html
    assert 'aria-label="About Mode mdocs"' in html  # tooltip button: words only
    assert len(rendered_links(html)) >= 4  # description, label, tooltip, field description
    assert_nothing_executable_or_escaped(html)


def render(text: str, value: Any) -> str:
    source = "{% load template_html %}" + text
    return engines["django"].from_string(source).render({"value": value})


@pytest.mark.parametrize(
    ("value", "html", "text"),
    [
        (None, "", ""),
        ("", "", ""),
        ("a < b & c", "a &lt; b &amp; c", "a &lt; b &amp; c"),
        ('say "hi"', 'say "hi"', "say &quot;hi&quot;"),
        ("x<style>p{color:red}</style>y", "xy", "xy"),
        ("one<br/>two<p>three</p>four", "one<br>two<p>three</p>four", "one two three four"),
    ],
)
def test_filters(value: Any, html: str, text: str) -> None:
    assert render("{{ value|template_html }}", value) == html
    assert render("{{ value|template_text }}", value) == text


def test_template_text_of_a_list_joins_words() -> None:
    rendered = render('{{ value|template_text|join:", " }}', ["<b>A</b>", "B<script>x</script>"])
    assert rendered == "A, B"
