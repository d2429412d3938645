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


def _can_manage_everywhere(client: Client, name: str) -> list[bool]:
    """`can_manage` for NAME as the list, the search and the detail responses report it."""
    listed = {item["name"]: item["can_manage"] for item in client.get(BASE).json()["results"]}
    searched = {
        item["name"]: item["can_manage"]
        for item in client.get(f"{BASE}?search={name}").json()["results"]
    }
    return [listed[name], searched[name], client.get(f"{BASE}{name}/").json()["can_manage"]]


@pytest.mark.parametrize(("who", "expected"), [("owner", True), ("other", False), ("staff", True)])
def test_can_manage_tells_whether_the_requester_may_change_the_secret(
    client: Client, user: Any, other_user: Any, make_secret: Any, who: str, expected: bool
) -> None:
    make_secret("A", VALUE)  # created by ada (`user`)
    if who == "staff":
        other_user.is_staff = True
        other_user.save()
    client.force_login(user if who == "owner" else other_user)
    assert _can_manage_everywhere(client, "A") == [expected] * 3
    # the flag agrees with what the API then allows
    patched = _json(client, "patch", BASE + "A/", {"description": "d"})
    assert patched.status_code == (200 if expected else 403)
    if expected:
        assert patched.json()["can_manage"] is True
        assert VALUE not in patched.content.decode()


def test_can_manage_of_a_new_secret_and_of_a_mix(
    client: Client, user: Any, other_user: Any, make_secret: Any
) -> None:
    make_secret("ADAS", VALUE)
    client.force_login(other_user)
    created = _json(client, "post", BASE, {"name": "BOBS", "value": "bob-" + VALUE})
    assert created.status_code == 201 and created.json()["can_manage"] is True
    listed = {item["name"]: item["can_manage"] for item in client.get(BASE).json()["results"]}
    assert listed == {"ADAS": False, "BOBS": True}


def test_schema_shows_can_manage_as_a_read_only_boolean(signed_in_client: Client) -> None:
    response = signed_in_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    secret = schema["components"]["schemas"]["Secret"]
    assert secret["properties"]["can_manage"] == {
        "type": "boolean",
        "readOnly": True,
        "description": secret["properties"]["can_manage"]["description"],
    }
    assert "whether" in secret["properties"]["can_manage"]["description"].lower()
    assert "can_manage" in secret["required"]  # always present in a response
    assert secret["properties"]["value"]["writeOnly"] is True
