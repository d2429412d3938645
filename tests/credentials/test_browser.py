"""A person creates an AWS credential in the browser: the form is the configuration template's,
its conditions work (the key fields go with the default credentials chain and come back), and
no page shows a secret field's value again. Screenshots at 1366 and 390 px."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.models import Credential
from tests.conftest import ARTIFACTS
from tests.credentials.conftest import AWS_CREDENTIAL

SECRET = "Browser-Credential-S3cret-5d1"
TYPE = '[data-key="authentication.type"] select'
SECRET_KEY = '[name="v:authentication.secretKey"]'


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_create_a_credential_with_conditions_and_never_see_the_secret(
    signed_in_page: Any, live_server: Any, sqs_version: Any
) -> None:
    page = signed_in_page
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/credentials/")
    page.select_option("#new-credential-template", AWS_CREDENTIAL)
    page.click("text=New credential >> nth=-1")
    page.wait_for_selector(SECRET_KEY)

    page.select_option(TYPE, "defaultCredentialsChain")
    page.wait_for_selector(SECRET_KEY, state="detached")  # the condition hid the key fields
    page.select_option(TYPE, "credentials")
    page.wait_for_selector(SECRET_KEY)
    assert page.get_attribute(SECRET_KEY, "type") == "password"
    page.fill("#credential-name", "browser_aws")
    page.fill('[name="v:authentication.accessKey"]', "AKIABROWSER000000001")
    page.fill(SECRET_KEY, SECRET)
    page.fill('[name="v:region"]', "eu-west-1")
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"credentials-form-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.click("button[value=save]")
    page.wait_for_selector("text=its secret fields are never shown again")
    assert SECRET not in page.content()
    page.screenshot(path=str(ARTIFACTS / "credentials-list-1366.png"), full_page=True)

    credential = Credential.objects.get(name="browser_aws")
    assert set(credential.encrypted_values) == {
        "authentication.accessKey",
        "authentication.secretKey",
    }
    page.goto(f"{live_server.url}/credentials/browser_aws/edit/")
    assert SECRET not in page.content()
    assert page.input_value(SECRET_KEY) == ""
    page.wait_for_selector("text=A value is stored; leave it empty to keep it.")
    page.set_viewport_size({"width": 390, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "credentials-edit-390.png"), full_page=True)
