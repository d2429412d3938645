"""In Chromium: from the Inbound page to a RabbitMQ consumer element's test console, a sample
message sent (each step shown in place, the engine untouched), invalid properties refused naming
the field, and the page at 1366 and 390 px without sideways scrolling."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from connectors.inbound.discovery import discover
from tests.conftest import ARTIFACTS
from tests.inbound.conftest import Camunda
from tests.inbound.processes import catch_event_process
from tests.inbound.test_console_consumers import rabbitmq_element

pytestmark = [pytest.mark.browser, pytest.mark.zeebe, pytest.mark.django_db(transaction=True)]


def test_the_consumer_console_shows_each_step_and_fits_a_phone(
    camunda: Camunda, signed_in_page: Any, live_server: Any
) -> None:
    element = rabbitmq_element(resultExpression="={order: message.body.orderId}")
    camunda.deploy("o.bpmn", catch_event_process("orders", "order-paid", {"wait": element}))
    discover()
    page = signed_in_page
    page.goto(f"{live_server.url}/inbound/")
    page.locator("#inbound-elements [data-test-link]").click()
    expect(page.locator("h1")).to_have_text("Test console")
    expect(page.get_by_label("Properties")).to_have_value('{"contentType": "application/json"}')

    note = "a long note that wraps " * 12
    page.get_by_label("Body").fill('{"orderId": "B1", "note": "' + note + '"}')
    page.get_by_label("Properties").fill('{"contentType": "application/json", "messageId": "b-1"}')
    page.get_by_label("Headers", exact=False).first.fill("tenant: acme")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.locator("#console-send").click()
    fate = page.locator('[data-step="fate"]')
    expect(fate).to_have_attribute("data-state", "ok")
    expect(fate).to_contain_text("acknowledged (basic.ack)")
    expect(page.locator('[data-step="event"]')).to_contain_text('"consumerTag": "hub-tag"')
    expect(page.locator('[data-step="correlation"]')).to_contain_text("Message id")
    assert navigations == []  # htmx swapped the answer in place
    page.screenshot(path=str(ARTIFACTS / "inbound-consumer-console-1366.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366

    page.get_by_label("Properties").fill('{"contentType": ')
    page.locator("#console-send").click()
    expect(page.locator("#console-error")).to_contain_text("Properties: is not valid JSON")

    page.set_viewport_size({"width": 390, "height": 900})
    page.get_by_label("Properties").fill("{}")
    page.locator("#console-send").click()
    expect(page.locator('[data-step="fate"]')).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "inbound-consumer-console-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert camunda.engine.messages.received == []
