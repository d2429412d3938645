"""Icons: a well-formed data: image is served by the hub; anything else, an https URL included,
shows a placeholder. No viewer's browser is sent to a host the template names, the hub fetches
nothing and never redirects anywhere for an icon (no open redirect, e.g. to 169.254.169.254)."""

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
    HTTPS_ICON,
    "http://169.254.169.254/latest/meta-data/iam/",
    "http://example.com/icon.svg",
    "https://example.com/" + "x" * 3000,
    "data:text/html,<script>alert(1)</script>",
    # Malformed data: images (a CR/LF in the header was a 500).
    "data:image/svg+xml\r\n;base64,PHN2Zy8+",
    "data:image/svg+xml;base64\r\nX-Injected: 1,PHN2Zy8+",
    "data:image/png;base64,***not base64***",
    "data:image/svg+xml" + ";x" * 2000 + ",<svg/>",
]


def import_with_icon(template_id: str, contents: str) -> None:
    template = json.loads(REST_FILE.read_text())[-1]
    template.update(id=template_id, name=f"Icon {template_id}", icon={"contents": contents})
    result = import_document("icon.json", json.dumps(template), source=ImportSource.UPLOAD)
    assert result.ok, result.errors


@pytest.mark.django_db
def test_an_https_icon_is_not_fetched_by_viewers_but_shows_the_placeholder(
    signed_in_client: Any,
) -> None:
    import_with_icon("shop", HTTPS_ICON)
    for page in ("/", reverse("catalogue-entry", args=["shop"])):
        html = signed_in_client.get(page).content.decode()
        assert "cdn.example.com" not in html, page
    assert 'class="icon-placeholder"' in signed_in_client.get("/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("contents", NOT_SERVED, ids=lambda c: c[:40])
def test_other_icons_are_neither_served_nor_followed(signed_in_client: Any, contents: str) -> None:
    import_with_icon("odd", contents)
    icon = signed_in_client.get(reverse("catalogue-icon", args=["odd"]))
    if contents == "data:image/png;base64,***not base64***":
        # Its header is well-formed, so the page links it; the data is not, so nothing is served.
        assert icon.status_code == 404
        return
    assert icon.status_code == 404
    assert "Location" not in icon
    for page in ("/", reverse("catalogue-entry", args=["odd"])):
        response = signed_in_client.get(page)
        assert response.status_code == 200
        html = response.content.decode()
        assert reverse("catalogue-icon", args=["odd"]) not in html
        assert "169.254.169.254" not in html and '<img src="http' not in html
        assert "example.com" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("contents", "media_type", "body"),
    [
        ("data:image/svg+xml;base64,PHN2Zy8+", "image/svg+xml", b"<svg/>"),
        ("data:image/svg+xml;utf8,%3Csvg%2F%3E", "image/svg+xml", b"<svg/>"),
        ("data:image/SVG+xml,<svg/>", "image/svg+xml", b"<svg/>"),
        ("data:image/png;base64,iVBORw==", "image/png", b"\x89PNG"),
    ],
)
def test_data_icons_as_camunda_writes_them_are_served(
    signed_in_client: Any, contents: str, media_type: str, body: bytes
) -> None:
    import_with_icon("dotted", contents)
    icon = signed_in_client.get(reverse("catalogue-icon", args=["dotted"]))
    assert (icon.status_code, icon.content, icon["Content-Type"]) == (200, body, media_type)


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
