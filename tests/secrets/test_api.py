"""/api/v1/secrets/: CRUD with a write-only value."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from connectors.models import Secret
from connectors.secrets.store import DatabaseSecretProvider

pytestmark = pytest.mark.django_db
VALUE = "api-Secret-Value-77d1"
BASE = "/api/v1/secrets/"


def _json(client: Client, method: str, url: str, body: Any = None) -> Any:
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def test_crud_never_returns_the_value(signed_in_client: Client) -> None:
    responses = []
    created = _json(
        signed_in_client,
        "post",
        BASE,
        {"name": "API_TOKEN", "value": VALUE, "allowed_hosts": ["api.example.com"]},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert "value" not in body and body["name"] == "API_TOKEN"
    assert body["reference"] == "{{secrets.API_TOKEN}}"
    assert body["created_by"] == "ada"
    responses.append(created)
    responses.append(signed_in_client.get(BASE))
    responses.append(signed_in_client.get(BASE + "?search=API"))
    responses.append(signed_in_client.get(BASE + "API_TOKEN/"))
    patched = _json(signed_in_client, "patch", BASE + "API_TOKEN/", {"value": "second-" + VALUE})
    assert patched.status_code == 200 and "value" not in patched.json()
    responses.append(patched)
    assert DatabaseSecretProvider().get("API_TOKEN") == "second-" + VALUE
    put = _json(signed_in_client, "put", BASE + "API_TOKEN/", {"description": "d"})
    assert put.status_code == 200 and put.json()["description"] == "d"
    responses.append(put)
    responses.append(signed_in_client.get(BASE + "API_TOKEN/audit/"))
    responses.append(signed_in_client.get("/api/schema/"))
    encrypted = Secret.objects.get().encrypted_value
    for response in responses:
        text = response.content.decode()
        assert VALUE not in text and encrypted not in text
    deleted = signed_in_client.delete(BASE + "API_TOKEN/")
    assert deleted.status_code == 204 and not Secret.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({"name": "bad name", "value": "v"}, "name", "letters, digits, _ and - only"),
        ({"name": "OK", "value": ""}, "value", "A value is required."),
        ({"name": "OK"}, "value", "required"),
        ({"value": "v"}, "name", "required"),
        ({"name": "OK", "value": "v", "allowed_hosts": ["http://x/"]}, "allowed_hosts", "Entry 1"),
        ({"name": "OK", "value": "v", "allowed_hosts": "x"}, "allowed_hosts", "list"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    signed_in_client: Client, body: dict[str, Any], field: str, fragment: str
) -> None:
    response = _json(signed_in_client, "post", BASE, body)
    assert response.status_code == 400
    assert fragment in " ".join(response.json()[field])
    assert not Secret.objects.exists()


def test_duplicate_and_rename_are_refused(signed_in_client: Client, make_secret: Any) -> None:
    make_secret("A", "v")
    duplicate = _json(signed_in_client, "post", BASE, {"name": "a", "value": "w"})
    assert duplicate.status_code == 400 and "already exists" in duplicate.json()["name"][0]
    rename = _json(signed_in_client, "patch", BASE + "A/", {"name": "B"})
    assert rename.status_code == 400 and "cannot be renamed" in rename.json()["name"][0]
    empty = _json(signed_in_client, "patch", BASE + "A/", {"value": ""})
    assert empty.status_code == 400
    assert DatabaseSecretProvider().get("A") == "v"


def test_token_authentication_and_anonymous(client: Client, user: Any, make_secret: Any) -> None:
    make_secret("A", VALUE)
    assert client.get(BASE).status_code in (401, 403)
    token = Token.objects.create(user=user)
    response = client.get(BASE, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert [item["name"] for item in response.json()["results"]] == ["A"]


def test_another_user_sees_the_same_names_not_values(
    client: Client, other_user: Any, make_secret: Any
) -> None:
    make_secret("A", VALUE)
    client.force_login(other_user)
    response = client.get(BASE + "A/")
    assert response.status_code == 200 and VALUE not in response.content.decode()
    assert client.get(BASE + "MISSING/").status_code == 404


def test_missing_key_is_a_503_that_names_the_setting(
    signed_in_client: Client, make_secret: Any, settings: Any, tmp_path: Any
) -> None:
    make_secret("A", "v")
    settings.CONNECTORHUB_SECRETS_KEY = ""
    settings.DATA_DIR = tmp_path
    response = _json(signed_in_client, "post", BASE, {"name": "B", "value": "w"})
    assert response.status_code == 503
    assert "CONNECTORHUB_SECRETS_KEY is not set" in response.json()["detail"]
    assert list(Secret.objects.values_list("name", flat=True)) == ["A"]


def test_another_user_cannot_change_replace_or_delete(
    client: Client, other_user: Any, make_secret: Any
) -> None:
    make_secret("A", VALUE, allowed_hosts=["api.example.com"])  # created by ada
    client.force_login(other_user)
    attempts = [
        ("patch", {"allowed_hosts": ["attacker.example"]}),
        ("patch", {"description": "mine now"}),
        ("put", {"value": "replaced-by-bob"}),
        ("patch", {"value": ""}),  # refused as not theirs before the value is even checked
        ("delete", None),
    ]
    for method, body in attempts:
        response = _json(client, method, BASE + "A/", body)
        assert response.status_code == 403, (method, body)
        assert response.json()["detail"] == (
            "Secret 'A' belongs to ada: only they or a staff user may change, replace or delete it."
        )
    secret = Secret.objects.get()
    assert (secret.allowed_hosts, secret.description) == (["api.example.com"], "")
    assert DatabaseSecretProvider().get("A") == VALUE
    assert client.get(BASE + "A/").json()["created_by"] == "ada"  # still readable (no value)


def test_a_staff_user_may_change_anyones_secret(
    client: Client, other_user: Any, make_secret: Any
) -> None:
    make_secret("A", VALUE)
    other_user.is_staff = True
    other_user.save()
    client.force_login(other_user)
    patched = _json(client, "patch", BASE + "A/", {"allowed_hosts": ["api.example.com"]})
    assert patched.status_code == 200 and patched.json()["allowed_hosts"] == ["api.example.com"]
    assert client.delete(BASE + "A/").status_code == 204
