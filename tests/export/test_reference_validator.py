"""Everything the hub exports passes the Modeler's own validator, run by node.

Camunda 8 templates go through `validateZeebe`, Camunda 7 ones through `validate`
(@bpmn-io/element-templates-validator 2.26.0, with schemas 0.46.0 and 0.22.1).
"""

from __future__ import annotations

import pytest

from connectors.export import (
    Selection,
    camunda7_templates,
    export_selection,
    validate_camunda7,
)
from tests.export.conftest import modeler_verdicts

pytestmark = pytest.mark.django_db


def test_the_whole_export_passes_the_modeler_validator(whole_corpus):
    result = export_selection(Selection(camunda7=True, base_url="http://127.0.0.1:8000/"))
    assert result.problems == []
    platforms = {t.platform for t in result.templates}
    assert platforms == {"camunda8", "camunda7"}

    verdicts = modeler_verdicts([(t.platform, t.template) for t in result.templates])

    refused = [
        f"{t.label}: {v['errors'][:3]}"
        for t, v in zip(result.templates, verdicts, strict=True)
        if not v["valid"]
    ]
    assert not refused, refused[:10]


def test_camunda7_checks_agree_with_the_modeler_validator():
    good = camunda7_templates()
    broken = [dict(good[0], properties="none"), dict(good[1], scopes=[{"type": "camunda:Foo"}])]
    missing_source = dict(good[0])
    no_source = {"binding": {"type": "camunda:outputParameter"}}
    missing_source["scopes"] = [{"type": "camunda:Connector", "properties": [no_source]}]
    candidates = [*good, *broken, missing_source]

    verdicts = modeler_verdicts([("camunda7", t) for t in candidates])

    assert [v["valid"] for v in verdicts] == [True, True, False, False, False]
    assert [validate_camunda7(t) == [] for t in candidates] == [v["valid"] for v in verdicts]
    problems = validate_camunda7(missing_source)
    assert any(p.startswith("/scopes/0/properties/0/binding") for p in problems), problems
