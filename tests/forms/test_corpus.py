"""Every template of the official corpus renders its form, and the form is faithful: submitted
unchanged it gives exactly the element the Modeler writes for the template's defaults, and a
form showing other values submits those values again."""

from __future__ import annotations

import re
from typing import Any

from django.template.loader import render_to_string

from connectors.elementtemplates import ElementTemplate, active_properties, bpmn_view, field_key
from connectors.forms import build_form, values_from_post
from tests.elementtemplates.corpus import corpus_templates

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


def test_every_corpus_template_renders_and_round_trips() -> None:
    problems: list[str] = []
    templates = corpus_templates()
    assert len(templates) == 693
    for data in templates:
        template = ElementTemplate.from_dict(data)
        name = f"{template.id} v{template.version}"
        try:
            values = values_from_post(template, submitted(render_fields(template, {})))
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
