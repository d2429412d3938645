"""Every template id the hub accepts works in every page and API address; the others are refused
at import with an error naming /id, so no one can break the catalogue for everyone."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from connectors.catalogue.importing import import_document
from connectors.models import ImportSource

from .conftest import REST_FILE

# Characters a URL treats specially, and characters that need percent-encoding.
ODD_IDS = [
    "io.camunda:http:1",
    "with.dots.v2",
    "hash#tag",
    "question?mark=1&x",
    "with spaces ",
    "percent%2Fslash",
    "back\\slash",
    "...",
    ".hidden",
    "ümlaut-ß",
    "quote\"'<b>",
]


def odd_template(template_id: str) -> dict[str, Any]:
    template = json.loads(REST_FILE.read_text())[-1]
    template["id"] = template_id
    template["name"] = f"Odd {template_id}"
    return template


@pytest.fixture
def odd_catalogue(db: None) -> list[str]:
    templates = [odd_template(template_id) for template_id in ODD_IDS]
    result = import_document("odd.json", json.dumps(templates), source=ImportSource.UPLOAD)
    assert result.ok, result.errors
    return ODD_IDS


@pytest.fixture
def api(client: Any, user: Any) -> Any:
    token = Token.objects.create(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def page_links(html: str) -> set[str]:
    return {unescape(href) for href in re.findall(r'(?:href|src)="([^"]+)"', html)}


@pytest.mark.django_db
def test_catalogue_links_to_every_odd_id_and_each_link_works(
    signed_in_client: Any, odd_catalogue: list[str]
) -> None:
    home = signed_in_client.get("/")
    assert home.status_code == 200
    links = page_links(home.content.decode())
    for template_id in odd_catalogue:
        detail = reverse("catalogue-entry", args=[template_id])
        assert detail in links, (template_id, detail)
        page = signed_in_client.get(detail)
        assert page.status_code == 200, (template_id, detail)
        assert page.context["entry"].template_id == template_id
        for link in page_links(page.content.decode()):
            if link.startswith(("/connectors/", "/export/connectors/")):
                target = signed_in_client.get(link)
                # 422: a BPMN export that explains which required value is missing.
                assert target.status_code in (200, 422), (template_id, link)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "catalogue-entry",
        "configure-default",
        "export-template",
        "export-template-bpmn",
        "connector-runs",
        "connector-tests",
    ],
)
def test_each_page_of_an_odd_id_answers(
    signed_in_client: Any, odd_catalogue: list[str], name: str
) -> None:
    for template_id in odd_catalogue:
        url = reverse(name, args=[template_id])
        response = signed_in_client.get(url)
        assert response.status_code in (200, 422), (template_id, url, response.status_code)


@pytest.mark.django_db
def test_configure_and_version_pages_of_an_odd_id_answer(
    signed_in_client: Any, odd_catalogue: list[str]
) -> None:
    version = odd_template("x")["version"]
    for template_id in odd_catalogue:
        for name in ("catalogue-entry-version", "configure"):
            url = reverse(name, args=[template_id, version])
            assert signed_in_client.get(url).status_code == 200, (template_id, url)


@pytest.mark.django_db
def test_api_urls_of_an_odd_id_lead_back_to_it(api: Any, odd_catalogue: list[str]) -> None:
    for template_id in odd_catalogue:
        detail = api.get(reverse("api-template-detail", args=[template_id]))
        assert detail.status_code == 200, template_id
        [version] = detail.json()["versions"]
        content = api.get(version["url"])
        assert content.status_code == 200, (template_id, version["url"])
        assert content.json()["id"] == template_id


@pytest.mark.django_db
@pytest.mark.parametrize("bad_id", ["io.camunda/http", "..", "."])
def test_an_id_without_a_url_is_refused_and_the_catalogue_stays_up(
    importer_api: Any, signed_in_client: Any, bad_id: str
) -> None:
    body = json.dumps(odd_template(bad_id))
    response = importer_api.post("/api/v1/templates/import", body, content_type="application/json")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert "at /id" in error and repr(bad_id) in error
    assert signed_in_client.get("/").status_code == 200
