"""The configure page warns before the run when a URL's host will be refused by the egress
policy, decided without DNS."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from connectors.network import allowlist
from tests.export.conftest import REST_ID, newest_rest_template, rest_catalogue  # noqa: F401

NEWEST = newest_rest_template()["version"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    allowlist.forget_stored_patterns()
    yield
    allowlist.forget_stored_patterns()


def _check(client: Client, **values: str) -> str:
    data = {f"v:{key}": value for key, value in values.items()}
    response = client.post(reverse("configure-egress-check"), data)
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


@pytest.mark.django_db
def test_a_loopback_url_is_warned_about_before_the_run(signed_in_client: Client) -> None:
    html = _check(signed_in_client, url="http://127.0.0.1:9000/orders", method="GET")
    assert "127.0.0.1 is a loopback address: dry-runs may not reach it." in html
    assert "Staff can allow it on the egress allow-list" in html
    assert "private network" not in _check(signed_in_client, url="http://192.0.2.5/")
    assert "reserved for documentation (TEST-NET)" in _check(
        signed_in_client, url="https://192.0.2.5/"
    )
    assert "localhost is a loopback address" in _check(signed_in_client, url="http://localhost/")


@pytest.mark.django_db
def test_names_are_left_to_the_run_and_allowed_hosts_say_nothing(
    signed_in_client: Client, settings: Any
) -> None:
    html = _check(signed_in_client, url="https://api.example.com/v1")
    assert "The address of api.example.com will be checked when the run starts." in html
    assert "dry-runs may not reach" not in html
    # FEEL and secret references are the run's business.
    assert _check(signed_in_client, url='=baseUrl + "/x"') == ""
    assert _check(signed_in_client, url="http://{{secrets.HOST}}/x") == ""
    settings.CONNECTORHUB_DEV_ALLOW_LOOPBACK = True
    assert _check(signed_in_client, url="http://127.0.0.1:9000/") == ""
    settings.CONNECTORHUB_EGRESS_POLICY = "off"
    assert _check(signed_in_client, url="http://10.0.0.1/") == ""


@pytest.mark.django_db
def test_staff_get_a_link_that_fills_in_the_host(client: Client, django_user_model: Any) -> None:
    staff = django_user_model.objects.create_user(
        "sam", "s@example.com", "pw-long-1234", is_staff=True
    )
    client.force_login(staff)
    html = _check(client, url="http://10.1.2.3:8080/")
    assert f'href="{reverse("egress-allowlist")}?host=10.1.2.3"' in html
    page = client.get(reverse("egress-allowlist"), {"host": "10.1.2.3"}).content.decode()
    assert 'value="10.1.2.3"' in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_configure_page_warns_while_the_url_is_typed(
    signed_in_page: Any,
    live_server: Any,
    rest_catalogue: None,  # noqa: F811
) -> None:
    page = signed_in_page
    page.goto(live_server.url + reverse("configure", args=[REST_ID, NEWEST]))
    page.fill("[name='v:url']", "http://127.0.0.1:9000/orders")
    warning = page.locator("#egress-check .egress-refused")
    warning.wait_for(state="visible", timeout=10_000)
    assert "127.0.0.1 is a loopback address: dry-runs may not reach it." in warning.inner_text()
    page.fill("[name='v:url']", "https://93.184.216.34/orders")
    warning.wait_for(state="detached", timeout=10_000)
