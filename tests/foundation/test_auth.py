"""Every page needs a signed-in user; the API answers 401/403 and accepts tokens."""

import pytest
from rest_framework.authtoken.models import Token

from tests.conftest import PASSWORD


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/status/"])
def test_pages_redirect_anonymous_users_to_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(f"/accounts/login/?next={path}")


@pytest.mark.django_db
def test_signed_in_user_sees_the_catalogue(signed_in_client):
    response = signed_in_client.get("/")

    assert response.status_code == 200
    assert "Connector catalogue" in response.content.decode()


@pytest.mark.django_db
def test_api_refuses_anonymous_requests(client):
    response = client.get("/api/schema/")

    assert response.status_code in (401, 403)


@pytest.mark.django_db
def test_api_accepts_token_authentication(client, user):
    token = Token.objects.create(user=user)

    response = client.get("/api/schema/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    assert b"ConnectorHub API" in response.content


@pytest.mark.django_db
def test_api_docs_are_served_without_a_cdn(signed_in_client):
    html = signed_in_client.get("/api/docs/").content.decode()

    assert "swagger-ui" in html
    assert "cdn" not in html.lower()


def _sign_in(client, username, password, path="/accounts/login/"):
    return client.post(path, {"username": username, "password": password})


@pytest.mark.django_db
def test_repeated_failed_sign_ins_lock_out_that_user_from_that_address(client, user, settings):
    failures = [_sign_in(client, user.username, "wrong-password").status_code for _ in range(5)]
    assert settings.AXES_FAILURE_LIMIT == 5  # the default
    # The last failure that reaches the limit already gets the lockout page.
    assert failures == [200, 200, 200, 200, 429]

    refused = _sign_in(client, user.username, PASSWORD)

    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.content.decode()
    assert "15 minutes" in refused.content.decode()
    assert client.get("/").status_code == 302  # not signed in
    # The admin's sign-in is the same door.
    admin = _sign_in(client, user.username, PASSWORD, path="/admin/login/?next=/admin/")
    assert admin.status_code == 429


@pytest.mark.django_db
def test_a_lockout_leaves_other_users_alone(client, user, other_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, user.username, "wrong-password")

    response = _sign_in(client, other_user.username, PASSWORD)

    assert response.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_a_successful_sign_in_forgets_earlier_failures(client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, user.username, "wrong-password")
    assert _sign_in(client, user.username, PASSWORD).status_code == 302
    client.logout()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, user.username, "wrong-password")

    assert _sign_in(client, user.username, PASSWORD).status_code == 302
