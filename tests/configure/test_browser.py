"""A person configures the REST connector in a real browser: conditions, errors, live job."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import ARTIFACTS

from .conftest import REST_ID


def _job(page: Any) -> dict[str, Any]:
    return json.loads(page.locator("#job-json").inner_text())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_rest_connector_conditions_errors_and_preview(
    signed_in_page: Any, live_server: Any, rest_version: Any
) -> None:
    from connectors.secrets.services import secret_create

    secret_create(name="SHOP_TOKEN", value="s3cr3t-value")
    page = signed_in_page
    page.goto(live_server.url + reverse("configure", args=[REST_ID, rest_version.version]))
    token = page.locator("[data-key='authentication.token']")
    url_row = page.locator("[data-key='url']")
    assert token.count() == 0

    page.select_option("select[name='v:authentication.type']", label="Bearer token")
    token.wait_for(state="visible")
    assert page.locator("[name='v:authentication.token']").get_attribute("type") == "password"
    assert _job(page)["variables"]["authentication"]["type"] == "bearer"
    # The picker writes a reference; the preview keeps it as a placeholder.
    token.locator("select.secret-picker").select_option("SHOP_TOKEN")
    page.wait_for_function(
        "document.querySelector('#job-json').innerText.includes('{{secrets.SHOP_TOKEN}}')"
    )
    assert page.locator("[name='v:authentication.token']").input_value() == (
        "{{secrets.SHOP_TOKEN}}"
    )
    assert "s3cr3t-value" not in page.content()

    page.select_option("select[name='v:authentication.type']", label="None")
    token.wait_for(state="detached")
    assert _job(page)["variables"]["authentication"] == {"type": "noAuth"}

    assert "URL must not be empty" in url_row.locator(".errorlist").inner_text()
    assert page.locator("#dry-run").is_disabled()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "configure-rest.png"), full_page=True)

    page.locator("[name='v:url']").fill("https://example.com/orders")
    page.wait_for_function(
        "document.querySelector('#job-json').innerText.includes('https://example.com/orders')"
    )
    assert _job(page)["variables"]["url"] == "https://example.com/orders"
    assert url_row.locator(".errorlist").count() == 0
    # The field kept the text and the focus through the re-render.
    assert page.locator("[name='v:url']").input_value() == "https://example.com/orders"
    assert page.evaluate("document.activeElement.name") == "v:url"
    # A key every 410 ms: each pause lets the 400 ms trigger fire, so the next key lands while
    # the request runs and the fields are swapped under the caret; nothing typed is lost.
    page.locator("[name='v:url']").press_sequentially("/a1b2c3", delay=410)
    page.wait_for_function(
        "document.querySelector('#job-json').innerText.includes('/orders/a1b2c3')"
    )
    assert page.locator("[name='v:url']").input_value() == "https://example.com/orders/a1b2c3"

    # The fx toggle turns the field into a FEEL editor, checked as you type.
    url_row.locator(".fx-toggle").click()
    page.locator("textarea.feel[name='v:url']").wait_for()
    page.locator("textarea.feel[name='v:url']").fill('"https://example.com/orders/" +')
    url_row.locator(".errorlist", has_text="FEEL").wait_for()
    page.locator("#id_variables").fill('{"orderId": 7}')
    page.locator("textarea.feel[name='v:url']").fill(
        '"https://example.com/orders/" + string(orderId)'
    )
    page.wait_for_function(
        "document.querySelector('#job-json').innerText.includes('https://example.com/orders/7')"
    )
    assert url_row.locator(".errorlist").count() == 0
    assert not page.locator("#dry-run").is_disabled()
    page.screenshot(path=str(ARTIFACTS / "configure-rest-ready.png"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_big_template_keeps_typing_groups_and_feel_mode(
    signed_in_page: Any, live_server: Any, github_version: Any
) -> None:
    page = signed_in_page
    url = reverse("configure", args=[github_version.entry.template_id, github_version.version])
    page.goto(live_server.url + url)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "configure-github.png"), full_page=True)
    last = page.locator("details.form-group").last
    group_id = last.get_attribute("data-group")
    last.locator("summary").click()  # the user closes a group...
    before = page.locator("#job-json").inner_text()
    page.select_option("select[name='v:operationGroup']", index=1)
    page.wait_for_function(f"document.querySelector('#job-json').innerText !== {before!r}")
    # ...and it stays closed across the re-render.
    closed = page.locator(f"details[data-group='{group_id}']")
    assert closed.get_attribute("open") is None
    page.screenshot(path=str(ARTIFACTS / "configure-github-changed.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_save_reopen_and_list(signed_in_page: Any, live_server: Any, rest_version: Any) -> None:
    page = signed_in_page
    page.goto(live_server.url + reverse("configure", args=[REST_ID, rest_version.version]))
    page.locator("[name='v:url']").fill("https://example.com/orders")
    page.wait_for_function("!document.querySelector('#dry-run').disabled")
    page.locator("#id_variables").fill('{"orderId": 42}')
    page.locator("#id_name").fill("Orders (staging)")
    page.locator("button[value=save]").click()
    page.wait_for_url("**?configuration=*")
    assert "Saved “Orders (staging)”" in page.locator(".messages").inner_text()
    assert page.locator("h1").inner_text() == "Orders (staging)"
    assert page.locator("[name='v:url']").input_value() == "https://example.com/orders"
    assert json.loads(page.locator("#id_variables").input_value()) == {"orderId": 42}
    page.goto(live_server.url + reverse("configuration-list"))
    row = page.locator("#configuration-table tbody tr")
    assert row.count() == 1 and "Send REST Request" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "configurations.png"), full_page=True)
    row.get_by_role("link", name="Orders (staging)").click()
    page.wait_for_url("**/configurations/*/")
    page.screenshot(path=str(ARTIFACTS / "configuration-detail.png"), full_page=True)
    assert "https://example.com/orders" in page.locator("pre").first.inner_text()


_NEXT_FOCUSABLE = """(name) => {
  const all = [...document.querySelectorAll(
    '#configure-form input:not([type=hidden]), #configure-form select, ' +
    '#configure-form textarea, #configure-form button, #configure-form a[href], ' +
    '#configure-form summary, #configure-form [tabindex]'
  )].filter((e) => !e.disabled && e.offsetParent !== null && e.tabIndex >= 0);
  const at = all.indexOf(document.querySelector(`[name='${name}']`));
  const next = all[at + 1];
  return next ? next.outerHTML : null;
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_keyboard_focus_and_caret_survive_the_re_render_and_enter_saves(
    signed_in_page: Any, live_server: Any, rest_version: Any
) -> None:
    page = signed_in_page
    page.goto(live_server.url + reverse("configure", args=[REST_ID, rest_version.version]))
    url_input = page.locator("[name='v:url']")
    url_input.focus()
    page.keyboard.type("https://example.com/orders")
    # The caret stays where the user typed while the fields re-render around it.
    page.wait_for_function(
        "document.querySelector('#job-json').innerText.includes('https://example.com/orders')"
    )
    page.wait_for_timeout(300)
    assert page.evaluate("document.activeElement.name") == "v:url"
    assert page.evaluate("document.activeElement.selectionStart") == len(
        "https://example.com/orders"
    )
    page.keyboard.press("Home")
    page.keyboard.type("x")
    page.wait_for_function(
        "document.querySelector('#job-json').innerText.includes('xhttps://example.com/orders')"
    )
    page.wait_for_timeout(300)
    assert page.evaluate("document.activeElement.selectionStart") == 1
    page.keyboard.press("Backspace")  # the x again

    # Tab moves on to the next control of the form, also when the re-render lands after it.
    expected = page.evaluate(_NEXT_FOCUSABLE, "v:url")
    page.keyboard.press("Tab")
    page.wait_for_function(
        "document.querySelector('#job-json').innerText.includes('\"https://example.com/orders\"')"
    )
    page.wait_for_timeout(300)
    assert page.evaluate("document.activeElement.outerHTML") == expected
    assert page.evaluate("document.activeElement.closest('#fields') !== null")

    # Enter in the "Save as" field saves.
    page.locator("#id_name").fill("Orders by keyboard")
    page.locator("#id_name").press("Enter")
    page.wait_for_url("**?configuration=*")
    assert "Saved “Orders by keyboard”" in page.locator(".messages").inner_text()


@pytest.mark.browser
@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_back_from_the_run_page_keeps_the_form(
    signed_in_page: Any, live_server: Any, celery_worker: Any
) -> None:
    from connectors.catalogue.registry_sync import sync_registry

    sync_registry()
    page = signed_in_page
    page.goto(live_server.url + reverse("configure-default", args=["io.connectorhub.noop"]))
    page.get_by_label("Echo").fill('"hello"')
    page.locator("#id_variables").fill('{"orderId": 42}')
    page.locator("#id_name").fill("Greeting")
    page.wait_for_function("!document.querySelector('#dry-run').disabled")
    page.locator("#dry-run").click()
    page.wait_for_url(re.compile(r"/runs/\d+/$"))

    page.go_back()
    page.wait_for_function("document.querySelector('#job-json').innerText.includes('hello')")
    assert page.get_by_label("Echo").input_value() == '"hello"'
    assert json.loads(page.locator("#id_variables").input_value()) == {"orderId": 42}
    assert page.locator("#id_name").input_value() == "Greeting"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_switching_the_version_keeps_typed_values(
    signed_in_page: Any, live_server: Any, rest_version: Any
) -> None:
    page = signed_in_page
    page.goto(live_server.url + reverse("configure", args=[REST_ID, rest_version.version]))
    page.locator("[name='v:url']").fill("https://example.com/orders")
    page.locator("#id_name").fill("Orders")
    page.wait_for_function(
        "document.querySelector('#job-json').innerText.includes('https://example.com/orders')"
    )
    older = page.locator("#version-switch option:not([selected])").first.get_attribute("value")
    page.select_option("#version-switch", older)
    page.wait_for_url(live_server.url + older)

    assert page.locator("#version-switch option[selected]").get_attribute("value") == older
    assert page.locator("[name='v:url']").input_value() == "https://example.com/orders"
    assert page.locator("#id_name").input_value() == "Orders"
    assert "https://example.com/orders" in page.locator("#job-json").inner_text()
