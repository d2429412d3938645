"""The issue's bad-input list against the services, and the audit trail they write."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from connectors.models import Secret, SecretAuditEvent
from connectors.secrets.services import (
    NotSecretOwner,
    may_manage,
    secret_create,
    secret_delete,
    secret_replace_value,
    secret_update,
)
from connectors.secrets.store import DatabaseSecretProvider

pytestmark = pytest.mark.django_db


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "A name is required"),
        ("has space", "not ' '"),
        ("dots.are.out", "not '.'"),
        ("{{secrets.X}}", "not '.' '{' '}'"),
        ("ünïcode", "letters, digits, _ and - only"),
        ("x" * 101, "at most 100 characters"),
    ],
)
def test_invalid_name(user: Any, name: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        secret_create(name=name, value="v", user=user)
    assert fragment in _errors(caught)["name"][0]
    assert not Secret.objects.exists()


@pytest.mark.parametrize(
    ("value", "fragment"),
    [("", "A value is required"), ("   \n", "only white space"), ("x" * 65_537, "at most")],
)
def test_empty_or_oversized_value(user: Any, value: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        secret_create(name="OK", value=value, user=user)
    assert fragment in _errors(caught)["value"][0]
    assert not Secret.objects.exists()


def test_several_problems_are_reported_together(user: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        secret_create(name="bad name", value="", allowed_hosts=["https://x"], user=user)
    assert set(_errors(caught)) == {"name", "value", "allowed_hosts"}
    assert "Entry 1" in _errors(caught)["allowed_hosts"][0]


def test_duplicate_and_case_duplicate_keep_the_original(user: Any) -> None:
    secret_create(name="API_TOKEN", value="original", user=user)
    for name in ("API_TOKEN", "api_token"):
        with pytest.raises(ValidationError) as caught:
            secret_create(name=name, value="other", user=user)
        assert "already exists" in _errors(caught)["name"][0]
    assert Secret.objects.count() == 1
    assert DatabaseSecretProvider().get("API_TOKEN") == "original"


def test_leading_and_trailing_spaces_of_a_value_are_kept(user: Any) -> None:
    secret_create(name="PADDED", value="  pass  ", user=user)
    assert DatabaseSecretProvider().get("PADDED") == "  pass  "


def test_replace_value_rejects_empty_and_keeps_the_old_one(user: Any) -> None:
    secret = secret_create(name="A", value="old", user=user)
    with pytest.raises(ValidationError):
        secret_replace_value(secret=secret, value="", user=user)
    assert DatabaseSecretProvider().get("A") == "old"
    secret_replace_value(secret=Secret.objects.get(), value="new", user=user)
    assert DatabaseSecretProvider().get("A") == "new"


def test_update_with_bad_hosts_changes_nothing(user: Any) -> None:
    secret = secret_create(
        name="A", value="v", description="d", allowed_hosts=["a.example"], user=user
    )
    with pytest.raises(ValidationError):
        secret_update(secret=secret, description="new", allowed_hosts=["not a host"], user=user)
    secret.refresh_from_db()
    assert (secret.description, secret.allowed_hosts) == ("d", ["a.example"])


def test_audit_trail_records_who_and_what_never_values(user: Any, other_user: Any) -> None:
    other_user.is_staff = True  # a staff user may change anyone's secret
    other_user.save()
    secret = secret_create(name="A", value="value-one", user=user)
    secret_replace_value(secret=secret, value="value-two", user=other_user)
    secret_update(secret=secret, description="now described", user=other_user)
    secret_update(secret=secret, description="now described", user=other_user)  # no change
    secret_delete(secret=secret, user=user)
    events = list(SecretAuditEvent.objects.order_by("at", "id"))
    assert [(e.action, e.actor, e.detail) for e in events] == [
        ("create", user, ""),
        ("change", other_user, "value replaced"),
        ("change", other_user, "description changed"),
        ("delete", user, ""),
    ]
    assert all(e.secret_name == "A" for e in events)
    assert not any("value-" in f"{e.detail}{e.run_id}" for e in events)
    secret_row = Secret.objects.filter(name="A")
    assert not secret_row.exists()


def test_only_the_creator_or_staff_may_change_replace_or_delete(
    user: Any, other_user: Any, django_user_model: Any
) -> None:
    secret = secret_create(name="A", value="mine", allowed_hosts=["a.example"], user=user)
    for attempt in (
        lambda: secret_update(secret=secret, allowed_hosts=["evil.example"], user=other_user),
        lambda: secret_update(secret=secret, description="hijacked", user=other_user),
        lambda: secret_replace_value(secret=secret, value="theirs", user=other_user),
        lambda: secret_delete(secret=secret, user=other_user),
    ):
        with pytest.raises(NotSecretOwner, match="belongs to ada: only they or a staff user"):
            attempt()
    secret.refresh_from_db()
    assert (secret.allowed_hosts, secret.description) == (["a.example"], "")
    assert DatabaseSecretProvider().get("A") == "mine"
    assert not SecretAuditEvent.objects.filter(action="change").exists()
    # the owner and a staff user may
    secret_update(secret=secret, allowed_hosts=["b.example"], user=user)
    staff = django_user_model.objects.create_user("root", "r@example.com", "pw", is_staff=True)
    secret_replace_value(secret=secret, value="rotated", user=staff)
    assert DatabaseSecretProvider().get("A") == "rotated"
    secret_delete(secret=secret, user=staff)
    assert not Secret.objects.exists()


def test_a_secret_without_an_owner_is_for_staff_only(user: Any) -> None:
    secret = secret_create(name="A", value="v")  # created by the hub's own code
    assert may_manage(secret, None) and not may_manage(secret, user)
    with pytest.raises(NotSecretOwner, match="has no owner: only a staff user"):
        secret_delete(secret=secret, user=user)
