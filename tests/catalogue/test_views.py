"""The catalogue pages: cards, search and filters (htmx), detail, icons, uploads."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from connectors.catalogue.importing import import_documents
from connectors.models import CatalogueEntry, ImportSource, TemplateVersion
from tests.catalogue.conftest import SMALL_SELECTION, read
from tests.elementtemplates.corpus import CORPUS_DIR, corpus_files

REST_ID = "io.camunda.connectors.HttpJson.v2"


@pytest.mark.django_db
def test_cards_show_name_kind_version_and_runs_here(signed_in_client, small_catalogue):
    html = signed_in_client.get("/").content.decode()

    assert "Send REST Request" in html
    assert "Template-only" in html
    assert f'href="/connectors/{REST_ID}/"' in html
    assert f'src="/connectors/{REST_ID}/icon"' in html


@pytest.mark.django_db
def test_search_as_you_type_answers_a_fragment(signed_in_client, small_catalogue):
    response = signed_in_client.get(
        "/", {"q": "graphql"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )

    html = response.content.decode()
    assert "<html" not in html
    assert "GraphQL" in html
    assert "Send REST Request" not in html
    assert "1 connector" in html


@pytest.mark.django_db
def test_filters_and_empty_result_message(signed_in_client, small_catalogue):
    html = signed_in_client.get("/", {"category": "Connectors", "q": "zzzz"}).content.decode()

    assert "No connector matches these filters." in html


def _queries_for_the_list(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    return len(queries), response.content.decode()


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_the_catalogue(signed_in_client):
    # A few entries (the REST and GraphQL files: five templates, 33 versions)...
    small = [read(CORPUS_DIR / name) for name in SMALL_SELECTION[:2]]
    import_documents(small, source=ImportSource.COMMAND)
    few, html = _queries_for_the_list(signed_in_client)
    assert html.count('class="card connector-card"') == CatalogueEntry.objects.count() < 30

    # ...and a full page of a catalogue two pages long: the 33 corpus files of one or two
    # versions (the whole corpus, 693 versions, costs seconds to import and proves no more).
    more = [read(path) for path in corpus_files() if _versions(path) <= 2]
    import_documents(more, source=ImportSource.COMMAND)
    assert CatalogueEntry.objects.count() > 30
    many, html = _queries_for_the_list(signed_in_client)
    assert html.count('class="card connector-card"') == 30

    # One of them asks whether the user may import (the form shows only then).
    assert many == few <= 9


def _versions(path) -> int:
    data = json.loads(path.read_bytes())
    return len(data) if isinstance(data, list) else 1


@pytest.mark.django_db
def test_detail_shows_versions_properties_conditions_and_constraints(
    signed_in_client, small_catalogue
):
    html = signed_in_client.get(f"/connectors/{REST_ID}/").content.decode()

    assert "io.camunda:http-json:1" in html
    assert "Versions" in html
    assert "Authentication" in html
    assert "Shown when" in html
    assert "Required" in html
    versions = TemplateVersion.objects.filter(entry__template_id=REST_ID, version__isnull=False)
    for version in versions:
        assert f"v{version.version}" in html


@pytest.mark.django_db
def test_a_specific_version_and_unknown_ones(signed_in_client, small_catalogue):
    assert signed_in_client.get(f"/connectors/{REST_ID}/versions/5/").status_code == 200
    assert signed_in_client.get(f"/connectors/{REST_ID}/versions/777/").status_code == 404
    assert signed_in_client.get("/connectors/nope/").status_code == 404


@pytest.mark.django_db
def test_icon_is_served_from_the_template(signed_in_client, small_catalogue):
    response = signed_in_client.get(f"/connectors/{REST_ID}/icon")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/")
    assert "default-src 'none'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_upload_imports_files_and_reports_failures(importer_client):
    good = SimpleUploadedFile("rest.json", (CORPUS_DIR / "http-json-connector.json").read_bytes())
    bad = SimpleUploadedFile("bad.json", b'{"id": 1}')

    response = importer_client.post("/catalogue/import", {"files": [good, bad]}, follow=True)

    html = response.content.decode()
    assert "21 imported, 0 updated, 0 unchanged, 1 failed" in html
    assert "bad.json" in html
    assert CatalogueEntry.objects.filter(template_id=REST_ID).exists()


@pytest.mark.django_db
def test_upload_of_50_mb_is_refused_without_reading_it(importer_client):
    huge = SimpleUploadedFile("huge.json", b"[" + b" " * (50 * 1024 * 1024) + b"]")

    response = importer_client.post("/catalogue/import", {"files": [huge]}, follow=True)

    assert response.status_code == 413
    assert (
        "The request is 50.0 MiB, larger than 10 MiB, the most one request may carry "
        "(CONNECTORHUB_MAX_UPLOAD_BYTES)"
    ) in response.content.decode()
    assert TemplateVersion.objects.count() == 0


@pytest.mark.django_db
def test_upload_with_no_file_says_so(importer_client):
    response = importer_client.post("/catalogue/import", {}, follow=True)

    assert "Choose one or more .json files" in response.content.decode()


# --- Error pages: in the site's layout, with a way back --------------------------------------


@pytest.mark.django_db
def test_a_missing_page_is_a_404_in_the_site_layout(signed_in_client):
    response = signed_in_client.get("/connectors/no.such.connector/")

    html = response.content.decode()
    assert response.status_code == 404
    assert 'class="mainnav"' in html and "/static/css/app.css" in html
    assert "Page not found" in html and 'href="/"' in html


@pytest.mark.django_db
def test_a_forbidden_page_is_a_403_in_the_site_layout(rf, user):
    from django.core.exceptions import PermissionDenied
    from django.urls import get_resolver

    request = rf.get("/secrets/")
    request.user = user
    handler = get_resolver().resolve_error_handler(403)
    response = handler(request, PermissionDenied("Only staff may do this."))

    html = response.content.decode()
    assert response.status_code == 403
    assert 'class="mainnav"' in html and "Only staff may do this." in html


def test_a_server_error_page_needs_no_database_and_no_request_context(rf):
    # No django_db mark: any database query here fails the test.
    from django.urls import get_resolver

    handler = get_resolver().resolve_error_handler(500)
    response = handler(rf.get("/"))

    html = response.content.decode()
    assert response.status_code == 500
    assert "/static/css/app.css" in html and 'class="topbar"' in html
    assert "Something went wrong" in html and 'href="/"' in html


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_gets_a_403_in_the_site_layout(user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/catalogue/import-npm", {"spec": "x"})

    html = response.content.decode()
    assert response.status_code == 403
    assert 'class="mainnav"' in html and "Form not accepted" in html


@pytest.mark.django_db
def test_an_import_links_what_it_imported(importer_client):
    rest = SimpleUploadedFile("rest.json", (CORPUS_DIR / "http-json-connector.json").read_bytes())

    response = importer_client.post("/catalogue/import", {"files": [rest]}, follow=True)

    message = response.content.decode().split('<ul class="messages">')[1].split("</ul>")[0]
    assert "21 imported" in message
    assert f'<a href="/connectors/{REST_ID}/">Send REST Request</a>' in message


@pytest.mark.django_db
def test_a_property_in_an_unknown_group_imports_with_a_warning(importer_client):
    template = json.loads((CORPUS_DIR / "http-json-connector.json").read_text())[-1]
    template["id"] = "acme.grouped"
    url = next(p for p in template["properties"] if p.get("id") == "url")
    url["group"] = "nowhere"
    upload = SimpleUploadedFile("grouped.json", json.dumps(template).encode())

    response = importer_client.post("/catalogue/import", {"files": [upload]}, follow=True)

    html = response.content.decode()
    assert CatalogueEntry.objects.filter(template_id="acme.grouped").exists()
    warning = html.split('<li class="warning">')[1].split("</li>")[0]
    assert "grouped.json: template acme.grouped" in warning
    assert "is in group “nowhere”, which the template does not define" in warning
    assert "shown under “Custom properties”, as the Modeler does" in warning
