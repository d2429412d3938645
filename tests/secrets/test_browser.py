"""A person creates a secret in the browser; no page ever shows its value."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.models import Secret
from connectors.secrets.store import record_secret_use
from tests.conftest import ARTIFACTS

VALUE = "Browser-S3cret-0b7e41"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_create_secret_in_the_ui_and_never_see_it_again(
    signed_in_page: Any, live_server: Any
) -> None:
    page = signed_in_page
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/secrets/")
    page.screenshot(path=str(ARTIFACTS / "secrets-empty-list.png"), full_page=True)
    page.click("text=New secret")
    page.fill("#id_name", "API_TOKEN")
    page.fill("#id_value", VALUE)
    page.fill("#id_description", "Token the local echo server checks")
    page.fill("#id_allowed_hosts", "127.0.0.1")
    assert page.get_attribute("#id_value", "type") == "password"
    page.screenshot(path=str(ARTIFACTS / "secrets-create-form.png"), full_page=True)
    page.click("main button[type=submit]")
    page.wait_for_selector("text=its value is never shown again")
    assert VALUE not in page.content()
    record_secret_use(["API_TOKEN"], run_id=1)
    page.reload()
    page.screenshot(path=str(ARTIFACTS / "secrets-detail.png"), full_page=True)

    page.click("nav >> text=Secrets")
    page.wait_for_selector("text=API_TOKEN")
    assert VALUE not in page.content()
    # Live search swaps only the rows (htmx), the URL keeps the query.
    page.fill("input[type=search]", "nothing-like-this")
    page.wait_for_selector("text=No secret matches")
    page.fill("input[type=search]", "echo")
    page.wait_for_selector("#secret-rows >> text=API_TOKEN")
    page.screenshot(path=str(ARTIFACTS / "secrets-list.png"), full_page=True)

    # A wrong replacement is refused and the field is not re-filled.
    secret = Secret.objects.get(name="API_TOKEN")
    page.goto(f"{live_server.url}/secrets/{secret.pk}/value/")
    page.fill("#id_value", "   ")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=The value is only white space.")
    assert page.input_value("#id_value") == ""
    page.screenshot(path=str(ARTIFACTS / "secrets-replace-error.png"), full_page=True)

    page.goto(f"{live_server.url}/secrets/{secret.pk}/delete/")
    page.screenshot(path=str(ARTIFACTS / "secrets-delete-confirm.png"), full_page=True)
    page.click("main button.danger")
    page.wait_for_selector("text=Secret API_TOKEN deleted")
    assert not Secret.objects.exists()
    page.goto(f"{live_server.url}/secrets/audit/")
    page.screenshot(path=str(ARTIFACTS / "secrets-audit.png"), full_page=True)
    assert VALUE not in page.content()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_someone_elses_secret_offers_no_changes(
    signed_in_page: Any, live_server: Any, other_user: Any
) -> None:
    from connectors.secrets.services import secret_create

    secret = secret_create(name="BOBS_TOKEN", value=VALUE, user=other_user)
    page = signed_in_page
    page.goto(f"{live_server.url}/secrets/")
    page.wait_for_selector("#secret-rows >> text=bob")  # the owner column
    page.goto(f"{live_server.url}/secrets/{secret.pk}/")
    page.wait_for_selector("text=This secret belongs to bob")
    assert page.locator("a", has_text="Replace value").count() == 0
    page.screenshot(path=str(ARTIFACTS / "secrets-detail-not-owner.png"), full_page=True)
    response = page.goto(f"{live_server.url}/secrets/{secret.pk}/edit/")
    assert response is not None and response.status == 403
    page.wait_for_selector("text=Not yours to change")
    page.screenshot(path=str(ARTIFACTS / "secrets-edit-forbidden.png"), full_page=True)
    assert VALUE not in page.content()
