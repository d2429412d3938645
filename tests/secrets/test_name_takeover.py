"""A secret's name cannot be shadowed or taken over (issue 14, items 6 and 14).

Providers are asked in order, so a stored secret would silently replace an environment secret
of the same name for every run; and a deleted secret's name, still referenced by processes and
configurations, would send their data to whoever created a secret under it next.
"""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError

from connectors.models import Secret, SecretAuditEvent
from connectors.secrets.services import secret_create, secret_delete
from connectors.secrets.store import default_provider, record_secret_use

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def key(settings: Any) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()


def test_a_name_the_environment_provides_cannot_be_stored(
    user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_PAYROLL_TOKEN", "from-the-operator")
    with pytest.raises(ValidationError) as caught:
        secret_create(name="PAYROLL_TOKEN", value="from-a-user", user=user)
    (message,) = caught.value.message_dict["name"]
    assert "already provided by environment variable SECRET_PAYROLL_TOKEN" in message
    assert not Secret.objects.exists()
    assert default_provider().get("PAYROLL_TOKEN") == "from-the-operator"


def test_a_deleted_name_is_kept_for_its_former_owner_and_staff(
    user: Any, other_user: Any, django_user_model: Any
) -> None:
    secret_delete(secret=secret_create(name="CRM_KEY", value="v1", user=user), user=user)
    with pytest.raises(ValidationError) as caught:
        secret_create(name="crm_key", value="squatted", user=other_user)
    (message,) = caught.value.message_dict["name"]
    assert "only its former owner (ada) or a staff user may use the name again" in message
    assert not Secret.objects.exists()

    secret_create(name="CRM_KEY", value="v2", user=user)  # the former owner takes it back
    secret_delete(secret=Secret.objects.get(), user=user)
    staff = django_user_model.objects.create_user("root", is_staff=True)
    assert secret_create(name="CRM_KEY", value="v3", user=staff).created_by == staff


def test_deleting_a_secret_that_shadowed_another_says_what_runs_use_now(
    user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = secret_create(name="SHARED", value="stored", user=user)
    monkeypatch.setenv("SECRET_SHARED", "from-the-environment")  # set after the secret existed
    from connectors.secrets.store import shadowed_names

    assert shadowed_names() == {"SHARED": "environment variable SECRET_SHARED"}
    assert secret_delete(secret=secret, user=user) == "environment variable SECRET_SHARED"
    event = SecretAuditEvent.objects.get(action="delete")
    assert event.detail == "runs now use environment variable SECRET_SHARED"


def test_staff_see_shadowed_names_on_the_secrets_page(
    client: Any, user: Any, django_user_model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_create(name="SHARED", value="stored", user=user)
    monkeypatch.setenv("SECRET_SHARED", "from-the-environment")
    client.force_login(user)
    assert b"shadowed-secrets" not in client.get("/secrets/").content
    staff = django_user_model.objects.create_user("root", is_staff=True)
    client.force_login(staff)
    page = client.get("/secrets/").content.decode()
    assert "<code>SHARED</code> is also provided by environment variable SECRET_SHARED" in page


def test_a_use_is_audited_with_the_person_who_ran_it(user: Any) -> None:
    secret_create(name="API", value="v", user=user)
    record_secret_use(["API"], 42, actor=user)
    event = SecretAuditEvent.objects.get(action="use")
    assert (event.actor, event.run_id) == (user, "42")
