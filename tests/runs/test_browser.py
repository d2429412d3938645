"""In Chromium: configure a connector, run it, watch the run page go queued -> running -> done
without reloading and read the result; a run without a worker waits and says so."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from connectors.models import Run

from .conftest import ARTIFACTS_DIR

pytestmark = [pytest.mark.browser, pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_configure_run_and_watch_it_finish(
    runs_worker: Any, catalogue: dict, signed_in_page: Any, live_server: Any
) -> None:
    page = signed_in_page
    page.goto(f"{live_server.url}/connectors/io.connectorhub.noop/versions/1/configure/")
    page.get_by_label("Echo").fill('"hello " + "browser"')  # a FEEL field: the "=" is shown
    page.get_by_label("Result variable").fill("greeting")
    expect(page.locator("#run-status")).to_contain_text("Ready to run")
    expect(page.locator("#dry-run")).to_be_enabled()
    page.locator("#dry-run").click()
    page.wait_for_url(re.compile(r"/runs/\d+/$"))
    run = Run.objects.get()
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    expect(page.locator("#run-state")).to_have_attribute("data-status", "done", timeout=15_000)
    expect(page.locator("#run-outcome")).to_have_attribute("data-outcome", "completed")
    expect(page.locator("#run-result")).to_contain_text('"echo": "hello browser"')
    expect(page.locator("#run-variables")).to_contain_text('"greeting"')
    assert navigations == []  # the page was updated in place, not reloaded
    assert page.locator(".steps li.past").count() == 3
    page.screenshot(path=str(ARTIFACTS_DIR / "run-page-done.png"), full_page=True)
    assert Run.objects.get(pk=run.pk).values["echo"] == '="hello " + "browser"'


def test_run_waits_for_a_worker_and_finishes_when_one_starts(
    runs_worker: Any, catalogue: dict, signed_in_page: Any, live_server: Any
) -> None:
    from django.core.cache import cache

    from connectorhub.celery import app
    from connectors.runs.selectors import WORKER_STATUS_KEY

    page = signed_in_page
    runs_worker.stop()
    cache.delete(WORKER_STATUS_KEY)
    try:
        page.goto(f"{live_server.url}/runs/new/?template=io.connectorhub.noop")
        page.get_by_label("Values").fill('{"echo": "=42"}')
        page.get_by_role("button", name="Run").click()
        page.wait_for_url(re.compile(r"/runs/\d+/$"))
        expect(page.locator(".no-worker")).to_contain_text("no worker is listening", timeout=15_000)
        expect(page.locator("#run-state")).to_have_attribute("data-status", "queued")
        page.screenshot(path=str(ARTIFACTS_DIR / "run-page-no-worker.png"), full_page=True)
    finally:
        runs_worker.start(app)
    expect(page.locator("#run-outcome")).to_have_attribute(
        "data-outcome", "completed", timeout=20_000
    )
    expect(page.locator("#run-result")).to_contain_text('"echo": 42')
    expect(page.locator(".no-worker")).to_have_count(0)


def test_a_click_held_while_the_form_refreshes_still_starts_the_run(
    runs_worker: Any, catalogue: dict, signed_in_page: Any, live_server: Any
) -> None:
    """The status card holding Dry-run is replaced by each background refresh of the form; one
    arriving between the press and the release of the button must not swallow the click."""
    page = signed_in_page
    page.goto(f"{live_server.url}/connectors/io.connectorhub.noop/versions/1/configure/")
    page.get_by_label("Echo").fill('"first"')
    expect(page.locator("#job-json")).to_contain_text("first")
    button = page.locator("#dry-run").bounding_box()
    assert button is not None
    page.mouse.move(button["x"] + button["width"] / 2, button["y"] + button["height"] / 2)
    with page.expect_response(lambda r: r.request.method == "POST") as refresh:
        page.get_by_label("Echo").fill('"second"')  # the refresh starts 400 ms later
        page.mouse.down()
    assert refresh.value.ok
    page.wait_for_timeout(100)  # let htmx apply the response it received
    page.mouse.up()
    page.wait_for_url(re.compile(r"/runs/\d+/$"))
    assert Run.objects.get().values["echo"] == '="second"'
