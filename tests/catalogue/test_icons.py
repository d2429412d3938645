"""Icons: a data: image is served by the hub, an https URL goes straight into <img src>, and the
hub never redirects anywhere for an icon (no open redirect, e.g. to 169.254.169.254)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from connectors.catalogue.importing import import_document
from connectors.models import ImportSource

from .conftest import REST_FILE

HTTPS_ICON = "https://cdn.example.com/icons/shop.svg?size=32&v=1"
# What the schema lets through besides data: images and https (it refuses javascript:, ftp:...).
NOT_SERVED = [
    "http://169.254.169.254/latest/meta-data/iam/",
    "http://example.com/icon.svg",
    "https://example.com/" + "x" * 3000,
    "data:text/html,<script>alert(1)</script>",
]


def import_with_icon(template_id: str, contents: str) -> None:
    template = json.loads(REST_FILE.read_text())[-1]
    template.update(id=template_id, name=f"Icon {template_id}", icon={"contents": contents})
    result = import_document("icon.json", json.dumps(template), source=ImportSource.UPLOAD)
    assert result.ok, result.errors


@pytest.mark.django_db
def test_an_https_icon_is_shown_directly_and_the_hub_does_not_redirect_to_it(
    signed_in_client: Any,
) -> None:
    import_with_icon("shop", HTTPS_ICON)
    escaped = HTTPS_ICON.replace("&", "&amp;")
    for page in ("/", reverse("catalogue-entry", args=["shop"])):
        html = signed_in_client.get(page).content.decode()
        assert f'src="{escaped}"' in html, page
        assert reverse("catalogue-icon", args=["shop"]) not in html
    assert signed_in_client.get(reverse("catalogue-icon", args=["shop"])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("contents", NOT_SERVED, ids=lambda c: c[:40])
def test_other_icons_are_neither_served_nor_followed(signed_in_client: Any, contents: str) -> None:
    import_with_icon("odd", contents)
    icon = signed_in_client.get(reverse("catalogue-icon", args=["odd"]))
    assert icon.status_code == 404
    assert "Location" not in icon
    for page in ("/", reverse("catalogue-entry", args=["odd"])):
        response = signed_in_client.get(page)
        assert response.status_code == 200
        html = response.content.decode()
        assert reverse("catalogue-icon", args=["odd"]) not in html
        assert "169.254.169.254" not in html and '<img src="http' not in html


@pytest.mark.django_db
def test_a_data_icon_is_still_served_by_the_hub(signed_in_client: Any) -> None:
    import_with_icon("dotted", "data:image/svg+xml;base64,PHN2Zy8+")
    html = signed_in_client.get("/").content.decode()
    assert f'src="{reverse("catalogue-icon", args=["dotted"])}"' in html
    icon = signed_in_client.get(reverse("catalogue-icon", args=["dotted"]))
    assert (icon.status_code, icon.content) == (200, b"<svg/>")
    assert icon["Content-Type"] == "image/svg+xml"


REST_ID = "io.camunda.connectors.HttpJson.v2"


@pytest.mark.django_db
def test_configure_page_shows_the_same_icon_as_the_catalogue(signed_in_client, small_catalogue):
    html = signed_in_client.get(f"/connectors/{REST_ID}/configure/").content.decode()

    assert f'<img src="/connectors/{REST_ID}/icon"' in html
