"""In Chromium: from the Inbound page to a webhook element's test console, a signed request sent
(each step shown in place, the engine untouched), a pasted curl command with a wrong signature
refused with the connector's reason, the page at 1366 and 390 px, live mode for staff; and the
configure page's Test webhook opening the form's values in the console."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.urls import reverse
from playwright.sync_api import expect

from connectors.inbound.discovery import discover
from connectors.secrets.services import secret_create
from tests.conftest import ARTIFACTS, PASSWORD
from tests.inbound.conftest import Camunda
from tests.inbound.processes import start_event_process
from tests.inbound.test_console_draft import INTERMEDIATE, import_template

pytestmark = [pytest.mark.browser, pytest.mark.zeebe, pytest.mark.django_db(transaction=True)]

SECRET = "browser-hmac-s3cret"


def test_the_console_shows_each_step_and_fits_a_phone(
    camunda: Camunda, signed_in_page: Any, live_server: Any, user: Any, settings: Any
) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    secret_create(name="BROWSER_HMAC", value=SECRET)
    properties = {
        "inbound.type": "io.camunda:webhook:1",
        "inbound.context": "orders",
        "inbound.shouldValidateHmac": "enabled",
        "inbound.hmacSecret": "{{secrets.BROWSER_HMAC}}",
        "inbound.hmacHeader": "X-Hub-Signature-256",
        "resultExpression": "={order: request.body}",
    }
    camunda.deploy("o.bpmn", start_event_process("orders", properties))
    discover()
    page = signed_in_page
    page.goto(f"{live_server.url}/inbound/")
    page.locator("#inbound-elements [data-test-link]").click()
    expect(page.locator("h1")).to_have_text("Test console")
    console_url = page.url

    body = '{"id": 7}'
    digest = hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
    page.get_by_label("Headers").fill(
        f"Content-Type: application/json\nX-Hub-Signature-256: sha256={digest}"
    )
    page.get_by_label("Body").fill(body)
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.locator("#console-send").click()
    response = page.locator('[data-step="response"]')
    expect(response).to_have_attribute("data-state", "ok")
    expect(page.locator('[data-step="connector"]')).to_contain_text("accepted by the connector")
    expect(page.locator('[data-step="variables"]')).to_contain_text('"order"')
    expect(page.locator('[data-step="correlation"]')).to_contain_text("dry run: not sent")
    assert navigations == []  # htmx swapped the answer in place
    page.screenshot(path=str(ARTIFACTS / "inbound-console-1366.png"), full_page=True)
    assert camunda.engine.instances.by_key == {}

    curl = (
        "curl -X POST https://hub.example.com/inbound/orders -H 'Content-Type: application/json' "
        "-H 'X-Hub-Signature-256: sha256=0000' -d '{\"id\": 8}'"
    )
    page.get_by_label("or paste a curl command").fill(curl)
    page.locator("#console-send").click()
    connector = page.locator('[data-step="connector"]')
    expect(connector).to_have_attribute("data-state", "bad")
    expect(connector).to_contain_text("INVALID_SIGNATURE")
    expect(page.get_by_label("Body")).to_have_value('{"id": 8}')  # read from the command
    assert SECRET not in page.content()

    page.set_viewport_size({"width": 390, "height": 900})
    page.wait_for_timeout(100)
    page.screenshot(path=str(ARTIFACTS / "inbound-console-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    user.is_staff = True
    user.save()
    page.set_viewport_size({"width": 1366, "height": 900})
    page.reload()
    page.get_by_label("Headers").fill(
        f"Content-Type: application/json\nX-Hub-Signature-256: sha256={digest}"
    )
    page.get_by_label("Body").fill(body)
    page.get_by_label("Live: correlate with the engine for real").check()
    page.get_by_label("I understand that live mode").check()
    page.locator("#console-send").click()
    correlation = page.locator('[data-step="correlation"]')
    expect(correlation).to_have_attribute("data-state", "ok")
    expect(correlation).to_contain_text("PROCESS_INSTANCE_CREATED")
    (instance,) = camunda.engine.instances.by_key.values()
    assert instance.variables == {"order": {"id": 7}}

    # under the Content-Security-Policy (the page fixture bypasses it): htmx still answers
    strict = page.context.browser.new_context()
    try:
        checked = strict.new_page()
        refusals: list[str] = []
        checked.on(
            "console", lambda m: refusals.append(m.text) if "Content Security" in m.text else None
        )
        checked.goto(f"{live_server.url}/accounts/login/")
        checked.fill("#id_username", user.username)
        checked.fill("#id_password", PASSWORD)
        checked.click("button[type=submit]")
        checked.wait_for_url(f"{live_server.url}/")
        checked.goto(console_url)
        checked.locator("#console-send").click()
        expect(checked.locator('[data-step="response"]')).to_contain_text("HTTP 401")
        assert refusals == []
    finally:
        strict.close()


def test_test_webhook_opens_the_forms_values_in_the_console(
    signed_in_page: Any, live_server: Any
) -> None:
    version = import_template("webhook-connector-intermediate.json", INTERMEDIATE)
    page = signed_in_page
    page.goto(f"{live_server.url}{reverse('configure', args=[INTERMEDIATE, version.version])}")
    page.locator("[name='v:inbound.context']").fill("payments")
    page.locator("[name='v:correlationKeyPayload']").fill("request.body.orderId")  # "=" shown
    with page.context.expect_page() as opened:
        page.locator("#test-webhook").click()
    console = opened.value
    expect(console.locator("h1")).to_have_text("Test console")
    expect(console.locator("main")).to_contain_text("/inbound/payments")
    console.get_by_label("Body").fill('{"orderId": "A7"}')
    console.locator("#console-send").click()
    correlation = console.locator('[data-step="correlation"]')
    expect(correlation).to_contain_text("Correlation key")
    expect(correlation).to_contain_text("A7")
    expect(console.locator('[data-step="response"]')).to_contain_text("HTTP 200")
