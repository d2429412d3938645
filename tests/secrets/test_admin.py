"""The Django admin: values can be set, never seen."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from connectors.models import Secret, SecretAuditEvent
from connectors.secrets.store import DatabaseSecretProvider

pytestmark = pytest.mark.django_db
VALUE = "admin-Secret-Value-31a"


@pytest.fixture
def admin_client_(client: Client, django_user_model: Any) -> Client:
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-long-123")
    client.force_login(admin)
    return client


def test_admin_add_change_pages_never_show_the_value(admin_client_: Client) -> None:
    response = admin_client_.post(
        "/admin/connectors/secret/add/",
        {"name": "ADMIN_TOKEN", "value": VALUE, "description": "", "allowed_hosts_text": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    secret = Secret.objects.get()
    assert DatabaseSecretProvider().get("ADMIN_TOKEN") == VALUE
    assert SecretAuditEvent.objects.filter(action="create", secret_name="ADMIN_TOKEN").exists()
    for url in (
        "/admin/connectors/secret/",
        f"/admin/connectors/secret/{secret.pk}/change/",
        f"/admin/connectors/secret/{secret.pk}/history/",
        "/admin/connectors/secretauditevent/",
    ):
        html = admin_client_.get(url).content.decode()
        assert VALUE not in html and secret.encrypted_value not in html, url
    # Saving without a value keeps the current one.
    admin_client_.post(
        f"/admin/connectors/secret/{secret.pk}/change/",
        {"value": "", "description": "changed", "allowed_hosts_text": "api.example.com"},
    )
    secret.refresh_from_db()
    assert secret.description == "changed" and secret.allowed_hosts == ["api.example.com"]
    assert DatabaseSecretProvider().get("ADMIN_TOKEN") == VALUE


def test_admin_refuses_empty_value_and_duplicates(admin_client_: Client) -> None:
    empty = admin_client_.post("/admin/connectors/secret/add/", {"name": "A", "value": ""})
    assert empty.status_code == 200 and "A value is required." in empty.content.decode()
    admin_client_.post("/admin/connectors/secret/add/", {"name": "A", "value": "v"})
    duplicate = admin_client_.post("/admin/connectors/secret/add/", {"name": "a", "value": "w"})
    assert "already exists" in duplicate.content.decode()
    assert Secret.objects.count() == 1
