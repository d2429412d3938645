"""A person signs in through the real login form in headless Chromium."""

import pytest


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sign_in_and_see_the_catalogue(signed_in_page, live_server):
    page = signed_in_page

    assert page.locator("h1").inner_text() == "Connector catalogue"
    assert page.locator("nav.mainnav a[aria-current=page]").inner_text() == "Catalogue"
    assert page.locator(".account").inner_text().startswith("ada")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_wrong_password_is_refused_with_a_clear_message(page, live_server, user):
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "not the password")
    page.click("button[type=submit]")

    assert "do not match" in page.locator("[role=alert]").inner_text()
    assert "/accounts/login/" in page.url
