"""Every template of the official corpus renders its form, and the form is faithful: submitted
unchanged it gives exactly the element the Modeler writes for the template's defaults, and a
form showing other values submits those values again."""

from __future__ import annotations

import re
from dataclasses import asdict
from functools import cache
from typing import Any

import pytest
from django.template.loader import render_to_string

from connectors.configure import build_form, values_from_post
from connectors.elementtemplates import ElementTemplate, active_properties, bpmn_view, field_key
from tests.elementtemplates.corpus import corpus_templates
from tests.elementtemplates.modeler_reference import modeler_reference
from tests.elementtemplates.test_modeler_reference import comparable

from .browserform import submitted

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _same(left: Any, right: Any) -> bool:
    return UUID.sub("<uuid>", repr(left)) == UUID.sub("<uuid>", repr(right))


def render_fields(template: ElementTemplate, values: dict[str, Any]) -> str:
    form = build_form(template, values)
    context = {"form": form, "secret_names": ["API_TOKEN"]}
    return render_to_string("connectors/configure/page.html#fields", context)


def other_choices(template: ElementTemplate) -> dict[str, Any]:
    """The last choice of every Dropdown shown by default: a state other than the defaults."""
    return {
        field_key(p): p.choices[-1].value
        for p in active_properties(template)
        if p.type == "Dropdown" and p.choices and p.editable is not False
    }


@cache
def unchanged_forms() -> dict[str, dict[str, Any] | str]:
    """`id@version` -> the values an unchanged form submits (or why it could not be made)."""
    found: dict[str, dict[str, Any] | str] = {}
    for data in corpus_templates():
        template = ElementTemplate.from_dict(data)
        key = f"{data['id']}@{data.get('version')}"
        try:
            found[key] = values_from_post(template, submitted(render_fields(template, {})))
        except Exception as exc:  # collect them all: one message per broken template
            found[key] = f"{type(exc).__name__}: {exc}"
    return found


def test_every_corpus_template_renders_and_round_trips() -> None:
    problems: list[str] = []
    templates = corpus_templates()
    assert len(templates) == 693
    unchanged = unchanged_forms()
    for data in templates:
        template = ElementTemplate.from_dict(data)
        name = f"{template.id} v{template.version}"
        values = unchanged[f"{data['id']}@{data.get('version')}"]
        if isinstance(values, str):
            problems.append(f"{name}: {values}")
            continue
        try:
            chosen = other_choices(template)
            again = values_from_post(template, submitted(render_fields(template, chosen)))
        except Exception as exc:  # collect them all: one message per broken template
            problems.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        if not _same(bpmn_view(template, values), bpmn_view(template)):
            problems.append(f"{name}: the unchanged form changes the element")
        if not _same(bpmn_view(template, again), bpmn_view(template, chosen)):
            problems.append(f"{name}: the form does not keep the values {chosen}"[:300])
    assert not problems, f"{len(problems)} templates:\n" + "\n".join(problems[:40])


def test_html_of_descriptions_is_sanitised_not_escaped() -> None:
    data = next(t for t in corpus_templates() if t["id"] == "io.camunda.connectors.HttpJson.v2")
    html = render_fields(ElementTemplate.from_dict(data), {})
    assert 'href="https://docs.camunda.io' in html
    assert 'target="_blank" rel="noopener noreferrer"' in html
    assert "&lt;a href" not in html


@pytest.mark.browser
def test_unchanged_forms_write_what_the_modeler_writes() -> None:
    """Against camunda-bpmn-js itself (reference built in headless Chromium, cached)."""
    reference = modeler_reference()
    mismatches = []
    for data in corpus_templates():
        key = f"{data['id']}@{data.get('version')}"
        values = unchanged_forms()[key]
        assert not isinstance(values, str), values
        ours = asdict(bpmn_view(ElementTemplate.from_dict(data), values))
        ours["task_definition"] = ours["task_definition"] or None
        if comparable(ours) != comparable(reference[key]):
            mismatches.append(key)
    assert not mismatches, f"{len(mismatches)} of 693 differ: {mismatches[:10]}"
