"""The built-in REST connector's form reads like Camunda's: a dropdown of authentication
variants, multi-line PEM fields and human labels (from the input model's field declarations)."""

import re
from typing import Any

import pytest
from django.urls import reverse

from connectors.catalogue.registry_sync import sync_registry


def _labels(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>|\*", "", label).strip()
        for label in re.findall(r"<label for=\"[^\"]+\">(.*?)</label>", html, re.S)
    ]


def _row(html: str, key: str) -> str:
    """The form row of one field (its label, input and help)."""
    start = html.index(f'data-key="{key}"')
    return html[start : html.find('<div class="field"', start)]


@pytest.mark.django_db
def test_the_builtin_rest_form_offers_authentication_variants_and_multi_line_pem_fields(
    signed_in_client: Any,
) -> None:
    sync_registry()
    url = reverse("configure", args=["io.camunda.http-json", 1])

    html = signed_in_client.get(url).content.decode()

    select = re.search(r"<select[^>]*>.*?</select>", _row(html, "authentication.type"), re.S)
    assert select is not None, "Authentication is a dropdown"
    options = re.findall(r">([^<]+)</option>", select.group(0))
    assert options == [
        "None", "Basic", "Bearer token", "API key", "OAuth 2.0", "OAuth 2.0 refresh token"
    ]  # fmt: skip
    for pem in ("clientCertificate", "clientPrivateKey", "trustedCertificate"):
        assert "<textarea" in _row(html, f"clientTls.{pem}"), pem
    labels = _labels(html)
    assert {"URL", "Authentication", "Response format", "Client certificate (PEM)"} <= set(labels)
    assert "Url" not in labels and "Choice" not in labels
