"""The web UI: names, never values; names for every signed-in user, changes for the owner and
staff; clear errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from connectors.models import Run, Secret, SecretAuditEvent
from connectors.secrets.store import DatabaseSecretProvider, record_secret_use

pytestmark = pytest.mark.django_db
VALUE = "VeryS3cretValue-9f2c"


def _pages(secret: Secret) -> list[str]:
    return [
        reverse("secret-list"),
        reverse("secret-list") + "?q=API",
        reverse("secret-detail", args=[secret.pk]),
        reverse("secret-edit", args=[secret.pk]),
        reverse("secret-value", args=[secret.pk]),
        reverse("secret-delete", args=[secret.pk]),
        reverse("secret-audit"),
    ]


def test_create_through_the_form_then_no_page_shows_the_value(signed_in_client: Client) -> None:
    response = signed_in_client.post(
        reverse("secret-create"),
        {
            "name": "API_TOKEN",
            "value": VALUE,
            "description": "Echo server token",
            "allowed_hosts": "127.0.0.1\n*.example.com",
        },
        follow=True,
    )
    assert response.status_code == 200
    secret = Secret.objects.get(name="API_TOKEN")
    assert secret.allowed_hosts == ["127.0.0.1", "*.example.com"]
    assert DatabaseSecretProvider().get("API_TOKEN") == VALUE
    record_secret_use(["API_TOKEN"], run_id=7)
    for url in _pages(secret):
        page = signed_in_client.get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        assert VALUE not in html, url
        assert secret.encrypted_value not in html, url
    detail = signed_in_client.get(reverse("secret-detail", args=[secret.pk])).content.decode()
    assert "{{secrets.API_TOKEN}}" in detail and "run 7" in detail


def test_form_errors_are_shown_and_the_value_is_not_echoed(signed_in_client: Client) -> None:
    response = signed_in_client.post(
        reverse("secret-create"), {"name": "bad name", "value": VALUE, "allowed_hosts": ""}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "A name may contain letters, digits, _ and - only" in html
    assert VALUE not in html  # the password field is not re-filled
    response = signed_in_client.post(reverse("secret-create"), {"name": "OK", "value": ""})
    assert "A value is required." in response.content.decode()
    assert not Secret.objects.exists()


def test_duplicate_is_refused_in_the_form(signed_in_client: Client, make_secret: Any) -> None:
    make_secret("API_TOKEN", "first")
    response = signed_in_client.post(reverse("secret-create"), {"name": "API_TOKEN", "value": "x"})
    assert "A secret named &#x27;API_TOKEN&#x27; already exists." in response.content.decode()
    assert DatabaseSecretProvider().get("API_TOKEN") == "first"


def test_search_filters_names_and_descriptions(signed_in_client: Client, make_secret: Any) -> None:
    make_secret("GITHUB_TOKEN", "a", description="for the repo sync")
    make_secret("SLACK_HOOK", "b", description="alerts channel")
    page = signed_in_client.get(reverse("secret-list"), {"q": "alerts"}).content.decode()
    assert "SLACK_HOOK" in page and "GITHUB_TOKEN" not in page
    fragment = signed_in_client.get(reverse("secret-list"), {"q": "git"}, HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert html.lstrip().startswith('<div id="secret-rows">')
    assert "GITHUB_TOKEN" in html and "SLACK_HOOK" not in html and "<html" not in html


def test_replace_value_edit_and_delete_with_confirmation(
    signed_in_client: Client, make_secret: Any
) -> None:
    secret = make_secret("A", "old-value")
    signed_in_client.post(reverse("secret-value", args=[secret.pk]), {"value": "new-value"})
    assert DatabaseSecretProvider().get("A") == "new-value"
    signed_in_client.post(
        reverse("secret-edit", args=[secret.pk]),
        {"description": "described", "allowed_hosts": "api.example.com"},
    )
    secret.refresh_from_db()
    assert (secret.description, secret.allowed_hosts) == ("described", ["api.example.com"])
    confirm = signed_in_client.get(reverse("secret-delete", args=[secret.pk]))
    assert "Delete secret" in confirm.content.decode() and Secret.objects.exists()
    signed_in_client.post(reverse("secret-delete", args=[secret.pk]))
    assert not Secret.objects.exists()
    audit = signed_in_client.get(reverse("secret-audit")).content.decode()
    for word in ("created", "value replaced", "allowed hosts changed", "deleted"):
        assert word in audit


def test_everyone_sees_names_but_only_the_owner_may_change_a_secret(
    client: Client, other_user: Any, make_secret: Any
) -> None:
    secret = make_secret("TEAM_TOKEN", VALUE, allowed_hosts=["api.example.com"])  # by `user`
    client.force_login(other_user)
    for url in (
        reverse("secret-list"),
        reverse("secret-detail", args=[secret.pk]),
        reverse("secret-audit"),
    ):
        page = client.get(url)
        assert page.status_code == 200 and VALUE not in page.content.decode()
    owners_run = Run.objects.create(template_id="t", created_by=secret.created_by, time_limit=1)
    record_secret_use(["TEAM_TOKEN"], run_id=owners_run.pk)
    detail = client.get(reverse("secret-detail", args=[secret.pk])).content.decode()
    assert "{{secrets.TEAM_TOKEN}}" in detail
    assert "This secret belongs to ada" in detail
    assert f"run {owners_run.pk}" in detail  # named, but not a link they could not open
    assert reverse("run-detail", args=[owners_run.pk]) not in detail
    for name in ("secret-edit", "secret-value", "secret-delete"):
        assert reverse(name, args=[secret.pk]) not in detail  # the actions are not offered
        page = client.get(reverse(name, args=[secret.pk]))
        assert page.status_code == 403, name
        assert "belongs to ada: only they or a staff user may" in page.content.decode()
    posts = [
        ("secret-edit", {"description": "mine now", "allowed_hosts": "attacker.example"}),
        ("secret-value", {"value": "rotated-by-bob"}),
        ("secret-delete", {}),
    ]
    for name, data in posts:
        assert client.post(reverse(name, args=[secret.pk]), data).status_code == 403, name
    secret.refresh_from_db()
    assert (secret.description, secret.allowed_hosts) == ("", ["api.example.com"])
    assert DatabaseSecretProvider().get("TEAM_TOKEN") == VALUE
    actions = SecretAuditEvent.objects.order_by("id").values_list("action", flat=True)
    assert list(actions) == ["create", "use"]


def test_the_owner_and_staff_are_offered_the_actions(
    signed_in_client: Client, client: Client, other_user: Any, make_secret: Any
) -> None:
    secret = make_secret("MINE", VALUE)
    urls = [reverse(n, args=[secret.pk]) for n in ("secret-edit", "secret-value", "secret-delete")]
    run = Run.objects.create(template_id="t", created_by=secret.created_by, time_limit=1)
    record_secret_use(["MINE"], run_id=run.pk)
    detail = signed_in_client.get(reverse("secret-detail", args=[secret.pk])).content.decode()
    assert all(url in detail for url in urls) and "belongs to" not in detail
    assert f'href="{reverse("run-detail", args=[run.pk])}"' in detail  # their own run: a link
    other_user.is_staff = True
    other_user.save()
    client.force_login(other_user)
    detail = client.get(reverse("secret-detail", args=[secret.pk])).content.decode()
    assert all(url in detail for url in urls)
    client.post(reverse("secret-value", args=[secret.pk]), {"value": "rotated-by-staff"})
    assert DatabaseSecretProvider().get("MINE") == "rotated-by-staff"
    event = SecretAuditEvent.objects.filter(detail="value replaced").get()
    assert event.actor == other_user


def test_anonymous_users_are_sent_to_sign_in(client: Client, make_secret: Any) -> None:
    secret = make_secret("A", "v")
    for url in _pages(secret):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unknown_secret_is_404(signed_in_client: Client) -> None:
    assert signed_in_client.get(reverse("secret-detail", args=[999])).status_code == 404
