"""Every page fits a 390 px wide phone (no sideways scrolling) and a 1366 px laptop; a screenshot
of each is kept in test-artifacts/responsive/ for a person to look at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from connectors.models import InboundActivity, InboundElement, InboundProcess
from tests.configure.conftest import REST_ID, import_corpus
from tests.conftest import ARTIFACTS, PASSWORD

WIDTHS = (390, 1366)
SHOTS = ARTIFACTS / "responsive"


@pytest.fixture
def staff_context(browser: Any, live_server: Any, user: Any) -> Iterator[Any]:
    user.is_staff = user.is_superuser = True
    user.save()
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    yield context
    context.close()


def _overflow(page: Any) -> list[str]:
    """The elements sticking out to the right of a page wider than its viewport."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth <= width) return [];
          return [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > width + 1)
            .slice(0, 8)
            .map((e) => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className);
        }"""
    )


def _check(page: Any, name: str) -> list[tuple[Any, ...]]:
    """Screenshots at each width; what is too wide, if anything."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(100)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            problems.append((name, width, scroll_width, _overflow(page)))
    return problems


def inbound_elements() -> None:
    """An active webhook with an event and a DOWN element with a long reason, for the page."""
    process = InboundProcess.objects.create(
        process_definition_key=2251799813685249, process_id="order-webhooks", version=3,
        xml="<bpmn:definitions/>", source="hub",
    )  # fmt: skip
    hook = InboundElement.objects.create(
        process=process, element_id="StartEvent_OrderReceived", kind="startEvent",
        inbound_type="io.camunda:webhook:1", connector_kind="webhook", deduplication_id="a",
        context_path="order-received-from-the-shop", state="ACTIVE",
    )  # fmt: skip
    InboundActivity.objects.create(
        element=hook, message="created process instance 2251799813685300",
        outcome="PROCESS_INSTANCE_CREATED",
    )  # fmt: skip
    InboundElement.objects.create(
        process=process, element_id="Event_PaymentConfirmedByTheProvider", kind="receiveTask",
        inbound_type="io.camunda:aws-sqs-inbound:1", connector_kind="consumer",
        deduplication_id="b", state="DOWN",
        reason="activation failed: Secret 'AWS_SECRET_KEY_FOR_THE_PAYMENTS_QUEUE' not found",
    )  # fmt: skip


@pytest.mark.browser
@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_every_page_fits_a_phone_and_a_laptop(
    staff_context: Any, live_server: Any, celery_worker: Any
) -> None:
    from connectors.catalogue.registry_sync import sync_registry

    sync_registry()
    import_corpus(REST_ID)
    page, url = staff_context.pages[0], live_server.url

    page.goto(url + reverse("configure-default", args=["io.connectorhub.noop"]))
    page.get_by_label("Echo").fill('"hello"')
    expect(page.locator("#job-json")).to_contain_text("hello")
    expect(page.locator("#dry-run")).to_be_enabled()
    page.locator("#dry-run").click()
    page.wait_for_url(re.compile(r"/runs/\d+/$"))
    expect(page.locator("#run-state")).to_have_attribute("data-status", "done", timeout=20_000)
    run_path = page.url.removeprefix(url)
    inbound_elements()

    pages = {
        "catalogue": "/",
        "entry-detail": f"/connectors/{REST_ID}/",
        "configure": reverse("configure-default", args=[REST_ID]),
        "runs": "/runs/",
        "run": run_path,
        "secrets": "/secrets/",
        "secret-new": "/secrets/new/",
        "export": "/export/",
        "configurations": "/configurations/",
        "status": "/status/",
        "inbound": "/inbound/",
        "inbound-console": reverse(
            "inbound-console",
            args=[InboundElement.objects.get(element_id="StartEvent_OrderReceived").pk],
        ),
        "bpmn-interstitial": f"/export/connectors/{REST_ID}/process.bpmn",
        "not-found": "/no/such/page/",
    }
    problems = []
    for name, path in pages.items():
        page.set_viewport_size({"width": 1366, "height": 900})
        page.goto(url + path)
        page.wait_for_load_state("networkidle")
        problems += _check(page, name)
    page.goto(url + "/")
    page.locator("summary", has_text="Import templates").click()
    problems += _check(page, "catalogue-import")

    signed_out = staff_context.browser.new_context()
    try:
        login = signed_out.new_page()
        login.goto(url + "/accounts/login/")
        problems += _check(login, "login")
    finally:
        signed_out.close()
    assert problems == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_dry_run_comes_before_the_long_form(
    staff_context: Any, live_server: Any
) -> None:
    import_corpus(REST_ID)
    page = staff_context.pages[0]
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(live_server.url + reverse("configure-default", args=[REST_ID]))

    status_top = page.locator("#run-status").bounding_box()["y"]
    fields = page.locator("#fields").bounding_box()
    assert status_top < fields["y"] + fields["height"] / 4
    # The navigation wraps instead of widening the page.
    nav = page.locator(".mainnav").bounding_box()
    assert nav["x"] + nav["width"] <= 390
