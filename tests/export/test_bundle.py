"""Selections, bundles, and bad input: an invalid template is reported, the rest exported."""

from __future__ import annotations

import io
import json
import time
import zipfile

import pytest

from connectors.export import (
    PROBLEMS_FILE,
    TEMPLATES_FOLDER,
    ExportedTemplate,
    Selection,
    export_selection,
    export_version,
    template_files,
    to_json,
    to_zip,
)
from connectors.models import CatalogueEntry, TemplateVersion
from connectors.registry import default_registry
from tests.export.conftest import REST_ID, newest_rest_template

pytestmark = pytest.mark.django_db


def test_one_version_exports_as_a_single_template_equal_to_the_import(rest_catalogue):
    newest = newest_rest_template()
    version = TemplateVersion.objects.get(entry__template_id=REST_ID, version=newest["version"])

    result = export_version(version)

    assert result.ok
    assert json.loads(to_json(result.templates, single=True)) == newest


def test_a_selection_exports_every_version_or_only_the_default(rest_catalogue):
    every = export_selection(Selection(ids=[REST_ID]))
    default = export_selection(Selection(ids=[REST_ID], versions="default"))

    stored = TemplateVersion.objects.filter(entry__template_id=REST_ID).count()
    assert len(every.templates) == stored > 1
    assert [t.version for t in default.templates] == [newest_rest_template()["version"]]
    array = json.loads(to_json(every.templates))
    assert isinstance(array, list) and {t["id"] for t in array} == {REST_ID}


def test_the_zip_is_laid_out_for_the_desktop_modeler(rest_catalogue):
    archive = zipfile.ZipFile(io.BytesIO(to_zip(export_selection(Selection()))))

    names = archive.namelist()
    assert all(name.startswith(f"{TEMPLATES_FOLDER}/") for name in names)
    assert f"{TEMPLATES_FOLDER}/{REST_ID}.json" in names
    rest = json.loads(archive.read(f"{TEMPLATES_FOLDER}/{REST_ID}.json"))
    assert len(rest) == TemplateVersion.objects.filter(entry__template_id=REST_ID).count()
    assert PROBLEMS_FILE not in names


def test_python_connectors_export_their_generated_template_completed():
    result = export_selection(Selection(base_url="https://hub.example.com/"))

    by_id = {t.template_id: t.template for t in result.templates}
    for connector in default_registry().all():
        template = by_id[connector.element_template_id]
        assert "/zeebe-element-templates-json-schema/" in template["$schema"]
        assert template["version"] == connector.version
        assert template["engines"] == {"camunda": "^8.3"}
        assert template["icon"]["contents"].startswith("data:image/svg+xml,")
        # Its own documentation link, else the hub's page about it.
        assert template["documentationRef"] == connector.documentation_ref or (
            f"https://hub.example.com/connectors/{connector.element_template_id}/"
        )


def test_an_invalid_template_is_reported_with_its_reasons_and_the_rest_exports(rest_catalogue):
    # As if a schema upgrade made a stored template invalid: stored content is not re-validated.
    broken = TemplateVersion.objects.filter(entry__template_id=REST_ID).first()
    content = dict(broken.content)
    content["properties"] = [dict(p) for p in content["properties"]]
    del content["properties"][0]["binding"]
    content["appliesTo"] = "bpmn:Task"
    TemplateVersion.objects.filter(pk=broken.pk).update(content=content)

    result = export_selection(Selection(ids=[REST_ID, "no.such.template"]))

    labels = {p.label: p.reasons for p in result.problems}
    assert f"{REST_ID} v{broken.version}" in labels
    reasons = labels[f"{REST_ID} v{broken.version}"]
    assert any(r.startswith("/properties/0") and "binding" in r for r in reasons), reasons
    assert any(r.startswith("/appliesTo") for r in reasons), reasons
    assert labels["no.such.template"] == ["no connector with this id in the catalogue"]
    others = TemplateVersion.objects.filter(entry__template_id=REST_ID).exclude(pk=broken.pk)
    assert sorted(t.version or 0 for t in result.templates) == sorted(
        v.version or 0 for v in others
    )
    archive = zipfile.ZipFile(io.BytesIO(to_zip(result)))
    report = archive.read(PROBLEMS_FILE).decode()
    assert f"{REST_ID} v{broken.version}:" in report and "no.such.template" in report


def test_camunda7_templates_join_when_asked():
    result = export_selection(Selection(ids=[], camunda7=True))

    camunda7 = [t for t in result.templates if t.platform == "camunda7"]
    engine_own = [t.template for t in camunda7 if "scopes" in t.template]
    assert [t["scopes"][0]["properties"][0]["value"] for t in engine_own] == [
        "http-connector",
        "soap-http-connector",
    ]
    # and one external task template per registered connector, topic = its job type
    topics = {
        p["value"]
        for t in camunda7
        for p in t.template.get("properties", [])
        if p["binding"].get("name") == "camunda:topic"
    }
    assert topics == {c.type for c in default_registry().all()}
    assert result.problems == []
    assert not CatalogueEntry.objects.exists()


def test_ids_that_collide_as_file_names_get_distinct_stable_names_quickly():
    # "a b", "a:b", "A/b", ... all clean to "a_b.json" (case-insensitively): one GET of such a
    # catalogue once took minutes to name its files.
    ids = [f"a{chr(0x4E00 + n)}b" for n in range(5000)] + ["A_B", "a_b-2"]
    templates = [ExportedTemplate({"id": template_id, "version": 1}) for template_id in ids]
    # the yardstick, on this machine now: as many ids whose file names do not collide
    distinct = [ExportedTemplate({"id": f"id-{n}", "version": 1}) for n in range(len(ids))]

    started = time.perf_counter()
    template_files(distinct)
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    names = list(template_files(templates))
    elapsed = time.perf_counter() - started

    # linear like the yardstick (a quadratic search took minutes, thousands of times longer)
    assert elapsed < 50 * baseline, f"colliding {elapsed:.3f}s, distinct {baseline:.3f}s"
    assert len({name.lower() for name in names}) == len(ids)
    assert names[:3] == ["a_b.json", "a_b-2.json", "a_b-3.json"]
    # An id whose own name was taken by a numbered one moves on, as before.
    assert names[-2:] == ["A_B-5001.json", "a_b-2-2.json"]
    assert list(template_files(templates)) == names
