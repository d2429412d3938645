"""Importing templates: the real corpus, all-or-nothing documents, idempotent re-imports."""

import copy
import json

import pytest
from django.core.management import CommandError, call_command

from connectors.catalogue.importing import import_document, import_documents
from connectors.models import CatalogueEntry, ConnectorKind, ImportSource, TemplateVersion
from tests.catalogue.conftest import read
from tests.elementtemplates.corpus import CORPUS_DIR, corpus_files


@pytest.mark.django_db
def test_whole_official_corpus_imports_and_reimport_changes_nothing():
    documents = [read(path) for path in corpus_files()]

    first = import_documents(documents, source=ImportSource.COMMAND)
    second = import_documents(documents, source=ImportSource.COMMAND)

    assert first.failed == []
    assert first.count("imported") == 693
    assert TemplateVersion.objects.count() == 693
    assert CatalogueEntry.objects.count() == 139
    assert second.summary() == "0 imported, 0 updated, 693 unchanged, 0 failed"
    rest = CatalogueEntry.objects.get(template_id="io.camunda.connectors.HttpJson.v2")
    assert rest.job_type == "io.camunda:http-json:1"
    assert rest.kind == ConnectorKind.TEMPLATE
    assert rest.default_version.version == max(
        v.version for v in rest.versions.all() if not v.deprecated
    )


@pytest.mark.django_db
def test_an_invalid_template_rejects_its_whole_document(rest_templates):
    broken = copy.deepcopy(rest_templates)
    broken[3]["properties"][0]["type"] = "Colour"

    result = import_document("rest.json", json.dumps(broken), source=ImportSource.UPLOAD)

    assert not result.ok
    assert TemplateVersion.objects.count() == 0
    assert any("rest.json" in e and "/properties/0/type" in e for e in result.errors), result.errors


@pytest.mark.django_db
def test_changed_content_under_a_stored_version_is_refused(rest_templates):
    template = rest_templates[0]
    import_document("a.json", json.dumps(template), source=ImportSource.UPLOAD)
    changed = {**template, "description": "Changed description"}

    result = import_document("b.json", json.dumps(changed), source=ImportSource.UPLOAD)

    assert result.errors == [
        f"b.json: version {template['version']} of {template['id']} is already in the catalogue "
        "with different content; give the template a new version"
    ]
    entry = CatalogueEntry.objects.get(template_id=template["id"])
    assert entry.description == template["description"]
    assert entry.versions.get().content == template


@pytest.mark.django_db
def test_default_version_is_the_newest_not_deprecated(rest_templates):
    template = rest_templates[0]
    newer = {**template, "version": 1000, "deprecated": {"message": "Use v999"}}
    older = {**template, "version": 999}
    import_document("a.json", json.dumps([older, newer]), source=ImportSource.UPLOAD)

    entry = CatalogueEntry.objects.get(template_id=template["id"])

    assert entry.default_version.version == 999
    assert entry.version_count == 2
    assert entry.versions.get(version=1000).deprecation_message == "Use v999"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"{not json", "not valid JSON"),
        (b"42", "found a number"),
        (b"[1, 2]", "item /0"),
        (b"[]", "holds no template"),
        (b"[" * 5000 + b"]" * 5000, "nested"),
        (b"\xff\xfe\x00garbage", "UTF-8"),
        (b'{"name": "x"}', 'missing "id"'),
    ],
)
def test_bad_documents_get_a_clear_error_and_store_nothing(raw, expected):
    result = import_document("bad.json", raw, source=ImportSource.UPLOAD)

    assert not result.ok
    assert any(expected.lower() in e.lower() for e in result.errors), result.errors
    assert all(e.startswith("bad.json") for e in result.errors)
    assert CatalogueEntry.objects.count() == 0


@pytest.mark.django_db
def test_command_imports_folders_and_prints_counts(tmp_path, capsys):
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "rest.json").write_bytes(
        (CORPUS_DIR / "http-json-connector.json").read_bytes()
    )

    call_command("import_templates", str(tmp_path))

    assert "21 imported, 0 updated, 0 unchanged, 0 failed" in capsys.readouterr().out


@pytest.mark.django_db
def test_command_fails_when_a_file_fails(tmp_path, capsys):
    (tmp_path / "good.json").write_bytes((CORPUS_DIR / "http-json-connector.json").read_bytes())
    (tmp_path / "bad.json").write_text('{"id": "x"}')

    with pytest.raises(CommandError, match="1 file"):
        call_command("import_templates", str(tmp_path))

    captured = capsys.readouterr()
    assert "21 imported, 0 updated, 0 unchanged, 1 failed" in captured.out
    assert "bad.json" in captured.err


@pytest.mark.django_db
def test_command_names_a_missing_path():
    with pytest.raises(CommandError, match=r"no/such/file\.json: no such file or folder"):
        call_command("import_templates", "no/such/file.json")
