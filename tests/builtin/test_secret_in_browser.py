"""Issue 5's acceptance in Chromium: a person creates a secret, uses it in the official REST
connector as {{secrets.API_TOKEN}}, and the dry-run succeeds against a local server that checks
the token. No page shows the value."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from connectors.models import Run
from tests.builtin.conftest import create_secret_in_browser
from tests.builtin.test_dry_run import egress_worker, versions  # noqa: F401 - fixtures
from tests.services.http_servers import Recorded, RecordingServer, Reply

pytestmark = [pytest.mark.browser, pytest.mark.celery, pytest.mark.django_db(transaction=True)]

TOKEN = "tok-9f1c2e-Browser-Only"


@pytest.fixture
def api() -> Iterator[RecordingServer]:
    """Answers 200 only with the right bearer token, 401 otherwise."""

    def orders(request: Recorded) -> Reply:
        if request.header("Authorization") == f"Bearer {TOKEN}":
            return Reply(json={"orders": [1, 2, 3]})
        return Reply(status=401, json={"error": "bad token"})

    with RecordingServer() as server:
        server.route("/orders", orders)
        yield server


def test_secret_used_in_a_rest_dry_run_is_never_shown(
    egress_worker: Any,  # noqa: F811
    versions: dict[str, Any],  # noqa: F811
    api: RecordingServer,
    signed_in_page: Any,
    live_server: Any,
) -> None:
    page = signed_in_page
    create_secret_in_browser(page, live_server.url, "API_TOKEN", TOKEN)

    page.goto(
        f"{live_server.url}/connectors/io.camunda.connectors.HttpJson.v2/versions/18/configure/"
    )
    page.fill("[name='v:url']", f"{api.url}/orders")
    page.select_option("select[name='v:authentication.type']", label="Bearer token")
    token = page.locator("[name='v:authentication.token']")
    expect(token).to_be_visible()
    token.fill("{{secrets.API_TOKEN}}")
    expect(page.locator("#job-json")).to_contain_text("{{secrets.API_TOKEN}}")
    expect(page.locator("#dry-run")).to_be_enabled()
    page.locator("#dry-run").click()
    page.wait_for_url(re.compile(r"/runs/\d+/$"))

    expect(page.locator("#run-state")).to_have_attribute("data-status", "done", timeout=30_000)
    expect(page.locator("#run-outcome")).to_have_attribute("data-outcome", "completed")
    expect(page.locator("#run-result")).to_contain_text('"status": 200')
    assert api.last("/orders").header("Authorization") == f"Bearer {TOKEN}"
    run = Run.objects.get()
    assert TOKEN not in page.content()
    for path in ("/secrets/", f"/runs/{run.pk}/", "/runs/", f"/api/v1/runs/{run.pk}/"):
        page.goto(f"{live_server.url}{path}")
        assert TOKEN not in page.content(), path
