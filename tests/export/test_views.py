"""The Export page, downloads, the API and the export_templates command, as users reach them."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token

from connectors.export import TEMPLATES_FOLDER
from connectors.models import SavedConfiguration, TemplateVersion
from connectors.registry import default_registry
from tests.export.conftest import REST_ID, newest_rest_template

pytestmark = pytest.mark.django_db
NEWEST = newest_rest_template()["version"]


@pytest.fixture
def api(client, user):
    token = Token.objects.create(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


@pytest.fixture
def configuration(rest_catalogue, user):
    return SavedConfiguration.objects.create(
        owner=user,
        name="Create order",
        template_id=REST_ID,
        template_version=NEWEST,
        values={"method": "POST", "url": "https://api.example.com/orders"},
    )


def break_one_version() -> TemplateVersion:
    broken = TemplateVersion.objects.filter(entry__template_id=REST_ID).first()
    TemplateVersion.objects.filter(pk=broken.pk).update(content={**broken.content, "name": 7})
    return broken


def test_pages_need_a_signed_in_user(client, rest_catalogue):
    assert client.get("/export/").status_code == 302
    assert client.get("/export/download").status_code == 302


def test_export_page_lists_connectors_and_checks_the_selection(signed_in_client, rest_catalogue):
    page = signed_in_client.get("/export/")
    assert page.status_code == 200
    assert f'value="{REST_ID}"' in page.content.decode()

    broken = break_one_version()
    check = signed_in_client.get("/export/", {"id": REST_ID}, HTTP_HX_REQUEST="true")

    text = check.content.decode()
    assert "<html" not in text and 'id="export-problems"' in text
    assert f"{REST_ID} v{broken.version}" in text and "/name" in text


def test_download_zip_and_json(signed_in_client, rest_catalogue):
    archive = signed_in_client.get("/export/download", {"id": REST_ID, "format": "zip"})
    as_json = signed_in_client.get("/export/download", {"id": REST_ID, "versions": "default"})

    assert archive["Content-Type"] == "application/zip"
    assert 'filename="element-templates.zip"' in archive["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert names == [f"{TEMPLATES_FOLDER}/{REST_ID}.json"]
    assert f'filename="{REST_ID}-v{NEWEST}.json"' in as_json["Content-Disposition"]
    assert [t["version"] for t in json.loads(as_json.content)] == [NEWEST]
    assert as_json["X-Export-Problems"] == "0"


def test_detail_page_buttons_download_the_template_and_a_process(signed_in_client, rest_catalogue):
    detail = signed_in_client.get(f"/connectors/{REST_ID}/versions/{NEWEST}/").content.decode()
    template_url = f"/export/connectors/{REST_ID}/template.json?version={NEWEST}"
    assert template_url in detail

    template = signed_in_client.get(template_url)
    process = signed_in_client.get(f"/export/connectors/{REST_ID}/process.bpmn?version={NEWEST}")

    assert json.loads(template.content) == newest_rest_template()
    # The REST connector's URL has no default, and Zeebe refuses an empty mapping: say so.
    assert process.status_code == 422
    assert "URL (url) has no default value" in process.content.decode()
    # The way out is one click away: the configure page of this very version.
    configure = f'<a href="/connectors/{REST_ID}/versions/{NEWEST}/configure/" id="configure-link">'
    assert configure in process.content.decode()
    anyway = signed_in_client.get(
        f"/export/connectors/{REST_ID}/process.bpmn", {"version": NEWEST, "anyway": "1"}
    )
    assert anyway["Content-Type"] == "application/xml"
    assert b'zeebe:modelerTemplate="io.camunda.connectors.HttpJson.v2"' in anyway.content


def test_an_invalid_version_gets_a_page_with_its_reasons(signed_in_client, rest_catalogue):
    broken = break_one_version()

    response = signed_in_client.get(
        f"/export/connectors/{REST_ID}/template.json", {"version": broken.version}
    )

    assert response.status_code == 422
    assert "/name" in response.content.decode()


def test_catalogue_page_links_the_export_page(signed_in_client, rest_catalogue):
    assert 'href="/export/"' in signed_in_client.get("/").content.decode()


def test_camunda7_download(signed_in_client):
    templates = json.loads(signed_in_client.get("/export/camunda7.json").content)

    engine_own = [t for t in templates if "scopes" in t]
    external = [t for t in templates if "scopes" not in t]
    assert {t["scopes"][0]["type"] for t in engine_own} == {"camunda:Connector"}
    # the worker's external task templates: one per registered connector
    assert sorted(t["id"] for t in external) == sorted(
        f"{c.element_template_id}.camunda7" for c in default_registry().all()
    )


def test_configuration_bpmn_and_save_as_connector_pages(signed_in_client, configuration):
    process = signed_in_client.get(f"/configurations/{configuration.pk}/process.bpmn")
    form = signed_in_client.get(f"/configurations/{configuration.pk}/save-as-connector/")
    created = signed_in_client.post(
        f"/configurations/{configuration.pk}/save-as-connector/",
        {"id": "acme.orders", "name": "Orders", "version": "1", "mode:url": "default"},
    )

    assert (
        b'target="url"' in process.content and b"https://api.example.com/orders" in process.content
    )
    assert 'name="mode:url"' in form.content.decode()
    assert created.status_code == 302 and created["Location"] == "/connectors/acme.orders/"
    refused = signed_in_client.post(
        f"/configurations/{configuration.pk}/save-as-connector/",
        {"id": "acme.orders", "name": "Orders", "version": "1"},
    )
    assert refused.status_code == 400
    assert "already in the catalogue" in refused.content.decode()


def test_a_configurations_process_for_camunda7_is_an_external_task(
    signed_in_client, api, configuration
):
    page = signed_in_client.get(f"/configurations/{configuration.pk}/process.bpmn?engine=camunda7")
    by_api = api.get(f"/api/v1/configurations/{configuration.pk}/bpmn?engine=camunda7")
    unknown = api.get(f"/api/v1/configurations/{configuration.pk}/bpmn?engine=camunda6")
    detail = signed_in_client.get(f"/configurations/{configuration.pk}/").content.decode()

    for response in (page, by_api):
        xml = response.content.decode()
        assert response.status_code == 200
        # the topic is the REST connector's job type; values are input parameters
        assert 'camunda:type="external"' in xml and 'camunda:topic="io.camunda:http-json:1"' in xml
        assert "https://api.example.com/orders" in xml and "zeebe:" not in xml
    assert unknown.status_code == 422
    assert unknown.json() == {"errors": ["engine 'camunda6' is not one of camunda8, camunda7"]}
    assert "?engine=camunda7" in detail


def test_someone_elses_configuration_is_a_404(client, configuration, other_user):
    client.force_login(other_user)

    assert client.get(f"/configurations/{configuration.pk}/process.bpmn").status_code == 404
    assert client.get(f"/configurations/{configuration.pk}/save-as-connector/").status_code == 404


def test_api_export_of_one_version(api, rest_catalogue, client):
    url = f"/api/v1/templates/{REST_ID}/versions/{NEWEST}/export"
    assert client.get(url, HTTP_AUTHORIZATION="").status_code in (401, 403)

    response = api.get(url)

    assert json.loads(response.content) == newest_rest_template()
    assert "attachment" in response["Content-Disposition"]
    broken = break_one_version()
    refused = api.get(f"/api/v1/templates/{REST_ID}/versions/{broken.version}/export")
    assert refused.status_code == 422 and any("/name" in e for e in refused.json()["errors"])


def test_api_bpmn_with_values_and_bad_values(api, rest_catalogue):
    url = f"/api/v1/templates/{REST_ID}/versions/{NEWEST}/bpmn"
    values = {"url": "https://api.example.com/x", "method": "PUT"}

    good = api.post(url, {"values": values}, content_type="application/json")
    bad = api.post(url, {"values": {"method": "BREW"}}, content_type="application/json")
    not_object = api.post(url, {"values": [1]}, content_type="application/json")

    assert good.status_code == 200 and b'source="PUT" target="method"' in good.content
    assert bad.status_code == 400
    assert bad.json()["values"]["method"] == ["is not one of the choices"]
    assert not_object.status_code == 400


def test_api_bundle_and_report(api, rest_catalogue):
    broken = break_one_version()

    report = api.get("/api/v1/export/", {"id": [REST_ID, "nope"], "output": "report"}).json()
    archive = api.get("/api/v1/export/", {"id": REST_ID, "output": "zip"})

    problems = {(p["id"], p["version"]) for p in report["problems"]}
    assert problems == {(REST_ID, broken.version), ("nope", None)}
    assert archive["X-Export-Problems"] == "1"
    assert "EXPORT-PROBLEMS.txt" in zipfile.ZipFile(io.BytesIO(archive.content)).namelist()


def test_api_configuration_endpoints(api, configuration):
    process = api.get(f"/api/v1/configurations/{configuration.pk}/bpmn")
    created = api.post(
        f"/api/v1/configurations/{configuration.pk}/save-as-connector",
        {"id": "acme.orders", "name": "Orders", "modes": {"url": "default"}},
        content_type="application/json",
    )
    bad = api.post(
        f"/api/v1/configurations/{configuration.pk}/save-as-connector",
        {"id": "acme.orders", "name": "Orders", "modes": {"url": "maybe"}},
        content_type="application/json",
    )

    assert process.status_code == 200 and b"https://api.example.com/orders" in process.content
    assert created.status_code == 201 and created.json()["id"] == "acme.orders"
    assert bad.status_code == 400 and "modes" in bad.json()


def test_command_writes_a_folder_and_reports_skipped_templates(tmp_path, rest_catalogue, capsys):
    call_command("export_templates", "--out", str(tmp_path / "a"), REST_ID, "--camunda7")
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert f"{REST_ID}.json" in files
    assert "io.connectorhub.camunda7.HttpConnector.json" in files

    broken = break_one_version()
    with pytest.raises(CommandError, match="1 template"):
        call_command("export_templates", "--out", str(tmp_path / "b"), REST_ID)
    assert f"skipped {REST_ID} v{broken.version}: /name" in capsys.readouterr().err
    assert (tmp_path / "b" / f"{REST_ID}.json").exists()  # the rest was exported


def test_a_refused_save_as_connector_shows_plain_messages(signed_in_client, configuration):
    refused = signed_in_client.post(
        f"/configurations/{configuration.pk}/save-as-connector/",
        {"id": "acme.orders", "name": "Orders", "version": "-1"},
    )

    html = refused.content.decode()
    assert refused.status_code == 400
    assert "<li>must be a whole number of at least 1</li>" in html
    assert "[&#x27;" not in html and "['" not in html  # no Python list repr
    assert 'id="save-as-errors"' not in html  # nothing for the template or the values
