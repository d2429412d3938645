"""Export query values: a value the export cannot use is a 400 naming the parameter and the
values it takes, never silently replaced by a default."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token

from .conftest import REST_ID


@pytest.fixture
def api(client: Any, user: Any) -> Any:
    token = Token.objects.create(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("download", ["template.json", "process.bpmn"])
@pytest.mark.parametrize("version", ["abc", "1.5", "-3", "18x", "²", "9" * 5000])
def test_a_version_that_is_not_a_number_is_a_400(
    signed_in_client: Any, rest_catalogue: None, download: str, version: str
) -> None:
    response = signed_in_client.get(f"/export/connectors/{REST_ID}/{download}?version={version}")
    assert response.status_code == 400
    text = response.content.decode()
    assert "version must be a version number of the template" in text
    assert repr(version if len(version) <= 40 else version[:40] + "…") in text


@pytest.mark.django_db
def test_a_version_number_or_none_still_downloads(
    signed_in_client: Any, rest_catalogue: None
) -> None:
    for query in ("", "?version=", "?version=18"):
        response = signed_in_client.get(f"/export/connectors/{REST_ID}/template.json{query}")
        assert response.status_code == 200, query
    assert (
        signed_in_client.get(f"/export/connectors/{REST_ID}/template.json?version=999").status_code
        == 404
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "parameter", "allowed"),
    [
        ("versions=newest", "versions", "all, default"),
        ("output=xml", "output", "json, zip, report"),
        ("camunda7=maybe", "camunda7", "true, 1, false, 0"),
    ],
)
def test_bundle_parameters_name_their_allowed_values(
    api: Any, rest_catalogue: None, query: str, parameter: str, allowed: str
) -> None:
    response = api.get(f"/api/v1/export/?{query}")
    assert response.status_code == 400
    [message] = response.json()[parameter]
    assert f"must be one of {allowed}" in message


@pytest.mark.django_db
def test_bundle_parameters_in_any_case_still_work(api: Any, rest_catalogue: None) -> None:
    response = api.get("/api/v1/export/?versions=Default&output=REPORT&camunda7=False")
    assert response.status_code == 200
    ids = [t["id"] for t in response.json()["exported"]]
    assert REST_ID in ids and len(ids) == len(set(ids))  # one (the default) version each
