"""The recording page and the test cases page in Chromium, wide (1366 px) and narrow (390 px):
a pinned answer edited to a 404 through its htmx form, the "Run all test cases" live/offline
choice; nothing sticks out sideways. Screenshots go to test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from connectors.runs.recordings import pin_recording
from tests.builtin.conftest import REST_ID
from tests.conftest import ARTIFACTS
from tests.replay.conftest import rest_values, run_case, save_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1366, 390]


def fits(page: Any) -> bool:
    return bool(page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    ))  # fmt: skip


@pytest.mark.parametrize("width", WIDTHS)
def test_edit_a_pinned_answer_and_choose_offline(
    rest: Any, api: Any, loopback: None, user: Any, signed_in_page: Any, live_server: Any,
    width: int,
) -> None:  # fmt: skip
    case = save_case(user, rest, rest_values(rest, api.url), outcome="bpmn_error")
    pin_recording(test_case=case, run=run_case(case, user, offline=False))
    page = signed_in_page
    page.set_viewport_size({"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(live_server.url + reverse("test-case-recording", args=[case.configuration_id]))
    page.fill("#status-0", "404")
    page.fill("#body-0", '{"message": "gone"}')
    page.locator("#exchange-0 button[type=submit]").click()
    expect(page.locator("#exchange-0 [role=status]")).to_have_text("Saved")
    assert fits(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"replay-recording-{width}.png"), full_page=True)
    case.refresh_from_db()
    assert case.recording["exchanges"][0]["response"]["status"] == 404

    page.goto(live_server.url + reverse("connector-tests", args=[REST_ID]))
    expect(page.locator("#run-all-offline")).to_be_visible()
    expect(page.locator("#run-all")).to_be_visible()
    assert fits(page)
    page.screenshot(path=str(ARTIFACTS / f"replay-tests-{width}.png"), full_page=True)
    assert errors == []
