"""Who may change the catalogue, and what nobody can change: issue 14 (overwriting templates).

Importing needs connectors.import_templates (staff have it); a stored version never changes;
the ids of registered Python connectors are theirs alone; each version says who imported it.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from connectors.catalogue.importing import content_hash, import_document, import_parsed
from connectors.export.save_as import SaveAsConnectorError, save_as_connector
from connectors.models import (
    CatalogueEntry,
    ConnectorKind,
    ImportSource,
    SavedConfiguration,
    TemplateVersion,
)
from connectors.registry import default_registry

from .conftest import REST_FILE

IMPORT_URL = "/api/v1/templates/import"
BUILTIN_REST_ID = "io.camunda.http-json"  # the built-in REST connector's own template


def rest_template(template_id: str = "acme.orders", version: int = 1) -> dict[str, Any]:
    template = copy.deepcopy(json.loads(REST_FILE.read_text())[-1])
    template.update(id=template_id, version=version, name=f"Orders {template_id}")
    return template


def api_as(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post_template(client: APIClient, template: dict[str, Any]) -> Any:
    return client.post(IMPORT_URL, json.dumps(template), content_type="application/json")


# -- the permission ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_the_permission_every_import_path_is_403_and_nothing_changes(
    client: Any, user: Any
) -> None:
    client.force_login(user)
    upload = SimpleUploadedFile("orders.json", json.dumps(rest_template()).encode())

    responses = [
        client.post(reverse("catalogue-import"), {"files": [upload]}),
        client.post(reverse("catalogue-import-npm"), {"spec": "@acme/templates@1.0.0"}),
        post_template(api_as(user), rest_template()),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    for page in responses[:2]:
        assert "connectors.import_templates" in page.content.decode()
    [message] = responses[2].json()["errors"]
    assert "permission" in message and "connectors.import_templates" in message
    assert TemplateVersion.objects.count() == 0


@pytest.mark.django_db
def test_the_import_form_shows_only_to_those_who_may_import(
    client: Any, user: Any, importer: Any, admin_user: Any
) -> None:
    client.force_login(user)
    html = client.get("/").content.decode()
    assert reverse("catalogue-import") not in html
    assert "needs the “Can import element templates” permission" in html

    for allowed in (importer, admin_user):
        client.force_login(allowed)
        assert reverse("catalogue-import") in client.get("/").content.decode()


@pytest.mark.django_db
def test_staff_and_granted_users_may_import(importer: Any, django_user_model: Any) -> None:
    staff = django_user_model.objects.create_user("stella", is_staff=True)

    by_staff = post_template(api_as(staff), rest_template("acme.a"))
    by_grant = post_template(api_as(importer), rest_template("acme.b"))

    assert (by_staff.status_code, by_grant.status_code) == (201, 201)


# -- a stored version never changes --------------------------------------------------------------


@pytest.mark.django_db
def test_other_content_under_a_stored_version_is_refused(importer: Any) -> None:
    original = rest_template()
    api = api_as(importer)
    assert post_template(api, original).status_code == 201
    hijacked = copy.deepcopy(original)
    hijacked["description"] = "Now sends your token elsewhere"

    refused = post_template(api, hijacked)
    again = post_template(api, original)

    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        "request body: version 1 of acme.orders is already in the catalogue with different "
        "content; give the template a new version"
    ]
    assert TemplateVersion.objects.get().content == original
    assert again.json()["imported"][0]["status"] == "unchanged"


@pytest.mark.django_db
def test_uploaded_file_and_command_are_refused_the_same_way(importer_client: Any, tmp_path):
    original = rest_template()
    import_document("first.json", json.dumps(original), source=ImportSource.COMMAND)
    changed = {**original, "description": "changed"}
    upload = SimpleUploadedFile("changed.json", json.dumps(changed).encode())

    page = importer_client.post(reverse("catalogue-import"), {"files": [upload]}, follow=True)

    assert (
        "changed.json: version 1 of acme.orders is already in the catalogue with different "
        "content; give the template a new version"
    ) in page.content.decode()
    (tmp_path / "changed.json").write_text(json.dumps(changed))
    with pytest.raises(CommandError):
        call_command("import_templates", str(tmp_path))
    assert TemplateVersion.objects.get().content == original


@pytest.mark.django_db
def test_a_hidden_second_url_is_refused_naming_both_properties(importer: Any) -> None:
    template = rest_template()
    shown = [i for i, p in enumerate(template["properties"]) if p["binding"].get("name") == "url"]
    hidden = len(template["properties"])
    template["properties"].append(
        {
            "type": "Hidden",
            "value": "https://attacker.example",
            "binding": {"type": "zeebe:input", "name": "url"},
        }
    )

    response = post_template(api_as(importer), template)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert len(errors) == len(shown) >= 1
    for index, error in zip(shown, errors, strict=True):
        assert error.startswith(f"request body, template acme.orders v1, at /properties/{hidden}")
        assert f'/properties/{index} and /properties/{hidden} both write zeebe:input "url"' in error
    assert TemplateVersion.objects.count() == 0


# -- the ids of registered Python connectors -----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("seeded", [True, False], ids=["seeded", "not-yet-seeded"])
def test_no_import_adds_or_changes_a_version_of_a_builtin_id(importer: Any, seeded: bool) -> None:
    if seeded:
        call_command("seed_catalogue", "--no-npm")
    before = list(TemplateVersion.objects.values_list("pk", "content_hash"))

    newer = post_template(api_as(importer), rest_template(BUILTIN_REST_ID, version=99))
    same = post_template(api_as(importer), rest_template(BUILTIN_REST_ID, version=1))
    command = import_document(
        "x.json", json.dumps(rest_template(BUILTIN_REST_ID, 2)), source=ImportSource.COMMAND
    )

    for response in (newer, same):
        assert response.status_code == 400
        [error] = response.json()["errors"]
        assert f"{BUILTIN_REST_ID} is the template of a Python connector (built-in" in error
    assert not command.ok
    assert list(TemplateVersion.objects.values_list("pk", "content_hash")) == before


@pytest.mark.django_db
def test_seed_still_refreshes_a_builtin_template_after_an_upgrade(capsys: Any) -> None:
    call_command("seed_catalogue", "--no-npm")
    stored = TemplateVersion.objects.get(entry__template_id=BUILTIN_REST_ID)
    # As the previous release of the hub stored it.
    stored.content = {**stored.content, "description": "older release"}
    stored.content_hash = content_hash(stored.content)
    stored.save()

    call_command("seed_catalogue", "--no-npm")

    current = next(
        c.element_template()
        for c in default_registry().all()
        if c.element_template()["id"] == BUILTIN_REST_ID
    )
    assert TemplateVersion.objects.get(pk=stored.pk).content == current
    assert "1 added or updated" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_reclaims_a_builtin_id_someone_else_stored_versions_under() -> None:
    # As an installation from before the guard could hold it: a higher version that became
    # everyone's default, and the built-in's own version with other content.
    squatted = CatalogueEntry.objects.create(
        template_id=BUILTIN_REST_ID, kind=ConnectorKind.TEMPLATE, name="Squatted"
    )
    for version in (1, 99):
        content = rest_template(BUILTIN_REST_ID, version)
        squatted.versions.create(
            version=version,
            content=content,
            content_hash=content_hash(content),
            name="Squatted",
            source=ImportSource.API,
        )

    call_command("seed_catalogue", "--no-npm")

    entry = CatalogueEntry.objects.get(template_id=BUILTIN_REST_ID)
    assert entry.kind == ConnectorKind.BUILTIN
    assert [(v.version, v.source) for v in entry.versions.all()] == [(1, "registry")]
    assert entry.default_version.source == ImportSource.REGISTRY


@pytest.mark.django_db
def test_an_entry_of_a_removed_plugin_stays_closed(importer: Any) -> None:
    entry = CatalogueEntry.objects.create(
        template_id="acme.plugin", kind=ConnectorKind.CUSTOM, name="Gone plugin"
    )

    response = post_template(api_as(importer), rest_template("acme.plugin", version=5))

    assert response.status_code == 400
    assert entry.versions.count() == 0


# -- save as connector ---------------------------------------------------------------------------


@pytest.fixture
def configuration(user: Any) -> SavedConfiguration:
    source = rest_template("acme.base")
    assert import_parsed("base.json", [source], source=ImportSource.COMMAND).ok
    return SavedConfiguration.objects.create(
        owner=user,
        name="Orders",
        template_id="acme.base",
        template_version=1,
        values={"url": "https://api.example.com/orders"},
    )


@pytest.mark.django_db
def test_save_as_cannot_take_a_builtin_id_even_before_seeding(
    configuration: SavedConfiguration, user: Any
) -> None:
    with pytest.raises(SaveAsConnectorError) as refused:
        save_as_connector(
            configuration=configuration,
            source=rest_template("acme.base"),
            template_id=BUILTIN_REST_ID,
            name="Mine now",
            user=user,
            version=7,
        )

    assert "Python connector" in " ".join(refused.value.errors["template"])
    assert not CatalogueEntry.objects.filter(template_id=BUILTIN_REST_ID).exists()


@pytest.mark.django_db
def test_a_saved_configuration_never_adds_to_an_existing_entry(
    configuration: SavedConfiguration, importer: Any
) -> None:
    # What save_as_connector checks first, again inside the import (a concurrent save).
    result = import_parsed(
        "configuration 'Orders'",
        [rest_template("acme.base", version=2)],
        source=ImportSource.CONFIGURATION,
        user=importer,
    )

    assert result.errors == [
        "configuration 'Orders': acme.base is already in the catalogue; choose a new id"
    ]
    assert TemplateVersion.objects.filter(entry__template_id="acme.base").count() == 1


@pytest.mark.django_db
def test_imports_never_add_versions_to_an_entry_saved_from_a_configuration(
    configuration: SavedConfiguration, user: Any, importer: Any
) -> None:
    save_as_connector(
        configuration=configuration,
        source=rest_template("acme.base"),
        template_id="acme.mine",
        name="Mine",
        user=user,
    )

    response = post_template(api_as(importer), rest_template("acme.mine", version=2))

    assert response.status_code == 400
    assert "saved from a configuration" in response.json()["errors"][0]


# -- who imported each version -------------------------------------------------------------------


@pytest.mark.django_db
def test_each_version_shows_who_imported_it_and_when(importer: Any, user: Any) -> None:
    assert post_template(api_as(importer), rest_template(version=1)).status_code == 201
    import_document("v2.json", json.dumps(rest_template(version=2)), source=ImportSource.COMMAND)
    page = APIClient()
    page.force_login(user)

    html = page.get(reverse("catalogue-entry", args=["acme.orders"])).content.decode()
    versions = page.get(reverse("api-template-detail", args=["acme.orders"])).json()["versions"]

    assert "API, imported by imogen" in html
    assert "Command line," in html
    assert [(v["version"], v["source"], v["imported_by"]) for v in versions] == [
        (2, "command", None),
        (1, "api", "imogen"),
    ]
    assert all(v["imported_at"] for v in versions)
