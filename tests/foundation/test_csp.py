"""A Content-Security-Policy on every page, which no page of ours violates, and no caching of
what a signed-in user sees."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from rest_framework.authtoken.models import Token

from connectors.models import Run
from tests.configure.conftest import REST_ID, import_corpus
from tests.conftest import PASSWORD

DIRECTIVES = [
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "img-src 'self' data:",
    "connect-src 'self'",
]


def _directives(header: str) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/status/", "/api/docs/"])
def test_pages_carry_a_strict_content_security_policy(signed_in_client, path):
    response = signed_in_client.get(path)

    policy = _directives(response["Content-Security-Policy"])
    for directive in DIRECTIVES:
        assert policy[directive.split()[0]] == directive
    # Scripts only from our origin or with this response's nonce: no inline code, no eval.
    assert re.fullmatch(r"script-src 'self'( 'nonce-[^']+')?", policy["script-src"])


@pytest.mark.django_db
def test_signed_in_responses_are_not_stored_by_browsers_or_proxies(signed_in_client, user):
    for path in ("/", "/secrets/", "/status/", "/api/v1/secrets/"):
        cache_control = signed_in_client.get(path)["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control, path

    token = Token.objects.create(user=user)
    signed_in_client.logout()
    api = signed_in_client.get("/api/v1/secrets/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert "no-store" in api["Cache-Control"]


@pytest.mark.django_db
def test_static_files_stay_cacheable(signed_in_client):
    static = signed_in_client.get("/static/css/app.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")


# --- In Chromium: every page works under the policy ------------------------------------------


class Violations:
    """CSP violations a page reports: `securitypolicyviolation` events and console errors."""

    def __init__(self, page: Any) -> None:
        self.found: list[str] = []
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', (e) => console.error("
            "'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile"
            " + ':' + e.lineNumber))"
        )
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "CSP violation" in text:
            self.found.append(f"{message.page.url if message.page else ''}: {text}")


@pytest.fixture
def staff_page(browser: Any, live_server: Any, user: Any) -> Iterator[Any]:
    """A staff user's page that obeys the policy (the shared `page` fixture bypasses it)."""
    user.is_staff = user.is_superuser = True
    user.save()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    violations = Violations(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.violations = violations
    page.user_pk = user.pk
    yield page
    if violations.found:  # shown with a failure that they caused (a click that did nothing)
        print("CSP violations:", *violations.found, sep="\n  ")
    context.close()


@pytest.mark.browser
@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_no_page_violates_the_policy(staff_page: Any, live_server: Any, celery_worker: Any):
    from connectors.catalogue.registry_sync import sync_registry

    sync_registry()
    import_corpus(REST_ID)
    page, url = staff_page, live_server.url

    # Catalogue: the search filters the list with htmx.
    page.locator("#id_q").fill("REST")
    expect(page.locator("#catalogue-filters")).to_be_visible()
    page.wait_for_load_state("networkidle")

    # Configure & test: the htmx re-render, the FEEL editor, the version switch.
    page.goto(url + reverse("configure-default", args=[REST_ID]))
    url_row = page.locator("[data-key='url']")
    page.locator("[name='v:url']").fill("https://example.com/orders")
    expect(page.locator("#job-json")).to_contain_text("https://example.com/orders")
    url_row.locator(".fx-toggle").click()
    page.locator("textarea.feel[name='v:url']").fill('"https://example.com/" + "a"')
    expect(page.locator("#job-json")).to_contain_text("https://example.com/a")
    older = page.locator("#version-switch option:not([selected])").first.get_attribute("value")
    page.select_option("#version-switch", older)
    page.wait_for_url(url + older)

    # Save a configuration, then the delete button asks first (a dismissed question deletes
    # nothing).
    page.goto(url + reverse("configure-default", args=[REST_ID]))
    page.locator("[name='v:url']").fill("https://example.com/orders")
    page.locator("#id_name").fill("Orders")
    page.locator("button[value=save]").click()
    expect(page.locator(".messages")).to_contain_text("Saved “Orders”")
    page.goto(url + reverse("configuration-list"))
    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.locator("button.danger", has_text="Delete").click()
    assert questions == ["Delete this configuration? This cannot be undone."]
    expect(page.locator("#configuration-table tbody tr")).to_have_count(1)

    # A dry-run of the no-op connector; the run page follows it live.
    page.goto(url + reverse("configure-default", args=["io.connectorhub.noop"]))
    page.get_by_label("Echo").fill('"hello"')
    expect(page.locator("#dry-run")).to_be_enabled()
    page.locator("#dry-run").click()
    page.wait_for_url(re.compile(r"/runs/\d+/$"))
    expect(page.locator("#run-state")).to_have_attribute("data-status", "done", timeout=20_000)
    assert Run.objects.count() == 1

    for path in (
        f"/connectors/{REST_ID}/",
        "/connectors/io.connectorhub.noop/runs/",
        "/runs/",
        "/secrets/",
        "/secrets/new/",
        "/secrets/audit/",
        "/export/",
        "/configurations/",
        "/status/",
        "/admin/",
        "/admin/auth/user/",
        f"/admin/auth/user/{staff_page.user_pk}/change/",
    ):
        page.goto(url + path)
        page.wait_for_load_state("networkidle")
    page.goto(url + "/api/docs/")
    expect(page.locator(".swagger-ui .info")).to_be_visible()
    page.wait_for_load_state("networkidle")

    assert page.violations.found == []
