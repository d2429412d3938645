"""/api/v1/templates/: list with filters, detail with versions, the JSON as imported, import."""

import json

import pytest
from rest_framework.authtoken.models import Token

from connectors.models import TemplateVersion
from tests.elementtemplates.corpus import CORPUS_DIR

REST_ID = "io.camunda.connectors.HttpJson.v2"


@pytest.fixture
def api(client, user):
    token = Token.objects.create(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


@pytest.mark.django_db
def test_list_needs_authentication(client):
    assert client.get("/api/v1/templates/").status_code == 401


@pytest.mark.django_db
def test_list_searches_and_filters(api, small_catalogue):
    everything = api.get("/api/v1/templates/").json()
    rest = api.get("/api/v1/templates/", {"q": "rest"}).json()
    runnable = api.get("/api/v1/templates/", {"runs_here": "true"}).json()

    assert everything["count"] >= 5
    assert REST_ID in [item["id"] for item in rest["results"]]
    assert all(
        "rest" in (i["name"] + i["description"]).lower() or "rest" in i["job_type"]
        for i in rest["results"]
    )
    assert all(item["runs_here"] for item in runnable["results"])
    by_kind = api.get("/api/v1/templates/", {"kind": "builtin"}).json()
    assert all(item["kind"] == "builtin" for item in by_kind["results"])
    tasks = api.get("/api/v1/templates/", {"applies_to": "bpmn:Task"}).json()
    assert tasks["count"] >= 4
    assert api.get("/api/v1/templates/", {"category": "No such"}).json()["count"] == 0


@pytest.mark.django_db
def test_detail_lists_versions_and_version_returns_the_json_as_imported(api, small_catalogue):
    detail = api.get(f"/api/v1/templates/{REST_ID}/").json()

    versions = [v["version"] for v in detail["versions"]]
    assert detail["job_type"] == "io.camunda:http-json:1"
    assert versions[-1] is None  # one v2 template in the corpus has no version; listed last
    versions = versions[:-1]
    assert versions == sorted(versions, reverse=True)
    assert detail["default_version"] == versions[0]
    original = next(
        t
        for t in json.loads((CORPUS_DIR / "http-json-connector.json").read_text())
        if t["id"] == REST_ID and t["version"] == versions[-1]
    )
    body = api.get(f"/api/v1/templates/{REST_ID}/versions/{versions[-1]}/").json()
    assert body["version"] == versions[-1]
    assert body == original


@pytest.mark.django_db
def test_unknown_template_and_version_are_404(api, small_catalogue):
    assert api.get("/api/v1/templates/no.such:id/").status_code == 404
    assert api.get(f"/api/v1/templates/{REST_ID}/versions/999/").status_code == 404


@pytest.mark.django_db
def test_import_one_template_then_again_unchanged(importer_api, rest_templates):
    body = json.dumps(rest_templates[0])

    first = importer_api.post("/api/v1/templates/import", body, content_type="application/json")
    second = importer_api.post("/api/v1/templates/import", body, content_type="application/json")

    assert first.status_code == 201
    assert first.json()["imported"][0]["status"] == "imported"
    assert second.json()["imported"][0]["status"] == "unchanged"


@pytest.mark.django_db
def test_import_reports_every_validation_error_and_stores_nothing(importer_api, rest_templates):
    broken = [dict(rest_templates[0], version="one"), {"name": "no id"}]

    response = importer_api.post(
        "/api/v1/templates/import", json.dumps(broken), content_type="application/json"
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any("/version" in e for e in errors)
    assert any('missing "id"' in e for e in errors)
    assert TemplateVersion.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [b"not json", b"[" * 10000 + b"]" * 10000, b'"a string"'],
    ids=["syntax", "deep", "shape"],
)
def test_import_bad_json_is_a_400_not_a_500(importer_api, body):
    response = importer_api.post("/api/v1/templates/import", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["errors"][0].startswith("request body:")


@pytest.mark.django_db
def test_import_refuses_a_50_mb_body(importer_api):
    huge = b'{"x": "' + b"a" * (50 * 1024 * 1024) + b'"}'

    response = importer_api.post("/api/v1/templates/import", huge, content_type="application/json")

    assert response.status_code == 413
    assert "larger than" in response.json()["errors"][0]
    assert TemplateVersion.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "parameter", "allowed"),
    [
        ("runs_here=maybe", "runs_here", "true, 1, false, 0"),
        ("kind=plugin", "kind", "builtin, template, custom"),
    ],
)
def test_a_filter_value_that_means_nothing_is_a_400(api, query, parameter, allowed):
    response = api.get(f"/api/v1/templates/?{query}")
    assert response.status_code == 400
    [message] = response.json()[parameter]
    assert f"must be one of {allowed}" in message


