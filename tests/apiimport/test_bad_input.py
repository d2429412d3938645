"""Input that is not an importable description is refused whole, with the place named, and
nothing reaches the catalogue (the command too)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from connectors.apiimport.errors import ApiDescriptionError
from connectors.apiimport.services import api_preview
from connectors.models import CatalogueEntry
from tests.apiimport.conftest import ORDERS

pytestmark = pytest.mark.django_db

MINIMAL = {"openapi": "3.0.3", "info": {"title": "T", "version": "1"}}


def with_paths(paths: dict, components: dict | None = None) -> str:
    return json.dumps({**MINIMAL, "paths": paths, "components": components or {}})


ONE_OP = {"/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/Missing"}}}}}
CASES = [
    ("[1, 2]", "", "not an API description"),
    ('{"title": "no kind"}', "", "no `openapi`, `swagger` or Postman"),
    ("openapi: 3.0.0\ninfo: [\n", "", "invalid YAML"),
    ('{"openapi": "3.0.0", ', "", "invalid JSON"),
    ('{"openapi": "2.5.0"}', "/openapi", "OpenAPI 2.5.0 is not supported"),
    (with_paths({"/a": {"get": {"responses": 5}}}), "/paths/~1a/get/responses", "not a valid"),
    (with_paths(ONE_OP), "/paths/~1a/get/responses/200",
     "$ref '#/components/responses/Missing' cannot be resolved"),
    (with_paths({}, {"schemas": {"A": {"$ref": "#/components/schemas/B"},
                                 "B": {"$ref": "#/components/schemas/A"}}}),
     "/components/schemas/", "$ref cycle: #/components/schemas/"),
    ('{"info": {"name": "c", "schema": "https://schema.getpostman.com/json/collection/v2.0.0/'
     'collection.json"}, "item": []}', "/info/schema", "export it as Collection v2.1"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "pointer", "message"), CASES)
def test_bad_input_is_refused_naming_the_place(raw: str, pointer: str, message: str) -> None:
    with pytest.raises(ApiDescriptionError) as caught:
        api_preview(raw, source_name="bad")
    assert message in caught.value.message
    assert caught.value.pointer.startswith(pointer) and (pointer or not caught.value.pointer)
    assert CatalogueEntry.objects.count() == 0


def test_yaml_errors_name_the_line() -> None:
    with pytest.raises(ApiDescriptionError) as caught:
        api_preview("openapi: 3.0.0\ninfo:\n  title: [x\n", source_name="bad")
    assert caught.value.line == 4 and str(caught.value).startswith("line 4: invalid YAML")


def test_a_description_without_any_importable_operation_is_refused() -> None:
    paths = {"/p": {"head": {"responses": {"200": {"description": "ok"}}}}}
    with pytest.raises(ApiDescriptionError, match="no operation can become a template: head"):
        api_preview(with_paths(paths), source_name="bad")


def test_the_command_stores_nothing_for_a_broken_description(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(with_paths(ONE_OP))
    with pytest.raises(CommandError, match=r"at /paths/~1a/get/responses/200: \$ref"):
        call_command("import_api", str(broken))
    assert CatalogueEntry.objects.count() == 0


def test_relative_refs_resolve_beside_the_file_and_nowhere_else(tmp_path: Path) -> None:
    (tmp_path / "schemas.yaml").write_text(
        "Pet: {type: object, properties: {name: {type: string}}}\n"
    )
    paths = {"/pets": {"post": {
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "schemas.yaml#/Pet"}}}},
        "responses": {"200": {"description": "ok"}}}}}  # fmt: skip
    spec = tmp_path / "api.json"
    spec.write_text(with_paths(paths))
    call_command("import_api", str(spec), "--base-url", "https://pets.example")
    assert CatalogueEntry.objects.filter(template_id="io.connectorhub.api.t").exists()
    outside = tmp_path / "sub"
    outside.mkdir()
    (outside / "api.json").write_text(spec.read_text().replace("schemas.yaml", "../schemas.yaml"))
    with pytest.raises(CommandError, match=r"\$ref '../schemas.yaml#/Pet' cannot be resolved"):
        call_command("import_api", str(outside / "api.json"))


def test_the_command_prints_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("import_api", str(ORDERS), "--per-operation")
    out = capsys.readouterr().out
    assert "3 of 6 operations in 3 template(s)" in out
    assert "not imported: HEAD /ping (ping): HEAD: the REST template sends" in out
    assert "3 imported, 0 unchanged" in out
