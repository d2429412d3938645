"""Deleting a secret: the page says which saved configurations reference it, and afterwards
those configurations say the secret is missing instead of "Ready to run"."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from connectors.models import RunTestCase, SavedConfiguration
from tests.export.conftest import REST_ID, newest_rest_template, rest_catalogue  # noqa: F401

pytestmark = pytest.mark.django_db
NEWEST = newest_rest_template()["version"]


def _configuration(owner: Any, name: str, url: str) -> SavedConfiguration:
    return SavedConfiguration.objects.create(
        owner=owner,
        name=name,
        template_id=REST_ID,
        template_version=NEWEST,
        values={"method": "GET", "url": url, "authentication.type": "noAuth"},
    )


def test_delete_page_lists_the_configurations_that_reference_the_secret(
    signed_in_client: Client, user: Any, other_user: Any, make_secret: Any
) -> None:
    secret = make_secret("API_TOKEN", "v")
    braced = _configuration(user, "Fetch orders", "https://api.example.com/{{ secrets.API_TOKEN }}")
    bare = _configuration(user, "Legacy sync", "https://api.example.com/?k=secrets.API_TOKEN")
    RunTestCase.objects.create(configuration=bare, expected_outcome="success")
    _configuration(user, "Unrelated", "https://api.example.com/secrets.API_TOKEN_2")
    _configuration(other_user, "Their private name", "https://x.example/{{secrets.API_TOKEN}}")

    page = signed_in_client.get(reverse("secret-delete", args=[secret.pk])).content.decode()

    assert "Fetch orders" in page and "Legacy sync" in page
    assert reverse("configuration-detail", args=[braced.pk]) in page
    assert "has a test case" in page
    assert "Unrelated" not in page
    # Another user's configuration names are theirs: counted, not named.
    assert "Their private name" not in page
    assert "1 configuration of another user" in page


def test_delete_page_says_when_nothing_references_the_secret(
    signed_in_client: Client, make_secret: Any
) -> None:
    secret = make_secret("API_TOKEN", "v")
    page = signed_in_client.get(reverse("secret-delete", args=[secret.pk])).content.decode()
    assert "No saved configuration references" in page


def test_after_deletion_a_configuration_says_the_secret_is_missing(
    signed_in_client: Client,
    user: Any,
    make_secret: Any,
    rest_catalogue: None,  # noqa: F811
) -> None:
    secret = make_secret("API_TOKEN", "v")
    configuration = _configuration(
        user, "Fetch orders", "https://api.example.com/{{secrets.API_TOKEN}}"
    )
    url = reverse("configure", args=[REST_ID, NEWEST]) + f"?configuration={configuration.pk}"
    assert "Ready to run" in signed_in_client.get(url).content.decode()

    signed_in_client.post(reverse("secret-delete", args=[secret.pk]))

    page = signed_in_client.get(url).content.decode()
    assert "Ready to run" not in page
    assert "API_TOKEN" in page and "does not exist" in page