@pytest.mark.django_db
def test_filter_values_in_any_case_still_filter(api, small_catalogue):
    runnable = api.get("/api/v1/templates/", {"runs_here": "TRUE", "kind": "Template"})
    assert runnable.status_code == 200
    assert all(e["runs_here"] and e["kind"] == "template" for e in runnable.json()["results"])


@pytest.mark.django_db
def test_a_template_without_version_has_an_address_everywhere(
    api, signed_in_client, small_catalogue
):
    """The REST entry holds numbered versions and one without `version`: that one is reachable."""
    detail = api.get(f"/api/v1/templates/{REST_ID}/").json()
    unversioned = next(v for v in detail["versions"] if v["version"] is None)

    assert unversioned["url"].endswith(f"/api/v1/templates/{REST_ID}/versions/unversioned/")
    template = api.get(unversioned["url"]).json()
    assert "version" not in template and template["id"] == REST_ID
    base = f"/api/v1/templates/{REST_ID}/versions/unversioned"
    assert api.get(f"{base}/export").status_code == 200
    job = api.post(f"{base}/job", {"values": {}}, content_type="application/json")
    assert job.status_code in (200, 400) and job.json() != {"detail": "Not found."}
    page = signed_in_client.get(f"/connectors/{REST_ID}/versions/unversioned/configure/")
    assert page.status_code == 200
    assert template["name"] in page.content.decode()
    entry_page = signed_in_client.get(f"/connectors/{REST_ID}/").content.decode()
    assert f"/connectors/{REST_ID}/versions/unversioned/" in entry_page


@pytest.mark.django_db
def test_a_template_without_version_can_be_saved_run_and_exported_through_the_api(
    api, signed_in_client, small_catalogue
):
    body = {
        "name": "Old REST",
        "template_id": REST_ID,
        "template_version": "unversioned",
        "values": {"zeebe:input:url": "https://example.com/orders"},
        "variables": {},
    }
    created = api.post("/api/v1/configurations/", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    assert created.json()["template_version"] == "unversioned"
    assert "/versions/unversioned/configure/" in created.json()["form_url"]
    patched = api.patch(
        f"/api/v1/configurations/{created.json()['id']}/",
        {"values": {"zeebe:input:url": "https://example.com/other"}},
        content_type="application/json",
    )
    assert patched.json()["template_version"] == "unversioned"  # not moved to the default

    run = api.post(
        "/api/v1/runs/",
        {
            "template_id": REST_ID,
            "version": "unversioned",
            "values": {"zeebe:input:url": "https://example.com/orders"},
        },
        content_type="application/json",
    )
    assert run.status_code == 202, run.json()
    assert run.json()["version"] is None
    assert run.json()["job"]["headers"].get("elementTemplateVersion") is None

    export = signed_in_client.get(f"/export/connectors/{REST_ID}/template.json?version=unversioned")
    assert export.status_code == 200
    assert "version" not in json.loads(export.content)


@pytest.mark.django_db
def test_a_version_too_long_to_be_stored_is_not_found_or_refused_not_a_server_error(
    api, signed_in_client, small_catalogue
):
    """One rule for a version segment everywhere: a route, the API's field and ?version=."""
    huge = "9" * 30
    assert api.get(f"/api/v1/templates/{REST_ID}/versions/{huge}/").status_code == 404
    assert (
        signed_in_client.get(f"/connectors/{REST_ID}/versions/{huge}/configure/").status_code == 404
    )
    body = {"name": "x", "template_id": REST_ID, "template_version": int(huge), "values": {}}
    refused = api.post("/api/v1/configurations/", body, content_type="application/json")
    assert refused.status_code == 400
    assert "must be a whole number" in str(refused.json()["errors"]["template_version"])
    job = api.post("/api/v1/jobs/", {"template_id": REST_ID, "template_version": int(huge)})
    assert job.status_code in (400, 404)
