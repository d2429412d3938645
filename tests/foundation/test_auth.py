"""Every page needs a signed-in user; the API answers 401/403 and accepts tokens."""

import pytest
from rest_framework.authtoken.models import Token


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
