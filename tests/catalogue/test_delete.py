"""Deleting an imported template in the UI: importers only, after a confirm page that says what
happens to the saved configurations using it."""

import pytest

from connectors.catalogue.registry_sync import sync_registry
from connectors.models import CatalogueEntry, SavedConfiguration, TemplateVersion

REST_ID = "io.camunda.connectors.HttpJson.v2"


def _configuration(owner, name):
    return SavedConfiguration.objects.create(
        owner=owner, name=name, template_id=REST_ID, template_version=18, values={}
    )


@pytest.mark.django_db
def test_an_importer_deletes_an_imported_template_after_confirming(
    importer_client, importer, user, small_catalogue
):
    mine = _configuration(importer, "My orders")
    _configuration(user, "Someone else's orders")
    detail = importer_client.get(f"/connectors/{REST_ID}/").content.decode()
    assert f'href="/connectors/{REST_ID}/delete/">Delete…</a>' in detail

    confirm = importer_client.get(f"/connectors/{REST_ID}/delete/").content.decode()

    assert "2 saved configurations</strong> use this template, 1 of them yours" in confirm
    assert f'<a href="/configurations/{mine.pk}/">My orders</a>' in confirm
    assert "Someone else" not in confirm
    assert "cannot be opened in the form, run or exported" in confirm
    versions = TemplateVersion.objects.filter(entry__template_id=REST_ID).count()

    done = importer_client.post(f"/connectors/{REST_ID}/delete/", follow=True)

    assert done.redirect_chain[-1][0] == "/"
    assert f"Deleted “Send REST Request” ({REST_ID}, {versions} versions)." in done.content.decode()
    assert not CatalogueEntry.objects.filter(template_id=REST_ID).exists()
    assert SavedConfiguration.objects.filter(template_id=REST_ID).count() == 2
    page = importer_client.get(f"/configurations/{mine.pk}/").content.decode()
    assert "is no longer in the catalogue" in page


@pytest.mark.django_db
def test_without_the_import_permission_nothing_is_deleted(signed_in_client, small_catalogue):
    detail = signed_in_client.get(f"/connectors/{REST_ID}/").content.decode()

    assert "/delete/" not in detail
    assert signed_in_client.get(f"/connectors/{REST_ID}/delete/").status_code == 403
    assert signed_in_client.post(f"/connectors/{REST_ID}/delete/").status_code == 403
    assert CatalogueEntry.objects.filter(template_id=REST_ID).exists()


@pytest.mark.django_db
def test_a_connectors_own_template_is_not_deleted(importer_client):
    sync_registry()

    detail = importer_client.get("/connectors/io.camunda.http-json/").content.decode()
    confirm = importer_client.get("/connectors/io.camunda.http-json/delete/").content.decode()
    refused = importer_client.post("/connectors/io.camunda.http-json/delete/", follow=True)

    assert "/delete/" not in detail
    assert "comes from the connector\u2019s code" in confirm
    assert "<form" not in confirm.split("<main")[1]  # nothing to confirm
    assert "Nothing deleted: REST Outbound Connector is the template of a Python connector" in (
        refused.content.decode()
    )
    assert CatalogueEntry.objects.filter(template_id="io.camunda.http-json").exists()
